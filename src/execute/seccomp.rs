//! The system calls an example may not make: a seccomp filter, in the
//! manner of nsjail and bubblewrap, that the program's process installs
//! as the last step before it execs the interpreter (after the launcher's
//! own mounts and namespaces, which need some of these very calls).
//!
//! The policy is a deny-list: the calls refused are those that reach
//! kernel surface an example never needs and attackers often use (nested
//! user namespaces, which hand out capabilities again; eBPF, keyrings,
//! perf events, userfaultfd and io_uring, frequent sources of kernel
//! bugs; tracing or reading other processes; modules, mounts, swap,
//! reboot, clocks and the kernel log). Each one answers EPERM, so a
//! program sees an ordinary "operation not permitted", not a crash.
//! `clone3` answers ENOSYS instead, which makes glibc fall back to
//! `clone`, whose flags (unlike `clone3`'s, behind a pointer) the filter
//! can read. Calls of a foreign ABI are refused too: the i386 ABI kills
//! the process (the filter cannot know those numbers' meaning), x32
//! numbers answer EPERM.
//!
//! Built with **seccompiler** (see ARCHITECTURE.md's decisions); the one
//! thing it cannot express, a range of syscall numbers for x32, is three
//! hand-written instructions in front of its program.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// When a refused call is refused.
#[derive(Debug, Clone, Copy)]
enum When {
    Always,
    /// The first argument has this flag set (`clone`, `unshare`).
    Flag(u64),
    /// The first argument is none of these (`personality`).
    NoneOf(&'static [u64]),
}

/// `personality` values that change nothing an attacker wants: the
/// default, PER_LINUX32, UNAME26 with either, and the query.
const HARMLESS_PERSONALITIES: &[u64] = &[0, 0x0008, 0x0002_0000, 0x0002_0008, 0xffff_ffff];

/// Every refused call: its name (for the documentation and the tests),
/// its number on this architecture, and when it is refused.
fn table() -> Vec<(&'static str, i64, When)> {
    use When::*;
    let newuser = libc::CLONE_NEWUSER as u64;
    let mut calls = vec![
        // Nested user namespaces would give the program every capability
        // again, inside them (mounts, raw sockets, ...).
        ("clone", libc::SYS_clone, Flag(newuser)),
        ("unshare", libc::SYS_unshare, Flag(newuser)),
        ("setns", libc::SYS_setns, Always),
        ("bpf", libc::SYS_bpf, Always),
        ("keyctl", libc::SYS_keyctl, Always),
        ("add_key", libc::SYS_add_key, Always),
        ("request_key", libc::SYS_request_key, Always),
        ("perf_event_open", libc::SYS_perf_event_open, Always),
        ("userfaultfd", libc::SYS_userfaultfd, Always),
        ("io_uring_setup", libc::SYS_io_uring_setup, Always),
        ("io_uring_enter", libc::SYS_io_uring_enter, Always),
        ("io_uring_register", libc::SYS_io_uring_register, Always),
        ("ptrace", libc::SYS_ptrace, Always),
        ("process_vm_readv", libc::SYS_process_vm_readv, Always),
        ("process_vm_writev", libc::SYS_process_vm_writev, Always),
        ("kcmp", libc::SYS_kcmp, Always),
        ("pidfd_getfd", libc::SYS_pidfd_getfd, Always),
        ("init_module", libc::SYS_init_module, Always),
        ("finit_module", libc::SYS_finit_module, Always),
        ("delete_module", libc::SYS_delete_module, Always),
        ("kexec_load", libc::SYS_kexec_load, Always),
        ("kexec_file_load", libc::SYS_kexec_file_load, Always),
        ("mount", libc::SYS_mount, Always),
        ("umount2", libc::SYS_umount2, Always),
        ("pivot_root", libc::SYS_pivot_root, Always),
        ("move_mount", libc::SYS_move_mount, Always),
        ("open_tree", libc::SYS_open_tree, Always),
        ("fsopen", libc::SYS_fsopen, Always),
        ("fsmount", libc::SYS_fsmount, Always),
        ("fsconfig", libc::SYS_fsconfig, Always),
        ("fspick", libc::SYS_fspick, Always),
        ("mount_setattr", libc::SYS_mount_setattr, Always),
        ("swapon", libc::SYS_swapon, Always),
        ("swapoff", libc::SYS_swapoff, Always),
        ("reboot", libc::SYS_reboot, Always),
        ("acct", libc::SYS_acct, Always),
        ("settimeofday", libc::SYS_settimeofday, Always),
        ("clock_settime", libc::SYS_clock_settime, Always),
        ("clock_adjtime", libc::SYS_clock_adjtime, Always),
        ("adjtimex", libc::SYS_adjtimex, Always),
        ("syslog", libc::SYS_syslog, Always),
        ("open_by_handle_at", libc::SYS_open_by_handle_at, Always),
        ("name_to_handle_at", libc::SYS_name_to_handle_at, Always),
        ("lookup_dcookie", libc::SYS_lookup_dcookie, Always),
        ("quotactl", libc::SYS_quotactl, Always),
        ("quotactl_fd", libc::SYS_quotactl_fd, Always),
        ("vhangup", libc::SYS_vhangup, Always),
        (
            "personality",
            libc::SYS_personality,
            NoneOf(HARMLESS_PERSONALITIES),
        ),
    ];
    // Calls only this architecture has.
    #[cfg(target_arch = "x86_64")]
    calls.extend([
        ("iopl", libc::SYS_iopl, Always),
        ("ioperm", libc::SYS_ioperm, Always),
        ("uselib", libc::SYS_uselib, Always),
        ("ustat", libc::SYS_ustat, Always),
        ("sysfs", libc::SYS_sysfs, Always),
    ]);
    calls
}

/// The names of the calls refused with EPERM, in the table's order.
pub fn refused_calls() -> Vec<&'static str> {
    table().into_iter().map(|(name, _, _)| name).collect()
}

