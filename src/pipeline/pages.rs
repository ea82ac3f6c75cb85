//! The chapter pages, the index fallback and print.html, rendered a chunk
//! of chapters at a time: each chunk's bodies are highlighted and templated
//! in parallel, written, appended to print.html, and dropped before the next
//! chunk starts. So a build holds the bodies of one chunk, not of the book
//! (for 1,000 chapters that is the difference between about 35 MB of
//! bodies, plus the print page built from them, and under 3 MB).
//!
//! A page whose key is the one the previous site recorded is not rendered
//! at all but linked from that site (`reuse`). print.html is assembled from
//! each chapter's part, keyed by the page's key and the print plan's: a
//! part whose key is unchanged is copied from the previous site's
//! print.html (`output::spans`), so a part is made (and the body
//! highlighted for it) only for a chapter whose page or ids changed, and
//! print.html is linked whole when no page changed.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::book::Chapter;
use crate::diag::Diagnostic;
use crate::digest::Key;
use crate::fsutil::FsError;
use crate::output::spans::{Previous, SpanWriter, bytes_key};
use crate::output::{OutputError, SiteFile, StagedFile, Staging};
use crate::pipeline::BuildError;
use crate::pipeline::docs::Docs;
use crate::pipeline::reuse::{self, Reuse};
use crate::render::body::{self, PageRuns};
use crate::render::print::{PrintChapter, PrintFrame, PrintPlan};
use crate::render::site::SiteRenderer;

/// Chapters per chunk: enough to keep every core busy on a chunk, few enough
/// that the bodies held stay small.
pub(super) const CHUNK: usize = 64;

/// The print page's name at the site's root.
const PRINT_FILE: &str = "print.html";

/// What the pages need besides the documents.
pub(crate) struct PageInputs<'a> {
    pub chapters: &'a [&'a Chapter],
    /// Each chapter's page (site path).
    pub pages: &'a [PathBuf],
    pub docs: &'a Docs,
    pub runs: &'a [PageRuns],
    /// Each chapter's body and page keys (`page_keys`).
    pub keys: &'a Keys,
    /// Make print.html.
    pub print: bool,
    /// Make index.html from the first chapter (no chapter is the index).
    pub index_fallback: bool,
}

/// Where print.html goes while the chunks are rendered.
enum PrintSink {
    Off,
    Streamed {
        plan: PrintPlan,
        /// What every chapter's part depends on besides its own page.
        plan_key: Key,
        pieces: Vec<String>,
        file: StagedFile,
        /// Where each chapter's part lies in the file.
        spans: SpanWriter,
    },
    /// The theme's print template cannot be streamed: every chapter is kept.
    Whole {
        plan: PrintPlan,
        plan_key: Key,
        chapters: Vec<PrintChapter>,
    },
}

/// Where pages go: rendered by `site`, written to `staging`, or linked
/// from the previous site by `reuse`.
struct Out<'s, 'a> {
    site: &'s SiteRenderer<'a>,
    staging: &'s Staging,
    reuse: &'s Reuse,
    /// The previous site's print.html, to copy unchanged parts from.
    previous: Previous,
}

/// Renders and writes every chapter page (and index.html, print.html when
/// asked). A page that fails to render is a diagnostic in the result; an
/// output error stops at once.
pub(crate) fn write_pages(
    site: &SiteRenderer<'_>,
    staging: &Staging,
    reuse: &Reuse,
    input: &PageInputs<'_>,
) -> Result<Rendered, BuildError> {
    let mut out = Out {
        site,
        staging,
        reuse,
        previous: Previous::none(),
    };
    let mut diags = Vec::new();
    let n = input.chapters.len();
    let pages = input.pages;
    let keys = &input.keys.pages;
    // A page whose key is unchanged comes from the previous site.
    let reused: Vec<bool> = (0..n)
        .into_par_iter()
        .map(|i| reuse.take(staging, &pages[i], keys[i]))
        .collect();
    // A chapter's part of print.html is made from its body, on its page.
    let print_keys: Vec<Key> = (0..n)
        .map(|i| body_on_page(input.keys.bodies[i], &pages[i]))
        .collect();
    let mut print = PrintSink::start(&out, input, &mut diags)?;
    if !matches!(print, PrintSink::Off) {
        out.previous = reuse.previous_parts(PRINT_FILE);
    }
    // index.html, when it is the first chapter again, is made of the first.
    let index_reused = input.index_fallback
        && n > 0
        && reuse.take(
            staging,
            Path::new("index.html"),
            Key::of(&("index", keys[0])),
        );
    let make_index = input.index_fallback && !index_reused;
    let mut rendered = Rendered {
        pages: reused.iter().filter(|r| !**r).count() + usize::from(make_index),
        print_parts: 0,
        print: !matches!(print, PrintSink::Off),
        diags: Vec::new(),
    };
    for start in (0..n).step_by(CHUNK) {
        let range = start..(start + CHUNK).min(n);
        // Each chapter's part of print.html, when the previous one has it.
        let kept: Vec<Option<(String, Key)>> = range
            .clone()
            .into_par_iter()
            .map(|i| print.kept_part(&out, print_keys[i]))
            .collect();
        let needs_body = |i: usize| {
            !reused[i] || (rendered.print && kept[i - start].is_none()) || (i == 0 && make_index)
        };
        // An empty body stands for one nothing needs.
        let bodies: Vec<String> = range
            .clone()
            .into_par_iter()
            .map(|i| match needs_body(i) {
                true => {
                    let doc = input.docs.whole(i)?;
                    Ok(body::body_html(&doc, &site.highlighter, &input.runs[i]))
                }
                false => Ok(String::new()),
            })
            .collect::<Result<_, FsError>>()
            .map_err(OutputError::from)?;
        write_chunk(&out, input, range.clone(), &bodies, &reused, &mut diags)?;
        if start == 0 && make_index {
            for file in site.index_fallback(input.chapters, input.docs.outlines(), &bodies[0]) {
                staging.write(&file)?;
            }
        }
        rendered.print_parts += print.append(&print_keys, range, &bodies, kept)?;
    }
    print.close(&out, &mut diags)?;
    rendered.diags = diags;
    Ok(rendered)
}

