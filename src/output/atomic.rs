//! Writes a whole site and swaps it in at once.
//!
//! The site is written into a temp folder beside the destination (same file
//! system, so the final `rename` is atomic); only when every file is written
//! does the old site move aside and the new one take its place. If anything
//! fails before that, the temp folder is removed and the old site is intact.
//!
//! The old site is deleted only if it is still exactly what proofbook
//! wrote (`manifest::ownership`, checked again at the swap, as the build
//! may have taken minutes); a folder that is not is refused, or with
//! `force` moved aside to `DIR.replaced-TIME`, never deleted. Temp folders
//! carry proofbook's pid in their name (`.book.new-PID-XXXXXX`), so the
//! ones a killed build left are recognised and removed (`stale`).

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::digest::Key;
use crate::fsutil::{self, FsError};
use crate::interrupt::{Temporary, Tracked};
use crate::output::manifest::{self, Digest, Ownership, Pieces, Written};
use crate::output::spans::bytes_key;
use crate::output::{Content, OutputError, SiteFile};

/// A site being written: a temp folder beside the destination that files
/// go into as they are made (from any thread), swapped in by `finish`.
/// Dropping it without `finish` removes it and leaves the destination as
/// it was.
pub struct Staging {
    dir: tempfile::TempDir,
    dest: PathBuf,
    parent: PathBuf,
    name: String,
    /// The digests of the files written so far, for the marker.
    written: Arc<Written>,
    /// Registered with the interrupt handler until the folder is gone
    /// (declared after `dir`, so it is dropped after the folder is).
    _tracked: Tracked,
}

/// How a site was swapped in.
#[derive(Debug, Default)]
pub struct Swapped {
    /// Where the folder that was at the destination went, when it was not
    /// proofbook's and was kept (`--force`, or edited during the build).
    pub moved_aside: Option<PathBuf>,
}

impl Staging {
    pub fn new(dest: &Path) -> Result<Staging, OutputError> {
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fsutil::create_dir_all(parent)?;
        let name = dest
            .file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
        crate::interrupt::check()?;
        let dir = tempfile::Builder::new()
            .prefix(&temp_prefix(&name, "new"))
            .tempdir_in(parent)
            .map_err(|e| FsError::new("cannot create a temp folder in", parent, e))?;
        let _tracked = crate::interrupt::track(Temporary::Folder(dir.path().to_owned()))?;
        Ok(Staging {
            dir,
            dest: dest.to_owned(),
            parent: parent.to_owned(),
            name,
            written: Arc::default(),
            _tracked,
        })
    }

    /// Writes one file of the site. Its path must stay inside the site.
    pub fn write(&self, file: &SiteFile) -> Result<(), OutputError> {
        // An interrupted build stops writing at once: its folder is about
        // to be removed.
        crate::interrupt::check()?;
        check_path(&file.path)?;
        Ok(write_one(self.dir.path(), file, &self.written)?)
    }

    /// Puts the file `from` (a file of the previous site, on the same file
    /// system) at `path` as a hard link: its data is shared, not copied.
    pub fn link(&self, from: &Path, path: &Path) -> Result<(), OutputError> {
        crate::interrupt::check()?;
        check_path(path)?;
        let to = self.dir.path().join(path);
        if let Some(dir) = to.parent() {
            fsutil::create_dir_all(dir)?;
        }
        std::fs::hard_link(from, &to).map_err(|e| FsError::new("cannot link", &to, e).into())
    }

    /// Opens a file of the site to be written piece by piece (a page too
    /// big to hold, such as print.html in a large book).
    pub fn create(&self, path: impl Into<PathBuf>) -> Result<StagedFile, OutputError> {
        let site_path = path.into();
        crate::interrupt::check()?;
        check_path(&site_path)?;
        let path = self.dir.path().join(&site_path);
        if let Some(dir) = path.parent() {
            fsutil::create_dir_all(dir)?;
        }
        let file =
            std::fs::File::create(&path).map_err(|e| FsError::new("cannot create", &path, e))?;
        Ok(StagedFile {
            out: std::io::BufWriter::with_capacity(1 << 16, file),
            path,
            site_path,
            pieces: Box::default(),
            written: Arc::clone(&self.written),
        })
    }

    /// Marks the folder as proofbook's (its marker lists every file) and
    /// puts it in the destination's place. What is at the destination is
    /// deleted only if proofbook wrote it; otherwise the swap is refused,
    /// or with `force` that folder is moved aside and kept.
    pub fn finish(self, force: bool) -> Result<Swapped, OutputError> {
        crate::interrupt::check()?;
        let mut keep_old = false;
        let previous = match manifest::ownership(&self.dest) {
            Ownership::Free => None,
            Ownership::Ours(m) => Some(m),
            Ownership::Foreign(_) if force => {
                keep_old = true;
                None
            }
            Ownership::Foreign(found) => {
                return Err(OutputError::NotOurs {
                    dest: self.dest.clone(),
                    found,
                });
            }
        };
        manifest::write_marker(self.dir.path(), previous.as_ref(), &self.written)?;
        let Staging {
            dir,
            dest,
            parent,
            name,
            _tracked,
            ..
        } = self;
        let swapped = swap_in(dir, &dest, &parent, &name, keep_old)?;
        drop(_tracked);
        Ok(swapped)
    }
}

