//! One page's event stream: its `events::Subscription` written to its socket.
//!
//! `http` gives each stream a thread of its own (at most
//! `Limits::max_streams`), running `stream` until the page goes away (a
//! write fails, or stalls past the socket's write timeout), the hub drops
//! it (its queue filled up), or the server shuts down. The socket is the
//! front's, handed over blocking once the request passed its checks; each
//! message is one chunk, flushed at once, so an event reaches the page
//! when it happens.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use super::events::Subscription;

/// A comment is sent after this long without a message, so a page that
/// went away is found (its write fails) and proxies keep the stream open.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// How often the thread looks at the server's stop flag.
const POLL: Duration = Duration::from_millis(500);

/// Writes the response head, then each message of `subscription`.
/// `chunked` is false for an HTTP/1.0 client, whose stream ends when the
/// connection closes.
pub(crate) fn stream(
    mut out: Box<dyn Write + Send>,
    subscription: &Subscription,
    chunked: bool,
    stop: &AtomicBool,
) {
    let head = format!(
        "HTTP/1.1 200 OK\r\n\
         Content-Type: text/event-stream; charset=utf-8\r\n\
         Cache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\
         {}\r\n",
        if chunked {
            "Transfer-Encoding: chunked\r\n"
        } else {
            ""
        }
    );
    if out
        .write_all(head.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return;
    }
    let mut last = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let sent = match subscription.recv_timeout(POLL) {
            Ok(message) => send(&mut out, chunked, message.as_bytes()),
            Err(RecvTimeoutError::Timeout) if last.elapsed() >= KEEPALIVE => {
                send(&mut out, chunked, b": keepalive\n\n")
            }
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if sent.is_err() {
            // The page is gone; dropping the subscription forgets it.
            return;
        }
        last = Instant::now();
    }
    // The last chunk tells the page the stream ended (it reconnects).
    if chunked {
        let _ = out.write_all(b"0\r\n\r\n").and_then(|()| out.flush());
    }
}

fn send(out: &mut dyn Write, chunked: bool, message: &[u8]) -> io::Result<()> {
    if chunked {
        write!(out, "{:x}\r\n", message.len())?;
        out.write_all(message)?;
        out.write_all(b"\r\n")?;
    } else {
        out.write_all(message)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::events::{Event, Hub};
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Mutex};

    /// A writer the test can read while the stream holds it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn messages_are_chunks_and_the_stream_ends_on_stop() {
        let hub = Arc::new(Hub::new());
        let subscription = hub.subscribe();
        hub.publish(Event::Clear);
        let out = Shared::default();
        // Set before the start, the flag ends the stream after the head.
        let stop = AtomicBool::new(true);
        stream(Box::new(out.clone()), &subscription, true, &stop);
        let text = String::from_utf8(out.0.lock().expect("lock").clone()).expect("utf-8");
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(
            text.contains("\r\nTransfer-Encoding: chunked\r\n"),
            "{text}"
        );
        assert!(text.ends_with("\r\n\r\n0\r\n\r\n"), "{text}");

        drop(subscription);
        let subscription = hub.subscribe();
        // The hub drops a page whose queue is full: fill it, so the stream
        // ends by itself once it has written what was queued.
        for _ in 0..100 {
            hub.publish(Event::Clear);
        }
        let out = Shared::default();
        let stop = AtomicBool::new(false);
        stream(Box::new(out.clone()), &subscription, true, &stop);
        let text = String::from_utf8(out.0.lock().expect("lock").clone()).expect("utf-8");
        let clear = "event: clear\ndata: {}\n\n";
        assert!(
            text.contains(&format!("\r\n{:x}\r\n{clear}\r\n", clear.len())),
            "{text}"
        );
        assert!(text.ends_with("0\r\n\r\n"), "{text}");
    }

    #[test]
    fn a_failed_write_ends_the_stream() {
        /// A page that takes the head, then is gone: every later write
        /// fails. It counts the writes tried.
        struct Gone {
            taken: Shared,
            writes: Arc<AtomicUsize>,
        }
        impl Write for Gone {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if self.writes.fetch_add(1, Ordering::SeqCst) == 0 {
                    return self.taken.write(buf);
                }
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let hub = Arc::new(Hub::new());
        let subscription = hub.subscribe();
        // A full queue makes the hub drop this page, so even a stream that
        // went on after the failed write would end (after writing every
        // queued message and the closing chunk) instead of hanging here.
        for _ in 0..100 {
            hub.publish(Event::Clear);
        }
        let taken = Shared::default();
        let writes = Arc::new(AtomicUsize::new(0));
        let page = Gone {
            taken: taken.clone(),
            writes: Arc::clone(&writes),
        };
        stream(Box::new(page), &subscription, true, &AtomicBool::new(false));
        // The head, then the first message's first write, which failed;
        // nothing after it, not even the closing chunk.
        assert_eq!(writes.load(Ordering::SeqCst), 2);
        let text = String::from_utf8(taken.0.lock().expect("lock").clone()).expect("utf-8");
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(
            text.ends_with("Transfer-Encoding: chunked\r\n\r\n"),
            "{text}"
        );
    }
}