/// How many calls the filter refuses (`clone3` among them).
pub fn refused_count() -> usize {
    table().len() + 1
}

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;
#[cfg(target_arch = "riscv64")]
const ARCH: TargetArch = TargetArch::riscv64;

/// The compiled filters, installed together.
#[derive(Debug, Clone)]
pub struct Filters {
    /// The refused calls (EPERM) and foreign ABIs.
    refuse: BpfProgram,
    /// `clone3` (ENOSYS). A second filter because a seccompiler filter has
    /// one action for every match; the kernel runs both and keeps the
    /// strictest answer, and each lets through what the other refuses.
    clone3: BpfProgram,
}

/// Compiles the policy. Fails only on a bug in the table (a rule that
/// seccompiler finds invalid), never on the machine.
pub fn compile() -> Result<Filters, String> {
    let compiled = |e: seccompiler::BackendError| format!("the seccomp policy is invalid: {e}");
    let arg0 =
        |op, value| SeccompCondition::new(0, SeccompCmpArgLen::Qword, op, value).map_err(compiled);
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for (_, nr, when) in table() {
        let conditions = match when {
            When::Always => Vec::new(),
            When::Flag(flag) => vec![arg0(SeccompCmpOp::MaskedEq(flag), flag)?],
            When::NoneOf(values) => values
                .iter()
                .map(|v| {
                    SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, *v)
                        .map_err(compiled)
                })
                .collect::<Result<_, _>>()?,
        };
        let chain = rules.entry(nr).or_default();
        if !conditions.is_empty() {
            chain.push(SeccompRule::new(conditions).map_err(compiled)?);
        }
    }
    let program = |rules, errno: i32| -> Result<BpfProgram, String> {
        let filter = SeccompFilter::new(
            rules,
            SeccompAction::Allow,
            SeccompAction::Errno(errno as u32),
            ARCH,
        )
        .map_err(compiled)?;
        BpfProgram::try_from(filter).map_err(compiled)
    };
    let mut refuse = foreign_abi_prefix();
    refuse.extend(program(rules, libc::EPERM)?);
    let clone3 = program(
        BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
        libc::ENOSYS,
    )?;
    Ok(Filters { refuse, clone3 })
}

/// On x86_64 the x32 ABI shares the architecture's audit value, with
/// syscall numbers from `__X32_SYSCALL_BIT` up: refuse all of them before
/// seccompiler's program (which checks the architecture, killing on i386,
/// then the numbers). Its jumps are relative, so a prefix leaves them be.
fn foreign_abi_prefix() -> BpfProgram {
    #[cfg(target_arch = "x86_64")]
    {
        use seccompiler::sock_filter;
        const X32_SYSCALL_BIT: u32 = 0x4000_0000;
        const BPF_LD_W_ABS: u16 = 0x20;
        const BPF_JGE_K: u16 = 0x35;
        const BPF_RET_K: u16 = 0x06;
        const NR_OFFSET: u32 = 0; // seccomp_data.nr
        vec![
            sock_filter {
                code: BPF_LD_W_ABS,
                jt: 0,
                jf: 0,
                k: NR_OFFSET,
            },
            sock_filter {
                code: BPF_JGE_K,
                jt: 0,
                jf: 1,
                k: X32_SYSCALL_BIT,
            },
            sock_filter {
                code: BPF_RET_K,
                jt: 0,
                jf: 0,
                k: libc::SECCOMP_RET_ERRNO | libc::EPERM as u32,
            },
        ]
    }
    #[cfg(not(target_arch = "x86_64"))]
    Vec::new()
}

/// Installs the filters on the calling thread (and so on everything it
/// execs and forks). Needs no-new-privileges, which the caller has set.
pub fn install(filters: &Filters) -> Result<(), String> {
    for program in [&filters.clone3, &filters.refuse] {
        seccompiler::apply_filter(program).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Whether this kernel can apply the filter: seccomp filter mode with the
/// two actions it uses. The answer names what is missing.
pub fn probe() -> Result<String, String> {
    // SAFETY: PR_GET_SECCOMP takes no pointer; it reads the caller's mode.
    let mode = unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) };
    if mode < 0 {
        return Err(format!(
            "the kernel has no seccomp ({}); it needs CONFIG_SECCOMP_FILTER",
            std::io::Error::last_os_error()
        ));
    }
    for (action, name) in [
        (libc::SECCOMP_RET_ERRNO, "ERRNO"),
        (libc::SECCOMP_RET_KILL_PROCESS, "KILL_PROCESS"),
    ] {
        // SAFETY: the kernel reads one u32 from a live local.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_GET_ACTION_AVAIL,
                0u32,
                &action as *const u32,
            )
        };
        if rc != 0 {
            return Err(format!(
                "the kernel's seccomp lacks the {name} action ({}); it needs Linux 4.14+ with CONFIG_SECCOMP_FILTER",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(format!("filter mode; {} calls refused", refused_count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_compiles_and_names_each_call_once() {
        let filters = compile().expect("the table is valid");
        assert!(filters.refuse.len() > table().len());
        let names = refused_calls();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(refused_count(), names.len() + 1);
    }

    #[test]
    fn this_machine_has_seccomp() {
        // The test machines (and CI) run a kernel with filter mode.
        let found = probe().expect("seccomp is available");
        assert!(found.contains("calls refused"), "{found}");
    }
}
