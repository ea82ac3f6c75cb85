//! Watching the book: file-system events become debounced change sets.
//!
//! `Watcher::start` takes a `WatchSet` (the book root, its source, theme and
//! examples folders, the requirements file, and the folders to skip) and
//! delivers `BTreeSet<Change>` batches to the rebuild loop (`cmd/serve.rs`).
//! It reads no book content and never writes.
//!
//! 1. The paths are canonicalized once, so event paths (which notify builds
//!    from the watched paths) compare equal to them.
//! 2. The root, and the requirements file's folder, are watched alone (not
//!    the files: editors replace a file by rename, so a watch on the file
//!    itself would be lost after the first save). The source, theme and
//!    examples folders are watched recursively, except that a folder holding
//!    something to skip (the output folder, `.proofbook-cache`, `.git`,
//!    `target`, `node_modules`) is watched alone and its other subfolders
//!    recursively, so a build's writes never reach inotify.
//! 3. notify-debouncer-full stitches renames and merges a file's events; its
//!    per-file delay is short, and this module then waits for `debounce` of
//!    quiet across all files, so one editor save (temp file, rename over,
//!    chmod) is one batch.
//! 4. Each event path is classified into a `Change`, or dropped: editor temp
//!    files, hidden files, skipped folders, and access or metadata events.
//!
//! A watched folder that is deleted or renamed away stops being watched (its
//! `Change` is reported); when it appears again it is watched again and its
//! files are reported. Errors from notify are kept for `Watcher::take_errors`.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use notify::{ErrorKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use walkdir::WalkDir;

mod roots;
use roots::{Roots, appeared, changes_content};

/// What a change touches, so the rebuild loop knows how much to redo.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// book.toml. Also reported when the kernel dropped events (an inotify
    /// queue overflow), since only a rebuild from scratch is then safe.
    Config,
    /// The requirements file named by the config (`WatchSet::requirements`).
    Requirements,
    /// SUMMARY.md in the source folder.
    Summary,
    /// A file under the theme folder, or the folder itself.
    Theme(PathBuf),
    /// Any other file under the source folder (chapters, images), or a folder.
    Source(PathBuf),
    /// A file under the examples folder, or the folder itself; or any other
    /// file of the book with `WatchSet::data` (an example may declare it
    /// with `deps=`): a rebuild then runs the examples whose keys changed.
    Example(PathBuf),
}

/// What to watch. Relative paths are taken from `root`; every path is
/// canonicalized by `Watcher::start` (the ones that do not exist yet through
/// their nearest existing ancestor), and so is every path in a `Change`.
#[derive(Debug, Clone)]
pub struct WatchSet {
    /// The book root (holds book.toml).
    pub root: PathBuf,
    /// The source folder.
    pub src: PathBuf,
    /// The book's theme folder, if any.
    pub theme: Option<PathBuf>,
    /// `root/examples`, if it exists.
    pub examples: Option<PathBuf>,
    /// Watch the whole book (below the more specific folders above), for
    /// the data files examples declare with `deps=` wherever they are.
    pub data: bool,
    /// The requirements file, e.g. `root/requirements.txt`.
    pub requirements: Option<PathBuf>,
    /// Folders never reported nor, where possible, watched: the output
    /// folder, `root/.proofbook-cache`, and anything else to skip. Hidden
    /// folders, `target` and `node_modules` are always skipped.
    pub ignore: Vec<PathBuf>,
}

