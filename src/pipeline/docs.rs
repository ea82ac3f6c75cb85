//! The book's parsed documents, with their HTML kept on disk between the
//! parse and the render when the book is built with a cache folder
//! (`Spill`).
//!
//! Every step between parsing and rendering reads every chapter at once:
//! the examples, the link and id checks, the print page's plan, the page
//! keys. None of them reads a chapter's HTML, which is most of a
//! document's size, and the render reads it a chunk of chapters at a time.
//! So each chapter's HTML goes, as soon as the chapter is parsed, to an
//! unnamed file in the book's cache folder, leaving an outline of the
//! document (its HTML blocks empty) in memory, and comes back for the
//! chunk being rendered. A 2,000-chapter book held 42 MB of documents
//! through the whole build; now it holds their outlines.
//!
//! A document whose HTML could not be written (no cache folder, a full
//! disk) stays whole in memory: spilling saves memory and nothing else,
//! so it never fails a build. The file has no name, so nothing else can
//! open it, and it is gone when the build (or `serve`'s print job) that
//! owns it ends.

use std::borrow::Cow;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::digest::Key;
use crate::fsutil::FsError;
use crate::markdown::{Block, Document};

/// Each chapter's document, in book order.
pub(crate) struct Docs {
    /// A document whose HTML is spilled has every `Block::Html` empty.
    outlines: Vec<Document>,
    /// Where each chapter's HTML lies in `spill`; `None` when its document
    /// is whole in `outlines`.
    spilled: Vec<Option<Extent>>,
    /// A digest of each whole document, HTML included.
    keys: Vec<Key>,
    spill: Option<Spill>,
}

/// Where a document's HTML lies in the spill file.
#[derive(Debug, Clone, Copy)]
struct Extent {
    at: u64,
    len: u64,
}

/// The unnamed file the HTML goes to, written from many threads at once:
/// each writer takes its own range by moving `end` on.
pub(crate) struct Spill {
    file: File,
    end: AtomicU64,
    /// The folder the file was made in, for messages.
    dir: PathBuf,
}

/// A document as the parse left it, for `Docs::from_parts`.
pub(crate) struct Parsed {
    pub outline: Document,
    spilled: Option<Extent>,
    pub key: Key,
}

impl Spill {
    /// A spill file in `dir`, the book's cache folder, which is made when
    /// missing; `None` (documents stay whole in memory) when it cannot be
    /// made or is something other than a folder, as the parse cache does.
    pub fn open(dir: &Path) -> Option<Spill> {
        if std::fs::symlink_metadata(dir).is_err() {
            std::fs::create_dir_all(dir).ok()?;
        }
        if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
            return None;
        }
        let file = tempfile::tempfile_in(dir).ok()?;
        Some(Spill {
            file,
            end: AtomicU64::new(0),
            dir: dir.to_owned(),
        })
    }

    /// Moves `doc`'s HTML into the file, leaving its HTML blocks empty;
    /// leaves `doc` whole and says `None` when the write fails.
    fn put(&self, doc: &mut Document) -> Option<Extent> {
        let html: Vec<&str> = html_blocks(doc).map(|h| h.as_str()).collect();
        if html.iter().all(|h| h.is_empty()) {
            return None;
        }
        let bytes = postcard::to_allocvec(&html).ok()?;
        let len = bytes.len() as u64;
        let at = self.end.fetch_add(len, Ordering::Relaxed);
        self.file.write_all_at(&bytes, at).ok()?;
        for block in &mut doc.blocks {
            if let Block::Html(h) = block {
                *h = String::new();
            }
        }
        Some(Extent { at, len })
    }

    /// The HTML blocks written at `extent`.
    fn get(&self, extent: Extent) -> Result<Vec<String>, FsError> {
        let mut bytes = vec![0; extent.len as usize];
        self.file
            .read_exact_at(&mut bytes, extent.at)
            .and_then(|()| postcard::from_bytes(&bytes).map_err(std::io::Error::other))
            .map_err(|e| self.error(e))
    }

    fn error(&self, e: std::io::Error) -> FsError {
        FsError::new(
            "read back the parsed HTML kept in a temporary file in",
            &self.dir,
            e,
        )
    }
}

