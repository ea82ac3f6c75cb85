//! What a link in a chapter points at, and the URL it becomes.
//!
//! Links to `.md` files of the book become links to their pages; external
//! links, absolute paths, links to other files and links that leave the
//! book's root are left exactly as written.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::book::{Book, Chapter};
use crate::diag::{Diagnostic, Severity};
use crate::markdown::Document;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkKind {
    /// `#frag`: a fragment of the current page.
    Fragment(String),
    /// A Markdown file under the source folder (path relative to it).
    Chapter {
        target: PathBuf,
        fragment: Option<String>,
    },
    /// Anything else: left alone.
    Other,
}

/// Classifies `dest` written in the chapter `page` (relative to `src`).
pub fn classify(dest: &str, page: &Path, src: &Path) -> LinkKind {
    if dest.is_empty() || has_scheme(dest) || dest.starts_with('/') {
        return LinkKind::Other;
    }
    if let Some(fragment) = dest.strip_prefix('#') {
        return LinkKind::Fragment(percent_decode(fragment));
    }
    let (path_part, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode(f))),
        None => (dest, None),
    };
    let path_part = path_part.split('?').next().unwrap_or(path_part);
    if !path_part.ends_with(".md") {
        return LinkKind::Other;
    }
    let base = src.join(page.parent().unwrap_or(Path::new("")));
    let resolved = crate::fsutil::normalize(&base.join(percent_decode(path_part)));
    match resolved.strip_prefix(src) {
        Ok(target) => LinkKind::Chapter {
            target: target.to_owned(),
            fragment,
        },
        // Inside the book's root but outside the source folder (a README
        // next to book.toml, say): not a page, so left alone, as it is when
        // it leaves the root entirely.
        Err(_) => LinkKind::Other,
    }
}

/// The URL of page `to` as seen from page `from` (both relative to the site
/// root), with `fragment` appended.
pub fn relative_url(from: &Path, to: &Path, fragment: Option<&str>) -> String {
    let from_dir: Vec<Component<'_>> = from
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    let to_parts: Vec<Component<'_>> = to.components().collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut url = "../".repeat(from_dir.len() - common);
    let rest: Vec<String> = to_parts[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().replace(' ', "%20"))
        .collect();
    url.push_str(&rest.join("/"));
    if let Some(f) = fragment {
        url.push('#');
        url.push_str(f);
    }
    url
}

/// `../` repeated once per folder of `page` (relative to the site root).
pub fn path_to_root(page: &Path) -> String {
    "../".repeat(page.parent().map_or(0, |p| p.components().count()))
}

fn has_scheme(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.find(':') {
        Some(pos) => {
            let scheme = &dest[..pos];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Decodes `%XX` escapes; invalid ones are kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// Every link to a chapter must reach a page, and every fragment an id on it.
pub fn check_links<D: std::borrow::Borrow<Document>>(
    book: &Book,
    chapters: &[&Chapter],
    docs: &[D],
    severity: Severity,
) -> Vec<Diagnostic> {
    let ids: HashMap<&Path, HashSet<&str>> = chapters
        .iter()
        .zip(docs)
        .filter_map(|(c, d)| {
            Some((
                c.path.as_deref()?,
                std::borrow::Borrow::<Document>::borrow(d)
                    .ids
                    .iter()
                    .map(String::as_str)
                    .collect(),
            ))
        })
        .collect();
    let drafts: HashSet<&Path> = book
        .chapters()
        .into_iter()
        .filter(|c| c.is_draft())
        .filter_map(|c| c.source_path.as_deref())
        .collect();
    let mut out = Vec::new();
    for doc in docs {
        for link in &std::borrow::Borrow::<Document>::borrow(doc).links {
            let problem = match (ids.get(link.target.as_path()), &link.fragment) {
                (None, _) if drafts.contains(link.target.as_path()) => Some((
                    "is a draft chapter with no page".to_owned(),
                    "link to another chapter, or give this one a file in SUMMARY.md",
                )),
                (None, _) => Some((
                    format!(
                        "points to `{}`, which is not a chapter in SUMMARY.md",
                        link.target.display()
                    ),
                    "fix the path, or add the page to SUMMARY.md",
                )),
                (Some(ids), Some(f)) if !f.is_empty() && !ids.contains(f.as_str()) => Some((
                    format!("points to `#{f}`, which is not an anchor on that page"),
                    "use the id of a heading on the target page (shown in its address bar when you click the heading)",
                )),
                _ => None,
            };
            if let Some((what, help)) = problem {
                let message = format!("broken link `{}`: it {what}", link.written);
                out.push(Diagnostic {
                    severity,
                    message,
                    span: link.span.clone(),
                    help: Some(help.to_owned()),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(dest: &str, page: &str) -> LinkKind {
        classify(dest, Path::new(page), Path::new("/b/src"))
    }

    fn chapter(target: &str, fragment: Option<&str>) -> LinkKind {
        LinkKind::Chapter {
            target: target.into(),
            fragment: fragment.map(str::to_owned),
        }
    }

    #[test]
    fn classifies_links() {
        assert_eq!(kind("other.md", "a/page.md"), chapter("a/other.md", None));
        assert_eq!(
            kind("../x.md#Part-1", "a/page.md"),
            chapter("x.md", Some("Part-1"))
        );
        assert_eq!(kind("./b/c.md", "page.md"), chapter("b/c.md", None));
        assert_eq!(kind("my%20file.md", "page.md"), chapter("my file.md", None));
        assert_eq!(kind("#frag", "page.md"), LinkKind::Fragment("frag".into()));
        assert_eq!(kind("https://example.org/x.md", "page.md"), LinkKind::Other);
        assert_eq!(kind("mailto:a@b", "page.md"), LinkKind::Other);
        assert_eq!(kind("//cdn/x.md", "page.md"), LinkKind::Other);
        assert_eq!(kind("/abs/x.md", "page.md"), LinkKind::Other);
        assert_eq!(kind("page.html#x", "page.md"), LinkKind::Other);
        assert_eq!(kind("img/a.png", "page.md"), LinkKind::Other);
        assert_eq!(
            kind("../README.md", "page.md"),
            LinkKind::Other,
            "outside the source folder"
        );
        assert_eq!(kind("../../../etc/x.md", "page.md"), LinkKind::Other);
    }

    #[test]
    fn relative_urls_between_pages() {
        let url = |from: &str, to: &str, f| relative_url(Path::new(from), Path::new(to), f);
        assert_eq!(url("a.html", "b.html", None), "b.html");
        assert_eq!(url("d/a.html", "b.html", Some("x")), "../b.html#x");
        assert_eq!(url("d/e/a.html", "d/f/b.html", None), "../f/b.html");
        assert_eq!(url("a.html", "d/my page.html", None), "d/my%20page.html");
        assert_eq!(path_to_root(Path::new("d/e/a.html")), "../../");
        assert_eq!(path_to_root(Path::new("a.html")), "");
    }

    #[test]
    fn percent_decoding_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%20b%zz%2"), "a b%zz%2");
        assert_eq!(percent_decode("%C3%A9"), "é");
        assert_eq!(percent_decode("%aé%"), "%aé%");
    }
}
