//! The print page: every chapter on one page, as mdBook's `print.html`.
//!
//! Chapters keep their rendered bodies; ids are made unique across the book
//! (the first use keeps its id, later ones get `-1`, `-2`, as mdBook does),
//! links between chapters become links to in-page anchors (a chapter's top
//! is its first `h1`), and relative URLs of nested chapters are re-based to
//! the site root, where print.html lives.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::markdown::ids::{IdSet, id_from_text};
use crate::markdown::links::percent_decode;

/// One chapter's input to the print page.
#[derive(Clone)]
pub struct PrintInput<'a> {
    /// The chapter's page, relative to the site root.
    pub page: &'a Path,
    pub name: &'a str,
    /// Its ids in page order; the first `h1`'s id, if any, first among h1s.
    pub ids: &'a [String],
    pub h1_id: Option<&'a str>,
}

/// One chapter on the print page.
pub struct PrintChapter {
    /// The id of the chapter's top.
    pub id: String,
    pub title: String,
    pub content: String,
}

/// How every chapter's ids and links change on the print page, decided
/// from the ids alone, so each body can be rewritten when it is rendered
/// and then dropped: the print page never needs every body at once.
pub struct PrintPlan {
    /// Page → (id on its own page → id on the print page).
    remap: HashMap<PathBuf, HashMap<String, String>>,
    /// Page → (the id of its top, whether that anchor is synthesised).
    tops: HashMap<PathBuf, (String, bool)>,
    /// (page, title) of each chapter, in book order.
    chapters: Vec<(PathBuf, String)>,
}

impl PrintPlan {
    pub fn new(inputs: &[PrintInput<'_>]) -> PrintPlan {
        let mut used = IdSet::default();
        let mut remap: HashMap<PathBuf, HashMap<String, String>> = HashMap::new();
        for input in inputs {
            let map = remap.entry(input.page.to_owned()).or_default();
            for id in input.ids {
                if !map.contains_key(id.as_str()) {
                    map.insert(id.clone(), used.unique(id));
                }
            }
        }
        // A chapter without an h1 gets a synthesised anchor for its top.
        let tops = inputs
            .iter()
            .map(|i| {
                let top = match i.h1_id {
                    Some(h1) => (remap[i.page][h1].clone(), false),
                    None => (used.unique(&id_from_text(i.name)), true),
                };
                (i.page.to_owned(), top)
            })
            .collect();
        let chapters = inputs
            .iter()
            .map(|i| (i.page.to_owned(), i.name.to_owned()))
            .collect();
        PrintPlan {
            remap,
            tops,
            chapters,
        }
    }

    pub fn len(&self) -> usize {
        self.chapters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chapters.is_empty()
    }

    /// The id of chapter `i`'s top and its title, for the contents list.
    pub fn heading(&self, i: usize) -> (&str, &str) {
        let (page, title) = &self.chapters[i];
        (&self.tops[page].0, title)
    }

    /// Chapter `i` as the print page shows it, from its rendered `body`.
    pub fn chapter(&self, i: usize, body: &str) -> PrintChapter {
        let (page, title) = &self.chapters[i];
        let (top, synthesised) = &self.tops[page];
        let mut content = rewrite(body, page, &self.remap, &self.tops);
        if *synthesised {
            // The chapter's title as its heading, as mdBook makes one: a
            // reader of the printed book sees where each chapter starts.
            let (id, name) = (crate::html::escape(top), crate::html::escape(title));
            content.insert_str(
                0,
                &format!("<h1 id=\"{id}\"><a class=\"header\" href=\"#{id}\">{name}</a></h1>\n"),
            );
        }
        PrintChapter {
            id: top.clone(),
            title: title.clone(),
            content,
        }
    }
}

/// print.html rendered with a marker where each chapter goes, cut at the
/// markers, so the page can be written piece by piece.
pub enum PrintFrame {
    /// The `n + 1` pieces around the `n` chapters.
    Streamed(Vec<String>),
    /// The template does not show each chapter's content exactly once and in
    /// order (a theme's own print.html may not): render it whole instead.
    Whole,
}

/// The marker standing for chapter `i`'s content in the frame.
pub fn marker(i: usize) -> String {
    format!("<!--proofbook-print-chapter-{i}-->")
}

impl PrintFrame {
    pub fn split(html: &str, chapters: usize) -> PrintFrame {
        if html.matches("<!--proofbook-print-chapter-").count() != chapters {
            return PrintFrame::Whole;
        }
        let mut pieces = Vec::with_capacity(chapters + 1);
        let mut rest = html;
        for i in 0..chapters {
            let m = marker(i);
            let Some(at) = rest.find(&m) else {
                return PrintFrame::Whole;
            };
            pieces.push(rest[..at].to_owned());
            rest = &rest[at + m.len()..];
        }
        pieces.push(rest.to_owned());
        PrintFrame::Streamed(pieces)
    }
}

/// The attributes the print page rewrites. One pass of one pattern keeps
/// this linear in the size of the book.
static ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\s(id|href|src)="([^"]*)""#).expect("the pattern is valid"));

