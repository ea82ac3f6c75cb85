//! Markdown stage: a chapter's text → `Document`.
//!
//! 1. `include` expands `{{#include}}` and friends, keeping a source map;
//! 2. `parse` walks pulldown-cmark's events: heading ids (`ids`), links
//!    (`links`), callouts, and code blocks cut out with their info (`code`),
//!    Python blocks with their example options (`example`), quoted
//!    figures as markers (`quoted`);
//! 3. the result is a `Document` (`document`): HTML pieces and code blocks.
//!
//! This stage reads the chapter's included files and nothing else; it never
//! sees run results or templates.

pub mod checklist;
mod checklist_page;
pub mod code;
pub mod document;
pub mod example;
pub mod ids;
pub mod include;
pub mod links;
pub mod parse;
mod quoted;

pub use document::{Block, CodeBlock, Document, ExpectedOutput, Heading, PageLink};
pub use parse::{MarkdownOptions, ParseContext, parse_chapter};