/// What a chapter's part of print.html is made from besides the print
/// plan: its body, on its page.
pub(super) fn body_on_page(body: Key, page: &Path) -> Key {
    Key::of(&(body, page))
}

/// The key of a chapter's part of print.html: its body's and page's
/// (`body_on_page`) and the plan's (every chapter's ids and top, which its
/// links and ids are rewritten by).
pub(super) fn print_part_key(body_on_page: Key, plan_key: Key) -> Key {
    Key::of(&("print part", body_on_page, plan_key))
}

/// What `write_pages` made, for the build's summary.
pub(crate) struct Rendered {
    /// Pages rendered (chapters, and index.html when it is made from the
    /// first chapter), not taken from the previous site.
    pub pages: usize,
    /// Chapters whose part of print.html was made, not taken from the
    /// previous one.
    pub print_parts: usize,
    /// print.html was assembled (it changed).
    pub print: bool,
    pub diags: Vec<Diagnostic>,
}

/// Each chapter's keys, in book order: its body's and its page's.
pub(crate) struct Keys {
    /// What the body is made of: what a chapter's parts of print.html and
    /// of the search index start from.
    pub bodies: Vec<Key>,
    /// What the page is made of: whether it is rendered again.
    pub pages: Vec<Key>,
}

/// Each chapter's body and page keys, in book order.
pub(crate) fn page_keys(
    site: &SiteRenderer<'_>,
    chapters: &[&Chapter],
    pages: &[PathBuf],
    docs: &Docs,
    runs: &[PageRuns],
) -> Keys {
    let binary = reuse::binary_identity();
    let (bodies, pages) = (0..chapters.len())
        .into_par_iter()
        .map(|i| {
            let body = SiteRenderer::body_key(binary, docs.key(i), &runs[i]);
            (body, site.page_key(body, chapters, i, &pages[i]))
        })
        .unzip();
    Keys { bodies, pages }
}

