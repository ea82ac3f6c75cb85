//! The sandbox launcher: the code that runs in the process a zygote forks
//! for one run (see `zygote`), and becomes the sandbox.
//!
//! It is a single-threaded process (so forking is safe) with an empty
//! environment, already in the slot's cgroups (so everything below is
//! counted and limited), the program's stdout and stderr as its own, and a
//! status pipe on fd 3. Three processes, each with one job:
//!
//! 1. **outer** (on the host): unshares the mount, PID, network, IPC, UTS and
//!    cgroup namespaces (first a user namespace when not run as root);
//!    forks init and reports its host pid, then waits for it.
//! 2. **init** (PID 1 of the new PID namespace): builds the file system view
//!    on tmpfs (read-only binds of the interpreter, the virtual environment,
//!    the system libraries and `examples/`; private `/sandbox` (the working folder), `/tmp`,
//!    `/dev/shm`; a new `/proc`; a handful of device nodes) and pivots into
//!    it; brings loopback up; forks the program; reaps every process until
//!    the program ends, then kills whatever it left behind (daemons, double
//!    forks) and reports the exit status and the CPU time of the whole tree.
//!    When init dies the kernel kills every process of the namespace, which
//!    is how a timeout stops everything at once.
//! 3. **program**: drops to an unprivileged uid in a user namespace of its
//!    own, sets no-new-privileges, applies Landlock and the rlimits, installs
//!    the seccomp filter (`seccomp`), and execs the interpreter with the
//!    spec's environment and nothing else.
//!
//! Every failure before the exec is reported as `Report::SetupFailed` with
//! the step that failed: the sandbox never quietly runs with less.

use std::ffi::CString;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::Instant;

use nix::errno::Errno;
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::{CloneFlags, unshare};
use nix::sys::prctl;
use nix::sys::resource::{Resource, UsageWho, getrusage, setrlimit};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Gid, Pid, Uid, chdir, execve, fork, pivot_root, sethostname};

use crate::execute::metrics_channel::MetricsFile;
use crate::execute::spec::{
    Finished, INNER_ID, LandlockState, LaunchSpec, METRICS_FD, METRICS_FILE, PROGRAM_FILE, Report,
    WORK_DIR,
};

/// A failed step: what was being done, and why it failed.
type Step = (String, String);

fn step<E: std::fmt::Display>(what: impl Into<String>) -> impl FnOnce(E) -> Step {
    let what = what.into();
    move |e| (what, e.to_string())
}

struct Status(File);

impl Status {
    fn send(&mut self, report: &Report) {
        // One write per line, so lines from init and the program never mix.
        let mut line = serde_json::to_string(report).expect("reports serialize");
        line.push('\n');
        let _ = self.0.write_all(line.as_bytes());
    }
}

/// Runs one launch in a process the zygote just forked: `status` is the
/// run's status pipe (on fd 3), stdout and stderr are the run's pipes, and
/// `zygote` is the pid the parent must have (else the zygote died).
/// Returns the process's exit code.
pub fn run(spec: &Result<LaunchSpec, String>, status: File, zygote: i32) -> i32 {
    let mut status = Status(status);
    status.send(&Report::Launched {
        pid: std::process::id() as i32,
    });
    let spec = match spec {
        Ok(s) => s,
        Err(e) => {
            status.send(&failed("read the launch spec", e));
            return 125;
        }
    };
    match outer(spec, &mut status, zygote) {
        Ok(code) => code,
        Err((what, error)) => {
            status.send(&Report::SetupFailed { step: what, error });
            125
        }
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> Report {
    Report::SetupFailed {
        step: what.into(),
        error: e.to_string(),
    }
}

fn outer(spec: &LaunchSpec, status: &mut Status, zygote: i32) -> Result<i32, Step> {
    // The program never reads stdin: it gets /dev/null, not the zygote's
    // control socket.
    let null = File::open("/dev/null").map_err(step("open /dev/null"))?;
    nix::unistd::dup2_stdin(&null).map_err(step("give the program /dev/null as stdin"))?;
    drop(null);
    prctl::set_pdeathsig(Signal::SIGKILL).map_err(step("set the parent-death signal"))?;
    if nix::unistd::getppid().as_raw() != zygote {
        return Err((
            "start".into(),
            "the zygote exited before the sandbox started".into(),
        ));
    }
    let privileged = Uid::effective().is_root();
    if !privileged {
        // Without root, a user namespace first gives us the rights to make
        // the others; we are root only inside it.
        let (uid, gid) = (Uid::effective(), Gid::effective());
        unshare(CloneFlags::CLONE_NEWUSER).map_err(step("create a user namespace"))?;
        map_ids(0, uid.as_raw(), gid.as_raw())?;
    }
    unshare(
        CloneFlags::CLONE_NEWNS
            | CloneFlags::CLONE_NEWPID
            | CloneFlags::CLONE_NEWNET
            | CloneFlags::CLONE_NEWIPC
            | CloneFlags::CLONE_NEWUTS
            | CloneFlags::CLONE_NEWCGROUP,
    )
    .map_err(step(
        "create the mount, PID, network, IPC, UTS and cgroup namespaces",
    ))?;
    // SAFETY: the launcher is single-threaded, so the child may do anything.
    match unsafe { fork() }.map_err(step("fork the sandbox's init"))? {
        ForkResult::Child => {
            let code = init(spec, status, privileged);
            // SAFETY: leave without running the parent's exit handlers twice.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            status.send(&Report::Init {
                pid: child.as_raw(),
            });
            loop {
                match waitpid(child, None) {
                    Ok(WaitStatus::Exited(_, code)) => return Ok(code),
                    Ok(WaitStatus::Signaled(_, sig, _)) => return Ok(128 + sig as i32),
                    Ok(_) | Err(Errno::EINTR) => continue,
                    Err(e) => return Err(step("wait for the sandbox's init")(e)),
                }
            }
        }
    }
}

