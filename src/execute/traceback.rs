//! Tracebacks that point home. Python names the program it ran,
//! `/sandbox/snippet.py`, which the author never wrote; each of its lines is
//! a line of a chapter (or of a `file=` program), so a traceback frame is
//! mapped back to `content/threads.md:48` and the error is reported there.

use std::path::{Path, PathBuf};

use crate::diag::Span;
use crate::execute::Job;
use crate::execute::record::RunRecord;
use crate::execute::spec::{PROGRAM_FILE, WORK_DIR};

/// Where line 1 of a job's program is in the files the author edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramOrigin {
    pub file: PathBuf,
    pub first_line: u32,
}

impl ProgramOrigin {
    /// Of `job`'s program: a `file=` program is that file, line for line; a
    /// block's code is its chapter's lines when they are there in one piece.
    pub fn of(job: &Job<'_>) -> Option<ProgramOrigin> {
        if let Some(file) = &job.block.program_file {
            return Some(ProgramOrigin {
                file: file.clone(),
                first_line: 1,
            });
        }
        job.block.code_origin.as_ref().map(|s| ProgramOrigin {
            file: s.file.clone(),
            first_line: s.line,
        })
    }

    /// Where line `n` (1-based) of the program is.
    pub fn line(&self, n: u32) -> Span {
        Span::new(&self.file, self.first_line + n.saturating_sub(1), 1, 1)
    }
}

/// The last `lines` lines of a failed run's stderr, each frame of the
/// program annotated with its place in the book (relative to the current
/// folder), and where the traceback ended, if it can be told.
pub fn stderr_tail(job: &Job<'_>, record: &RunRecord, lines: usize) -> (String, Option<Span>) {
    let tail = record.stderr_tail(lines);
    let Some(origin) = ProgramOrigin::of(job) else {
        return (tail, None);
    };
    let cwd = std::env::current_dir().ok();
    let failing = failing_line(&record.stderr()).map(|n| origin.line(n));
    (annotate(&tail, &origin, cwd.as_deref()), failing)
}

/// The program's line numbers named in `stderr`'s traceback frames, in the
/// order printed (Python prints the innermost frame last).
fn program_frames(stderr: &str) -> impl Iterator<Item = (usize, u32)> + '_ {
    let quoted = format!("File \"{WORK_DIR}/{PROGRAM_FILE}\", line ");
    stderr.lines().enumerate().filter_map(move |(i, line)| {
        let rest = &line[line.find(&quoted)? + quoted.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some((i, digits.parse().ok()?))
    })
}

/// The program line where the last traceback in `stderr` ended: its
/// innermost frame in the program (a frame inside a library is not the
/// author's line; the call into it is).
pub fn failing_line(stderr: &str) -> Option<u32> {
    let start = stderr
        .rfind("Traceback (most recent call last):")
        .unwrap_or(0);
    program_frames(&stderr[start..]).last().map(|(_, n)| n)
}

/// `text` with each frame that names the program followed by where that
/// line is in the book: `  File "/sandbox/snippet.py", line 5, in f  [content/x.md:12]`.
pub fn annotate(text: &str, origin: &ProgramOrigin, base: Option<&Path>) -> String {
    let frames: std::collections::HashMap<usize, u32> = program_frames(text).collect();
    if frames.is_empty() {
        return text.to_owned();
    }
    let file = base.map_or_else(
        || origin.file.clone(),
        |b| crate::fsutil::display_relative(&origin.file, b),
    );
    let mut out = String::with_capacity(text.len() + 32 * frames.len());
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        if let Some(&n) = frames.get(&i) {
            let at = origin.line(n).line;
            out.push_str(&format!("  [{}:{at}]", file.display()));
        }
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

/// When a failed run could not open a file that is in the book but was
/// not declared with `deps=` (only declared files are mounted), what to
/// add. The path comes from the example's stderr, so it is only looked
/// at (no link followed out of the book, nothing opened): a plain relative
/// path, or one below the working folder, that is a file of the book.
pub fn undeclared_hint(job: &Job<'_>, record: &RunRecord, root: &Path) -> Option<String> {
    let stderr = record.stderr();
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.contains("FileNotFoundError") || l.contains("No such file or directory"))?;
    let named = quoted_path(line)?;
    let named = named.strip_prefix(&format!("{WORK_DIR}/")).unwrap_or(named);
    let rel = Path::new(named);
    if rel.as_os_str().is_empty()
        || !rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        || job.block.data_files.iter().any(|f| f.rel == rel)
    {
        return None;
    }
    let real_root = root.canonicalize().ok()?;
    let real = root.join(rel).canonicalize().ok()?;
    if !real.starts_with(&real_root) || !real.is_file() {
        return None;
    }
    let shown = rel.display();
    Some(format!(
        "`{shown}` is in the book but not declared: add `deps={shown}`"
    ))
}

/// The last quoted text of a Python error line (`... directory: 'x.csv'`).
fn quoted_path(line: &str) -> Option<&str> {
    let end = line.trim_end().len().checked_sub(1)?;
    let quote = line[end..]
        .chars()
        .next()
        .filter(|c| *c == '\'' || *c == '"')?;
    let start = line[..end].rfind(quote)? + 1;
    Some(&line[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const STDERR: &str = "before\nTraceback (most recent call last):\n  File \"/sandbox/snippet.py\", line 5, in <module>\n    f(0)\n  File \"/sandbox/snippet.py\", line 2, in f\n    return 1 / x\n  File \"/usr/lib/python3.11/fractions.py\", line 90, in g\nZeroDivisionError: division by zero";

    fn origin() -> ProgramOrigin {
        ProgramOrigin {
            file: PathBuf::from("/book/content/threads.md"),
            first_line: 6,
        }
    }

    #[test]
    fn the_failing_line_is_the_innermost_frame_of_the_program() {
        assert_eq!(failing_line(STDERR), Some(2));
        assert_eq!(origin().line(2).line, 7);
        assert_eq!(failing_line("no traceback here"), None);
        // Of two tracebacks (a thread's, then the main one), the last counts.
        let two = "Traceback (most recent call last):\n  File \"/sandbox/snippet.py\", line 9, in t\nTraceback (most recent call last):\n  File \"/sandbox/snippet.py\", line 3, in <module>\n";
        assert_eq!(failing_line(two), Some(3));
    }

    #[test]
    fn frames_of_the_program_are_annotated_with_the_chapter_line() {
        let out = annotate(STDERR, &origin(), Some(Path::new("/book")));
        assert!(
            out.contains("line 5, in <module>  [content/threads.md:10]"),
            "{out}"
        );
        assert!(
            out.contains("line 2, in f  [content/threads.md:7]"),
            "{out}"
        );
        assert!(
            out.contains("fractions.py\", line 90, in g\n"),
            "library frames stay as they are"
        );
        assert_eq!(out.lines().count(), STDERR.lines().count());
        assert!(!out.ends_with('\n'));
    }

    #[test]
    fn a_name_that_only_looks_like_the_program_is_left_alone() {
        let text = "  File \"/tmp/sandbox/snippet.py.bak\", line x, in f";
        assert_eq!(annotate(text, &origin(), None), text);
    }
}
