//! `[proofbook.python]`, `[proofbook.run]` and `[proofbook.sandbox]`: how
//! examples run. `Limits` and `Protection` are the run policy that book.toml
//! states and `execute` enforces; they live here, below both, so the
//! sandbox reads the policy without the config stage reading the sandbox.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::raw;
use super::{CACHE_DIR, ConfigError};
use crate::diag::Span;

/// `[proofbook.python]`, `[proofbook.run]` and `[proofbook.sandbox]`.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Whether Python blocks run unless marked `norun`.
    pub examples: Examples,
    /// The interpreter command (default `python3`).
    pub interpreter: String,
    /// The pip requirements file (absolute), if any.
    pub requirements: Option<PathBuf>,
    /// `source-builds = true`: an example's own packages (PEP 723) may be
    /// built from source; otherwise pip takes wheels only.
    pub source_builds: bool,
    pub limits: Limits,
    /// The `[proofbook.run]` limits the book set itself (keys as written):
    /// a build that must cut one of these to fit the host says so.
    pub limits_set: Vec<&'static str>,
    /// Protections the book lets examples run without.
    pub allow_missing: Vec<Protection>,
    /// The book's cache folder (virtual environments, results).
    pub cache_dir: PathBuf,
    /// `[proofbook.python.interpreters]`, in name order; empty when the book
    /// has no such table (examples run under `interpreter` alone, as always).
    pub interpreters: Vec<super::NamedInterpreter>,
}

/// Whether a book's Python examples run (`[proofbook.run] examples`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Examples {
    /// Written `true`, or a book in proofbook's layout (`content/`), or an
    /// mdBook-layout book with a `[proofbook]` table.
    On,
    /// Written `examples = false`.
    Off,
    /// An mdBook-layout book (source folder `src/`) that says nothing:
    /// its Python blocks were written for reading, so they run only once
    /// its pages show they are examples (`pipeline::wants_examples`).
    Auto,
}

/// Limits of one run; defaults in `Limits::default`, overridden in
/// `[proofbook.run]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub timeout: Duration,
    pub memory_bytes: u64,
    pub processes: u64,
    pub cpu_seconds: u64,
    pub open_files: u64,
    pub file_size_bytes: u64,
    pub output_bytes: u64,
    pub tmpfs_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(60),
            memory_bytes: 2 << 30,
            processes: 4096,
            cpu_seconds: 120,
            open_files: 1024,
            file_size_bytes: 64 << 20,
            output_bytes: 1 << 20,
            tmpfs_bytes: 256 << 20,
        }
    }
}

/// The values `processes` and `open-files` may take, under
/// `[proofbook.run]` and in an example's fence alike.
pub const PROCESSES_RANGE: (u64, u64) = (2, 1 << 20);
pub const OPEN_FILES_RANGE: (u64, u64) = (16, 1 << 20);

/// The task and open-file limits one example asks for in its fence
/// (`processes=N open-files=N`), above or below what the book's share
/// gives it; `None`: what every example gets. `execute::budget::place`
/// decides whether it runs beside others, alone, or not at all.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Asks {
    pub processes: Option<u64>,
    pub open_files: Option<u64>,
}

impl Asks {
    pub fn any(&self) -> bool {
        self.processes.is_some() || self.open_files.is_some()
    }
}

/// A protection layer, as `doctor` and book.toml name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protection {
    /// Memory and process limits, and accounting of the whole tree.
    Cgroups,
    /// Landlock file-system rules below the mount namespace.
    Landlock,
    /// The seccomp filter of refused system calls (`seccomp`).
    Seccomp,
    /// Socket buffers counted and limited with the memory (a part of
    /// cgroups: missing only when cgroups are there without it).
    SocketMemory,
}

impl Protection {
    pub const ALL: [Protection; 4] = [
        Protection::Cgroups,
        Protection::Landlock,
        Protection::Seccomp,
        Protection::SocketMemory,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Protection::Cgroups => "cgroups",
            Protection::Landlock => "landlock",
            Protection::Seccomp => "seccomp",
            Protection::SocketMemory => "socket-memory",
        }
    }

    pub fn from_name(name: &str) -> Option<Protection> {
        Protection::ALL.into_iter().find(|p| p.name() == name)
    }
}

