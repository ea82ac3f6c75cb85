//! Running a candidate interpreter once to learn what it is, and keeping
//! the answer by the binary's identity so the next build does not ask again.
//!
//! A candidate is run outside the sandbox, like `python::provision`'s
//! interpreter: it is a program on the user's own machine that the user (or
//! the book's author, through book.toml) pointed at, never an example. It
//! runs in isolated mode (`-I`: no PYTHON* variables, no user site) with a
//! timeout and its output sent to files, so one that hangs, crashes or
//! forks a process that keeps a pipe open cannot hold the build.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

/// Long enough for a cold start on a loaded machine (a first import of
/// sysconfig reads a few files), short enough that a hung shim is noticed.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(20);

/// The file, under the book's cache folder, that keeps verifications.
const CACHE_FILE: &str = "python/interpreters.json";

/// Why a candidate inside the book is not run.
const IN_BOOK: &str =
    "it is inside the book, and proofbook runs no program of the book outside the sandbox";

/// What an interpreter said about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// `3.13.5` (or `3.14.0rc1`): the first word of `sys.version`.
    pub version: String,
    pub major: u32,
    pub minor: u32,
    /// `sys.implementation.name`: `cpython`, `pypy`.
    pub implementation: String,
    /// `sysconfig.get_config_var("Py_GIL_DISABLED") == 1`.
    pub free_threaded: bool,
    /// `sys.executable`, as the interpreter reports it.
    pub executable: PathBuf,
    /// The binary behind it, links resolved: what later steps run, so a
    /// launcher (a pyenv shim) is paid for once, here.
    pub real: PathBuf,
    /// `sys.base_prefix`: its installation, which the sandbox must mount.
    pub base_prefix: PathBuf,
}

impl Verified {
    /// `CPython 3.13.5 free-threaded`, as doctor and pages label it.
    pub fn label(&self) -> String {
        crate::execute::record::RanUnder {
            name: String::new(),
            version: self.version.clone(),
            implementation: self.implementation.clone(),
            free_threaded: self.free_threaded,
        }
        .label()
    }
}

const IDENTIFY: &str = "import json, os, sys, sysconfig
print(json.dumps({'version': sys.version.split()[0], 'major': sys.version_info[0], \
'minor': sys.version_info[1], 'implementation': sys.implementation.name, \
'free_threaded': sysconfig.get_config_var('Py_GIL_DISABLED') == 1, \
'executable': sys.executable, 'real': os.path.realpath(sys.executable), \
'base_prefix': sys.base_prefix}))";

/// Runs `candidate` once and reads its answer; `Err` is why it does not
/// count as an interpreter, in words for the error that lists candidates.
pub fn run_once(candidate: &Path, timeout: Duration) -> Result<Verified, String> {
    let out = tempfile::tempfile().map_err(|e| format!("cannot make a temporary file: {e}"))?;
    let err = tempfile::tempfile().map_err(|e| format!("cannot make a temporary file: {e}"))?;
    let mut child = Command::new(candidate)
        .args(["-I", "-c", IDENTIFY])
        .stdin(Stdio::null())
        .stdout(out.try_clone().map_err(|e| e.to_string())?)
        .stderr(err.try_clone().map_err(|e| e.to_string())?)
        // Its own process group, so a timeout stops whatever it started.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot be started: {e}"))?;
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        Ok(None) | Err(_) => {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = child.wait();
            return Err(format!("did not answer within {} s", timeout.as_secs()));
        }
    };
    let stdout = read_start(out);
    if status.success()
        && let Ok(v) = serde_json::from_str::<Verified>(stdout.trim())
    {
        return Ok(v);
    }
    let said = crate::terminal_text::tail(&format!("{stdout}{}", read_start(err)), 3);
    let said = said.split_whitespace().collect::<Vec<_>>().join(" ");
    Err(if status.success() {
        format!("did not report its version: {said}")
    } else {
        format!("exits with {status}: {said}")
    })
}

/// The first 16 KiB of a finished process's output file: enough for the
/// answer or an error's first lines.
fn read_start(mut file: std::fs::File) -> String {
    use std::io::Seek;
    let mut bytes = Vec::new();
    let _ = file.rewind();
    let _ = file.take(16 << 10).read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A file's identity: its canonical path, size, modification time and
/// inode. A reinstalled or upgraded binary changes at least one of them.
pub fn identity(path: &Path) -> Option<String> {
    let canonical = path.canonicalize().ok()?;
    let m = std::fs::metadata(&canonical).ok()?;
    Some(format!(
        "{}\0{}\0{}.{}\0{}:{}",
        canonical.display(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.dev(),
        m.ino()
    ))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Stored {
    /// Candidate identity → what it said, and the identity of the binary
    /// behind it then.
    entries: BTreeMap<String, (String, Verified)>,
}

/// Verifications of one book, kept in its cache folder. Only answers are
/// kept: a failure (a pyenv shim with no version selected) depends on more
/// than the file, so it is asked again next time.
pub struct VerifyCache {
    file: PathBuf,
    stored: Stored,
    changed: bool,
    timeout: Duration,
}

impl VerifyCache {
    /// The cache of the book whose cache folder is `cache_dir`; an absent
    /// or unreadable file is an empty cache.
    pub fn open(cache_dir: &Path, timeout: Duration) -> VerifyCache {
        let file = cache_dir.join(CACHE_FILE);
        let stored = crate::fsutil::read_to_string(&file)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        VerifyCache {
            file,
            stored,
            changed: false,
            timeout,
        }
    }

    /// What `candidate` is: from the cache when neither it nor the binary
    /// behind it has changed since it was asked, else by running it.
    pub fn verify(&mut self, candidate: &Path) -> Result<Verified, String> {
        let key = identity(candidate);
        if let Some(key) = &key
            && let Some((real_id, v)) = self.stored.entries.get(key)
            && identity(&v.real).as_ref() == Some(real_id)
        {
            return Ok(v.clone());
        }
        let v = run_once(candidate, self.timeout)?;
        if let (Some(key), Some(real_id)) = (key, identity(&v.real)) {
            self.stored.entries.insert(key, (real_id, v.clone()));
            self.changed = true;
        }
        Ok(v)
    }

    /// `verify`, for a book in the folder `book` (links resolved): a
    /// candidate there is not run, and an answer (cached, or a launcher's)
    /// whose binary or installation lies there is not used, as proofbook
    /// would then run the book's program, or its standard library, as the
    /// user when it makes the interpreter's environment.
    pub fn verify_outside(
        &mut self,
        candidate: &Path,
        book: Option<&Path>,
    ) -> Result<Verified, String> {
        let inside =
            |p: &Path| book.is_some_and(|b| p.canonicalize().is_ok_and(|real| real.starts_with(b)));
        if inside(candidate) {
            return Err(IN_BOOK.into());
        }
        let v = self.verify(candidate)?;
        if inside(&v.real) || inside(&v.base_prefix) {
            return Err(format!(
                "it says it runs {} from {}, {IN_BOOK}",
                v.real.display(),
                v.base_prefix.display()
            ));
        }
        Ok(v)
    }

    /// Writes what was learnt, whole (a temp file renamed over the old
    /// one). Failing to is not an error: the next build asks again.
    pub fn save(&mut self) {
        if !self.changed {
            return;
        }
        let Some(dir) = self.file.parent() else {
            return;
        };
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            serde_json::to_writer_pretty(&mut tmp, &self.stored)?;
            tmp.persist(&self.file).map_err(|e| e.error)?;
            Ok(())
        };
        if write().is_ok() {
            self.changed = false;
        }
    }
}
