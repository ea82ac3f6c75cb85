//! A chapter cut into search sections (`sections`): its HTML read once by
//! html5gum's tokenizer, at its headings of the split level, into each
//! section's title, breadcrumbs and prose as plain text (the first step of
//! `search`'s index).

use std::collections::BTreeMap;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, Tokenizer};

use crate::markdown::{Block, Document};

/// Elements whose text is not prose.
const SKIPPED: &[&[u8]] = &[b"script", b"style", b"template", b"svg", b"math"];

/// Elements inside a line of text: no word break at their edges.
const INLINE: &[&[u8]] = &[
    b"a", b"abbr", b"b", b"bdi", b"bdo", b"cite", b"code", b"data", b"del", b"dfn", b"em", b"i",
    b"ins", b"kbd", b"mark", b"q", b"s", b"samp", b"small", b"span", b"strong", b"sub", b"time",
    b"u", b"var",
];

/// One search result: a page, or the part of it under one heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Site path, with `#id` for a heading's section.
    pub url: String,
    pub title: String,
    /// The chapter, then the parent headings (none for the chapter's own title).
    pub crumbs: Vec<String>,
    /// The prose as plain text, white space collapsed.
    pub text: String,
}

/// Cuts a chapter into sections at its headings of level `split_level` or
/// above; the text before the first one is a section titled `name`, kept
/// when it has words.
pub fn sections(
    name: &str,
    page: &str,
    doc: &Document,
    measures: &BTreeMap<usize, String>,
    split_level: u8,
) -> Vec<Section> {
    let mut cut = Cutter {
        out: vec![Section {
            url: page.to_owned(),
            title: name.to_owned(),
            crumbs: Vec::new(),
            text: String::new(),
        }],
        page,
        split_level,
        parents: Vec::new(),
        heading: None,
        skipping: None,
        tag: Vec::new(),
        id: None,
        in_id: false,
    };
    for block in &doc.blocks {
        // Code and program output are not prose; a quoted figure reads as
        // its value.
        let html = match block {
            Block::Html(html) => html,
            Block::Measure(n) if measures.contains_key(n) => &measures[n],
            _ => {
                push_space(&mut cut.out.last_mut().expect("one section").text);
                continue;
            }
        };
        // The tokenizer's events are taken as they come, borrowed from its
        // buffer: no token is built (indexing spent a tenth of a large
        // book's build making tokens and their attribute maps).
        let emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, _: Span<()>| -> Option<()> {
            cut.event(event);
            None
        });
        let mut emitter = emitter;
        // html5gum keeps `<script>` text apart only when told to switch states.
        emitter.naively_switch_states(true);
        Tokenizer::new_with_emitter(html.as_str(), emitter).for_each(drop);
    }
    let mut out = cut.out;
    for s in &mut out {
        let len = s.text.trim_end().len();
        s.text.truncate(len);
    }
    // The page's start is a result only when it says something.
    if out[0].text.is_empty() {
        out.remove(0);
    }
    out
}

/// What `sections` keeps while the chapter's HTML goes by.
struct Cutter<'p> {
    out: Vec<Section>,
    page: &'p str,
    split_level: u8,
    /// Open split headings below h1, for breadcrumbs: (level, text).
    parents: Vec<(u8, String)>,
    /// The split heading being read: level, id, text.
    heading: Option<(u8, String, String)>,
    /// Inside an element whose text is not prose: its name, and how many
    /// of it are open.
    skipping: Option<(Vec<u8>, usize)>,
    /// The start tag being read: its name, its first `id` (as the
    /// tokenizer's own tokens keep the first of a repeated attribute), and
    /// whether the attribute being read is that `id`.
    tag: Vec<u8>,
    id: Option<Vec<u8>>,
    in_id: bool,
}

impl Cutter<'_> {
    fn event(&mut self, event: CallbackEvent<'_>) {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                self.tag.clear();
                self.tag.extend_from_slice(name);
                self.id = None;
                self.in_id = false;
            }
            CallbackEvent::AttributeName { name } => {
                self.in_id = name == b"id" && self.id.is_none();
                if self.in_id {
                    self.id = Some(Vec::new());
                }
            }
            CallbackEvent::AttributeValue { value } if self.in_id => {
                self.id
                    .get_or_insert_with(Vec::new)
                    .extend_from_slice(value);
            }
            CallbackEvent::CloseStartTag { self_closing } => {
                let name = std::mem::take(&mut self.tag);
                self.start_tag(&name, self_closing);
                self.tag = name;
            }
            CallbackEvent::EndTag { name } => self.end_tag(name),
            CallbackEvent::String { value } if self.skipping.is_none() => {
                push_text(self.current(), &String::from_utf8_lossy(value));
            }
            _ => {}
        }
    }

    fn start_tag(&mut self, name: &[u8], self_closing: bool) {
        if let Some((skipped, depth)) = &mut self.skipping {
            if name == skipped.as_slice() && !self_closing {
                *depth += 1;
            }
            return;
        }
        if SKIPPED.contains(&name) && !self_closing {
            self.skipping = Some((name.to_vec(), 1));
            return;
        }
        let id = self
            .id
            .take()
            .map(|v| String::from_utf8_lossy(&v).into_owned());
        match (heading_level(name), id) {
            (Some(level), Some(id)) if level <= self.split_level && self.heading.is_none() => {
                self.heading = Some((level, id, String::new()))
            }
            _ if !INLINE.contains(&name) => push_space(self.current()),
            _ => {}
        }
    }

    fn end_tag(&mut self, name: &[u8]) {
        if let Some((skipped, depth)) = &mut self.skipping {
            if name == skipped.as_slice() {
                *depth -= 1;
                if *depth == 0 {
                    self.skipping = None;
                }
            }
            return;
        }
        match &self.heading {
            Some((level, _, _)) if heading_level(name) == Some(*level) => {
                let (level, id, text) = self.heading.take().expect("a heading is open");
                let title = text.trim().to_owned();
                self.parents.retain(|(l, _)| *l < level);
                let mut crumbs = Vec::new();
                if level > 1 || title != name_of(&self.out) {
                    crumbs.push(name_of(&self.out).to_owned());
                }
                crumbs.extend(self.parents.iter().map(|(_, t)| t.clone()));
                if level > 1 {
                    self.parents.push((level, title.clone()));
                }
                self.out.push(Section {
                    url: format!("{}#{id}", self.page),
                    title,
                    crumbs,
                    text: String::new(),
                });
            }
            _ if !INLINE.contains(&name) => push_space(self.current()),
            _ => {}
        }
    }

    /// Where text goes now: the open heading, or the last section.
    fn current(&mut self) -> &mut String {
        match &mut self.heading {
            Some((_, _, text)) => text,
            None => &mut self.out.last_mut().expect("one section").text,
        }
    }
}

/// The chapter's name, kept in the first section until it may be dropped.
fn name_of(out: &[Section]) -> &str {
    &out[0].title
}

fn heading_level(name: &[u8]) -> Option<u8> {
    match name {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

/// Appends `s` with its white space collapsed to single spaces.
fn push_text(out: &mut String, s: &str) {
    for (i, part) in s.split(char::is_whitespace).enumerate() {
        if i > 0 {
            push_space(out);
        }
        out.push_str(part);
    }
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}
