//! How many cores were free while a run ran, measured rather than assumed:
//! a claim such as "processes beat one process on a CPU loop" says
//! something only when the cores it needs were not taken by other work on
//! the machine, and a claim's `when free-cores >= N` is judged on this.
//!
//! A run's free cores are the CPU time the kernel counted idle on the CPUs
//! this process may use (`/proc/stat`, idle and iowait), plus the CPU time
//! the run itself used (it would have been idle without it), over the
//! run's wall time; at most the number of those CPUs. Time the hypervisor
//! gave to other guests (steal) and other programs' time count as taken,
//! niced programs' included: a niced program yields only to programs of
//! its own scheduling group, and Linux puts each session in a group of its
//! own (`kernel.sched_autogroup_enabled`, on by default on many systems)
//! and each cgroup too, so a `nice -n 19` build started from another
//! terminal took half the cores from an example here (two processes on a
//! CPU loop gained 1.1x instead of 1.5x).
//! Reads `/proc` only; on a system without it there is no figure.

use std::time::Duration;

/// Idle ticks of the usable CPUs at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuSnapshot {
    idle_ticks: u64,
    cpus: usize,
}

/// The idle time so far of the CPUs in this process's affinity mask.
pub fn snapshot() -> Option<CpuSnapshot> {
    let allowed = std::fs::read_to_string("/proc/self/status").ok()?;
    let allowed = allowed
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .and_then(|l| cpu_list(l.trim()))?;
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    idle_of(&stat, &allowed)
}

/// The free cores between two snapshots `elapsed` apart, of which the run
/// itself used `own_cpu` (user + system time of all its processes).
pub fn free_cores(
    before: CpuSnapshot,
    after: CpuSnapshot,
    elapsed: Duration,
    own_cpu: Duration,
) -> Option<f64> {
    let wall = elapsed.as_secs_f64();
    if wall <= 0.0 || before.cpus != after.cpus {
        return None;
    }
    let hz = ticks_per_second();
    let idle = after.idle_ticks.checked_sub(before.idle_ticks)? as f64 / hz;
    let free = (idle + own_cpu.as_secs_f64()) / wall;
    Some(free.clamp(0.0, after.cpus as f64))
}

/// The kernel's clock ticks per second for `/proc/stat` (USER_HZ).
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions; it returns -1 on error.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 { hz as f64 } else { 100.0 }
}

/// `0-1,4,6-7` → the CPU numbers.
fn cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => out.extend(a.parse::<usize>().ok()?..=b.parse::<usize>().ok()?),
            None => out.push(part.parse().ok()?),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Idle plus iowait ticks of the `cpuN` lines of `/proc/stat` named in
/// `allowed`.
fn idle_of(stat: &str, allowed: &[usize]) -> Option<CpuSnapshot> {
    let mut idle_ticks = 0u64;
    let mut cpus = 0;
    for line in stat.lines() {
        let mut words = line.split_whitespace();
        let Some(n) = words.next().and_then(|w| w.strip_prefix("cpu")) else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else {
            continue; // the `cpu` line of all CPUs together
        };
        if !allowed.contains(&n) {
            continue;
        }
        let fields: Vec<u64> = words.filter_map(|w| w.parse().ok()).collect();
        // user nice system idle iowait …
        idle_ticks += fields.get(3)? + fields.get(4).copied().unwrap_or(0);
        cpus += 1;
    }
    (cpus > 0).then_some(CpuSnapshot { idle_ticks, cpus })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  300 0 100 900 10 0 0 0 0 0\n\
                        cpu0 100 7 50 400 5 0 0 0 0 0\n\
                        cpu1 100 0 50 450 5 0 0 0 0 0\n\
                        cpu2 100 0 0 50 0 0 0 0 0 0\n\
                        intr 1 2 3\n";

    #[test]
    fn only_the_usable_cpus_count() {
        assert_eq!(cpu_list("0-1,4"), Some(vec![0, 1, 4]));
        assert_eq!(cpu_list("x"), None);
        let s = idle_of(STAT, &[0, 1]).unwrap();
        assert_eq!(s.idle_ticks, 405 + 455);
        assert_eq!(s.cpus, 2);
        assert_eq!(idle_of(STAT, &[7]), None);
    }

    #[test]
    fn idle_plus_own_time_over_wall() {
        let hz = ticks_per_second();
        let before = CpuSnapshot {
            idle_ticks: 0,
            cpus: 2,
        };
        // One second, half a core idle, the run used one core: 1.5 free.
        let after = CpuSnapshot {
            idle_ticks: (hz * 0.5) as u64,
            ..before
        };
        let wall = Duration::from_secs(1);
        let free = free_cores(before, after, wall, Duration::from_secs(1)).unwrap();
        assert!((free - 1.5).abs() < 0.02, "{free}");
        // Another program took both cores: nothing was free.
        assert_eq!(free_cores(before, before, wall, Duration::ZERO), Some(0.0));
        // Never more than the CPUs there are.
        let busy = free_cores(before, after, wall, Duration::from_secs(5)).unwrap();
        assert_eq!(busy, 2.0);
        assert_eq!(free_cores(after, before, wall, Duration::ZERO), None);
        // A niced program used the other core (the nice column of STAT's
        // cpu0 holds 7 ticks): it is taken, not free, for it may be in a
        // scheduling group of its own that does not yield.
        let a = idle_of(STAT, &[0, 1]).unwrap();
        let b = idle_of(&STAT.replace("cpu0 100 7 ", "cpu0 100 107 "), &[0, 1]).unwrap();
        assert_eq!(a, b);
    }
}
