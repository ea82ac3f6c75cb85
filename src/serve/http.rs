//! The preview server: the in-memory site over HTTP.
//!
//! `Site` holds the last build's files by site path (the rebuild loop
//! replaces or updates them); `Server` answers GET and HEAD from it with
//! tiny_http, on a pool of `WORKERS` threads, and hands each event stream
//! (`events::EVENTS_PATH`) to a thread of its own (`sse`), so open pages
//! never hold a worker.
//!
//! A request path is decoded segment by segment (`urlpath`) and looked up
//! in the map, never joined onto a folder: the only files read from disk
//! are the `CopyOf` sources the build named, and only when they are regular
//! files reached without a symbolic link in their last component (the build
//! copies no symbolic links from the book, so a link found there now was
//! made after the build and may point anywhere).
//!
//! Every response has `Cache-Control: no-store` (a page being written must
//! never come from a cache) and `X-Content-Type-Options: nosniff`.
//! While the site is empty (the first build has not finished), pages get a
//! placeholder (`pages`): 503 "building", or 500 with the error once the
//! first build failed; both carry `LIVE_RELOAD_JS` and reload when a build
//! succeeds. Other files get 404 then.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::thread;

use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::events::{self, Hub};
use super::urlpath::{self, Target};
use super::{pages, sse};
use crate::output::{Content, SiteFile, url_of};

/// Threads answering ordinary requests.
const WORKERS: usize = 4;

/// The site being previewed, by site path (`index.html`, `guide/a.html`).
pub struct Site {
    files: RwLock<HashMap<String, Entry>>,
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
        }
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
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The preview's HTTP server, bound and ready to `run`.
pub struct Server {
    http: Arc<tiny_http::Server>,
    addr: SocketAddr,
    site: Arc<Site>,
    hub: Arc<Hub>,
    stop: Arc<AtomicBool>,
}

/// Stops a running `Server` from any thread.
#[derive(Clone)]
pub struct ShutdownHandle {
    // Weak, so a handle kept around does not keep the port bound.
    http: Weak<tiny_http::Server>,
    stop: Arc<AtomicBool>,
}

impl ShutdownHandle {
    /// Makes `run` return once the requests in progress are answered; the
    /// event streams end within half a second.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(http) = self.http.upgrade() {
            // Each call wakes one thread blocked in `recv`.
            for _ in 0..WORKERS {
                http.unblock();
            }
        }
    }
}