/// The start of a temp folder's name beside the site `name`: `kind` is
/// `new` (being written) or `old` (the site it replaces, being deleted).
pub(crate) fn temp_prefix(name: &str, kind: &str) -> String {
    format!(".{name}.{kind}-{}-", std::process::id())
}

/// A free name beside `dest` for a folder moved aside: `DIR.replaced-TIME`.
pub fn replaced_path(dest: &Path) -> PathBuf {
    let stamp: String = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let base = dest.as_os_str().to_string_lossy();
    let mut path = PathBuf::from(format!("{base}.replaced-{stamp}"));
    let mut n = 2;
    while path.symlink_metadata().is_ok() {
        path = PathBuf::from(format!("{base}.replaced-{stamp}-{n}"));
        n += 1;
    }
    path
}

/// Moves what is at `dest` to a free `DIR.replaced-TIME` beside it.
pub fn move_aside(dest: &Path) -> Result<PathBuf, OutputError> {
    Ok(keep_aside(dest, dest)?)
}

/// Moves the folder `what` (the site at `dest`, or one that was there) to
/// a free `DEST.replaced-TIME`.
pub(crate) fn keep_aside(what: &Path, dest: &Path) -> Result<PathBuf, FsError> {
    let aside = replaced_path(dest);
    std::fs::rename(what, &aside)
        .map_err(|e| FsError::new("cannot move the folder aside:", what, e))?;
    Ok(aside)
}

/// A file of the staging folder being written in pieces; it is part of the
/// site only when `close` succeeded (the site is swapped in after that).
pub struct StagedFile {
    out: std::io::BufWriter<std::fs::File>,
    path: PathBuf,
    site_path: PathBuf,
    /// The file's digest for the marker, piece by piece (boxed: a hash
    /// state is large, and a `StagedFile` is moved around).
    pieces: Box<Pieces>,
    written: Arc<Written>,
}

impl StagedFile {
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.append_known(bytes, bytes_key(bytes))
    }

    /// Appends `bytes` whose `spans::bytes_key` is `key`, already made
    /// (a part of print.html or of the search index), so the marker need
    /// not hash them again.
    pub fn append_known(&mut self, bytes: &[u8], key: Key) -> Result<(), OutputError> {
        use std::io::Write;
        debug_assert_eq!(key, bytes_key(bytes), "a piece's key is its bytes'");
        self.pieces.add(bytes.len(), key);
        self.out
            .write_all(bytes)
            .map_err(|e| FsError::new("cannot write", &self.path, e).into())
    }

    pub fn close(self) -> Result<(), OutputError> {
        let path = self.path;
        let file = self
            .out
            .into_inner()
            .map_err(|e| FsError::new("cannot write", &path, e.into_error()))?;
        self.written
            .record(&self.site_path, &file, Digest::Pieces(*self.pieces))
            .map_err(|e| FsError::new("cannot read", &path, e).into())
    }
}

/// Held by a build from the moment it reads the previous site (for page
/// reuse) until its own is swapped in, so two builds into one folder (two
/// `serve`s of a book, a `build` during another) take turns instead of one
/// reusing a page the other just replaced. It is an advisory lock on the
/// folder that holds the destination (where the staging folder goes too),
/// so no lock file is left anywhere; builds into neighbouring folders
/// merely take turns as well.
pub struct DestinationLock {
    _dir: std::fs::File,
}

impl DestinationLock {
    /// Waits for the lock of `dest`; `waiting` is called once if another
    /// build holds it.
    pub fn acquire(dest: &Path, waiting: impl FnOnce()) -> Result<DestinationLock, OutputError> {
        let parent = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fsutil::create_dir_all(parent)?;
        let dir =
            std::fs::File::open(parent).map_err(|e| FsError::new("cannot open", parent, e))?;
        match dir.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                waiting();
                dir.lock()
                    .map_err(|e| FsError::new("cannot lock", parent, e))?;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(FsError::new("cannot lock", parent, e).into());
            }
        }
        Ok(DestinationLock { _dir: dir })
    }
}

/// Writes `files` as the whole site at `dest`, atomically.
pub fn write_site(dest: &Path, files: &[SiteFile]) -> Result<(), OutputError> {
    // Check every path before anything is written.
    files.iter().try_for_each(|f| check_path(&f.path))?;
    let staging = Staging::new(dest)?;
    files.par_iter().try_for_each(|f| staging.write(f))?;
    staging.finish(false).map(drop)
}

