//! Markers: placeholders for what a page's HTML cannot hold yet (its code
//! blocks, quoted figures, verdicts), fenced by a character the page does
//! not contain, and the cut of the finished HTML at them into `Block`s.

use crate::markdown::document::{Block, CodeBlock};

/// A marker for code block `n` inside the rendered HTML, fenced by a
/// character the page does not contain (see `marker_fence`).
pub(crate) fn marker(fence: char, n: usize) -> String {
    format!("{fence}pb-code-{n}{fence}")
}

/// A marker for verdict reference `n` (a claim a checklist cites).
pub(crate) fn verdict_marker(fence: char, n: usize) -> String {
    format!("{fence}pb-verdict-{n}{fence}")
}

/// A private-use character that does not occur in `text`, to fence the
/// code-block markers with: no text of the page can then imitate one.
pub(crate) fn marker_fence(text: &str) -> char {
    ('\u{E000}'..='\u{F8FF}')
        .find(|c| !text.contains(*c))
        .unwrap_or('\u{FFFF}')
}

/// The page's HTML cut at its markers into blocks: HTML, the code blocks
/// (`codes`, by their numbers), quoted figures and verdicts.
pub(crate) fn split_at_markers(html: String, codes: Vec<CodeBlock>, fence: char) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut codes: Vec<Option<CodeBlock>> = codes.into_iter().map(Some).collect();
    let mut rest = html.as_str();
    // Markers are `{fence}pb-code-N{fence}`, `{fence}pb-measure-N{fence}` and
    // `{fence}pb-verdict-N{fence}`, in page order; the fence character occurs
    // nowhere else in the page.
    while let Some(open) = rest.find(fence) {
        let after = &rest[open + fence.len_utf8()..];
        let Some(close) = after.find(fence) else {
            break;
        };
        let token = &after[..close];
        if open > 0 {
            blocks.push(Block::Html(rest[..open].to_owned()));
        }
        if let Some(n) = token
            .strip_prefix("pb-measure-")
            .and_then(|n| n.parse().ok())
        {
            blocks.push(Block::Measure(n));
        } else if let Some(n) = token
            .strip_prefix("pb-verdict-")
            .and_then(|n| n.parse().ok())
        {
            blocks.push(Block::Verdict(n));
        } else if let Some(code) = token
            .strip_prefix("pb-code-")
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| codes.get_mut(n)?.take())
        {
            // By number, not in turn: footnotes move to the page's end
            // with the code blocks they hold.
            blocks.push(Block::Code(Box::new(code)));
        }
        rest = &after[close + fence.len_utf8()..];
    }
    if !rest.is_empty() {
        blocks.push(Block::Html(rest.to_owned()));
    }
    // Unreachable unless a marker went missing; keep the code anyway.
    blocks.extend(
        codes
            .into_iter()
            .flatten()
            .map(|c| Block::Code(Box::new(c))),
    );
    blocks
}
