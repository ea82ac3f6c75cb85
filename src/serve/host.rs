//! Who may ask the preview: the `Host` a request names and what the
//! browser says about the page that sent it.
//!
//! A web page cannot read another origin's answers, unless it makes its
//! own name point at the preview's address (DNS rebinding): then the
//! browser takes the preview for the page's own origin, but still sends
//! the page's name in `Host`. So the server answers only the names that
//! cannot be rebound: `localhost`, loopback addresses and the address it
//! listens on (any address when it listens on all of them: an IP literal
//! is its own origin), each with the port it listens on, plus the names
//! the user allows (`--allow-host`, for a proxy or a tunnel).
//!
//! A page may still send requests it cannot read (an image, a form, a
//! frame); browsers label them `Sec-Fetch-Site: cross-site`, and those
//! are refused too, except a top-level navigation (a link the user
//! follows), which shows the page to the user and nothing to the site.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use super::request::Head;

/// A name given with `--allow-host`: `NAME` (any port) or `NAME:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    /// Lowercase; an IPv6 address without its brackets.
    name: String,
    port: Option<u16>,
}

impl FromStr for AllowedHost {
    type Err = String;

    fn from_str(text: &str) -> Result<AllowedHost, String> {
        if text.contains("://") || text.contains('/') {
            return Err(format!(
                "`{text}` is not a host name: give the name alone (`preview.example` or `preview.example:8080`), without a scheme or path"
            ));
        }
        let (name, port) = split(text).ok_or_else(|| {
            format!(
                "`{text}` is not a host name or a host name with a port (`NAME` or `NAME:PORT`)"
            )
        })?;
        let valid = name.parse::<IpAddr>().is_ok()
            || (!name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'));
        if !valid {
            return Err(format!(
                "`{text}` is not a host name (letters, digits, `-`, `.` and `_`, or an IP address)"
            ));
        }
        Ok(AllowedHost { name, port })
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.contains(':') {
            write!(f, "[{}]", self.name)?;
        } else {
            f.write_str(&self.name)?;
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// `name[:port]` or `[v6][:port]` → lowercase name (brackets removed) and
/// the port if one was given.
fn split(text: &str) -> Option<(String, Option<u16>)> {
    let (name, port) = if let Some(rest) = text.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<Ipv6Addr>().ok()?;
        match after {
            "" => (v6, None),
            _ => (v6, Some(after.strip_prefix(':')?)),
        }
    } else {
        match text.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (text, None),
        }
    };
    let port = match port {
        None => None,
        // Digits only: `u16::from_str` would take a `+`.
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    Some((name.to_ascii_lowercase(), port))
}

/// The `Host` values a server on one address answers.
#[derive(Debug, Clone)]
pub(crate) struct HostPolicy {
    addr: SocketAddr,
    allowed: Vec<AllowedHost>,
}

impl HostPolicy {
    pub fn new(addr: SocketAddr, allowed: Vec<AllowedHost>) -> HostPolicy {
        HostPolicy { addr, allowed }
    }

    /// Whether a request naming `host` is answered.
    pub fn allows(&self, host: &str) -> bool {
        let Some((name, port)) = split(host) else {
            return false;
        };
        if self
            .allowed
            .iter()
            .any(|a| a.name == name && a.port.is_none_or(|p| p == port.unwrap_or(80)))
        {
            return true;
        }
        // No port means 80, which is only right on port 80.
        if port.unwrap_or(80) != self.addr.port() {
            return false;
        }
        if name == "localhost" {
            return true;
        }
        // A bare `::1` is not a valid Host (it needs brackets), and `split`
        // cut it at its first colon anyway: only dotted IPv4 gets here
        // without brackets.
        let ip = match name.parse::<Ipv4Addr>() {
            Ok(v4) => IpAddr::V4(v4),
            Err(_) => match name.parse::<Ipv6Addr>() {
                Ok(v6) if host.starts_with('[') => IpAddr::V6(v6),
                _ => return false,
            },
        };
        let bound = self.addr.ip();
        ip.is_loopback() || ip == bound || bound.is_unspecified()
    }

    /// The answer to a request this server refuses for where it came from.
    pub fn refusal(&self, head: &Head) -> Option<&'static str> {
        if !self.allows(&head.host) {
            return Some(
                "refused: this preview answers requests for localhost and its own address only, \
                 so that a web page cannot read it through a name of its own; \
                 to use another name (a proxy, a tunnel), restart it with `--allow-host NAME`\n",
            );
        }
        if cross_site(head) {
            return Some(
                "refused: a page of another site may not load from the preview \
                 (only following a link to it is allowed)\n",
            );
        }
        None
    }
}

/// A request a page of another site made, other than a top-level
/// navigation. Old browsers send no `Sec-Fetch-*` fields; for them the
/// `Host` check is the defence.
fn cross_site(head: &Head) -> bool {
    if head.fetch_site.as_deref() != Some("cross-site") {
        return false;
    }
    let navigation = head.fetch_mode.as_deref() == Some("navigate")
        && matches!(head.fetch_dest.as_deref(), None | Some("document"));
    !navigation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(addr: &str, allowed: &[&str]) -> HostPolicy {
        HostPolicy::new(
            addr.parse().expect("address"),
            allowed
                .iter()
                .map(|a| a.parse().expect("allowed host"))
                .collect(),
        )
    }

    #[test]
    fn loopback_names_with_the_port_are_answered() {
        let p = policy("127.0.0.1:3000", &[]);
        for host in [
            "localhost:3000",
            "LOCALHOST:3000",
            "127.0.0.1:3000",
            "[::1]:3000",
            "127.0.0.2:3000",
        ] {
            assert!(p.allows(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:3000",
            "localhost",
            "localhost:3001",
            "localhost:",
            "localhost:+3000",
            "localhost.:3000",
            "sub.localhost:3000",
            "127.0.0.1",
            "::1:3000",
            "[::1]3000",
            "10.0.0.5:3000",
            "2130706433:3000",
            "localhost:3000@evil.example",
            "",
        ] {
            assert!(!p.allows(host), "{host}");
        }
        assert!(
            policy("127.0.0.1:80", &[]).allows("localhost"),
            "port 80 may be left out"
        );
    }

    #[test]
    fn the_listening_address_is_answered() {
        let p = policy("192.168.1.5:8000", &[]);
        assert!(p.allows("192.168.1.5:8000"));
        assert!(!p.allows("192.168.1.6:8000"));
        assert!(!p.allows("myhost.lan:8000"));
        let all = policy("0.0.0.0:8000", &[]);
        assert!(
            all.allows("192.168.1.6:8000"),
            "any address when bound to all"
        );
        assert!(all.allows("[fe80::1]:8000"));
        assert!(
            !all.allows("myhost.lan:8000"),
            "names still need --allow-host"
        );
    }

    #[test]
    fn allowed_names_match_with_or_without_their_port() {
        let p = policy("127.0.0.1:3000", &["Preview.Example", "tunnel.example:443"]);
        assert!(p.allows("preview.example"));
        assert!(p.allows("preview.example:9999"));
        assert!(p.allows("tunnel.example:443"));
        assert!(!p.allows("tunnel.example"), "port 80 is not 443");
        assert!(!p.allows("evil.preview.example:3000"));
    }

    #[test]
    fn allow_host_values_are_checked() {
        let a: AllowedHost = "Box.local:8080".parse().expect("valid");
        assert_eq!(a.to_string(), "box.local:8080");
        let v6: AllowedHost = "[FE80::1]".parse().expect("valid");
        assert_eq!(v6.to_string(), "[fe80::1]");
        for bad in [
            "http://box.local",
            "box.local/",
            "",
            "a b",
            "box:port",
            "box:99999",
            "[::1",
            "*.example",
        ] {
            let err = bad.parse::<AllowedHost>().expect_err(bad);
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }

    fn head(site: Option<&str>, mode: Option<&str>, dest: Option<&str>) -> Head {
        Head {
            method: "GET".into(),
            target: "/".into(),
            minor: 1,
            host: "localhost:3000".into(),
            fetch_site: site.map(str::to_owned),
            fetch_mode: mode.map(str::to_owned),
            fetch_dest: dest.map(str::to_owned),
            keep_alive: true,
            body_len: 0,
        }
    }

    #[test]
    fn cross_site_requests_are_refused_but_links_are_followed() {
        let p = policy("127.0.0.1:3000", &[]);
        assert!(
            p.refusal(&head(None, None, None)).is_none(),
            "no browser fields"
        );
        assert!(
            p.refusal(&head(Some("same-origin"), Some("cors"), Some("empty")))
                .is_none()
        );
        assert!(
            p.refusal(&head(Some("none"), Some("navigate"), Some("document")))
                .is_none()
        );
        assert!(
            p.refusal(&head(
                Some("cross-site"),
                Some("navigate"),
                Some("document")
            ))
            .is_none(),
            "a followed link"
        );
        for (mode, dest) in [
            (Some("no-cors"), Some("image")),
            (Some("cors"), Some("empty")),
            (Some("navigate"), Some("iframe")),
            (None, None),
        ] {
            let refusal = p.refusal(&head(Some("cross-site"), mode, dest));
            assert!(
                refusal.is_some_and(|r| r.contains("another site")),
                "{mode:?} {dest:?}"
            );
        }
        let mut rebound = head(None, None, None);
        rebound.host = "evil.example:3000".into();
        assert!(
            p.refusal(&rebound)
                .is_some_and(|r| r.contains("--allow-host"))
        );
    }
}
