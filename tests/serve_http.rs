//! The preview server over real sockets: a `Server` on 127.0.0.1:0 in a
//! thread, and a minimal HTTP/1.1 client written here. Every read has a
//! timeout of a few seconds, so a server that hangs fails the test instead
//! of blocking it.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

mod support;

use proofbook::output::{Content, SiteFile};
use proofbook::serve::events::{ErrorReport, Event, Hub, LIVE_RELOAD_JS};
use proofbook::serve::http::{ServeError, Server, ShutdownHandle, Site};
use support::http::{Events, TIMEOUT, request, wait_until};

const SECRET: &str = "TOP SECRET outside the book";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n not really";

struct Fixture {
    addr: SocketAddr,
    site: Arc<Site>,
    hub: Arc<Hub>,
    handle: ShutdownHandle,
    thread: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn bytes(path: &str, text: &'static str) -> SiteFile {
    SiteFile {
        path: path.into(),
        content: Content::Bytes(Cow::Borrowed(text.as_bytes())),
    }
}

fn start_with(files: impl FnOnce(&Path) -> Vec<SiteFile>) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let book = dir.path().join("book");
    std::fs::create_dir(&book).expect("book folder");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, SECRET).expect("secret");
    std::fs::write(book.join("image.png"), PNG).expect("image");
    std::os::unix::fs::symlink(&secret, book.join("link.txt")).expect("symlink");

    let site = Arc::new(Site::new());
    site.replace_all(files(&book));
    let hub = Arc::new(Hub::new());
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
    let server = Server::bind(addr, Arc::clone(&site), Arc::clone(&hub)).expect("bind");
    let addr = server.local_addr();
    assert_ne!(addr.port(), 0);
    let handle = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.run());
    Fixture {
        addr,
        site,
        hub,
        handle,
        thread: Some(thread),
        _dir: dir,
    }
}

fn start() -> Fixture {
    start_with(|book| {
        vec![
            bytes("index.html", "<h1>home</h1>"),
            bytes("main.css", "body { color: red }"),
            bytes("sub/index.html", "<h1>sub</h1>"),
            bytes("sub/page.html", "<h1>page</h1>"),
            bytes("404.html", "<h1>custom not found</h1>"),
            bytes("examples/hello.py", "print('hi')"),
            SiteFile {
                path: "image.png".into(),
                content: Content::CopyOf(book.join("image.png")),
            },
            SiteFile {
                path: "link.txt".into(),
                content: Content::CopyOf(book.join("link.txt")),
            },
        ]
    })
}

#[test]
fn pages_and_styles_have_their_types() {
    let f = start();
    let page = request(f.addr, "GET", "/index.html");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.text(), "<h1>home</h1>");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let css = request(f.addr, "GET", "/main.css?v=3");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.text(), "body { color: red }");
    let py = request(f.addr, "GET", "/examples/hello.py");
    assert_eq!(py.header("content-type"), Some("text/plain; charset=utf-8"));
}

#[test]
fn folders_serve_their_index() {
    let f = start();
    assert_eq!(request(f.addr, "GET", "/").text(), "<h1>home</h1>");
    let sub = request(f.addr, "GET", "/sub/");
    assert_eq!(sub.status, 200);
    assert_eq!(sub.text(), "<h1>sub</h1>");
}

#[test]
fn a_folder_without_its_slash_is_redirected() {
    let f = start();
    let reply = request(f.addr, "GET", "/sub?x=1");
    assert_eq!(reply.status, 301);
    assert_eq!(reply.header("location"), Some("/sub/?x=1"));
}

#[test]
fn head_sends_headers_without_a_body() {
    let f = start();
    let reply = request(f.addr, "HEAD", "/index.html");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(reply.header("content-length"), Some("13"));
    assert!(reply.body.is_empty(), "{:?}", reply.text());
}

#[test]
fn other_methods_are_not_allowed() {
    let f = start();
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let reply = request(f.addr, method, "/index.html");
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("allow"), Some("GET, HEAD"), "{method}");
    }
}

#[test]
fn a_missing_file_gets_the_404_page() {
    let f = start();
    let reply = request(f.addr, "GET", "/no/such/page.html");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.text(), "<h1>custom not found</h1>");
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

#[test]
fn traversal_is_refused() {
    let f = start();
    let cargo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("Cargo.toml");
    let marker = cargo
        .lines()
        .find(|l| l.starts_with("name"))
        .expect("a name line");
    for target in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/%2E%2E/Cargo.toml",
        "/sub/..%2f..%2fetc/passwd",
        "/sub/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/..\\..\\Cargo.toml",
        "/%00",
        "/index.html%00.css",
        "/%ff",
        "/../../../../../../etc/passwd",
        "/../secret.txt",
        "/..%2fsecret.txt",
    ] {
        let reply = request(f.addr, "GET", target);
        assert!(
            reply.status == 400 || reply.status == 404,
            "{target}: {}",
            reply.status
        );
        let body = reply.text();
        assert!(!body.contains(marker), "{target}: {body}");
        assert!(!body.contains("root:"), "{target}: {body}");
        assert!(!body.contains(SECRET), "{target}: {body}");
    }
}

