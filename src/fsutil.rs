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

pub fn read_to_string(path: &Path) -> Result<String, FsError> {
    std::fs::read_to_string(path).map_err(|e| FsError::new("cannot read", path, e))
}

pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
