//! One cgroup per job slot: the memory and process limits of the sandbox,
//! and the accounting of everything a run started (CPU time and peak memory
//! of the whole tree, which `wait4` on one process cannot give).
//!
//! Runs of one slot follow each other, so a run's figures are the counters'
//! growth over the run (`begin` / `finish`), with the peak-memory counter
//! reset at the start. Both cgroup versions are supported: v1 (a hierarchy
//! per controller, as on this project's machines) and v2 (one unified tree,
//! where the controllers must be delegated to proofbook's own cgroup).
//! Slot cgroups are made under the cgroup proofbook itself is in, and
//! removed when the slot goes.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where run cgroups can be made on this machine.
#[derive(Debug, Clone)]
pub enum CgroupRoot {
    V1 {
        memory: PathBuf,
        pids: PathBuf,
        cpuacct: Option<PathBuf>,
    },
    V2 {
        base: PathBuf,
    },
}

/// Limits applied to the whole sandbox.
#[derive(Debug, Clone, Copy)]
pub struct CgroupLimits {
    pub memory_bytes: u64,
    pub processes: u64,
}

/// What the cgroup counted for one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupStats {
    pub user_ns: Option<u64>,
    pub sys_ns: Option<u64>,
    pub peak_bytes: Option<u64>,
    /// The kernel killed a process for using more than the memory limit.
    pub memory_limit_hit: bool,
    /// A fork failed because of the process limit.
    pub processes_limit_hit: bool,
}

impl CgroupRoot {
    /// Finds proofbook's own cgroups and checks that a run cgroup with the
    /// memory and pids controllers can be made under them. The error says
    /// what is missing.
    pub fn detect() -> Result<CgroupRoot, String> {
        let mine = fs::read_to_string("/proc/self/cgroup")
            .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
        let mounts = fs::read_to_string("/proc/self/mountinfo")
            .map_err(|e| format!("cannot read /proc/self/mountinfo: {e}"))?;
        let root = CgroupRoot::locate(&mine, &mounts)
            .ok_or("no memory and pids cgroup controllers are mounted")?;
        root.probe()?;
        Ok(root)
    }

    /// Where proofbook's own cgroups are, from `/proc/self/cgroup` and
    /// `/proc/self/mountinfo`: v1 when both the memory and pids
    /// controllers have a v1 hierarchy, else the v2 tree.
    fn locate(own: &str, mountinfo: &str) -> Option<CgroupRoot> {
        let mounts: Vec<Mount<'_>> = mountinfo.lines().filter_map(Mount::parse).collect();
        let v1 = |controller: &str| -> Option<PathBuf> {
            let mount = mounts
                .iter()
                .find(|m| m.fstype == "cgroup" && m.options.split(',').any(|o| o == controller))?;
            let path = own.lines().find_map(|l| {
                let mut parts = l.splitn(3, ':');
                let (_, names, path) = (parts.next()?, parts.next()?, parts.next()?);
                names.split(',').any(|n| n == controller).then_some(path)
            })?;
            Some(mount.join(path))
        };
        if let (Some(memory), Some(pids)) = (v1("memory"), v1("pids")) {
            return Some(CgroupRoot::V1 {
                memory,
                pids,
                cpuacct: v1("cpuacct"),
            });
        }
        let unified = mounts.iter().find(|m| m.fstype == "cgroup2")?;
        let path = own.lines().find_map(|l| l.strip_prefix("0::"))?;
        Some(CgroupRoot::V2 {
            base: unified.join(path),
        })
    }

    /// Makes and removes one run cgroup, to find out before the first run.
    fn probe(&self) -> Result<(), String> {
        let group = SlotCgroup::create(
            self,
            CgroupLimits {
                memory_bytes: 64 << 20,
                processes: 16,
            },
        )?;
        drop(group);
        Ok(())
    }

