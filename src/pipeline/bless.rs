//! `check --bless [ID…]`: an example whose output no longer matches its
//! ```` ```output ```` block gets the block rewritten in the Markdown source
//! to say what it printed now (#28 item 3).
//!
//! Only examples that ended as their options say and differ only in their
//! output are blessed (a crash is not an output to approve), and never a
//! claim: a claim is a statement, not a snapshot. The block's wildcards are
//! kept where they still match (`execute::expected::bless`), the file's
//! other bytes are left as they are, and each file is written whole (a temp
//! file beside it, then a rename). A file that changed since the check
//! started, or whose block no longer reads as the check read it, is refused
//! rather than merged: the author's unsaved work wins.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::diag::{Diagnostic, Span};

/// An example whose output differs from its block (collected by `check`).
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// Its item in the check's report.
    pub item: usize,
    pub id: Option<String>,
    /// The output block's fence.
    pub block: Span,
    /// The block as read.
    pub expected: String,
    /// What the example printed (both streams, in order).
    pub printed: String,
}

/// One block rewritten.
#[derive(Debug, Clone)]
pub struct Blessed {
    pub file: PathBuf,
    pub line: u32,
    /// A unified diff of the file's change.
    pub diff: String,
}

/// What `bless` did.
#[derive(Debug, Default)]
pub struct BlessOutcome {
    pub blessed: Vec<Blessed>,
    /// The check's items whose blocks were rewritten (now ok).
    pub items: Vec<usize>,
    /// Files not blessed: where, and why (nothing in them was changed).
    pub refused: Vec<(Span, String)>,
    /// Ids named with nothing to bless.
    pub warnings: Vec<Diagnostic>,
}

/// Rewrites the output blocks of `mismatched` (only those of the examples
/// `ids` names, when it names any), file by file, each file whole or not
/// at all. `started` is when the check began: a file modified after it is
/// refused.
pub fn bless(mismatched: &[Mismatch], ids: &[String], started: SystemTime) -> BlessOutcome {
    let mut out = BlessOutcome::default();
    for id in ids {
        if !mismatched.iter().any(|m| m.id.as_deref() == Some(id)) {
            out.warnings.push(
                Diagnostic::warning(
                    format!("`--bless {id}`: no example with that id printed something else than its output block"),
                    None,
                )
                .with_help("check the id; `proofbook check` lists the examples whose output differs"),
            );
        }
    }
    let chosen: Vec<&Mismatch> = mismatched
        .iter()
        .filter(|m| ids.is_empty() || m.id.as_ref().is_some_and(|id| ids.contains(id)))
        .collect();
    let mut files: Vec<&Path> = chosen.iter().map(|m| m.block.file.as_path()).collect();
    files.sort();
    files.dedup();
    for file in files {
        let here: Vec<&Mismatch> = chosen
            .iter()
            .copied()
            .filter(|m| m.block.file == file)
            .collect();
        match bless_file(file, &here, started) {
            Ok(done) => {
                out.items.extend(here.iter().map(|m| m.item));
                out.blessed.extend(done);
            }
            Err(why) => out.refused.push((here[0].block.clone(), why)),
        }
    }
    out
}

/// Rewrites every block of `blocks` in `file`, or none.
fn bless_file(
    file: &Path,
    blocks: &[&Mismatch],
    started: SystemTime,
) -> Result<Vec<Blessed>, String> {
    let shown = file.display();
    let modified = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if modified > started {
        return Err(format!("{shown} changed since the check started"));
    }
    let text = crate::fsutil::read_to_string(file).map_err(|e| e.to_string())?;
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    // From the last block up, so earlier line numbers stay true.
    let mut order: Vec<&&Mismatch> = blocks.iter().collect();
    order.sort_by_key(|m| std::cmp::Reverse(m.block.line));
    let mut blessed = Vec::new();
    for m in order {
        let new = crate::execute::expected::bless(&m.expected, &m.printed).ok_or_else(|| {
            format!(
                "what the example at {shown}:{} printed reads as wildcards (`...`, `{{int}}`), so no block can say it literally",
                m.block.line
            )
        })?;
        let at = (m.block.line as usize).saturating_sub(1);
        let block = find_block(&lines, at, &m.expected).ok_or_else(|| {
            format!(
                "the output block at {shown}:{} is not as the check read it",
                m.block.line
            )
        })?;
        // New lines end as the block's fence does.
        let newline = match lines[at].ends_with("\r\n") {
            true => "\r\n",
            false => "\n",
        };
        let body = block.body(&new, newline)?;
        lines.splice(block.first..block.end, body);
        blessed.push(Blessed {
            file: file.to_owned(),
            line: m.block.line,
            diff: String::new(),
        });
    }
    let new_text: String = lines.concat();
    let diff = similar::TextDiff::from_lines(&text, &new_text)
        .unified_diff()
        .context_radius(2)
        .header(&shown.to_string(), &shown.to_string())
        .to_string();
    write_whole(file, &new_text)?;
    // One diff per file, given with its first block.
    blessed.reverse();
    if let Some(first) = blessed.first_mut() {
        first.diff = diff;
    }
    Ok(blessed)
}

