//! The preview server against clients that mean harm: oversized and
//! trickled heads, bodies, idle and stalled connections, foreign `Host`s
//! (DNS rebinding) and requests from other sites. Each test starts a
//! `Server` with short deadlines where it needs them and plays the
//! attacker with raw sockets. Nothing is timed: a test waits for what the
//! server must do (an answer, a close), and fails if that never comes
//! within the client's generous read timeout.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

mod support;

use proofbook::output::{Content, SiteFile};
use proofbook::serve::events::{Event, Hub};
use proofbook::serve::host::AllowedHost;
use proofbook::serve::http::{Limits, Server, ShutdownHandle, Site};
use support::http::{Events, connect, parse, wait_until};

/// The size of a file that a client which stops reading cannot take
/// whole: four times the most the kernel may buffer on the sending side
/// (the receiving side is kept small by `busy_client`), and 32 MiB at least.
fn big() -> usize {
    let wmem_max = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|t| t.split_whitespace().nth(2)?.parse::<usize>().ok())
        .unwrap_or(0);
    (4 * wmem_max).max(32 << 20)
}

/// A connection whose receive buffer stays small (setting it turns off
/// the kernel's growing of it), so an answer it does not read stays
/// mostly unsent.
fn busy_client(addr: SocketAddr) -> TcpStream {
    let stream = connect(addr);
    nix::sys::socket::setsockopt(&stream, nix::sys::socket::sockopt::RcvBuf, &4096)
        .expect("SO_RCVBUF");
    stream
}

struct Fixture {
    addr: SocketAddr,
    hub: Arc<Hub>,
    handle: ShutdownHandle,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn start(limits: Limits, allowed: &[&str]) -> Fixture {
    start_site(limits, allowed, Vec::new())
}

fn start_site(limits: Limits, allowed: &[&str], mut files: Vec<SiteFile>) -> Fixture {
    files.push(SiteFile::text("index.html", "<h1>home</h1>".into()));
    let site = Arc::new(Site::new());
    site.replace_all(files);
    let hub = Arc::new(Hub::new());
    let allowed: Vec<AllowedHost> = allowed
        .iter()
        .map(|a| a.parse().expect("allowed host"))
        .collect();
    let server = Server::bind(
        "127.0.0.1:0".parse().expect("address"),
        site,
        Arc::clone(&hub),
    )
    .expect("bind")
    .with_limits(limits)
    .allow_hosts(allowed);
    let addr = server.local_addr();
    let handle = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.run());
    Fixture {
        addr,
        hub,
        handle,
        thread: Some(thread),
    }
}

fn defaults() -> Fixture {
    start(Limits::default(), &[])
}

/// Sends `raw` (a write the server cut short is no failure: it may answer
/// and close before reading everything) and reads until the server closes.
fn exchange(addr: SocketAddr, raw: &[u8]) -> (u16, String) {
    let mut stream = connect(addr);
    let _ = stream.write_all(raw);
    answer(&mut stream)
}

/// How long a client waits for what the server must do: far longer than
/// any deadline a test sets, so a loaded machine does not fail it.
const PATIENCE: Duration = Duration::from_secs(30);

/// The status and body of the answer on `stream`, read to its close.
fn answer(stream: &mut TcpStream) -> (u16, String) {
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("read timeout");
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            // A reset after the answer arrived still leaves the answer.
            Err(e) if e.kind() == ErrorKind::ConnectionReset && !got.is_empty() => break,
            Err(e) => panic!("no answer ({e}); got {:?}", String::from_utf8_lossy(&got)),
        }
    }
    let reply = parse(&got, false);
    (reply.status, reply.text())
}

fn get(addr: SocketAddr, host: &str, extra: &str) -> (u16, String) {
    exchange(
        addr,
        format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n").as_bytes(),
    )
}

fn ok(f: &Fixture) {
    let (status, body) = get(f.addr, &f.addr.to_string(), "");
    assert_eq!((status, body.as_str()), (200, "<h1>home</h1>"));
}

