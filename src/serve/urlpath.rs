//! Request targets → site paths, for `http`.
//!
//! The path is cut at `?` or `#`, split on `/`, and each segment is
//! percent-decoded on its own, so an encoded slash (`%2f`) stays inside its
//! segment, where it is refused. Segments that are `.` or `..`, hold a
//! slash, a backslash, NUL or another control character, or are not UTF-8
//! once decoded make the whole path bad (the server answers 400). Empty
//! segments (`//`) are skipped. The result is only ever a key into the
//! site map, never a file-system path.

/// A request target that may name a site file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// The path as sent, without query or fragment.
    pub path: String,
    /// The decoded segments.
    pub segments: Vec<String>,
    /// Whether the path names a folder (`/`, `/guide/`).
    pub dir: bool,
    pub query: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BadPath {
    /// Not an origin-form target (`/…`).
    NotAbsolute,
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    Encoding,
    /// A segment that could climb out or smuggle a separator.
    Segment,
}

impl Target {
    /// The site path it names: a folder's `index.html`.
    pub fn key(&self) -> String {
        let mut key = self.segments.join("/");
        if self.dir {
            if !key.is_empty() {
                key.push('/');
            }
            key.push_str("index.html");
        }
        key
    }
}

pub(crate) fn parse(url: &str) -> Result<Target, BadPath> {
    let (before_fragment, _) = url.split_once('#').unwrap_or((url, ""));
    let (path, query) = match before_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (before_fragment, None),
    };
    if !path.starts_with('/') {
        return Err(BadPath::NotAbsolute);
    }
    let mut segments = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let segment = decode(raw)?;
        let bad = segment == "."
            || segment == ".."
            || segment
                .chars()
                .any(|c| c == '/' || c == '\\' || c.is_control());
        if bad {
            return Err(BadPath::Segment);
        }
        segments.push(segment);
    }
    Ok(Target {
        path: path.to_owned(),
        dir: path.ends_with('/'),
        segments,
        query,
    })
}

fn decode(segment: &str) -> Result<String, BadPath> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(BadPath::Encoding)?;
            let (Some(high), Some(low)) = (hex_value(hex[0]), hex_value(hex[1])) else {
                return Err(BadPath::Encoding);
            };
            out.push(high << 4 | low);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| BadPath::Encoding)
}

fn hex_value(b: u8) -> Option<u8> {
    // Not `u8::from_str_radix`, which also takes a leading `+`.
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The absolute URL path of `segments`, percent-encoded (ASCII, so it fits
/// in a header).
pub(crate) fn encode(segments: &[String]) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        for &b in segment.as_bytes() {
            if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(url: &str) -> Result<String, BadPath> {
        parse(url).map(|t| t.key())
    }

    #[test]
    fn folders_and_files() {
        assert_eq!(key("/"), Ok("index.html".into()));
        assert_eq!(key("/guide/"), Ok("guide/index.html".into()));
        assert_eq!(key("/guide"), Ok("guide".into()));
        assert_eq!(key("/a/b.html?x=1#top"), Ok("a/b.html".into()));
        assert_eq!(key("/a//b.html"), Ok("a/b.html".into()));
        assert_eq!(
            key("/caf%C3%A9%20au%20lait.html"),
            Ok("café au lait.html".into())
        );
        assert_eq!(key("/a+b.html"), Ok("a+b.html".into()));
        let t = parse("/x?q=1&r#f").expect("valid");
        assert_eq!(t.query.as_deref(), Some("q=1&r"));
        assert_eq!(t.path, "/x");
    }

    #[test]
    fn traversal_and_smuggling_are_refused() {
        for url in [
            "/../Cargo.toml",
            "/a/../../b",
            "/./a",
            "/%2e%2e/Cargo.toml",
            "/%2E./x",
            "/sub/..%2f..%2fetc/passwd",
            "/a%2fb",
            "/a%5cb",
            "/a\\..\\b",
            "/%00",
            "/a%0a",
        ] {
            assert_eq!(key(url), Err(BadPath::Segment), "{url}");
        }
        for url in ["/%", "/%2", "/%zz", "/%+f", "/%C3", "/%FF"] {
            assert_eq!(key(url), Err(BadPath::Encoding), "{url}");
        }
        for url in ["*", "", "http://example.com/", "index.html"] {
            assert_eq!(key(url), Err(BadPath::NotAbsolute), "{url}");
        }
    }

    #[test]
    fn encoding_round_trips() {
        let segments = vec!["a b".to_owned(), "café".to_owned(), "x?y#z%".to_owned()];
        let encoded = encode(&segments);
        assert_eq!(encoded, "/a%20b/caf%C3%A9/x%3Fy%23z%25");
        assert_eq!(parse(&encoded).expect("valid").segments, segments);
        assert_eq!(encode(&[]), "/");
    }
}
