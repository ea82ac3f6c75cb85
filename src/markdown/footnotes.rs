//! Footnotes as mdBook 0.5 renders them: every definition moves to a
//! numbered list at the end of the page, in the order of first reference,
//! each with a link back to every reference to it.
//!
//! A post-pass over the page's events (after links are rewritten and code
//! blocks marked), so a definition's content is rendered like any other.
//! Ids are `fr-LABEL-N` for the N-th reference and `footnote-LABEL` for the
//! definition, as mdBook gives them, unless the page already has that id
//! (a heading "Footnote 1"): then the next free suffix, so no two
//! elements share an id. A label defined twice keeps its first definition
//! and one that is never referenced is dropped, each with a warning at its
//! line.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use crate::diag::{Diagnostic, Span};
use crate::html::escape;
use crate::markdown::ids::IdSet;

/// One definition: its events (without the outer start and end) and where
/// it is in the source.
struct Definition<'a> {
    events: Vec<Event<'a>>,
    span: Option<Span>,
}

/// A footnote as numbered on the page.
struct Numbered {
    number: usize,
    /// The definition's id.
    id: String,
    /// The ids of its references, in page order.
    refs: Vec<String>,
}

/// The footnotes cited so far, numbered in order of first reference.
#[derive(Default)]
struct Numbering {
    numbered: HashMap<String, Numbered>,
    order: Vec<String>,
}

impl Numbering {
    /// A reference to the footnote `label` (which has a definition), as
    /// the page shows it.
    fn reference<'a>(
        &mut self,
        label: &str,
        ids: &mut IdSet,
        page_ids: &mut Vec<String>,
    ) -> Event<'a> {
        if !self.numbered.contains_key(label) {
            self.order.push(label.to_owned());
            let numbered = Numbered {
                number: self.order.len(),
                id: fresh(ids, page_ids, &format!("footnote-{label}")),
                refs: Vec::new(),
            };
            self.numbered.insert(label.to_owned(), numbered);
        }
        let entry = self.numbered.get_mut(label).expect("inserted above");
        let ref_id = fresh(
            ids,
            page_ids,
            &format!("fr-{label}-{}", entry.refs.len() + 1),
        );
        let html = format!(
            "<sup class=\"footnote-reference\" id=\"{}\"><a href=\"#{}\">{}</a></sup>",
            escape(&ref_id),
            escape(&entry.id),
            entry.number
        );
        entry.refs.push(ref_id);
        Event::InlineHtml(html.into())
    }
}

/// Rearranges `events` as above. `spans` holds each definition's place,
/// in source order; `ids` and `page_ids` are the page's ids so far (the
/// footnotes' are added).
pub(crate) fn arrange<'a>(
    events: Vec<Event<'a>>,
    spans: &[Option<Span>],
    ids: &mut IdSet,
    page_ids: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Event<'a>> {
    if spans.is_empty()
        && !events
            .iter()
            .any(|e| matches!(e, Event::FootnoteReference(_)))
    {
        return events;
    }
    let (main, definitions) = take_definitions(events, spans, diags);
    let mut numbering = Numbering::default();
    let cite = |event: Event<'a>,
                numbering: &mut Numbering,
                ids: &mut IdSet,
                page_ids: &mut Vec<String>| match event {
        Event::FootnoteReference(label) if definitions.contains_key(&*label) => {
            numbering.reference(&label, ids, page_ids)
        }
        other => other,
    };
    let mut out: Vec<Event<'a>> = Vec::with_capacity(main.len());
    for event in main {
        out.push(cite(event, &mut numbering, ids, page_ids));
    }
    // Definitions are rendered in number order; a reference inside one may
    // number a footnote that the text never cited, which then follows.
    let mut rendered: Vec<(String, Vec<Event<'a>>)> = Vec::new();
    let mut next = 0;
    while next < numbering.order.len() {
        let label = numbering.order[next].clone();
        next += 1;
        let body = definitions[&label]
            .events
            .iter()
            .cloned()
            .map(|e| cite(e, &mut numbering, ids, page_ids))
            .collect();
        rendered.push((label, body));
    }
    let numbered = numbering.numbered;
    for (label, def) in &definitions {
        if !numbered.contains_key(label) {
            diags.push(
                Diagnostic::warning(
                    format!(
                        "footnote `{label}` is defined but never referenced, so it is left out"
                    ),
                    def.span.clone(),
                )
                .with_help(format!(
                    "refer to it with [^{label}], or remove the definition"
                )),
            );
        }
    }
    if rendered.is_empty() {
        return out;
    }
    out.push(Event::Html(
        "<hr>\n<ol class=\"footnote-definition\">\n".into(),
    ));
    for (label, body) in rendered {
        let n = &numbered[&label];
        out.push(Event::Html(
            format!("<li id=\"{}\">\n", escape(&n.id)).into(),
        ));
        let back: String = n
            .refs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mark = if i == 0 {
                    String::new()
                } else {
                    (i + 1).to_string()
                };
                format!(
                    " <a href=\"#{}\" class=\"footnote-backref\">↩{mark}</a>",
                    escape(r)
                )
            })
            .collect();
        // The links back go inside the last paragraph when the definition
        // ends with one, as mdBook places them; else after its last block.
        let ends_in_paragraph = matches!(body.last(), Some(Event::End(TagEnd::Paragraph)));
        let mut body = body;
        if ends_in_paragraph {
            body.pop();
        }
        out.extend(body);
        out.push(Event::InlineHtml(CowStr::from(back)));
        if ends_in_paragraph {
            out.push(Event::End(TagEnd::Paragraph));
        }
        out.push(Event::Html("</li>\n".into()));
    }
    out.push(Event::Html("</ol>\n".into()));
    out
}

/// An id nothing on the page has yet: `want`, or `want-1`, … .
fn fresh(ids: &mut IdSet, page_ids: &mut Vec<String>, want: &str) -> String {
    let mut id = ids.unique(want);
    // An explicit heading id (`{#x}`) is not in the set; step past it too.
    while page_ids.contains(&id) {
        id = ids.unique(want);
    }
    page_ids.push(id.clone());
    id
}

/// The events without the definitions, and the definitions by label (the
/// first of each label; a repeat is reported and dropped).
fn take_definitions<'a>(
    events: Vec<Event<'a>>,
    spans: &[Option<Span>],
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Event<'a>>, HashMap<String, Definition<'a>>) {
    let mut main = Vec::with_capacity(events.len());
    let mut definitions: HashMap<String, Definition<'a>> = HashMap::new();
    let mut current: Option<(String, Definition<'a>)> = None;
    let mut seen = 0;
    for event in events {
        match event {
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let span = spans.get(seen).cloned().flatten();
                seen += 1;
                current = Some((
                    label.to_string(),
                    Definition {
                        events: Vec::new(),
                        span,
                    },
                ));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                let Some((label, def)) = current.take() else {
                    continue;
                };
                if let Some(first) = definitions.get(&label) {
                    let at = first
                        .span
                        .as_ref()
                        .map_or(String::new(), |s| format!(" (line {})", s.line));
                    diags.push(
                        Diagnostic::warning(
                            format!("footnote `{label}` is defined again; the first definition{at} is kept"),
                            def.span,
                        )
                        .with_help("give this footnote a label of its own, or remove one definition"),
                    );
                    continue;
                }
                definitions.insert(label, def);
            }
            other => match &mut current {
                Some((_, def)) => def.events.push(other),
                None => main.push(other),
            },
        }
    }
    (main, definitions)
}
