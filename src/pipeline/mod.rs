//! The build pipeline, wiring the stages in the order ARCHITECTURE.md
//! draws (config → book → markdown → execute → measure → render → output).
//!
//! `render_site` (in `stages.rs`) runs every stage and writes each file
//! into a staging folder as soon as it exists; `build` swaps that folder in
//! at the end. Each stage is a call to its module; this module only wires
//! them together and decides which problems stop the build.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::book::{self, Book, Chapter};
use crate::config::Config;
use crate::diag::{Diagnostic, has_errors};
use crate::markdown::{MarkdownOptions, ParseContext};
use crate::output::{self, OutputError, page_path};
use crate::preprocess;

mod answer;
pub mod bless;
pub mod check;
mod docs;
mod examples;
pub mod not_run;
mod pages;
mod parse;
mod parse_cache;
mod print_job;
mod renderers;
mod reuse;
pub mod rounds;
mod search_index;
pub mod shard;
mod stages;
mod warnings;
pub(crate) use parse::parse_docs;
pub use print_job::{PrintJob, Printed};
pub use reuse::page_keys;
pub use stages::render_site;

/// Choices made for one run, not stored in book.toml.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Overrides `[build] build-dir`.
    pub dest: Option<PathBuf>,
    /// Script injected into every page by `serve`; `None` for a real build.
    pub live_reload_script: Option<String>,
    /// The proofbook binary, which is also the sandbox launcher; examples
    /// cannot run without it.
    pub launcher: Option<PathBuf>,
    /// How many examples run at once (default: the usable cores).
    pub jobs: Option<usize>,
    /// Hears a line for each slow step (environment set-up, each example).
    pub progress: Option<Progress>,
    /// Which examples run again although the cache has their result.
    pub rerun: Rerun,
    /// Build from cached results only; an example without one is an error.
    pub offline_results: bool,
    /// Only the examples whose id or `file:line` contains this (`check`).
    pub filter: Option<String>,
    /// Only the examples with exactly these ids (`check --claim`, which
    /// sets it from `claim`).
    pub only_ids: Option<Vec<String>>,
    /// Only this claim, by `file:line` or id, with the examples it is
    /// judged on (`check --claim`).
    pub claim: Option<String>,
    /// Answer from the cache the results a failed claim was judged on,
    /// which a build otherwise runs again (`build --keep-failed`; `serve`,
    /// so a preview does not repeat benchmarks on every save).
    pub keep_failed: bool,
    /// Do not wait for changed examples: show each one's newest earlier
    /// result, marked as re-running (`serve`'s first pass; the next build
    /// runs them).
    pub pending: bool,
    /// Replace a destination proofbook did not write (or that changed
    /// since) by moving it aside to `DIR.replaced-TIME`; never deletes it.
    pub force: bool,
    /// Answer the examples from these records instead of the sandbox (the
    /// cache still answers first): tests of everything around the runs.
    pub recorded: Option<std::sync::Arc<crate::execute::runner::Recorded>>,
    /// Write no print.html but hand back what it is made of
    /// (`BuildReport::print`), for `serve` to make it when it is asked for.
    pub defer_print: bool,
    /// `check --shard K/N`: run only that part of the examples and write
    /// its results bundle (`shard.rs`).
    pub shard: Option<shard::ShardRun>,
    /// Answer every example from these shards' bundles and run none
    /// (`merge`, `build --results`).
    pub bundles: Option<shard::Bundles>,
}

/// `--rerun`: none (use the cache), all, or the examples with these ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Rerun {
    #[default]
    None,
    All,
    Ids(Vec<String>),
}

/// How the book's examples were answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExampleCounts {
    pub ran: usize,
    pub cached: usize,
    /// Shown with an earlier result while they wait to run (`pending`).
    pub pending: usize,
    /// Could not run, or did not end or print as the book says.
    pub failed: usize,
    /// Python blocks not run because the book's examples are off
    /// (`not_run`): the summary says so, with the key that runs them.
    pub off: usize,
}

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

