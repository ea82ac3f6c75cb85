//! The site's marker: the list of files proofbook wrote into it.
//!
//! A site folder is replaced (and `proofbook clean` removes it) only when
//! it holds this marker and nothing else than what the marker lists, as it
//! was written: so a folder made by hand or by another tool, or one where
//! a file was added or edited since the build, is never deleted. Each file
//! is listed with its size, modification time and SHA-256; checking a site
//! compares size and time first and hashes only a file whose time changed
//! (git's index does the same), so checking a site that nobody touched
//! reads no file.
//!
//! A file's digest is known without reading it back when it was made: the
//! staging folder hashes what it writes (`Written`), and a file assembled
//! from parts whose keys are already known (print.html, the search index)
//! is listed with its pieces' lengths and a digest of their keys, so its
//! tens of MB are not hashed a second time. Such an entry is checked the
//! same way: a file whose size or time changed is read, cut at the listed
//! lengths and each piece hashed again.

use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::digest::Key;
use crate::fsutil::FsError;
use crate::output::MARKER_FILE;
use crate::output::spans::bytes_key;

/// The marker of proofbook 0.1 and earlier: no list, so it proves nothing.
pub const LEGACY_MARKER: &str = ".proofbook-output";

const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub size: u64,
    /// Modification time in ns since the epoch, for the quick check.
    pub mtime_ns: u128,
    /// The file's SHA-256; with `pieces`, the SHA-256 of its pieces' keys.
    pub sha256: String,
    /// The lengths of the pieces the file was written in, when its digest
    /// is made of theirs (`Pieces`); empty for a digest of the whole file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pieces: Vec<u64>,
}

/// The digest of a file written in pieces, each with its key
/// (`spans::bytes_key` of its bytes), made as the pieces go in.
#[derive(Default)]
pub struct Pieces {
    lengths: Vec<u64>,
    hasher: Sha256,
}

impl Pieces {
    /// A piece of `len` bytes whose `bytes_key` is `key`.
    pub fn add(&mut self, len: usize, key: Key) {
        self.lengths.push(len as u64);
        self.hasher.update((len as u64).to_le_bytes());
        self.hasher.update(key.0);
    }

    fn finish(self) -> (String, Vec<u64>) {
        (hex(&self.hasher.finalize()), self.lengths)
    }
}

/// The entries of files the staging folder wrote, made while writing them
/// (the file's own size and time, read from its open handle once written).
#[derive(Default)]
pub struct Written(Mutex<HashMap<String, Entry>>);

impl Written {
    /// The file `site_path`, just written through `file`, whose bytes
    /// hash to `sha256` (or are `pieces`).
    pub fn record(
        &self,
        site_path: &Path,
        file: &std::fs::File,
        digest: Digest,
    ) -> std::io::Result<()> {
        let meta = file.metadata()?;
        let (sha256, pieces) = match digest {
            Digest::Whole(sha256) => (sha256, Vec::new()),
            Digest::Pieces(p) => p.finish(),
        };
        let entry = Entry {
            size: meta.len(),
            mtime_ns: mtime_ns(&meta)?,
            sha256,
            pieces,
        };
        let name = site_name(site_path);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name, entry);
        Ok(())
    }

    fn get(&self, name: &str) -> Option<Entry> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(name).cloned()
    }
}

/// How a written file's digest was made.
pub enum Digest {
    /// The SHA-256 of its bytes, as hex (`sha256_hex`).
    Whole(String),
    Pieces(Pieces),
}

/// The SHA-256 of `bytes`, as the manifest writes it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mtime_ns(meta: &std::fs::Metadata) -> std::io::Result<u128> {
    Ok(meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos()))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The proofbook that wrote the site.
    pub proofbook: String,
    /// Site path (with `/`) → the file as written.
    pub files: BTreeMap<String, Entry>,
}

/// Who the folder at a destination belongs to.
#[derive(Debug)]
pub enum Ownership {
    /// Nothing there, or an empty folder: nothing to lose.
    Free,
    /// proofbook's site, exactly as it wrote it.
    Ours(Manifest),
    /// Anything else, with what was found (for the error message).
    Foreign(String),
}

