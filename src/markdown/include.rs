//! Include directives: `{{#include}}`, `{{#rustdoc_include}}`,
//! `{{#playground}}` and `{{#title}}`, expanded before Markdown parsing.
//!
//! Input: a chapter's text and its file. Output: the expanded text, a
//! `SourceMap` that turns an offset in it back into `file:line` of whichever
//! file the text came from, the page title if `{{#title}}` set one, the files
//! read, and a diagnostic for every directive that failed. A failed directive
//! is an error (never left in the page silently). A cycle is found by the
//! chain of files (compared by canonical path, so a symlink loop counts too)
//! and reported as such; depth and size are capped besides, so an include
//! bomb stops with an error instead of exhausting the machine.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use regex::Regex;

use crate::confine::Confined;
use crate::diag::{Diagnostic, LineIndex, Span};
use crate::fsutil;

/// The result of expanding one chapter.
#[derive(Debug, Default)]
pub struct Expanded {
    pub text: String,
    pub map: SourceMap,
    pub title: Option<String>,
    /// Every file read through a directive, for rebuild dependencies.
    pub included: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Maps offsets in expanded text back to their origin.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
struct Piece {
    /// Where the piece starts in the expanded text.
    out_start: usize,
    source: Arc<Source>,
    /// Where the piece starts in its source text.
    src_start: usize,
}

#[derive(Debug)]
struct Source {
    path: PathBuf,
    text: String,
    /// A span per link: lookups must not rescan the text.
    lines: LineIndex,
}

impl Source {
    fn new(path: PathBuf, text: String) -> Arc<Source> {
        let lines = LineIndex::new(&text);
        Arc::new(Source { path, text, lines })
    }
}

impl SourceMap {
    /// The span of `len` bytes at `offset` of the expanded text.
    pub fn span(&self, offset: usize, len: usize) -> Option<Span> {
        let i = self
            .pieces
            .partition_point(|p| p.out_start <= offset)
            .checked_sub(1)?;
        let piece = &self.pieces[i];
        let src_offset = piece.src_start + (offset - piece.out_start);
        let (line, col) = piece.source.lines.line_col(&piece.source.text, src_offset);
        let rest = piece.source.text.get(src_offset..).unwrap_or("");
        let width = rest.get(..len.min(rest.len())).unwrap_or(rest);
        let width = width.split('\n').next().unwrap_or("").chars().count();
        Some(Span::new(&piece.source.path, line, col, width as u32))
    }
}

impl SourceMap {
    /// Whether `range` of the expanded text is one run of one source file
    /// (no include starts or ends inside it), so its lines are that
    /// file's lines in order.
    pub fn is_contiguous(&self, range: std::ops::Range<usize>) -> bool {
        !self
            .pieces
            .iter()
            .any(|p| p.out_start > range.start && p.out_start < range.end)
    }

    /// The map of the text that starts at `offset` of this one: its offset
    /// 0 is this map's `offset`. For Markdown embedded in a block, such as
    /// a checklist's fields.
    pub fn starting_at(&self, offset: usize) -> SourceMap {
        let mut pieces = Vec::new();
        for (i, p) in self.pieces.iter().enumerate() {
            let end = self.pieces.get(i + 1).map_or(usize::MAX, |n| n.out_start);
            if end <= offset {
                continue;
            }
            pieces.push(if p.out_start <= offset {
                Piece {
                    out_start: 0,
                    source: p.source.clone(),
                    src_start: p.src_start + (offset - p.out_start),
                }
            } else {
                Piece {
                    out_start: p.out_start - offset,
                    ..p.clone()
                }
            });
        }
        SourceMap { pieces }
    }
}

/// Includes may nest this deep: far beyond any real book, well before the
/// stack runs out.
const MAX_DEPTH: usize = 64;

/// A chapter with its includes may grow to this size; an include bomb
/// (each file including the next twice) stops here instead of exhausting
/// memory.
const MAX_EXPANDED: usize = 16 * 1024 * 1024;

/// Where directives read from.
pub struct IncludeContext<'a> {
    /// What may be included: files inside the book, links followed, and
    /// those book.toml allows (`confine`); anything else is an error.
    pub confine: &'a Confined,
}

