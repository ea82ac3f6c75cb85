//! Which paths the watcher follows and how a path becomes a `Change`: the
//! canonical watch set (`Roots`), the plan of folders to watch (never the
//! output or cache folders), and the noise filters (editor temp files,
//! access and metadata events).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use notify::RecursiveMode;
use notify::event::{EventKind, ModifyKind, RenameMode};
use walkdir::WalkDir;

use super::{Change, WatchError, WatchSet};
use crate::fsutil;

/// Names that never make a change, wherever they appear below a watched
/// folder: hidden files and folders (`.git`, `.proofbook-cache`, `.x.swp`,
/// `.#x` Emacs locks, `.DS_Store`), build folders, and editor temp files.
fn is_noise(name: &OsStr) -> bool {
    const DIRS: &[&str] = &["target", "node_modules"];
    // vim's swap files (.swp, then .swo, .swn; .swx briefly), kate's swap
    // file, generic temp files, JetBrains' "safe write" copies.
    const SUFFIXES: &[&str] = &[
        "~",
        ".swp",
        ".swo",
        ".swn",
        ".swx",
        ".tmp",
        ".kate-swp",
        "___jb_tmp___",
        "___jb_old___",
    ];
    let Some(name) = name.to_str() else {
        return false;
    };
    name.starts_with('.')
        // vim checks that it may write in the folder by creating "4913".
        || name == "4913"
        // Emacs auto-save files.
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || DIRS.contains(&name)
        || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Whether an event kind can change what a build reads. Access events and
/// metadata changes (chmod, touch) cannot; an unknown kind might.
pub(super) fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(_) | EventKind::Other => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Any | EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(_) => true,
    }
}

/// Whether `path` may have just appeared (and so may need a watch).
pub(super) fn appeared(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Modify(ModifyKind::Name(
                RenameMode::To | RenameMode::Both | RenameMode::Any
            ))
    )
}

/// Canonicalizes a path that may not exist: its nearest existing ancestor
/// is canonicalized and the rest appended.
fn canonical(path: &Path) -> PathBuf {
    // An existing path goes to the OS whole: `..` after a symlink climbs
    // from the link's target, which lexical normalizing would get wrong.
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let path = fsutil::normalize(path);
    let mut tail = Vec::new();
    let mut cur = path.as_path();
    loop {
        if let Ok(mut real) = cur.canonicalize() {
            real.extend(tail.iter().rev());
            return real;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                tail.push(name);
                cur = parent;
            }
            _ => return path,
        }
    }
}

#[derive(Clone, Copy)]
pub(super) enum Kind {
    Source,
    Theme,
    Example,
    /// Any other file of the book: a data file an example may declare.
    Data,
}

/// The canonical watch set, and how a path maps to a `Change`.
pub(super) struct Roots {
    pub(super) root: PathBuf,
    book_toml: PathBuf,
    requirements: Option<PathBuf>,
    summary: PathBuf,
    /// The source, theme and examples folders.
    pub(super) bases: Vec<(PathBuf, Kind)>,
    ignore: Vec<PathBuf>,
}

