//! `[output.html]`: what the HTML renderer does, resolved from the raw
//! table with mdBook's defaults (and ours where they differ, said at the key).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::raw::{self, RawHtml};
use crate::diag::Span;

/// `[output.html.search]`, with mdBook's defaults except `use-boolean-and`
/// (see `render::search`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchOptions {
    /// At most this many results are shown (`limit-results`, 30).
    pub limit_results: u32,
    /// Words in a result's snippet (`teaser-word-count`, 30).
    pub teaser_word_count: u32,
    /// Every word of a query must match (`use-boolean-and`); mdBook's
    /// default is `false`, ours `true`, the way most site searches behave.
    pub use_boolean_and: bool,
    /// Weights of a match in the section's heading, its breadcrumbs
    /// (chapter and parent headings) and its text (2, 1, 1).
    pub boost_title: u8,
    pub boost_hierarchy: u8,
    pub boost_paragraph: u8,
    /// Words match longer words they begin (`expand`, true).
    pub expand: bool,
    /// Headings of this level or above start a new result (3).
    pub heading_split_level: u8,
    /// Chapters (source paths, or folders of them) left out of the index:
    /// `[output.html.search.chapter] "PATH" = { enable = false }`.
    pub excluded: Vec<PathBuf>,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            limit_results: 30,
            teaser_word_count: 30,
            use_boolean_and: true,
            boost_title: 2,
            boost_hierarchy: 1,
            boost_paragraph: 1,
            expand: true,
            heading_split_level: 3,
            excluded: Vec::new(),
        }
    }
}

/// What the HTML renderer does, resolved from `[output.html]`.
#[derive(Debug, Clone)]
pub struct HtmlOptions {
    /// The book's own theme folder, whose files override the default theme.
    pub theme_dir: Option<PathBuf>,
    /// `auto` (follow the reader's system), `light` or `dark`.
    pub default_theme: &'static str,
    pub smart_punctuation: bool,
    /// `[output.html.playground] runnable` and `editable` (mdBook's
    /// defaults: true and false), and `[rust] edition` as a code class
    /// (`edition2021`): how Rust blocks get the playground's Run button.
    pub playground_runnable: bool,
    pub playground_editable: bool,
    /// `[output.html.playground] copyable` (default true): whether code
    /// blocks get a copy button. mdBook's key for every block, not only
    /// Rust's, so it is the page's setting, not the playground's.
    pub code_copyable: bool,
    pub rust_edition: Option<&'static str>,
    pub definition_lists: bool,
    pub admonitions: bool,
    /// `[output.html.code.hidelines]`: language → hidden-line prefix.
    pub hidelines: BTreeMap<String, String>,
    pub no_section_label: bool,
    /// Stylesheets and scripts linked on every page, relative to the book root.
    pub additional_css: Vec<PathBuf>,
    pub additional_js: Vec<PathBuf>,
    pub git_repository_url: Option<String>,
    /// `git-repository-icon` (`fab-github`): a Font Awesome icon for the
    /// repository link instead of the theme's own; checked at load.
    pub git_repository_icon: Option<String>,
    pub edit_url_template: Option<String>,
    pub site_url: Option<String>,
    pub cname: Option<String>,
    /// Markdown file (relative to src) rendered as 404.html, when set;
    /// otherwise `404.md` if it exists, else a built-in page.
    pub input_404: Option<String>,
    pub print_enable: bool,
    /// `[output.html.search]`; `None` when `enable = false`.
    pub search: Option<SearchOptions>,
    /// Old page path (relative to the site root), perhaps with a
    /// `#fragment`, → new URL.
    pub redirects: BTreeMap<String, String>,
    /// Where each `redirects` key is in book.toml, for its errors.
    pub redirect_spans: BTreeMap<String, Span>,
}

pub(super) fn resolve_html(html: RawHtml, root: &Path) -> HtmlOptions {
    // As in mdBook, a folder named `theme` next to book.toml is the book's
    // theme even when `theme` is not set.
    let theme_dir = match html.theme {
        Some(dir) => Some(root.join(dir)),
        None => Some(root.join("theme")).filter(|d| d.is_dir()),
    };
    HtmlOptions {
        theme_dir,
        default_theme: html.default_theme.map_or("auto", |t| t.as_str()),
        smart_punctuation: html.smart_punctuation.or(html.curly_quotes).unwrap_or(true),
        playground_runnable: html.playground.runnable.unwrap_or(true),
        playground_editable: html.playground.editable.unwrap_or(false),
        code_copyable: html.playground.copyable.unwrap_or(true),
        rust_edition: None,
        definition_lists: html.definition_lists.unwrap_or(true),
        admonitions: html.admonitions.unwrap_or(true),
        hidelines: html.code.hidelines,
        no_section_label: html.no_section_label.unwrap_or(false),
        additional_css: html.additional_css,
        additional_js: html.additional_js,
        git_repository_url: html.git_repository_url,
        git_repository_icon: html.git_repository_icon,
        edit_url_template: html.edit_url_template,
        site_url: html.site_url,
        cname: html.cname,
        input_404: html.input_404,
        print_enable: html.print.enable.unwrap_or(true),
        search: resolve_search(html.search.unwrap_or_default()),
        redirects: html.redirect,
        redirect_spans: BTreeMap::new(),
    }
}

fn resolve_search(raw: raw::RawSearch) -> Option<SearchOptions> {
    if raw.enable == Some(false) {
        return None;
    }
    let d = SearchOptions::default();
    Some(SearchOptions {
        limit_results: raw.limit_results.unwrap_or(d.limit_results),
        teaser_word_count: raw.teaser_word_count.unwrap_or(d.teaser_word_count),
        use_boolean_and: raw.use_boolean_and.unwrap_or(d.use_boolean_and),
        boost_title: raw.boost_title.unwrap_or(d.boost_title),
        boost_hierarchy: raw.boost_hierarchy.unwrap_or(d.boost_hierarchy),
        boost_paragraph: raw.boost_paragraph.unwrap_or(d.boost_paragraph),
        expand: raw.expand.unwrap_or(d.expand),
        heading_split_level: raw.heading_split_level.unwrap_or(d.heading_split_level),
        excluded: raw
            .chapter
            .into_iter()
            .filter(|(_, c)| c.enable == Some(false))
            .map(|(path, _)| PathBuf::from(path))
            .collect(),
    })
}
