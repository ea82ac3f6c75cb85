//! Diagnostics → rustc-style reports on stderr (via miette), with the
//! offending source line and a caret under the problem.
//!
//! Messages quote what examples printed and what books say, so everything
//! is neutralised (`terminal_text`) on its way out: nothing a book or an
//! example wrote can act on the terminal or the CI log.

use std::fmt;
use std::process::ExitCode;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use proofbook::diag::{Diagnostic, Severity};
use proofbook::terminal_text::neutralise;

/// Prints every diagnostic and returns the exit code for a failed run.
pub fn failed(diags: &[Diagnostic]) -> ExitCode {
    print_all(diags);
    let errors = diags.iter().filter(|d| d.is_error()).count();
    eprintln!(
        "error: build failed with {errors} error{}",
        if errors == 1 { "" } else { "s" }
    );
    ExitCode::FAILURE
}

/// The end of a run stopped by Ctrl-C or SIGTERM: 128 + the signal, as a
/// shell reports it (130, 143).
pub fn interrupted(signal: Option<i32>) -> ExitCode {
    let signal = signal.unwrap_or(signal_hook::consts::SIGINT);
    eprintln!(
        "stopped: {}; no site was written and the previous one is as it was",
        proofbook::interrupt::Interrupted(signal)
    );
    ExitCode::from(proofbook::interrupt::exit_code(signal))
}

pub fn print_all(diags: &[Diagnostic]) {
    let theme = if std::env::var_os("NO_COLOR").is_some()
        || !std::io::IsTerminal::is_terminal(&std::io::stderr())
    {
        GraphicalTheme::unicode_nocolor()
    } else {
        GraphicalTheme::unicode()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    for d in diags {
        let report = Report::new(d);
        let mut out = String::new();
        if handler.render_report(&mut out, &report).is_err() {
            out = format!("{}\n", neutralise(&d.to_string()));
        }
        eprint!("{out}");
    }
}

/// One diagnostic with its source text, as miette wants it.
#[derive(Debug)]
struct Report<'a> {
    diag: &'a Diagnostic,
    /// The diagnostic's message and help, neutralised.
    message: String,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    span: Option<SourceSpan>,
}

impl<'a> Report<'a> {
    fn new(diag: &'a Diagnostic) -> Report<'a> {
        let loaded = diag.span.as_ref().and_then(|s| {
            let text = pictured(&std::fs::read_to_string(&s.file).ok()?);
            let offset = offset_of(&text, s.line, s.col)?;
            let len = text[offset..]
                .chars()
                .take(s.len as usize)
                .map(char::len_utf8)
                .sum::<usize>();
            Some((
                NamedSource::new(neutralise(&s.file.display().to_string()), text),
                SourceSpan::new(offset.into(), len),
            ))
        });
        let (source, span) = match loaded {
            Some((source, span)) => (Some(source), Some(span)),
            None => (None, None),
        };
        Report {
            diag,
            message: neutralise(&diag.message),
            help: diag.help.as_deref().map(neutralise),
            source,
            span,
        }
    }
}

/// The book's text for a source excerpt, with each control character that
/// could act on the terminal drawn as its Unicode picture (ESC as `␛`): one
/// character for one, so lines and columns stay where the span says.
fn pictured(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(match c {
            '\n' | '\t' => c,
            // A CRLF line ending is an ending, not a trick.
            '\r' if chars.peek() == Some(&'\n') => c,
            '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\x7f' => '\u{2421}',
            '\u{80}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}' => '\u{fffd}',
            c => c,
        });
    }
    out
}

fn offset_of(text: &str, line: u32, col: u32) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line as usize - 2)?.0 + 1
    };
    let line_text = text[line_start..].split('\n').next().unwrap_or("");
    let in_line = line_text
        .char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map_or(line_text.len(), |(i, _)| i);
    Some(line_start + in_line)
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Without a source excerpt, the location goes into the message.
        match (&self.diag.span, &self.source) {
            (Some(span), None) => write!(f, "{}: {}", neutralise(&span.to_string()), self.message),
            _ => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        // The header already names file:line:col; the underline needs no text.
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            None, span,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::pictured;

    #[test]
    fn source_excerpts_draw_control_characters_one_for_one() {
        let text = "a\x1b[2Jb\rc\r\nd\u{202e}e\u{9b}\n";
        let shown = pictured(text);
        assert_eq!(shown, "a\u{241b}[2Jb\u{240d}c\r\nd\u{fffd}e\u{fffd}\n");
        assert_eq!(shown.chars().count(), text.chars().count());
    }
}
