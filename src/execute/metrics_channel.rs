//! The metrics channel: how the figures a program reports reach proofbook
//! without the sandbox's init, which holds real privileges, ever opening a
//! path the program controls.
//!
//! A program (and any process it starts, however it starts it) appends
//! JSON lines to the file `METRICS_ENV` names. Init creates that file in
//! the program's fresh working folder *before* the program exists, and
//! keeps a descriptor on it. When every process of the sandbox has ended,
//! init reads through that descriptor, at most one byte past the limit,
//! into the metrics pipe. It never opens the path again: a FIFO (which
//! would block the open), a symbolic link to a root-only file or to
//! `/proc/kmsg` (which root could read), or any other file put in its
//! place is only looked at with `lstat`, and reported as tampering.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use crate::execute::readers::Recall;
use crate::execute::record::parse_metrics;
use crate::execute::spec::{METRICS_ENV, METRICS_FILE, METRICS_LIMIT};

/// Init's hold on the metrics file: the descriptor it made it with, and
/// which file that is.
#[derive(Debug)]
pub struct MetricsFile {
    file: File,
    dev: u64,
    ino: u64,
}

/// What the program left where its metrics file was: not the file init
/// made (for the report to the parent, e.g. "a FIFO").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tampered(pub String);

impl MetricsFile {
    /// Creates the file at `path` (which must not exist yet) for the
    /// program to append to, owned by `owner` when init runs as the host's
    /// root and the program as another uid.
    pub fn create(path: &Path, owner: Option<u32>) -> std::io::Result<MetricsFile> {
        // O_EXCL also refuses to follow a link at `path`; the folder is a
        // tmpfs init mounted a moment ago, so nothing can be there anyway.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)?;
        if let Some(id) = owner {
            nix::unistd::fchown(file.as_fd(), Some(id.into()), Some(id.into()))?;
        }
        let meta = file.metadata()?;
        Ok(MetricsFile {
            file,
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    /// Once every process of the sandbox has ended: checks that `path`
    /// is still the file init made (a file the program removed is fine,
    /// its lines are still readable through the descriptor) and copies
    /// what was written into `pipe`, one byte past the limit at most, so
    /// the parent can tell an overflow.
    pub fn hand_over(self, path: &Path, pipe: &mut impl Write) -> Result<(), Tampered> {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if (meta.dev(), meta.ino()) != (self.dev, self.ino) => {
                return Err(Tampered(describe(&meta).into()));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Tampered(format!("something that cannot be examined ({e})"))),
        }
        let mut bytes = Vec::new();
        // A regular file on tmpfs: reading it cannot block, and the cap
        // bounds a sparse file the program made huge.
        let _ = (&self.file)
            .take(METRICS_LIMIT as u64 + 1)
            .read_to_end(&mut bytes);
        let _ = pipe.write_all(&bytes);
        Ok(())
    }
}

/// What kind of file `meta` is, in words.
fn describe(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_dir() {
        "a folder"
    } else if t.is_char_device() || t.is_block_device() {
        "a device node"
    } else {
        "another file"
    }
}

/// The parent's side: everything init sends on the metrics pipe (one
/// byte past the limit at most), until it closes or `recall` fires.
pub(super) fn receive(pipe: std::os::fd::OwnedFd, recall: &Recall) -> Vec<u8> {
    let mut pipe = File::from(pipe);
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = recall.read(&mut pipe, &mut buf) {
        if n == 0 {
            break;
        }
        let room = (METRICS_LIMIT + 1).saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    kept
}

/// The figures a run reported, or why there are none: `tampered` is what
/// init found in place of the metrics file, if it found something else.
pub fn figures(bytes: &[u8], tampered: Option<&str>) -> (BTreeMap<String, f64>, Option<String>) {
    if let Some(found) = tampered {
        return (BTreeMap::new(), Some(tampered_error(found)));
    }
    match parse_metrics(bytes) {
        Ok(m) => (m, None),
        Err(e) => (BTreeMap::new(), Some(e)),
    }
}

/// The error a run gets when its program replaced its metrics file.
pub fn tampered_error(found: &str) -> String {
    format!(
        "the example tampered with its metrics: {METRICS_FILE} was replaced by {found}, so none of its figures were read; append lines to the file {METRICS_ENV} names, and never replace, link or move it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handed(dir: &Path, change: impl FnOnce(&Path)) -> (Result<(), Tampered>, Vec<u8>) {
        let path = dir.join("metrics.jsonl");
        let _ = std::fs::remove_file(&path);
        let held = MetricsFile::create(&path, None).unwrap();
        change(&path);
        let mut out = Vec::new();
        (held.hand_over(&path, &mut out), out)
    }

    #[test]
    fn appended_lines_are_handed_over() {
        let dir = tempfile::tempdir().unwrap();
        let (result, out) = handed(dir.path(), |p| {
            let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
            f.write_all(b"{\"x\": 1}\n").unwrap();
        });
        assert_eq!(result, Ok(()));
        assert_eq!(out, b"{\"x\": 1}\n");
    }

    #[test]
    fn a_file_that_exists_already_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        std::os::unix::fs::symlink("/etc/hostname", &path).unwrap();
        assert!(MetricsFile::create(&path, None).is_err());
    }

    #[test]
    fn a_replacement_is_named_and_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cr3t").unwrap();
        let (result, out) = handed(dir.path(), |p| {
            std::fs::remove_file(p).unwrap();
            std::os::unix::fs::symlink(&secret, p).unwrap();
        });
        assert_eq!(result, Err(Tampered("a symbolic link".into())));
        assert!(out.is_empty());
        let (result, _) = handed(dir.path(), |p| {
            std::fs::remove_file(p).unwrap();
            nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        });
        assert_eq!(result, Err(Tampered("a FIFO".into())));
        let (result, _) = handed(dir.path(), |p| {
            std::fs::write(p.with_extension("new"), "{\"x\": 1}\n").unwrap();
            std::fs::rename(p.with_extension("new"), p).unwrap();
        });
        assert_eq!(result, Err(Tampered("another file".into())));
    }

    #[test]
    fn a_removed_file_still_hands_over_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let (result, out) = handed(dir.path(), |p| {
            std::fs::write(p, "{\"y\": 2}\n").unwrap();
            std::fs::remove_file(p).unwrap();
        });
        assert_eq!(result, Ok(()));
        assert_eq!(out, b"{\"y\": 2}\n");
    }

    #[test]
    fn a_huge_file_is_read_one_byte_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let (result, out) = handed(dir.path(), |p| {
            let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
            f.set_len(1 << 40).unwrap();
        });
        assert_eq!(result, Ok(()));
        assert_eq!(out.len(), METRICS_LIMIT + 1);
    }
}
