//! Figures quoted in prose: `{{#measure ID FIGURE [STAT]}}`.
//!
//! The markdown stage never sees a result, so each directive becomes a
//! marker in the HTML and a `MeasureRef` in the document; the pipeline
//! resolves it once the examples ran. Text that becomes an anchor may not
//! quote one.

use pulldown_cmark::Event;

use crate::diag::Diagnostic;
use crate::markdown::document::MeasureRef;
use crate::markdown::include::SourceMap;

/// How a figure quoted in prose starts.
pub(super) const MEASURE_OPEN: &str = "{{#measure";

/// A marker for measure reference `n`, fenced like the code markers.
fn measure_marker(fence: char, n: usize) -> String {
    format!("{fence}pb-measure-{n}{fence}")
}

/// Splits a text event at its directives: the text between them goes to
/// `events` as it is, each directive as a marker for the next entry of
/// `measures`. `base` is where `text` starts in the source, when it is the
/// source's own characters, so each reference can point at its place.
pub(super) fn split_figures(
    text: &str,
    base: Option<usize>,
    map: &SourceMap,
    fence: char,
    measures: &mut Vec<MeasureRef>,
    events: &mut Vec<Event<'_>>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut rest = text;
    let mut consumed = 0;
    while let Some(start) = rest.find(MEASURE_OPEN) {
        // A directive must open and close in one run of plain text. When it
        // does not, Markdown took part of it as formatting (`__name__` is
        // bold) or a line break split it: it would stay raw text in the page,
        // so it is an error, never silently left unresolved.
        let Some(len) = rest[start..]
            .find("}}")
            .filter(|&e| !rest[start..start + e].contains('\n'))
            .map(|e| e + 2)
        else {
            let shown: String = rest[start..].chars().take(40).collect();
            let span = base.and_then(|b| map.span(b + consumed + start, MEASURE_OPEN.len()));
            diags.push(
                Diagnostic::error(
                    format!("`{shown}…` is not closed by `}}}}` in the same text"),
                    span,
                )
                .with_help(
                    "write the directive on one line, with ids and figures made of letters, \
                     digits, `-` and `_` that do not start with `_` (Markdown reads `__name__` \
                     as bold)",
                ),
            );
            break;
        };
        if start > 0 {
            events.push(Event::Text(rest[..start].to_owned().into()));
        }
        let written = &rest[start..start + len];
        let args = written[MEASURE_OPEN.len()..len - 2]
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let span = base.and_then(|b| map.span(b + consumed + start, len));
        events.push(Event::Text(measure_marker(fence, measures.len()).into()));
        measures.push(MeasureRef {
            args,
            written: written.to_owned(),
            span,
        });
        consumed += start + len;
        rest = &rest[start + len..];
    }
    if !rest.is_empty() {
        events.push(Event::Text(rest.to_owned().into()));
    }
}

/// A directive in text that becomes an anchor (a heading, a term) is an
/// error: the anchor and the table of contents would change with every
/// build's numbers. `plain` is that text as read, `source` as written,
/// starting at byte `offset` of the page.
pub(super) fn refuse_in_anchor(
    plain: &str,
    what: &str,
    source: &str,
    offset: usize,
    map: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(at) = plain.find(MEASURE_OPEN) else {
        return;
    };
    let end = plain[at..].find("}}").map_or(plain.len(), |e| at + e + 2);
    let span = source
        .find(MEASURE_OPEN)
        .and_then(|i| map.span(offset + i, MEASURE_OPEN.len()));
    diags.push(
        Diagnostic::error(
            format!("{what} cannot quote a measured figure (`{}`)", &plain[at..end]),
            span,
        )
        .with_help("its anchor and the table of contents would change with each build's numbers; quote the figure in the text below it"),
    );
}