/// Rewrites the `id`, `href` and `src` attributes of `body` (the page
/// `page`) for the print page.
fn rewrite(
    body: &str,
    page: &Path,
    remap: &HashMap<PathBuf, HashMap<String, String>>,
    tops: &HashMap<PathBuf, (String, bool)>,
) -> String {
    ATTR.replace_all(body, |cap: &regex::Captures<'_>| {
        let (attr, value) = (&cap[1], &cap[2]);
        let new = if attr == "id" {
            remap
                .get(page)
                .and_then(|m| m.get(value))
                .cloned()
                .unwrap_or_else(|| value.to_owned())
        } else {
            rewrite_url(value, page, remap, tops)
        };
        format!(" {attr}=\"{new}\"")
    })
    .into_owned()
}

/// `html` with every relative `href` and `src` prefixed by `base` (which
/// ends in `/`): for a page served at any address, such as 404.html.
pub fn rebase_relative_urls(html: &str, base: &str) -> String {
    ATTR.replace_all(html, |cap: &regex::Captures<'_>| {
        let (attr, value) = (&cap[1], &cap[2]);
        let relative = !(attr == "id"
            || value.is_empty()
            || value.starts_with(['#', '/'])
            || value.contains(':'));
        if relative {
            format!(" {attr}=\"{base}{value}\"")
        } else {
            cap[0].to_owned()
        }
    })
    .into_owned()
}

