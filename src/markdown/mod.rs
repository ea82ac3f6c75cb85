//! Markdown stage: a chapter's text → `Document`.
//!
//! 1. `include` expands `{{#include}}` and friends, keeping a source map;
//! 2. `parse` walks pulldown-cmark's events: heading ids (`ids`), links
//!    (`links`), callouts, and code blocks cut out with their info (`code`),
//!    Python blocks with their example options (`example`), quoted
//!    figures as markers (`quoted`); footnotes moved to the page's end,
//!    numbered, with links back (`footnotes`);
//! 3. the result is a `Document` (`document`): HTML pieces and code blocks.
//!
//! This stage reads the chapter's included files and nothing else; it never
//! sees run results or templates.

pub mod checklist;
mod checklist_page;
pub mod code;
pub mod deps;
pub mod document;
pub mod example;
mod fence_words;
mod footnotes;
mod html_links;
pub mod ids;
pub mod include;
pub mod links;
mod markers;
pub mod parse;
pub mod playground;
mod quoted;
pub mod script_meta;

pub use document::{Block, CodeBlock, Document, ExpectedOutput, Heading, PageLink};
pub use parse::{MarkdownOptions, ParseContext, parse_chapter};

/// `text` parsed as the chapter `path` of a one-chapter book at `/b` (source
/// folder `/b/src`, every Markdown option on), for unit tests elsewhere; a
/// diagnostic fails the test.
#[cfg(test)]
pub(crate) fn test_chapter(path: &str, text: &str) -> Document {
    use std::path::{Path, PathBuf};
    let page = PathBuf::from(path).with_extension("html");
    let pages = [(PathBuf::from(path), page)].into_iter().collect();
    let confine = crate::confine::Confined::new(Path::new("/b"), &[]).0;
    let ctx = ParseContext {
        options: MarkdownOptions {
            smart_punctuation: true,
            playground: Default::default(),
            definition_lists: true,
            admonitions: true,
        },
        confine: &confine,
        src: Path::new("/b/src"),
        pages: &pages,
        expand_includes: false,
        hidelines: &Default::default(),
        interpreters: &[],
    };
    let (doc, diags) = parse_chapter(&ctx, Path::new(path), text);
    assert!(diags.is_empty(), "{diags:?}");
    doc
}
