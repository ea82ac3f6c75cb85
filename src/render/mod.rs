//! Render stage: `Document`s → HTML pages through the theme's templates.
//!
//! `theme` loads templates and assets once; `highlight` turns code into
//! classed HTML; `sidebar` renders the SUMMARY tree once per build; `body`
//! assembles a page's main HTML; `page` fills the template with the borrowed
//! views of `context`. Nothing here reads files after the theme is loaded,
//! and nothing reads the clock.

pub mod body;
pub mod chart;
pub mod claim;
pub mod context;
pub mod highlight;
pub mod page;
pub mod print;
pub mod results;
pub mod run;
pub mod search;
pub mod sidebar;
pub mod site;
pub mod site_file;
pub mod theme;

pub use highlight::Highlighter;
pub use theme::Theme;

/// Escapes `'` too, unlike `escape_html`: for templates (tera's escape
/// function) and pages that put text in attributes of either quote.
pub fn escape_html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).expect("writing to a String cannot fail");
    out
}
