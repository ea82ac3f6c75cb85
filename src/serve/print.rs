//! The preview's print.html, made when a browser asks for it.
//!
//! print.html is every chapter again, so the preview's builds do not make
//! it (`BuildOptions::defer_print`): the edited page reloads as soon as its
//! own page is written. Each build leaves a `PrintJob` here instead. The
//! first request for print.html after a build renders it on the thread
//! that waits for it (the front thread never waits); later requests take
//! the copy kept until the next build. A build that lands while the page
//! is being made supersedes it: the render stops at its next chunk and
//! starts over from the new build, and whoever waits gets the new page.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use super::front::Answer;
use super::response::{Body, Outgoing, Reply};
use crate::pipeline::{PrintJob, Printed};

/// The site path it answers.
pub const PRINT_PATH: &str = "print.html";

/// Requests that may wait for print.html at once; more get 503 and retry.
const MAX_WAITING: usize = 8;

/// print.html for the site being previewed.
#[derive(Default)]
pub struct PrintPage {
    state: Mutex<State>,
    /// Signalled when a render ends or a build brings a new job.
    changed: Condvar,
    /// The current build, readable without the lock (a render in progress
    /// checks it between chunks).
    generation: AtomicU64,
    waiting: AtomicUsize,
}

/// What print.html is made from: a build's `PrintJob` (tests use others).
trait Source: Send + Sync {
    /// The page, or `Ok(None)` once `superseded` says so; `previous` is
    /// the last page made, to copy unchanged chapters' parts from.
    fn make(
        &self,
        superseded: &dyn Fn() -> bool,
        previous: Option<&Printed>,
    ) -> Result<Option<Printed>, String>;
}

impl Source for PrintJob {
    fn make(
        &self,
        superseded: &dyn Fn() -> bool,
        previous: Option<&Printed>,
    ) -> Result<Option<Printed>, String> {
        self.render(superseded, previous).map_err(|d| d.message)
    }
}

#[derive(Default)]
struct State {
    generation: u64,
    job: Option<Arc<dyn Source>>,
    page: Option<Made>,
    /// The last page made, of this build or an earlier one: the next
    /// render copies the parts of chapters that did not change from it.
    last: Option<Arc<Printed>>,
    /// A thread is rendering: this generation's page, or an older one's
    /// until it sees it was superseded (then it makes this one).
    rendering: bool,
}

/// What a render of the current job gave.
#[derive(Clone)]
enum Made {
    Page(Arc<Vec<u8>>),
    /// The theme's print template failed: the message, for the browser.
    Failed(Arc<str>),
}

impl PrintPage {
    pub fn new() -> PrintPage {
        PrintPage::default()
    }

    /// A new build: print.html is now made from `job` (none when the book
    /// has no print page). The page made from the last job is dropped, and
    /// a render of it stops at its next chunk.
    pub fn set(&self, job: Option<Arc<PrintJob>>) {
        self.set_source(job.map(|j| j as Arc<dyn Source>));
    }

    fn set_source(&self, job: Option<Arc<dyn Source>>) {
        let mut state = self.lock();
        state.generation += 1;
        self.generation.store(state.generation, Ordering::SeqCst);
        state.job = job;
        state.page = None;
        self.changed.notify_all();
    }

    /// Whether a build left a print page to make.
    pub fn available(&self) -> bool {
        self.lock().job.is_some()
    }

