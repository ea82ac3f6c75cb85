//! SUMMARY.md → [`Summary`]: the table of contents, parsed the way mdBook 0.5 parses it.
//!
//! This is the first step of loading a book: the loader reads SUMMARY.md and hands its
//! text to [`parse_summary`], and the [`Summary`] that comes back says which chapter files
//! to read, in which order, under which names and section numbers. The module does no file
//! I/O and never looks at the chapter files (whether they exist is the loader's business);
//! it only turns text into a tree, or into a [`SummaryError`] that carries a 1-based line
//! and column and a hint telling the author what to change.
//!
//! The text is read as CommonMark without extensions, as mdBook reads it, and the parser
//! walks pulldown-cmark's event stream in four stages: an optional `# Title`, the prefix
//! chapters (links before the first list), the numbered chapters (lists, `---` separators
//! and `# Part` titles), and the suffix chapters (links after the numbered ones). Because
//! mdBook decides everything at the level of these events, so does this parser; that is
//! what keeps odd files (stray text, comments, headings in odd places) parsing the same way.
//!
//! Where this parser knowingly differs from mdBook, it is either more lenient or keeps a
//! chapter that mdBook would silently drop:
//! - a leading `./` is removed from chapter paths, so `./a.md` and `a.md` are the same file
//!   (and listing both is a duplicate);
//! - link names and titles are trimmed, and a hard line break in a name reads as a space;
//! - a list item may start with an HTML comment on lines of its own before its link;
//! - when one chapter has two nested lists (split by a comment, an indented `---` or a
//!   change of bullet character), the second list's chapters are appended and numbered
//!   on, where mdBook would replace the first list's chapters with them.

use std::path::PathBuf;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

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

/// A SUMMARY.md that cannot be parsed. line/col are 1-based; col counts characters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SummaryError {
    pub message: String,
    pub line: u32,
    pub col: u32,
    pub help: Option<String>,
}

/// Parses the text of a SUMMARY.md.
///
/// Fails where mdBook fails: a list item that does not start with a link, a list or part
/// title after the suffix chapters, or the same file listed twice.
pub fn parse_summary(text: &str) -> Result<Summary, SummaryError> {
    let mut parser = SummaryParser::new(text);
    let title = parser.title();
    let prefix_chapters = parser.affix(Affix::Prefix)?;
    let numbered_chapters = parser.numbered()?;
    let suffix_chapters = parser.affix(Affix::Suffix)?;
    // mdBook checks for duplicates only once everything parsed, so a syntax error later in
    // the file wins over a duplicate earlier in it; checking last keeps that order.
    parser.check_duplicates()?;
    Ok(Summary {
        title,
        prefix_chapters,
        numbered_chapters,
        suffix_chapters,
    })
}

/// Which unnumbered section `affix` is reading; they differ only in how they end.
#[derive(Clone, Copy, PartialEq)]
enum Affix {
    Prefix,
    Suffix,
}

/// One list being read, while nested lists are open above it.
struct OpenList {
    chapters: Vec<Link>,
    /// The section number of the chapter this list is nested under; empty at the root.
    parent: Vec<u32>,
    /// How many chapters at this level were numbered before this list started. It is
    /// non-zero for a root list that follows another (numbering runs on across comments,
    /// separators and parts) and for a second nested list under the same chapter.
    numbered_before: u32,
}

struct SummaryParser<'a> {
    src: &'a str,
    /// The whole event stream with each event's start offset. SUMMARY.md files are small,
    /// and holding the events in a vector makes one-event lookahead trivial.
    events: Vec<(Event<'a>, usize)>,
    pos: usize,
    /// Byte offset of the start of every line, for turning offsets into lines and columns.
    line_starts: Vec<usize>,
    /// Every chapter file with the offset of its link, in document order, for the
    /// duplicate check.
    files: Vec<(PathBuf, usize)>,
    /// Where the paragraph that ended the numbered chapters starts, so the error for a list
    /// after the suffix chapters can point at the cause as well as the symptom.
    suffix_start: Option<usize>,
}

