//! `proofbook init`: writes a minimal book a new user can `serve` at once (a
//! chapter with an example, a comparison and a claim), so nobody has to copy
//! the shipped guide and strip it down to start their own.
//!
//! The starter files live in `src/scaffold/starter/` and are compiled in.
//! Nothing the user owns is overwritten: without `force` a folder that already
//! holds a book (or any of the starter's files) is refused; with `force` the
//! files that already exist are kept as they are and only the missing ones
//! are written.

use std::io::Write;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

static STARTER: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/src/scaffold/starter");

/// Starter files stored under another name than they are written as: a file
/// called `.gitignore` inside `src/` would apply to this repository itself.
const RENAMED: &[(&str, &str)] = &[("gitignore", ".gitignore")];

/// What `init` did, file by file (paths relative to the book's folder).
#[derive(Debug, Default)]
pub struct InitReport {
    pub written: Vec<PathBuf>,
    /// Files that existed already and were left untouched (only with `force`).
    pub kept: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{} already holds a book ({}); not writing a new one over it", .dir.display(), .found.display())]
    BookExists { dir: PathBuf, found: PathBuf },
    #[error("{} exists and is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("{} is a symbolic link; init writes only into a real folder", .0.display())]
    Symlink(PathBuf),
    #[error(transparent)]
    Fs(#[from] crate::fsutil::FsError),
}

impl InitError {
    /// What the user can do about it.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            InitError::BookExists { .. } => Some(
                "pick an empty or new folder (`proofbook init NEW-DIR`), or pass --force to add \
                 only the starter files that are missing and keep every file that exists",
            ),
            InitError::Symlink(_) => Some("name the folder the link points to instead"),
            _ => None,
        }
    }
}

/// Writes the starter book into `dir` (created if missing).
pub fn init(dir: &Path, force: bool) -> Result<InitReport, InitError> {
    use crate::fsutil::FsError;

    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(InitError::Symlink(dir.into())),
        Ok(meta) if !meta.is_dir() => return Err(InitError::NotAFolder(dir.into())),
        _ => {}
    }
    let files = starter_files();
    if !force {
        let marks = ["book.toml", "src/SUMMARY.md", "content/SUMMARY.md"];
        let existing = marks
            .iter()
            .map(PathBuf::from)
            .chain(files.iter().map(|(rel, _)| rel.clone()))
            .find(|rel| std::fs::symlink_metadata(dir.join(rel)).is_ok());
        if let Some(found) = existing {
            return Err(InitError::BookExists {
                dir: dir.into(),
                found,
            });
        }
    }
    let mut report = InitReport::default();
    for (rel, contents) in files {
        let path = dir.join(&rel);
        if std::fs::symlink_metadata(&path).is_ok() {
            report.kept.push(rel);
            continue;
        }
        let parent = path.parent().unwrap_or(dir);
        crate::fsutil::create_dir_all(parent)?;
        // Written beside its final name and moved there without replacing
        // anything, so an interrupted init leaves no half-written file and a
        // file that appeared meanwhile is not clobbered.
        let mut tmp = tempfile::NamedTempFile::new_in(parent)
            .map_err(|e| FsError::new("create a file in", parent, e))?;
        tmp.write_all(contents)
            .map_err(|e| FsError::new("write", &path, e))?;
        match tmp.persist_noclobber(&path) {
            Ok(_) => report.written.push(rel),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => report.kept.push(rel),
            Err(e) => return Err(FsError::new("write", &path, e.error).into()),
        }
    }
    Ok(report)
}

/// Every starter file with the path it is written to, in a stable order.
fn starter_files() -> Vec<(PathBuf, &'static [u8])> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<(PathBuf, &'static [u8])>) {
        for file in dir.files() {
            let mut rel = file.path().to_owned();
            if let Some((_, to)) = RENAMED.iter().find(|(from, _)| rel == Path::new(from)) {
                rel = PathBuf::from(to);
            }
            out.push((rel, file.contents()));
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&STARTER, &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_starter_file_into_a_new_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("new-book");
        let report = init(&dir, false).unwrap();
        assert!(report.kept.is_empty());
        for rel in [
            "book.toml",
            "content/SUMMARY.md",
            ".gitignore",
            "requirements.txt",
        ] {
            assert!(dir.join(rel).is_file(), "{rel} missing");
            assert!(
                report.written.contains(&PathBuf::from(rel)),
                "{rel} not reported"
            );
        }
        assert!(!dir.join("gitignore").exists());
    }

    #[test]
    fn refuses_a_book_without_force_and_keeps_its_files_with_force() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("book.toml"), "[book]\ntitle = \"Mine\"\n").unwrap();
        let err = init(tmp.path(), false).unwrap_err();
        assert!(matches!(err, InitError::BookExists { .. }), "{err}");
        assert!(
            !tmp.path().join("content").exists(),
            "nothing written on refusal"
        );

        let report = init(tmp.path(), true).unwrap();
        assert_eq!(report.kept, vec![PathBuf::from("book.toml")]);
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("book.toml")).unwrap(),
            "[book]\ntitle = \"Mine\"\n"
        );
        assert!(tmp.path().join("content/waiting.md").is_file());
    }

    #[test]
    fn refuses_a_symlinked_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, tmp.path().join("link")).unwrap();
        let err = init(&tmp.path().join("link"), true).unwrap_err();
        assert!(matches!(err, InitError::Symlink(_)), "{err}");
        assert_eq!(std::fs::read_dir(&real).unwrap().count(), 0);
    }
}