fn rewrite_url(
    url: &str,
    page: &Path,
    remap: &HashMap<PathBuf, HashMap<String, String>>,
    tops: &HashMap<PathBuf, (String, bool)>,
) -> String {
    if let Some(frag) = url.strip_prefix('#') {
        let frag = percent_decode(frag);
        return match remap.get(page).and_then(|m| m.get(frag.as_str())) {
            Some(new) => format!("#{new}"),
            None => url.to_owned(),
        };
    }
    let is_external = url.starts_with('/')
        || url.contains("://")
        || url
            .split_once(':')
            .is_some_and(|(scheme, _)| !scheme.contains('/'));
    if url.is_empty() || is_external {
        return url.to_owned();
    }
    let (path, frag) = url
        .split_once('#')
        .map_or((url, None), |(p, f)| (p, Some(f)));
    let target = crate::fsutil::normalize(
        &page
            .parent()
            .unwrap_or(Path::new(""))
            .join(percent_decode(path)),
    );
    if let Some(map) = remap.get(target.as_path()) {
        return match frag.map(percent_decode) {
            Some(f) => format!("#{}", map.get(f.as_str()).cloned().unwrap_or(f)),
            None => format!("#{}", tops[target.as_path()].0),
        };
    }
    // Not a chapter: the same file, addressed from the site root.
    let mut rebased = target
        .to_string_lossy()
        .replace('\\', "/")
        .replace(' ', "%20");
    if let Some(f) = frag {
        rebased.push('#');
        rebased.push_str(f);
    }
    rebased
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every chapter rewritten, from (input, body) pairs.
    fn print_chapters(inputs: &[(PrintInput<'_>, &str)]) -> Vec<PrintChapter> {
        let plan = PrintPlan::new(&inputs.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>());
        (0..inputs.len())
            .map(|i| plan.chapter(i, inputs[i].1))
            .collect()
    }

    #[test]
    fn ids_become_unique_and_links_point_inside_the_page() {
        let ids_a = vec!["intro".to_owned(), "usage".to_owned()];
        let ids_b = vec!["nested".to_owned(), "usage".to_owned()];
        let inputs = [
            (
                PrintInput {
                    page: Path::new("a.html"),
                    name: "A",
                    ids: &ids_a,
                    h1_id: Some("intro"),
                },
                "<h1 id=\"intro\"><a class=\"header\" href=\"#intro\">A</a></h1>\n<h2 id=\"usage\">U</h2><a href=\"guide/b.html#usage\">b</a> <a href=\"https://x.org/a.html\">x</a>",
            ),
            (
                PrintInput {
                    page: Path::new("guide/b.html"),
                    name: "B page",
                    ids: &ids_b,
                    h1_id: None,
                },
                "<h2 id=\"usage\">U</h2><a href=\"#usage\">here</a> <a href=\"../a.html\">a</a> <img src=\"dot.svg\"> <a href=\"b.html\">self</a>",
            ),
        ];
        let out = print_chapters(&inputs);
        assert_eq!(out[0].id, "intro");
        assert!(
            out[0].content.contains("<h2 id=\"usage\">"),
            "{}",
            out[0].content
        );
        assert!(
            out[0].content.contains("<a href=\"#usage-1\">b</a>"),
            "{}",
            out[0].content
        );
        assert!(out[0].content.contains("href=\"https://x.org/a.html\""));
        assert_eq!(out[1].id, "b-page");
        let b = &out[1].content;
        assert!(
            b.starts_with("<h1 id=\"b-page\"><a class=\"header\" href=\"#b-page\">B page</a></h1>"),
            "{b}"
        );
        assert!(
            b.contains("<h2 id=\"usage-1\">U</h2><a href=\"#usage-1\">here</a>"),
            "{b}"
        );
        assert!(b.contains("<a href=\"#intro\">a</a>"), "{b}");
        assert!(b.contains("<img src=\"guide/dot.svg\">"), "{b}");
        assert!(b.contains("<a href=\"#b-page\">self</a>"), "{b}");
        let out = print_chapters(&[(
            PrintInput {
                page: Path::new("a.html"),
                name: "A",
                ids: &[],
                h1_id: None,
            },
            "<a href=\"../README.md\">up</a>",
        )]);
        assert!(
            out[0].content.contains("href=\"../README.md\""),
            "a link that leaves the site still does"
        );
    }

    #[test]
    fn a_frame_is_cut_at_each_marker_in_order_or_rendered_whole() {
        let html = format!("<head>{}<hr>{}</body>", marker(0), marker(1));
        let PrintFrame::Streamed(pieces) = PrintFrame::split(&html, 2) else {
            panic!("two markers in order are streamed");
        };
        assert_eq!(pieces, ["<head>", "<hr>", "</body>"]);
        let swapped = format!("{}{}", marker(1), marker(0));
        assert!(matches!(PrintFrame::split(&swapped, 2), PrintFrame::Whole));
        let twice = format!("{}{}", marker(0), marker(0));
        assert!(matches!(PrintFrame::split(&twice, 1), PrintFrame::Whole));
        assert!(matches!(
            PrintFrame::split("<p>no content</p>", 1),
            PrintFrame::Whole
        ));
    }
}