#[test]
fn a_64_kib_header_is_431() {
    let f = defaults();
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nX-Big: {}\r\n\r\n",
        f.addr,
        "a".repeat(64 * 1024)
    );
    let (status, body) = exchange(f.addr, raw.as_bytes());
    assert_eq!(status, 431, "{body}");
    // So is a head of many small fields, and one without an end at all.
    let many: String = (0..200).map(|i| format!("X-{i}: {i}\r\n")).collect();
    let raw = format!("GET / HTTP/1.1\r\nHost: {}\r\n{many}\r\n", f.addr);
    assert_eq!(exchange(f.addr, raw.as_bytes()).0, 431);
    let line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(20_000));
    assert_eq!(exchange(f.addr, line.as_bytes()).0, 431);
    ok(&f);
}

#[test]
fn a_long_head_sent_in_small_pieces_is_431_too() {
    let f = defaults();
    let mut stream = connect(f.addr);
    stream.set_nodelay(true).expect("nodelay");
    write!(stream, "GET / HTTP/1.1\r\nHost: {}\r\n", f.addr).expect("send");
    // 100-byte fields, each its own packet: 20 KB in all, unless the
    // server stops it first.
    for i in 0..200 {
        let field = format!("X-{i:04}: {}\r\n", "b".repeat(90));
        if stream.write_all(field.as_bytes()).is_err() {
            break;
        }
    }
    assert_eq!(answer(&mut stream).0, 431);
}

#[test]
fn a_slowloris_gets_408_while_others_are_served() {
    let limits = Limits {
        request_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let f = start(limits, &[]);
    let stop = Arc::new(AtomicBool::new(false));
    // More trickling clients than a thread pool would have threads.
    let mut slow = Vec::new();
    let mut tricklers = Vec::new();
    for _ in 0..16 {
        let mut stream = connect(f.addr);
        stream.set_nodelay(true).expect("nodelay");
        write!(stream, "GET / HTTP/1.1\r\nHost: {}\r\n", f.addr).expect("first bytes");
        let mut writer = stream.try_clone().expect("clone");
        let stop = Arc::clone(&stop);
        tricklers.push(std::thread::spawn(move || {
            // A field a byte at a time, never ending the head.
            for byte in b"X-Slow: ".iter().chain(std::iter::repeat(&b'z')) {
                if stop.load(Ordering::SeqCst) || writer.write_all(&[*byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }));
        slow.push(stream);
    }
    // The slow heads are all in progress; the server answers others.
    for _ in 0..5 {
        ok(&f);
    }
    for stream in &mut slow {
        let (status, body) = answer(stream);
        assert_eq!(status, 408, "{body}");
    }
    stop.store(true, Ordering::SeqCst);
    for t in tricklers {
        t.join().expect("trickler");
    }
    ok(&f);
}

#[test]
fn idle_connections_cannot_lock_others_out() {
    let limits = Limits {
        max_connections: 8,
        ..Limits::default()
    };
    let f = start(limits, &[]);
    // Five times the table: connections that send nothing, and heads that
    // never end.
    let mut idle: Vec<TcpStream> = (0..40).map(|_| connect(f.addr)).collect();
    for stream in idle.iter_mut().skip(20) {
        // Some were closed already to make room: a failed write is fine.
        let _ = write!(stream, "GET / HTTP/1.1\r\nHost: {}\r\nX-", f.addr);
    }
    ok(&f);
    ok(&f);
    // The oldest were closed to make room.
    let mut buf = [0; 16];
    let first = idle[0].read(&mut buf);
    let closed = match &first {
        Ok(0) => true,
        Err(e) => e.kind() == ErrorKind::ConnectionReset,
        Ok(_) => false,
    };
    assert!(closed, "{first:?}");
}

#[test]
fn a_full_table_of_busy_connections_answers_503_at_once() {
    let limits = Limits {
        max_connections: 2,
        send_timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    let big = SiteFile {
        path: "big.bin".into(),
        content: Content::Bytes(vec![b'x'; big()].into()),
    };
    let f = start_site(limits, &[], vec![big]);
    // Two clients ask for a big file and stop reading after its first
    // bytes: their answers cannot finish, so neither may be evicted.
    let busy: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = busy_client(f.addr);
            write!(stream, "GET /big.bin HTTP/1.1\r\nHost: {}\r\n\r\n", f.addr).expect("send");
            let mut first = [0; 12];
            stream.read_exact(&mut first).expect("the answer starts");
            assert_eq!(&first, b"HTTP/1.1 200");
            stream
        })
        .collect();
    let mut third = connect(f.addr);
    let (status, body) = answer(&mut third);
    assert_eq!(status, 503, "{body}");
    drop(busy);
    wait_until("the stalled answers are dropped", || {
        let mut stream = connect(f.addr);
        let _ = write!(
            stream,
            "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            f.addr
        );
        answer(&mut stream).0 == 200
    });
}

#[test]
fn big_bodies_are_413_and_unknown_lengths_411() {
    let f = defaults();
    let announced = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Length: 10000000000\r\n\r\nabc",
        f.addr
    );
    assert_eq!(exchange(f.addr, announced.as_bytes()).0, 413);
    // A GET that really sends a megabyte.
    let mut sent = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n",
        f.addr,
        1 << 20
    )
    .into_bytes();
    sent.resize(sent.len() + (1 << 20), b'y');
    assert_eq!(exchange(f.addr, &sent).0, 413);
    let chunked = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n",
        f.addr
    );
    assert_eq!(exchange(f.addr, chunked.as_bytes()).0, 411);
    ok(&f);
}