/// `text` as it is, mapped to `file`: for content whose includes were
/// already expanded by a preprocessor step.
pub fn verbatim(file: &Path, text: &str) -> Expanded {
    let mut out = Expanded::default();
    let source = Source::new(file.to_owned(), text.to_owned());
    push_piece(&mut out, &source, 0, text.len());
    out
}

/// Expands every directive in `text`, the content of `file`.
pub fn expand(ctx: &IncludeContext<'_>, file: &Path, text: &str) -> Expanded {
    let mut out = Expanded::default();
    let source = Source::new(file.to_owned(), text.to_owned());
    let mut chain = vec![file.canonicalize().unwrap_or_else(|_| file.to_owned())];
    let mut budget = MAX_EXPANDED;
    expand_into(ctx, &source, &mut chain, &mut budget, &mut out);
    out
}

fn expand_into(
    ctx: &IncludeContext<'_>,
    source: &Arc<Source>,
    chain: &mut Vec<PathBuf>,
    budget: &mut usize,
    out: &mut Expanded,
) {
    let text = &source.text;
    let mut copied_to = 0;
    for directive in find_directives(text) {
        push_piece(out, source, copied_to, directive.start);
        copied_to = directive.end;
        let span = || {
            Span::from_offset(
                &source.path,
                text,
                directive.start,
                directive.end - directive.start,
            )
        };
        match directive.kind {
            Kind::Escaped => {
                // `\{{#include x}}` shows the directive itself, minus the backslash.
                push_piece(out, source, directive.start + 1, directive.end);
            }
            Kind::Title => {
                out.title = Some(directive.arg.trim().to_owned());
            }
            Kind::Include | Kind::RustdocInclude | Kind::Playground => {
                include_file(ctx, source, &directive, chain, budget, out, span());
            }
        }
    }
    push_piece(out, source, copied_to, text.len());
}

fn push_piece(out: &mut Expanded, source: &Arc<Source>, start: usize, end: usize) {
    if start >= end {
        return;
    }
    out.map.pieces.push(Piece {
        out_start: out.text.len(),
        source: source.clone(),
        src_start: start,
    });
    out.text.push_str(&source.text[start..end]);
}

