//! Declared data files (`deps=`, see `markdown::deps`) as the execute stage
//! uses them: their content hashed into the example's cache key, so editing
//! one re-runs exactly the examples that declared it, and the list the
//! sandbox mounts read-only at each file's path relative to the program's
//! working folder.

use std::io::Read;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::markdown::deps::DataFile;

/// A digest of the files' paths and contents, empty when there are none
/// (so an example without `deps=` keeps the key it always had). A file
/// that cannot be read hashes as its error: the run then fails at its
/// mount and says why, and the key differs once it can be read again.
pub fn digest(files: &[DataFile]) -> String {
    if files.is_empty() {
        return String::new();
    }
    let mut h = Sha256::new();
    for file in files {
        let name = file.rel.to_string_lossy();
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        if let Err(e) = hash_content(&mut h, file) {
            h.update(b"unreadable:");
            h.update(e.kind().to_string().as_bytes());
        }
    }
    crate::execute::cache::hex(&h.finalize())
}

fn hash_content(h: &mut Sha256, file: &DataFile) -> std::io::Result<()> {
    let mut f = std::fs::File::open(&file.path)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    h.update(total.to_le_bytes());
    Ok(())
}

/// The mounts of `files`: each host file (links resolved) and its path
/// relative to the sandbox's working folder.
pub fn mounts(files: &[DataFile]) -> Vec<(PathBuf, PathBuf)> {
    files
        .iter()
        .map(|f| {
            let host = f.path.canonicalize().unwrap_or_else(|_| f.path.clone());
            (host, f.rel.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_follows_content_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "1,2\n").unwrap();
        let file = |rel: &str| DataFile {
            rel: rel.into(),
            path: path.clone(),
        };
        assert_eq!(digest(&[]), "");
        let first = digest(&[file("a.csv")]);
        assert_eq!(first, digest(&[file("a.csv")]));
        assert_ne!(first, digest(&[file("b.csv")]));
        std::fs::write(&path, "1,3\n").unwrap();
        assert_ne!(first, digest(&[file("a.csv")]));
        std::fs::remove_file(&path).unwrap();
        assert_ne!(first, digest(&[file("a.csv")]));
    }
}
