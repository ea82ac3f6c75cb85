//! The documents of earlier builds, kept so that a rebuild parses only the
//! chapters whose text changed: parsing every chapter was most of a no-op
//! rebuild of a large book (#27; 63 % of its time at 1,000 chapters).
//!
//! A stored document is keyed by the chapter's path and text, everything
//! of the parse context (`context_key`) and the proofbook binary. Only a
//! chapter whose parse read its own text and nothing else is stored: an
//! include, a `file=` program or a `deps=` glob reads files whose changes
//! no key here sees, so such a chapter is parsed every time. Neither is a
//! chapter whose parse said anything (its warnings must be said again).
//!
//! The store is a folder of the book's cache, `.proofbook-cache/parsed/`,
//! one file per document, so an edit writes one file. A book can arrive
//! with that folder already filled, and a stored document becomes a page,
//! so every file is signed with the user's secret (`execute::secret`), as
//! result-cache entries are; a file that fails the check is a miss and is
//! replaced. The folder is never followed through a link, and files are
//! read without following one.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::digest::Key;
use crate::execute::secret::Secret;
use crate::markdown::{Block, Document, ParseContext};

/// The folder's name in the book's cache.
const DIR: &str = "parsed";
/// The first bytes of every file, naming the format.
const MAGIC: &[u8] = b"proofbook-parsed-1\n";
/// Larger than any document proofbook would store (a chapter of 64 MiB).
const ENTRY_MAX: u64 = 64 << 20;

/// The stored documents of one book, for one parse context.
pub(crate) struct ParseCache {
    dir: PathBuf,
    secret: Secret,
    context: Key,
}

impl ParseCache {
    /// The store under `cache_dir` for chapters parsed with `ctx`; none
    /// when there is no secret to sign with, or the folder (or the cache
    /// folder) is something else than a folder: the book is then parsed
    /// whole, as it would be without a store.
    pub fn open(cache_dir: &Path, ctx: &ParseContext<'_>) -> Option<ParseCache> {
        let dir = cache_dir.join(DIR);
        for d in [cache_dir, dir.as_path()] {
            if std::fs::symlink_metadata(d).is_ok_and(|m| !m.is_dir()) {
                return None;
            }
        }
        let secret = Secret::load_or_create().ok()?;
        Some(ParseCache {
            dir,
            secret,
            context: context_key(ctx),
        })
    }

    /// The key of the chapter at `path` with `text`.
    pub fn key(&self, path: &Path, text: &str) -> Key {
        Key::of(&(self.context, path, text))
    }

    /// The document stored under `key`, if there is one this user's
    /// proofbook wrote.
    pub fn load(&self, key: Key) -> Option<Document> {
        let bytes = crate::fsutil::read_capped(&self.file(key), ENTRY_MAX).ok()?;
        let rest = bytes.strip_prefix(MAGIC)?;
        let (tag, body) = rest.split_at_checked(32)?;
        if !self.secret.verify(&[MAGIC, &key.0, body], tag) {
            return None;
        }
        postcard::from_bytes(body).ok()
    }

    /// Stores `doc` under `key` (a temporary file renamed into place, so a
    /// build reading at the same moment sees the old file or the new).
    /// Failing to store costs the next build a parse, nothing else.
    pub fn store(&self, key: Key, doc: &Document) {
        let Ok(body) = postcard::to_allocvec(doc) else {
            return;
        };
        let tag = self.secret.sign(&[MAGIC, &key.0, &body]);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            if !std::fs::symlink_metadata(&self.dir)?.is_dir() {
                return Err(std::io::Error::other("not a folder"));
            }
            let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
            for part in [MAGIC, &tag, &body] {
                std::io::Write::write_all(&mut file, part)?;
            }
            file.persist(self.file(key)).map_err(|e| e.error)?;
            Ok(())
        };
        let _ = write();
    }

    /// Removes the stored documents not under one of `keep` (chapters
    /// edited or gone since), so the folder holds one book's worth. Only
    /// files named as this store names them are touched; a link is
    /// removed, never followed.
    pub fn prune(&self, keep: &HashSet<Key>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(Key::parse) else {
                continue;
            };
            if !keep.contains(&key) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    fn file(&self, key: Key) -> PathBuf {
        self.dir.join(key.to_string())
    }
}

/// Whether `doc` came from its chapter's text alone (see the module
/// comment): nothing included, no program or data file read.
pub(crate) fn self_contained(doc: &Document) -> bool {
    doc.included.is_empty()
        && doc.blocks.iter().all(|b| match b {
            Block::Code(c) => {
                c.program_file.is_none()
                    && c.data_files.is_empty()
                    && c.example
                        .as_ref()
                        .is_none_or(|e| e.deps.is_empty() && e.file.is_none())
            }
            _ => true,
        })
}

