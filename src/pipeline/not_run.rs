//! A book whose examples do not run: off in book.toml, or an mdBook-layout
//! book whose pages show no sign of wanting them (`config::Examples::Auto`).
//! Nothing about it is silent: every Python block that would run says so on
//! its page, a quoted figure reads "not measured", a claim "not checked"
//! (`render::body` words them), and the build's summary counts the blocks
//! and names the key that runs them.

use crate::config::{Config, Examples};
use crate::markdown::Document;
use crate::markdown::example::Expectation;
use crate::render::body::PageRuns;

/// The book.toml line that turns examples on, as every message words it.
pub const EXAMPLES_ON_KEY: &str = "`examples = true` under `[proofbook.run]` in book.toml";

/// Whether this build runs the book's examples.
pub fn examples_run(config: &Config, docs: &[Document]) -> bool {
    match config.run.examples {
        Examples::On => true,
        Examples::Off => false,
        Examples::Auto => docs.iter().any(shows_intent),
    }
}

/// Whether a page was written for proofbook: it quotes a figure, makes or
/// cites a claim, holds a checklist or an ```` ```output ```` block to
/// match, or gives a Python block an option only proofbook knows.
fn shows_intent(doc: &Document) -> bool {
    !doc.measures.is_empty()
        || !doc.verdicts.is_empty()
        || doc.code_blocks().any(|c| {
            matches!(c.info.lang.as_deref(), Some("claim" | "checklist"))
                || c.expected_output.is_some()
                || c.example.as_ref().is_some_and(|e| {
                    e.id.is_some()
                        || e.bench.is_some()
                        || e.group.is_some()
                        || e.timeout.is_some()
                        || e.file.is_some()
                        || e.expect != Expectation::Success
                })
        })
}

/// The Python blocks that would run if examples were on.
pub fn runnable_blocks(docs: &[Document]) -> usize {
    docs.iter()
        .flat_map(Document::code_blocks)
        .filter(|c| c.example.as_ref().is_some_and(|e| e.run))
        .count()
}

/// Each page's runs when nothing ran: `render` puts a note under every
/// block that would have run, and placeholders for quoted figures and claims.
pub fn pages(docs: &[Document]) -> Vec<PageRuns> {
    let off = PageRuns {
        examples_off: Some(EXAMPLES_ON_KEY),
        ..PageRuns::new()
    };
    vec![off; docs.len()]
}