    /// Whether socket buffers count towards the memory limit here, and
    /// how. On v2 the kernel charges them to `memory.current` (shown as
    /// `sock` in `memory.stat`) unless booted with
    /// `cgroup.memory=nosocket`. On v1 they are counted and limited only
    /// once a group's `memory.kmem.tcp.limit_in_bytes` is set (UDP too,
    /// in the same counter), which `SlotCgroup::create` does.
    pub fn socket_memory(&self) -> Result<String, String> {
        match self {
            CgroupRoot::V1 { memory, .. } => {
                if memory.join(TCP_LIMIT).exists() {
                    Ok(format!(
                        "cgroup v1: TCP and UDP buffers limited to 1/{SOCKET_SHARE} of the memory limit ({TCP_LIMIT}) and added to the peak"
                    ))
                } else {
                    Err(format!(
                        "this kernel's cgroup v1 has no {TCP_LIMIT}, so socket buffers are neither limited nor counted; it needs CONFIG_MEMCG_KMEM"
                    ))
                }
            }
            CgroupRoot::V2 { base } => {
                let cmdline = fs::read_to_string("/proc/cmdline").unwrap_or_default();
                if cmdline
                    .split_whitespace()
                    .any(|o| o.starts_with("cgroup.memory=") && o.contains("nosocket"))
                {
                    return Err(
                        "the kernel was booted with cgroup.memory=nosocket, so socket buffers escape the memory limit".into(),
                    );
                }
                let stat = fs::read_to_string(base.join("memory.stat")).unwrap_or_default();
                if stat.lines().any(|l| l.starts_with("sock ")) {
                    Ok("cgroup v2: socket buffers are charged to memory.max and counted in the peak (memory.stat `sock`)".into())
                } else {
                    Err(format!(
                        "{} has no `sock` line, so socket buffers are not known to be charged",
                        base.join("memory.stat").display()
                    ))
                }
            }
        }
    }

    /// The controllers the slot cgroups use here.
    pub fn controllers(&self) -> Vec<&'static str> {
        match self {
            CgroupRoot::V1 { cpuacct, .. } => {
                let mut out = vec!["memory", "pids"];
                if cpuacct.is_some() {
                    out.push("cpuacct");
                }
                out
            }
            CgroupRoot::V2 { .. } => vec!["memory", "pids", "cpu (accounting)"],
        }
    }

    pub fn describe(&self) -> String {
        match self {
            CgroupRoot::V1 { memory, .. } => format!("cgroup v1, under {}", memory.display()),
            CgroupRoot::V2 { base } => format!("cgroup v2, under {}", base.display()),
        }
    }
}

/// One line of `/proc/self/mountinfo`, the fields a cgroup lookup needs.
struct Mount<'a> {
    /// The folder of the filesystem this mount shows (`/` unless it is a
    /// bind mount of a part, as some containers mount their cgroup).
    root: &'a str,
    point: &'a str,
    fstype: &'a str,
    options: &'a str,
}

