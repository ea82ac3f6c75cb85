//! What a build says while it works (`ProgressEvent`), and the listener
//! that hears it (`Progress`): the pipeline tells, `cmd/progress.rs` shows.

use std::time::Duration;

use super::BuildOptions;

/// What a build reports while it works, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum ProgressEvent<'a> {
    /// A slow step that is not an example (setting up Python).
    Note(&'a str),
    /// How many examples will run now, and how many came from the cache.
    Plan {
        run: usize,
        cached: usize,
        /// How long the runs should take, from the examples' earlier
        /// durations (`None` when none of them ran before).
        expected: Option<Duration>,
    },
    /// An example started; `place` is its `file:line`.
    Started { place: &'a str },
    /// It finished; `line` says how.
    Finished { place: &'a str, line: &'a str },
}

/// A listener for progress events, called from any thread.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(&ProgressEvent<'_>) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl Progress {
    pub(crate) fn tell(options: &BuildOptions, event: ProgressEvent<'_>) {
        if let Some(p) = &options.progress {
            (p.0)(&event);
        }
    }
}
