//! Host-wide tables shared by every example of a build: the PID space and
//! the system's open-file table. A per-example limit is not enough when
//! several examples run at once: with the default `-j` on an 8-core
//! machine, 8 × 4096 tasks is the whole of a 32768-PID space, and a fork
//! bomb in each slot would leave the host unable to start a process.
//!
//! So the per-slot limits are cut until all slots together stay under
//! half of each table:
//! - tasks: slots × `processes` ≤ ½ of `kernel/pid_max`, or of the
//!   smallest `pids.max` above proofbook's own cgroup when that is lower;
//! - open files: an example can hold `processes` × `open_files` (the
//!   rlimit is per process), and slots × that ≤ ½ of `fs/file-max`. The
//!   open-file limit gives way first (down to `MIN_OPEN_FILES`), since
//!   tasks count threads, which share one descriptor table, and an example
//!   with a thousand threads is common while one holding a thousand files
//!   per process is not.
//!
//! An example may ask for limits of its own in its fence (`processes=N
//! open-files=N`, `config::Asks`). `place` keeps the same rule for it:
//! within a slot's share it runs beside the others; above it, it runs
//! alone (no other example runs meanwhile, `slots::SlotPool::take_alone`),
//! checked against the whole half of each table as if it were the only
//! slot; beyond that it does not run, and says which table and what to do.
//!
//! The open-file rule counts every task as a descriptor table of its own,
//! which overstates threads (they share their process's table). It is
//! kept anyway: the kernel offers no count of descriptor tables, only of
//! tasks (`pids.max` counts threads too), so nothing could hold an example
//! to a smaller number of processes than it has tasks, and a rule that
//! trusted it to use threads would let a fork of each thread hold
//! `open_files` descriptors of its own.
//!
//! `plan` and `place` are pure arithmetic; `HostTables::detect` reads the
//! machine.

use std::path::Path;

use crate::config::{Asks, Limits};
use crate::execute::cgroup::CgroupRoot;

/// How far the open-file budget lowers `open_files` before it cuts
/// `processes` instead.
pub const MIN_OPEN_FILES: u64 = 256;
/// Nothing is cut below what book.toml itself accepts.
const FLOOR_PROCESSES: u64 = 2;
const FLOOR_OPEN_FILES: u64 = 16;

/// The sizes of the host's shared tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostTables {
    /// `/proc/sys/kernel/pid_max`.
    pub pid_max: u64,
    /// The lowest `pids.max` of proofbook's cgroup and its ancestors.
    pub parent_pids_max: Option<u64>,
    /// `/proc/sys/fs/file-max`.
    pub file_max: u64,
}

impl HostTables {
    /// Reads the tables; a value that cannot be read counts as the
    /// kernel's smallest default, so the cut errs on the safe side.
    pub fn detect(cgroups: Option<&CgroupRoot>) -> HostTables {
        let number =
            |p: &Path| -> Option<u64> { std::fs::read_to_string(p).ok()?.trim().parse().ok() };
        let pids_dir = cgroups.map(|root| match root {
            CgroupRoot::V1 { pids, .. } => pids.as_path(),
            CgroupRoot::V2 { base } => base.as_path(),
        });
        HostTables {
            pid_max: number(Path::new("/proc/sys/kernel/pid_max")).unwrap_or(32768),
            // Every ancestor that has the file limits the tree; the root
            // cgroup has none, and "max" does not parse.
            parent_pids_max: pids_dir.and_then(|dir| {
                dir.ancestors()
                    .take_while(|d| d.join("pids.max").exists())
                    .filter_map(|d| number(&d.join("pids.max")))
                    .min()
            }),
            file_max: number(Path::new("/proc/sys/fs/file-max")).unwrap_or(8192),
        }
    }

    /// The task table the slots share: the PID space, or the cgroup limit
    /// above proofbook when that is smaller.
    pub fn tasks(&self) -> u64 {
        self.parent_pids_max
            .map_or(self.pid_max, |p| p.min(self.pid_max))
    }
}

/// Which per-slot limit was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Processes,
    OpenFiles,
}

impl Limit {
    /// Its key under `[proofbook.run]`.
    pub fn key(self) -> &'static str {
        match self {
            Limit::Processes => "processes",
            Limit::OpenFiles => "open-files",
        }
    }
}

/// One limit cut to fit the host's tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lowered {
    pub limit: Limit,
    pub from: u64,
    pub to: u64,
    /// Why, in words ("2 slots × 4096 tasks would take more than half ...").
    pub because: String,
}

