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
//! holding `SHARDS` files; a document goes to the file its key's first
//! byte names. So a cold build writes a few dozen files, not one per
//! chapter (a thousand files made at once into one folder contend on its
//! lock: a third of a second at 1,000 chapters), and an edit rewrites the
//! shard of the new entry and the one of the entry it replaces, copying
//! their other entries byte for byte.
//!
//! A book can arrive with that folder already filled, and a stored
//! document becomes a page, so every entry is signed, for its own key,
//! with the user's secret (`execute::secret`), as result-cache entries are;
//! an entry that fails the check is a miss and is dropped when its shard is
//! next written. The folder is never followed through a link, and files are
//! read without following one.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::digest::Key;
use crate::execute::secret::Secret;
use crate::markdown::{Block, Document, ParseContext};

/// The folder's name in the book's cache.
const DIR: &str = "parsed";
/// How many files the documents are spread over.
const SHARDS: usize = 64;
/// The first bytes of every shard, naming the format.
const MAGIC: &[u8] = b"proofbook-parsed-2\n";
/// An entry's head: its key, its signature and its body's length.
const HEAD: usize = 16 + 32 + 4;
/// Larger than any shard proofbook would write.
const SHARD_MAX: u64 = 1 << 30;

/// The stored documents of one book, for one parse context.
pub(crate) struct ParseCache {
    dir: PathBuf,
    secret: Secret,
    context: Key,
}

/// What a lookup found, for `save` to write back what changed.
pub(crate) struct Found {
    /// Each chapter's key, in book order.
    keys: Vec<Key>,
    /// The same keys as a set: an entry under any other is stale.
    current: HashSet<Key>,
    shards: Vec<Shard>,
}

/// A shard as read, with the documents found in it for the chapters
/// whose keys it holds (by chapter index).
type ShardRead<T> = (Shard, Vec<(usize, Option<T>)>);

/// One shard as read: its bytes, and where its signed entries lie.
#[derive(Default)]
struct Shard {
    bytes: Vec<u8>,
    /// Each entry whose signature holds: its key and its whole record
    /// (head and body) in `bytes`.
    entries: Vec<(Key, Range<usize>)>,
    /// Something in it was not a signed entry: write it anew.
    damaged: bool,
}

impl Shard {
    /// The document stored under `key`, when this shard holds it.
    fn document(&self, key: Key) -> Option<Document> {
        let (_, record) = self.entries.iter().find(|(k, _)| *k == key)?;
        postcard::from_bytes(&self.bytes[record.start + HEAD..record.end]).ok()
    }
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

    /// For each chapter, by its key (`key`), its stored document when
    /// there is one this user's proofbook wrote, as `keep` makes of it
    /// (given the chapter's index): each is handed over as its shard is
    /// read, so a rebuild need not hold every whole document at once
    /// (`docs::settle` takes its HTML out), and the caller can drop what
    /// the chapter needs no more (its source).
    pub fn lookup<T: Send>(
        &self,
        keys: Vec<Key>,
        keep: impl Fn(usize, Document) -> T + Sync,
    ) -> (Found, Vec<Option<T>>) {
        // A shard's documents are taken out as it is read, and its bytes
        // dropped unless `save` may write it (a chapter in it was not
        // found, or it holds an entry of no chapter, or damage), so a
        // rebuild holds the documents once, not also their stored form.
        let current: HashSet<Key> = keys.iter().copied().collect();
        let mut chapters_of: Vec<Vec<usize>> = vec![Vec::new(); SHARDS];
        for (i, key) in keys.iter().enumerate() {
            chapters_of[shard_of(*key)].push(i);
        }
        let read: Vec<ShardRead<T>> = chapters_of
            .into_par_iter()
            .enumerate()
            .map(|(n, chapters)| {
                let mut shard = self.read_shard(n);
                let found: Vec<(usize, Option<T>)> = chapters
                    .into_iter()
                    .map(|i| (i, shard.document(keys[i]).map(|d| keep(i, d))))
                    .collect();
                let missed = found.iter().any(|(_, d)| d.is_none());
                let stale = shard.entries.iter().any(|(k, _)| !current.contains(k));
                if !(missed || stale || shard.damaged) {
                    shard = Shard::default();
                }
                (shard, found)
            })
            .collect();
        let mut docs: Vec<Option<T>> = (0..keys.len()).map(|_| None).collect();
        let mut shards = Vec::with_capacity(SHARDS);
        for (shard, found) in read {
            for (i, doc) in found {
                docs[i] = doc;
            }
            shards.push(shard);
        }
        (
            Found {
                keys,
                current,
                shards,
            },
            docs,
        )
    }