/// A site path must be relative and free of `..`: it names a file inside
/// the site and nothing else.
fn check_path(path: &Path) -> Result<(), OutputError> {
    let inside = !path.as_os_str().is_empty()
        && path.components().all(|c| matches!(c, Component::Normal(_)));
    if inside {
        Ok(())
    } else {
        Err(OutputError::UnsafePath {
            path: path.to_owned(),
        })
    }
}

fn write_one(root: &Path, file: &SiteFile, written: &Written) -> Result<(), FsError> {
    let path = root.join(&file.path);
    if let Some(dir) = path.parent() {
        fsutil::create_dir_all(dir)?;
    }
    // The staging folder starts empty and each site path is claimed once,
    // so the file is new: created with `create_new`, no `remove_file`
    // first (each costs a lookup under the folder's lock, for every page).
    // Should the path hold something after all, such as a hard link into
    // the previous site (reuse), writing through it would change that
    // site's file: it is removed and the file made anew.
    let out = match create_new(&path, &file.content) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(&path).map_err(|e| FsError::new("cannot replace", &path, e))?;
            create_new(&path, &file.content)
        }
        other => other,
    }
    .map_err(|e| match &file.content {
        Content::CopyOf(from) => FsError::new("cannot copy", from, e),
        Content::Bytes(_) => FsError::new("cannot write", &path, e),
    })?;
    // Bytes in memory are hashed here, on the thread that wrote them, and
    // not read back for the marker (a copy is hashed by the marker).
    if let Content::Bytes(bytes) = &file.content {
        let digest = Digest::Whole(manifest::sha256_hex(bytes));
        written
            .record(&file.path, &out, digest)
            .map_err(|e| FsError::new("cannot read", &path, e))?;
    }
    Ok(())
}

/// Writes `content` into a file made at `path`, which must not exist.
fn create_new(path: &Path, content: &Content) -> std::io::Result<std::fs::File> {
    use std::io::Write;
    let new_file = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    };
    match content {
        Content::Bytes(bytes) => {
            let mut out = new_file()?;
            out.write_all(bytes)?;
            Ok(out)
        }
        Content::CopyOf(from) => {
            // The source first: a missing one leaves no file behind.
            let mut input = std::fs::File::open(from)?;
            let mut out = new_file()?;
            std::io::copy(&mut input, &mut out)?;
            Ok(out)
        }
    }
}

