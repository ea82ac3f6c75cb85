//! A ```` ```checklist ```` block inside a page: `checklist` checks the
//! TOML and lays out the HTML; this renders its Markdown fields with the
//! page's own renderer (lent through `Page`, which `parse` implements, so
//! this file does not import `parse` back), so their links are checked and
//! their `{{#measure}}` quotes resolved like the prose around them, and
//! maps every problem back to its line in the TOML file.

use std::ops::Range;

use crate::diag::{Diagnostic, Span};
use crate::markdown::checklist;
use crate::markdown::document::{Document, VerdictRef};
use crate::markdown::include::SourceMap;

/// The page a checklist sits in, as its fields need it.
pub(super) trait Page {
    /// Renders Markdown as the page's prose, `map` locating it.
    fn render(&mut self, text: &str, map: &SourceMap) -> String;
    /// The page's document so far (its headings, cited claims, ids).
    fn doc(&mut self) -> &mut Document;
    fn diagnose(&mut self, d: Diagnostic);
    /// The marker that holds the place of cited claim `n`.
    fn verdict_marker(&self, n: usize) -> String;
}

/// A ```` ```checklist ```` block → its HTML, with its fields rendered as
/// Markdown of this page (links checked, figures quoted), or nothing but
/// errors at the lines of its TOML.
pub(super) fn html<P: Page>(
    st: &mut P,
    toml_text: &str,
    map: &SourceMap,
    content_start: Option<usize>,
    fence_span: Option<Span>,
) -> String {
    let span_at = |range: &Range<usize>| match content_start {
        Some(start) => map.span(start + range.start, range.len().max(1)),
        None => fence_span.clone(),
    };
    let list = match checklist::parse(toml_text) {
        Ok(list) => list,
        Err(problems) => {
            for p in problems {
                st.diagnose(Diagnostic::error(p.message, span_at(&p.range)).with_help(p.help));
            }
            return String::new();
        }
    };
    // Titles sit one level under the heading the checklist follows.
    let level = st.doc().headings.last().map_or(2, |h| h.level + 1);
    struct Fields<'s, 'm, P> {
        st: &'s mut P,
        map: &'m SourceMap,
        content_start: Option<usize>,
        span_at: &'m dyn Fn(&Range<usize>) -> Option<Span>,
    }
    impl<P: Page> checklist::Render for Fields<'_, '_, P> {
        fn field(&mut self, text: &checklist::Text, shape: checklist::Shape) -> String {
            let sub = match self.content_start {
                Some(start) => self.map.starting_at(start + text.offset),
                None => SourceMap::default(),
            };
            let html = self.st.render(&text.text, &sub);
            match shape {
                checklist::Shape::Blocks => html,
                checklist::Shape::Inline => unwrap_paragraph(html),
            }
        }
        fn verdict(&mut self, claim: &str, range: &Range<usize>) -> String {
            let n = self.st.doc().verdicts.len();
            self.st.doc().verdicts.push(VerdictRef {
                claim: claim.to_owned(),
                span: (self.span_at)(range),
            });
            self.st.verdict_marker(n)
        }
    }
    let mut fields = Fields {
        st,
        map,
        content_start,
        span_at: &span_at,
    };
    let (html, ids) = checklist::html(&list, level, &mut fields);
    fields.st.doc().ids.extend(ids);
    html
}

/// A lone paragraph's content, for a field shown inline.
fn unwrap_paragraph(html: String) -> String {
    let inner = html
        .trim_end()
        .strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"));
    match inner {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => html,
    }
}
