//! The run's status pipe, read on the parent's side: the launcher's
//! reports, one JSON line each, and the host pids they carry, which are
//! what a timeout or an output flood kills.

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::execute::spec::Report;

/// The host pids of a run's launcher and init, once reported.
#[derive(Debug, Default)]
pub struct Pids {
    launcher: AtomicI32,
    init: AtomicI32,
}

impl Pids {
    /// Kills the sandbox's init, which ends every process in it; or, before
    /// init exists, the launcher (whose death kills init as it starts).
    /// The launcher is spared once init exists: it exits only after init
    /// has fully gone, and init goes only once every process of its
    /// namespace has, so the end of the status pipe still means "all gone".
    /// Says whether it had a process to kill.
    pub fn stop(&self) -> bool {
        let init = self.init.load(Ordering::SeqCst);
        let target = if init > 0 {
            init
        } else {
            self.launcher.load(Ordering::SeqCst)
        };
        if target > 0 {
            let _ = kill(Pid::from_raw(target), Signal::SIGKILL);
        }
        target > 0
    }
}

pub fn read_reports(pipe: OwnedFd, pids: &Pids) -> Vec<Report> {
    let mut reader = std::io::BufReader::new(std::fs::File::from(pipe));
    let mut out = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match std::io::BufRead::read_line(&mut reader, &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Ok(report) = serde_json::from_str::<Report>(&line) {
            match report {
                Report::Init { pid } => pids.init.store(pid, Ordering::SeqCst),
                Report::Launched { pid } => pids.launcher.store(pid, Ordering::SeqCst),
                _ => {}
            }
            out.push(report);
        }
    }
    out
}