fn include_file(
    ctx: &IncludeContext<'_>,
    source: &Arc<Source>,
    directive: &Directive<'_>,
    chain: &mut Vec<PathBuf>,
    budget: &mut usize,
    out: &mut Expanded,
    span: Span,
) {
    // Once the chapter's budget is spent (and reported), further includes
    // are skipped without being read, so an include bomb costs nothing more.
    if *budget == 0 {
        return;
    }
    let (path_arg, selector) = split_selector(directive.arg.trim());
    let base = source.path.parent().unwrap_or(Path::new(""));
    // Where the path really leads (links followed) decides: a file outside
    // the book is refused unless book.toml allows it, as its text would be
    // published with the book.
    let target = match ctx.confine.resolve(Path::new(path_arg), base) {
        Ok(target) => target,
        Err(e) if e.is_missing() => fsutil::normalize(&base.join(path_arg)),
        Err(e) => {
            out.diagnostics.push(
                Diagnostic::error(format!("cannot include: {e}"), Some(span)).with_help(e.help()),
            );
            return;
        }
    };
    // Compared by canonical path, so a cycle through a symlink (`l -> .`)
    // is caught like any other.
    let key = target.canonicalize().unwrap_or_else(|_| target.clone());
    if let Some(pos) = chain.iter().position(|p| *p == key) {
        let names: Vec<String> = chain[pos..]
            .iter()
            .chain([&key])
            .map(|p| p.display().to_string())
            .collect();
        out.diagnostics.push(
            Diagnostic::error(format!("include cycle: {}", names.join(" → ")), Some(span))
                .with_help("remove one of these includes"),
        );
        return;
    }
    if chain.len() > MAX_DEPTH {
        out.diagnostics.push(
            Diagnostic::error(
                format!("includes nest more than {MAX_DEPTH} deep here"),
                Some(span),
            )
            .with_help("an include inside an include inside …: flatten the chain"),
        );
        return;
    }
    let content = match fsutil::read_to_string(&target) {
        Ok(c) => c,
        Err(e) => {
            out.diagnostics.push(
                Diagnostic::error(
                    format!("cannot include `{path_arg}`: {}", e.source),
                    Some(span),
                )
                .with_help(format!("the path is relative to {}", base.display())),
            );
            return;
        }
    };
    out.included.push(target.clone());
    let mut selection = match select(&content, selector, directive.kind == Kind::RustdocInclude) {
        Ok(s) => s,
        Err(message) => {
            out.diagnostics.push(Diagnostic::error(message, Some(span)));
            return;
        }
    };
    // mdBook includes nothing without a word; a range past the end of the
    // file or backwards (`5:2`) is almost always a mistake worth a look.
    if selection.text.trim().is_empty() && !content.trim().is_empty() {
        out.diagnostics.push(
            Diagnostic::warning(
                format!("`{}` selects no text of {}", directive.arg.trim(), path_arg),
                Some(span.clone()),
            )
            .with_help(format!(
                "the file has {} lines; line ranges are `first:last`, counted from 1",
                content.lines().count()
            )),
        );
    }
    if selection.text.len() > *budget {
        *budget = 0;
        out.diagnostics.push(
            Diagnostic::error(format!("the chapter grows past {} MiB with its includes", MAX_EXPANDED >> 20), Some(span))
                .with_help("a file is included many times over (each level including the next twice doubles it)"),
        );
        return;
    }
    *budget -= selection.text.len();
    // The selected text is expanded as a source of its own (nested
    // directives are relative to the included file), then its pieces are
    // re-pointed at the included file line by line.
    let included = Source::new(target.clone(), content);
    chain.push(key);
    let mut nested = Expanded::default();
    let sub = Source::new(included.path.clone(), std::mem::take(&mut selection.text));
    expand_into(ctx, &sub, chain, budget, &mut nested);
    chain.pop();
    // `{{#playground file.rs attrs}}` pastes the file as a Rust code block,
    // as mdBook does, never as Markdown (its `# ` lines are hidden code
    // lines, not headings). The fence lines map to the directive.
    let playground = directive.kind == Kind::Playground;
    if playground {
        let attrs: Vec<&str> = directive.arg.split_whitespace().skip(1).collect();
        let open = match attrs.is_empty() {
            true => "```rust\n".to_owned(),
            false => format!("```rust,{}\n", attrs.join(",")),
        };
        push_synthetic(out, source, directive.start, &open);
    }
    let shift = out.text.len();
    let ends: Vec<usize> = nested
        .map
        .pieces
        .iter()
        .skip(1)
        .map(|p| p.out_start)
        .chain([nested.text.len()])
        .collect();
    for (piece, end) in nested.map.pieces.into_iter().zip(ends) {
        if !Arc::ptr_eq(&piece.source, &sub) {
            out.map.pieces.push(Piece {
                out_start: piece.out_start + shift,
                ..piece
            });
            continue;
        }
        // A run of the selection may join lines that are apart in the file:
        // cut it at every line start so each line maps to its own place.
        let len = end - piece.out_start;
        let cuts = selection
            .starts
            .iter()
            .map(|(o, _)| *o)
            .filter(|o| *o > piece.src_start && *o < piece.src_start + len);
        for cut in std::iter::once(piece.src_start).chain(cuts) {
            out.map.pieces.push(Piece {
                out_start: piece.out_start + (cut - piece.src_start) + shift,
                source: included.clone(),
                src_start: selection.origin(cut),
            });
        }
    }
    out.text.push_str(&nested.text);
    if playground {
        let close = if out.text.ends_with('\n') {
            "```\n"
        } else {
            "\n```\n"
        };
        push_synthetic(out, source, directive.start, close);
    }
    out.included.extend(nested.included);
    out.diagnostics.extend(nested.diagnostics);
}