impl<'a> Mount<'a> {
    fn parse(line: &'a str) -> Option<Mount<'a>> {
        let (pre, post) = line.split_once(" - ")?;
        let mut pre = pre.split_whitespace();
        let root = pre.nth(3)?;
        let point = pre.next()?;
        let mut post = post.split_whitespace();
        let fstype = post.next()?;
        let options = post.nth(1)?;
        Some(Mount {
            root,
            point,
            fstype,
            options,
        })
    }

    /// The folder of cgroup `path` (as `/proc/self/cgroup` writes it) under
    /// this mount: a mount that shows only part of the tree shows `path`
    /// without that part's prefix.
    fn join(&self, path: &str) -> PathBuf {
        let inside = match path.strip_prefix(self.root) {
            Some(rest) if self.root != "/" && (rest.is_empty() || rest.starts_with('/')) => rest,
            _ => path,
        };
        Path::new(self.point).join(inside.trim_start_matches('/'))
    }
}

/// A cgroup made for one job slot; removed when dropped.
#[derive(Debug)]
pub struct SlotCgroup {
    v2: bool,
    dirs: Vec<PathBuf>,
    cpu: Option<PathBuf>,
    /// Each dir, registered so an interrupted build removes it (see
    /// `crate::interrupt`); in the order of `dirs`.
    tracked: Vec<Option<crate::interrupt::Tracked>>,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// cgroup v1's limit of socket buffers, beside (not within) the memory
/// limit.
const TCP_LIMIT: &str = "memory.kmem.tcp.limit_in_bytes";
/// On v1, socket buffers may take this fraction of the memory limit on top
/// of it: the tree stays within 1.25 times the limit, and more than a
/// quarter of a limit in flight on loopback is no example's need.
const SOCKET_SHARE: u64 = 4;

/// The counters at the start of a run.
#[derive(Debug)]
pub struct Baseline {
    counters: CgroupStats,
    usage_bytes: Option<u64>,
    oom_kills: u64,
    max_events: u64,
    /// v1's socket buffers in use at the start.
    socket_bytes: Option<u64>,
    /// cgroup v2 keeps a peak per open `memory.peak` that was written to.
    peak_file: Option<fs::File>,
}

impl SlotCgroup {
    pub fn create(root: &CgroupRoot, limits: CgroupLimits) -> Result<SlotCgroup, String> {
        let name = format!(
            "proofbook-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut group = SlotCgroup {
            v2: matches!(root, CgroupRoot::V2 { .. }),
            dirs: Vec::new(),
            cpu: None,
            tracked: Vec::new(),
        };
        let mut make = |parent: &Path| -> Result<PathBuf, String> {
            let dir = parent.join(&name);
            // Registered before it exists, so no moment has it unknown to
            // the interrupt handler; refused once a stop was asked for.
            let tracked = crate::interrupt::track(crate::interrupt::Temporary::Cgroup {
                dir: dir.clone(),
                remove: kill_and_remove,
            })
            .map_err(|e| e.to_string())?;
            fs::create_dir(&dir)
                .map_err(|e| format!("cannot create the cgroup {}: {e}", dir.display()))?;
            group.dirs.push(dir.clone());
            group.tracked.push(Some(tracked));
            Ok(dir)
        };
        match root {
            CgroupRoot::V1 {
                memory,
                pids,
                cpuacct,
            } => {
                let mem = make(memory)?;
                let pid = make(pids)?;
                let cpu = cpuacct.as_deref().map(&mut make).transpose()?;
                group.cpu = cpu;
                set(&mem, "memory.limit_in_bytes", limits.memory_bytes)?;
                // With swap accounting, swap counts towards the limit too,
                // so a memory bomb cannot hide in swap.
                if mem.join("memory.memsw.limit_in_bytes").exists() {
                    set(&mem, "memory.memsw.limit_in_bytes", limits.memory_bytes)?;
                }
                set(&pid, "pids.max", limits.processes)?;
                // Setting it is what turns socket accounting on for the
                // group; without it a GiB of loopback buffers goes unseen.
                if mem.join(TCP_LIMIT).exists() {
                    set(&mem, TCP_LIMIT, limits.memory_bytes / SOCKET_SHARE)?;
                }
            }
            CgroupRoot::V2 { base } => {
                let dir = make(base)?;
                group.cpu = Some(dir.clone());
                for file in ["memory.max", "pids.max"] {
                    if !dir.join(file).exists() {
                        return Err(format!(
                            "the cgroup v2 controller for {file} is not delegated to {}",
                            base.display()
                        ));
                    }
                }
                set(&dir, "memory.max", limits.memory_bytes)?;
                if dir.join("memory.swap.max").exists() {
                    set(&dir, "memory.swap.max", 0)?;
                }
                set(&dir, "pids.max", limits.processes)?;
            }
        }
        Ok(group)
    }

    /// Sets the task limit (`pids.max`) for the runs that follow: an
    /// example's own `processes=`.
    pub fn set_processes(&self, processes: u64) -> Result<(), String> {
        // v1: memory, pids, cpuacct; v2: the one folder.
        let dir = if self.v2 {
            &self.dirs[0]
        } else {
            &self.dirs[1]
        };
        set(dir, "pids.max", processes)
    }

