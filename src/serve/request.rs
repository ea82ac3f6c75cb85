//! Request heads, for `front`: the bytes a client sent so far → nothing
//! yet, a `Head`, or the status that refuses them.
//!
//! Everything here is bounded before it is looked at: the head must end
//! within `Limits::max_head` bytes and hold at most `MAX_HEADERS` fields
//! (431 otherwise), and a body may announce at most `Limits::max_body`
//! bytes (413). The preview has no use for bodies, so a body of unknown
//! length (`Transfer-Encoding`) is refused with 411 rather than read, and
//! a head that could mean two things to two parsers (two `Host`s, two
//! different lengths, a length beside a transfer coding) gets 400.
//! httparse does the tokenising; it copies nothing and never allocates.

use super::limits::Limits;

/// Header fields a request may carry; browsers send about fifteen.
pub(crate) const MAX_HEADERS: usize = 64;

/// The part of a request head the server acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// As sent (methods are case-sensitive).
    pub method: String,
    /// The request target, as sent.
    pub target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor: u8,
    /// The one `Host` field.
    pub host: String,
    /// `Sec-Fetch-Site`, `-Mode` and `-Dest`, lowercased: what a browser
    /// says about where the request comes from.
    pub fetch_site: Option<String>,
    pub fetch_mode: Option<String>,
    pub fetch_dest: Option<String>,
    /// Whether the connection may carry another request after this one.
    pub keep_alive: bool,
    /// Bytes of body that follow the head.
    pub body_len: u64,
}

impl Head {
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// Why a request is answered with an error and the connection closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub why: &'static str,
}

const fn refuse(status: u16, why: &'static str) -> Refusal {
    Refusal { status, why }
}

const TOO_LARGE: Refusal = refuse(
    431,
    "request head too large (cookies that another site on localhost set can make it so: \
     open the preview at 127.0.0.1 instead)\n",
);

/// Parses the head at the start of `buf`: `Ok(None)` while it is
/// incomplete, else the head and its length in bytes. `scanned` is how
/// far earlier calls looked for the end, so bytes trickling in one at a
/// time are not searched again and again; the caller resets it to 0 when
/// it removes a head from `buf`.
pub(crate) fn parse(
    buf: &[u8],
    scanned: &mut usize,
    limits: &Limits,
) -> Result<Option<(Head, usize)>, Refusal> {
    let Some(end) = head_end(buf, scanned) else {
        return if buf.len() >= limits.max_head {
            Err(TOO_LARGE)
        } else {
            Ok(None)
        };
    };
    if end > limits.max_head {
        return Err(TOO_LARGE);
    }
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut fields);
    match request.parse(&buf[..end]) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => return Err(TOO_LARGE),
        // The end was found, so a partial parse is a malformed head too.
        Ok(httparse::Status::Partial) | Err(_) => {
            return Err(refuse(400, "malformed request\n"));
        }
    }
    let head = interpret(&request, limits)?;
    Ok(Some((head, end)))
}

/// The index just past the blank line that ends the head, if it arrived.
/// Lines may end in CRLF or a bare LF (httparse takes both).
fn head_end(buf: &[u8], scanned: &mut usize) -> Option<usize> {
    // The terminator is at most three bytes: look back that far.
    let from = scanned.saturating_sub(2);
    let found = buf[from..]
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .find_map(|(i, _)| {
            let rest = &buf[from + i + 1..];
            if rest.starts_with(b"\n") {
                Some(from + i + 2)
            } else if rest.starts_with(b"\r\n") {
                Some(from + i + 3)
            } else {
                None
            }
        });
    *scanned = buf.len();
    found
}

