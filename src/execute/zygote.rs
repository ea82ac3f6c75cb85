//! The zygote: a small process, one per job slot, that sits in the slot's
//! cgroups and forks a sandbox launcher for each run it is sent.
//!
//! Why it exists: moving a process into a cgroup takes the kernel's
//! cgroup-wide lock for writing, which waits for an RCU grace period when
//! none happened lately (measured here: 7–15 ms per move once moves are
//! 30 ms apart, against 0.1 ms back to back). A process forked by one that
//! is already in the cgroup starts there without a move, so each slot moves
//! its zygote once, and runs cost a fork instead of an exec and a move.
//!
//! Protocol on the zygote's stdin (a Unix socket): per run, a 4-byte
//! little-endian length sent with four descriptors (the run's stdout,
//! stderr, status and metrics pipes, as SCM_RIGHTS), then that many bytes
//! of `LaunchSpec` JSON. The zygote forks; the child puts the descriptors
//! on 1, 2, 3 and 4 and runs the launcher (`launcher::outer`). The zygote ignores
//! SIGCHLD so its children are reaped by the kernel, and exits at EOF.

use std::io::{IoSliceMut, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use nix::sys::signal::{SigHandler, Signal, signal};
use nix::sys::socket::{ControlMessage, ControlMessageOwned, MsgFlags, recvmsg, sendmsg};
use nix::unistd::{ForkResult, fork};

use crate::execute::launcher;
use crate::execute::spec::{LaunchSpec, METRICS_FD, STATUS_FD};

/// The hidden subcommand that runs `main`.
pub const SUBCOMMAND: &str = "__sandbox-zygote";

/// The parent's handle on one zygote.
#[derive(Debug)]
pub struct Zygote {
    child: Child,
    control: UnixStream,
}

impl Zygote {
    /// Starts `launcher` (the proofbook binary) as a zygote that first
    /// joins `cgroups`. Its stderr is proofbook's, for a zygote that dies.
    pub fn start(launcher: &Path, cgroups: &[PathBuf]) -> std::io::Result<Zygote> {
        let (ours, theirs) = UnixStream::pair()?;
        let child = Command::new(launcher)
            .arg(SUBCOMMAND)
            .arg(std::process::id().to_string())
            .args(cgroups)
            .env_clear()
            .current_dir("/")
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        Ok(Zygote {
            child,
            control: ours,
        })
    }

    /// Sends one run: the spec and the write ends of its pipes (stdout,
    /// stderr, status, metrics).
    pub fn launch(&mut self, spec: &LaunchSpec, pipes: [&OwnedFd; 4]) -> std::io::Result<()> {
        let json = serde_json::to_vec(spec).expect("specs serialize");
        let len = (json.len() as u32).to_le_bytes();
        let fds = pipes.map(|p| p.as_raw_fd());
        let cmsg = [ControlMessage::ScmRights(&fds)];
        let iov = [std::io::IoSlice::new(&len)];
        let sent = sendmsg::<()>(
            self.control.as_raw_fd(),
            &iov,
            &cmsg,
            MsgFlags::empty(),
            None,
        )?;
        if sent != len.len() {
            return Err(std::io::Error::other("short write to the zygote"));
        }
        self.control.write_all(&json)
    }
}

impl Drop for Zygote {
    fn drop(&mut self) {
        // EOF on its socket ends the zygote; its runs have finished by now.
        let _ = self.control.shutdown(std::net::Shutdown::Both);
        let _ = self.child.wait();
    }
}

/// Entry point of the zygote process; returns its exit code.
/// Arguments: proofbook's pid, then the cgroup folders to join.
pub fn main(args: &[String]) -> i32 {
    let Some(parent) = args.first().and_then(|p| p.parse::<i32>().ok()) else {
        eprintln!("{SUBCOMMAND} is started by proofbook itself");
        return 125;
    };
    // No parent-death signal here: it fires when the *thread* that started
    // the zygote ends, and proofbook's worker threads come and go. The
    // zygote notices proofbook's death as EOF on its socket instead (the
    // socket belongs to the process), and its launchers die with it.
    if nix::unistd::getppid().as_raw() != parent {
        return 125; // proofbook is already gone
    }
    for cgroup in &args[1..] {
        let procs = Path::new(cgroup).join("cgroup.procs");
        if let Err(e) = std::fs::write(&procs, std::process::id().to_string()) {
            eprintln!("proofbook sandbox zygote: cannot join the cgroup {cgroup}: {e}");
            return 125;
        }
    }
    // SAFETY: setting a signal disposition; no handler code runs.
    if unsafe { signal(Signal::SIGCHLD, SigHandler::SigIgn) }.is_err() {
        return 125;
    }
    let me = std::process::id() as i32;
    loop {
        let (spec, fds) = match receive(0) {
            Ok(Some(run)) => run,
            Ok(None) => return 0,
            Err(e) => {
                eprintln!("proofbook sandbox zygote: {e}");
                return 125;
            }
        };
        // SAFETY: the zygote is single-threaded, so the child may do anything.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                let code = start_launcher(&spec, fds, me);
                // SAFETY: leave without running exit handlers.
                unsafe { libc::_exit(code) }
            }
            Ok(ForkResult::Parent { .. }) => drop(fds),
            Err(e) => {
                // The run's status pipe closes without a report; the
                // parent says the sandbox ended without saying why.
                eprintln!("proofbook sandbox zygote: fork failed: {e}");
                drop(fds);
            }
        }
    }
}