/// Each `Block::Html`'s text, in order.
fn html_blocks(doc: &Document) -> impl Iterator<Item = &String> {
    doc.blocks.iter().filter_map(|b| match b {
        Block::Html(h) => Some(h),
        _ => None,
    })
}

/// What `Docs` keeps of a freshly parsed (or stored) document: its key,
/// and its HTML moved to `spill` when there is one.
pub(crate) fn settle(mut doc: Document, spill: Option<&Spill>) -> Parsed {
    let key = Key::of(&doc);
    let spilled = spill.and_then(|s| s.put(&mut doc));
    Parsed {
        outline: doc,
        spilled,
        key,
    }
}

impl Docs {
    /// The documents `settle` made, in book order, with the spill their
    /// HTML went to.
    pub fn from_parts(parsed: Vec<Parsed>, spill: Option<Spill>) -> Docs {
        let n = parsed.len();
        let mut docs = Docs {
            outlines: Vec::with_capacity(n),
            spilled: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            spill,
        };
        for p in parsed {
            docs.outlines.push(p.outline);
            docs.spilled.push(p.spilled);
            docs.keys.push(p.key);
        }
        docs
    }

    pub fn len(&self) -> usize {
        self.outlines.len()
    }

    /// Every document without (perhaps) its HTML: titles, headings, ids,
    /// links, code blocks, quoted figures and cited claims are all there.
    pub fn outlines(&self) -> &[Document] {
        &self.outlines
    }

    /// Chapter `i`'s outline (see `outlines`).
    pub fn outline(&self, i: usize) -> &Document {
        &self.outlines[i]
    }

    /// The digest of chapter `i`'s whole document.
    pub fn key(&self, i: usize) -> Key {
        self.keys[i]
    }

    /// Chapter `i`'s whole document, its HTML read back when spilled.
    pub fn whole(&self, i: usize) -> Result<Cow<'_, Document>, FsError> {
        let (Some(extent), Some(spill)) = (self.spilled[i], &self.spill) else {
            return Ok(Cow::Borrowed(&self.outlines[i]));
        };
        let damaged = || spill.error(std::io::Error::other("it does not match the documents"));
        let mut html = spill.get(extent)?.into_iter();
        let mut doc = self.outlines[i].clone();
        for block in &mut doc.blocks {
            if let Block::Html(h) = block {
                *h = html.next().ok_or_else(damaged)?;
            }
        }
        if html.next().is_some() {
            return Err(damaged());
        }
        Ok(Cow::Owned(doc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Document {
        crate::markdown::test_chapter("a.md", text)
    }

    #[test]
    fn a_spilled_document_comes_back_whole_and_its_outline_has_no_html() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::open(&dir.path().join("cache")).expect("a spill file");
        let texts = [
            "# One\n\nSome *prose*.\n\n```python\nprint(1)\n```\n\nMore.\n",
            "# Two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
            "Only prose, no heading.\n",
        ];
        let originals: Vec<Document> = texts.iter().map(|t| parsed(t)).collect();
        let settled = originals
            .iter()
            .map(|d| settle(d.clone(), Some(&spill)))
            .collect();
        let docs = Docs::from_parts(settled, Some(spill));
        for (i, original) in originals.iter().enumerate() {
            let whole = docs.whole(i).unwrap();
            assert_eq!(Key::of(&*whole), Key::of(original), "chapter {i}");
            assert_eq!(docs.key(i), Key::of(original));
            assert_eq!(
                docs.outline(i).code_blocks().count(),
                original.code_blocks().count()
            );
        }
        assert!(html_blocks(docs.outline(0)).all(String::is_empty));
        assert!(matches!(docs.whole(0).unwrap(), Cow::Owned(_)));
    }

    #[test]
    fn without_a_cache_folder_documents_stay_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "x").unwrap();
        assert!(Spill::open(&file).is_none());
        let doc = parsed("# One\n\nProse.\n");
        let docs = Docs::from_parts(vec![settle(doc.clone(), None)], None);
        assert!(matches!(docs.whole(0).unwrap(), Cow::Borrowed(_)));
        assert_eq!(Key::of(docs.outline(0)), Key::of(&doc));
    }

    #[test]
    fn a_cache_folder_that_is_a_link_is_not_spilled_into() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let link = dir.path().join("cache");
        std::os::unix::fs::symlink(elsewhere.path(), &link).unwrap();
        assert!(Spill::open(&link).is_none());
    }
}