/// Templates and writes the pages of the chapters in `range` that were not
/// reused, from their `bodies` (numbered from `range.start`); a page that
/// fails to render is a diagnostic, an output error stops.
fn write_chunk(
    out: &Out<'_, '_>,
    input: &PageInputs<'_>,
    range: std::ops::Range<usize>,
    bodies: &[String],
    reused: &[bool],
    diags: &mut Vec<Diagnostic>,
) -> Result<(), BuildError> {
    let (pages, start) = (input.pages, range.start);
    let written: Vec<Result<(), BuildError>> = range
        .into_par_iter()
        .filter(|&i| !reused[i])
        .map(|i| {
            let html = out
                .site
                .chapter_page(
                    input.chapters,
                    input.docs.outline(i),
                    &bodies[i - start],
                    i,
                    &pages[i],
                )
                .map_err(|d| {
                    out.reuse.forget(&pages[i]);
                    BuildError::Book(vec![d])
                })?;
            Ok(out.staging.write(&SiteFile::text(pages[i].clone(), html))?)
        })
        .collect();
    for r in written {
        match r {
            Ok(()) => {}
            Err(BuildError::Book(d)) => diags.extend(d),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl PrintSink {
    /// print.html taken from the previous site when no page changed (it
    /// is made of every chapter and nothing else per page), else opened to
    /// be assembled; `Off` when the book has none or it is taken.
    fn start(
        out: &Out<'_, '_>,
        input: &PageInputs<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<PrintSink, BuildError> {
        if !input.print {
            return Ok(PrintSink::Off);
        }
        let key = Key::of(&("print", &input.keys.pages));
        if out.reuse.take(out.staging, Path::new(PRINT_FILE), key) {
            return Ok(PrintSink::Off);
        }
        let plan_key = out
            .site
            .print_plan_key(input.pages, input.chapters, input.docs.outlines());
        PrintSink::open(out, input, plan_key, diags)
    }

    /// print.html planned for the whole book and, when the theme's template
    /// allows, opened with its first piece written.
    fn open(
        out: &Out<'_, '_>,
        input: &PageInputs<'_>,
        plan_key: Key,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<PrintSink, BuildError> {
        let plan = out
            .site
            .print_plan(input.pages, input.chapters, input.docs.outlines());
        Ok(match out.site.print_frame(&plan) {
            Ok(PrintFrame::Streamed(pieces)) => {
                let mut file = out.staging.create(PRINT_FILE)?;
                file.append(pieces[0].as_bytes())?;
                let mut spans = SpanWriter::default();
                spans.skip(pieces[0].len());
                PrintSink::Streamed {
                    plan,
                    plan_key,
                    pieces,
                    file,
                    spans,
                }
            }
            Ok(PrintFrame::Whole) => PrintSink::Whole {
                plan,
                plan_key,
                chapters: Vec::new(),
            },
            Err(d) => {
                diags.push(d);
                PrintSink::Off
            }
        })
    }

    /// The key of a chapter's part, given its page's key.
    fn part_key(&self, page_key: Key) -> Option<Key> {
        match self {
            PrintSink::Off => None,
            PrintSink::Streamed { plan_key, .. } | PrintSink::Whole { plan_key, .. } => {
                Some(print_part_key(page_key, *plan_key))
            }
        }
    }

    /// The chapter's part from the previous print.html, with the key of
    /// its bytes, given its page's key.
    fn kept_part(&self, out: &Out<'_, '_>, page_key: Key) -> Option<(String, Key)> {
        out.previous.get(self.part_key(page_key)?)
    }

    /// Adds the chapters in `range`: each one's `kept` part, or its part
    /// made from its body in `bodies` (both numbered from `range.start`),
    /// its place recorded for the next build. How many parts were made.
    fn append(
        &mut self,
        keys: &[Key],
        range: std::ops::Range<usize>,
        bodies: &[String],
        kept: Vec<Option<(String, Key)>>,
    ) -> Result<usize, BuildError> {
        let start = range.start;
        let plan = match &*self {
            PrintSink::Off => return Ok(0),
            PrintSink::Streamed { plan, .. } | PrintSink::Whole { plan, .. } => plan,
        };
        let streamed = matches!(self, PrintSink::Streamed { .. });
        let made: Vec<(String, Option<Key>, bool)> = range
            .clone()
            .into_par_iter()
            .zip(kept)
            .map(|(i, kept)| match kept {
                Some((content, bytes)) => (content, Some(bytes), false),
                None => {
                    let content = plan.chapter(i, &bodies[i - start]).content;
                    // Only a streamed file records where its parts lie.
                    let bytes = streamed.then(|| bytes_key(content.as_bytes()));
                    (content, bytes, true)
                }
            })
            .collect();
        let fresh = made.iter().filter(|m| m.2).count();
        let part_keys: Vec<Option<Key>> = range.clone().map(|i| self.part_key(keys[i])).collect();
        match self {
            PrintSink::Off => {}
            PrintSink::Streamed {
                pieces,
                file,
                spans,
                ..
            } => {
                for ((i, (content, bytes, _)), part) in range.zip(made).zip(part_keys) {
                    match bytes {
                        Some(bytes) => file.append_known(content.as_bytes(), bytes)?,
                        None => file.append(content.as_bytes())?,
                    }
                    if let (Some(part), Some(bytes)) = (part, bytes) {
                        spans.part(part, content.len(), bytes);
                    }
                    file.append(pieces[i + 1].as_bytes())?;
                    spans.skip(pieces[i + 1].len());
                }
            }
            PrintSink::Whole { plan, chapters, .. } => {
                chapters.extend(range.zip(made).map(|(i, (content, ..))| {
                    let (id, title) = plan.heading(i);
                    PrintChapter {
                        id: id.to_owned(),
                        title: title.to_owned(),
                        content,
                    }
                }))
            }
        }
        Ok(fresh)
    }

    /// Finishes print.html: the last piece is already written when it
    /// streamed; otherwise the whole template is rendered now.
    fn close(self, out: &Out<'_, '_>, diags: &mut Vec<Diagnostic>) -> Result<(), BuildError> {
        match self {
            PrintSink::Off => {}
            PrintSink::Streamed { file, spans, .. } => {
                file.close()?;
                out.reuse.record_spans(PRINT_FILE, spans.into_spans());
            }
            PrintSink::Whole { plan, chapters, .. } => {
                match out.site.print_page(&plan, &chapters) {
                    Ok(file) => out.staging.write(&file)?,
                    Err(d) => diags.push(d),
                }
            }
        }
        Ok(())
    }
}
