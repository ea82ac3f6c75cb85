//! The errors of SUMMARY.md parsing: where each points (line and character
//! column of the first visible character) and the words that tell the author
//! what to change. Kept apart from the parser so its walk over the event
//! stream reads without the long messages in between.

use std::collections::HashMap;
use std::path::Path;

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

use super::{SummaryError, SummaryParser};

impl<'a> SummaryParser<'a> {
    pub(super) fn check_duplicates(&self) -> Result<(), SummaryError> {
        // Keyed by `Path`, whose equality compares components, so `a//b.md` and `a/b.md`
        // count as the same file, as they do in mdBook.
        let mut seen: HashMap<&Path, usize> = HashMap::new();
        for (path, offset) in &self.files {
            if let Some(&first) = seen.get(path.as_path()) {
                let first_line = self.location(first).0;
                return Err(self.error(
                    *offset,
                    format!("`{}` is listed twice in SUMMARY.md", path.display()),
                    Some(format!(
                        "It is already a chapter at line {first_line}; a file can be only one \
                         chapter. Remove one of the two entries, or make this one a draft \
                         chapter with `[Title]()`."
                    )),
                ));
            }
            seen.insert(path, *offset);
        }
        Ok(())
    }

    pub(super) fn after_suffix_error(&self, is_list: bool) -> SummaryError {
        let offset = self.peek_offset();
        let message = if is_list {
            "numbered chapters cannot come after suffix chapters"
        } else {
            "a part title cannot come after suffix chapters"
        };
        let help = match self.suffix_start {
            Some(start) => {
                let line = self.location(start).0;
                format!(
                    "Line {line} is not a list item, so it ended the numbered chapters and \
                     everything after it counts as unnumbered suffix chapters. Make line \
                     {line} a list item, delete it, or move it below the last list."
                )
            }
            None => "Suffix chapters (plain links after the lists) must come last.".into(),
        };
        self.error(offset, message.into(), Some(help))
    }

    /// The error for a list item that does not start with a link, worded by what it starts with.
    pub(super) fn item_error(&self, event: &Event<'_>, offset: usize) -> SummaryError {
        let (message, help): (String, String) = match event {
            Event::End(TagEnd::Item) => (
                "empty list item".into(),
                format!("{LINK_HELP} Or delete the bullet."),
            ),
            Event::Rule => (
                "a separator cannot be a list item".into(),
                "Write `---` alone at the start of its own line, without a bullet, \
                 between two lists."
                    .into(),
            ),
            Event::Start(Tag::Heading { level, .. }) => {
                if self
                    .src
                    .get(offset..)
                    .is_some_and(|rest| rest.trim_start().starts_with('#'))
                {
                    if *level == HeadingLevel::H1 {
                        (
                            "a part title cannot be a list item".into(),
                            "Write `# Part title` at the start of its own line, outside the list."
                                .into(),
                        )
                    } else {
                        (
                            "list item is a heading, not a link".into(),
                            LINK_HELP.into(),
                        )
                    }
                } else {
                    // A setext heading: an indented `---` or `===` line right below the
                    // item underlines it. The likely intent is a separator, so say how.
                    (
                        "list item is underlined by the `---` or `===` line below it, \
                         which makes it a heading"
                            .into(),
                        "For a separator, put `---` at the start of its line, not indented; \
                         otherwise leave a blank line between the item and the `---`."
                            .into(),
                    )
                }
            }
            Event::Start(Tag::List(_)) => (
                "list item starts with another list, not a link".into(),
                format!(
                    "{LINK_HELP} To nest chapters, indent their items under a chapter \
                     that has a link."
                ),
            ),
            Event::Start(Tag::CodeBlock(_)) => (
                "list item is a code block, not a link".into(),
                format!(
                    "{LINK_HELP} Four or more spaces between the bullet and the link \
                     make a code block; use one."
                ),
            ),
            Event::InlineHtml(_) | Event::Html(_) => (
                "list item starts with HTML, not a link".into(),
                LINK_HELP.into(),
            ),
            // Quoting the rest of the source line rather than the event's text shows the
            // author what they wrote: an unclosed `[A](a.md` arrives as the text `[` alone.
            Event::Text(_) => (
                format!(
                    "list item `{}` is not a link",
                    shorten(self.rest_of_line(offset))
                ),
                LINK_HELP.into(),
            ),
            _ => (
                "list item does not start with a link".into(),
                LINK_HELP.into(),
            ),
        };
        self.error(offset, message, Some(help))
    }

    /// The source from `offset` to the end of its line.
    pub(super) fn rest_of_line(&self, offset: usize) -> &'a str {
        let rest = self.src.get(offset..).unwrap_or("");
        rest.lines().next().unwrap_or("")
    }

    pub(super) fn error(
        &self,
        offset: usize,
        message: String,
        help: Option<String>,
    ) -> SummaryError {
        // Block events can start at the indentation or even at the blank line before the
        // text they cover; pointing at the first visible character is what the author needs.
        let rest = self.src.get(offset..).unwrap_or("");
        let visible = rest.len() - rest.trim_start().len();
        let offset = if visible < rest.len() {
            offset + visible
        } else {
            offset
        };
        let (line, col) = self.location(offset);
        SummaryError {
            message,
            line,
            col,
            help,
        }
    }

    /// The 1-based line and character column of a byte offset.
    pub(super) fn location(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.src.len());
        let index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(index).copied().unwrap_or(0);
        // Counting characters whose start lies before the offset never slices the string,
        // so even an offset inside a character could not panic.
        let col = self.src[start..]
            .char_indices()
            .take_while(|&(i, _)| start + i < offset)
            .count();
        (
            to_u32(index).saturating_add(1),
            to_u32(col).saturating_add(1),
        )
    }
}

/// What a numbered chapter must look like; the base of most list-item hints.
pub(super) const LINK_HELP: &str = "Each list item must start with a link, like `- [Title](file.md)`, \
                         or `- [Title]()` for a draft chapter; text after the link is ignored.";

/// Text for an error message: one line, at most 40 characters.
fn shorten(text: &str) -> String {
    let text = text.trim();
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