/// Text proofbook adds (a playground's fence), mapped to `at` in `source`.
fn push_synthetic(out: &mut Expanded, source: &Arc<Source>, at: usize, text: &str) {
    out.map.pieces.push(Piece {
        out_start: out.text.len(),
        source: source.clone(),
        src_start: at,
    });
    out.text.push_str(text);
}

/// For `file=PATH[:ANCHOR]` of an example in `chapter`: the file's path and
/// the text to show (the whole file, or the anchored part).
pub fn read_part(
    confine: &Confined,
    chapter: &Path,
    path: &Path,
    anchor: Option<&str>,
) -> Result<(PathBuf, String), (String, String)> {
    let base = chapter.parent().unwrap_or(Path::new(""));
    let help = "the path is relative to the chapter, as for {{#include}}";
    let target = match confine.resolve(path, base) {
        Ok(target) => target,
        // The read below says it is missing, in the words it always used.
        Err(e) if e.is_missing() => fsutil::normalize(&base.join(path)),
        Err(e) => return Err((format!("cannot read the example file: {e}"), e.help())),
    };
    let content = fsutil::read_to_string(&target).map_err(|e| {
        (
            format!(
                "cannot read the example file `{}`: {}",
                path.display(),
                e.source
            ),
            help.to_owned(),
        )
    })?;
    let shown = select(&content, anchor, false).map_err(|m| (m, help.to_owned()))?;
    Ok((target, shown.text))
}

/// `path:selector` → (path, selector). The selector is whatever follows the
/// first colon: `N`, `N:M`, `N:`, `:M` or an anchor name.
fn split_selector(arg: &str) -> (&str, Option<&str>) {
    let arg = arg.split_whitespace().next().unwrap_or("");
    match arg.split_once(':') {
        Some((path, sel)) => (path, Some(sel)),
        None => (arg, None),
    }
}

/// The selected part of an included file, with enough bookkeeping to map an
/// offset in it back to the file.
struct Selection {
    text: String,
    /// (offset in `text`, offset in the file) at the start of each line.
    starts: Vec<(usize, usize)>,
}

impl Selection {
    fn origin(&self, offset: usize) -> usize {
        let i = self
            .starts
            .partition_point(|(o, _)| *o <= offset)
            .saturating_sub(1);
        self.starts
            .get(i)
            .map_or(0, |(o, f)| f + offset.saturating_sub(*o))
    }
}

/// Lines of `content` chosen by `selector`. For `rustdoc_include`, lines
/// outside the range are kept but hidden (`# ` prefix), as in mdBook.
fn select(content: &str, selector: Option<&str>, hide_rest: bool) -> Result<Selection, String> {
    let lines: Vec<(usize, &str)> = line_offsets(content);
    let by_anchor = selector.is_some_and(|s| !s.is_empty() && !is_range(s));
    let keep: Vec<bool> = match selector {
        None | Some("") => vec![true; lines.len()],
        Some(sel) if is_range(sel) => {
            let (start, end) = parse_range(sel)?;
            (1..=lines.len())
                .map(|n| n >= start && end.is_none_or(|e| n <= e))
                .collect()
        }
        Some(anchor) => anchor_lines(&lines, anchor)?,
    };
    let mut sel = Selection {
        text: String::new(),
        starts: Vec::new(),
    };
    for ((offset, line), keep) in lines.iter().zip(keep) {
        // As in mdBook, anchor markers vanish only from anchored includes.
        if by_anchor && (line.contains("ANCHOR:") || line.contains("ANCHOR_END:")) {
            continue;
        }
        if keep {
            sel.starts.push((sel.text.len(), *offset));
            sel.text.push_str(line);
        } else if hide_rest {
            sel.starts.push((sel.text.len(), *offset));
            let hidden = if line.trim().is_empty() {
                (*line).to_owned()
            } else {
                format!("# {line}")
            };
            sel.text.push_str(&hidden);
        }
    }
    // The directive usually ends a line of its own; drop the file's final
    // newline so an include inside a fence adds no blank line (mdBook too).
    if sel.text.ends_with('\n') {
        sel.text.pop();
    }
    Ok(sel)
}

