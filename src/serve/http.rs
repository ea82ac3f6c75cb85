//! The preview server: the in-memory site over HTTP.
//!
//! `Site` holds the last build's files by site path (the rebuild loop
//! replaces or updates them); `Server` answers GET and HEAD from it. The
//! sockets are `front`'s: one thread reads and writes every connection
//! within the bounds of `Limits`, refuses requests for other hosts and
//! from other sites (`host`), and asks `App` what to answer. Each event
//! stream (`events::EVENTS_PATH`) gets a thread of its own (`sse`), at most
//! `Limits::max_streams` of them, so open pages never hold the front.
//!
//! A request path is decoded segment by segment (`urlpath`) and looked up
//! in the map, never joined onto a folder: the only files read from disk
//! are the `CopyOf` sources the build named, and only when they are regular
//! files reached without a symbolic link in their last component (the build
//! copies no symbolic links from the book, so a link found there now was
//! made after the build and may point anywhere).
//!
//! While the site is empty (the first build has not finished), pages get a
//! placeholder (`pages`): 503 "building", or 500 with the error once the
//! first build failed; both carry `LIVE_RELOAD_JS` and reload when a build
//! succeeds. Other files get 404 then.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::thread;
use std::time::Duration;

use super::events::{self, Hub};
use super::front::{self, Answer, Front, Handler};
use super::host::{AllowedHost, HostPolicy};
pub use super::limits::Limits;
use super::print::{PRINT_PATH, PrintPage};
use super::request::Head;
use super::response::{Body, Reply};
use super::urlpath::{self, Target};
use super::{pages, sse};
use crate::output::{Content, SiteFile, url_of};

/// The site being previewed, by site path (`index.html`, `guide/a.html`),
/// and its print page, made when asked for (`print`).
pub struct Site {
    files: RwLock<HashMap<String, Entry>>,
    print: Arc<PrintPage>,
}

#[derive(Clone)]
enum Entry {
    Static(&'static [u8]),
    Shared(Arc<Vec<u8>>),
    CopyOf(PathBuf),
}

impl Site {
    pub fn new() -> Site {
        Site {
            files: RwLock::new(HashMap::new()),
            print: Arc::new(PrintPage::new()),
        }
    }

    /// print.html, when the builds leave it to be made on request.
    pub fn print(&self) -> &PrintPage {
        &self.print
    }

    /// Replace the whole site (after a full build).
    pub fn replace_all(&self, files: Vec<SiteFile>) {
        let map = files.into_iter().map(entry).collect();
        *self.files.write().unwrap_or_else(PoisonError::into_inner) = map;
    }