#[test]
fn copies_are_read_from_disk_but_not_through_a_symlink() {
    let f = start();
    let image = request(f.addr, "GET", "/image.png");
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), Some("image/png"));
    assert_eq!(image.body, PNG);
    let link = request(f.addr, "GET", "/link.txt");
    assert_eq!(link.status, 404);
    assert!(!link.text().contains(SECRET), "{}", link.text());
}

#[test]
fn nothing_is_cached() {
    let f = start();
    for (method, target) in [
        ("GET", "/"),
        ("GET", "/main.css"),
        ("GET", "/image.png"),
        ("HEAD", "/sub/"),
        ("GET", "/sub"),
        ("GET", "/missing"),
        ("GET", "/%2e%2e/x"),
        ("POST", "/"),
    ] {
        let reply = request(f.addr, method, target);
        assert_eq!(
            reply.header("cache-control"),
            Some("no-store"),
            "{method} {target}"
        );
    }
}

#[test]
fn a_reload_reaches_every_open_page() {
    let f = start();
    let mut one = Events::open(f.addr);
    let mut two = Events::open(f.addr);
    assert_eq!(f.hub.clients(), 2);
    f.hub.publish(Event::Reload {
        pages: vec!["index.html".into(), "sub/page.html".into()],
    });
    let expected = "event: reload\ndata: {\"pages\":[\"index.html\",\"sub/page.html\"]}\n\n";
    one.wait_for(expected);
    two.wait_for(expected);
    f.hub.publish(Event::Clear);
    one.wait_for("event: clear\ndata: {}\n\n");
    two.wait_for("event: clear\ndata: {}\n\n");
}

#[test]
fn pages_are_served_while_streams_are_open() {
    let f = start();
    // More streams than the server has workers: none may hold one.
    let streams: Vec<Events> = (0..6).map(|_| Events::open(f.addr)).collect();
    assert_eq!(f.hub.clients(), 6);
    for _ in 0..3 {
        let reply = request(f.addr, "GET", "/sub/page.html");
        assert_eq!(reply.status, 200);
        assert_eq!(reply.text(), "<h1>page</h1>");
    }
    drop(streams);
}

#[test]
fn the_current_error_is_sent_on_connect() {
    let f = start();
    let report = ErrorReport {
        message: "unclosed code fence".into(),
        location: Some("content/x.md:12:3".into()),
        excerpt: Some("12 | ```python\n13 | print(1)".into()),
    };
    f.hub.publish(Event::Error(report));
    let mut events = Events::open(f.addr);
    events.wait_for(
        "event: error\ndata: {\"message\":\"unclosed code fence\",\
         \"location\":\"content/x.md:12:3\",\"excerpt\":\"12 | ```python\\n13 | print(1)\"}\n\n",
    );
}

#[test]
fn a_page_that_went_away_is_dropped() {
    let f = start();
    let events = Events::open(f.addr);
    assert_eq!(f.hub.clients(), 1);
    drop(events);
    // The server finds out when a write fails.
    wait_until("the closed stream is dropped", || {
        f.hub.publish(Event::Clear);
        f.hub.clients() == 0
    });
}

#[test]
fn a_first_build_that_failed_shows_its_error() {
    let f = start_with(|_| Vec::new());
    assert!(f.site.is_empty());
    let building = request(f.addr, "GET", "/");
    assert_eq!(building.status, 503);
    assert!(building.text().contains(LIVE_RELOAD_JS));
    f.hub.publish(Event::Error(ErrorReport {
        message: "SUMMARY.md: <unclosed> link".into(),
        location: Some("src/SUMMARY.md:3:1".into()),
        excerpt: None,
    }));
    let page = request(f.addr, "GET", "/guide/a.html");
    assert_eq!(page.status, 500);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let body = page.text();
    assert!(body.contains("SUMMARY.md: &lt;unclosed&gt; link"), "{body}");
    assert!(body.contains("src/SUMMARY.md:3:1"), "{body}");
    assert!(body.contains(LIVE_RELOAD_JS), "{body}");

    f.site.replace_all(vec![bytes("index.html", "fixed")]);
    f.hub.publish(Event::Reload { pages: Vec::new() });
    assert_eq!(request(f.addr, "GET", "/").text(), "fixed");
}

#[test]
fn a_port_in_use_is_an_error_naming_the_flag() {
    let f = start();
    let err = Server::bind(f.addr, Arc::new(Site::new()), Arc::new(Hub::new()))
        .err()
        .expect("the port is taken");
    assert!(matches!(err, ServeError::AddrInUse { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("--port"), "{message}");
    assert!(message.contains("in use"), "{message}");
    assert!(message.contains(&f.addr.to_string()), "{message}");
}

#[test]
fn shutdown_ends_run_and_the_streams() {
    let mut f = start();
    let mut events = Events::open(f.addr);
    f.handle.shutdown();
    let thread = f.thread.take().expect("running");
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = thread.join();
        let _ = done.send(());
    });
    finished.recv_timeout(TIMEOUT).expect("run returned");
    // The stream ends with the last chunk.
    events.wait_for("0\r\n\r\n");
}
