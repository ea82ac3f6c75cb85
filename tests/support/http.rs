//! A small HTTP/1.1 client for the preview server's tests: plain
//! requests, and an event stream read until a message arrives.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long a test waits for a reply or an event before failing.
pub const TIMEOUT: Duration = Duration::from_secs(5);

use proofbook::serve::events::EVENTS_PATH;

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream
        .set_read_timeout(Some(TIMEOUT))
        .expect("read timeout");
    stream
        .set_write_timeout(Some(TIMEOUT))
        .expect("write timeout");
    stream
}

/// Sends one request (the target exactly as given) and reads the reply to
/// the end of the connection.
pub fn request(addr: SocketAddr, method: &str, target: &str) -> Reply {
    let mut stream = connect(addr);
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("{method} {target}: no complete reply ({e})"));
    parse(&raw, method == "HEAD")
}

pub fn parse(raw: &[u8], head: bool) -> Reply {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head_text = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked && !head {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).expect("ascii"), 16)
                .expect("chunk size");
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

/// An open event stream.
pub struct Events {
    stream: TcpStream,
    seen: Vec<u8>,
    /// The end of the last match in `seen`.
    matched: usize,
}

impl Events {
    /// Connects and waits for the `hello` message, which the server sends
    /// once the page is subscribed.
    pub fn open(addr: SocketAddr) -> Events {
        let mut stream = connect(addr);
        write!(
            stream,
            "GET {EVENTS_PATH} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .expect("send");
        let mut events = Events {
            stream,
            seen: Vec::new(),
            matched: 0,
        };
        events.wait_for("event: hello\n");
        let head = String::from_utf8_lossy(&events.seen).into_owned();
        assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("\r\ncontent-type: text/event-stream"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("\r\ncache-control: no-store"),
            "{head}"
        );
        events
    }

    /// Everything the stream has said up to the last match.
    pub fn matched_text(&self) -> String {
        String::from_utf8_lossy(&self.seen[..self.matched]).into_owned()
    }

    /// Reads until `needle` has arrived after what the last call matched;
    /// fails after the read timeout.
    pub fn wait_for(&mut self, needle: &str) {
        let mut buf = [0; 4096];
        loop {
            let text = String::from_utf8_lossy(&self.seen[self.matched..]).into_owned();
            if let Some(at) = text.find(needle) {
                self.matched += text[..at + needle.len()].len();
                return;
            }
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("stream closed before {needle:?}; got {text:?}"),
                Ok(n) => self.seen.extend_from_slice(&buf[..n]),
                Err(e) => panic!("no {needle:?} ({e}); got {text:?}"),
            }
        }
    }
}

pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
