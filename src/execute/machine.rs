//! The machine a build measures on: what a reader needs to compare their
//! figures with ours. Read once per build from /proc, /sys and the Python
//! environment (no process is started).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::execute::python::PythonEnv;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub cpu_model: String,
    /// Logical CPUs the kernel has online.
    pub logical_cores: usize,
    /// CPUs this process may run on (its affinity mask).
    pub usable_cores: usize,
    /// The cgroup CPU quota in cores (`cpu.max` or `cfs_quota_us`), if any.
    pub cpu_quota: Option<f64>,
    pub memory_bytes: Option<u64>,
    pub os: String,
    pub kernel: String,
    pub python_implementation: String,
    pub python_version: String,
    /// asyncio's default loop here, and uvloop's version if installed.
    pub event_loop: String,
    /// The book's named interpreters found here, each with its version and
    /// whether its GIL is disabled (`[proofbook.python.interpreters]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interpreters: Vec<crate::execute::record::RanUnder>,
}

impl Fingerprint {
    pub fn detect(python: &PythonEnv) -> Fingerprint {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).trim().to_owned())
            .unwrap_or_else(|| "unknown CPU".into());
        let logical_cores = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count();
        let memory_bytes = read("/proc/meminfo").lines().find_map(|l| {
            let kib: u64 = l
                .strip_prefix("MemTotal:")?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(kib * 1024)
        });
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_owned())
            .unwrap_or_else(|| "Linux".into());
        let uvloop = python
            .mounts
            .iter()
            .filter_map(|dir| uvloop_version(dir))
            .next();
        Fingerprint {
            cpu_model,
            logical_cores: logical_cores.max(1),
            usable_cores: super::usable_cores(),
            cpu_quota: cpu_quota(),
            memory_bytes,
            os,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            python_implementation: python.implementation.clone(),
            python_version: python.version.clone(),
            event_loop: match uvloop {
                Some(v) => format!("asyncio (selector, epoll); uvloop {v} installed"),
                None => "asyncio (selector, epoll)".into(),
            },
            interpreters: Vec::new(),
        }
    }

    /// One line for pages and cache entries.
    pub fn summary(&self) -> String {
        let quota = self
            .cpu_quota
            .map_or_else(String::new, |q| format!(" (CPU quota {q:.1})"));
        format!(
            "{}, {} usable of {} logical cores{quota}, {}, Linux {}, {} {}",
            self.cpu_model,
            self.usable_cores,
            self.logical_cores,
            self.os,
            self.kernel,
            self.python_implementation,
            self.python_version
        ) + &self.also()
    }

    /// `; also CPython 3.13.5 free-threaded (3.13t)`: the named
    /// interpreters, when the book has some.
    fn also(&self) -> String {
        if self.interpreters.is_empty() {
            return String::new();
        }
        let each: Vec<String> = self
            .interpreters
            .iter()
            .map(|i| format!("{} ({})", i.label(), i.name))
            .collect();
        format!("; also {}", each.join(", "))
    }
}

/// cgroup v2 `cpu.max` or v1 `cpu.cfs_quota_us / cpu.cfs_period_us` of
/// this process's cgroup, in cores; `None` when unlimited or unknown.
fn cpu_quota() -> Option<f64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let path = path.trim_start_matches('/');
        if controllers.is_empty() {
            let max =
                std::fs::read_to_string(Path::new("/sys/fs/cgroup").join(path).join("cpu.max"))
                    .ok()?;
            let mut f = max.split_whitespace();
            let (quota, period) = (f.next()?, f.next()?);
            if quota == "max" {
                return None;
            }
            return Some(quota.parse::<f64>().ok()? / period.parse::<f64>().ok()?);
        }
        if controllers.split(',').any(|c| c == "cpu") {
            let dir = Path::new("/sys/fs/cgroup/cpu").join(path);
            let quota: f64 = std::fs::read_to_string(dir.join("cpu.cfs_quota_us"))
                .ok()?
                .trim()
                .parse()
                .ok()?;
            let period: f64 = std::fs::read_to_string(dir.join("cpu.cfs_period_us"))
                .ok()?
                .trim()
                .parse()
                .ok()?;
            return (quota > 0.0).then(|| quota / period);
        }
    }
    None
}

/// The version in `uvloop-X.Y.Z.dist-info` under a venv's site-packages.
fn uvloop_version(prefix: &Path) -> Option<String> {
    let lib = std::fs::read_dir(prefix.join("lib")).ok()?;
    for python in lib.filter_map(Result::ok) {
        let site = python.path().join("site-packages");
        let Ok(entries) = std::fs::read_dir(&site) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(v) = name
                .strip_prefix("uvloop-")
                .and_then(|r| r.strip_suffix(".dist-info"))
            {
                return Some(v.to_owned());
            }
        }
    }
    None
}

/// A fixed machine for unit tests elsewhere (recorded runs, pages), as
/// `record::test_record` is a fixed run.
#[cfg(test)]
pub(crate) fn test_machine() -> Fingerprint {
    Fingerprint {
        cpu_model: "Recorded CPU".into(),
        logical_cores: 4,
        usable_cores: 4,
        cpu_quota: None,
        memory_bytes: Some(8 << 30),
        os: "Test OS".into(),
        kernel: "6.1".into(),
        python_implementation: "CPython".into(),
        python_version: "3.12.0".into(),
        event_loop: "asyncio".into(),
        interpreters: Vec::new(),
    }
}