/// Whether the folder `dir` may be replaced: see `Ownership`.
pub fn ownership(dir: &Path) -> Ownership {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ownership::Free,
        Err(e) => return Ownership::Foreign(format!("it cannot be read ({e})")),
    };
    if !meta.is_dir() {
        return Ownership::Foreign("it is a file or a symbolic link, not a folder".into());
    }
    // Folders alone (none holding a file) have nothing to lose.
    let mut walk = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    match walk.find(|e| !e.as_ref().is_ok_and(|e| e.file_type().is_dir())) {
        None => return Ownership::Free,
        Some(Err(e)) => return Ownership::Foreign(format!("part of it cannot be read ({e})")),
        Some(Ok(_)) => {}
    }
    let marker = dir.join(MARKER_FILE);
    let manifest = match crate::fsutil::read(&marker) {
        Ok(bytes) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) if m.format == FORMAT => m,
            _ => {
                return Ownership::Foreign(format!(
                    "its marker {MARKER_FILE} is damaged or not proofbook's"
                ));
            }
        },
        Err(_) if dir.join(LEGACY_MARKER).is_file() => {
            return Ownership::Foreign(format!(
                "it was made by an older proofbook, whose marker ({LEGACY_MARKER}) does not list the files it wrote"
            ));
        }
        Err(_) => return Ownership::Foreign(describe_foreign(dir)),
    };
    match differences(dir, &manifest) {
        None => Ownership::Ours(manifest),
        Some(what) => Ownership::Foreign(what),
    }
}

/// What a folder without a marker holds, in a few words.
fn describe_foreign(dir: &Path) -> String {
    let mdbook = dir.join("index.html").is_file()
        && ["toc.js", "searchindex.js", "book.js"]
            .iter()
            .any(|f| dir.join(f).is_file());
    let names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut shown: Vec<&str> = names.iter().map(String::as_str).collect();
    shown.sort_unstable();
    let more = shown.len().saturating_sub(3);
    shown.truncate(3);
    let list = if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    };
    if mdbook {
        format!("it holds another tool's site (mdBook's, by its files: {list}), not proofbook's")
    } else {
        format!("it holds files proofbook did not write ({list}) and no {MARKER_FILE}")
    }
}

/// The first way `dir` differs from `manifest`, if any: a file or link
/// that is not listed, or a listed file changed. A listed file that is
/// missing is no difference that matters: replacing the folder loses
/// nothing more for it.
fn differences(dir: &Path, manifest: &Manifest) -> Option<String> {
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => return Some(format!("part of it cannot be read ({e})")),
        };
        if entry.file_type().is_dir() {
            // A folder holds no data of its own: removing an empty one
            // loses nothing, and its files are checked one by one.
            continue;
        }
        let name = site_name(entry.path().strip_prefix(dir).unwrap_or(entry.path()));
        if name == MARKER_FILE {
            continue;
        }
        let Some(listed) = manifest.files.get(&name) else {
            return Some(format!(
                "{name} was not written by proofbook (added since the last build?)"
            ));
        };
        if !entry.file_type().is_file() {
            return Some(format!(
                "{name} was replaced by something that is not a file"
            ));
        }
        match entry_of(entry.path(), Some(listed)) {
            Ok(now) if now.sha256 == listed.sha256 && now.size == listed.size => {}
            Ok(_) => return Some(format!("{name} was changed since proofbook wrote it")),
            Err(e) => return Some(format!("{name} cannot be read ({e})")),
        }
    }
    None
}

/// A site path as the manifest writes it.
fn site_name(rel: &Path) -> String {
    rel.to_string_lossy().replace('\\', "/")
}

/// The entry of the file at `path`; with `known` (the entry it had),
/// the hash is taken from it when size and time are the same, and made
/// the way `known`'s was (whole, or piece by piece) otherwise.
fn entry_of(path: &Path, known: Option<&Entry>) -> std::io::Result<Entry> {
    let meta = std::fs::symlink_metadata(path)?;
    let mtime_ns = mtime_ns(&meta)?;
    if let Some(k) = known
        && k.size == meta.len()
        && k.mtime_ns == mtime_ns
    {
        return Ok(k.clone());
    }
    let file = std::fs::File::open(path)?;
    let pieces = known
        .filter(|k| k.pieces.iter().sum::<u64>() == meta.len())
        .map_or(&[][..], |k| &k.pieces[..]);
    let sha256 = match pieces {
        [] => whole_digest(file)?,
        _ => pieces_digest(file, pieces)?,
    };
    Ok(Entry {
        size: meta.len(),
        mtime_ns,
        sha256,
        pieces: pieces.to_vec(),
    })
}

