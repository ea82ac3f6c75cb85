//! Responses: what `http` answers (`Reply`) and how `front` sends it
//! (`Outgoing`), a little at a time on a non-blocking socket, so a client
//! that reads slowly holds a slot of the connection table, never a thread.
//!
//! Every response has `Cache-Control: no-store` (a page being written must
//! never come from a cache), `X-Content-Type-Options: nosniff` and a
//! `Content-Length`; bodies are never chunked.

use std::fs::File;
use std::io::{self, Read, Write};
use std::sync::Arc;

/// Bytes of a file read per write; also the most a connection buffers.
const CHUNK: usize = 64 * 1024;

pub(crate) enum Body {
    Static(&'static [u8]),
    Shared(Arc<Vec<u8>>),
    Owned(Vec<u8>),
    /// Sent up to the length the reply was made with, even if the file grows.
    File(File),
}

impl Body {
    fn bytes(&self) -> Option<&[u8]> {
        match self {
            Body::Static(b) => Some(b),
            Body::Shared(b) => Some(b),
            Body::Owned(b) => Some(b),
            Body::File(_) => None,
        }
    }
}

/// A response before it is sent.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Body,
    pub len: u64,
    /// Fields beyond the ones every response has.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn bytes(status: u16, content_type: &'static str, body: Body) -> Reply {
        let len = body.bytes().map_or(0, |b| b.len() as u64);
        Reply {
            status,
            content_type,
            body,
            len,
            headers: Vec::new(),
        }
    }

    pub fn text(status: u16, text: &'static str) -> Reply {
        Reply::bytes(
            status,
            "text/plain; charset=utf-8",
            Body::Static(text.as_bytes()),
        )
    }

    pub fn html(status: u16, html: String) -> Reply {
        Reply::bytes(
            status,
            "text/html; charset=utf-8",
            Body::Owned(html.into_bytes()),
        )
    }

    pub fn file(status: u16, content_type: &'static str, file: File, len: u64) -> Reply {
        Reply {
            status,
            content_type,
            body: Body::File(file),
            len,
            headers: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// The status line and fields. Values are ASCII: constants, numbers,
    /// or percent-encoded paths.
    fn head(&self, keep_alive: bool) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.len
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n\r\n"
        } else {
            "Connection: close\r\n\r\n"
        });
        head.into_bytes()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// A response part-way through being written.
pub(crate) struct Outgoing {
    head: Vec<u8>,
    head_sent: usize,
    body: Body,
    /// Body bytes to send (0 for HEAD) and sent so far.
    len: u64,
    sent: u64,
    /// A file's bytes read but not yet written.
    chunk: Vec<u8>,
    chunk_sent: usize,
}

impl Outgoing {
    /// `send_body` is false for HEAD: the fields say what GET would send.
    pub fn new(reply: Reply, send_body: bool, keep_alive: bool) -> Outgoing {
        Outgoing {
            head: reply.head(keep_alive),
            head_sent: 0,
            len: if send_body { reply.len } else { 0 },
            body: reply.body,
            sent: 0,
            chunk: Vec::new(),
            chunk_sent: 0,
        }
    }

    /// Writes what `out` takes now: `Ok(true)` once all is sent, `Ok(false)`
    /// when `out` would block. An error (the client left, or a copied file
    /// shrank below its announced length) means the connection must close.
    pub fn write_to(&mut self, out: &mut impl Write) -> io::Result<bool> {
        loop {
            let pending: &[u8] = if self.head_sent < self.head.len() {
                &self.head[self.head_sent..]
            } else if self.sent >= self.len {
                return Ok(true);
            } else if let Some(bytes) = self.body.bytes() {
                let end = usize::try_from(self.len)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let start = usize::try_from(self.sent).unwrap_or(usize::MAX).min(end);
                &bytes[start..end]
            } else {
                if self.chunk_sent == self.chunk.len() {
                    self.refill()?;
                }
                &self.chunk[self.chunk_sent..]
            };
            if pending.is_empty() {
                // Fewer body bytes than announced: the client would wait.
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let n = match out.write(pending) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if self.head_sent < self.head.len() {
                self.head_sent += n;
            } else {
                self.sent += n as u64;
                if matches!(self.body, Body::File(_)) {
                    self.chunk_sent += n;
                }
            }
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let Body::File(file) = &mut self.body else {
            return Ok(());
        };
        let want = usize::try_from(self.len - self.sent).map_or(CHUNK, |left| left.min(CHUNK));
        self.chunk.resize(want, 0);
        let n = loop {
            match file.read(&mut self.chunk) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.chunk.truncate(n);
        self.chunk_sent = 0;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) fn sent(reply: Reply, send_body: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let done = Outgoing::new(reply, send_body, false)
        .write_to(&mut out)
        .expect("written");
    assert!(done);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket that takes at most `room` bytes per write and then blocks
    /// once, as a full send buffer does.
    struct Slow {
        out: Vec<u8>,
        room: usize,
        blocked: bool,
    }

    impl Write for Slow {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.blocked = !self.blocked;
            if self.blocked {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.room);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_file_is_sent_in_pieces_up_to_its_length() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).expect("write");
        let file = File::open(&path).expect("open");
        // Announce less than the file holds: only that much goes out.
        let reply = Reply::file(200, "image/png", file, 150_000);
        let mut out = Outgoing::new(reply, true, true);
        let mut slow = Slow {
            out: Vec::new(),
            room: 1000,
            blocked: false,
        };
        let mut rounds = 0;
        while !out.write_to(&mut slow).expect("written") {
            rounds += 1;
        }
        assert!(rounds > 100, "{rounds}");
        let text = String::from_utf8_lossy(&slow.out);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text:.200}");
        assert!(text.contains("\r\nContent-Length: 150000\r\n"));
        assert!(text.contains("\r\nConnection: keep-alive\r\n\r\n"));
        let body_at = slow
            .out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end")
            + 4;
        assert_eq!(&slow.out[body_at..], &data[..150_000]);
    }

    #[test]
    fn a_file_that_shrank_is_an_error_and_head_sends_no_body() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, "short").expect("write");
        let reply = Reply::file(200, "text/plain", File::open(&path).expect("open"), 10);
        let mut out = Outgoing::new(reply, true, false);
        assert!(out.write_to(&mut Vec::new()).is_err());

        let reply = Reply::text(405, "no\n").with("Allow", "GET, HEAD");
        let text = String::from_utf8(sent(reply, false)).expect("utf-8");
        assert_eq!(
            text,
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 3\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\
             Allow: GET, HEAD\r\nConnection: close\r\n\r\n"
        );
    }
}