/// Why the watcher could not start, or what went wrong while it ran.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot watch the book folder {}", .path.display())]
    Root {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the file watcher for {}", .path.display())]
    Start {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    #[error("cannot watch {}", .path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    /// An error notify reported while running; `path` is the first path it
    /// named, or the book root.
    #[error("the file watcher failed on {}", .path.display())]
    Notify {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
}

type Inner = Debouncer<RecommendedWatcher, RecommendedCache>;
type Shared<T> = Arc<Mutex<T>>;

/// A running watcher; it stops when dropped or on `stop`.
/// It is `Sync`, so one thread may wait in `next_batch` while another stops it.
pub struct Watcher {
    batches: Mutex<Receiver<BTreeSet<Change>>>,
    debouncer: Shared<Option<Inner>>,
    errors: Shared<Vec<WatchError>>,
    stopped: AtomicBool,
}

impl Watcher {
    /// Starts watching; batches are delivered after `debounce` of quiet
    /// (e.g. 50 ms in serve; tests may use less). Fails if the root cannot be
    /// read or a folder that exists cannot be watched; a source, theme or
    /// examples folder that does not exist yet is watched once it appears in
    /// a watched folder (the root, usually).
    pub fn start(set: WatchSet, debounce: Duration) -> Result<Watcher, WatchError> {
        let roots = Roots::new(set)?;
        // The debouncer only has to stitch renames and merge one file's
        // events, which arrive together; the quiet window below does the rest.
        let per_file = (debounce / 2).clamp(Duration::from_millis(5), Duration::from_millis(50));
        let tick = (per_file / 4).max(Duration::from_millis(1));
        let (raw_tx, raw_rx) = mpsc::channel::<DebounceEventResult>();
        let mut debouncer =
            new_debouncer(per_file, Some(tick), raw_tx).map_err(|source| WatchError::Start {
                path: roots.root.clone(),
                source,
            })?;
        let mut shallow = HashSet::new();
        for (path, mode) in roots.initial_plan() {
            match debouncer.watch(&path, mode) {
                Ok(()) => {}
                // Removed between the plan and the watch: it is picked up if
                // it comes back.
                Err(e) if is_not_found(&e) && path != roots.root => continue,
                Err(source) => return Err(WatchError::Watch { path, source }),
            }
            if mode == RecursiveMode::NonRecursive {
                shallow.insert(path);
            }
        }
        let debouncer = Arc::new(Mutex::new(Some(debouncer)));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let (batch_tx, batch_rx) = mpsc::channel();
        let root = roots.root.clone();
        let batcher = Batcher {
            roots,
            shallow,
            debouncer: Arc::clone(&debouncer),
            errors: Arc::clone(&errors),
            // A day is "forever" here, and keeps `Instant + quiet` from overflowing.
            quiet: debounce.min(Duration::from_secs(86_400)),
        };
        std::thread::Builder::new()
            .name("proofbook-watch".into())
            .spawn(move || batcher.run(&raw_rx, &batch_tx))
            .map_err(|e| WatchError::Start {
                path: root,
                source: notify::Error::io(e),
            })?;
        Ok(Watcher {
            batches: Mutex::new(batch_rx),
            debouncer,
            errors,
            stopped: AtomicBool::new(false),
        })
    }

    /// Blocks until the next batch of changes (deduplicated, sorted), or
    /// `None` once the watcher stopped and every batch was taken.
    pub fn next_batch(&self) -> Option<BTreeSet<Change>> {
        let got = lock(&self.batches).recv();
        self.note_stop(got.map_err(|_| RecvTimeoutError::Disconnected))
    }

    /// Like `next_batch`, waiting at most `t`: `None` both on timeout and once
    /// the watcher stopped; `is_stopped` tells them apart.
    pub fn next_batch_timeout(&self, t: Duration) -> Option<BTreeSet<Change>> {
        let got = lock(&self.batches).recv_timeout(t);
        self.note_stop(got)
    }

    /// Whether `next_batch` or `next_batch_timeout` has returned `None`
    /// because the watcher stopped (so no batch will ever come again).
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    fn note_stop(
        &self,
        got: Result<BTreeSet<Change>, RecvTimeoutError>,
    ) -> Option<BTreeSet<Change>> {
        if let Err(RecvTimeoutError::Disconnected) = got {
            self.stopped.store(true, Ordering::Relaxed);
        }
        got.ok()
    }

    /// The errors notify reported since the last call (a folder that could
    /// not be watched again, an inotify limit, a read error), oldest first.
    /// They do not stop the watcher; the rebuild loop shows them after a batch.
    pub fn take_errors(&self) -> Vec<WatchError> {
        std::mem::take(&mut *lock(&self.errors))
    }

    /// Stops watching. A batch already being gathered is still delivered;
    /// then `next_batch` returns `None`, within a few ms.
    pub fn stop(&self) {
        // Dropping the debouncer ends its thread, which closes the channel
        // the batcher reads, which then flushes and closes ours.
        drop(lock(&self.debouncer).take());
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn is_not_found(e: &notify::Error) -> bool {
    match &e.kind {
        ErrorKind::PathNotFound => true,
        ErrorKind::Io(io) => io.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
}

/// The thread between the debouncer and `Watcher::next_batch`.
struct Batcher {
    roots: Roots,
    /// Folders watched alone, whose new subfolders need a watch of their own.
    shallow: HashSet<PathBuf>,
    debouncer: Shared<Option<Inner>>,
    errors: Shared<Vec<WatchError>>,
    quiet: Duration,
}

impl Batcher {
    fn run(mut self, raw: &Receiver<DebounceEventResult>, batches: &Sender<BTreeSet<Change>>) {
        let mut pending = BTreeSet::new();
        let mut deadline = Instant::now();
        loop {
            let got = if pending.is_empty() {
                raw.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                raw.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            };
            match got {
                Ok(Ok(events)) => {
                    let mut relevant = false;
                    for event in &events {
                        relevant |= self.take(event, &mut pending);
                    }
                    if relevant {
                        deadline = Instant::now() + self.quiet;
                    }
                }
                Ok(Err(errors)) => self.report(errors),
                Err(RecvTimeoutError::Timeout) => {
                    if batches.send(std::mem::take(&mut pending)).is_err() {
                        return;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    if !pending.is_empty() {
                        let _ = batches.send(pending);
                    }
                    return;
                }
            }
        }
    }

    /// Adds the changes `event` makes to `pending`; true if it made any.
    fn take(&mut self, event: &notify::Event, pending: &mut BTreeSet<Change>) -> bool {
        if event.need_rescan() {
            pending.insert(Change::Config);
            return true;
        }
        if !changes_content(&event.kind) {
            return false;
        }
        let mut relevant = false;
        for path in &event.paths {
            if let Some(change) = self.roots.classify(path) {
                pending.insert(change);
                relevant = true;
            }
            if appeared(&event.kind) && path.is_dir() {
                relevant |= self.adopt(path, pending);
            }
        }
        relevant
    }

    /// Takes in a folder that just appeared: watches it if no recursive
    /// watch covers it (a base folder created or renamed back, or a
    /// subfolder of a folder watched alone), and reports the files it already
    /// holds, which may have been written before any watch on it began (also
    /// under a recursive watch: notify adds one only after the folder's event).
    fn adopt(&mut self, dir: &Path, pending: &mut BTreeSet<Change>) -> bool {
        if self.roots.base_of(dir).is_none() || self.roots.excluded(dir) {
            return false;
        }
        let is_base = self.roots.bases.iter().any(|(b, _)| b == dir);
        if is_base || dir.parent().is_some_and(|p| self.shallow.contains(p)) {
            self.watch(dir);
        }
        let mut any = false;
        let walk = WalkDir::new(dir)
            .into_iter()
            .filter_entry(|e| !self.roots.excluded(e.path()));
        for entry in walk.flatten() {
            if let Some(change) = self.roots.classify(entry.path()) {
                any |= pending.insert(change);
            }
        }
        any
    }

    fn watch(&mut self, dir: &Path) {
        let plan = self.roots.plan(dir);
        let mut failed = Vec::new();
        if let Some(debouncer) = lock(&self.debouncer).as_mut() {
            for (path, mode) in plan {
                match debouncer.watch(&path, mode) {
                    Ok(()) if mode == RecursiveMode::NonRecursive => {
                        self.shallow.insert(path);
                    }
                    Ok(()) => {}
                    // Gone again already: its parent reports the removal.
                    Err(e) if is_not_found(&e) => {}
                    Err(source) => failed.push(WatchError::Watch { path, source }),
                }
            }
        }
        lock(&self.errors).extend(failed);
    }

    fn report(&self, errors: Vec<notify::Error>) {
        let mut kept = lock(&self.errors);
        for source in errors {
            let path = source.paths.first().unwrap_or(&self.roots.root).clone();
            kept.push(WatchError::Notify { path, source });
        }
    }
}
