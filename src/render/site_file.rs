//! What render hands output: each file of the site by its path in the
//! site, and the layout rule that names a chapter's page. Render makes
//! these and output only writes them, so they belong to render, the earlier
//! stage (`output` re-exports them where it writes them).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

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