/// In the forked child: the run's descriptors onto 1, 2, 3 and 4, then
/// the launcher proper.
fn start_launcher(spec: &Result<LaunchSpec, String>, fds: [OwnedFd; 4], zygote: i32) -> i32 {
    // SAFETY: restoring a default disposition; outer waits for its init.
    unsafe {
        let _ = signal(Signal::SIGCHLD, SigHandler::SigDfl);
    }
    // The received descriptors may sit on the very slots they go to (3 is
    // the first free one), so they are lifted out of the way first.
    let mut lifted = Vec::with_capacity(4);
    for fd in &fds {
        // SAFETY: duplicating a descriptor we own.
        let high = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
        if high < 0 {
            return 125;
        }
        lifted.push(high);
    }
    drop(fds);
    for (fd, target) in lifted.into_iter().zip([1, 2, STATUS_FD, METRICS_FD]) {
        // SAFETY: dup2 onto the standard slots (clearing close-on-exec on
        // the copy), then closing the lifted copy, which nothing else owns.
        unsafe {
            if libc::dup2(fd, target) < 0 {
                return 125;
            }
            libc::close(fd);
        }
    }
    // SAFETY: the control socket (fd 0) is replaced by /dev/null in
    // `launcher::outer`; fd 3 now holds the status pipe.
    let status = unsafe { std::fs::File::from_raw_fd(STATUS_FD) };
    launcher::run(spec, status, zygote)
}

/// One run from the socket, or `None` at EOF. A spec that does not parse
/// still gets its pipes, so the error reaches the run's status.
type Run = (Result<LaunchSpec, String>, [OwnedFd; 4]);

fn receive(socket: RawFd) -> std::io::Result<Option<Run>> {
    let mut len = [0u8; 4];
    let mut cmsg = nix::cmsg_space!([RawFd; 4]);
    let mut fds: Vec<OwnedFd> = Vec::new();
    let got = {
        let mut iov = [IoSliceMut::new(&mut len)];
        let msg = recvmsg::<()>(
            socket,
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
        )?;
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(raw) = c {
                // SAFETY: descriptors received with SCM_RIGHTS are new and ours.
                fds.extend(
                    raw.into_iter()
                        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                );
            }
        }
        msg.bytes
    };
    if got == 0 {
        return Ok(None);
    }
    if got != 4 {
        return Err(std::io::Error::other("short message from proofbook"));
    }
    let fds: [OwnedFd; 4] = fds
        .try_into()
        .map_err(|_| std::io::Error::other("a run arrived without its four pipes"))?;
    let mut json = vec![0u8; u32::from_le_bytes(len) as usize];
    // SAFETY: fd 0 is the socket; ManuallyDrop keeps it open.
    let mut stream = std::mem::ManuallyDrop::new(unsafe { UnixStream::from_raw_fd(socket) });
    stream.read_exact(&mut json)?;
    let spec = serde_json::from_slice(&json).map_err(|e| format!("parse the launch spec: {e}"));
    Ok(Some((spec, fds)))
}