fn interpret(request: &httparse::Request<'_, '_>, limits: &Limits) -> Result<Head, Refusal> {
    let bad = |why| Err(refuse(400, why));
    let (Some(method), Some(target), Some(minor)) = (request.method, request.path, request.version)
    else {
        return bad("malformed request\n");
    };
    let mut host = None;
    let mut length: Option<u64> = None;
    let mut coded = false;
    let mut close = false;
    let mut keep = false;
    let mut fetch = [None, None, None];
    for field in request.headers.iter() {
        let name = field.name;
        // Every field the server reads is ASCII; others are never decoded.
        let value = || std::str::from_utf8(field.value).ok().map(str::trim);
        if name.eq_ignore_ascii_case("host") {
            let Some(value) = value().filter(|v| v.is_ascii()) else {
                return bad("bad Host\n");
            };
            if host.replace(value.to_owned()).is_some() {
                return bad("more than one Host\n");
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            let Some(n) = value().and_then(content_length) else {
                return bad("bad Content-Length\n");
            };
            if length.is_some_and(|m| m != n) {
                return bad("conflicting Content-Length\n");
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            coded = true;
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value().unwrap_or_default().split(',') {
                close |= token.trim().eq_ignore_ascii_case("close");
                keep |= token.trim().eq_ignore_ascii_case("keep-alive");
            }
        } else if let Some(i) = ["sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"]
            .iter()
            .position(|n| name.eq_ignore_ascii_case(n))
        {
            fetch[i] = Some(value().unwrap_or_default().to_ascii_lowercase());
        }
    }
    if coded {
        return Err(if length.is_some() {
            refuse(400, "Content-Length beside Transfer-Encoding\n")
        } else {
            refuse(411, "a request body needs a Content-Length\n")
        });
    }
    let body_len = length.unwrap_or(0);
    if body_len > limits.max_body {
        return Err(refuse(413, "request body too large\n"));
    }
    let Some(host) = host else {
        return bad("missing Host\n");
    };
    let [fetch_site, fetch_mode, fetch_dest] = fetch;
    Ok(Head {
        method: method.to_owned(),
        target: target.to_owned(),
        minor,
        host,
        fetch_site,
        fetch_mode,
        fetch_dest,
        // HTTP/1.1 keeps the connection unless told not to; 1.0 only if asked.
        keep_alive: !close && (minor >= 1 || keep),
        body_len,
    })
}

/// Digits only: no sign, no list (`5, 5`), no spaces inside.
fn content_length(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    fn one(raw: &str) -> Result<Option<(Head, usize)>, Refusal> {
        parse(raw.as_bytes(), &mut 0, &limits())
    }

    fn status(raw: &str) -> u16 {
        one(raw).expect_err("refused").status
    }

    #[test]
    fn a_browser_request_is_read() {
        let raw = "GET /a.html?x=1 HTTP/1.1\r\nHost: localhost:3000\r\n\
                   Sec-Fetch-Site: Same-Origin\r\nSec-Fetch-Mode: cors\r\n\r\nGET / HTTP/1.1";
        let (head, len) = one(raw).expect("valid").expect("complete");
        assert_eq!(&raw[len..], "GET / HTTP/1.1", "the next request stays");
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/a.html?x=1");
        assert_eq!(head.host, "localhost:3000");
        assert_eq!(head.fetch_site.as_deref(), Some("same-origin"));
        assert_eq!(head.fetch_mode.as_deref(), Some("cors"));
        assert_eq!(head.fetch_dest, None);
        assert!(head.keep_alive);
        assert_eq!(head.body_len, 0);
    }

    #[test]
    fn bare_line_feeds_end_a_head_too() {
        let (head, len) = one("GET / HTTP/1.0\nHost: a\n\nrest")
            .expect("valid")
            .expect("complete");
        assert_eq!(len, "GET / HTTP/1.0\nHost: a\n\n".len());
        assert!(!head.keep_alive, "HTTP/1.0 closes unless asked");
        let (head, _) = one("GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n")
            .expect("valid")
            .expect("complete");
        assert!(head.keep_alive);
        let (head, _) = one("GET / HTTP/1.1\r\nHost: a\r\nConnection: x, Close\r\n\r\n")
            .expect("valid")
            .expect("complete");
        assert!(!head.keep_alive);
    }

    #[test]
    fn a_head_arriving_byte_by_byte_is_found_once_complete() {
        let raw = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        let mut scanned = 0;
        for end in 1..raw.len() {
            let got = parse(&raw[..end], &mut scanned, &limits()).expect("valid so far");
            assert!(got.is_none(), "complete after {end} bytes");
        }
        let (_, len) = parse(raw, &mut scanned, &limits())
            .expect("valid")
            .expect("complete");
        assert_eq!(len, raw.len());
    }

    #[test]
    fn heads_over_the_limit_are_431() {
        let over = limits().max_head + 500;
        let big = format!(
            "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
            "a".repeat(over)
        );
        assert_eq!(status(&big), 431);
        // Still incomplete, but already too long to be answered.
        assert_eq!(status(&big[..over]), 431);
        let many: String = (0..MAX_HEADERS + 1)
            .map(|i| format!("X-{i}: 1\r\n"))
            .collect();
        assert_eq!(status(&format!("GET / HTTP/1.1\r\n{many}\r\n")), 431);
    }

    #[test]
    fn bodies_are_bounded_and_must_have_a_length() {
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n";
        assert_eq!(one(raw).expect("valid").expect("complete").0.body_len, 12);
        let huge = format!(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
            limits().max_body + 1
        );
        assert_eq!(status(&huge), 413);
        assert_eq!(
            status("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
            400,
            "a length past u64 is malformed, not a panic"
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
            411
        );
    }

    #[test]
    fn ambiguous_heads_are_400() {
        for raw in [
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: é\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            "G\0T / HTTP/1.1\r\nHost: a\r\n\r\n",
            "\r\n\r\n",
        ] {
            assert_eq!(status(raw), 400, "{raw:?}");
        }
    }
}
