//! `render_site`: every stage in order, each a named step, with the files
//! of the site handed to a staging folder as they are made. Every site path
//! is claimed once (`SitePaths`), whoever makes the file, so two sources for
//! one path are an error naming both, never one file overwriting another.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::docs::Docs;
use super::{
    BuildError, BuildOptions, BuildReport, ExampleCounts, FailedClaim, PrintJob, Progress,
    ProgressEvent, Remade, Timings, examples, load_book, not_run, page_chapters, page_map, pages,
    parse_context, parse_docs, reuse, search_index,
};
use crate::book::{self, Book, Chapter};
use crate::config::Config;
use crate::diag::{Diagnostic, has_errors};
use crate::markdown::{Document, ParseContext, parse_chapter};
use crate::measure::results::BookResults;
use crate::output::{Content, SiteFile, Staging, assets, page_path};
use crate::render::body::PageRuns;
use crate::render::site::SiteRenderer;
use crate::render::{self, Theme};

/// Runs every stage and writes each file of the site into a staging folder
/// beside `dest`, opened only once the book has parsed cleanly (so a book
/// with errors, or a build stopped while loading, leaves nothing behind).
/// Problems in the book come back as `BuildError::Book` with every
/// diagnostic found so far, warnings included. The report's `moved_aside`
/// and `leftovers` are the caller's to fill.
pub fn render_site(
    config: &Config,
    options: &BuildOptions,
    dest: &Path,
) -> Result<(BuildReport, Staging), BuildError> {
    let mut diags = Vec::new();
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let (theme, book, sources, includes_expanded) = load(config, options, &mut diags)?;
    timings.lap("load", &mut clock);

    let mut claims = SitePaths::default();
    let parsed = parse(
        config,
        &book,
        sources,
        includes_expanded,
        &mut claims,
        &mut diags,
    )?;
    timings.lap("parse", &mut clock);

    let answered = answer(config, options, &parsed, &mut diags);
    // Examples stopped by Ctrl-C failed for no fault of theirs: the
    // interruption is the one thing to report.
    crate::interrupt::check()?;
    stop_on_errors(&mut diags)?;
    timings.lap("examples", &mut clock);

    let staging = Staging::new(dest)?;
    let script = options.live_reload_script.as_deref();
    let site = SiteRenderer::new(config, script, &theme, &book, &parsed.pages);
    let (chapters, paths, docs) = (&parsed.chapters, &parsed.page_paths, &parsed.docs);
    let keys = pages::page_keys(&site, chapters, paths, docs, &answered.runs);
    let w = Writing {
        config,
        theme: &theme,
        site: &site,
        staging: &staging,
        reuse: &reuse::Reuse::open(dest),
        parsed: &parsed,
        answered: &answered,
        keys: &keys,
    };
    let (index_fallback, rendered) = write_pages(&w, options.defer_print, &mut claims, &mut diags)?;
    timings.lap("render", &mut clock);
    let (other_files, search) = write_other_files(&w, &mut claims, &mut diags)?;
    timings.lap("other files", &mut clock);
    tell_outside_reads(config, options);

    let n = parsed.chapters.len();
    let reused = w.reuse.reused();
    let print_later = config.html.print_enable && options.defer_print;
    // The parsed chapters borrow the book: their owned parts are taken
    // first, so the book can go to the print job.
    let parts = parsed.into_parts();
    let print = print_later.then(|| print_job(config, options, theme, book, parts, answered.runs));
    let report = BuildReport {
        dest: dest.to_owned(),
        pages: n,
        reused,
        made: Remade {
            pages: rendered.pages,
            print: rendered.print.then_some(rendered.print_parts),
            search,
        },
        files: n
            + other_files
            + usize::from(config.html.print_enable && !print_later)
            + usize::from(index_fallback && n > 0),
        examples: answered.counts,
        warnings: diags,
        timings,
        moved_aside: None,
        leftovers: Vec::new(),
        failed_claims: answered.failed_claims,
        print,
    };
    Ok((report, staging))
}

