//! Confinement: every file a book names is read from inside the book.
//!
//! A book is untrusted input (a pull request built in CI, a book downloaded
//! to try), but proofbook reads what it names with the user's rights. So
//! every path a book gives (a `file=` option, an `{{#include}}`, a chapter
//! in SUMMARY.md, a theme or asset in book.toml, the `examples/` folder) is
//! resolved here: symbolic links followed (`canonicalize`), then the result
//! must lie below the book's root, also resolved. A relative path through a
//! link, or a link two levels deep, is judged by where it really lands.
//!
//! Inside the book, its `.git` folder is out of bounds too: a CI checkout
//! keeps the repository's access token in `.git/config`.
//!
//! A book that needs an outside file lists it in book.toml
//! (`[proofbook] allow-outside`, paths relative to the book's root); every
//! such file read is remembered so the build can say what it took.

use std::collections::BTreeSet;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::diag::Diagnostic;

/// The book's root and the outside paths book.toml allows.
#[derive(Debug, Clone)]
pub struct Confined {
    /// The root as given (what messages and site paths are relative to).
    root: PathBuf,
    /// The root with every link resolved: what "inside" is checked against.
    real_root: PathBuf,
    /// Resolved `allow-outside` entries: a file, or a folder and all below.
    allowed: Vec<PathBuf>,
    /// Outside files read so far, for the build to list.
    taken: Arc<Mutex<BTreeSet<PathBuf>>>,
}

/// Why a path a book names is not read.
#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    /// The path does not lead to anything (or cannot be followed).
    #[error("`{}` cannot be found: {source}", .path.display())]
    Missing {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The path, links followed, leaves the book.
    #[error("`{}` leads outside the book, to {}", .path.display(), .real.display())]
    Outside {
        path: PathBuf,
        real: PathBuf,
        /// The `allow-outside` entry that would allow it.
        entry: String,
    },
    /// The path leads into the book's `.git` folder.
    #[error("`{}` leads into the book's .git folder, which is never read", .path.display())]
    Git { path: PathBuf },
}

impl ConfineError {
    /// What the author can do about it.
    pub fn help(&self) -> String {
        match self {
            ConfineError::Missing { .. } => "check the path; it is relative to the file that names it".into(),
            ConfineError::Outside { entry, .. } => format!(
                "copy the file into the book; or, if the book really needs it, allow it in book.toml with `[proofbook] allow-outside = [{entry:?}]`"
            ),
            ConfineError::Git { .. } => {
                "the repository's configuration (and a CI checkout's token) lives there; name another file".into()
            }
        }
    }

    /// Whether the path simply does not exist (callers keep their own
    /// "not found" wording for that).
    pub fn is_missing(&self) -> bool {
        matches!(self, ConfineError::Missing { .. })
    }
}

impl Confined {
    /// The book in `root`, allowed to read `allow_outside` (relative to the
    /// root). Entries that do not exist are returned apart, for book.toml's
    /// checks to report; they allow nothing.
    pub fn new(root: &Path, allow_outside: &[PathBuf]) -> (Confined, Vec<(PathBuf, io::Error)>) {
        let real_root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
        let mut allowed = Vec::new();
        let mut missing = Vec::new();
        for entry in allow_outside {
            match root.join(entry).canonicalize() {
                Ok(real) => allowed.push(real),
                Err(e) => missing.push((entry.clone(), e)),
            }
        }
        let confined = Confined {
            root: root.to_owned(),
            real_root,
            allowed,
            taken: Arc::default(),
        };
        (confined, missing)
    }

    /// The book's root as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What decides whether a path is inside (the root, as given and
    /// resolved, and what book.toml allows), for keys of work that
    /// depends on it.
    pub fn bounds(&self) -> (&Path, &Path, &[PathBuf]) {
        (&self.root, &self.real_root, &self.allowed)
    }

    /// Resolves `path` (relative to the folder `origin`, or absolute): the
    /// file it leads to, links followed, if that is inside the book or
    /// allowed. A path inside comes back below `root()` as given, so
    /// messages and site paths stay relative to the book.
    pub fn resolve(&self, path: &Path, origin: &Path) -> Result<PathBuf, ConfineError> {
        let joined = origin.join(path);
        let real = joined
            .canonicalize()
            .map_err(|source| ConfineError::Missing {
                path: path.to_owned(),
                source,
            })?;
        self.judge(path, real)
    }

    /// Judges an already resolved path (`real`, every link followed).
    fn judge(&self, path: &Path, real: PathBuf) -> Result<PathBuf, ConfineError> {
        if let Ok(rel) = real.strip_prefix(&self.real_root) {
            if rel.components().any(|c| c.as_os_str() == ".git") {
                return Err(ConfineError::Git {
                    path: path.to_owned(),
                });
            }
            return Ok(self.root.join(rel));
        }
        if self.allowed.iter().any(|a| real.starts_with(a)) {
            if let Ok(mut taken) = self.taken.lock() {
                taken.insert(real.clone());
            }
            return Ok(real);
        }
        Err(ConfineError::Outside {
            path: path.to_owned(),
            entry: relative(&self.real_root, &real).display().to_string(),
            real,
        })
    }

    /// Whether `path` (links followed) lies inside the book's folder, its
    /// `.git` included and `allow-outside` not counted: a program there is
    /// the book's, which proofbook never runs outside the sandbox. A path
    /// that does not exist is not inside.
    pub fn within_book(&self, path: &Path) -> bool {
        path.canonicalize()
            .is_ok_and(|real| real.starts_with(&self.real_root))
    }