#[test]
fn a_small_body_is_skipped_not_taken_for_a_request() {
    let f = defaults();
    // The body looks like a request for a page that does not exist; were
    // it read as one, a 404 would come back between the two 200s.
    let smuggled = "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: {0}\r\nContent-Length: {1}\r\n\r\n{smuggled}\
         GET / HTTP/1.1\r\nHost: {0}\r\nConnection: close\r\n\r\n",
        f.addr,
        smuggled.len()
    );
    let mut stream = connect(f.addr);
    stream.write_all(raw.as_bytes()).expect("send");
    let mut got = Vec::new();
    stream.read_to_end(&mut got).expect("both answers");
    let text = String::from_utf8_lossy(&got);
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 2, "{text}");
    assert!(!text.contains("404"), "{text}");
}

#[test]
fn keep_alive_connections_are_reused_then_closed_when_idle() {
    let limits = Limits {
        idle_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let f = start(limits, &[]);
    let mut stream = connect(f.addr);
    let request = format!("GET / HTTP/1.1\r\nHost: {}\r\n\r\n", f.addr);
    let mut seen = String::new();
    for round in 1..=3 {
        stream.write_all(request.as_bytes()).expect("send");
        let mut buf = [0; 4096];
        while seen.matches("<h1>home</h1>").count() < round {
            let n = stream.read(&mut buf).expect("an answer");
            assert!(n > 0, "closed early: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    assert_eq!(seen.matches("HTTP/1.1 200 OK").count(), 3, "{seen}");
    // Left idle, the connection is closed by the server.
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("read timeout");
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .expect("closed, not timed out");
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
}

#[test]
fn foreign_hosts_are_403_and_loopback_names_200() {
    let f = defaults();
    let port = f.addr.port();
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("localhost:{}", port.wrapping_add(1)),
        format!("localhost.:{port}"),
        format!("localhost:{port}.evil.example"),
        format!("127.0.0.1.nip.io:{port}"),
    ] {
        let (status, body) = get(f.addr, &host, "");
        assert_eq!(status, 403, "{host}: {body}");
        assert!(body.contains("--allow-host"), "{body}");
        assert!(!body.contains("home"), "{body}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(get(f.addr, &host, "").0, 200, "{host}");
    }
    // No Host at all, or two.
    let none = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
    assert_eq!(exchange(f.addr, none.as_bytes()).0, 400);
    let two = format!("GET / HTTP/1.1\r\nHost: evil.example\r\nHost: localhost:{port}\r\n\r\n");
    assert_eq!(exchange(f.addr, two.as_bytes()).0, 400);
    // A target naming a host does not stand in for the Host field.
    let absolute = format!(
        "GET http://localhost:{port}/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(exchange(f.addr, absolute.as_bytes()).0, 403);
}

#[test]
fn allowed_hosts_are_answered() {
    let f = start(
        Limits::default(),
        &["preview.example", "tunnel.example:443"],
    );
    assert_eq!(get(f.addr, "preview.example", "").0, 200);
    assert_eq!(get(f.addr, "Preview.Example:8443", "").0, 200);
    assert_eq!(get(f.addr, "tunnel.example:443", "").0, 200);
    assert_eq!(get(f.addr, "tunnel.example", "").0, 403);
    assert_eq!(get(f.addr, "evil.preview.example", "").0, 403);
}

#[test]
fn requests_from_other_sites_are_403_but_links_are_followed() {
    let f = defaults();
    let host = f.addr.to_string();
    for fields in [
        "Sec-Fetch-Site: cross-site\r\n",
        "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\nSec-Fetch-Dest: image\r\n",
        "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n",
        "Sec-Fetch-Site: CROSS-SITE\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: iframe\r\n",
    ] {
        let (status, body) = get(f.addr, &host, fields);
        assert_eq!(status, 403, "{fields}: {body}");
    }
    for fields in [
        "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: cors\r\n",
        "Sec-Fetch-Site: none\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n",
        "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n",
    ] {
        assert_eq!(get(f.addr, &host, fields).0, 200, "{fields}");
    }
    // Nor may another site's page follow the live reload.
    let raw = format!(
        "GET /__proofbook/events HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: cross-site\r\n\
         Sec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n\r\n"
    );
    assert_eq!(exchange(f.addr, raw.as_bytes()).0, 403);
    assert_eq!(f.hub.clients(), 0);
}

#[test]
fn event_streams_have_their_own_cap() {
    let limits = Limits {
        max_streams: 2,
        max_connections: 4,
        ..Limits::default()
    };
    let f = start(limits, &[]);
    let one = Events::open(f.addr);
    let _two = Events::open(f.addr);
    let raw = format!(
        "GET /__proofbook/events HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        f.addr
    );
    assert_eq!(exchange(f.addr, raw.as_bytes()).0, 503);
    // Streams hold no slot of the connection table: pages are served.
    for _ in 0..6 {
        ok(&f);
    }
    drop(one);
    wait_until("a closed stream frees its place", || {
        f.hub.publish(Event::Clear);
        f.hub.clients() < 2
    });
    let _three = Events::open(f.addr);
}

/// A `proofbook serve` process, ended when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `proofbook serve` on a folder without a book: it serves the error page,
/// which is enough to see whom it answers.
fn serve_binary(args: &[&str]) -> (Running, SocketAddr) {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Running(
        std::process::Command::new(env!("CARGO_BIN_EXE_proofbook"))
            .args(["serve", "--port", "0"])
            .args(args)
            .arg(dir.path())
            .env("CI", "true")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start proofbook serve"),
    );
    let stderr = child.0.stderr.take().expect("stderr");
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _dir = dir;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("serve prints its address");
        if let Some(url) = line.split("serving the preview at http://").nth(1) {
            let addr = url.split('/').next().unwrap_or_default();
            let addr = addr.parse().expect("an address");
            return (child, addr);
        }
    }
}

#[test]
fn the_allow_host_flag_lets_a_name_through() {
    let (child, addr) = serve_binary(&["--allow-host", "preview.example"]);
    let allowed = get(addr, "preview.example", "").0;
    let refused = get(addr, "evil.example", "");
    let local = get(addr, &format!("localhost:{}", addr.port()), "").0;
    drop(child);
    // No book: the page is "building" or the error, but it is answered.
    assert!(allowed == 500 || allowed == 503, "{allowed}");
    assert_eq!(local, allowed);
    assert_eq!(refused.0, 403, "{}", refused.1);
}

#[test]
fn serving_other_machines_needs_allow_remote() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_proofbook"))
        .args(["serve", "--port", "0", "--host", "0.0.0.0", "no-such-book"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run proofbook serve");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--allow-remote"), "{stderr}");
    assert!(!stderr.contains("serving the preview"), "{stderr}");
}