    /// Stores the documents of the chapters in `fresh` (their indexes: the
    /// chapters parsed this time that may be stored), each asked of
    /// `whole` only as its shard is written, and drops the entries of
    /// chapters that are gone or changed: each shard that gains or loses
    /// an entry is written anew (a temporary file renamed into place, so a
    /// build reading at the same moment sees the old shard or the new).
    /// Failing to store costs the next build a parse.
    pub fn save<'d>(
        &self,
        found: Found,
        fresh: &[usize],
        whole: impl Fn(usize) -> Option<Cow<'d, Document>> + Sync,
    ) {
        // Each shard's new documents are serialized only as it is written,
        // so a cold build holds one shard's records per thread, not the
        // stored form of the whole book beside its documents (at 2,000
        // chapters, 34 MB of a 109 MB peak).
        let mut added: Vec<Vec<(Key, usize)>> = vec![Vec::new(); SHARDS];
        for &i in fresh {
            let key = found.keys[i];
            added[shard_of(key)].push((key, i));
        }
        let current = &found.current;
        let _ = std::fs::create_dir_all(&self.dir);
        if !std::fs::symlink_metadata(&self.dir).is_ok_and(|m| m.is_dir()) {
            return;
        }
        found
            .shards
            .into_par_iter()
            .zip(added)
            .enumerate()
            .for_each(|(i, (shard, added))| {
                let kept: Vec<&Range<usize>> = shard
                    .entries
                    .iter()
                    .filter(|(k, _)| current.contains(k))
                    .map(|(_, r)| r)
                    .collect();
                if added.is_empty() && !shard.damaged && kept.len() == shard.entries.len() {
                    return;
                }
                let mut bytes = MAGIC.to_vec();
                for r in kept {
                    bytes.extend_from_slice(&shard.bytes[r.clone()]);
                }
                drop(shard);
                for (key, i) in added {
                    if let Some(doc) = whole(i) {
                        self.append_record(&mut bytes, key, &doc);
                    }
                }
                let _ = self.write_shard(i, &bytes);
            });
    }

    /// Appends `doc` as a signed record under `key` (key, signature, body
    /// length and body), or nothing when it cannot be stored.
    fn append_record(&self, bytes: &mut Vec<u8>, key: Key, doc: &Document) {
        let Ok(body) = postcard::to_allocvec(doc) else {
            return;
        };
        let Ok(len) = u32::try_from(body.len()) else {
            return;
        };
        let tag = self.secret.sign(&[MAGIC, &key.0, &body]);
        bytes.extend_from_slice(&key.0);
        bytes.extend_from_slice(&tag);
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(&body);
    }

    /// Shard `i` with its signed entries; a missing shard is empty, an
    /// unreadable or foreign one is damaged.
    fn read_shard(&self, i: usize) -> Shard {
        let bytes = match crate::fsutil::read_capped(&self.shard_file(i), SHARD_MAX) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Shard::default(),
            Err(_) => {
                return Shard {
                    damaged: true,
                    ..Shard::default()
                };
            }
        };
        let mut shard = Shard {
            damaged: !bytes.starts_with(MAGIC),
            ..Shard::default()
        };
        let mut at = MAGIC.len();
        while !shard.damaged && at < bytes.len() {
            match self.signed_record(&bytes, at) {
                Some((key, end)) => {
                    shard.entries.push((key, at..end));
                    at = end;
                }
                None => shard.damaged = true,
            }
        }
        shard.bytes = bytes;
        shard
    }

    /// The key and end of the record at `at` in `bytes`, when it is whole
    /// and signed with this user's secret for that key.
    fn signed_record(&self, bytes: &[u8], at: usize) -> Option<(Key, usize)> {
        let head = bytes.get(at..at + HEAD)?;
        let key = Key(head[..16].try_into().ok()?);
        let len = u32::from_le_bytes(head[48..].try_into().ok()?) as usize;
        let end = (at + HEAD).checked_add(len)?;
        let body = bytes.get(at + HEAD..end)?;
        self.secret
            .verify(&[MAGIC, &key.0, body], &head[16..48])
            .then_some((key, end))
    }

    /// Writes shard `i` whole, or removes it when it holds no entry.
    fn write_shard(&self, i: usize, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.shard_file(i);
        if bytes.len() == MAGIC.len() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    fn shard_file(&self, i: usize) -> PathBuf {
        self.dir.join(format!("shard-{i:02}"))
    }
}

