//! Parts of the site's big files kept between builds: each chapter's piece
//! of print.html and of the search index, stored by a key that covers all
//! they are made from, so a build after one chapter's edit makes that
//! chapter's pieces again and assembles the rest from the store instead of
//! highlighting and indexing the whole book once more.
//!
//! The store lies in the book's cache (`.proofbook-cache/parts/`), one
//! folder per destination, beside the site rather than in it: readers and
//! deploys never see it. A part's name is its key, and the key covers
//! everything the part is made from (the proofbook binary included), so a
//! part found is the part that would be made: nothing in the store can be
//! stale, and losing any of it only costs time. Writes are whole (temp
//! file, rename) and best effort: a store that cannot be written makes the
//! build slower, never wrong. After a build the parts it did not use are
//! removed (`retain_used`), so the store holds one site's parts.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::digest::Key;

/// The store's folder in the book's cache.
pub const PARTS_DIR: &str = "parts";

/// The parts of the site at one destination.
pub struct Parts {
    dir: PathBuf,
    /// `kind/key` of every part this build read or wrote.
    used: Mutex<HashSet<String>>,
}

impl Parts {
    /// The store of the site at `dest`, in the cache folder `cache_dir`.
    pub fn open(cache_dir: &Path, dest: &Path) -> Parts {
        let folder = Key::of(&dest.to_string_lossy()).to_string();
        Parts {
            dir: cache_dir.join(PARTS_DIR).join(folder),
            used: Mutex::new(HashSet::new()),
        }
    }

    fn name(kind: &str, key: Key) -> String {
        format!("{kind}/{key}")
    }

    fn mark(&self, name: String) {
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name);
    }

    /// The part of `kind` made with `key`, if the store has it.
    pub fn get(&self, kind: &str, key: Key) -> Option<Vec<u8>> {
        let name = Parts::name(kind, key);
        let path = self.dir.join(&name);
        // A regular file only, never a link out of the store.
        let meta = std::fs::symlink_metadata(&path).ok()?;
        if !meta.file_type().is_file() {
            return None;
        }
        let bytes = std::fs::read(&path).ok()?;
        self.mark(name);
        Some(bytes)
    }

    /// Keeps the part of `kind` made with `key`, if the store has it, for
    /// the next build although this one did not need to read it (the file
    /// it is part of was taken whole from the previous site).
    pub fn keep(&self, kind: &str, key: Key) {
        self.mark(Parts::name(kind, key));
    }

    /// Keeps `bytes` as the part of `kind` made with `key`, whole or not
    /// at all; a failure is ignored (the next build makes the part again).
    pub fn put(&self, kind: &str, key: Key, bytes: &[u8]) {
        let name = Parts::name(kind, key);
        let path = self.dir.join(&name);
        let Some(folder) = path.parent() else { return };
        if std::fs::create_dir_all(folder).is_err() {
            return;
        }
        let written = tempfile::NamedTempFile::new_in(folder).and_then(|mut tmp| {
            std::io::Write::write_all(&mut tmp, bytes)?;
            tmp.persist(&path).map_err(|e| e.error)
        });
        if written.is_ok() {
            self.mark(name);
        }
    }

    /// Removes every part this build neither read nor wrote: the store
    /// then holds the parts of the site just made. Call it only after a
    /// build that made the whole site (a failed one used only some parts).
    pub fn retain_used(&self) {
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(kinds) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for kind in kinds.flatten() {
            let kind_name = kind.file_name().to_string_lossy().into_owned();
            let Ok(files) = std::fs::read_dir(kind.path()) else {
                continue;
            };
            for file in files.flatten() {
                let name = format!("{kind_name}/{}", file.file_name().to_string_lossy());
                if !used.contains(&name) {
                    let _ = std::fs::remove_file(file.path());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_found_by_its_key_and_unused_ones_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("book");
        let (a, b) = (Key::of(&"a"), Key::of(&"b"));
        let first = Parts::open(tmp.path(), &dest);
        assert_eq!(first.get("print", a), None);
        first.put("print", a, b"chapter a");
        first.put("search", b, b"chapter b");
        assert_eq!(first.get("print", a).as_deref(), Some(&b"chapter a"[..]));
        assert_eq!(first.get("print", b), None, "kinds are apart");

        // The next build uses only `a`: `b` goes once it is done.
        let second = Parts::open(tmp.path(), &dest);
        assert!(second.get("print", a).is_some());
        second.retain_used();
        let third = Parts::open(tmp.path(), &dest);
        assert!(third.get("print", a).is_some());
        assert_eq!(third.get("search", b), None);

        // Another destination has a store of its own.
        let other = Parts::open(tmp.path(), &tmp.path().join("elsewhere"));
        assert_eq!(other.get("print", a), None);
    }
}
