//! mdBook's `create-missing`: a chapter SUMMARY.md names but that does not
//! exist is created, holding its title as a heading.
//!
//! This is the one place proofbook writes into the book's source folder, so
//! it is careful about where: the chapter's path must stay inside the source
//! folder both as written (no `..`, not absolute) and on disk (the deepest
//! folder that exists, links followed, lies below the real source folder and
//! inside the book). The file is written whole and never replaces one: if a
//! file appears at the path meanwhile (an editor saving it), that one wins.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::confine::Confined;

/// What to do with a chapter file that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Create it (`build` and `serve`, `create-missing` on: mdBook's default).
    Create,
    /// Report it, saying `build` would create it (`check`, which writes
    /// nothing into the book).
    WouldCreate,
    /// Report it (`[build] create-missing = false`).
    Error,
}

/// A chapter file made by `create`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The file, below the book's root as given.
    pub path: PathBuf,
    /// SUMMARY.md, as shown in messages.
    pub summary: PathBuf,
    /// The SUMMARY.md line that names it.
    pub line: u32,
}

impl std::fmt::Display for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "created {} (named in {}:{})",
            self.path.display(),
            self.summary.display(),
            self.line
        )
    }
}

/// Why a missing chapter was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("`{}` would be created outside the source folder", .0.display())]
    Outside(PathBuf),
    #[error("`{}` would be created in {}, which leads outside the source folder", .path.display(), .real.display())]
    LinkedOut { path: PathBuf, real: PathBuf },
    #[error("`{}` cannot be created: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl CreateError {
    pub fn help(&self) -> &'static str {
        match self {
            CreateError::Outside(_) | CreateError::LinkedOut { .. } => {
                "name a chapter inside the source folder, or create the file yourself"
            }
            CreateError::Io { .. } => {
                "create the file yourself, or set `create-missing = false` under [build] in book.toml to get an error instead"
            }
        }
    }
}

/// Creates the chapter `location` (relative to `src`, as SUMMARY.md wrote
/// it) holding `# title`. Returns the path written, or `None` when
/// something is there already (a file that appeared meanwhile, a dangling
/// link), which is left as it is for the reader to judge.
pub fn create(
    src: &Path,
    confine: &Confined,
    location: &Path,
    title: &str,
) -> Result<Option<PathBuf>, CreateError> {
    // Judged as written first: `..` could climb out through a folder that
    // `create_dir_all` is about to make, where no link check would see it.
    if location
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        || location.file_name().is_none()
    {
        return Err(CreateError::Outside(location.to_owned()));
    }
    let target = src.join(location);
    if target.symlink_metadata().is_ok() {
        return Ok(None);
    }
    let io = |source| CreateError::Io {
        path: location.to_owned(),
        source,
    };
    let real_src = src.canonicalize().map_err(io)?;
    let mut existing = target.parent().unwrap_or(src).to_path_buf();
    while existing.symlink_metadata().is_err() {
        if !existing.pop() || !existing.starts_with(src) {
            return Err(CreateError::Outside(location.to_owned()));
        }
    }
    // The folder that exists, links followed, must be the source folder or
    // below it, and inside the book (`confine` also keeps out `.git`).
    let real = existing.canonicalize().map_err(io)?;
    if !real.starts_with(&real_src) || confine.resolve(&existing, src).is_err() {
        return Err(CreateError::LinkedOut {
            path: location.to_owned(),
            real,
        });
    }
    let parent = target.parent().unwrap_or(src);
    std::fs::create_dir_all(parent).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".proofbook-new-")
        .tempfile_in(parent)
        .map_err(io)?;
    // Escaped as mdBook does, so a title such as `Vec<T>` is text, not a tag.
    tmp.write_all(format!("# {}\n", crate::html::escape(title)).as_bytes())
        .map_err(io)?;
    match tmp.persist_noclobber(&target) {
        Ok(_) => Ok(Some(target)),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(io(e.error)),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::symlink;

    use super::*;

    fn book() -> (tempfile::TempDir, PathBuf, Confined) {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("book/src");
        fs::create_dir_all(&src).unwrap();
        let confined = Confined::new(&dir.path().join("book"), &[]).0;
        (dir, src, confined)
    }

    #[test]
    fn a_nested_chapter_is_created_with_its_folders_and_heading() {
        let (_dir, src, c) = book();
        let got = create(&src, &c, Path::new("a/b/c.md"), "Vec<T> & co")
            .unwrap()
            .unwrap();
        assert_eq!(got, src.join("a/b/c.md"));
        assert_eq!(
            fs::read_to_string(got).unwrap(),
            "# Vec&lt;T&gt; &amp; co\n"
        );
    }

    #[test]
    fn a_file_that_exists_is_never_replaced() {
        let (_dir, src, c) = book();
        fs::write(src.join("x.md"), "mine").unwrap();
        assert_eq!(create(&src, &c, Path::new("x.md"), "X").unwrap(), None);
        assert_eq!(fs::read_to_string(src.join("x.md")).unwrap(), "mine");
        let left: Vec<_> = fs::read_dir(&src).unwrap().collect();
        assert_eq!(left.len(), 1, "no temp file is left behind");
    }

    #[test]
    fn paths_out_of_the_source_folder_are_refused() {
        let (dir, src, c) = book();
        fs::create_dir(dir.path().join("elsewhere")).unwrap();
        symlink(dir.path().join("elsewhere"), src.join("out")).unwrap();
        // Inside the book but outside the source folder: still refused.
        symlink(dir.path().join("book"), src.join("up")).unwrap();
        for path in [
            "../x.md",
            "/tmp/x.md",
            "a/../../x.md",
            "out/x.md",
            "out/new/x.md",
            "up/x.md",
        ] {
            let err = create(&src, &c, Path::new(path), "X").unwrap_err();
            assert!(
                matches!(err, CreateError::Outside(_) | CreateError::LinkedOut { .. }),
                "{path}: {err}"
            );
        }
        assert_eq!(
            fs::read_dir(dir.path().join("elsewhere")).unwrap().count(),
            0
        );
        assert!(!dir.path().join("x.md").exists());
        assert!(!dir.path().join("book/x.md").exists());
    }
}