/// Where a block's lines are in the file: `first..end` are its body's
/// lines, between the fences; `indent` the fence's indentation.
struct Block {
    first: usize,
    end: usize,
    indent: String,
    fence: String,
}

impl Block {
    /// The new body's lines, indented as the fence is. A printed line that
    /// would close the fence is refused.
    fn body(&self, new: &str, newline: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for line in new.lines() {
            if line.trim_start().starts_with(&self.fence) {
                return Err(format!(
                    "a printed line starts with `{}`, which would end the output block early; lengthen its fence",
                    self.fence
                ));
            }
            out.push(match line.is_empty() {
                true => newline.to_owned(),
                false => format!("{}{line}{newline}", self.indent),
            });
        }
        Ok(out)
    }
}

/// The fenced block opening on line `at` (from 0), if its body is still
/// `expected`.
fn find_block(lines: &[String], at: usize, expected: &str) -> Option<Block> {
    let open = lines.get(at)?.trim_end();
    let trimmed = open.trim_start_matches(' ');
    let indent = &open[..open.len() - trimmed.len()];
    let mark = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let count = trimmed.chars().take_while(|c| *c == mark).count();
    if count < 3 || !trimmed[count..].trim_start().starts_with("output") {
        return None;
    }
    let fence = mark.to_string().repeat(count);
    let close = (at + 1..lines.len()).find(|&i| {
        let l = lines[i].trim();
        l.starts_with(&fence) && l.chars().all(|c| c == mark)
    })?;
    let body: Vec<&str> = lines[at + 1..close]
        .iter()
        .map(|l| {
            let l = l.trim_end_matches(['\n', '\r']);
            l.strip_prefix(indent).unwrap_or(l.trim_start_matches(' '))
        })
        .collect();
    let same = |a: &str, b: &str| a.trim_end() == b.trim_end();
    same(&body.join("\n"), expected).then(|| Block {
        first: at + 1,
        end: close,
        indent: indent.to_owned(),
        fence,
    })
}

/// Writes `file` whole: a temp file in its folder, its permissions kept,
/// then a rename over it.
fn write_whole(file: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let shown = file.display();
    let dir = file.parent().unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| format!("cannot write {shown}: {e}");
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write beside {shown} ({e}); is the folder read-only?"))?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    if let Ok(meta) = std::fs::metadata(file) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(file).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.split_inclusive('\n').map(str::to_owned).collect()
    }

    #[test]
    fn a_block_is_found_only_where_it_was_read() {
        let text = lines("# T\n\n```python\nprint(1)\n```\n\n```output\n1\n```\n");
        let b = find_block(&text, 6, "1\n").unwrap();
        assert_eq!((b.first, b.end, b.fence.as_str()), (7, 8, "```"));
        assert!(find_block(&text, 6, "2\n").is_none());
        assert!(
            find_block(&text, 2, "print(1)\n").is_none(),
            "not an output block"
        );
        // An indented fence (in a list) keeps its indentation.
        let text = lines("- item\n\n  ````output\n  a\n\n  b\n  ````\n");
        let b = find_block(&text, 2, "a\n\nb").unwrap();
        assert_eq!(b.indent, "  ");
        assert_eq!(b.body("x\n\ny\n", "\n").unwrap(), ["  x\n", "\n", "  y\n"]);
        assert!(b.body("````\n", "\n").is_err());
    }
}