/// Everything of `ctx` a document can depend on, with the binary that
/// parses. `ParseContext` is taken apart field by field, so a field added
/// to it is a compile error here until the key covers it.
fn context_key(ctx: &ParseContext<'_>) -> Key {
    let ParseContext {
        options,
        confine,
        src,
        pages,
        expand_includes,
        hidelines,
        interpreters,
    } = ctx;
    let mut pages: Vec<(&PathBuf, &PathBuf)> = pages.iter().collect();
    pages.sort();
    let names: Vec<&str> = interpreters.iter().map(|i| i.name.as_str()).collect();
    Key::of(&(
        crate::pipeline::reuse::binary_identity(),
        options,
        confine.bounds(),
        src,
        pages,
        expand_includes,
        hidelines,
        names,
    ))
}

/// For each chapter (path and text), its stored document when there is
/// one; and the chapters' keys, to store and prune with afterwards.
pub(crate) fn lookup(
    cache: &ParseCache,
    chapters: &[(&Path, &str)],
) -> (Vec<Key>, Vec<Option<Document>>) {
    chapters
        .par_iter()
        .map(|(path, text)| {
            let key = cache.key(path, text);
            (key, cache.load(key))
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, secret: u8) -> ParseCache {
        ParseCache {
            dir: dir.join(DIR),
            secret: Secret::for_tests(secret),
            context: Key([7; 16]),
        }
    }

    #[test]
    fn a_stored_document_comes_back_only_to_the_user_who_stored_it() {
        let dir = tempfile::tempdir().unwrap();
        let doc = crate::markdown::test_chapter("a.md", "# Title\n\nSome *prose*.\n");
        let mine = cache(dir.path(), 1);
        let key = mine.key(Path::new("a.md"), "text");
        mine.store(key, &doc);
        let back = mine.load(key).expect("stored");
        assert_eq!(Key::of(&back), Key::of(&doc));
        // Another user's secret (a book shipped with its own store).
        assert!(cache(dir.path(), 2).load(key).is_none());
        // A file moved to another key does not pass as that key's.
        let other = mine.key(Path::new("b.md"), "text");
        std::fs::copy(mine.file(key), mine.file(other)).unwrap();
        assert!(mine.load(other).is_none());
        // A changed byte of the body is refused.
        let mut bytes = std::fs::read(mine.file(key)).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(mine.file(key), bytes).unwrap();
        assert!(mine.load(key).is_none());
    }

    #[test]
    fn a_link_in_the_store_is_neither_read_nor_followed_when_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = cache(dir.path(), 1);
        let doc = crate::markdown::test_chapter("a.md", "Text.\n");
        let key = store.key(Path::new("a.md"), "Text.\n");
        store.store(key, &doc);
        let target = dir.path().join("elsewhere");
        std::fs::copy(store.file(key), &target).unwrap();
        let linked = store.key(Path::new("b.md"), "x");
        std::os::unix::fs::symlink(&target, store.file(linked)).unwrap();
        assert!(store.load(linked).is_none());
        std::fs::write(store.dir.join("notes.txt"), "not ours").unwrap();
        store.prune(&HashSet::from([key]));
        assert!(store.load(key).is_some());
        assert!(!store.file(linked).exists() && target.is_file());
        assert!(store.dir.join("notes.txt").is_file());
    }

    #[test]
    fn the_key_changes_with_the_text_the_path_and_the_context() {
        let dir = tempfile::tempdir().unwrap();
        let a = cache(dir.path(), 1);
        let mut b = cache(dir.path(), 1);
        b.context = Key([8; 16]);
        let k = a.key(Path::new("a.md"), "x");
        assert_ne!(k, a.key(Path::new("a.md"), "y"));
        assert_ne!(k, a.key(Path::new("b.md"), "x"));
        assert_ne!(k, b.key(Path::new("a.md"), "x"));
    }

    #[test]
    fn only_a_chapter_that_read_nothing_else_is_self_contained() {
        let plain = crate::markdown::test_chapter("a.md", "# A\n\n```python\nprint(1)\n```\n");
        assert!(self_contained(&plain));
        let mut included = plain.clone();
        included.included.push(PathBuf::from("/b/src/part.md"));
        assert!(!self_contained(&included));
        let mut with_deps = plain.clone();
        for b in &mut with_deps.blocks {
            if let Block::Code(c) = b {
                c.example.as_mut().unwrap().deps.push("data/*.csv".into());
            }
        }
        assert!(!self_contained(&with_deps));
    }
}