fn init(spec: &LaunchSpec, status: &mut Status, privileged: bool) -> i32 {
    // If outer dies (proofbook killed it), init dies, and with it the
    // whole PID namespace.
    if let Err(e) = prctl::set_pdeathsig(Signal::SIGKILL) {
        status.send(&failed("set the parent-death signal", e));
        return 125;
    }
    if let Err((what, error)) = build_root(spec, privileged)
        .and_then(|()| sethostname("sandbox").map_err(step("set the host name")))
        .and_then(|()| loopback_up().map_err(step("bring up the loopback interface")))
    {
        status.send(&Report::SetupFailed { step: what, error });
        return 125;
    }
    // Made before the program exists, and read later only through this
    // descriptor (see `metrics_channel`).
    let metrics =
        match MetricsFile::create(Path::new(METRICS_FILE), privileged.then_some(spec.host_id)) {
            Ok(m) => m,
            Err(e) => {
                status.send(&failed("create the metrics file", e));
                return 125;
            }
        };
    let started = Instant::now();
    // SAFETY: init is single-threaded.
    let child = match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            let (what, error) = match start_program(spec, status, privileged) {
                Err(e) => e,
                Ok(never) => match never {},
            };
            status.send(&Report::SetupFailed { step: what, error });
            // SAFETY: see above.
            unsafe { libc::_exit(126) }
        }
        Ok(ForkResult::Parent { child }) => child,
        Err(e) => {
            status.send(&failed("fork the program", e));
            return 125;
        }
    };
    let mut ended: Option<(Option<i32>, Option<i32>)> = None;
    let mut wall_ns = 0;
    let mut leftover = 0;
    loop {
        match waitpid(None::<Pid>, None) {
            Ok(WaitStatus::Exited(pid, code)) if pid == child => {
                ended = Some((Some(code), None));
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) if pid == child => {
                ended = Some((None, Some(sig as i32)));
            }
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(_) => break, // ECHILD: every process is reaped
        }
        // The program ended: what it left running is stopped now, not when
        // the namespace goes, so it cannot write more output.
        wall_ns = started.elapsed().as_nanos() as u64;
        leftover = living_processes();
        let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
    }
    if let Err(tampered) = hand_over_metrics(metrics) {
        status.send(&Report::MetricsTampered { found: tampered.0 });
    }
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).ok();
    let micros = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1_000_000 + t.tv_usec() as u64;
    let (code, signal) = ended.unwrap_or((None, None));
    status.send(&Report::Finished(Finished {
        code,
        signal,
        wall_ns,
        user_us: usage.map_or(0, |u| micros(u.user_time())),
        sys_us: usage.map_or(0, |u| micros(u.system_time())),
        max_rss_kib: usage.map_or(0, |u| u.max_rss() as u64),
        leftover,
    }));
    0
}