/// What a build made. `render_site` fills all but what the swap decides
/// (`moved_aside`) and what came before it (`leftovers`).
#[derive(Debug)]
pub struct BuildReport {
    pub dest: PathBuf,
    pub pages: usize,
    /// Files unchanged since the previous build, taken from it as they
    /// were: pages (print.html and index.html included) and the search index.
    pub reused: usize,
    /// What was made again.
    pub made: Remade,
    pub files: usize,
    pub examples: ExampleCounts,
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
    /// Where the folder that was at the destination went, when it was not
    /// proofbook's and `force` kept it.
    pub moved_aside: Option<PathBuf>,
    /// Temp folders and cgroups that killed builds left, now removed.
    pub leftovers: Vec<String>,
    /// The claims that did not hold in this build (not in a `pending`
    /// one, which weighs earlier results).
    pub failed_claims: Vec<FailedClaim>,
    /// With `defer_print`, when the book has a print page: its makings.
    pub print: Option<Box<PrintJob>>,
}

/// What a build rendered rather than took from the previous site or the
/// parts store, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Remade {
    /// Pages rendered: chapters, and index.html when it is the first
    /// chapter again.
    pub pages: usize,
    /// print.html was assembled again, with how many chapters' parts of it
    /// were made (the others came from the store).
    pub print: Option<usize>,
    /// The search index was assembled again, with how many chapters' parts
    /// of it were made.
    pub search: Option<usize>,
}

impl BuildReport {
    /// A build that made no HTML (book.toml names only other renderers).
    fn without_html(dest: PathBuf) -> BuildReport {
        BuildReport {
            dest,
            pages: 0,
            reused: 0,
            made: Remade::default(),
            files: 0,
            examples: ExampleCounts::default(),
            warnings: Vec::new(),
            timings: Timings::default(),
            moved_aside: None,
            leftovers: Vec::new(),
            failed_claims: Vec::new(),
            print: None,
        }
    }
}

/// A claim that did not hold, for the build's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedClaim {
    /// `content/x.md:12`, relative to the book's root.
    pub place: String,
    /// Its `id=`, when it has one.
    pub id: Option<String>,
    /// The comparison with this build's numbers.
    pub comparison: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Problems in the book; the list holds warnings too, in order.
    #[error("the book has errors")]
    Book(Vec<Diagnostic>),
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Ctrl-C or SIGTERM: the examples were stopped and the staging
    /// folder removed; the previous site is as it was.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}

impl BuildError {
    /// The signal, when the build stopped because it was interrupted.
    pub fn interrupted(&self) -> Option<i32> {
        match self {
            BuildError::Interrupted(i) | BuildError::Output(OutputError::Interrupted(i)) => {
                Some(i.0)
            }
            _ => None,
        }
    }
}

/// Builds the site into the destination, replacing the previous one whole,
/// then runs the book's other renderers (`[output.NAME]`). Pages are
/// written into the staging folder as soon as they are rendered, so memory
/// does not grow with the size of the site.
pub fn build(config: &Config, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let base = match &options.dest {
        Some(d) => std::path::absolute(d).unwrap_or_else(|_| d.clone()),
        None => config.build_dir.clone(),
    };
    let mut report = if config.render_html {
        build_html(config, options, &base)?
    } else {
        BuildReport::without_html(base.clone())
    };
    if renderers::run_all(config, options, &base, &mut report.warnings).is_err() {
        return Err(BuildError::Book(std::mem::take(&mut report.warnings)));
    }
    Ok(report)
}

/// The HTML site, into `base` or `base/html`.
fn build_html(
    config: &Config,
    options: &BuildOptions,
    base: &Path,
) -> Result<BuildReport, BuildError> {
    let dest = if config.html_in_subfolder {
        base.join("html")
    } else {
        base.to_owned()
    };
    // A destination that is a symbolic link is replaced where it points,
    // so the link keeps working; one that points nowhere is refused.
    let dest = match std::fs::symlink_metadata(&dest) {
        Ok(meta) if meta.file_type().is_symlink() => {
            dest.canonicalize()
                .map_err(|_| OutputError::UnsafeDestination {
                    dest: dest.clone(),
                    reason: "it is a symbolic link to nothing".into(),
                })?
        }
        _ => dest,
    };
    let mut inputs: Vec<&Path> = vec![&config.src];
    inputs.extend(config.html.theme_dir.as_deref());
    let extra: Vec<PathBuf> = config
        .html
        .additional_css
        .iter()
        .chain(&config.html.additional_js)
        .map(|p| config.root.join(p))
        .collect();
    inputs.extend(extra.iter().map(PathBuf::as_path));
    output::check_destination(&dest, &config.root, &inputs, options.force)?;
    let _lock = output::DestinationLock::acquire(&dest, || {
        let line = format!("waiting for another build of {} to finish", dest.display());
        Progress::tell(options, ProgressEvent::Note(&line));
    })?;
    let leftovers = remove_leftovers(&dest);
    let (mut report, staging) = render_site(config, options, &dest)?;
    let mut clock = Instant::now();
    let swapped = staging.finish(options.force)?;
    output::stale::remove_parts_store(&config.run.cache_dir);
    report.timings.lap("swap", &mut clock);
    report.moved_aside = swapped.moved_aside;
    report.leftovers = leftovers;
    Ok(report)
}

