//! Output stage: the planned site files → the destination folder.
//!
//! `guard` refuses destinations whose replacement could destroy the user's
//! files; `atomic` writes the whole site into a temp folder beside the
//! destination and swaps it in, so a failed build leaves the previous site
//! as it was. This is the only module that writes under the build folder.

pub mod assets;
pub mod atomic;
pub mod guard;
pub mod manifest;
pub mod stale;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

pub use atomic::{DestinationLock, StagedFile, Staging, Swapped, move_aside, write_site};
pub use guard::check_destination;

/// Marks a folder as proofbook's output and lists the files it wrote
/// (`manifest`), so a later build may replace it while it is unchanged.
pub const MARKER_FILE: &str = ".proofbook-site.json";

/// One file of the site, by path relative to the site root.
#[derive(Debug)]
pub struct SiteFile {
    pub path: PathBuf,
    pub content: Content,
}

#[derive(Debug)]
pub enum Content {
    Bytes(Cow<'static, [u8]>),
    /// A file of the book copied as is (images, downloads, …).
    CopyOf(PathBuf),
}

impl SiteFile {
    pub fn text(path: impl Into<PathBuf>, text: String) -> SiteFile {
        SiteFile {
            path: path.into(),
            content: Content::Bytes(Cow::Owned(text.into_bytes())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("refusing to write the site to {}: {reason}", .dest.display())]
    UnsafeDestination { dest: PathBuf, reason: String },
    #[error("refusing to write `{}`: site paths must stay inside the output folder", .path.display())]
    UnsafePath { path: PathBuf },
    #[error(
        "refusing to replace {}: {found}. proofbook replaces only a folder it wrote, as it wrote it; \
         run again with --force to move this one aside to {}.replaced-TIME (nothing is deleted), \
         or choose another folder with --dest-dir",
        .dest.display(),
        .dest.display()
    )]
    NotOurs { dest: PathBuf, found: String },
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    #[error(transparent)]
    Io(#[from] crate::fsutil::FsError),
}

/// The page a chapter becomes: `dir/x.md` → `dir/x.html`; a `README.md`
/// becomes its folder's `index.html`, as mdBook's index step does.
pub fn page_path(chapter: &Path) -> PathBuf {
    if chapter
        .file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
    {
        chapter.with_file_name("index.html")
    } else {
        chapter.with_extension("html")
    }
}

/// A book-relative file path as a site URL path (forward slashes, no `./`).
pub fn url_of(path: &Path) -> String {
    path.to_string_lossy()
        .replace('\\', "/")
        .trim_start_matches("./")
        .to_owned()
}
