//! Ctrl-C and SIGTERM for the commands that run examples or write a site:
//! the signal becomes a request to stop (`proofbook::interrupt`), the
//! build unwinds and removes what it made, and the process then exits
//! with 128 + the signal (130, 143), as a shell reports it.

use std::time::{Duration, Instant};

use proofbook::interrupt;
use signal_hook::consts::{SIGINT, SIGTERM};

/// How long the build has to unwind before the rest is removed for it
/// (a preprocessor or pip that ignores the signal keeps it busy).
const GRACE: Duration = Duration::from_secs(5);

/// Takes over SIGINT and SIGTERM for the rest of the process.
pub fn install() -> std::io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    let (tx, rx) = std::sync::mpsc::channel::<i32>();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if tx.send(signal).is_err() {
                    return;
                }
            }
        })?;
    std::thread::Builder::new()
        .name("stop".into())
        .spawn(move || {
            let Ok(signal) = rx.recv() else { return };
            interrupt::request(signal);
            eprintln!(
                "proofbook: {}: stopping the running examples and removing the unfinished site",
                interrupt::signal_name(&signal)
            );
            // Wait for the build to unwind; a second signal means "now".
            let deadline = Instant::now() + GRACE;
            while interrupt::unwinding() && Instant::now() < deadline {
                if rx.recv_timeout(Duration::from_millis(20)).is_ok() {
                    break;
                }
            }
            for problem in interrupt::remove_registered() {
                eprintln!("proofbook: {problem}");
            }
            std::process::exit(i32::from(interrupt::exit_code(signal)));
        })?;
    Ok(())
}