fn line_offsets(content: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in content.split_inclusive('\n') {
        out.push((offset, line));
        offset += line.len();
    }
    out
}

fn is_range(sel: &str) -> bool {
    sel.chars().all(|c| c.is_ascii_digit() || c == ':')
}

/// `N`, `N:M`, `N:`, `:M` (1-based, inclusive) → (first, last).
fn parse_range(sel: &str) -> Result<(usize, Option<usize>), String> {
    let num = |s: &str| -> Result<Option<usize>, String> {
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse()
                .map(Some)
                .map_err(|_| format!("`{s}` is not a line number"))
        }
    };
    match sel.split_once(':') {
        None => {
            let n = num(sel)?.unwrap_or(1);
            Ok((n, Some(n)))
        }
        Some((a, b)) => Ok((num(a)?.unwrap_or(1), num(b)?)),
    }
}

fn anchor_lines(lines: &[(usize, &str)], anchor: &str) -> Result<Vec<bool>, String> {
    let mut keep = vec![false; lines.len()];
    let mut inside = false;
    let mut found = false;
    for (i, (_, line)) in lines.iter().enumerate() {
        if inside && marker_name(line, "ANCHOR_END:") == Some(anchor) {
            break;
        } else if !inside && marker_name(line, "ANCHOR:") == Some(anchor) {
            inside = true;
            found = true;
        } else {
            keep[i] = inside;
        }
    }
    if found {
        Ok(keep)
    } else {
        Err(format!("no `ANCHOR: {anchor}` in the included file"))
    }
}

fn marker_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let name = rest.trim_start();
    let end = name
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(name.len());
    Some(&name[..end])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Include,
    RustdocInclude,
    Playground,
    Title,
    /// A directive preceded by a backslash, shown literally.
    Escaped,
}

struct Directive<'a> {
    kind: Kind,
    arg: &'a str,
    start: usize,
    end: usize,
}

/// mdBook's grammar for directives: `{{#type args}}` with optional space
/// after the braces and at least one character of arguments (which may run
/// over lines), or a backslash-escaped one, which runs to the last `}}` on
/// its line.
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\\\{\{#.*\}\}|\{\{\s*#([a-zA-Z0-9_]+)\s+([^}]+)\}\}")
        .expect("the pattern is valid")
});

/// All directives in `text`, in order. Unknown types (another
/// preprocessor's, say) are left in the text.
fn find_directives(text: &str) -> Vec<Directive<'_>> {
    DIRECTIVE
        .captures_iter(text)
        .filter_map(|cap| {
            let whole = cap.get(0)?;
            let (start, end) = (whole.start(), whole.end());
            if whole.as_str().starts_with('\\') {
                return Some(Directive {
                    kind: Kind::Escaped,
                    arg: "",
                    start,
                    end,
                });
            }
            let kind = match &cap[1] {
                "include" => Kind::Include,
                "rustdoc_include" => Kind::RustdocInclude,
                "playground" | "playpen" => Kind::Playground,
                "title" => Kind::Title,
                _ => return None,
            };
            Some(Directive {
                kind,
                arg: cap.get(2)?.as_str(),
                start,
                end,
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "include_tests.rs"]
mod tests;