/// Removes what builds killed with SIGKILL left (their staging folders
/// beside `dest`, their cgroups); a line for each.
pub fn remove_leftovers(dest: &Path) -> Vec<String> {
    let mut lines = output::stale::remove_stale(dest);
    if let Some(root) = crate::execute::cgroup::CgroupRoot::find() {
        lines.extend(root.remove_stale());
    }
    lines
}

/// Wall time of each phase of a build, for the summary line and for
/// finding where time goes. Only the pipeline reads the clock.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub phases: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn lap(&mut self, name: &'static str, since: &mut Instant) {
        let now = Instant::now();
        self.phases.push((name, now - *since));
        *since = now;
    }
}

/// Reads the book and runs its preprocessors; `None` when either failed
/// (the reasons are in `diags`). The flag says whether a preprocessor
/// already expanded the include directives. Missing chapters are created,
/// each with a line, unless book.toml says not to or this is `check`
/// (`for_check`), which writes nothing into the book.
pub(crate) fn load_book(
    config: &Config,
    options: &BuildOptions,
    for_check: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Book, bool)> {
    load(config, options, for_check, "html", diags)
}

/// The book as `load_book` reads it for `build`, with the preprocessors
/// that support the renderer `renderer` run over it.
pub(crate) fn load_book_for(
    config: &Config,
    options: &BuildOptions,
    renderer: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Book, bool)> {
    load(config, options, false, renderer, diags)
}

fn load(
    config: &Config,
    options: &BuildOptions,
    for_check: bool,
    renderer: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Book, bool)> {
    let missing = match (config.create_missing, for_check) {
        (false, _) => book::Missing::Error,
        (true, true) => book::Missing::WouldCreate,
        (true, false) => book::Missing::Create,
    };
    let loaded = book::load(&config.src, &config.confine, missing);
    for created in &loaded.created {
        Progress::tell(options, ProgressEvent::Note(&created.to_string()));
    }
    let book = loaded.book;
    diags.extend(loaded.diagnostics);
    if has_errors(diags) {
        return None;
    }
    let (preprocessed, pre_diags) = preprocess::run(config, book, renderer);
    diags.extend(pre_diags);
    if has_errors(diags) {
        return None;
    }
    Some((preprocessed.book, preprocessed.includes_expanded))
}

/// The chapters that have a page (drafts have none), in book order.
pub(crate) fn page_chapters(book: &Book) -> Vec<&Chapter> {
    book.chapters()
        .into_iter()
        .filter(|c| !c.is_draft())
        .collect()
}

/// Chapter source path → site path, for link rewriting.
pub(crate) fn page_map(chapters: &[&Chapter]) -> HashMap<PathBuf, PathBuf> {
    chapters
        .iter()
        .filter_map(|c| c.path.clone())
        .map(|src| {
            let out = page_path(&src);
            (src, out)
        })
        .collect()
}

pub(crate) fn parse_context<'a>(
    config: &'a Config,
    pages: &'a HashMap<PathBuf, PathBuf>,
    includes_expanded: bool,
) -> ParseContext<'a> {
    ParseContext {
        options: MarkdownOptions {
            smart_punctuation: config.html.smart_punctuation,
            playground: crate::markdown::playground::PlaygroundOptions {
                runnable: config.html.playground_runnable,
                editable: config.html.playground_editable,
                edition: config.html.rust_edition,
            },
            definition_lists: config.html.definition_lists,
            admonitions: config.html.admonitions,
        },
        confine: &config.confine,
        src: &config.src,
        pages,
        expand_includes: !includes_expanded,
        hidelines: &config.html.hidelines,
        interpreters: &config.run.interpreters,
    }
}