/// Copies what the program's processes appended to their metrics file
/// (every one of them has ended) into the metrics pipe, then closes it.
fn hand_over_metrics(
    metrics: MetricsFile,
) -> Result<(), crate::execute::metrics_channel::Tampered> {
    // SAFETY: fd 4 is the metrics pipe the zygote placed there; this
    // process owns it and nothing else refers to it.
    let mut pipe = unsafe { <File as std::os::fd::FromRawFd>::from_raw_fd(METRICS_FD) };
    metrics.hand_over(Path::new(METRICS_FILE), &mut pipe)
}

/// Processes of the namespace other than init that have not exited.
fn living_processes() -> u32 {
    let Ok(entries) = fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != 1)
        .filter(|pid| {
            // The third field of stat is the state; zombies have exited.
            fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
                s.rsplit_once(')')
                    .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
            })
        })
        .count() as u32
}

/// Builds the sandbox's root on tmpfs and pivots into it. The host's root
/// is reachable only while this runs, at `/oldroot`, and is detached after.
fn build_root(spec: &LaunchSpec, privileged: bool) -> Result<(), Step> {
    let none: Option<&str> = None;
    mount(none, "/", none, MsFlags::MS_REC | MsFlags::MS_PRIVATE, none)
        .map_err(step("make the mounts private"))?;
    tmpfs("/tmp", "mode=0755,size=64k")?;
    mkdir("/tmp/oldroot")?;
    mkdir("/tmp/newroot")?;
    tmpfs("/tmp/newroot", "mode=0755,size=1m")?;
    pivot_root("/tmp", "/tmp/oldroot").map_err(step("pivot to the staging root"))?;
    chdir("/").map_err(step("enter the staging root"))?;

    mkdir("/newroot/proc")?;
    mount(
        Some("proc"),
        "/newroot/proc",
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        none,
    )
    .map_err(step("mount /proc"))?;

    make_dev()?;
    let size = spec.tmpfs_bytes;
    mkdir("/newroot/dev/shm")?;
    tmpfs("/newroot/dev/shm", &format!("mode=1777,size={size}"))?;
    mkdir("/newroot/tmp")?;
    tmpfs("/newroot/tmp", &format!("mode=1777,size={size}"))?;
    let work = Path::new("/newroot").join(WORK_DIR.trim_start_matches('/'));
    mkdir(&work)?;
    // The program's own folder belongs to the uid it runs as.
    let owner = if privileged {
        format!(",uid={0},gid={0}", spec.host_id)
    } else {
        String::new()
    };
    tmpfs(&work, &format!("mode=0755,size={size}{owner}"))?;
    write_file(&work.join(PROGRAM_FILE), &spec.program, 0o644)?;

    // Read-only binds last: a host path inside /tmp (a book in a temp
    // folder) then lands on top of the private tmpfs instead of under it.
    let new = |p: &Path| Path::new("/newroot").join(p.strip_prefix("/").unwrap_or(p));
    let old = |p: &Path| Path::new("/oldroot").join(p.strip_prefix("/").unwrap_or(p));
    let mut done: Vec<&Path> = Vec::new();
    let mut paths: Vec<&PathBuf> = spec.read_only.iter().collect();
    paths.sort();
    for path in paths {
        if done.iter().any(|d| path.starts_with(d)) {
            continue;
        }
        bind(&old(path), &new(path), true)?;
        done.push(path);
    }
    for (host, rel) in &spec.files {
        // Checked when the book was read; checked again, as this runs as
        // the sandbox's root and must not create mount points elsewhere.
        if !rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            return Err(step(format!("mount the data file {}", rel.display()))(
                "not a plain relative path",
            ));
        }
        bind(&old(host), &work.join(rel), true)?;
    }

    let etc = Path::new("/newroot/etc");
    mkdirs(etc)?;
    for (name, content) in &spec.etc_files {
        write_file(&etc.join(name), content, 0o644)?;
    }

    umount2("/oldroot", MntFlags::MNT_DETACH).map_err(step("detach the host's root"))?;
    // Pivot again so the new root is `/` and the staging tmpfs is gone.
    chdir("/newroot").map_err(step("enter the new root"))?;
    pivot_root(".", ".").map_err(step("pivot into the new root"))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(step("detach the staging root"))?;
    chdir("/").map_err(step("enter the new root"))?;
    read_only(Path::new("/"))
}