    /// Whether `path` (links followed) is inside the book or allowed; a
    /// path that does not exist is neither.
    pub fn contains(&self, path: &Path) -> bool {
        self.resolve(path, Path::new("")).is_ok()
    }

    /// Problems that keep the folder `dir` (the book's `examples/`) from
    /// being published or mounted into the sandbox whole: the folder or a
    /// symbolic link under it leading outside the book, and special files
    /// (FIFOs, sockets, devices). Refused rather than skipped: the folder is
    /// bind-mounted as it is, so an entry cannot be left out of the mount,
    /// and a real book never holds one. `allow-outside` does not apply, as
    /// a link out of the book would point at nothing in the sandbox. The
    /// diagnostics carry no span: showing a source excerpt would read the
    /// very file that is refused.
    pub fn tree_problems(&self, dir: &Path) -> Vec<Diagnostic> {
        let name = |p: &Path| {
            crate::fsutil::display_relative(p, &self.root)
                .display()
                .to_string()
        };
        if dir.symlink_metadata().is_err() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let outside = |p: &Path| match p.canonicalize() {
            Ok(real) if !real.starts_with(&self.real_root) => Some(real),
            Ok(real) if self.judge(p, real.clone()).is_err() => Some(real),
            _ => None,
        };
        if let Some(real) = outside(dir) {
            out.push(
                Diagnostic::error(format!("`{}` leads outside the book, to {}", name(dir), real.display()), None)
                    .with_help("make it a real folder inside the book: it is published with the site and mounted into the sandbox"),
            );
            return out;
        }
        for entry in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let kind = entry.file_type();
            let path = entry.path();
            let problem = if kind.is_symlink() {
                outside(path).map(|real| {
                    format!(
                        "a symbolic link that leads outside the book, to {}",
                        real.display()
                    )
                })
            } else if kind.is_fifo() {
                Some("a FIFO (named pipe)".to_owned())
            } else if kind.is_socket() {
                Some("a unix socket".to_owned())
            } else if kind.is_block_device() || kind.is_char_device() {
                Some("a device file".to_owned())
            } else {
                None
            };
            if let Some(what) = problem {
                out.push(
                    Diagnostic::error(format!("`{}` is {what}", name(path)), None).with_help(
                        "the examples folder is published and mounted into the sandbox whole, so it may hold only files and folders of the book; remove it, or copy the file in",
                    ),
                );
            }
        }
        out
    }

    /// The outside files read so far (allowed by book.toml), in order.
    pub fn taken(&self) -> Vec<PathBuf> {
        self.taken
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// `to` relative to `from` (both absolute, links resolved): the
/// `allow-outside` entry a refused path would need.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_parts[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::symlink;

    use super::*;

    /// A folder with `book/` (holding `in.txt`) and `outside.txt` beside it.
    fn layout() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let book = dir.path().join("book");
        fs::create_dir_all(book.join("sub")).unwrap();
        fs::write(book.join("in.txt"), "in").unwrap();
        fs::write(dir.path().join("outside.txt"), "out").unwrap();
        (dir, book)
    }

    #[test]
    fn inside_paths_resolve_below_the_root_as_given() {
        let (_dir, book) = layout();
        let (c, missing) = Confined::new(&book, &[]);
        assert!(missing.is_empty());
        let got = c
            .resolve(Path::new("../in.txt"), &book.join("sub"))
            .unwrap();
        assert_eq!(got, book.join("in.txt"));
    }

    #[test]
    fn absolute_climbing_and_linked_paths_out_are_refused() {
        let (dir, book) = layout();
        symlink(dir.path().join("outside.txt"), book.join("sub/link")).unwrap();
        let (c, _) = Confined::new(&book, &[]);
        for (path, origin) in [
            ("/etc/passwd", book.clone()),
            ("../../outside.txt", book.join("sub")),
            ("link", book.join("sub")),
        ] {
            let err = c.resolve(Path::new(path), &origin).unwrap_err();
            assert!(matches!(err, ConfineError::Outside { .. }), "{path}: {err}");
        }
        let err = c.resolve(Path::new("sub/link"), &book).unwrap_err();
        assert!(
            err.help().contains("allow-outside = [\"../outside.txt\"]"),
            "{}",
            err.help()
        );
    }

    #[test]
    fn allowed_outside_files_are_read_and_remembered() {
        let (dir, book) = layout();
        let (c, missing) = Confined::new(&book, &["../outside.txt".into(), "../nope".into()]);
        assert_eq!(missing.len(), 1);
        let got = c.resolve(Path::new("../outside.txt"), &book).unwrap();
        assert_eq!(got, dir.path().join("outside.txt").canonicalize().unwrap());
        assert_eq!(c.taken(), vec![got]);
    }

    #[test]
    fn the_git_folder_is_out_of_bounds() {
        let (_dir, book) = layout();
        fs::create_dir(book.join(".git")).unwrap();
        fs::write(book.join(".git/config"), "token").unwrap();
        let (c, _) = Confined::new(&book, &[]);
        let err = c.resolve(Path::new(".git/config"), &book).unwrap_err();
        assert!(matches!(err, ConfineError::Git { .. }), "{err}");
    }
}