/// The per-slot limits in force for a number of parallel slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub slots: usize,
    pub processes: u64,
    pub open_files: u64,
    pub host: HostTables,
    pub lowered: Vec<Lowered>,
}

/// Cuts `limits` so that `slots` examples at once stay under half of each
/// of `host`'s tables.
pub fn plan(limits: &Limits, slots: usize, host: HostTables) -> Budget {
    let n = slots.max(1) as u64;
    let mut lowered = Vec::new();
    let mut processes = limits.processes;
    let mut open_files = limits.open_files;

    let tasks = host.tasks() / 2 / n;
    if processes > tasks {
        let to = tasks.max(FLOOR_PROCESSES);
        let table = task_table(&host);
        let because = format!(
            "{n} parallel examples × {processes} tasks would take more than half of {table}"
        );
        lower(&mut lowered, Limit::Processes, processes, to, because);
        processes = to;
    }

    let files = host.file_max / 2 / n;
    if processes.saturating_mul(open_files) > files {
        let why = |p: u64, f: u64| {
            format!(
                "{n} parallel examples × {p} processes × {f} open files would take more than half of the host's open-file table (fs.file-max = {})",
                host.file_max
            )
        };
        // Open files give way first: the task limit counts threads, which
        // share one descriptor table, so `processes × open_files` already
        // overstates what threads can hold, and real programs need threads
        // (the guide starts a thousand) far more than a thousand files each.
        let fewer = (files / processes).max(MIN_OPEN_FILES.min(open_files));
        if fewer < open_files {
            let to = fewer.max(FLOOR_OPEN_FILES);
            lower(
                &mut lowered,
                Limit::OpenFiles,
                open_files,
                to,
                why(processes, open_files),
            );
            open_files = to;
        }
        let to = (files / open_files).max(FLOOR_PROCESSES);
        if to < processes {
            lower(
                &mut lowered,
                Limit::Processes,
                processes,
                to,
                why(processes, open_files),
            );
            processes = to;
        }
        // A tiny table: with processes at their floor, files go below
        // MIN_OPEN_FILES too.
        let to = (files / processes).max(FLOOR_OPEN_FILES);
        if to < open_files {
            lower(
                &mut lowered,
                Limit::OpenFiles,
                open_files,
                to,
                why(processes, open_files),
            );
            open_files = to;
        }
    }
    Budget {
        slots: slots.max(1),
        processes,
        open_files,
        host,
        lowered,
    }
}

/// Where an example with limits of its own runs, and with which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub processes: u64,
    pub open_files: u64,
    /// Above one slot's share: no other example may run meanwhile.
    pub alone: bool,
}

/// How the messages of an example asking too much begin, so the build can
/// tell it from a sandbox that failed and say what to do.
pub const TOO_LARGE: &str =
    "its `processes=` and `open-files=` ask for more than this machine allows";

pub fn is_too_large(message: &str) -> bool {
    message.starts_with(TOO_LARGE)
}

/// Places an example that asks for `asks` (a limit it does not ask for is
/// the share's): beside the others when both rules hold for one of
/// `share.slots` slots, alone when they hold for one slot, otherwise an
/// error naming the host's table and the most it could ask for.
pub fn place(asks: Asks, share: &Budget) -> Result<Placement, String> {
    let processes = asks.processes.unwrap_or(share.processes);
    let open_files = asks.open_files.unwrap_or(share.open_files);
    let fits = |slots: u64| over(processes, open_files, slots, &share.host).is_empty();
    if !asks.any() || fits(share.slots.max(1) as u64) {
        return Ok(Placement {
            processes,
            open_files,
            alone: false,
        });
    }
    if fits(1) {
        return Ok(Placement {
            processes,
            open_files,
            alone: true,
        });
    }
    let host = &share.host;
    Err(format!(
        "{TOO_LARGE}, even with no other example running: {}; alone an example may have at most {} tasks, and tasks × open files at most {}: ask for less, or raise kernel.pid_max or fs.file-max on this machine",
        over(processes, open_files, 1, host).join("; "),
        host.tasks() / 2,
        host.file_max / 2
    ))
}