/// The theme, the book and its chapters' sources, taken out of it for the
/// parse (`Book::take_page_sources`), with whether a preprocessor expanded
/// the includes; the book's problems so far stop here.
fn load(
    config: &Config,
    options: &BuildOptions,
    diags: &mut Vec<Diagnostic>,
) -> Result<(Theme, Book, Vec<String>, bool), BuildError> {
    let (theme, theme_warnings) =
        render::theme::load(config.html.theme_dir.as_deref()).map_err(BuildError::Book)?;
    diags.extend(theme_warnings);
    let loaded = load_book(config, options, false, diags);
    crate::interrupt::check()?;
    match loaded {
        Some((mut book, includes_expanded)) => {
            let sources = book.take_page_sources();
            Ok((theme, book, sources, includes_expanded))
        }
        None => Err(BuildError::Book(std::mem::take(diags))),
    }
}

/// What the pages were made of, kept for print.html instead of dropped
/// (`defer_print`).
fn print_job(
    config: &Config,
    options: &BuildOptions,
    theme: Theme,
    book: Book,
    (pages, page_paths, docs): ParsedParts,
    runs: Vec<PageRuns>,
) -> Box<PrintJob> {
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
}

/// Every site path and what makes it. Two sources for one path would
/// overwrite each other (in a race, for pages written in parallel), so the
/// second claim is an error naming both.
#[derive(Default)]
struct SitePaths(HashMap<PathBuf, String>);

impl SitePaths {
    fn claim(&mut self, path: &Path, label: &str, diags: &mut Vec<Diagnostic>) {
        match self.0.get(path) {
            Some(owner) => diags.push(collision(path, owner, label)),
            None => {
                self.0.insert(path.to_owned(), label.to_owned());
            }
        }
    }
}

/// The book as parsed: what every later step reads.
struct Parsed<'b> {
    /// The chapters that have a page, in book order.
    chapters: Vec<&'b Chapter>,
    /// Chapter source path → site path, for links.
    pages: HashMap<PathBuf, PathBuf>,
    /// Each chapter's page, in book order.
    page_paths: Vec<PathBuf>,
    docs: Docs,
    includes_expanded: bool,
}

/// A `Parsed` without its borrowed chapters: pages, page paths, documents.
type ParsedParts = (HashMap<PathBuf, PathBuf>, Vec<PathBuf>, Docs);

impl Parsed<'_> {
    fn into_parts(self) -> ParsedParts {
        (self.pages, self.page_paths, self.docs)
    }
}

/// Claims each chapter's page and parses every chapter from `sources`
/// (`Book::take_page_sources`); stops on errors.
fn parse<'b>(
    config: &Config,
    book: &'b Book,
    sources: Vec<String>,
    includes_expanded: bool,
    claims: &mut SitePaths,
    diags: &mut Vec<Diagnostic>,
) -> Result<Parsed<'b>, BuildError> {
    let chapters = page_chapters(book);
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
    let page_paths: Vec<PathBuf> = chapters
        .iter()
        .map(|c| page_path(c.path.as_deref().expect("drafts were filtered out")))
        .collect();
    for (ch, out) in chapters.iter().zip(&page_paths) {
        let source = ch.path.as_deref().unwrap_or(Path::new("")).display();
        let label = format!("chapter `{source}` (SUMMARY.md line {})", ch.summary_line);
        claims.claim(out, &label, diags);
    }
    stop_on_errors(diags)?;
    let pages = page_map(&chapters);
    let ctx = parse_context(config, &pages, includes_expanded);
    let docs = parse_docs(
        &ctx,
        book,
        &chapters,
        sources,
        config,
        Some(&config.run.cache_dir),
        diags,
    );
    stop_on_errors(diags)?;
    Ok(Parsed {
        chapters,
        pages,
        page_paths,
        docs,
        includes_expanded,
    })
}

