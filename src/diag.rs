//! Diagnostics: where in the book something is wrong, and how badly.
//!
//! Plain data shared by every stage. Stages that read user input return their
//! value together with a `Vec<Diagnostic>` so one run reports every problem;
//! only `main.rs` turns them into rustc-style reports with a source excerpt.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a file of the book: 1-based line and column (in characters),
/// and how many characters the problem spans on that line (at least 1).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    pub file: PathBuf,
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl Span {
    pub fn new(file: impl Into<PathBuf>, line: u32, col: u32, len: u32) -> Span {
        Span {
            file: file.into(),
            line: line.max(1),
            col: col.max(1),
            len: len.max(1),
        }
    }

    /// The span of `len_bytes` bytes starting at byte `offset` of `text`,
    /// which is the content of `file`.
    pub fn from_offset(file: &Path, text: &str, offset: usize, len_bytes: usize) -> Span {
        let (line, col) = line_col(text, offset);
        let end = (offset + len_bytes).min(text.len());
        let start = offset.min(end);
        let first_line_end = text[start..end].find('\n').map_or(end, |i| start + i);
        let len = text
            .get(start..first_line_end)
            .map_or(1, |s| s.chars().count());
        Span::new(file, line, col, len as u32)
    }

    /// A span that names a whole file, for problems without a better place.
    pub fn file(file: impl Into<PathBuf>) -> Span {
        Span::new(file, 1, 1, 1)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
/// An offset inside a multi-byte character or past the end is clamped.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    LineIndex::new(text).line_col(text, offset)
}

/// Where each line of a text starts: for a text asked about many offsets
/// (an included file, a span per link), a lookup is a binary search
/// instead of a count of the newlines before it.
#[derive(Debug, Clone)]
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        LineIndex(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }

    /// `line_col` for `text`, the text this index was made from.
    pub fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.0.partition_point(|&start| start <= offset);
        let start = self.0[line - 1];
        let col = text[start..offset].chars().count() + 1;
        (line as u32, col as u32)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in the book. `help` says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Option<Span>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Option<Span>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn warning(message: impl Into<String>, span: Option<Span>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match &self.span {
            Some(span) => write!(f, "{level}: {span}: {}", self.message)?,
            None => write!(f, "{level}: {}", self.message)?,
        }
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// True when any of `diags` is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "ab\nçé x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // 'x' sits after two two-byte characters and a space.
        assert_eq!(line_col(text, text.find('x').unwrap()), (2, 4));
        assert_eq!(line_col(text, 1000), (3, 1));
    }

    #[test]
    fn span_from_offset_stops_at_end_of_line() {
        let span = Span::from_offset(Path::new("a.md"), "one\ntwo three\n", 4, 100);
        assert_eq!((span.line, span.col, span.len), (2, 1, 9));
    }
}