    /// The folders a process writes its pid into to join.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Resets the peak and reads the counters, before a run.
    pub fn begin(&self) -> Baseline {
        let mut peak_file = None;
        if self.v2 {
            // Writing to memory.peak resets the peak seen through that same
            // descriptor (Linux 6.12+); older kernels refuse the write.
            peak_file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(self.dirs[0].join("memory.peak"))
                .and_then(|mut f| {
                    std::io::Write::write_all(&mut f, b"reset")?;
                    Ok(f)
                })
                .ok();
        } else {
            let _ = fs::write(self.dirs[0].join("memory.max_usage_in_bytes"), "0");
            let _ = fs::write(self.dirs[0].join("memory.kmem.tcp.max_usage_in_bytes"), "0");
        }
        let raw = self.read();
        Baseline {
            counters: raw.stats,
            usage_bytes: raw.usage_bytes,
            oom_kills: raw.oom_kills,
            max_events: raw.max_events,
            socket_bytes: raw.socket_bytes,
            peak_file,
        }
    }

    /// What the run since `base` used. The peak is the growth of memory in
    /// use over the slot's level at the start (the zygote and file pages
    /// cached by earlier runs are not the run's).
    pub fn finish(&self, base: Baseline) -> CgroupStats {
        let now = self.read();
        let delta = |a: Option<u64>, b: Option<u64>| Some(a?.saturating_sub(b?));
        let peak = match base.peak_file {
            Some(mut f) => {
                let mut text = String::new();
                std::io::Seek::rewind(&mut f)
                    .and_then(|_| std::io::Read::read_to_string(&mut f, &mut text))
                    .ok()
                    .and_then(|_| text.trim().parse::<u64>().ok())
            }
            None if self.v2 => None,
            None => now.stats.peak_bytes,
        };
        // v1 counts socket buffers apart: the peak adds their own peak
        // (an upper bound of the two at once). v2's peak has them already.
        let socket_peak = delta(now.socket_peak_bytes, base.socket_bytes).unwrap_or(0);
        CgroupStats {
            user_ns: delta(now.stats.user_ns, base.counters.user_ns),
            sys_ns: delta(now.stats.sys_ns, base.counters.sys_ns),
            peak_bytes: delta(peak, base.usage_bytes).map(|p| p + socket_peak),
            memory_limit_hit: now.oom_kills > base.oom_kills,
            processes_limit_hit: now.max_events > base.max_events,
        }
    }