/// The new root's `/dev`: a small tmpfs with the harmless device nodes
/// bound from the host's and the standard links into `/proc/self/fd`.
fn make_dev() -> Result<(), Step> {
    mkdir("/newroot/dev")?;
    tmpfs("/newroot/dev", "mode=0755,size=64k")?;
    for node in ["null", "zero", "full", "random", "urandom"] {
        bind(
            &Path::new("/oldroot/dev").join(node),
            &Path::new("/newroot/dev").join(node),
            false,
        )?;
    }
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        symlink(target, Path::new("/newroot/dev").join(link))
            .map_err(step(format!("link /dev/{link}")))?;
    }
    Ok(())
}

/// Makes the mount at `path` read-only (and without setuid or devices).
fn read_only(path: &Path) -> Result<(), Step> {
    let none: Option<&str> = None;
    mount(
        none,
        path,
        none,
        MsFlags::MS_BIND
            | MsFlags::MS_REMOUNT
            | MsFlags::MS_RDONLY
            | MsFlags::MS_NOSUID
            | MsFlags::MS_NODEV,
        none,
    )
    .map_err(step(format!("make {} read-only", path.display())))
}

/// Mounts `from` at `to` (creating the mount point), read-only when asked.
/// A symbolic link is copied as a link instead, so `/bin → usr/bin` stays
/// one.
fn bind(from: &Path, to: &Path, read_only: bool) -> Result<(), Step> {
    let meta = fs::symlink_metadata(from).map_err(step(format!("look at {}", from.display())))?;
    if let Some(parent) = to.parent() {
        mkdirs(parent)?;
    }
    if meta.file_type().is_symlink() {
        let target = fs::read_link(from).map_err(step(format!("read {}", from.display())))?;
        return symlink(target, to).map_err(step(format!("link {}", to.display())));
    }
    if meta.is_dir() {
        mkdir(to)?;
    } else {
        write_file(to, "", 0o644)?;
    }
    let none: Option<&str> = None;
    let what = || format!("mount {}", to.display());
    mount(Some(from), to, none, MsFlags::MS_BIND, none).map_err(step(what()))?;
    if read_only {
        self::read_only(to)?;
    }
    Ok(())
}

fn tmpfs(at: impl AsRef<Path>, options: &str) -> Result<(), Step> {
    let at = at.as_ref();
    mount(
        Some("tmpfs"),
        at,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(options),
    )
    .map_err(step(format!("mount a tmpfs on {}", at.display())))
}

fn mkdir(path: impl AsRef<Path>) -> Result<(), Step> {
    let path = path.as_ref();
    match fs::create_dir(path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(step(format!("create {}", path.display()))(e))
        }
        _ => Ok(()),
    }
}

fn mkdirs(path: &Path) -> Result<(), Step> {
    fs::create_dir_all(path).map_err(step(format!("create {}", path.display())))
}

fn write_file(path: &Path, content: &str, mode: u32) -> Result<(), Step> {
    fs::write(path, content)
        .and_then(|()| fs::set_permissions(path, fs::Permissions::from_mode(mode)))
        .map_err(step(format!("write {}", path.display())))
}

/// A new network namespace has only `lo`, and it is down: local servers
/// would hang. This is `ip link set lo up` as one ioctl.
fn loopback_up() -> Result<(), Errno> {
    // SAFETY: plain syscalls on a socket we own and a zeroed ifreq.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(Errno::last());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
            *dst = *src as libc::c_char;
        }
        let mut rc = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req);
        if rc == 0 {
            req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            rc = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        let err = Errno::last();
        libc::close(fd);
        if rc == 0 { Ok(()) } else { Err(err) }
    }
}

/// Writes the id maps of a user namespace this process just created:
/// `inside` maps to the given ids outside, and nothing else exists.
fn map_ids(inside: u32, uid: u32, gid: u32) -> Result<(), Step> {
    fs::write("/proc/self/setgroups", "deny").map_err(step("deny setgroups"))?;
    fs::write("/proc/self/uid_map", format!("{inside} {uid} 1")).map_err(step("map the uid"))?;
    fs::write("/proc/self/gid_map", format!("{inside} {gid} 1")).map_err(step("map the gid"))?;
    Ok(())
}

