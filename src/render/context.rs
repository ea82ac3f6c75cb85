//! What templates see: borrowed, serialisable views of the book and a page.
//!
//! These are the only `Serialize` types of the render stage; their field
//! names are the template API documented in the default theme's README.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct BookView<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    pub text_direction: &'a str,
    pub authors: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct TocEntry<'a> {
    pub level: u8,
    pub id: &'a str,
    pub text: &'a str,
}

#[derive(Debug, Serialize)]
pub struct PageView<'a> {
    pub title: &'a str,
    pub html_title: String,
    pub content: &'a str,
    pub toc: Vec<TocEntry<'a>>,
    pub number: String,
    pub path: &'a str,
    pub edit_url: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NavLink {
    pub title: String,
    pub url: String,
}

/// Settings shared by every page, computed once per build.
#[derive(Debug, Serialize)]
pub struct SiteView<'a> {
    pub book: BookView<'a>,
    pub css_files: Vec<String>,
    pub js_files: Vec<String>,
    pub default_theme: &'a str,
    pub git_repository_url: Option<&'a str>,
    /// `git-repository-icon`'s SVG (Font Awesome), when book.toml names one.
    pub git_repository_icon: Option<&'static str>,
    pub live_reload_script: Option<&'a str>,
    /// Whether the site has a search index (`[output.html.search]`).
    pub search_enabled: bool,
    /// Whether the site has print.html (`[output.html.print] enable`), so
    /// the header links to it only when it exists.
    pub print_enabled: bool,
    /// Whether code blocks get a copy button (`[output.html.playground]
    /// copyable`); the page says `data-copyable="false"` when not.
    pub code_copyable: bool,
}

#[derive(Debug, Serialize)]
pub struct PageCtx<'a> {
    #[serde(flatten)]
    pub site: &'a SiteView<'a>,
    pub page: PageView<'a>,
    pub path_to_root: String,
    pub sidebar: String,
    pub prev: Option<NavLink>,
    pub next: Option<NavLink>,
    /// The page's `#fragment` redirects from book.toml, as a script
    /// (`render::redirect::fragment_script`); chapter pages only.
    pub redirect_script: Option<String>,
    /// The page's one address, for `<link rel="canonical">`, when this
    /// page is a copy of it (index.html as the first chapter); else null.
    pub canonical_url: Option<String>,
}

/// `print.html`: every chapter, in order.
#[derive(Debug, Serialize)]
pub struct PrintCtx<'a> {
    #[serde(flatten)]
    pub site: &'a SiteView<'a>,
    pub page: PageView<'a>,
    pub chapters: Vec<PrintChapterView<'a>>,
    pub path_to_root: String,
    pub sidebar: String,
}

#[derive(Debug, Serialize)]
pub struct PrintChapterView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub content: &'a str,
}
