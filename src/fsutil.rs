//! File-system helpers that attach the path to every error, once, so call
//! sites stay short (the way mdBook's `utils/fs.rs` does).

use std::io;
use std::path::{Component, Path, PathBuf};

/// An I/O error together with the file it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", .path.display())]
pub struct FsError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl FsError {
    pub fn new(action: &'static str, path: &Path, source: io::Error) -> FsError {
        FsError {
            action,
            path: path.to_owned(),
            source,
        }
    }
}

/// The largest file proofbook reads as text or copies into memory: far
/// above any real chapter, include or theme file, and small enough that
/// `/dev/zero` or a runaway generated file fails fast instead of eating
/// the machine's memory.
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Reads a regular file as UTF-8. A FIFO, a device or a folder is refused
/// up front (reading one could block for ever or never end), as is a file
/// over `MAX_FILE_SIZE`.
pub fn read_to_string(path: &Path) -> Result<String, FsError> {
    let bytes = read(path)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // Where the bad byte is, as an editor shows it: the valid text
        // before it is UTF-8, so its lines and characters can be counted.
        let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        FsError::new(
            "cannot read",
            path,
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "it is not UTF-8 text: byte 0x{:02x} at line {line}, column {column} \
                     (offset {at}); save the file as UTF-8",
                    bytes[at]
                ),
            ),
        )
    })
}

/// Reads a regular file (see `read_to_string` for what is refused).
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    let meta = std::fs::metadata(path).map_err(|e| FsError::new("cannot read", path, e))?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file"
        };
        return Err(FsError::new(
            "cannot read",
            path,
            io::Error::new(io::ErrorKind::InvalidInput, format!("it is {kind}")),
        ));
    }
    if meta.len() > MAX_FILE_SIZE {
        let msg = format!(
            "it is {} MiB, more than the {} MiB proofbook reads",
            meta.len() >> 20,
            MAX_FILE_SIZE >> 20
        );
        return Err(FsError::new(
            "cannot read",
            path,
            io::Error::new(io::ErrorKind::InvalidInput, msg),
        ));
    }
    std::fs::read(path).map_err(|e| FsError::new("cannot read", path, e))
}

pub fn create_dir_all(path: &Path) -> Result<(), FsError> {
    std::fs::create_dir_all(path).map_err(|e| FsError::new("cannot create folder", path, e))
}

/// `path` relative to `base` when it lies below it, for messages.
pub fn display_relative(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map_or_else(|_| path.to_owned(), Path::to_owned)
}

/// Resolves `.` and `..` without touching the disk (the path may not exist).
/// An absolute path cannot climb above its root; a relative one keeps the
/// `..` that climb above its start, so `../x` stays outside.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

/// The bytes of the regular file `path`, read without following a link or
/// blocking on a FIFO, when it holds at most `cap` bytes.
pub fn read_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Error::other("it is a symbolic link"),
            _ => e,
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::other("it is not a regular file"));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(cap) as usize);
    // The size can grow after the check; the read stops past the cap anyway.
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("it is larger than any entry proofbook writes ({cap} bytes)"),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_refused_before_reading() {
        let err = read_to_string(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read(dir.path())
                .unwrap_err()
                .to_string()
                .contains("a folder")
        );
        std::fs::write(dir.path().join("bad.md"), b"ok \xff").unwrap();
        assert!(
            read_to_string(&dir.path().join("bad.md"))
                .unwrap_err()
                .to_string()
                .contains("offset 3")
        );
    }

    #[test]
    fn normalize_resolves_dots_lexically() {
        let n = |p: &str| normalize(Path::new(p)).display().to_string();
        assert_eq!(n("/a/b/../c/./d"), "/a/c/d");
        assert_eq!(n("/a/../../b"), "/b");
        assert_eq!(n("a/../../b"), "../b");
        assert_eq!(n("../../x.md"), "../../x.md");
        assert_eq!(n("./a/b/.."), "a");
    }
}
