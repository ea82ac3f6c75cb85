//! The build pipeline: config → book → markdown → execute → render → output.
//!
//! `render_site` runs every stage and writes each file into a staging
//! folder as soon as it exists; `build` swaps that folder in at the end. Each stage is a call to its module; this file
//! only wires them together and decides which problems stop the build.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::book::{self, Book, Chapter};
use crate::config::Config;
use crate::diag::{Diagnostic, has_errors};
use crate::markdown::{Document, MarkdownOptions, ParseContext, example, links, parse_chapter};
use crate::output::{self, Content, OutputError, SiteFile, Staging, assets, page_path};
use crate::preprocess;

mod answer;
pub mod check;
mod claims;
mod examples;
mod figures;
mod measures;
pub mod not_run;
mod pages;
mod print_job;
mod progress;
mod reuse;
mod warnings;
use crate::render;
use crate::render::site::SiteRenderer;
pub use print_job::PrintJob;
pub use progress::{Progress, ProgressEvent};
pub use reuse::page_keys;

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
    /// Write no print.html but hand back what it is made of
    /// (`BuildReport::print`), for `serve` to make it when it is asked for.
    pub defer_print: bool,
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

#[derive(Debug)]
pub struct BuildReport {
    pub dest: PathBuf,
    pub pages: usize,
    /// Pages (print.html and index.html included) unchanged since the
    /// previous build, taken from it as they were.
    pub reused: usize,
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

/// Builds the site into the destination, replacing the previous one whole.
/// Pages are written into the staging folder as soon as they are rendered,
/// so memory does not grow with the size of the site.
pub fn build(config: &Config, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let base = match &options.dest {
        Some(d) => std::path::absolute(d).unwrap_or_else(|_| d.clone()),
        None => config.build_dir.clone(),
    };
    let dest = if config.html_in_subfolder {
        base.join("html")
    } else {
        base
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
    let (rendered, staging) = render_site(config, options, &dest)?;
    let mut timings = rendered.timings;
    let mut clock = Instant::now();
    let swapped = staging.finish(options.force)?;
    timings.lap("swap", &mut clock);
    Ok(BuildReport {
        dest,
        pages: rendered.pages,
        reused: rendered.reused,
        files: rendered.files,
        examples: rendered.examples,
        warnings: rendered.warnings,
        timings,
        moved_aside: swapped.moved_aside,
        leftovers,
        failed_claims: rendered.failed_claims,
        print: rendered.print,
    })
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

/// What `render_site` made.
pub struct Rendered {
    pub pages: usize,
    /// Pages (and print.html, index.html) linked from the previous site.
    pub reused: usize,
    pub files: usize,
    pub examples: ExampleCounts,
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
    pub failed_claims: Vec<FailedClaim>,
    /// With `defer_print`, when the book has a print page: its makings.
    pub print: Option<Box<PrintJob>>,
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

/// Runs every stage and writes each file of the site into a staging folder
/// beside `dest`, opened only once the book has parsed cleanly (so a book
/// with errors, or a build stopped while loading, leaves nothing behind).
/// Problems in the book come back as `BuildError::Book` with every
/// diagnostic found so far, warnings included.
pub fn render_site(
    config: &Config,
    options: &BuildOptions,
    dest: &Path,
) -> Result<(Rendered, Staging), BuildError> {
    let mut diags = Vec::new();
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let stop = |diags: Vec<Diagnostic>| Err(BuildError::Book(diags));
    let (theme, theme_warnings) =
        render::theme::load(config.html.theme_dir.as_deref()).map_err(BuildError::Book)?;
    diags.extend(theme_warnings);

    let Some((book, includes_expanded)) = load_book(config, &mut diags) else {
        crate::interrupt::check()?;
        return stop(diags);
    };
    crate::interrupt::check()?;
    timings.lap("load", &mut clock);

    let chapters = page_chapters(&book);
    if chapters.is_empty() {
        let summary = config.src.join(book::SUMMARY_FILE);
        diags.push(
            Diagnostic::warning(
                format!(
                    "the book has no chapters with a page: {} lists none",
                    summary.display()
                ),
                None,
            )
            .with_help("add a line such as `- [Introduction](intro.md)` to SUMMARY.md"),
        );
    }
    let chapter_path = |c: &Chapter| c.path.clone().expect("drafts were filtered out");
    let pages = page_map(&chapters);
    // Two sources for one site path would overwrite each other (in a race,
    // for pages written in parallel): every path has one owner.
    let mut claims: HashMap<PathBuf, String> = HashMap::new();
    for ch in &chapters {
        let out = page_path(&chapter_path(ch));
        let label = format!(
            "chapter `{}` (SUMMARY.md line {})",
            chapter_path(ch).display(),
            ch.summary_line
        );
        match claims.get(&out) {
            Some(owner) => diags.push(collision(&out, owner, &label)),
            None => {
                claims.insert(out, label);
            }
        }
    }
    if has_errors(&diags) {
        return stop(diags);
    }

    let ctx = parse_context(config, &pages, includes_expanded);
    let docs = parse_docs(&ctx, &book, &chapters, config, &mut diags);
    if has_errors(&diags) {
        return stop(diags);
    }
    timings.lap("parse", &mut clock);

    // Each chapter's page, in book order.
    let page_paths: Vec<PathBuf> = chapters
        .iter()
        .map(|c| page_path(&chapter_path(c)))
        .collect();
    let (runs, examples, results, failed_claims) = if not_run::examples_run(config, &docs) {
        let out = examples::run_examples(config, options, &docs, &page_paths, &mut diags);
        (out.pages, out.counts, out.results, out.failed_claims)
    } else {
        let counts = ExampleCounts {
            off: not_run::runnable_blocks(&docs),
            ..ExampleCounts::default()
        };
        (not_run::pages(&docs), counts, None, Vec::new())
    };
    // Examples stopped by Ctrl-C failed for no fault of theirs: the
    // interruption is the one thing to report.
    crate::interrupt::check()?;
    if has_errors(&diags) {
        return stop(diags);
    }
    timings.lap("examples", &mut clock);

    let staging = Staging::new(dest)?;
    let site = SiteRenderer::new(
        config,
        options.live_reload_script.as_deref(),
        &theme,
        &book,
        &pages,
    );
    // print.html is written as the pages are, so it is claimed first.
    if config.html.print_enable {
        let print = PathBuf::from("print.html");
        match claims.get(&print) {
            Some(owner) => diags.push(collision(&print, owner, "the print page")),
            None => {
                claims.insert(print, "the print page".into());
            }
        }
    }
    let index_fallback = !pages.values().any(|p| p == Path::new("index.html"));
    if index_fallback {
        claims.insert("index.html".into(), "the index page".into());
    }
    if has_errors(&diags) {
        return stop(diags);
    }
    let inputs = pages::PageInputs {
        chapters: &chapters,
        pages: &page_paths,
        docs: &docs,
        runs: &runs,
        print: config.html.print_enable && !options.defer_print,
        index_fallback,
    };
    let reuse = reuse::Reuse::open(dest);
    diags.extend(pages::write_pages(&site, &staging, &reuse, &inputs)?);
    if has_errors(&diags) {
        return stop(diags);
    }
    timings.lap("render", &mut clock);

    // Every other file, labelled for the collision check below.
    let mut files: Vec<(SiteFile, String)> = Vec::new();
    files.push((reuse.manifest(), "the page manifest".into()));
    if let Some(results) = &results {
        let json = serde_json::to_string_pretty(results).expect("results serialize");
        files.push((
            SiteFile::text("results.json", json),
            "the results file".into(),
        ));
        match site.results_page(results) {
            Ok(f) => files.push((f, "the results page".into())),
            Err(d) => diags.push(d),
        }
    }
    match site.not_found_page(&ctx) {
        Ok((file, d)) => {
            files.push((file, "the 404 page".into()));
            diags.extend(d);
        }
        Err(d) => diags.extend(d),
    }
    if let Some((file, d)) = site.search_index(&chapters, &page_paths, &docs, &runs) {
        files.push((file, "the search index".into()));
        diags.extend(d);
    }
    files.extend(
        site.shared_sidebar()
            .into_iter()
            .map(|f| (f, "the shared table of contents".into())),
    );
    files.extend(site.redirects().into_iter().map(|f| {
        let label = format!("the redirect `{}` in book.toml", f.path.display());
        (f, label)
    }));
    files.extend(
        assets::static_files(config, &theme, &mut diags)
            .into_iter()
            .map(|f| {
                let label = match &f.content {
                    Content::CopyOf(from) => format!("the file {}", from.display()),
                    Content::Bytes(_) => "a theme file".into(),
                };
                (f, label)
            }),
    );
    for (file, label) in &files {
        match claims.get(&file.path) {
            Some(owner) => diags.push(collision(&file.path, owner, label)),
            None => {
                claims.insert(file.path.clone(), label.clone());
            }
        }
    }
    if has_errors(&diags) {
        return stop(diags);
    }
    files.par_iter().try_for_each(|(f, _)| staging.write(f))?;
    timings.lap("other files", &mut clock);
    // Whatever came from outside the book is said, every build: the
    // reader sees what book.toml's allow-outside let in.
    for file in config.confine.taken() {
        let line = format!(
            "read {} from outside the book (allowed by `allow-outside` in book.toml)",
            file.display()
        );
        Progress::tell(options, ProgressEvent::Note(&line));
    }
    let print_later = config.html.print_enable && options.defer_print;
    let rendered = Rendered {
        pages: chapters.len(),
        reused: reuse.reused(),
        files: chapters.len()
            + files.len()
            + usize::from(config.html.print_enable && !print_later)
            + usize::from(index_fallback && !chapters.is_empty()),
        examples,
        warnings: diags,
        timings,
        failed_claims,
        print: None,
    };
    // What the pages were made of goes to the print job instead of being
    // dropped; nothing above borrows it any more.
    let print = print_later.then(|| {
        Box::new(PrintJob {
            config: config.clone(),
            theme,
            book,
            pages,
            page_paths,
            docs,
            runs,
            live_reload_script: options.live_reload_script.clone(),
        })
    });
    let rendered = Rendered { print, ..rendered };
    Ok((rendered, staging))
}

/// Reads the book and runs its preprocessors; `None` when either failed
/// (the reasons are in `diags`). The flag says whether a preprocessor
/// already expanded the include directives.
pub(crate) fn load_book(config: &Config, diags: &mut Vec<Diagnostic>) -> Option<(Book, bool)> {
    let (book, book_diags) = book::load(&config.src, &config.confine);
    diags.extend(book_diags);
    if has_errors(diags) {
        return None;
    }
    let (preprocessed, pre_diags) = preprocess::run(config, book);
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
            definition_lists: config.html.definition_lists,
            admonitions: config.html.admonitions,
        },
        confine: &config.confine,
        src: &config.src,
        pages,
        expand_includes: !includes_expanded,
    }
}

/// Parses every chapter (in parallel) and checks example ids and links
/// across the book; problems go to `diags`.
pub(crate) fn parse_docs(
    ctx: &ParseContext<'_>,
    book: &Book,
    chapters: &[&Chapter],
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Document> {
    let parsed: Vec<(Document, Vec<Diagnostic>)> = chapters
        .par_iter()
        .map(|ch| {
            let path = ch.path.clone().expect("drafts were filtered out");
            parse_chapter(ctx, &path, &ch.content)
        })
        .collect();
    let mut docs = Vec::with_capacity(parsed.len());
    for (doc, d) in parsed {
        diags.extend(d);
        docs.push(doc);
    }
    diags.extend(example::check_unique_ids(&docs));
    diags.extend(links::check_links(
        book,
        chapters,
        &docs,
        config.broken_links,
    ));
    docs
}

fn collision(path: &Path, first: &str, second: &str) -> Diagnostic {
    Diagnostic::error(
        format!(
            "two sources for the site file `{}`: {first} and {second}",
            path.display()
        ),
        None,
    )
    .with_help("rename or remove one of them; the site can hold only one")
}