/// In the forked program process: give up every privilege, then exec.
fn start_program(
    spec: &LaunchSpec,
    status: &mut Status,
    privileged: bool,
) -> Result<std::convert::Infallible, Step> {
    let (uid, gid) = if privileged {
        // Become an unprivileged host user first, so even an escape from
        // the user namespace below lands without rights.
        let id = spec.host_id;
        nix::unistd::setgroups(&[]).map_err(step("drop supplementary groups"))?;
        let (g, u) = (Gid::from_raw(id), Uid::from_raw(id));
        nix::unistd::setresgid(g, g, g).map_err(step("change to the sandbox's group"))?;
        nix::unistd::setresuid(u, u, u).map_err(step("change to the sandbox's user"))?;
        // Changing uid clears "dumpable", which makes /proc/self owned by
        // root and the id maps below unwritable.
        prctl::set_dumpable(true).map_err(step("stay dumpable"))?;
        (id, id)
    } else {
        (0, 0) // root of the user namespace outer made, which is the user
    };
    unshare(CloneFlags::CLONE_NEWUSER).map_err(step("create the program's user namespace"))?;
    map_ids(INNER_ID, uid, gid)?;
    prctl::set_no_new_privs().map_err(step("set no-new-privileges"))?;
    let landlock = if spec.landlock {
        restrict_files(spec).map_err(step("apply Landlock"))?
    } else {
        LandlockState::Off
    };
    status.send(&Report::Applied { landlock });
    let limits = &spec.rlimits;
    for (resource, value) in [
        (Resource::RLIMIT_CORE, 0),
        (Resource::RLIMIT_FSIZE, limits.file_size_bytes),
        (Resource::RLIMIT_NOFILE, limits.open_files),
    ] {
        setrlimit(resource, value, value).map_err(step(format!("limit {resource:?}")))?;
    }
    // SIGXCPU at the soft limit, SIGKILL a second later.
    setrlimit(
        Resource::RLIMIT_CPU,
        limits.cpu_seconds,
        limits.cpu_seconds + 1,
    )
    .map_err(step("limit CPU time"))?;
    chdir(WORK_DIR).map_err(step("enter the working folder"))?;
    // SAFETY: marks every descriptor from 3 up close-on-exec (the status
    // pipe among them); no Rust object is invalidated.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc != 0 {
        return Err(step("close inherited descriptors")(Errno::last()));
    }
    let cstr = |s: &str| CString::new(s).map_err(step("pass an argument"));
    let program = cstr(&spec.interpreter.to_string_lossy())?;
    let mut argv = vec![program.clone()];
    for a in &spec.args {
        argv.push(cstr(a)?);
    }
    let envp = spec
        .env
        .iter()
        .map(|(k, v)| cstr(&format!("{k}={v}")))
        .collect::<Result<Vec<_>, _>>()?;
    // Last, so every step above may still use what it refuses.
    if spec.seccomp {
        let filters =
            crate::execute::seccomp::compile().map_err(step("compile the seccomp filter"))?;
        crate::execute::seccomp::install(&filters).map_err(step("install the seccomp filter"))?;
    }
    execve(&program, &argv, &envp).map_err(step(format!("start {}", spec.interpreter.display())))
}

/// Landlock as a second wall: even inside the mount namespace, the program
/// may write only to its private tmpfs folders and read only what is
/// mounted for it.
fn restrict_files(spec: &LaunchSpec) -> Result<LandlockState, landlock::RulesetError> {
    use landlock::{
        ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
        path_beneath_rules,
    };
    let abi = ABI::V6;
    let mut readable: Vec<PathBuf> = spec.read_only.clone();
    readable.extend(["/etc", "/proc", "/dev"].map(PathBuf::from));
    let writable = [
        WORK_DIR,
        "/tmp",
        "/dev/shm",
        "/dev/null",
        "/dev/full",
        "/dev/zero",
    ];
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))?
        .scope(Scope::from_all(abi))?
        .create()?
        .add_rules(path_beneath_rules(&readable, AccessFs::from_read(abi)))?
        .add_rules(path_beneath_rules(writable, AccessFs::from_all(abi)))?
        // Listing folders is harmless (the mount namespace holds only what
        // was mounted for the program) and some programs walk from `/`.
        .add_rules(path_beneath_rules(["/"], AccessFs::ReadDir))?
        .restrict_self()?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => LandlockState::Full,
        RulesetStatus::PartiallyEnforced => LandlockState::Partial,
        RulesetStatus::NotEnforced => LandlockState::None,
    })
}