/// Why `slots` examples each with these limits would break the rule, one
/// reason per table (none: they fit).
fn over(processes: u64, open_files: u64, slots: u64, host: &HostTables) -> Vec<String> {
    let who = if slots == 1 {
        "one example".to_owned()
    } else {
        format!("{slots} parallel examples")
    };
    let mut out = Vec::new();
    if slots.saturating_mul(processes) > host.tasks() / 2 {
        out.push(format!(
            "{who} × {processes} tasks would take more than half of {}",
            task_table(host)
        ));
    }
    let files = slots.saturating_mul(processes).saturating_mul(open_files);
    if files > host.file_max / 2 {
        out.push(format!(
            "{who} × {processes} tasks × {open_files} open files would take more than half of the host's open-file table (fs.file-max = {})",
            host.file_max
        ));
    }
    out
}

/// The task table the slots share, in words.
fn task_table(host: &HostTables) -> String {
    match host.parent_pids_max {
        Some(p) if p < host.pid_max => format!("the pids.max of {p} above proofbook's cgroup"),
        _ => format!("the host's PID space (kernel.pid_max = {})", host.pid_max),
    }
}

/// Records a cut; a limit cut twice (tasks, then files) is one entry,
/// from the value asked for to the last, with both reasons.
fn lower(lowered: &mut Vec<Lowered>, limit: Limit, from: u64, to: u64, because: String) {
    match lowered.iter_mut().find(|l| l.limit == limit) {
        Some(l) => {
            l.to = to;
            l.because = format!("{}; then {because}", l.because);
        }
        None => lowered.push(Lowered {
            limit,
            from,
            to,
            because,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(pid_max: u64, parent: Option<u64>, file_max: u64) -> HostTables {
        HostTables {
            pid_max,
            parent_pids_max: parent,
            file_max,
        }
    }

    fn fits(b: &Budget) {
        let n = b.slots as u64;
        assert!(n * b.processes <= b.host.tasks() / 2, "{b:?}");
        assert!(
            n * b.processes * b.open_files <= b.host.file_max / 2,
            "{b:?}"
        );
    }

    #[test]
    fn eight_slots_of_4096_tasks_are_cut_to_half_the_pid_space() {
        let b = plan(&Limits::default(), 8, host(32768, None, u64::MAX / 4));
        assert_eq!(b.processes, 2048);
        assert_eq!(b.open_files, 1024);
        assert_eq!(b.lowered.len(), 1);
        assert_eq!(b.lowered[0].limit, Limit::Processes);
        assert!(
            b.lowered[0].because.contains("pid_max = 32768"),
            "{:?}",
            b.lowered
        );
        fits(&b);
    }

    #[test]
    fn a_large_host_keeps_the_limits() {
        let b = plan(&Limits::default(), 2, host(4_194_304, None, 1 << 60));
        assert_eq!((b.processes, b.open_files), (4096, 1024));
        assert!(b.lowered.is_empty());
    }

    #[test]
    fn the_cgroup_above_counts_when_it_is_smaller() {
        let b = plan(&Limits::default(), 2, host(4_194_304, Some(1000), 1 << 60));
        assert_eq!(b.processes, 250);
        assert!(b.lowered[0].because.contains("pids.max of 1000"));
        fits(&b);
    }

    #[test]
    fn open_files_give_way_before_processes() {
        // This project's 2-core machine: 2 466 093 files. Open files stop at
        // MIN_OPEN_FILES, then processes give way, still room for the
        // guide's thousand threads.
        let b = plan(&Limits::default(), 2, host(32768, None, 2_466_093));
        assert_eq!(b.open_files, MIN_OPEN_FILES);
        assert_eq!(b.processes, 2_466_093 / 2 / 2 / MIN_OPEN_FILES);
        assert!(b.processes >= 1000, "{b:?}");
        assert_eq!(
            b.lowered.iter().map(|l| l.limit).collect::<Vec<_>>(),
            [Limit::OpenFiles, Limit::Processes]
        );
        fits(&b);
        // A large table: only open files are cut.
        let b = plan(&Limits::default(), 2, host(32768, None, 10_000_000));
        assert_eq!(b.processes, 4096);
        assert_eq!(b.open_files, 10_000_000 / 2 / 2 / 4096);
        fits(&b);
    }

    #[test]
    fn a_limit_cut_twice_is_one_entry_from_what_was_asked() {
        let limits = Limits {
            processes: 1 << 20,
            ..Limits::default()
        };
        let b = plan(&limits, 2, host(32768, None, 2_466_093));
        let cut = b
            .lowered
            .iter()
            .find(|l| l.limit == Limit::Processes)
            .expect("processes cut");
        assert_eq!(
            b.lowered
                .iter()
                .filter(|l| l.limit == Limit::Processes)
                .count(),
            1,
            "{:?}",
            b.lowered
        );
        assert_eq!(
            (cut.from, cut.to),
            (1 << 20, 2_466_093 / 2 / 2 / MIN_OPEN_FILES)
        );
        assert!(cut.because.contains("PID space") && cut.because.contains("open-file table"));
        fits(&b);
    }

    #[test]
    fn few_open_files_are_not_raised_to_the_minimum() {
        let limits = Limits {
            processes: 1 << 16,
            open_files: 64,
            ..Limits::default()
        };
        let b = plan(&limits, 2, host(1 << 22, None, 1_000_000));
        assert_eq!(b.open_files, 64);
        assert_eq!(b.processes, 1_000_000 / 2 / 2 / 64);
        fits(&b);
    }

    #[test]
    fn zero_slots_count_as_one_and_tiny_tables_keep_the_floors() {
        let b = plan(&Limits::default(), 0, host(10, None, 10));
        assert_eq!(b.slots, 1);
        assert_eq!((b.processes, b.open_files), (2, 16));
        let b = plan(&Limits::default(), 3, host(4, None, 4));
        assert_eq!((b.processes, b.open_files), (2, 16));
    }

    fn asks(processes: Option<u64>, open_files: Option<u64>) -> Asks {
        Asks {
            processes,
            open_files,
        }
    }

    /// This machine's tables, and the share the guide's book.toml gets
    /// with two slots.
    fn guide_share() -> Budget {
        let limits = Limits {
            processes: 1100,
            open_files: 540,
            ..Limits::default()
        };
        plan(&limits, 2, host(32768, None, 2_466_239))
    }

    #[test]
    fn an_example_without_asks_gets_the_share_beside_the_others() {
        let share = guide_share();
        let p = place(Asks::default(), &share).unwrap();
        assert_eq!((p.processes, p.open_files, p.alone), (1100, 540, false));
    }

    #[test]
    fn asks_within_the_share_run_beside_the_others() {
        let share = guide_share();
        // Fewer tasks leave room for more files within the same share.
        let p = place(asks(Some(64), Some(4096)), &share).unwrap();
        assert_eq!((p.processes, p.open_files, p.alone), (64, 4096, false));
    }

    #[test]
    fn asks_above_the_share_run_alone_within_the_whole_half() {
        let share = guide_share();
        // 10,000 waiting threads: more tasks than a slot's share of the
        // PID space (8192), within half of it.
        let p = place(asks(Some(10_200), Some(64)), &share).unwrap();
        assert_eq!((p.processes, p.open_files, p.alone), (10_200, 64, true));
        // 1,000 threads each holding a socket: 1050 × 1100 open files is
        // over a slot's share of fs.file-max, within half of it.
        let p = place(asks(Some(1050), Some(1100)), &share).unwrap();
        assert!(p.alone);
        // An unasked limit is the share's: 10,200 × 540 files is too many.
        assert!(place(asks(Some(10_200), None), &share).is_err());
    }

    #[test]
    fn asks_beyond_the_host_are_refused_naming_the_table() {
        let share = guide_share();
        let e = place(asks(Some(20_000), Some(16)), &share).unwrap_err();
        assert!(is_too_large(&e), "{e}");
        assert!(e.contains("kernel.pid_max = 32768"), "{e}");
        assert!(e.contains("at most 16384 tasks"), "{e}");
        assert!(!e.contains("open-file table"), "{e}");
        let e = place(asks(Some(1200), Some(1100)), &share).unwrap_err();
        assert!(e.contains("fs.file-max = 2466239"), "{e}");
        assert!(e.contains("at most 1233119"), "{e}");
        // A cgroup above proofbook is the table when it is smaller.
        let small = plan(&Limits::default(), 1, host(32768, Some(4000), 1 << 40));
        let e = place(asks(Some(3000), None), &small).unwrap_err();
        assert!(e.contains("pids.max of 4000"), "{e}");
    }

    #[test]
    fn whatever_is_placed_keeps_the_rule_for_the_slots_it_shares_with() {
        let share = guide_share();
        for p in [2, 64, 1000, 4000, 8192, 9000, 16_384, 16_385] {
            for f in [16, 256, 540, 1100, 4096, 100_000] {
                let Ok(placed) = place(asks(Some(p), Some(f)), &share) else {
                    continue;
                };
                let n = if placed.alone { 1 } else { share.slots as u64 };
                assert!(n * p <= share.host.tasks() / 2, "{p} {f} {placed:?}");
                assert!(n * p * f <= share.host.file_max / 2, "{p} {f} {placed:?}");
            }
        }
    }
}