/// What the examples gave the pages.
struct Answered {
    runs: Vec<PageRuns>,
    counts: ExampleCounts,
    /// Every measurement, when examples ran.
    results: Option<BookResults>,
    /// The claims that did not hold, for the build's summary.
    failed_claims: Vec<FailedClaim>,
}

/// The examples run (or answered from the cache), or each page's "not run"
/// placeholders when the book's examples are off.
fn answer(
    config: &Config,
    options: &BuildOptions,
    parsed: &Parsed<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Answered {
    let docs = parsed.docs.outlines();
    if not_run::examples_run(config, docs) {
        let out = examples::run_examples(config, options, docs, &parsed.page_paths, diags);
        Answered {
            runs: out.pages,
            counts: out.counts,
            results: out.results,
            failed_claims: out.failed_claims,
        }
    } else {
        Answered {
            runs: not_run::pages(docs),
            counts: ExampleCounts {
                off: not_run::runnable_blocks(docs),
                ..ExampleCounts::default()
            },
            results: None,
            failed_claims: Vec::new(),
        }
    }
}

/// What the steps that write the site read.
struct Writing<'a> {
    config: &'a Config,
    theme: &'a Theme,
    site: &'a SiteRenderer<'a>,
    staging: &'a Staging,
    reuse: &'a reuse::Reuse,
    parsed: &'a Parsed<'a>,
    answered: &'a Answered,
    /// Each chapter page's key, in book order.
    keys: &'a pages::Keys,
}

/// Claims print.html and the index fallback, then renders and writes every
/// chapter page with them; whether index.html was made from the first
/// chapter (no chapter is the index), and what was rendered.
fn write_pages(
    w: &Writing<'_>,
    defer_print: bool,
    claims: &mut SitePaths,
    diags: &mut Vec<Diagnostic>,
) -> Result<(bool, pages::Rendered), BuildError> {
    // print.html is written as the pages are, so it is claimed first; one
    // made later (`defer_print`) is claimed all the same, as it is served
    // at that path.
    if w.config.html.print_enable {
        claims.claim(Path::new("print.html"), "the print page", diags);
    }
    let print = w.config.html.print_enable && !defer_print;
    let index_fallback = !w
        .parsed
        .pages
        .values()
        .any(|p| p == Path::new("index.html"));
    if index_fallback {
        claims.claim(Path::new("index.html"), "the index page", diags);
    }
    stop_on_errors(diags)?;
    let inputs = pages::PageInputs {
        chapters: &w.parsed.chapters,
        pages: &w.parsed.page_paths,
        docs: &w.parsed.docs,
        runs: &w.answered.runs,
        keys: w.keys,
        print,
        index_fallback,
    };
    let mut rendered = pages::write_pages(w.site, w.staging, w.reuse, &inputs)?;
    diags.append(&mut rendered.diags);
    stop_on_errors(diags)?;
    Ok((index_fallback, rendered))
}

/// Claims and writes every file of the site besides the pages (the page
/// manifest last, once every file has its key); how many, and how many
/// chapters' parts of the search index were made when it was made again.
fn write_other_files(
    w: &Writing<'_>,
    claims: &mut SitePaths,
    diags: &mut Vec<Diagnostic>,
) -> Result<(usize, Option<usize>), BuildError> {
    let mut count = 1;
    let mut search = None;
    if let Some(options) = &w.config.html.search {
        claims.claim(
            Path::new(render::search::INDEX_FILE),
            "the search index",
            diags,
        );
        let sources: Vec<&Path> = w
            .parsed
            .chapters
            .iter()
            .map(|c| c.path.as_deref().unwrap_or(Path::new("")))
            .collect();
        diags.extend(render::search::exclusion_errors(&sources, options));
        stop_on_errors(diags)?;
        let input = search_index::IndexInputs {
            chapters: &w.parsed.chapters,
            pages: &w.parsed.page_paths,
            docs: &w.parsed.docs,
            runs: &w.answered.runs,
            keys: w.keys,
        };
        let stores = (w.staging, w.reuse);
        match search_index::search_index(w.site, options, &input, stores)? {
            search_index::Made::Reused => {}
            search_index::Made::Made { parts } => search = Some(parts),
        }
        count += 1;
    }
    let files = other_files(w, diags);
    for (file, label) in &files {
        claims.claim(&file.path, label, diags);
    }
    claims.claim(Path::new(reuse::MANIFEST), "the page manifest", diags);
    stop_on_errors(diags)?;
    files.par_iter().try_for_each(|(f, _)| w.staging.write(f))?;
    w.staging.write(&w.reuse.manifest())?;
    Ok((count + files.len(), search))
}