pub(super) fn resolve_run(raw: &raw::RawProofbook, root: &Path, examples: Examples) -> RunConfig {
    let d = Limits::default();
    let r = &raw.run;
    let mib = |v: Option<u64>, default: u64| v.map_or(default, |m| m << 20);
    RunConfig {
        examples,
        interpreter: raw
            .python
            .interpreter
            .clone()
            .unwrap_or_else(|| "python3".into()),
        requirements: raw.python.requirements.as_ref().map(|p| root.join(p)),
        source_builds: raw.python.source_builds,
        limits: Limits {
            timeout: r
                .timeout
                .filter(|t| t.is_finite() && *t > 0.0)
                .map_or(d.timeout, Duration::from_secs_f64),
            memory_bytes: mib(r.memory_mib, d.memory_bytes),
            processes: r.processes.unwrap_or(d.processes),
            cpu_seconds: r.cpu_seconds.unwrap_or(d.cpu_seconds),
            open_files: r.open_files.unwrap_or(d.open_files),
            file_size_bytes: mib(r.file_size_mib, d.file_size_bytes),
            output_bytes: r.output_kib.map_or(d.output_bytes, |k| k << 10),
            tmpfs_bytes: mib(r.tmpfs_mib, d.tmpfs_bytes),
        },
        limits_set: [
            ("processes", r.processes.is_some()),
            ("open-files", r.open_files.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, set)| set.then_some(key))
        .collect(),
        allow_missing: raw
            .sandbox
            .allow_missing
            .iter()
            .map(|p| match p {
                raw::RawProtection::Cgroups => Protection::Cgroups,
                raw::RawProtection::Landlock => Protection::Landlock,
                raw::RawProtection::Seccomp => Protection::Seccomp,
                raw::RawProtection::SocketMemory => Protection::SocketMemory,
            })
            .collect(),
        cache_dir: root.join(CACHE_DIR),
        interpreters: Vec::new(),
    }
}

/// Limits must be numbers an example can live with: zero memory or zero
/// processes would fail every run with a confusing message.
pub(super) fn check_run(
    raw: &raw::RawProofbook,
    span_of: &dyn Fn(&[&str]) -> Span,
) -> Result<(), ConfigError> {
    let r = &raw.run;
    let bad = |key: &str, message: String, help: &str| ConfigError::Invalid {
        message,
        span: span_of(&["proofbook", "run", key]),
        help: Some(help.to_owned()),
    };
    if let Some(t) = r.timeout
        && !(t.is_finite() && t > 0.0 && t <= 3600.0)
    {
        return Err(bad(
            "timeout",
            format!("`timeout = {t}` is out of range"),
            "use a number of seconds above 0 and at most 3600",
        ));
    }
    let ranges: [(&str, Option<u64>, u64, u64); 7] = [
        ("memory-mib", r.memory_mib, 16, 1 << 20),
        (
            "processes",
            r.processes,
            PROCESSES_RANGE.0,
            PROCESSES_RANGE.1,
        ),
        ("cpu-seconds", r.cpu_seconds, 1, 1 << 20),
        (
            "open-files",
            r.open_files,
            OPEN_FILES_RANGE.0,
            OPEN_FILES_RANGE.1,
        ),
        ("file-size-mib", r.file_size_mib, 1, 1 << 20),
        ("output-kib", r.output_kib, 1, 1 << 20),
        ("tmpfs-mib", r.tmpfs_mib, 1, 1 << 20),
    ];
    for (key, value, min, max) in ranges {
        if let Some(v) = value.filter(|v| *v < min || *v > max) {
            return Err(bad(
                key,
                format!("`{key} = {v}` is out of range"),
                &format!("use a whole number from {min} to {max}"),
            ));
        }
    }
    Ok(())
}
