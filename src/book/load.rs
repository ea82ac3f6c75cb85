//! SUMMARY.md + chapter files → `Book`.
//!
//! Reads SUMMARY.md and every chapter it names, and nothing else. Every
//! problem (a malformed SUMMARY, each missing chapter) is reported with the
//! SUMMARY.md line, all in one run. A missing chapter is created as mdBook's
//! `create-missing` does (`create`), reported instead when `Missing` says so.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::book::create::{self, Created, Missing};
use crate::book::model::{Book, BookItem, Chapter};
use crate::book::summary::{self, Link, Summary, SummaryItem};
use crate::confine::Confined;
use crate::diag::{Diagnostic, Span};
use crate::fsutil;

pub const SUMMARY_FILE: &str = "SUMMARY.md";

/// Loads the book whose sources are in `src`. When the returned diagnostics
/// hold an error, the book is incomplete and must not be rendered. SUMMARY.md
/// and every chapter must lead, links followed, inside the book (`confine`).
/// The chapters created (`Missing::Create`) come back in SUMMARY order.
pub fn load(src: &Path, confine: &Confined, missing: Missing) -> Loaded {
    let summary_path = src.join(SUMMARY_FILE);
    if let Err(e) = confine
        .resolve(&summary_path, src)
        .map_err(|e| (e.is_missing(), e))
        && !e.0
    {
        let d =
            Diagnostic::error(format!("no table of contents: {}", e.1), None).with_help(e.1.help());
        return Loaded::failed(d);
    }
    let text = match fsutil::read_to_string(&summary_path) {
        Ok(text) => text,
        Err(e) => {
            let mut d = Diagnostic::error(format!("no table of contents: {e}"), None);
            // Only a missing file is fixed by creating one; a file that is
            // there but unreadable says what is wrong with it in `e`.
            if e.source.kind() == std::io::ErrorKind::NotFound {
                d = d.with_help(format!(
                    "create {} listing the chapters (mdBook's SUMMARY.md format), or set `src` under [book] in book.toml",
                    summary_path.display()
                ));
            }
            return Loaded::failed(d);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let summary = match summary::parse_summary(text) {
        Ok(s) => s,
        Err(e) => {
            let mut d = Diagnostic::error(
                e.message.clone(),
                Some(Span::new(&summary_path, e.line, e.col, 1)),
            );
            if let Some(help) = e.help {
                d = d.with_help(help);
            }
            return Loaded::failed(d);
        }
    };
    let mut loader = Loader {
        src,
        confine,
        summary_path: &summary_path,
        missing,
        diagnostics: Vec::new(),
        created: Vec::new(),
        reads: Vec::new(),
    };
    let book = loader.book(&summary);
    Loaded {
        book,
        diagnostics: loader.diagnostics,
        created: loader.created,
    }
}

/// The book, every problem found reading it, and the chapters created.
#[derive(Debug, Default)]
pub struct Loaded {
    pub book: Book,
    pub diagnostics: Vec<Diagnostic>,
    pub created: Vec<Created>,
}

impl Loaded {
    fn failed(d: Diagnostic) -> Loaded {
        Loaded {
            diagnostics: vec![d],
            ..Loaded::default()
        }
    }
}

struct Loader<'a> {
    src: &'a Path,
    confine: &'a Confined,
    summary_path: &'a Path,
    missing: Missing,
    diagnostics: Vec<Diagnostic>,
    created: Vec<Created>,
    /// Each chapter's read, in the order `chapter` met them (depth first);
    /// `None` for a draft or a chapter that failed.
    reads: Vec<Option<PendingRead>>,
}

/// A chapter to read: its file, its path as SUMMARY.md wrote it and its
/// entry there.
struct PendingRead {
    path: PathBuf,
    location: PathBuf,
    span: Span,
}

impl Loader<'_> {
    fn book(&mut self, summary: &Summary) -> Book {
        let mut items = Vec::new();
        for part in [
            &summary.prefix_chapters,
            &summary.numbered_chapters,
            &summary.suffix_chapters,
        ] {
            items.extend(self.items(part, &[]));
        }
        let mut book = Book { items };
        self.read_all(&mut book);
        book
    }

    fn items(&mut self, items: &[SummaryItem], parents: &[String]) -> Vec<BookItem> {
        items
            .iter()
            .map(|item| match item {
                SummaryItem::Link(link) => BookItem::Chapter(self.chapter(link, parents)),
                SummaryItem::Separator => BookItem::Separator,
                SummaryItem::PartTitle(title) => BookItem::PartTitle(title.clone()),
            })
            .collect()
    }

    fn chapter(&mut self, link: &Link, parents: &[String]) -> Chapter {
        let mut sub_parents = parents.to_vec();
        sub_parents.push(link.name.clone());
        let read = link
            .location
            .as_deref()
            .and_then(|loc| Some((loc, self.resolve(loc, link)?)))
            .map(|(location, path)| PendingRead {
                path,
                location: location.to_owned(),
                span: self.entry_span(link),
            });
        self.reads.push(read);
        Chapter {
            name: link.name.clone(),
            content: String::new(),
            number: link.number.clone(),
            sub_items: self.items(&link.nested_items, &sub_parents),
            path: link.location.clone(),
            source_path: link.location.clone(),
            parent_names: parents.to_vec(),
            summary_line: link.line,
        }
    }

    /// Where the chapter at `location` is read from, created first when it
    /// is missing and `Missing::Create` says so; `None` after an error.
    fn resolve(&mut self, location: &Path, link: &Link) -> Option<PathBuf> {
        let span = self.entry_span(link);
        match self.confine.resolve(location, self.src) {
            Ok(path) => Some(path),
            Err(e) if e.is_missing() && self.missing == Missing::Create => {
                match create::create(self.src, self.confine, location, &link.name) {
                    Ok(None) => Some(self.src.join(location)),
                    Ok(Some(path)) => {
                        let root = self.confine.root();
                        self.created.push(Created {
                            path: fsutil::display_relative(&path, root),
                            summary: fsutil::display_relative(self.summary_path, self.src),
                            line: link.line,
                        });
                        Some(path)
                    }
                    Err(e) => {
                        self.diagnostics.push(
                            Diagnostic::error(format!("missing chapter {e}"), Some(span))
                                .with_help(e.help()),
                        );
                        None
                    }
                }
            }
            Err(e) if e.is_missing() => Some(self.src.join(location)),
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(format!("chapter {e}"), Some(span)).with_help(e.help()),
                );
                None
            }
        }
    }

    /// Reads every chapter `resolve` found into `book`, in parallel: a
    /// large book's files are read in a fraction of the time, and the
    /// sources are made on the threads that parse them, whose allocator
    /// arenas then reuse their memory as they are dropped (`memory`). The
    /// problems come after those `resolve` found, in SUMMARY order.
    fn read_all(&mut self, book: &mut Book) {
        let reads = std::mem::take(&mut self.reads);
        let texts: Vec<Option<Result<String, Diagnostic>>> = reads
            .par_iter()
            .map(|r| r.as_ref().map(|r| self.read(r)))
            .collect();
        let mut texts = texts.into_iter();
        book.for_each_chapter_mut(|ch| match texts.next().flatten() {
            Some(Ok(text)) => ch.content = text,
            Some(Err(d)) => self.diagnostics.push(d),
            None => {}
        });
    }

    /// SUMMARY.md's entry `link`, for messages.
    fn entry_span(&self, link: &Link) -> Span {
        let width = link.name.chars().count() as u32 + 2;
        Span::new(self.summary_path, link.line, 1, width)
    }

    /// The chapter's text, or what is wrong with its file.
    fn read(&self, r: &PendingRead) -> Result<String, Diagnostic> {
        let (path, location) = (&r.path, &r.location);
        match fsutil::read_to_string(path) {
            // mdBook drops a byte-order mark too; left in, it would turn the
            // first heading into a paragraph.
            Ok(text) => Ok(text
                .strip_prefix('\u{feff}')
                .map(str::to_owned)
                .unwrap_or(text)),
            Err(e) => {
                let missing = e.source.kind() == std::io::ErrorKind::NotFound;
                let what = if missing {
                    "does not exist".to_owned()
                } else {
                    format!("cannot be read: {}", e.source)
                };
                let help = if missing && self.missing == Missing::WouldCreate {
                    "`proofbook build` would create it with its title as a heading (mdBook's `create-missing`); or fix the path in SUMMARY.md, or make the entry a draft with `[Title]()`"
                } else if missing {
                    "create the file, fix the path in SUMMARY.md, or make the entry a draft with `[Title]()`"
                } else {
                    "a chapter must be a regular file of UTF-8 text"
                };
                Err(Diagnostic::error(
                    format!(
                        "chapter `{}` {what} ({})",
                        location.display(),
                        path.display()
                    ),
                    Some(r.span.clone()),
                )
                .with_help(help))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn missing_summary_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let Loaded {
            diagnostics: diags, ..
        } = load(
            dir.path(),
            &Confined::new(dir.path(), &[]).0,
            Missing::Error,
        );
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.starts_with("no table of contents"));
        assert!(diags[0].help.as_ref().unwrap().contains("SUMMARY.md"));
    }

    #[test]
    fn a_summary_that_is_not_utf8_is_named_as_such_with_its_place() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("SUMMARY.md"),
            b"# Summary\n\n- [\xc3A](a.md)\n",
        )
        .unwrap();
        let Loaded {
            diagnostics: diags, ..
        } = load(
            dir.path(),
            &Confined::new(dir.path(), &[]).0,
            Missing::Error,
        );
        assert_eq!(diags.len(), 1);
        let d = &diags[0];
        assert!(
            d.message
                .contains("not UTF-8 text: byte 0xc3 at line 3, column 4 (offset 14)"),
            "{}",
            d.message
        );
        assert!(d.help.is_none(), "no advice to create a file that exists");
    }

    #[test]
    fn every_missing_chapter_is_reported_at_its_summary_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("SUMMARY.md"), "# Summary\n\n- [One](one.md)\n- [Two](two.md)\n    - [Three](sub/three.md)\n- [Draft]()\n").unwrap();
        fs::write(dir.path().join("two.md"), "# Two\n").unwrap();
        let Loaded {
            book,
            diagnostics: diags,
            ..
        } = load(
            dir.path(),
            &Confined::new(dir.path(), &[]).0,
            Missing::Error,
        );
        let lines: Vec<u32> = diags
            .iter()
            .map(|d| d.span.as_ref().unwrap().line)
            .collect();
        assert_eq!(lines, [3, 5]);
        assert!(
            diags[1].message.contains("`sub/three.md` does not exist"),
            "{}",
            diags[1].message
        );
        let chapters = book.chapters();
        assert_eq!(chapters.len(), 4);
        assert_eq!(chapters[1].content, "# Two\n");
        assert_eq!(chapters[2].parent_names, ["Two"]);
        assert!(chapters[3].is_draft());
    }

    #[test]
    fn each_chapter_gets_its_own_file_when_nested_among_drafts() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("SUMMARY.md"),
            "# Summary\n\n- [A](a.md)\n    - [Draft]()\n        - [B](b.md)\n    - [C](c.md)\n- [D]()\n- [E](e.md)\n",
        )
        .unwrap();
        for name in ["a", "b", "c", "e"] {
            fs::write(dir.path().join(format!("{name}.md")), format!("# {name}\n")).unwrap();
        }
        let loaded = load(
            dir.path(),
            &Confined::new(dir.path(), &[]).0,
            Missing::Error,
        );
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let read: Vec<(String, String)> = loaded
            .book
            .chapters()
            .iter()
            .map(|c| (c.name.clone(), c.content.clone()))
            .collect();
        let want = [
            ("A", "# a\n"),
            ("Draft", ""),
            ("B", "# b\n"),
            ("C", "# c\n"),
            ("D", ""),
            ("E", "# e\n"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect();
        assert_eq!(read, want);
    }
}