fn swap_in(
    staging: tempfile::TempDir,
    dest: &Path,
    parent: &Path,
    name: &str,
    keep_old: bool,
) -> Result<Swapped, OutputError> {
    if keep_old {
        // Straight to its final name: it never passes through a temp
        // folder that a later build could take for its own leftovers.
        let aside = move_aside(dest)?;
        return match std::fs::rename(staging.path(), dest) {
            Ok(()) => {
                let _ = staging.keep();
                Ok(Swapped {
                    moved_aside: Some(aside),
                })
            }
            Err(e) => {
                let _ = std::fs::rename(&aside, dest);
                Err(FsError::new("cannot move the new site to", dest, e).into())
            }
        };
    }
    if dest.symlink_metadata().is_err() {
        let staged = staging.keep();
        return std::fs::rename(&staged, dest)
            .map(|()| Swapped::default())
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&staged);
                FsError::new("cannot move the new site to", dest, e).into()
            });
    }
    // Move the old site aside under a unique name, put the new one in
    // place, then delete the old one. A failure in between puts it back.
    let old = tempfile::Builder::new()
        .prefix(&temp_prefix(name, "old"))
        .tempdir_in(parent)
        .map_err(|e| FsError::new("cannot create a temp folder in", parent, e))?;
    let old_path = old.path().join("site");
    std::fs::rename(dest, &old_path)
        .map_err(|e| FsError::new("cannot move the old site aside:", dest, e))?;
    if let Err(e) = std::fs::rename(staging.path(), dest) {
        let _ = std::fs::rename(&old_path, dest);
        return Err(FsError::new("cannot move the new site to", dest, e).into());
    }
    // `staging` was renamed away; forget it so its drop does not try again.
    let _ = staging.keep();
    // Checked once more where it now lies, out of anyone's way: a file
    // added in the moment between the check and the move is kept.
    if let Ownership::Foreign(_) = manifest::ownership(&old_path) {
        let aside = keep_aside(&old_path, dest)?;
        drop(old);
        return Ok(Swapped {
            moved_aside: Some(aside),
        });
    }
    drop(old); // removes the old site
    Ok(Swapped::default())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::fs;

    use super::*;
    use crate::output::MARKER_FILE;

    #[test]
    fn a_second_build_into_one_folder_waits_for_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("book");
        let first = DestinationLock::acquire(&dest, || panic!("free")).unwrap();
        let target = dest.clone();
        let (told, heard) = std::sync::mpsc::channel();
        let second = std::thread::spawn(move || {
            DestinationLock::acquire(&target, || told.send(()).unwrap()).unwrap()
        });
        heard
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the second build is told it waits");
        assert!(
            !second.is_finished(),
            "it waits while the first holds the lock"
        );
        drop(first);
        drop(
            second
                .join()
                .expect("it gets the lock once the first is done"),
        );
        // A folder elsewhere has its own lock.
        let _one = DestinationLock::acquire(&dest, || panic!("free")).unwrap();
        let elsewhere = tmp.path().join("sub").join("book");
        DestinationLock::acquire(&elsewhere, || panic!("free")).unwrap();
    }

    fn file(path: &str, text: &str) -> SiteFile {
        SiteFile::text(path, text.to_owned())
    }

    #[test]
    fn replaces_the_old_site_whole_and_leaves_no_temp_folders() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        write_site(
            &dest,
            &[file("index.html", "v1"), file("old/only.html", "x")],
        )
        .unwrap();
        write_site(
            &dest,
            &[file("index.html", "v2"), file("a/b/c.html", "deep")],
        )
        .unwrap();
        assert_eq!(fs::read_to_string(dest.join("index.html")).unwrap(), "v2");
        assert_eq!(fs::read_to_string(dest.join("a/b/c.html")).unwrap(), "deep");
        assert!(
            !dest.join("old").exists(),
            "files of the previous build are gone"
        );
        assert!(dest.join(MARKER_FILE).is_file());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["book"]);
    }

    /// The marker's entry of a file of `site`.
    fn listed(site: &Path, name: &str) -> manifest::Entry {
        match manifest::ownership(site) {
            Ownership::Ours(m) => m.files[name].clone(),
            other => panic!("expected proofbook's site, got {other:?}"),
        }
    }

    #[test]
    fn digests_made_while_writing_check_as_if_the_file_were_read() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        let staging = Staging::new(&dest).unwrap();
        staging.write(&file("a.html", "page a")).unwrap();
        let mut big = staging.create("print.html").unwrap();
        big.append(b"<head>").unwrap();
        big.append_known(b"part one", bytes_key(b"part one"))
            .unwrap();
        big.append(b"<tail>").unwrap();
        big.close().unwrap();
        // Changed after it was written (same size, a later time): hashed
        // as it is now.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        let a = staging.dir.path().join("a.html");
        fs::write(&a, "page b").unwrap();
        let f = fs::File::options().write(true).open(&a).unwrap();
        f.set_modified(later).unwrap();
        staging.finish(false).unwrap();

        let a = listed(&dest, "a.html");
        assert_eq!(a.sha256, manifest::sha256_hex(b"page b"));
        assert!(a.pieces.is_empty());
        let print = listed(&dest, "print.html");
        assert_eq!(print.pieces, [6, 8, 6]);
        assert_eq!(print.size, 20);

        // Touched, same bytes: its pieces are hashed again and match.
        let f = fs::File::options()
            .write(true)
            .open(dest.join("print.html"))
            .unwrap();
        f.set_modified(later).unwrap();
        assert_eq!(listed(&dest, "print.html").sha256, print.sha256);
        // Edited, same size: the piece that changed tells.
        fs::write(dest.join("print.html"), "<head>part two<tail>").unwrap();
        match manifest::ownership(&dest) {
            Ownership::Foreign(why) => assert!(why.contains("print.html was changed"), "{why}"),
            other => panic!("an edited file is noticed, got {other:?}"),
        }
    }

    #[test]
    fn a_failed_write_leaves_the_previous_site_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        write_site(&dest, &[file("index.html", "v1")]).unwrap();
        let missing = SiteFile {
            path: "img.png".into(),
            content: Content::CopyOf(dir.path().join("no-such.png")),
        };
        let err = write_site(&dest, &[file("index.html", "v2"), missing]).unwrap_err();
        assert!(err.to_string().contains("no-such.png"), "{err}");
        assert_eq!(fs::read_to_string(dest.join("index.html")).unwrap(), "v1");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the temp folder is cleaned up"
        );
    }

    #[test]
    fn paths_that_escape_the_site_are_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        for bad in ["../evil.html", "/etc/passwd", "a/../../b", ""] {
            let f = SiteFile {
                path: bad.into(),
                content: Content::Bytes(Cow::Borrowed(b"x")),
            };
            assert!(
                matches!(write_site(&dest, &[f]), Err(OutputError::UnsafePath { .. })),
                "{bad}"
            );
        }
        assert!(!dest.exists());
    }
}
