//! The output of the markdown stage: one `Document` per chapter.
//!
//! A document is HTML with the code blocks cut out (`Block::Code`), so the
//! render stage can highlight them and, later, put run results beside them,
//! without the markdown stage ever seeing a run result.

use std::path::PathBuf;

use crate::diag::Span;
use crate::markdown::code::CodeInfo;
use crate::markdown::example::ExampleSpec;

#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The page title set by `{{#title}}`, if any.
    pub title: Option<String>,
    /// Every heading, in page order.
    pub headings: Vec<Heading>,
    /// Every fragment a link may target on this page, in page order.
    pub ids: Vec<String>,
    pub blocks: Vec<Block>,
    /// Links to pages of the book, checked once every page is parsed.
    pub links: Vec<PageLink>,
    /// Files pulled in by include directives.
    pub included: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    /// The heading as plain text.
    pub text: String,
}

#[derive(Debug, Clone)]
pub enum Block {
    Html(String),
    Code(Box<CodeBlock>),
}

#[derive(Debug, Clone)]
pub struct CodeBlock {
    pub info: CodeInfo,
    /// The code shown on the page.
    pub code: String,
    /// Where the fence starts.
    pub span: Option<Span>,
    /// For a Python block: its options (see `markdown::example`).
    pub example: Option<ExampleSpec>,
    /// For `file=`: the program's file, which runs whole even when only an
    /// anchored part is shown.
    pub program_file: Option<PathBuf>,
}

impl Document {
    /// The code blocks of the page, in order.
    pub fn code_blocks(&self) -> impl Iterator<Item = &CodeBlock> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Code(c) => Some(c.as_ref()),
            Block::Html(_) => None,
        })
    }
}

/// A link from this page to a page of the book (or to a fragment of this
/// page, when `target` is the page itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    /// The target chapter's path relative to the source folder (`dir/x.md`).
    pub target: PathBuf,
    pub fragment: Option<String>,
    /// The link as written, for messages.
    pub written: String,
    pub span: Option<Span>,
}