/// The SHA-256 of a file's bytes, read in blocks.
fn whole_digest(mut file: std::fs::File) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// A file's digest as `Pieces` made it, from its bytes cut at `lengths`.
fn pieces_digest(file: std::fs::File, lengths: &[u64]) -> std::io::Result<String> {
    let mut input = std::io::BufReader::with_capacity(1 << 16, file);
    let mut digest = Pieces::default();
    let mut buf = Vec::new();
    for &len in lengths {
        buf.clear();
        (&mut input).take(len).read_to_end(&mut buf)?;
        if buf.len() as u64 != len {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        digest.add(buf.len(), bytes_key(&buf));
    }
    Ok(digest.finish().0)
}

/// Lists every file of the staging folder `dir` and writes the marker
/// into it. `previous` is the site being replaced: a page linked from it
/// (reuse) keeps its time and size, so its hash is not computed again;
/// nor is that of a file in `written` whose size and time are as it was
/// written.
pub fn write_marker(
    dir: &Path,
    previous: Option<&Manifest>,
    written: &Written,
) -> Result<(), FsError> {
    let mut paths = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|e| {
            let path = e.path().map_or_else(|| dir.to_owned(), Path::to_owned);
            FsError::new("cannot list", &path, e.into())
        })?;
        if !entry.file_type().is_dir() {
            paths.push(entry.into_path());
        }
    }
    // Hashing a file not hashed as it was written (an asset copied, a file
    // changed since) is most of the work: spread it over the cores.
    let files = paths
        .par_iter()
        .map(|path| {
            let name = site_name(path.strip_prefix(dir).unwrap_or(path));
            let made = written.get(&name);
            let known = made.as_ref().or_else(|| previous?.files.get(&name));
            let e = entry_of(path, known).map_err(|e| FsError::new("cannot read", path, e))?;
            Ok((name, e))
        })
        .collect::<Result<BTreeMap<_, _>, FsError>>()?;
    let manifest = Manifest {
        format: FORMAT,
        proofbook: env!("CARGO_PKG_VERSION").into(),
        files,
    };
    let marker = dir.join(MARKER_FILE);
    let json = serde_json::to_vec(&manifest).expect("the manifest serializes");
    std::fs::write(&marker, json).map_err(|e| FsError::new("cannot write", &marker, e))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn foreign(o: Ownership) -> String {
        match o {
            Ownership::Foreign(why) => why,
            other => panic!("expected a foreign folder, got {other:?}"),
        }
    }

    #[test]
    fn a_site_is_ours_only_while_it_is_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        assert!(matches!(ownership(&site), Ownership::Free));
        fs::create_dir_all(site.join("a")).unwrap();
        assert!(matches!(ownership(&site), Ownership::Free));
        fs::write(site.join("index.html"), "<p>1</p>").unwrap();
        fs::write(site.join("a/b.html"), "b").unwrap();
        assert!(foreign(ownership(&site)).contains("did not write"));
        write_marker(&site, None, &Written::default()).unwrap();
        assert!(matches!(ownership(&site), Ownership::Ours(_)));

        fs::write(site.join("a/notes.txt"), "mine").unwrap();
        assert!(foreign(ownership(&site)).contains("a/notes.txt was not written"));
        fs::remove_file(site.join("a/notes.txt")).unwrap();
        assert!(matches!(ownership(&site), Ownership::Ours(_)));

        // Same size, new content: the time changed, so it is hashed.
        fs::write(site.join("index.html"), "<p>2</p>").unwrap();
        assert!(foreign(ownership(&site)).contains("index.html was changed"));
        write_marker(&site, None, &Written::default()).unwrap();
        fs::remove_file(site.join("a/b.html")).unwrap();
        assert!(
            matches!(ownership(&site), Ownership::Ours(_)),
            "a removed file loses nothing"
        );
    }

    #[test]
    fn a_link_or_a_bad_marker_is_not_ours() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        fs::create_dir_all(&site).unwrap();
        fs::write(site.join("index.html"), "x").unwrap();
        write_marker(&site, None, &Written::default()).unwrap();
        std::os::unix::fs::symlink("/etc", site.join("etc")).unwrap();
        assert!(foreign(ownership(&site)).contains("etc was not written"));
        fs::remove_file(site.join("etc")).unwrap();
        fs::write(site.join(MARKER_FILE), "{}").unwrap();
        assert!(foreign(ownership(&site)).contains("damaged"));
        fs::remove_file(site.join(MARKER_FILE)).unwrap();
        fs::write(site.join(LEGACY_MARKER), "").unwrap();
        assert!(foreign(ownership(&site)).contains("older proofbook"));
    }
}