    fn read(&self) -> Counters {
        let read = |dir: &Path, file: &str| fs::read_to_string(dir.join(file)).ok();
        let number = |dir: &Path, file: &str| read(dir, file)?.trim().parse::<u64>().ok();
        let field = |text: Option<String>, key: &str| -> Option<u64> {
            text?.lines().find_map(|l| {
                let (k, v) = l.split_once(' ')?;
                (k == key).then(|| v.trim().parse().ok())?
            })
        };
        let mut c = Counters::default();
        if self.v2 {
            let dir = &self.dirs[0];
            let cpu = read(dir, "cpu.stat");
            c.stats.user_ns = field(cpu.clone(), "user_usec").map(|u| u * 1000);
            c.stats.sys_ns = field(cpu, "system_usec").map(|u| u * 1000);
            c.usage_bytes = number(dir, "memory.current");
            c.oom_kills = field(read(dir, "memory.events"), "oom_kill").unwrap_or(0);
            c.max_events = field(read(dir, "pids.events"), "max").unwrap_or(0);
        } else {
            let (mem, pids) = (&self.dirs[0], &self.dirs[1]);
            if let Some(cpu) = &self.cpu {
                c.stats.user_ns = number(cpu, "cpuacct.usage_user");
                c.stats.sys_ns = number(cpu, "cpuacct.usage_sys");
            }
            c.stats.peak_bytes = number(mem, "memory.max_usage_in_bytes");
            c.usage_bytes = number(mem, "memory.usage_in_bytes");
            c.oom_kills = field(read(mem, "memory.oom_control"), "oom_kill").unwrap_or(0);
            c.max_events = field(read(pids, "pids.events"), "max").unwrap_or(0);
            c.socket_bytes = number(mem, "memory.kmem.tcp.usage_in_bytes");
            c.socket_peak_bytes = number(mem, "memory.kmem.tcp.max_usage_in_bytes");
        }
        c
    }
}

#[derive(Debug, Default)]
struct Counters {
    stats: CgroupStats,
    usage_bytes: Option<u64>,
    oom_kills: u64,
    max_events: u64,
    socket_bytes: Option<u64>,
    socket_peak_bytes: Option<u64>,
}

fn set(dir: &Path, file: &str, value: u64) -> Result<(), String> {
    fs::write(dir.join(file), value.to_string())
        .map_err(|e| format!("cannot set {} in {}: {e}", file, dir.display()))
}

impl Drop for SlotCgroup {
    fn drop(&mut self) {
        // The zygote and the sandboxes are gone by now, but the kernel may
        // need a moment to release them from the group.
        for (dir, tracked) in self.dirs.iter().zip(&mut self.tracked) {
            if remove_dir_patiently(dir, 200) {
                tracked.take();
            } else if let Some(t) = tracked.take() {
                // Still busy: it stays registered, so an interrupt handler
                // kills what is in it and removes it before exiting.
                std::mem::forget(t);
            }
        }
    }
}

/// Removes a cgroup folder, waiting up to `attempts` ms for the kernel to
/// release processes that just died; whether it is gone.
fn remove_dir_patiently(dir: &Path, attempts: u32) -> bool {
    for _ in 0..attempts {
        match fs::remove_dir(dir) {
            Ok(()) => return true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    false
}

/// Kills every process in the cgroup `dir` and removes it: for an
/// interrupted build's slots, and for those a killed one left. Only
/// proofbook's own run cgroups are passed here, whose processes are
/// sandboxed examples and their zygote.
pub fn kill_and_remove(dir: &Path) -> Result<(), String> {
    if !dir.exists() {
        return Ok(());
    }
    // cgroup v2 (Linux 5.14+) kills the whole group at once, forks
    // included; elsewhere the listed processes are killed until none is
    // left (the task limit bounds how many a fork bomb can add meanwhile).
    let _ = fs::write(dir.join("cgroup.kill"), "1");
    for _ in 0..2000 {
        let procs = fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
        let pids: Vec<i32> = procs
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    if remove_dir_patiently(dir, 2000) {
        Ok(())
    } else {
        Err("it still holds processes".into())
    }
}

/// The pid in a run cgroup's name (`proofbook-PID-N`), if it is one.
fn owner_of(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("proofbook-")?;
    let (pid, n) = rest.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

impl CgroupRoot {
    /// Where run cgroups are made, without the probe `detect` does (for
    /// `remove_stale` and `proofbook clean`, which make none).
    pub fn find() -> Option<CgroupRoot> {
        let mine = fs::read_to_string("/proc/self/cgroup").ok()?;
        let mounts = fs::read_to_string("/proc/self/mountinfo").ok()?;
        CgroupRoot::locate(&mine, &mounts)
    }

    /// The folders run cgroups are made in (one per v1 controller).
    pub fn bases(&self) -> Vec<&Path> {
        match self {
            CgroupRoot::V1 {
                memory,
                pids,
                cpuacct,
            } => [Some(memory), Some(pids), cpuacct.as_ref()]
                .into_iter()
                .flatten()
                .map(PathBuf::as_path)
                .collect(),
            CgroupRoot::V2 { base } => vec![base.as_path()],
        }
    }

    /// Removes the run cgroups of proofbook processes that are gone (a
    /// build killed with SIGKILL cannot remove its own), with their
    /// processes; one line per cgroup removed or that could not be.
    pub fn remove_stale(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for base in self.bases() {
            let Ok(entries) = fs::read_dir(base) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(owner) = owner_of(&name.to_string_lossy()) else {
                    continue;
                };
                if crate::interrupt::process_alive(owner) || !entry.path().is_dir() {
                    continue;
                }
                let dir = entry.path();
                lines.push(match kill_and_remove(&dir) {
                    Ok(()) => format!(
                        "removed the cgroup {} left by proofbook process {owner}, which is gone",
                        dir.display()
                    ),
                    Err(e) => format!(
                        "cannot remove the cgroup {} left by proofbook process {owner}: {e}",
                        dir.display()
                    ),
                });
            }
        }
        lines
    }
}

#[cfg(test)]
#[path = "cgroup_tests.rs"]
mod tests;
