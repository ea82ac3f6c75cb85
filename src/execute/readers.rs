//! The threads that read a run's pipes (stdout, stderr, metrics), and the
//! deadline that ends them.
//!
//! A pipe reaches end-of-file only when every copy of its write end is
//! closed. Every process of the sandbox is gone when the status pipe
//! closes, but a program can hand its stdout to something the sandbox does
//! not end: a process outside it (over a Unix socket reachable from
//! inside), or a message in flight in a socket that lives on. A reader
//! waiting for EOF would then wait forever, and the build with it. So the
//! readers are joined with a deadline (`GRACE` after the sandbox's
//! processes are gone), and those still reading then are called off
//! (`Recall`) and the run is marked as having output that may be cut.

use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

/// How long the readers may go on once every process of the sandbox has
/// ended: output still in a pipe takes microseconds to read, so this is
/// only ever reached when something outside holds a write end open.
pub const GRACE: Duration = Duration::from_secs(2);

/// A signal the reader threads wait on beside their pipe: closing the
/// write end of a pipe of its own wakes every one of them at once.
#[derive(Debug)]
pub struct Recall {
    wait: OwnedFd,
    fire: Mutex<Option<OwnedFd>>,
}

impl Recall {
    pub fn new() -> std::io::Result<Recall> {
        let (wait, fire) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        Ok(Recall {
            wait,
            fire: Mutex::new(Some(fire)),
        })
    }

    /// Calls every reader off.
    pub fn fire(&self) {
        self.fire.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Reads from `pipe` into `buf` as `Read::read` does, but returns
    /// `Ok(0)` (end of file) as soon as the recall fires. A read only
    /// follows a poll that found data or EOF, so it never blocks.
    pub fn read(&self, pipe: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let mut fds = [
                PollFd::new(pipe.as_fd(), PollFlags::POLLIN),
                PollFd::new(self.wait.as_fd(), PollFlags::POLLIN),
            ];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
            let ready = |fd: &PollFd<'_>| fd.revents().is_some_and(|r| !r.is_empty());
            if ready(&fds[1]) {
                return Ok(0);
            }
            if ready(&fds[0]) {
                return pipe.read(buf);
            }
        }
    }
}

/// Reader threads that report their end on a channel, so they can be
/// awaited with a deadline.
pub struct Readers<T> {
    handles: Vec<JoinHandle<T>>,
    ended: mpsc::Receiver<()>,
    ended_tx: mpsc::Sender<()>,
}

impl<T: Send + 'static> Readers<T> {
    pub fn new() -> Readers<T> {
        let (ended_tx, ended) = mpsc::channel();
        Readers {
            handles: Vec::new(),
            ended,
            ended_tx,
        }
    }

    pub fn spawn(&mut self, read: impl FnOnce() -> T + Send + 'static) {
        let tx = self.ended_tx.clone();
        self.handles.push(std::thread::spawn(move || {
            let value = read();
            let _ = tx.send(());
            value
        }));
    }

    /// Waits for every reader until `deadline`, then fires `recall` at
    /// those left; returns their values and whether any had to be
    /// called off.
    pub fn join_by(self, deadline: Instant, recall: &Recall) -> (Vec<T>, bool) {
        let mut recalled = false;
        for _ in 0..self.handles.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.ended.recv_timeout(left).is_err() {
                recalled = true;
                recall.fire();
                break;
            }
        }
        let values = self
            .handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .collect();
        (values, recalled)
    }
}

impl<T: Send + 'static> Default for Readers<T> {
    fn default() -> Self {
        Readers::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_held_open_elsewhere_is_called_off_at_the_deadline() {
        let recall = std::sync::Arc::new(Recall::new().unwrap());
        let (read, write) = nix::unistd::pipe().unwrap();
        let (done_read, done_write) = nix::unistd::pipe().unwrap();
        drop(done_write);
        let mut readers = Readers::new();
        for fd in [read, done_read] {
            let recall = recall.clone();
            readers.spawn(move || {
                let mut pipe = std::fs::File::from(fd);
                let mut got = Vec::new();
                let mut buf = [0u8; 16];
                while let Ok(n) = recall.read(&mut pipe, &mut buf) {
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                got
            });
        }
        nix::unistd::write(&write, b"early").unwrap();
        let (values, recalled) =
            readers.join_by(Instant::now() + Duration::from_millis(200), &recall);
        assert!(recalled, "the reader of the open pipe was not called off");
        assert!(values.iter().any(|v| v == b"early"), "{values:?}");
        // The write end is still open: the reader gave up, it did not end.
        drop(write);
    }

    #[test]
    fn closed_pipes_end_without_a_recall() {
        let recall = Recall::new().unwrap();
        let (read, write) = nix::unistd::pipe().unwrap();
        nix::unistd::write(&write, b"all").unwrap();
        drop(write);
        let mut readers = Readers::new();
        readers.spawn(move || {
            let mut s = String::new();
            let _ = std::fs::File::from(read).read_to_string(&mut s);
            s
        });
        let (values, recalled) = readers.join_by(Instant::now() + GRACE, &recall);
        assert!(!recalled);
        assert_eq!(values, ["all"]);
    }
}
