//! A run's output: stdout and stderr read on their own threads into one
//! log in arrival order, lines kept whole, cut at the output limit (which
//! stops the sandbox, so a flood cannot run on).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::execute::readers::Recall;
use crate::execute::record::{Chunk, Stream};
use crate::execute::status::Pids;

/// Both output streams, in arrival order, up to the output limit.
pub(super) struct Capture {
    limit: u64,
    chunks: Mutex<(Vec<Chunk>, u64)>,
    truncated: AtomicBool,
}

impl Capture {
    pub(super) fn new(limit: u64) -> Capture {
        Capture {
            limit,
            chunks: Mutex::new((Vec::new(), 0)),
            truncated: AtomicBool::new(false),
        }
    }

    /// Reads `pipe` to its end, or until `recall` fires.
    pub(super) fn drain(
        &self,
        mut pipe: std::fs::File,
        stream: Stream,
        pids: &Pids,
        recall: &Recall,
    ) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let n = match recall.read(&mut pipe, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if self.truncated.load(Ordering::SeqCst) {
                continue; // keep draining so the writer is not blocked
            }
            let mut guard = self.chunks.lock().expect("capture lock");
            let (chunks, total) = &mut *guard;
            let room = self.limit.saturating_sub(*total) as usize;
            let take = n.min(room);
            *total += take as u64;
            pending.extend_from_slice(&buf[..take]);
            // Keep a split UTF-8 character for the next read.
            let valid = match std::str::from_utf8(&pending) {
                Ok(_) => pending.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(_) => pending.len(),
            };
            let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
            pending.drain(..valid);
            push_chunk(chunks, stream, text);
            if take < n {
                self.truncated.store(true, Ordering::SeqCst);
                drop(guard);
                pids.stop();
            }
        }
        if !pending.is_empty() {
            let mut guard = self.chunks.lock().expect("capture lock");
            let text = String::from_utf8_lossy(&pending).into_owned();
            push_chunk(&mut guard.0, stream, text);
        }
    }

    pub(super) fn take(&self) -> (Vec<Chunk>, bool) {
        let mut guard = self.chunks.lock().expect("capture lock");
        (
            std::mem::take(&mut guard.0),
            self.truncated.load(Ordering::SeqCst),
        )
    }
}

/// Adds output to the log, keeping lines whole: unbuffered Python writes
/// `print`'s text and its newline separately, and a line of the other
/// stream may arrive in between.
fn push_chunk(chunks: &mut Vec<Chunk>, stream: Stream, text: String) {
    if text.is_empty() {
        return;
    }
    let open_line = chunks
        .iter()
        .rposition(|c| c.stream == stream)
        .filter(|&i| !chunks[i].text.ends_with('\n') || i == chunks.len() - 1);
    match open_line {
        Some(i) => chunks[i].text.push_str(&text),
        None => chunks.push(Chunk { stream, text }),
    }
}
