//! Reload and error events for the open pages (Server-Sent Events).
//!
//! The rebuild loop publishes an `Event` to the `Hub` after each build.
//! The hub remembers the current error, so a page opened later still shows
//! it, and queues a copy of each event, already in SSE wire form, for every
//! open page; `http` runs one thread per page that writes its queue to the
//! socket. Each queue is bounded and `publish` never waits: a page whose
//! queue is full is dropped, its stream ends, and its browser reconnects
//! (and reloads, seeing the generation it missed in the `hello` event).
//! `LIVE_RELOAD_JS` is the page side. This module does no I/O.
//!
//! The wire format, one SSE message per event:
//! - `hello` (sent first on every connection, with `retry: 1000`):
//!   `{"server":"<id of this hub>","generation":<reloads published so far>}`;
//! - `reload`: `{"pages":["index.html","guide/a.html"]}` (empty: every page);
//! - `error`: an `ErrorReport` as JSON, also sent on connect while current;
//! - `clear`: `{}`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Where pages open their event stream.
pub const EVENTS_PATH: &str = "/__proofbook/events";

/// Messages queued for one page before it counts as stuck and is dropped.
const QUEUE: usize = 64;

/// What changed, for the open pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// These pages (site paths such as `guide/a.html`) changed; an empty
    /// list means every page. A reload also ends the current error: the
    /// build that produced it succeeded.
    Reload { pages: Vec<String> },
    /// The last build failed; pages show it over their content.
    Error(ErrorReport),
    /// The error is gone (without a reload).
    Clear,
}

/// A failed build, as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReport {
    pub message: String,
    /// Where, as `content/x.md:12:3`.
    pub location: Option<String>,
    /// The source lines around it, plain text.
    pub excerpt: Option<String>,
}

/// The open pages and the current error. Shared by the rebuild loop and
/// the server's threads.
pub struct Hub {
    /// Tells a page that reconnects whether this is still the server that
    /// served it (if not, it reloads).
    instance: String,
    state: Mutex<State>,
}

struct State {
    next_id: u64,
    clients: Vec<(u64, SyncSender<Arc<str>>)>,
    error: Option<ErrorReport>,
    /// Reloads published so far.
    generation: u64,
}

impl Hub {
    pub fn new() -> Hub {
        static HUBS: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let instance = format!(
            "{:x}-{nanos:x}-{:x}",
            std::process::id(),
            HUBS.fetch_add(1, Ordering::Relaxed)
        );
        Hub {
            instance,
            state: Mutex::new(State {
                next_id: 0,
                clients: Vec::new(),
                error: None,
                generation: 0,
            }),
        }
    }

    /// Sends `event` to every open page without waiting for any of them.
    pub fn publish(&self, event: Event) {
        let mut state = self.lock();
        match &event {
            Event::Reload { .. } => {
                state.generation += 1;
                state.error = None;
            }
            Event::Error(report) => state.error = Some(report.clone()),
            Event::Clear => state.error = None,
        }
        let text: Arc<str> = wire(&event).into();
        state
            .clients
            .retain(|(_, tx)| match tx.try_send(Arc::clone(&text)) {
                Ok(()) => true,
                // Stuck (its queue is full) or gone: drop it; a stuck page
                // reconnects when its stream ends.
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            });
    }

    /// The error of the last build, unless a reload or clear followed it.
    pub fn current_error(&self) -> Option<ErrorReport> {
        self.lock().error.clone()
    }

    /// How many pages have an event stream open.
    pub fn clients(&self) -> usize {
        self.lock().clients.len()
    }

