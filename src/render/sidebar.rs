//! The sidebar: the SUMMARY tree as HTML, rendered once per build.
//!
//! Each page needs the same tree with its own relative URLs and its own
//! entry marked, so the tree is rendered once with a placeholder where the
//! path to the site root goes; a page fills that in and marks its link. That
//! keeps the cost per page one pass over the string, where mdBook rebuilds
//! the whole template data for every chapter.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::PathBuf;

use crate::book::{Book, BookItem, Chapter};
use crate::render::escape_html;

/// Stands for the page's path to the site root inside the cached HTML.
const ROOT: char = '\u{E001}';

pub struct Sidebar {
    html: String,
}

impl Sidebar {
    /// `pages` maps chapter source paths to page paths (relative to the
    /// site root); `numbered` is false when `no-section-label` is set.
    pub fn new(book: &Book, pages: &HashMap<PathBuf, PathBuf>, numbered: bool) -> Sidebar {
        let mut html = String::new();
        write_items(&mut html, &book.items, pages, numbered, "chapters");
        Sidebar { html }
    }

    /// The sidebar for the page at `page_url` (relative to the site root),
    /// whose path to the root is `path_to_root`.
    pub fn for_page(&self, path_to_root: &str, page_url: &str) -> String {
        let html = self.html.replace(ROOT, path_to_root);
        let needle = format!("<a href=\"{path_to_root}{}\">", url_path(page_url));
        match html.find(&needle) {
            Some(pos) => {
                let insert_at = pos + needle.len() - 1;
                let mut out = String::with_capacity(html.len() + 40);
                out.push_str(&html[..insert_at]);
                out.push_str(" class=\"active\" aria-current=\"page\"");
                out.push_str(&html[insert_at..]);
                out
            }
            None => html,
        }
    }
}

fn write_items(
    out: &mut String,
    items: &[BookItem],
    pages: &HashMap<PathBuf, PathBuf>,
    numbered: bool,
    class: &str,
) {
    let _ = writeln!(out, "<ol class=\"{class}\">");
    for item in items {
        match item {
            BookItem::Chapter(ch) => write_chapter(out, ch, pages, numbered),
            BookItem::Separator => out.push_str("<li class=\"spacer\" role=\"separator\"></li>\n"),
            BookItem::PartTitle(title) => {
                let _ = writeln!(out, "<li class=\"part-title\">{}</li>", escape_html(title));
            }
        }
    }
    out.push_str("</ol>\n");
}

fn write_chapter(
    out: &mut String,
    ch: &Chapter,
    pages: &HashMap<PathBuf, PathBuf>,
    numbered: bool,
) {
    let label = match (&ch.number, numbered) {
        (Some(n), true) => format!("<strong aria-hidden=\"true\">{n}</strong> "),
        _ => String::new(),
    };
    let name = escape_html(&ch.name);
    let page = ch.path.as_ref().and_then(|p| pages.get(p));
    match page {
        Some(page) => {
            let _ = write!(
                out,
                "<li class=\"chapter-item\"><a href=\"{ROOT}{}\">{label}{name}</a>",
                url_path(&page.to_string_lossy())
            );
        }
        None => {
            let _ = write!(
                out,
                "<li class=\"chapter-item draft\"><span>{label}{name}</span>"
            );
        }
    }
    if !ch.sub_items.is_empty() {
        out.push('\n');
        write_items(out, &ch.sub_items, pages, numbered, "section");
    }
    out.push_str("</li>\n");
}

/// A page path as it appears in an href (forward slashes, spaces encoded).
fn url_path(path: &str) -> String {
    escape_html(&path.replace('\\', "/").replace(' ', "%20"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::SectionNumber;

    fn chapter(
        name: &str,
        path: Option<&str>,
        number: Option<Vec<u32>>,
        sub: Vec<BookItem>,
    ) -> BookItem {
        BookItem::Chapter(Chapter {
            name: name.into(),
            path: path.map(PathBuf::from),
            number: number.map(SectionNumber),
            sub_items: sub,
            ..Chapter::default()
        })
    }

    fn sample() -> (Book, HashMap<PathBuf, PathBuf>) {
        let book = Book {
            items: vec![
                chapter("Intro", Some("README.md"), None, vec![]),
                chapter(
                    "Threads & locks",
                    Some("t/threads.md"),
                    Some(vec![1]),
                    vec![chapter("Draft", None, Some(vec![1, 1]), vec![])],
                ),
                BookItem::Separator,
                BookItem::PartTitle("Part <2>".into()),
                chapter("FAQ", Some("faq.md"), None, vec![]),
            ],
        };
        let pages = [
            ("README.md", "index.html"),
            ("t/threads.md", "t/threads.html"),
            ("faq.md", "faq.html"),
        ]
        .into_iter()
        .map(|(a, b)| (PathBuf::from(a), PathBuf::from(b)))
        .collect();
        (book, pages)
    }

    #[test]
    fn tree_with_numbers_drafts_parts_and_current_page() {
        let (book, pages) = sample();
        let html = Sidebar::new(&book, &pages, true).for_page("../", "t/threads.html");
        insta::assert_snapshot!(html);
    }

    #[test]
    fn no_section_label_drops_numbers() {
        let (book, pages) = sample();
        let html = Sidebar::new(&book, &pages, false).for_page("", "faq.html");
        assert!(!html.contains("<strong"));
        assert!(
            html.contains("<a href=\"faq.html\" class=\"active\" aria-current=\"page\">FAQ</a>")
        );
        assert_eq!(html.matches("aria-current").count(), 1);
    }
}