impl Server {
    /// Binds `addr` (port 0 picks a free port; see `local_addr`).
    pub fn bind(addr: SocketAddr, site: Arc<Site>, hub: Arc<Hub>) -> Result<Server, ServeError> {
        let listener = std::net::TcpListener::bind(addr).map_err(|source| {
            if source.kind() == io::ErrorKind::AddrInUse {
                ServeError::AddrInUse { addr }
            } else {
                ServeError::Bind { addr, source }
            }
        })?;
        let local = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        let http = tiny_http::Server::from_listener(listener, None)
            .map_err(|source| ServeError::Start { addr, source })?;
        Ok(Server {
            http: Arc::new(http),
            addr: local,
            site,
            hub,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            http: Arc::downgrade(&self.http),
            stop: Arc::clone(&self.stop),
        }
    }

    /// Serves until `ShutdownHandle::shutdown` is called, on `WORKERS`
    /// threads (this one among them). It also returns if the listener
    /// fails: tiny_http stops accepting after an accept error.
    pub fn run(&self) {
        thread::scope(|scope| {
            for i in 1..WORKERS {
                // A worker that cannot start leaves the others to do its work.
                let _ = thread::Builder::new()
                    .name(format!("proofbook-http-{i}"))
                    .spawn_scoped(scope, || self.work());
            }
            self.work();
        });
    }

    fn work(&self) {
        while !self.stop.load(Ordering::SeqCst) {
            match self.http.recv() {
                Ok(request) => self.handle(request),
                // Woken by `shutdown`, or the accept thread is gone, and
                // with it every request to come.
                Err(_) => {
                    self.shutdown_handle().shutdown();
                    break;
                }
            }
        }
    }

    fn handle(&self, request: Request) {
        let head = match request.method() {
            Method::Get => false,
            Method::Head => true,
            _ => {
                let reply = Reply::text(405, "method not allowed\n").with("Allow", "GET, HEAD");
                let _ = request.respond(reply.into_response());
                return;
            }
        };
        let target = match urlpath::parse(request.url()) {
            Ok(target) => target,
            Err(_) => {
                let _ = request.respond(Reply::text(400, "bad request path\n").into_response());
                return;
            }
        };
        if target.path == events::EVENTS_PATH && !head {
            let chunked = *request.http_version() >= (1, 1);
            let subscription = self.hub.subscribe();
            let out = request.into_writer();
            let stop = Arc::clone(&self.stop);
            // If no thread can start, the stream is dropped and the page
            // reconnects later.
            let _ = thread::Builder::new()
                .name("proofbook-sse".to_owned())
                .spawn(move || sse::stream(out, &subscription, chunked, &stop));
            return;
        }
        let reply = reply(&self.site, &self.hub, &target);
        // A client that went away is no concern of ours.
        let _ = request.respond(reply.into_response());
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
    if let Some(reply) = site.get(&key).and_then(|e| Reply::file(200, &key, e)) {
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
            crate::render::escape_html_text(&location)
        );
        return Reply::html(301, body).with("Location", &location);
    }
    match site
        .get("404.html")
        .and_then(|e| Reply::file(404, "404.html", e))
    {
        Some(reply) => reply,
        None => Reply::html(404, pages::not_found()),
    }
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

enum Body {
    Static(&'static [u8]),
    Shared(Arc<Vec<u8>>),
    Owned(Vec<u8>),
}

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        match self {
            Body::Static(b) => b,
            Body::Shared(b) => b,
            Body::Owned(b) => b,
        }
    }
}

/// A response before it meets tiny_http.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Box<dyn Read + Send>,
    len: usize,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn bytes(status: u16, content_type: &'static str, body: Body) -> Reply {
        let len = body.as_ref().len();
        Reply {
            status,
            content_type,
            body: Box::new(Cursor::new(body)),
            len,
            headers: Vec::new(),
        }
    }

    fn text(status: u16, text: &'static str) -> Reply {
        Reply::bytes(
            status,
            "text/plain; charset=utf-8",
            Body::Static(text.as_bytes()),
        )
    }

    fn html(status: u16, html: String) -> Reply {
        Reply::bytes(
            status,
            "text/html; charset=utf-8",
            Body::Owned(html.into_bytes()),
        )
    }

    /// The site file `key`; `None` if it is a copy whose source cannot be
    /// served (gone, not a regular file, a symbolic link).
    fn file(status: u16, key: &str, entry: Entry) -> Option<Reply> {
        let content_type = content_type(key);
        Some(match entry {
            Entry::Static(b) => Reply::bytes(status, content_type, Body::Static(b)),
            Entry::Shared(b) => Reply::bytes(status, content_type, Body::Shared(b)),
            Entry::CopyOf(path) => {
                let (file, len) = open_regular(&path).ok()?;
                Reply {
                    status,
                    content_type,
                    // The length sent is the length read, even if the file grows.
                    body: Box::new(file.take(len)),
                    len: usize::try_from(len).ok()?,
                    headers: Vec::new(),
                }
            }
        })
    }

    fn with(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn into_response(self) -> Response<Box<dyn Read + Send>> {
        let fixed = [
            ("Content-Type", self.content_type),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ];
        let headers = fixed
            .into_iter()
            .chain(self.headers.iter().map(|(n, v)| (*n, v.as_str())))
            // Values are ASCII (constants, or percent-encoded paths).
            .filter_map(|(n, v)| Header::from_bytes(n.as_bytes(), v.as_bytes()).ok())
            .collect();
        Response::new(
            StatusCode(self.status),
            headers,
            self.body,
            Some(self.len),
            None,
        )
    }
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
        let mut reply = reply(site, hub, &target);
        let mut body = String::new();
        reply.body.read_to_string(&mut body).expect("utf-8 body");
        (reply.status, body, reply.headers)
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
