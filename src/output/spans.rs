//! Where each chapter's part lies in the site's big files (print.html,
//! searchindex.js), so the next build can copy an unchanged chapter's part
//! out of the previous site's file instead of highlighting or indexing it
//! again, and a cold build writes each part once, into the site, and no
//! copy of it anywhere else.
//!
//! A build records, for each part it wrote, the part's key (what it is
//! made of), its byte range in the file and the key of those bytes
//! (`Span`); the spans travel in the site's page manifest, which is swapped
//! in with the files they describe. The next build reads a part back only
//! through `Previous::get`: from a regular file at the site's root, opened
//! without following a link, and only when the bytes found in the range
//! have the recorded key. Anything else (no file, a shorter one, a file
//! edited by hand, a key that does not match) is simply not found, and the
//! part is made again: the spans save time, they never decide content.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use crate::digest::{Key, KeyHasher};

/// One part's place in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// What the part is made of (its key in the build that wrote it).
    pub part: Key,
    /// Its first byte's offset in the file, and its length.
    pub at: u64,
    pub len: u64,
    /// The key of the part's bytes (`bytes_key`).
    pub bytes: Key,
}

/// The key of a part's bytes, as recorded and as checked.
pub fn bytes_key(bytes: &[u8]) -> Key {
    let mut h = KeyHasher::default();
    std::hash::Hasher::write(&mut h, bytes);
    h.key()
}

impl Span {
    /// The span as the manifest stores it: `[part, at, len, bytes]`.
    pub fn to_stored(self) -> (String, u64, u64, String) {
        (
            self.part.to_string(),
            self.at,
            self.len,
            self.bytes.to_string(),
        )
    }

    /// A stored span; `None` when it does not read as one.
    pub fn from_stored((part, at, len, bytes): &(String, u64, u64, String)) -> Option<Span> {
        Some(Span {
            part: Key::parse(part)?,
            at: *at,
            len: *len,
            bytes: Key::parse(bytes)?,
        })
    }
}

/// The spans of a file being written, in the order its pieces go in.
#[derive(Default)]
pub struct SpanWriter {
    at: u64,
    spans: Vec<Span>,
}

impl SpanWriter {
    /// How many bytes the file has so far.
    pub fn written(&self) -> usize {
        self.at as usize
    }

    /// `len` bytes that are no chapter's part (the frame around them).
    pub fn skip(&mut self, len: usize) {
        self.at += len as u64;
    }

    /// A part of `len` bytes whose bytes have the key `bytes`.
    pub fn part(&mut self, part: Key, len: usize, bytes: Key) {
        self.spans.push(Span {
            part,
            at: self.at,
            len: len as u64,
            bytes,
        });
        self.at += len as u64;
    }

    pub fn into_spans(self) -> Vec<Span> {
        self.spans
    }
}

/// A file of the previous site and where its parts lie.
pub struct Previous {
    file: Option<File>,
    spans: HashMap<Key, Span>,
}

impl Previous {
    /// Nothing to take parts from.
    pub fn none() -> Previous {
        Previous {
            file: None,
            spans: HashMap::new(),
        }
    }

    /// The file `name` at the root of the previous site `dest`, with the
    /// spans its build recorded. A link, a folder or a file shorter than
    /// its spans say gives nothing to take.
    pub fn open(dest: &Path, name: &str, spans: &[Span]) -> Previous {
        if spans.is_empty() || name.contains('/') {
            return Previous::none();
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(dest.join(name))
            .ok()
            .filter(|f| {
                let end = spans.iter().map(|s| s.at.saturating_add(s.len)).max();
                f.metadata()
                    .is_ok_and(|m| m.file_type().is_file() && Some(m.len()) >= end)
            });
        Previous {
            spans: match file {
                Some(_) => spans.iter().map(|s| (s.part, *s)).collect(),
                None => HashMap::new(),
            },
            file,
        }
    }

    /// The part made with `part`, with the key of its bytes, when the
    /// previous file holds it unchanged.
    pub fn get(&self, part: Key) -> Option<(String, Key)> {
        let (file, span) = (self.file.as_ref()?, self.spans.get(&part)?);
        let mut bytes = vec![0; usize::try_from(span.len).ok()?];
        file.read_exact_at(&mut bytes, span.at).ok()?;
        if bytes_key(&bytes) != span.bytes {
            return None;
        }
        Some((String::from_utf8(bytes).ok()?, span.bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, pieces: &[(Option<Key>, &str)]) -> Vec<Span> {
        let mut w = SpanWriter::default();
        let mut text = String::new();
        for (part, piece) in pieces {
            match part {
                Some(k) => w.part(*k, piece.len(), bytes_key(piece.as_bytes())),
                None => w.skip(piece.len()),
            }
            text.push_str(piece);
        }
        std::fs::write(dir.join(name), text).unwrap();
        w.into_spans()
    }

    #[test]
    fn a_part_is_taken_only_from_the_file_as_it_was_written() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (Key::of(&"a"), Key::of(&"b"));
        let spans = write(
            tmp.path(),
            "print.html",
            &[
                (None, "<head>"),
                (Some(a), "chapter a"),
                (None, "<hr>"),
                (Some(b), "é b"),
            ],
        );
        let stored: Vec<_> = spans.iter().map(|s| s.to_stored()).collect();
        let back: Vec<Span> = stored.iter().filter_map(Span::from_stored).collect();
        assert_eq!(back, spans);
        let prev = Previous::open(tmp.path(), "print.html", &back);
        assert_eq!(prev.get(a).unwrap().0, "chapter a");
        assert_eq!(prev.get(b).unwrap().0, "é b");
        assert_eq!(prev.get(Key::of(&"c")), None);

        // Edited by hand, same length: the range's bytes no longer match.
        std::fs::write(tmp.path().join("print.html"), "<head>chapter A<hr>é b").unwrap();
        let prev = Previous::open(tmp.path(), "print.html", &back);
        assert_eq!(prev.get(a), None);
        assert!(prev.get(b).is_some());

        // Cut short: nothing is taken from it.
        std::fs::write(tmp.path().join("print.html"), "<head>chapter a").unwrap();
        assert_eq!(Previous::open(tmp.path(), "print.html", &back).get(a), None);
    }

    #[test]
    fn a_link_in_place_of_the_file_is_never_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let a = Key::of(&"a");
        let spans = write(outside.path(), "print.html", &[(Some(a), "secret")]);
        std::os::unix::fs::symlink(
            outside.path().join("print.html"),
            tmp.path().join("print.html"),
        )
        .unwrap();
        assert_eq!(
            Previous::open(tmp.path(), "print.html", &spans).get(a),
            None
        );
        assert_eq!(
            Previous::open(outside.path(), "print.html", &spans)
                .get(a)
                .unwrap()
                .0,
            "secret"
        );
    }
}