impl<'a> SummaryParser<'a> {
    fn new(src: &'a str) -> Self {
        // No extensions, as in mdBook: with tables or strikethrough on, some summaries
        // would read differently than they do there.
        let events = Parser::new_ext(src, Options::empty())
            .into_offset_iter()
            .map(|(event, range)| (event, range.start))
            .collect();
        let line_starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SummaryParser {
            src,
            events,
            pos: 0,
            line_starts,
            files: Vec::new(),
            suffix_start: None,
        }
    }

    fn peek(&self) -> Option<&Event<'a>> {
        self.events.get(self.pos).map(|(event, _)| event)
    }

    fn peek_offset(&self) -> usize {
        self.events
            .get(self.pos)
            .map_or(self.src.len(), |&(_, offset)| offset)
    }

    fn next(&mut self) -> Option<(Event<'a>, usize)> {
        let next = self.events.get(self.pos).cloned();
        if next.is_some() {
            self.pos += 1;
        }
        next
    }

    /// The optional title: an H1 before anything but HTML (typically a comment).
    fn title(&mut self) -> Option<String> {
        loop {
            match self.peek()? {
                Event::Html(_)
                | Event::InlineHtml(_)
                | Event::Start(Tag::HtmlBlock)
                | Event::End(TagEnd::HtmlBlock) => {
                    self.next();
                }
                event if is_h1(event) => {
                    self.next();
                    return Some(self.text_until(TagEnd::Heading(HeadingLevel::H1)));
                }
                _ => return None,
            }
        }
    }

    /// Prefix or suffix chapters: every link and `---` until the first list or H1.
    ///
    /// Anything else (plain text, lower headings, code) is ignored, and links are taken
    /// wherever they sit, even inside a blockquote, because that is what mdBook does.
    fn affix(&mut self, affix: Affix) -> Result<Vec<SummaryItem>, SummaryError> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None => break,
                Some(event) if is_list(event) || is_h1(event) => {
                    if affix == Affix::Prefix {
                        // The numbered chapters start here; leave the event for them.
                        break;
                    }
                    return Err(self.after_suffix_error(is_list(event)));
                }
                _ => {}
            }
            let Some((event, offset)) = self.next() else {
                break;
            };
            match event {
                Event::Start(Tag::Link { dest_url, .. }) => {
                    let link = self.link(dest_url, offset, None);
                    items.push(SummaryItem::Link(link));
                }
                Event::Rule => items.push(SummaryItem::Separator),
                _ => {}
            }
        }
        Ok(items)
    }

    /// The numbered chapters: parts, each an optional `# Title` and its lists.
    fn numbered(&mut self) -> Result<Vec<SummaryItem>, SummaryError> {
        let mut items = Vec::new();
        // Root chapters are counted across all parts, so part titles never restart numbering.
        let mut root_count = 0u32;
        loop {
            match self.peek() {
                None => break,
                Some(Event::Start(Tag::Paragraph)) => {
                    // A paragraph between lists ends the numbered chapters: what follows
                    // is suffix chapters, even if the paragraph is just text.
                    self.suffix_start = Some(self.peek_offset());
                    break;
                }
                Some(event) if is_h1(event) => {
                    self.next();
                    let title = self.text_until(TagEnd::Heading(HeadingLevel::H1));
                    items.push(SummaryItem::PartTitle(title));
                }
                Some(_) => {}
            }
            self.part(&mut items, &mut root_count)?;
        }
        Ok(items)
    }

    /// The body of one part: lists and separators up to the next H1 or paragraph.
    fn part(
        &mut self,
        items: &mut Vec<SummaryItem>,
        root_count: &mut u32,
    ) -> Result<(), SummaryError> {
        // A paragraph right at the start of a part (just under its title) belongs to the
        // part, as in mdBook; only a later paragraph ends the numbered chapters.
        let mut first = true;
        loop {
            match self.peek() {
                None => break,
                Some(Event::Start(Tag::Paragraph)) if !first => break,
                Some(event) if is_h1(event) => break,
                Some(_) => {}
            }
            let Some((event, _)) = self.next() else {
                break;
            };
            match event {
                Event::Start(Tag::List(_)) => {
                    let chapters = self.list(*root_count)?;
                    *root_count = root_count.saturating_add(to_u32(chapters.len()));
                    items.extend(chapters.into_iter().map(SummaryItem::Link));
                }
                // mdBook drops only the opening tag of a paragraph under a part title; the
                // paragraph's text and links then fall to the catch-all arms and are dropped.
                Event::Start(Tag::Paragraph) => {}
                Event::Start(tag) => self.skip_to(TagEnd::from(tag)),
                Event::Rule => items.push(SummaryItem::Separator),
                _ => {}
            }
            first = false;
        }
        Ok(())
    }

    /// Reads a list whose opening tag was just consumed, with its nested lists, and returns
    /// its chapters numbered from `numbered_before + 1`.
    ///
    /// Nesting is tracked with an explicit stack rather than recursion, so a pathologically
    /// deep SUMMARY.md cannot overflow the call stack.
    fn list(&mut self, numbered_before: u32) -> Result<Vec<Link>, SummaryError> {
        let mut stack = vec![OpenList {
            chapters: Vec::new(),
            parent: Vec::new(),
            numbered_before,
        }];
        while let Some((event, _)) = self.next() {
            match event {
                Event::Start(Tag::Item) => {
                    let Some(level) = stack.last_mut() else {
                        break;
                    };
                    let mut number = level.parent.clone();
                    number.push(
                        level
                            .numbered_before
                            .saturating_add(to_u32(level.chapters.len()))
                            .saturating_add(1),
                    );
                    let link = self.item(number)?;
                    level.chapters.push(link);
                }
                Event::Start(Tag::List(_)) => {
                    // A list met here sits inside the item just read (the item is pushed
                    // before its remaining content is seen), so it nests under that chapter.
                    let Some(parent) = stack.last().and_then(|level| level.chapters.last()) else {
                        // Unreachable with CommonMark input; mdBook ignores the tag too.
                        continue;
                    };
                    let list = OpenList {
                        chapters: Vec::new(),
                        parent: parent.number.clone().unwrap_or_default().0,
                        numbered_before: to_u32(parent.nested_items.len()),
                    };
                    stack.push(list);
                }
                Event::End(TagEnd::List(_)) => {
                    let Some(done) = stack.pop() else {
                        break;
                    };
                    match stack.last_mut().and_then(|level| level.chapters.last_mut()) {
                        Some(parent) => parent
                            .nested_items
                            .extend(done.chapters.into_iter().map(SummaryItem::Link)),
                        None => return Ok(done.chapters),
                    }
                }
                // Whatever follows the link in an item (text, other links, a comment,
                // a heading, an indented `---`) is ignored, as in mdBook.
                _ => {}
            }
        }
        // Only reachable if the stream ends inside a list, which pulldown-cmark never does;
        // fold the open lists into their parents rather than lose chapters.
        let mut chapters = Vec::new();
        while let Some(mut level) = stack.pop() {
            if let Some(last) = level.chapters.last_mut() {
                last.nested_items
                    .extend(chapters.drain(..).map(SummaryItem::Link));
            }
            chapters = level.chapters;
        }
        Ok(chapters)
    }

    /// Reads one list item up to and including its link, which must come first.
    fn item(&mut self, number: Vec<u32>) -> Result<Link, SummaryError> {
        loop {
            let Some((event, offset)) = self.next() else {
                return Err(self.error(
                    self.src.len(),
                    "SUMMARY.md ends inside a list item".into(),
                    Some(LINK_HELP.into()),
                ));
            };
            match event {
                // A loose list wraps each item's text in a paragraph.
                Event::Start(Tag::Paragraph) => {}
                Event::Start(Tag::Link { dest_url, .. }) => {
                    return Ok(self.link(dest_url, offset, Some(SectionNumber(number))));
                }
                Event::Start(Tag::HtmlBlock) => {
                    let html = self.html_block_text();
                    // Lenient where mdBook is not: comments are ignored everywhere else,
                    // so a comment on its own lines before the link is ignored here too.
                    if !is_only_comments(&html) {
                        return Err(self.error(
                            offset,
                            "list item starts with HTML, not a link".into(),
                            Some(format!(
                                "{LINK_HELP} An HTML comment must be on lines of its own, \
                                 before or after the link's line."
                            )),
                        ));
                    }
                }
                other => return Err(self.item_error(&other, offset)),
            }
        }
    }

    /// Finishes a link whose opening tag (at `offset`) was just consumed.
    fn link(&mut self, dest: CowStr<'a>, offset: usize, number: Option<SectionNumber>) -> Link {
        let name = self.text_until(TagEnd::Link);
        let location = if dest.is_empty() {
            None
        } else {
            // mdBook decodes `%20` and nothing else, so `a%2Fb.md` stays literally that.
            let dest = dest.replace("%20", " ");
            Some(PathBuf::from(strip_current_dir(&dest)))
        };
        if let Some(path) = &location {
            self.files.push((path.clone(), offset));
        }
        Link {
            name,
            location,
            number,
            nested_items: Vec::new(),
            line: self.location(offset).0,
        }
    }

    /// The plain text of everything up to the closing `end` tag, which is consumed.
    fn text_until(&mut self, end: TagEnd) -> String {
        let mut text = String::new();
        while let Some((event, _)) = self.next() {
            match event {
                Event::End(tag) if tag == end => break,
                Event::Text(s) | Event::Code(s) => text.push_str(&s),
                Event::SoftBreak | Event::HardBreak => text.push(' '),
                // Emphasis, images, inline HTML and the like contribute only their text.
                _ => {}
            }
        }
        text.trim().to_string()
    }

    /// The raw text of an HTML block whose opening tag was just consumed.
    fn html_block_text(&mut self) -> String {
        let mut html = String::new();
        while let Some((event, _)) = self.next() {
            match event {
                Event::End(TagEnd::HtmlBlock) => break,
                Event::Html(s) | Event::Text(s) => html.push_str(&s),
                _ => {}
            }
        }
        html
    }

    /// Skips to the first `end` tag, as mdBook does: not depth-aware, so a blockquote in a
    /// blockquote ends the skip at the inner one.
    fn skip_to(&mut self, end: TagEnd) {
        while let Some((event, _)) = self.next() {
            if event == Event::End(end) {
                break;
            }
        }
    }
}

fn is_list(event: &Event<'_>) -> bool {
    matches!(event, Event::Start(Tag::List(_)))
}

fn is_h1(event: &Event<'_>) -> bool {
    matches!(
        event,
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            ..
        })
    )
}

/// Removes leading `./` segments, so `./a.md` names the same chapter as `a.md`. A path
/// that would become empty (`./`) is left alone.
fn strip_current_dir(path: &str) -> &str {
    let mut rest = path;
    while let Some(stripped) = rest.strip_prefix("./") {
        // `.//a.md` must not turn into the absolute `/a.md`.
        let stripped = stripped.trim_start_matches('/');
        if stripped.is_empty() {
            break;
        }
        rest = stripped;
    }
    rest
}

/// Whether an HTML block holds nothing but comments and whitespace.
fn is_only_comments(html: &str) -> bool {
    let mut rest = html.trim_start();
    while !rest.is_empty() {
        let Some(body) = rest.strip_prefix("<!--") else {
            return false;
        };
        let Some(end) = body.find("-->") else {
            return false;
        };
        rest = body[end + 3..].trim_start();
    }
    true
}

#[path = "summary_errors.rs"]
mod errors;
use errors::{LINK_HELP, to_u32};

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
