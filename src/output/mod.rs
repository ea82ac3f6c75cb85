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
pub mod spans;
pub mod stale;

use std::path::PathBuf;

pub use atomic::{DestinationLock, StagedFile, Staging, Swapped, move_aside, write_site};
pub use guard::check_destination;
// The files render makes, and the layout rule, are render's (the stage
// before this one); they are named here too, where they are written.
pub use crate::render::site_file::{Content, SiteFile, page_path, url_of};

/// Marks a folder as proofbook's output and lists the files it wrote
/// (`manifest`), so a later build may replace it while it is unchanged.
pub const MARKER_FILE: &str = ".proofbook-site.json";

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