impl Roots {
    pub(super) fn new(set: WatchSet) -> Result<Roots, WatchError> {
        let root = set
            .root
            .canonicalize()
            .and_then(|root| {
                if root.is_dir() {
                    Ok(root)
                } else {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::NotADirectory,
                        "not a folder",
                    ))
                }
            })
            .map_err(|source| WatchError::Root {
                path: set.root.clone(),
                source,
            })?;
        let abs = |p: &Path| canonical(&root.join(p));
        let src = abs(&set.src);
        let mut bases = vec![(src.clone(), Kind::Source)];
        bases.extend(set.theme.map(|p| (abs(&p), Kind::Theme)));
        bases.extend(set.examples.map(|p| (abs(&p), Kind::Example)));
        if set.data {
            bases.push((root.clone(), Kind::Data));
        }
        Ok(Roots {
            book_toml: root.join("book.toml"),
            requirements: set.requirements.map(|p| abs(&p)),
            summary: src.join("SUMMARY.md"),
            bases,
            ignore: set.ignore.iter().map(|p| abs(p)).collect(),
            root,
        })
    }

    /// The most specific watched folder holding `path`.
    pub(super) fn base_of(&self, path: &Path) -> Option<&(PathBuf, Kind)> {
        self.bases
            .iter()
            .filter(|(base, _)| path.starts_with(base))
            .max_by_key(|(base, _)| base.components().count())
    }

    /// Whether `path` lies in an ignored folder or has a noise name below
    /// its folder (its base, or the root).
    pub(super) fn excluded(&self, path: &Path) -> bool {
        if self.ignore.iter().any(|i| path.starts_with(i)) {
            return true;
        }
        let base = self.base_of(path).map_or(&self.root, |(base, _)| base);
        path.strip_prefix(base)
            .is_ok_and(|rel| rel.iter().any(is_noise))
    }

    pub(super) fn classify(&self, path: &Path) -> Option<Change> {
        if self.ignore.iter().any(|i| path.starts_with(i)) {
            return None;
        }
        if path == self.book_toml {
            return Some(Change::Config);
        }
        if self.requirements.as_deref() == Some(path) {
            return Some(Change::Requirements);
        }
        let &(_, kind) = self.base_of(path)?;
        if self.excluded(path) {
            return None;
        }
        let path = path.to_owned();
        Some(match kind {
            Kind::Source if path == self.summary => Change::Summary,
            Kind::Source => Change::Source(path),
            Kind::Theme => Change::Theme(path),
            Kind::Example | Kind::Data => Change::Example(path),
        })
    }

    /// The watches at start: the root (and the requirements file's folder)
    /// alone, each existing base folder as `plan` says. A path watched
    /// recursively covers the paths below it.
    pub(super) fn initial_plan(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mut plan = BTreeMap::new();
        plan.insert(self.root.clone(), RecursiveMode::NonRecursive);
        if let Some(parent) = self.requirements.as_deref().and_then(Path::parent)
            && parent.is_dir()
        {
            plan.insert(parent.to_owned(), RecursiveMode::NonRecursive);
        }
        for (base, _) in &self.bases {
            if base.is_dir() {
                for (path, mode) in self.plan(base) {
                    let old = plan.entry(path).or_insert(mode);
                    if mode == RecursiveMode::Recursive {
                        *old = mode;
                    }
                }
            }
        }
        let covered = |path: &Path| {
            plan.iter().any(|(p, m)| {
                *m == RecursiveMode::Recursive && p.as_path() != path && path.starts_with(p)
            })
        };
        plan.iter()
            .filter(|(p, _)| !covered(p))
            .map(|(p, m)| (p.clone(), *m))
            .collect()
    }

    /// How to watch the folder `dir`: recursively, unless something to skip
    /// lies below it; then `dir` alone, and each of its other subfolders the
    /// same way.
    pub(super) fn plan(&self, dir: &Path) -> Vec<(PathBuf, RecursiveMode)> {
        let mut skipped: Vec<PathBuf> = self
            .ignore
            .iter()
            .filter(|i| i.starts_with(dir) && i.as_path() != dir)
            .cloned()
            .collect();
        let walk = WalkDir::new(dir).into_iter().filter_entry(|e| {
            if e.depth() > 0 && self.excluded(e.path()) {
                skipped.push(e.path().to_owned());
                return false;
            }
            e.file_type().is_dir()
        });
        walk.for_each(drop);
        let mut out = Vec::new();
        self.plan_into(dir, &skipped, &mut out);
        out
    }

    fn plan_into(&self, dir: &Path, skipped: &[PathBuf], out: &mut Vec<(PathBuf, RecursiveMode)>) {
        if !skipped.iter().any(|s| s.starts_with(dir) && s != dir) {
            out.push((dir.to_owned(), RecursiveMode::Recursive));
            return;
        }
        out.push((dir.to_owned(), RecursiveMode::NonRecursive));
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && !self.excluded(&path) && !skipped.contains(&path) {
                self.plan_into(&path, skipped, out);
            }
        }
    }
}
