//! Ctrl-C and SIGTERM: an orderly stop that leaves nothing behind.
//!
//! The binary (`src/stop.rs`, for `build`, `check` and `serve`) replaces
//! the default action of SIGINT and SIGTERM, which would end proofbook at
//! once and leave the running sandboxes' cgroups and the half-written
//! staging folder behind. Instead its thread calls `request`; the build
//! sees it (`check`), stops its examples (each running sandbox is killed
//! and waited for) and unwinds, and every temporary thing it made removes
//! itself on the way out. Those things are registered here (`track`)
//! while they exist, so the thread knows when the unwinding is done
//! (`unwinding`): it then ends the process with 128 + the signal (130,
//! 143), like a shell. If the build does not unwind in time (a
//! preprocessor or pip that ignores the signal), or a second signal
//! comes, it calls `remove_registered` (killing what is left in each
//! cgroup first) and exits. A SIGKILL cannot be caught: `output::stale` and
//! `execute::cgroup::remove_stale` clear what it leaves at the next run.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The signal that asked proofbook to stop, or 0.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// What a build made that must go if it is interrupted.
#[derive(Debug, Clone)]
pub enum Temporary {
    /// A folder of files proofbook wrote (a staging folder).
    Folder(PathBuf),
    /// A cgroup folder: its processes are killed before it is removed.
    /// `remove` does both; its owner (`execute::cgroup`) passes it in, so
    /// this module, which `execute` uses, does not use `execute` back.
    Cgroup {
        dir: PathBuf,
        remove: fn(&Path) -> Result<(), String>,
    },
}

static REGISTRY: Mutex<Vec<(u64, Temporary)>> = Mutex::new(Vec::new());
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The build was asked to stop.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("interrupted by {}", signal_name(.0))]
pub struct Interrupted(pub i32);

/// Keeps a temporary thing registered while it exists; dropping it
/// forgets it (its owner removed it).
#[derive(Debug)]
pub struct Tracked(u64);

impl Drop for Tracked {
    fn drop(&mut self) {
        lock().retain(|(id, _)| *id != self.0);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<(u64, Temporary)>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Registers `what` until the returned guard drops. Refused once a stop
/// was asked for: nothing new may start while the build unwinds (the
/// check and the registration share the lock the signal thread takes).
pub fn track(what: Temporary) -> Result<Tracked, Interrupted> {
    let mut registry = lock();
    check()?;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    registry.push((id, what));
    Ok(Tracked(id))
}

/// The signal that asked for a stop, if one did.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// `Err` once a stop was asked for: for the points where a build may
/// give up cleanly.
pub fn check() -> Result<(), Interrupted> {
    requested().map_or(Ok(()), |s| Err(Interrupted(s)))
}

/// The exit status for a stop by `signal`, as a shell reports it.
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(1)
}

pub fn signal_name(signal: &i32) -> &'static str {
    match *signal {
        SIGINT => "SIGINT (Ctrl-C)",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// Records that `signal` asked for a stop: from now on `check` fails and
/// nothing new can be tracked (the flag is set under the registry's lock).
pub fn request(signal: i32) {
    let _registry = lock();
    SIGNAL.store(signal, Ordering::SeqCst);
}

/// Whether temporary things are still registered (the build is still
/// unwinding).
pub fn unwinding() -> bool {
    !lock().is_empty()
}

/// Removes what the build did not get to remove: cgroups first (their
/// processes killed), then folders; one line per thing that could not be.
pub fn remove_registered() -> Vec<String> {
    let left: Vec<Temporary> = lock().iter().map(|(_, t)| t.clone()).collect();
    let mut problems = Vec::new();
    for t in &left {
        if let Temporary::Cgroup { dir, remove } = t
            && let Err(e) = remove(dir)
        {
            problems.push(format!("cannot remove the cgroup {}: {e}", dir.display()));
        }
    }
    for t in &left {
        if let Temporary::Folder(dir) = t
            && let Err(e) = remove_folder(dir)
        {
            problems.push(format!("cannot remove {}: {e}", dir.display()));
        }
    }
    problems
}

/// Whether the process `pid` exists: leftovers named after a pid are
/// removed only once it is gone (a live one, even if the number was
/// reused by another program, keeps them: better one stale folder than a
/// running build's).
pub fn process_alive(pid: i32) -> bool {
    if pid <= 0 {
        return true;
    }
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH)
    )
}

fn remove_folder(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tracked_thing_is_forgotten_when_its_guard_drops() {
        let dir = PathBuf::from("/nonexistent/proofbook-test-tracked");
        let guard = track(Temporary::Folder(dir.clone())).unwrap();
        assert!(
            lock()
                .iter()
                .any(|(_, t)| matches!(t, Temporary::Folder(d) if *d == dir))
        );
        drop(guard);
        assert!(
            !lock()
                .iter()
                .any(|(_, t)| matches!(t, Temporary::Folder(d) if *d == dir))
        );
    }

    #[test]
    fn exit_codes_are_the_shells() {
        assert_eq!(exit_code(SIGINT), 130);
        assert_eq!(exit_code(SIGTERM), 143);
    }
}