    /// Put or replace some files, keep the rest.
    pub fn update(&self, files: Vec<SiteFile>) {
        let new: Vec<_> = files.into_iter().map(entry).collect();
        self.files
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(new);
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    fn get(&self, path: &str) -> Option<Entry> {
        self.read().get(path).cloned()
    }

    fn contains(&self, path: &str) -> bool {
        self.read().contains_key(path)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Entry>> {
        // Writers only swap in values built outside the lock.
        self.files.read().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Site {
    fn default() -> Site {
        Site::new()
    }
}

fn entry(file: SiteFile) -> (String, Entry) {
    let content = match file.content {
        Content::Bytes(std::borrow::Cow::Borrowed(bytes)) => Entry::Static(bytes),
        Content::Bytes(std::borrow::Cow::Owned(bytes)) => Entry::Shared(Arc::new(bytes)),
        Content::CopyOf(path) => Entry::CopyOf(path),
    };
    (url_of(&file.path), content)
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "cannot listen on {addr}: the address is already in use (is another `proofbook serve` running?); choose another port with `--port`"
    )]
    AddrInUse { addr: SocketAddr },
    #[error("cannot listen on {addr} (choose another address or port with `--port`)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("cannot start the HTTP server on {addr}")]
    Start {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
}

/// The preview's HTTP server, bound and ready to `run`.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    app: App,
    limits: Limits,
    allowed: Vec<AllowedHost>,
    stop: Arc<AtomicBool>,
    /// `run` polls `wake`; `ShutdownHandle` writes to `waker`.
    wake: UnixStream,
    waker: Arc<UnixStream>,
}

/// Stops a running `Server` from any thread.
#[derive(Clone)]
pub struct ShutdownHandle {
    stop: Arc<AtomicBool>,
    waker: Arc<UnixStream>,
}

impl ShutdownHandle {
    /// Makes `run` return at once (answers being sent are cut off); the
    /// event streams end within half a second.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        front::wake(&self.waker);
    }
}

impl Server {
    /// Binds `addr` (port 0 picks a free port; see `local_addr`), with the
    /// default `Limits`, answering requests for loopback names and `addr`.
    pub fn bind(addr: SocketAddr, site: Arc<Site>, hub: Arc<Hub>) -> Result<Server, ServeError> {
        let listener = TcpListener::bind(addr).map_err(|source| {
            if source.kind() == io::ErrorKind::AddrInUse {
                ServeError::AddrInUse { addr }
            } else {
                ServeError::Bind { addr, source }
            }
        })?;
        let start = |source| ServeError::Start { addr, source };
        let local = listener.local_addr().map_err(start)?;
        listener.set_nonblocking(true).map_err(start)?;
        let (wake, waker) = UnixStream::pair().map_err(start)?;
        wake.set_nonblocking(true).map_err(start)?;
        waker.set_nonblocking(true).map_err(start)?;
        let limits = Limits::default();
        let stop = Arc::new(AtomicBool::new(false));
        Ok(Server {
            listener,
            addr: local,
            app: App {
                site,
                hub,
                stop: Arc::clone(&stop),
                streams: Arc::new(AtomicUsize::new(0)),
                max_streams: limits.max_streams,
                send_timeout: limits.send_timeout,
            },
            limits,
            allowed: Vec::new(),
            stop,
            wake,
            waker: Arc::new(waker),
        })
    }

    pub fn with_limits(mut self, limits: Limits) -> Server {
        self.app.max_streams = limits.max_streams;
        self.app.send_timeout = limits.send_timeout;
        self.limits = limits;
        self
    }

    /// Also answer requests naming these hosts (`--allow-host`).
    pub fn allow_hosts(mut self, hosts: Vec<AllowedHost>) -> Server {
        self.allowed = hosts;
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            stop: Arc::clone(&self.stop),
            waker: Arc::clone(&self.waker),
        }
    }

    /// Serves on this thread until `ShutdownHandle::shutdown` is called.
    pub fn run(&self) {
        let hosts = HostPolicy::new(self.addr, self.allowed.clone());
        Front {
            listener: &self.listener,
            wake: &self.wake,
            stop: &self.stop,
            limits: &self.limits,
            hosts: &hosts,
            handler: &self.app,
        }
        .run();
    }
}

/// The preview itself: what to answer a request that passed the front's
/// checks.
struct App {
    site: Arc<Site>,
    hub: Arc<Hub>,
    stop: Arc<AtomicBool>,
    /// Event streams open now.
    streams: Arc<AtomicUsize>,
    max_streams: usize,
    send_timeout: Duration,
}

impl Handler for App {
    fn answer(&self, head: &Head) -> Answer {
        let is_head = match head.method.as_str() {
            "GET" => false,
            "HEAD" => true,
            _ => {
                let reply = Reply::text(405, "method not allowed\n").with("Allow", "GET, HEAD");
                return Answer::Reply(reply);
            }
        };
        let target = match urlpath::parse(&head.target) {
            Ok(target) => target,
            Err(_) => return Answer::Reply(Reply::text(400, "bad request path\n")),
        };
        if target.path == events::EVENTS_PATH && !is_head {
            return self.stream(head.minor >= 1);
        }
        if target.key() == PRINT_PATH
            && !self.site.contains(PRINT_PATH)
            && let Some(answer) = self.site.print.answer(!is_head, self.send_timeout)
        {
            return answer;
        }
        Answer::Reply(reply(&self.site, &self.hub, &target))
    }
}

impl App {
    /// An event stream, if one more may open. Over the cap the page gets
    /// 503 and keeps its content (it just does not reload by itself).
    fn stream(&self, chunked: bool) -> Answer {
        let taken = self
            .streams
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.max_streams).then_some(n + 1)
            });
        if taken.is_err() {
            let reply = Reply::text(503, "too many pages are following the preview\n")
                .with("Retry-After", "5");
            return Answer::Reply(reply);
        }
        let slot = StreamSlot(Arc::clone(&self.streams));
        let subscription = self.hub.subscribe();
        let stop = Arc::clone(&self.stop);
        let stall = self.send_timeout;
        Answer::Take(Box::new(move |socket: TcpStream| {
            // A page that stops reading ends its stream once its socket
            // buffer is full, instead of holding the thread.
            let _ = socket.set_write_timeout(Some(stall));
            // If no thread can start, the stream is dropped (with its slot)
            // and the page reconnects later.
            let _ = thread::Builder::new()
                .name("proofbook-sse".to_owned())
                .spawn(move || {
                    let _slot = slot;
                    sse::stream(Box::new(socket), &subscription, chunked, &stop);
                });
        }))
    }
}

