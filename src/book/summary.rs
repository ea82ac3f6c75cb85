//! SUMMARY.md → `Summary`: the table of contents as mdBook parses it.
//! (Being written; see the types below for the contract.)

use std::path::PathBuf;

use crate::book::model::SectionNumber;

/// The parsed SUMMARY.md.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// The optional `# Title` line at the top.
    pub title: Option<String>,
    /// Chapters before the first numbered one: unnumbered.
    pub prefix_chapters: Vec<SummaryItem>,
    /// Numbered chapters, with `---` separators and `# Part` titles among them.
    pub numbered_chapters: Vec<SummaryItem>,
    /// Chapters after the numbered ones: unnumbered.
    pub suffix_chapters: Vec<SummaryItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SummaryItem {
    Link(Link),
    Separator,
    PartTitle(String),
}

/// One `[Name](path)` entry. `location` is `None` for a draft (`[Name]()`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Link {
    pub name: String,
    pub location: Option<PathBuf>,
    pub number: Option<SectionNumber>,
    pub nested_items: Vec<SummaryItem>,
    /// 1-based line in SUMMARY.md where the entry starts.
    pub line: u32,
}

// TEMPORARY stub until the parser lands (replaced wholesale by the real module).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SummaryError {
    pub message: String,
    pub line: u32,
    pub col: u32,
    pub help: Option<String>,
}

pub fn parse_summary(_text: &str) -> Result<Summary, SummaryError> {
    Err(SummaryError {
        message: "summary parser not yet in place".into(),
        line: 1,
        col: 1,
        help: None,
    })
}