/// Every file of the site besides the pages, each with what it is for the
/// collision check: results, 404, search index, shared sidebar, redirects,
/// theme and book files.
fn other_files(w: &Writing<'_>, diags: &mut Vec<Diagnostic>) -> Vec<(SiteFile, String)> {
    let Writing {
        config,
        theme,
        site,
        parsed,
        answered,
        ..
    } = *w;
    let mut files: Vec<(SiteFile, String)> = Vec::new();
    if let Some(results) = &answered.results {
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
    let ctx = parse_context(config, &parsed.pages, parsed.includes_expanded);
    if let Some(doc) = not_found_doc(config, &ctx, diags) {
        match site.not_found_page(&doc) {
            Ok(file) => files.push((file, "the 404 page".into())),
            Err(d) => diags.push(d),
        }
    }
    let paths = &parsed.page_paths;
    let shared = site.shared_sidebar().into_iter();
    files.extend(shared.map(|f| (f, "the shared table of contents".into())));
    let (redirects, redirect_diags) = site.redirects(paths);
    diags.extend(redirect_diags);
    files.extend(redirects.into_iter().map(|f| {
        let label = format!("the redirect `{}` in book.toml", f.path.display());
        (f, label)
    }));
    let statics = assets::static_files(config, theme, diags).into_iter();
    files.extend(statics.map(|f| {
        let label = match &f.content {
            Content::CopyOf(from) => format!("the file {}", from.display()),
            Content::Bytes(_) => "a theme file".into(),
        };
        (f, label)
    }));
    files
}

/// Whatever came from outside the book is said, every build: the reader
/// sees what book.toml's allow-outside let in.
fn tell_outside_reads(config: &Config, options: &BuildOptions) {
    for file in config.confine.taken() {
        let line = format!(
            "read {} from outside the book (allowed by `allow-outside` in book.toml)",
            file.display()
        );
        Progress::tell(options, ProgressEvent::Note(&line));
    }
}

/// Stops the build when `diags` hold an error, with every diagnostic so far.
fn stop_on_errors(diags: &mut Vec<Diagnostic>) -> Result<(), BuildError> {
    if has_errors(diags) {
        return Err(BuildError::Book(std::mem::take(diags)));
    }
    Ok(())
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

#[cfg(test)]
#[path = "stages_tests.rs"]
mod tests;

/// The 404 page's `Document`: the book's `input-404` file (or `404.md`),
/// else a page worded as mdBook's, so a link to its heading id still works.
/// `None` when the book's file has errors (they are in `diags`).
fn not_found_doc(
    config: &Config,
    ctx: &ParseContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Document> {
    let input = Path::new(config.html.input_404.as_deref().unwrap_or("404.md"));
    let (doc, found) = match crate::fsutil::read_to_string(&config.src.join(input)) {
        Ok(text) => parse_chapter(ctx, input, &text),
        // An explicit `input-404` was checked to exist when book.toml was
        // loaded; only the implicit 404.md may be missing.
        Err(_) if config.html.input_404.is_none() => parse_chapter(
            ctx,
            input,
            "# Document not found (404)\n\nThere is no page at this address. \
             Use the table of contents to find what you were looking for.\n",
        ),
        Err(e) => {
            diags.push(Diagnostic::error(e.to_string(), None));
            return None;
        }
    };
    let failed = has_errors(&found);
    diags.extend(found);
    (!failed).then_some(doc)
}