    /// The page of the current build, made on this thread if no other is
    /// making it; `None` when the book has no print page.
    pub fn wait(&self) -> Option<Result<Arc<Vec<u8>>, Arc<str>>> {
        let mut state = self.lock();
        loop {
            if let Some(made) = &state.page {
                return Some(match made {
                    Made::Page(p) => Ok(Arc::clone(p)),
                    Made::Failed(m) => Err(Arc::clone(m)),
                });
            }
            let job = Arc::clone(state.job.as_ref()?);
            if state.rendering {
                state = self
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            let generation = state.generation;
            state.rendering = true;
            let previous = state.last.clone();
            drop(state);
            let superseded = || self.generation.load(Ordering::SeqCst) != generation;
            // A bug in rendering fails this page, not every later wait.
            let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                job.make(&superseded, previous.as_deref())
            }))
            .unwrap_or_else(|_| Err("internal error in proofbook while making print.html".into()));
            drop(previous);
            state = self.lock();
            if state.generation == generation {
                state.rendering = false;
                state.page = match made {
                    Ok(Some(printed)) => {
                        let html = Arc::clone(&printed.html);
                        state.last = Some(Arc::new(printed));
                        Some(Made::Page(html))
                    }
                    // Only a superseded render stops early, and this one
                    // was not: nothing to keep, the next turn makes it.
                    Ok(None) => None,
                    Err(m) => Some(Made::Failed(m.into())),
                };
            } else {
                // `set` already cleared the page; the newer job is free to
                // be made (by this thread, on the next turn).
                state.rendering = false;
            }
            self.changed.notify_all();
        }
    }

    /// The answer to a request for print.html when the site does not hold
    /// one: `None` when no build left a print page (the caller answers as
    /// for any missing file), else the page, at once when it is made, from
    /// a thread of its own when it must be made or waited for.
    pub(crate) fn answer(self: &Arc<Self>, send_body: bool, stall: Duration) -> Option<Answer> {
        {
            let state = self.lock();
            state.job.as_ref()?;
            if let Some(made) = &state.page {
                return Some(Answer::Reply(reply(made.clone())));
            }
        }
        let taken = self
            .waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_WAITING).then_some(n + 1)
            });
        if taken.is_err() {
            let reply = Reply::text(503, "the print page is being made; try again shortly\n")
                .with("Retry-After", "2");
            return Some(Answer::Reply(reply));
        }
        let page = Arc::clone(self);
        Some(Answer::Take(Box::new(move |mut socket: TcpStream| {
            let _ = socket.set_write_timeout(Some(stall));
            let slot = Arc::clone(&page);
            let spawned = thread::Builder::new()
                .name("proofbook-print".to_owned())
                .spawn(move || {
                    let reply = match page.wait() {
                        Some(Ok(p)) => reply(Made::Page(p)),
                        Some(Err(m)) => reply(Made::Failed(m)),
                        // The build that came meanwhile has no print page.
                        None => Reply::text(404, "this book has no print page\n"),
                    };
                    page.waiting.fetch_sub(1, Ordering::SeqCst);
                    let mut out = Outgoing::new(reply, send_body, false);
                    // The socket blocks (with a deadline): one call sends
                    // all, or fails because the browser left.
                    let _ = out.write_to(&mut socket);
                    let _ = socket.flush();
                });
            // No thread: the socket closes and the browser may ask again.
            if spawned.is_err() {
                slot.waiting.fetch_sub(1, Ordering::SeqCst);
            }
        })))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing is left half-changed under the lock by a panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn reply(made: Made) -> Reply {
    match made {
        Made::Page(p) => Reply::bytes(200, "text/html; charset=utf-8", Body::Shared(p)),
        Made::Failed(m) => Reply::html(
            500,
            format!(
                "<!DOCTYPE html><title>print.html</title><p>The print page could not be made: {}</p>\n",
                crate::html::escape(&m)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{Receiver, Sender, channel};

    /// A page that says when it starts, waits to be let go, and then
    /// reports whether it was superseded by then.
    struct Held {
        started: Mutex<Sender<()>>,
        go: Mutex<Receiver<()>>,
        saw_superseded: Mutex<Sender<bool>>,
    }

    impl Source for Held {
        fn make(
            &self,
            superseded: &dyn Fn() -> bool,
            _: Option<&Printed>,
        ) -> Result<Option<Printed>, String> {
            let _ = self.started.lock().unwrap().send(());
            let _ = self.go.lock().unwrap().recv();
            let gone = superseded();
            let _ = self.saw_superseded.lock().unwrap().send(gone);
            Ok((!gone).then(|| Printed::whole("held".to_owned())))
        }
    }

    /// A page made at once, counting how often.
    struct Quick(AtomicUsize, &'static str);

    impl Source for Quick {
        fn make(
            &self,
            _: &dyn Fn() -> bool,
            _: Option<&Printed>,
        ) -> Result<Option<Printed>, String> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(Some(Printed::whole(self.1.to_owned())))
        }
    }

    struct Broken;

    impl Source for Broken {
        fn make(
            &self,
            _: &dyn Fn() -> bool,
            _: Option<&Printed>,
        ) -> Result<Option<Printed>, String> {
            Err("the print template failed".into())
        }
    }

    fn text(made: Option<Result<Arc<Vec<u8>>, Arc<str>>>) -> String {
        String::from_utf8(made.expect("a page").expect("made").to_vec()).unwrap()
    }

    #[test]
    fn a_new_build_supersedes_a_render_and_the_waiter_gets_the_new_page() {
        let page = Arc::new(PrintPage::new());
        let (started, has_started) = channel();
        let (let_go, go) = channel();
        let (saw, superseded) = channel();
        page.set_source(Some(Arc::new(Held {
            started: Mutex::new(started),
            go: Mutex::new(go),
            saw_superseded: Mutex::new(saw),
        })));
        let waiter = {
            let page = Arc::clone(&page);
            thread::spawn(move || text(page.wait()))
        };
        has_started.recv().unwrap();
        let newer = Arc::new(Quick(AtomicUsize::new(0), "newer"));
        page.set_source(Some(newer.clone()));
        let_go.send(()).unwrap();
        assert!(superseded.recv().unwrap(), "the render saw the newer build");
        assert_eq!(waiter.join().unwrap(), "newer");
        assert_eq!(text(page.wait()), "newer", "kept until the next build");
        assert_eq!(newer.0.load(Ordering::SeqCst), 1, "made once");
    }

    #[test]
    fn no_job_means_no_page_and_a_failure_is_kept_until_the_next_build() {
        let page = PrintPage::new();
        assert!(page.wait().is_none());
        assert!(!page.available());
        page.set_source(Some(Arc::new(Broken)));
        assert!(page.available());
        let made = page.wait().expect("a job");
        assert_eq!(&*made.unwrap_err(), "the print template failed");
        page.set(None);
        assert!(
            page.wait().is_none(),
            "a build without print drops the page"
        );
    }
}
