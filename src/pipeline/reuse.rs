//! Reusing the previous build's pages: every page has a key (a digest of
//! everything its HTML is made from), the site keeps the keys it was built
//! with in a manifest, and a page whose key has not changed is hard-linked
//! from the previous site into the new one instead of being highlighted
//! and templated again. The new site is still a complete folder swapped in
//! whole; the old one can go, the links keep the data.
//!
//! What a key covers is decided in `SiteRenderer::page_key` (render) and
//! `binary_identity` here: the proofbook binary itself, so a rebuilt
//! proofbook never reuses pages an older one made.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::digest::Key;
use crate::output::manifest::{Ownership, ownership};
use crate::output::spans::{Previous, Span};
use crate::output::{SiteFile, Staging};

/// The manifest's name in the site folder.
pub(crate) const MANIFEST: &str = ".proofbook-pages.json";

#[derive(Serialize, Deserialize, Default)]
struct Manifest {
    /// Site path (with `/`) → the page's key, as hex.
    pages: BTreeMap<String, String>,
    /// Site path → where each chapter's part lies in that file
    /// (`output::spans`), for print.html and the search index.
    #[serde(default)]
    spans: BTreeMap<String, Vec<(String, u64, u64, String)>>,
}

type StoredSpans = BTreeMap<String, Vec<(String, u64, u64, String)>>;

/// The previous site's keys, and the keys of the site being made.
pub(crate) struct Reuse {
    previous: HashMap<String, Key>,
    /// The previous site's spans, by site path.
    previous_spans: StoredSpans,
    dest: PathBuf,
    made: Mutex<BTreeMap<String, String>>,
    made_spans: Mutex<StoredSpans>,
    reused: std::sync::atomic::AtomicUsize,
}

impl Reuse {
    /// The keys of the site at `dest`, if proofbook made it and nothing in
    /// it changed since (a page edited by hand must not be linked into the
    /// new site, as `--force` builds over such a folder); a missing or
    /// unreadable manifest means nothing is reused, never an error.
    pub fn open(dest: &Path) -> Reuse {
        let ours = matches!(ownership(dest), Ownership::Ours(_));
        let manifest = match ours {
            true => read_manifest(dest).unwrap_or_default(),
            false => Manifest::default(),
        };
        let previous = manifest
            .pages
            .into_iter()
            .filter_map(|(path, key)| Some((path, Key::parse(&key)?)))
            .collect();
        Reuse {
            previous,
            previous_spans: manifest.spans,
            dest: dest.to_owned(),
            made: Mutex::new(BTreeMap::new()),
            made_spans: Mutex::new(BTreeMap::new()),
            reused: Default::default(),
        }
    }

    /// Takes `path` from the previous site when it was made with `key`;
    /// says whether it did. Either way, `path` is recorded with `key` for
    /// the next build, so call it only for a page that will be written.
    pub fn take(&self, staging: &Staging, path: &Path, key: Key) -> bool {
        let name = path.to_string_lossy().replace('\\', "/");
        let same = self.previous.get(&name) == Some(&key);
        let old = self.dest.join(path);
        // A regular file only: never follow a link out of the old site.
        let linked = same
            && std::fs::symlink_metadata(&old).is_ok_and(|m| m.file_type().is_file())
            && staging.link(&old, path).is_ok();
        lock(&self.made).insert(name.clone(), key.to_string());
        if linked {
            self.reused
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // The same file: its parts lie where they lay.
            if let Some(spans) = self.previous_spans.get(&name) {
                lock(&self.made_spans).insert(name, spans.clone());
            }
        }
        linked
    }

    /// The previous site's file `name` (at the site's root), to take the
    /// parts it recorded from (`output::spans`).
    pub fn previous_parts(&self, name: &str) -> Previous {
        let spans: Vec<Span> = self
            .previous_spans
            .get(name)
            .map(|s| s.iter().filter_map(Span::from_stored).collect())
            .unwrap_or_default();
        Previous::open(&self.dest, name, &spans)
    }

    /// Records where the parts of the file `name` being written lie.
    pub fn record_spans(&self, name: &str, spans: Vec<Span>) {
        let stored = spans.into_iter().map(Span::to_stored).collect();
        lock(&self.made_spans).insert(name.to_owned(), stored);
    }

    /// How many pages came from the previous site.
    pub fn reused(&self) -> usize {
        self.reused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets `path`: it failed to render, so the next build must not
    /// think the old file is current.
    pub fn forget(&self, path: &Path) {
        let name = path.to_string_lossy().replace('\\', "/");
        lock(&self.made).remove(&name);
    }

    /// The manifest of the site being made.
    pub fn manifest(&self) -> SiteFile {
        let pages = std::mem::take(&mut *lock(&self.made));
        let mut spans = std::mem::take(&mut *lock(&self.made_spans));
        // Only for files this site has (one that failed is not).
        spans.retain(|name, _| pages.contains_key(name));
        let json =
            serde_json::to_string(&Manifest { pages, spans }).expect("the manifest serializes");
        SiteFile::text(MANIFEST, json)
    }
}

/// The page keys (as hex) the site at `dest` was built with, by site path;
/// none when it has no readable manifest.
pub fn page_keys(dest: &Path) -> BTreeMap<String, String> {
    read_manifest(dest).map(|m| m.pages).unwrap_or_default()
}

fn read_manifest(dest: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dest.join(MANIFEST)).ok()?;
    serde_json::from_slice::<Manifest>(&bytes).ok()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running proofbook binary, by path, size and modification time (a
/// different build of proofbook may render the same input differently),
/// and a value derived from the user's secret (`execute::secret`). Every
/// key of a page, a part or a stored document starts from it, and a book
/// can arrive with a site folder and a manifest of its own: with the
/// binary alone its keys could be forged where path, size and mtime are
/// predictable (an image with normalised mtimes), and the book's own
/// pages linked into the new site. Without a secret or a readable binary
/// the value is fresh for each process, so nothing is reused.
pub(crate) fn binary_identity() -> Key {
    static IDENTITY: std::sync::OnceLock<Key> = std::sync::OnceLock::new();
    *IDENTITY.get_or_init(|| {
        let meta = std::env::current_exe()
            .and_then(|p| Ok((std::fs::metadata(&p)?, p)))
            .ok()
            .map(|(m, p)| {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                (p, m.len(), mtime)
            });
        let secret = crate::execute::secret::Secret::load_or_create()
            .ok()
            .map(|s| s.sign(&[b"proofbook site keys"]));
        match (meta, secret) {
            (Some(identity), Some(secret)) => {
                Key::of(&(env!("CARGO_PKG_VERSION"), identity, secret))
            }
            _ => Key::of(&(std::time::SystemTime::now(), std::process::id())),
        }
    })
}
