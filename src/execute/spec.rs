//! What the parent tells the sandbox launcher, and what the launcher tells
//! back: the one boundary between proofbook and the process that becomes
//! the sandbox (see `launcher`).
//!
//! The parent sends a `LaunchSpec` as JSON through the slot's zygote; the
//! launcher answers with one JSON `Report` per line on fd 3 (`STATUS_FD`).
//! Both sides are this crate, built together, so the format has no version.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The descriptor on which the launcher writes its reports.
pub const STATUS_FD: i32 = 3;
/// The launcher's end of the metrics pipe: when the program and all its
/// processes have ended, init copies what they wrote to `METRICS_FILE`
/// into it (see `metrics_channel`).
pub const METRICS_FD: i32 = 4;
/// The environment variable that names `METRICS_FILE` to the program.
pub const METRICS_ENV: &str = "PROOFBOOK_METRICS";
/// Where the program (and any process it starts, however it starts it)
/// appends its figures: a file in its private working folder.
pub const METRICS_FILE: &str = "/sandbox/.proofbook-metrics.jsonl";
/// At most this much of it is read; more is an error.
pub const METRICS_LIMIT: usize = 1 << 20;

/// Where the example's program and working folder are inside the sandbox.
pub const WORK_DIR: &str = "/sandbox";
/// The program's file name inside `WORK_DIR`.
pub const PROGRAM_FILE: &str = "snippet.py";

/// The user and group the example runs as, inside its user namespace.
pub const INNER_ID: u32 = 1000;

/// Everything the launcher needs to set up one sandbox and start one program.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LaunchSpec {
    /// The program's text, written to `/sandbox/snippet.py`.
    pub program: String,
    /// The interpreter to exec (a path that exists inside, under `read_only`).
    pub interpreter: PathBuf,
    /// Arguments after the interpreter.
    pub args: Vec<String>,
    /// The whole environment of the program (nothing else leaks in).
    pub env: Vec<(String, String)>,
    /// Host folders and files mounted read-only at the same path.
    pub read_only: Vec<PathBuf>,
    /// Files created in the sandbox's `/etc` (name, content).
    pub etc_files: Vec<(String, String)>,
    /// Apply Landlock (as a second layer below the mount namespace).
    pub landlock: bool,
    /// Install the seccomp filter (`seccomp`) just before the exec.
    pub seccomp: bool,
    /// The host uid and gid the program runs as (mapped to `INNER_ID`).
    pub host_id: u32,
    pub rlimits: Rlimits,
    /// Size of each private tmpfs (`/sandbox`, `/tmp`, `/dev/shm`), in bytes.
    pub tmpfs_bytes: u64,
    /// Data files (`deps=`): each host file mounted read-only at its path
    /// relative to `WORK_DIR` (a relative path of plain names).
    pub files: Vec<(PathBuf, PathBuf)>,
}

/// Per-process limits set with setrlimit in the sandbox.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Rlimits {
    pub cpu_seconds: u64,
    pub file_size_bytes: u64,
    pub open_files: u64,
}

/// One line the launcher writes on `STATUS_FD`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    /// The host pid of the launcher (outer), first thing.
    Launched { pid: i32 },
    /// The host pid of the sandbox's init: killing it ends every process
    /// of the sandbox at once (the PID namespace dies with it).
    Init { pid: i32 },
    /// Which protections the launcher applied.
    Applied { landlock: LandlockState },
    /// The program replaced its metrics file with `found` (such as "a
    /// FIFO"); init did not read it.
    MetricsTampered { found: String },
    /// Setting up the sandbox failed at `step`; the program did not run.
    SetupFailed { step: String, error: String },
    /// The program ended.
    Finished(Finished),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LandlockState {
    /// Every requested restriction is enforced.
    Full,
    /// The kernel enforces only part of the ruleset (older ABI).
    Partial,
    /// The kernel has no Landlock.
    None,
    /// Not requested (the book opted out).
    Off,
}

/// How the program ended, measured by the sandbox's init.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finished {
    /// Exit status, when it exited.
    pub code: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
    /// From its start to its end, in nanoseconds.
    pub wall_ns: u64,
    /// CPU time of every process of the sandbox, reaped by init.
    pub user_us: u64,
    pub sys_us: u64,
    /// The largest resident set of any one process, in KiB.
    pub max_rss_kib: u64,
    /// Processes still alive when the program ended, killed by init.
    pub leftover: u32,
}
