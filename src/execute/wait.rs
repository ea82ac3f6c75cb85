//! How `Sandbox::run` waits for a run to end: until the status pipe
//! closes, its time limit, or a request to stop (Ctrl-C, SIGTERM; see
//! `crate::interrupt`), whichever comes first. Kept apart from
//! `sandbox.rs` so the waiting rule reads in one place.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::execute::spec::Report;
use crate::execute::status::Pids;

/// Waits for the status pipe to close (the end of the run); stops the
/// sandbox at `deadline` (then the run timed out) or as soon as proofbook
/// is asked to stop, and waits for it to be gone either way.
pub(super) fn wait_for_end(
    done: &mpsc::Receiver<Vec<Report>>,
    pids: &Pids,
    deadline: Instant,
) -> (Vec<Report>, bool) {
    // Polled in short slices: a signal handler cannot safely kill here.
    const SLICE: Duration = Duration::from_millis(50);
    loop {
        let now = Instant::now();
        let slice = deadline.saturating_duration_since(now).min(SLICE);
        match done.recv_timeout(slice) {
            Ok(reports) => return (reports, false),
            Err(mpsc::RecvTimeoutError::Disconnected) => return (Vec::new(), false),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        let interrupted = crate::interrupt::requested().is_some();
        if interrupted || Instant::now() >= deadline {
            // Before the launcher has said its pid there is nothing to
            // kill yet; try again each slice until there is.
            while !pids.stop() {
                match done.recv_timeout(SLICE) {
                    Ok(reports) => return (reports, !interrupted),
                    Err(mpsc::RecvTimeoutError::Disconnected) => return (Vec::new(), !interrupted),
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                }
            }
            return (done.recv().unwrap_or_default(), !interrupted);
        }
    }
}