/// One open event stream, counted until it is dropped.
struct StreamSlot(Arc<AtomicUsize>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The answer to a GET of `target` (a HEAD gets its headers).
fn reply(site: &Site, hub: &Hub, target: &Target) -> Reply {
    if target.path == events::EVENTS_PATH {
        return Reply::bytes(200, "text/event-stream; charset=utf-8", Body::Static(b""));
    }
    let key = target.key();
    if site.is_empty() && is_page(&key) {
        return match hub.current_error() {
            Some(report) => Reply::html(500, pages::failed(&report)),
            None => Reply::html(503, pages::building()),
        };
    }
    if let Some(reply) = site.get(&key).and_then(|e| site_file(200, &key, e)) {
        return reply;
    }
    if !target.dir && !target.segments.is_empty() && site.contains(&format!("{key}/index.html")) {
        let mut location = urlpath::encode(&target.segments);
        location.push('/');
        if let Some(query) = &target.query {
            location.push('?');
            location.push_str(query);
        }
        let body = format!(
            "<!DOCTYPE html><a href=\"{0}\">{0}</a>\n",
            crate::html::escape(&location)
        );
        return Reply::html(301, body).with("Location", &location);
    }
    match site
        .get("404.html")
        .and_then(|e| site_file(404, "404.html", e))
    {
        Some(reply) => reply,
        None => Reply::html(404, pages::not_found()),
    }
}

/// The site file `key`; `None` if it is a copy whose source cannot be
/// served (gone, not a regular file, a symbolic link).
fn site_file(status: u16, key: &str, entry: Entry) -> Option<Reply> {
    let content_type = content_type(key);
    Some(match entry {
        Entry::Static(b) => Reply::bytes(status, content_type, Body::Static(b)),
        Entry::Shared(b) => Reply::bytes(status, content_type, Body::Shared(b)),
        Entry::CopyOf(path) => {
            let (file, len) = open_regular(&path).ok()?;
            Reply::file(status, content_type, file, len)
        }
    })
}

/// Whether a request for `key` wants a page (an HTML file, or a folder).
fn is_page(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    match name.rsplit_once('.') {
        None => true,
        Some((_, ext)) => ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm"),
    }
}

/// The media type for a site path, by extension.
fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "txt" | "py" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "text/xml; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Opens `path` if it is a regular file and its last component is not a
/// symbolic link (O_NOFOLLOW; O_NONBLOCK so that a FIFO put there cannot
/// block the open). The type is checked on the open file, so it cannot
/// change between the check and the read.
fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a symbolic link",
        ));
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((file, meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::events::ErrorReport;

    fn site(files: &[(&str, &'static str)]) -> Site {
        let site = Site::new();
        site.replace_all(
            files
                .iter()
                .map(|(p, t)| SiteFile {
                    path: PathBuf::from(p),
                    content: Content::Bytes(t.as_bytes().into()),
                })
                .collect(),
        );
        site
    }

    fn get(site: &Site, hub: &Hub, url: &str) -> (u16, String, Vec<(&'static str, String)>) {
        let target = urlpath::parse(url).expect("a valid path");
        let reply = reply(site, hub, &target);
        let (status, headers) = (reply.status, reply.headers.clone());
        let raw = crate::serve::response::sent(reply, true);
        let body = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end of head")
            + 4;
        let body = String::from_utf8(raw[body..].to_vec()).expect("utf-8 body");
        (status, body, headers)
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("a/B.HTML"), "text/html; charset=utf-8");
        assert_eq!(content_type("x.py"), "text/plain; charset=utf-8");
        assert_eq!(content_type("f.woff2"), "font/woff2");
        assert_eq!(content_type("noext"), "application/octet-stream");
        assert_eq!(content_type("dir.d/noext"), "application/octet-stream");
        assert_eq!(content_type("x.wasm"), "application/wasm");
    }

    #[test]
    fn update_keeps_the_rest_and_replace_all_does_not() {
        let site = site(&[("index.html", "a"), ("./b.css", "b")]);
        assert_eq!(site.len(), 2);
        assert!(site.contains("b.css"), "`./` is not part of a site path");
        site.update(vec![SiteFile::text("index.html", "new".into())]);
        assert_eq!(site.len(), 2);
        assert!(matches!(site.get("index.html"), Some(Entry::Shared(b)) if b.as_slice() == b"new"));
        site.replace_all(vec![SiteFile::text("c.html", String::new())]);
        assert_eq!(site.len(), 1);
    }

    #[test]
    fn redirect_keeps_the_query_and_cannot_leave_the_host() {
        let site = site(&[("evil.com/index.html", "x"), ("a b/index.html", "y")]);
        let hub = Hub::new();
        let (status, _, headers) = get(&site, &hub, "//evil.com?x=1");
        assert_eq!(status, 301);
        assert_eq!(headers, [("Location", "/evil.com/?x=1".to_owned())]);
        let (status, _, headers) = get(&site, &hub, "/a%20b");
        assert_eq!(status, 301);
        assert_eq!(headers, [("Location", "/a%20b/".to_owned())]);
    }

    #[test]
    fn empty_site_shows_building_then_the_error() {
        let site = Site::new();
        let hub = Hub::new();
        let (status, body, _) = get(&site, &hub, "/");
        assert_eq!(status, 503);
        assert!(
            body.contains("<main id=\"proofbook-placeholder\" data-report=\"\">"),
            "{body}"
        );
        assert!(body.contains(events::LIVE_RELOAD_JS));
        hub.publish(events::Event::Error(ErrorReport {
            message: "bad <tag> & \"quote\"".into(),
            location: Some("src/x.md:1:2".into()),
            excerpt: Some("1 | ```python".into()),
        }));
        let (status, body, _) = get(&site, &hub, "/guide/a.html");
        assert_eq!(status, 500);
        assert!(
            body.contains("bad &lt;tag&gt; &amp; &quot;quote&quot;"),
            "{body}"
        );
        assert!(body.contains("<code>src/x.md:1:2</code>"), "{body}");
        assert!(
            body.contains("data-report=\"{&quot;message&quot;:"),
            "{body}"
        );
        assert!(body.contains(events::LIVE_RELOAD_JS));
        let (status, _, _) = get(&site, &hub, "/main.css");
        assert_eq!(status, 404, "only pages get the error page");
    }

    #[test]
    fn missing_file_without_404_page_gets_a_plain_one() {
        let site = site(&[("index.html", "x")]);
        let (status, body, _) = get(&site, &Hub::new(), "/nope.html");
        assert_eq!(status, 404);
        assert!(body.contains("Not found"), "{body}");
    }

    #[test]
    fn copies_must_be_regular_files_reached_without_a_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("f.txt");
        std::fs::write(&file, "hello").expect("write");
        assert_eq!(open_regular(&file).expect("regular").1, 5);
        assert!(open_regular(dir.path()).is_err(), "a folder");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.txt");
            std::os::unix::fs::symlink(&file, &link).expect("symlink");
            assert!(open_regular(&link).is_err(), "a symbolic link");
            let fifo = dir.path().join("fifo");
            nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
            assert!(
                open_regular(&fifo).is_err(),
                "a FIFO, refused without blocking"
            );
        }
    }
}
