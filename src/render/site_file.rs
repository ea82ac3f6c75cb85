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

/// The page a chapter becomes: `dir/x.md` → `dir/x.html`; a README
/// becomes its folder's `index.html`, as mdBook's index step does: any case,
/// any extension or none (`README.md`, `Readme.markdown`, `README`).
pub fn page_path(chapter: &Path) -> PathBuf {
    if chapter
        .file_stem()
        .is_some_and(|n| n.eq_ignore_ascii_case("readme"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_readme_of_any_case_and_extension_is_its_folders_index() {
        for (chapter, page) in [
            ("README.md", "index.html"),
            ("first/README", "first/index.html"),
            ("second/Readme.md", "second/index.html"),
            ("third/readme.markdown", "third/index.html"),
            ("README-old.md", "README-old.html"),
            ("notes/readme.d/x.md", "notes/readme.d/x.html"),
        ] {
            assert_eq!(page_path(Path::new(chapter)), Path::new(page), "{chapter}");
        }
    }
}