/// The shard a key's entry goes to.
fn shard_of(key: Key) -> usize {
    usize::from(key.0[0]) % SHARDS
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

    /// Looks `chapters` up in `store`, then saves what was not found
    /// (every chapter may be stored); returns what was found.
    fn build(store: &ParseCache, chapters: &[(&str, &str)]) -> Vec<bool> {
        let keys = chapters
            .iter()
            .map(|(p, t)| store.key(Path::new(p), t))
            .collect();
        let (found, docs) = store.lookup(keys, |_, d| d);
        let parsed: Vec<Document> = chapters
            .iter()
            .map(|(p, t)| crate::markdown::test_chapter(p, t))
            .collect();
        let hit: Vec<bool> = docs.iter().map(Option::is_some).collect();
        for (doc, stored) in parsed.iter().zip(&docs) {
            if let Some(stored) = stored {
                assert_eq!(
                    Key::of(stored),
                    Key::of(doc),
                    "a stored document comes back whole"
                );
            }
        }
        let fresh: Vec<usize> = (0..parsed.len()).filter(|i| !hit[*i]).collect();
        store.save(found, &fresh, |i| Some(Cow::Borrowed(&parsed[i])));
        hit
    }

    const BOOK: [(&str, &str); 3] = [
        ("a.md", "# A\n\nSome *prose*.\n"),
        ("b.md", "# B\n\n```python\nprint(1)\n```\n"),
        ("c.md", "# C\n\nMore.\n"),
    ];

    #[test]
    fn a_second_lookup_finds_every_stored_document_and_an_edit_only_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let store = cache(dir.path(), 1);
        assert_eq!(build(&store, &BOOK), [false, false, false]);
        assert_eq!(build(&store, &BOOK), [true, true, true]);
        let mut edited = BOOK;
        edited[1].1 = "# B\n\nRewritten.\n";
        assert_eq!(build(&store, &edited), [true, false, true]);
        // The replaced entry is gone.
        let entries: usize = (0..SHARDS).map(|i| store.read_shard(i).entries.len()).sum();
        assert_eq!(entries, 3);
        // A chapter dropped from the book leaves the store.
        build(&store, &edited[..2]);
        let entries: usize = (0..SHARDS).map(|i| store.read_shard(i).entries.len()).sum();
        assert_eq!(entries, 2);
    }

    #[test]
    fn an_edit_keeps_the_other_entries_of_the_shards_it_rewrites() {
        let dir = tempfile::tempdir().unwrap();
        let store = cache(dir.path(), 1);
        // Four chapters a shard, on average.
        let texts: Vec<(String, String)> = (0..4 * SHARDS)
            .map(|i| (format!("c{i}.md"), format!("# Chapter {i}\n")))
            .collect();
        let book: Vec<(&str, &str)> = texts
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        build(&store, &book);
        let mut edited = book.clone();
        edited[7].1 = "# Chapter 7, rewritten\n";
        let hits = build(&store, &edited);
        assert_eq!(hits.iter().filter(|h| !**h).count(), 1);
        assert!(build(&store, &edited).iter().all(|h| *h));
    }

    #[test]
    fn entries_signed_with_another_secret_or_moved_or_changed_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let mine = cache(dir.path(), 1);
        build(&mine, &BOOK);
        // Another user's secret (a book shipped with its own store).
        assert_eq!(build(&cache(dir.path(), 2), &BOOK), [false, false, false]);
        // That build wrote its own entries over mine: a changed byte in
        // each entry's body is refused.
        build(&mine, &BOOK);
        for i in 0..SHARDS {
            let mut shard = mine.read_shard(i);
            for (_, r) in &shard.entries {
                shard.bytes[r.end - 1] ^= 1;
            }
            if !shard.entries.is_empty() {
                std::fs::write(mine.shard_file(i), &shard.bytes).unwrap();
            }
        }
        assert_eq!(build(&mine, &BOOK), [false, false, false]);
        assert_eq!(build(&mine, &BOOK), [true, true, true]);
        // An entry copied under another key does not pass as that key's.
        let (key, other) = (
            mine.key(Path::new("a.md"), BOOK[0].1),
            mine.key(Path::new("z.md"), BOOK[0].1),
        );
        let shard = mine.read_shard(shard_of(key));
        let (_, r) = shard.entries.iter().find(|(k, _)| *k == key).unwrap();
        let mut forged = shard.bytes[r.clone()].to_vec();
        forged[..16].copy_from_slice(&other.0);
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&forged);
        mine.write_shard(shard_of(other), &bytes).unwrap();
        assert_eq!(build(&mine, &[("z.md", BOOK[0].1)]), [false]);
    }

    #[test]
    fn a_shard_that_is_a_link_is_not_read_and_the_store_in_a_link_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let store = cache(dir.path(), 1);
        build(&store, &BOOK);
        let key = store.key(Path::new("a.md"), BOOK[0].1);
        let path = store.shard_file(shard_of(key));
        let target = dir.path().join("elsewhere");
        std::fs::rename(&path, &target).unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        assert!(!build(&store, &BOOK)[0]);
        // The link was replaced by a file, not written through.
        assert!(path.is_file() && !path.is_symlink());
        let outside = tempfile::tempdir().unwrap();
        let cache_dir = dir.path().join("linked-cache");
        std::os::unix::fs::symlink(outside.path(), &cache_dir).unwrap();
        let ctx_pages = Default::default();
        let confine = crate::confine::Confined::new(dir.path(), &[]).0;
        let ctx = ParseContext {
            options: crate::markdown::MarkdownOptions {
                smart_punctuation: true,
                playground: Default::default(),
                definition_lists: true,
                admonitions: true,
            },
            confine: &confine,
            src: dir.path(),
            pages: &ctx_pages,
            expand_includes: true,
            hidelines: &Default::default(),
            interpreters: &[],
        };
        assert!(ParseCache::open(&cache_dir, &ctx).is_none());
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