    /// Opens a page's queue, holding the `hello` message and the current
    /// error if there is one; the page counts as a client until the
    /// subscription is dropped.
    pub(crate) fn subscribe(self: &Arc<Self>) -> Subscription {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let mut state = self.lock();
        let hello = format!(
            "retry: 1000\nevent: hello\ndata: {}\n\n",
            serde_json::json!({ "server": self.instance, "generation": state.generation })
        );
        // The queue is new and empty, so these fit.
        let _ = tx.try_send(hello.into());
        if let Some(report) = &state.error {
            let _ = tx.try_send(wire(&Event::Error(report.clone())).into());
        }
        let id = state.next_id;
        state.next_id += 1;
        state.clients.push((id, tx));
        drop(state);
        Subscription {
            hub: Arc::clone(self),
            id,
            rx,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock; if some did, the state is
        // still consistent (each change is one assignment).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new()
    }
}

/// One page's queue of SSE messages.
pub(crate) struct Subscription {
    hub: Arc<Hub>,
    id: u64,
    rx: Receiver<Arc<str>>,
}

impl Subscription {
    /// The next message; `Disconnected` once the hub has dropped this page.
    pub(crate) fn recv_timeout(&self, timeout: Duration) -> Result<Arc<str>, RecvTimeoutError> {
        self.rx.recv_timeout(timeout)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.lock().clients.retain(|(id, _)| *id != self.id);
    }
}

/// An event as one SSE message. JSON from serde_json has no raw newline,
/// so each `data:` field is one line.
fn wire(event: &Event) -> String {
    let (name, data) = match event {
        Event::Reload { pages } => ("reload", serde_json::json!({ "pages": pages }).to_string()),
        Event::Error(report) => (
            "error",
            serde_json::to_string(report).unwrap_or_else(|_| "{}".to_owned()),
        ),
        Event::Clear => ("clear", "{}".to_owned()),
    };
    format!("event: {name}\ndata: {data}\n\n")
}

/// The JSON of `report` exactly as its `error` event carries it (the error
/// page embeds it, so the script can tell whether an event is news).
pub(crate) fn report_json(report: &ErrorReport) -> String {
    serde_json::to_string(report).unwrap_or_else(|_| "{}".to_owned())
}

/// The page side, injected inline into every page by `serve`
/// (`BuildOptions::live_reload_script`).
///
/// - `reload`: if the list is empty or names this page (`/` is
///   `index.html`, `/x/` is `x/index.html`), it saves the scroll position
///   in sessionStorage and reloads; the reloaded page restores it.
/// - `error` shows an overlay (text only, never parsed as HTML) with a close
///   button; `clear` removes it.
/// - `hello`, sent on each (re)connection: a different server, or reloads
///   missed while disconnected, reload the page.
/// - A page the server made up (`#proofbook-placeholder`: building, first
///   build failed, not found) reloads on any reload; one showing an error
///   (`data-report`) reloads when a different error or a clear arrives.
pub const LIVE_RELOAD_JS: &str = r#"(function () {
"use strict";
if (window.__proofbookLive) return;
window.__proofbookLive = 1;
var w = window, d = document, key = "proofbook-scroll:", path = location.pathname;
try { path = decodeURIComponent(path); } catch (e) {}
path = path.replace(/^\/+/, "");
if (path === "" || path.slice(-1) === "/") path += "index.html";
key += path;
function store() { try { return w.sessionStorage || null; } catch (e) { return null; } }
function reload() {
  try { store().setItem(key, JSON.stringify([w.scrollX || 0, w.scrollY || 0])); } catch (e) {}
  location.reload();
}
function restore() {
  try {
    var s = store(), v = s && s.getItem(key);
    if (v) { s.removeItem(key); v = JSON.parse(v); w.scrollTo(v[0], v[1]); }
  } catch (e) {}
}
if (d.readyState === "complete") restore(); else w.addEventListener("load", restore);
var ph = d.getElementById("proofbook-placeholder");
var shown = ph ? ph.getAttribute("data-report") : null;
var box = null, seen = null;
function el(tag, text, css) {
  var e = d.createElement(tag);
  if (text) e.textContent = text;
  if (css) e.style.cssText = css;
  return e;
}
function hide() { if (box && box.parentNode) box.parentNode.removeChild(box); box = null; }
function show(r) {
  hide();
  box = el("div", null, "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:2147483647;box-sizing:border-box;padding:12px 16px;background:#2d0f0f;color:#fde8e8;border-top:3px solid #e5484d;font:14px/1.45 ui-monospace,monospace;text-align:left");
  box.setAttribute("role", "alert");
  var b = el("button", "\u00d7", "float:right;font:inherit;font-size:20px;line-height:1;background:none;color:inherit;border:0;cursor:pointer");
  b.type = "button";
  b.setAttribute("aria-label", "Close");
  b.onclick = hide;
  box.appendChild(b);
  box.appendChild(el("strong", "proofbook: the build failed"));
  box.appendChild(el("div", r.message, "white-space:pre-wrap;margin-top:6px"));
  if (r.location) box.appendChild(el("div", r.location, "opacity:.8;margin-top:4px"));
  if (r.excerpt) box.appendChild(el("pre", r.excerpt, "margin:8px 0 0;overflow:auto;font:inherit"));
  (d.body || d.documentElement).appendChild(box);
}
function json(e) {
  if (typeof e.data !== "string") return null;
  try { return JSON.parse(e.data); } catch (x) { return null; }
}
if (!w.EventSource) return;
var es = new EventSource("/__proofbook/events");
es.addEventListener("hello", function (e) {
  var h = json(e);
  if (!h) return;
  if (seen && (h.server !== seen.server || h.generation !== seen.generation)) reload();
  else seen = h;
});
es.addEventListener("reload", function (e) {
  var r = json(e), pages = (r && r.pages) || [];
  if (seen) seen.generation++;
  if (ph || !pages.length || pages.indexOf(path) >= 0) reload();
  else hide();
});
es.addEventListener("error", function (e) {
  var r = json(e);
  if (!r) return;
  if (shown !== null) { if (e.data !== shown) reload(); return; }
  show(r);
});
es.addEventListener("clear", function () { if (shown !== null) reload(); else hide(); });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(sub: &Subscription) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(m) = sub.recv_timeout(Duration::ZERO) {
            out.push(m.to_string());
        }
        out
    }

    fn report() -> ErrorReport {
        ErrorReport {
            message: "unclosed fence\nsecond line".into(),
            location: Some("content/x.md:12:3".into()),
            excerpt: None,
        }
    }

    #[test]
    fn events_in_wire_form() {
        let reload = Event::Reload {
            pages: vec!["index.html".into(), "a \"b\".html".into()],
        };
        assert_eq!(
            wire(&reload),
            "event: reload\ndata: {\"pages\":[\"index.html\",\"a \\\"b\\\".html\"]}\n\n"
        );
        assert_eq!(wire(&Event::Clear), "event: clear\ndata: {}\n\n");
        let error = wire(&Event::Error(report()));
        assert_eq!(
            error,
            "event: error\ndata: {\"message\":\"unclosed fence\\nsecond line\",\
             \"location\":\"content/x.md:12:3\",\"excerpt\":null}\n\n"
        );
        assert_eq!(error.matches('\n').count(), 3, "one line per field");
    }

    #[test]
    fn subscribers_get_hello_then_the_current_error_then_events() {
        let hub = Arc::new(Hub::new());
        hub.publish(Event::Error(report()));
        let sub = hub.subscribe();
        assert_eq!(hub.clients(), 1);
        let got = drain(&sub);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[0].starts_with("retry: 1000\nevent: hello\ndata: {"),
            "{got:?}"
        );
        assert!(got[0].contains("\"generation\":0"), "{got:?}");
        assert!(got[1].starts_with("event: error\n"), "{got:?}");

        hub.publish(Event::Reload { pages: vec![] });
        assert_eq!(hub.current_error(), None, "a reload ends the error");
        assert_eq!(drain(&sub), ["event: reload\ndata: {\"pages\":[]}\n\n"]);
        let late = hub.subscribe();
        let got = drain(&late);
        assert_eq!(got.len(), 1, "no error any more: {got:?}");
        assert!(got[0].contains("\"generation\":1"), "{got:?}");
        assert_eq!(hub.clients(), 2);
        drop(sub);
        drop(late);
        assert_eq!(hub.clients(), 0);
    }

    #[test]
    fn clear_ends_the_error() {
        let hub = Hub::new();
        hub.publish(Event::Error(report()));
        assert_eq!(hub.current_error(), Some(report()));
        hub.publish(Event::Clear);
        assert_eq!(hub.current_error(), None);
    }

    #[test]
    fn a_stuck_page_is_dropped_without_blocking_publish() {
        let hub = Arc::new(Hub::new());
        let stuck = hub.subscribe();
        let live = hub.subscribe();
        for _ in 0..QUEUE {
            hub.publish(Event::Clear);
            let _ = live.recv_timeout(Duration::ZERO);
        }
        assert_eq!(hub.clients(), 1, "the page that never read is dropped");
        assert_eq!(drain(&stuck).len(), QUEUE, "it keeps what was queued");
        assert_eq!(
            stuck.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Disconnected)
        );
        hub.publish(Event::Clear);
        assert!(!drain(&live).is_empty());
    }

    #[test]
    fn hubs_have_distinct_ids() {
        assert_ne!(Hub::new().instance, Hub::new().instance);
    }

    #[test]
    fn script_is_small_and_safe_to_inline() {
        assert!(
            LIVE_RELOAD_JS.len() < 3 * 1024,
            "{} bytes",
            LIVE_RELOAD_JS.len()
        );
        assert!(LIVE_RELOAD_JS.contains(&format!("\"{EVENTS_PATH}\"")));
        assert!(!LIVE_RELOAD_JS.to_ascii_lowercase().contains("</script"));
        assert!(!LIVE_RELOAD_JS.contains("innerHTML"));
        for event in ["hello", "reload", "error", "clear"] {
            assert!(LIVE_RELOAD_JS.contains(&format!("addEventListener(\"{event}\"")));
        }
    }
}
