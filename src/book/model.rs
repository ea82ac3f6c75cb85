//! The book as plain data: the tree of chapters in SUMMARY.md order.
//!
//! Its serde shape is mdBook's (`{"items": [{"Chapter": {...}}, "Separator",
//! {"PartTitle": "..."}]}`) because that JSON is the boundary with mdBook's
//! external preprocessors; nothing else in proofbook depends on the shape.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Book {
    pub items: Vec<BookItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BookItem {
    Chapter(Chapter),
    Separator,
    PartTitle(String),
}

/// One entry of SUMMARY.md. A draft chapter (`[Title]()`) has no `path` and
/// no page; it still appears in the sidebar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    pub name: String,
    /// Markdown source, as read from `source_path` (includes not yet expanded).
    pub content: String,
    pub number: Option<SectionNumber>,
    pub sub_items: Vec<BookItem>,
    /// Where the page lives, relative to the source folder (`dir/x.md`).
    pub path: Option<PathBuf>,
    /// The file the content was read from, relative to the source folder.
    pub source_path: Option<PathBuf>,
    pub parent_names: Vec<String>,
    /// Line of the entry in SUMMARY.md, for diagnostics. Not part of mdBook's JSON.
    #[serde(skip)]
    pub summary_line: u32,
}

impl Chapter {
    pub fn is_draft(&self) -> bool {
        self.path.is_none()
    }
}

/// A section number such as `1.2.3.`; empty for prefix and suffix chapters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SectionNumber(pub Vec<u32>);

impl fmt::Display for SectionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.0 {
            write!(f, "{n}.")?;
        }
        Ok(())
    }
}

impl Book {
    /// Takes the sources of the chapters that have a page, in the order of
    /// `chapters` without drafts, leaving their `content` empty: a build
    /// hands each to the parser, which drops it once parsed.
    pub fn take_page_sources(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_chapter_mut(|ch| {
            if !ch.is_draft() {
                out.push(std::mem::take(&mut ch.content));
            }
        });
        out
    }

    /// Every chapter, depth first in reading order, drafts included.
    pub fn chapters(&self) -> Vec<&Chapter> {
        fn walk<'a>(items: &'a [BookItem], out: &mut Vec<&'a Chapter>) {
            for item in items {
                if let BookItem::Chapter(ch) = item {
                    out.push(ch);
                    walk(&ch.sub_items, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }

    /// Calls `f` on every chapter, depth first, allowing changes.
    pub fn for_each_chapter_mut(&mut self, mut f: impl FnMut(&mut Chapter)) {
        fn walk(items: &mut [BookItem], f: &mut dyn FnMut(&mut Chapter)) {
            for item in items {
                if let BookItem::Chapter(ch) = item {
                    f(ch);
                    walk(&mut ch.sub_items, f);
                }
            }
        }
        walk(&mut self.items, &mut f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_matches_mdbook() {
        let book = Book {
            items: vec![
                BookItem::Chapter(Chapter {
                    name: "Intro".into(),
                    content: "# Intro\n".into(),
                    number: Some(SectionNumber(vec![1])),
                    path: Some("intro.md".into()),
                    source_path: Some("intro.md".into()),
                    ..Chapter::default()
                }),
                BookItem::Separator,
                BookItem::PartTitle("Part".into()),
            ],
        };
        let json = serde_json::to_string(&book).unwrap();
        assert_eq!(
            json,
            r##"{"items":[{"Chapter":{"name":"Intro","content":"# Intro\n","number":[1],"sub_items":[],"path":"intro.md","source_path":"intro.md","parent_names":[]}},"Separator",{"PartTitle":"Part"}]}"##
        );
        let back: Book = serde_json::from_str(&json).unwrap();
        assert_eq!(back.chapters()[0].name, "Intro");
    }

    #[test]
    fn section_number_displays_with_trailing_dots() {
        assert_eq!(SectionNumber(vec![1, 2, 3]).to_string(), "1.2.3.");
    }
}
