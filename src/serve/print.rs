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
use crate::pipeline::PrintJob;

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

#[derive(Default)]
struct State {
    generation: u64,
    job: Option<Arc<PrintJob>>,
    page: Option<Made>,
    /// A thread is rendering `generation`'s page.
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
    pub fn set(&self, job: Option<Box<PrintJob>>) {
        let mut state = self.lock();
        state.generation += 1;
        self.generation.store(state.generation, Ordering::SeqCst);
        state.job = job.map(Arc::from);
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
            drop(state);
            let superseded = || self.generation.load(Ordering::SeqCst) != generation;
            // A bug in rendering fails this page, not every later wait.
            let made =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.render(&superseded)))
                    .unwrap_or_else(|_| {
                        Err(crate::diag::Diagnostic::error(
                            "internal error in proofbook while making print.html",
                            None,
                        ))
                    });
            state = self.lock();
            if state.generation == generation {
                state.rendering = false;
                state.page = match made {
                    Ok(Some(html)) => Some(Made::Page(Arc::new(html.into_bytes()))),
                    // Not superseded after all: the check raced the set.
                    Ok(None) => None,
                    Err(d) => Some(Made::Failed(d.message.into())),
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
            // If no thread can start, the socket closes and the browser
            // may ask again.
            let _ = thread::Builder::new()
                .name("proofbook-print".to_owned())
                .spawn(move || {
                    let made = match page.wait() {
                        Some(Ok(p)) => Made::Page(p),
                        Some(Err(m)) => Made::Failed(m),
                        None => Made::Failed("the book has no print page any more".into()),
                    };
                    page.waiting.fetch_sub(1, Ordering::SeqCst);
                    let mut out = Outgoing::new(reply(made), send_body, false);
                    // The socket blocks (with a deadline): one call sends
                    // all, or fails because the browser left.
                    let _ = out.write_to(&mut socket);
                    let _ = socket.flush();
                });
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
                crate::render::escape_html_text(&m)
            ),
        ),
    }
}
