//! The output of the markdown stage: one `Document` per chapter.
//!
//! A document is HTML with the code blocks cut out (`Block::Code`), so the
//! render stage can highlight them and, later, put run results beside them,
//! without the markdown stage ever seeing a run result.

use std::path::PathBuf;

use crate::diag::Span;
use crate::markdown::code::CodeInfo;
use crate::markdown::example::ExampleSpec;

#[derive(Debug, Clone, Default, Hash, serde::Serialize, serde::Deserialize)]
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
    /// `{{#measure ...}}` references in the prose, in page order; each is
    /// a `Block::Measure` with its index.
    pub measures: Vec<MeasureRef>,
    /// Claims a checklist cites, in page order; each is a `Block::Verdict`
    /// with its index, replaced by the claim's verdict in this build.
    pub verdicts: Vec<VerdictRef>,
}

/// A claim cited by its id (`claim = "ID"` in a checklist's evidence).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct VerdictRef {
    pub claim: String,
    pub span: Option<Span>,
}

/// A figure quoted in the prose: `{{#measure ID FIGURE [STAT]}}`, resolved
/// after the examples ran (the markdown stage never sees a result).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MeasureRef {
    /// The words inside the directive, after `#measure`.
    pub args: Vec<String>,
    /// The directive as written, for messages and for pages shown before
    /// results exist.
    pub written: String,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    /// The heading as plain text.
    pub text: String,
}

#[derive(Debug, Clone, Hash, serde::Serialize, serde::Deserialize)]
pub enum Block {
    Html(String),
    Code(Box<CodeBlock>),
    /// The value of `Document::measures[n]`.
    Measure(usize),
    /// The verdict of the claim `Document::verdicts[n]` names.
    Verdict(usize),
}

#[derive(Debug, Clone, Hash, serde::Serialize, serde::Deserialize)]
pub struct CodeBlock {
    pub info: CodeInfo,
    /// The code shown on the page.
    pub code: String,
    /// Where the fence starts.
    pub span: Option<Span>,
    /// Where the code's first line is, when every line of the code is the
    /// following line of that one file (a fence indented in a list, or
    /// code put together from several includes, has none): line N of the
    /// program is then this line + N - 1, so a traceback can point home.
    pub code_origin: Option<Span>,
    /// For a Python block: its options (see `markdown::example`).
    pub example: Option<ExampleSpec>,
    /// For `file=`: the program's file, which runs whole even when only an
    /// anchored part is shown.
    pub program_file: Option<PathBuf>,
    /// For a `file=` program from the book's `examples/` folder (published
    /// with the site): its URL relative to the page, to download it.
    pub download: Option<String>,
    /// For an example: the ```` ```output ```` block right after it, which
    /// what it prints must match (see `execute::expected`).
    pub expected_output: Option<ExpectedOutput>,
    /// For an example with `deps=`: the data files it declared.
    pub data_files: Vec<crate::markdown::deps::DataFile>,
    /// For an example whose program has a PEP 723 `# /// script` block:
    /// the packages and Pythons it asks for.
    pub script: Option<crate::markdown::script_meta::Script>,
    /// For a Rust block the playground can run: how it is shown.
    pub playground: Option<crate::markdown::playground::Playground>,
}

/// An ```` ```output ```` block: what its example should print.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ExpectedOutput {
    pub text: String,
    pub span: Option<Span>,
}

impl Document {
    /// Gives each example the ```` ```output ```` block that follows it
    /// (nothing but white space between them). The output block stays on
    /// the page as written. Returns the spans of output blocks that follow
    /// no example that runs, which nothing would check.
    pub fn attach_expected_outputs(&mut self) -> Vec<Option<Span>> {
        let mut stray = Vec::new();
        let mut last_example: Option<usize> = None;
        let mut found = Vec::new();
        for (i, block) in self.blocks.iter().enumerate() {
            match block {
                Block::Html(h) if h.trim().is_empty() => {}
                Block::Html(_) | Block::Measure(_) | Block::Verdict(_) => last_example = None,
                Block::Code(c) => {
                    if c.info.lang.as_deref() == Some("output") {
                        match last_example.take() {
                            Some(e) => found.push((
                                e,
                                ExpectedOutput {
                                    text: c.code.clone(),
                                    span: c.span.clone(),
                                },
                            )),
                            None => stray.push(c.span.clone()),
                        }
                        continue;
                    }
                    last_example = c.example.as_ref().filter(|s| s.run).map(|_| i);
                }
            }
        }
        for (i, expected) in found {
            if let Block::Code(c) = &mut self.blocks[i] {
                c.expected_output = Some(expected);
            }
        }
        stray
    }

    /// The figure the comparison group `name` compares: the one a member on
    /// this page names with `compare=` (a group's members are all on one
    /// page; the build reports members that disagree), else wall time.
    pub fn group_figure(&self, name: &str) -> &str {
        self.code_blocks()
            .filter_map(|c| c.example.as_ref()?.group.as_ref())
            .filter(|g| g.name == name)
            .find_map(|g| g.compare.as_deref())
            .unwrap_or("wall")
    }

    /// The code blocks of the page, in order.
    pub fn code_blocks(&self) -> impl Iterator<Item = &CodeBlock> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Code(c) => Some(c.as_ref()),
            Block::Html(_) | Block::Measure(_) | Block::Verdict(_) => None,
        })
    }
}

/// A link from this page to a page of the book (or to a fragment of this
/// page, when `target` is the page itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PageLink {
    /// The target chapter's path relative to the source folder (`dir/x.md`).
    pub target: PathBuf,
    pub fragment: Option<String>,
    /// The link as written, for messages.
    pub written: String,
    pub span: Option<Span>,
}
