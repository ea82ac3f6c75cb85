//! The chapter pages, the index fallback and print.html, rendered a chunk
//! of chapters at a time: each chunk's bodies are highlighted and templated
//! in parallel, written, appended to print.html, and dropped before the next
//! chunk starts. So a build holds the bodies of one chunk, not of the book
//! (for 1,000 chapters that is the difference between about 35 MB of
//! bodies, plus the print page built from them, and under 3 MB).
//!
//! A page whose key is the one the previous site recorded is not rendered
//! at all but linked from that site (`reuse`); its body is made only when
//! print.html or index.html needs it.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::book::Chapter;
use crate::diag::Diagnostic;
use crate::digest::Key;
use crate::markdown::Document;
use crate::output::{SiteFile, StagedFile, Staging};
use crate::pipeline::BuildError;
use crate::pipeline::reuse::{self, Reuse};
use crate::render::body::{self, PageRuns};
use crate::render::print::{PrintChapter, PrintFrame, PrintPlan};
use crate::render::site::SiteRenderer;

/// Chapters per chunk: enough to keep every core busy on a chunk, few enough
/// that the bodies held stay small.
pub(super) const CHUNK: usize = 64;

/// What the pages need besides the documents.
pub(crate) struct PageInputs<'a> {
    pub chapters: &'a [&'a Chapter],
    /// Each chapter's page (site path).
    pub pages: &'a [PathBuf],
    pub docs: &'a [Document],
    pub runs: &'a [PageRuns],
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
        pieces: Vec<String>,
        file: StagedFile,
    },
    /// The theme's print template cannot be streamed: every chapter is kept.
    Whole {
        plan: PrintPlan,
        chapters: Vec<PrintChapter>,
    },
}

/// Where pages go: rendered by `site`, written to `staging`, or linked
/// from the previous site by `reuse`.
struct Out<'s, 'a> {
    site: &'s SiteRenderer<'a>,
    staging: &'s Staging,
    reuse: &'s Reuse,
}

/// Renders and writes every chapter page (and index.html, print.html when
/// asked). A page that fails to render is a diagnostic in the result; an
/// output error stops at once.
pub(crate) fn write_pages(
    site: &SiteRenderer<'_>,
    staging: &Staging,
    reuse: &Reuse,
    input: &PageInputs<'_>,
) -> Result<Vec<Diagnostic>, BuildError> {
    let out = Out {
        site,
        staging,
        reuse,
    };
    let mut diags = Vec::new();
    let n = input.chapters.len();
    let pages = input.pages;
    let keys = page_keys(site, input);
    // A page whose key is unchanged comes from the previous site.
    let reused: Vec<bool> = (0..n)
        .into_par_iter()
        .map(|i| reuse.take(staging, &pages[i], keys[i]))
        .collect();
    // print.html is made of every chapter (and nothing else per page);
    // index.html, when it is the first chapter again, of the first.
    let print_reused =
        input.print && reuse.take(staging, Path::new("print.html"), Key::of(&("print", &keys)));
    let index_reused = input.index_fallback
        && n > 0
        && reuse.take(
            staging,
            Path::new("index.html"),
            Key::of(&("index", keys[0])),
        );
    let mut print = if input.print && !print_reused {
        PrintSink::open(&out, input, &mut diags)?
    } else {
        PrintSink::Off
    };
    let printing = !matches!(print, PrintSink::Off);
    let make_index = input.index_fallback && !index_reused;
    let needs_body = |i: usize| !reused[i] || printing || (i == 0 && make_index);
    for start in (0..n).step_by(CHUNK) {
        let range = start..(start + CHUNK).min(n);
        // An empty body stands for one nothing needs.
        let bodies: Vec<String> = range
            .clone()
            .into_par_iter()
            .map(|i| match needs_body(i) {
                true => body::body_html(&input.docs[i], &site.highlighter, &input.runs[i]),
                false => String::new(),
            })
            .collect();
        write_chunk(&out, input, range.clone(), &bodies, &reused, &mut diags)?;
        if start == 0 && make_index {
            for file in site.index_fallback(input.chapters, input.docs, &bodies[0]) {
                staging.write(&file)?;
            }
        }
        print.append(range, &bodies)?;
    }
    print.close(&out, &mut diags)?;
    Ok(diags)
}

/// Each chapter page's reuse key, in book order.
fn page_keys(site: &SiteRenderer<'_>, input: &PageInputs<'_>) -> Vec<Key> {
    let binary = reuse::binary_identity();
    (0..input.chapters.len())
        .into_par_iter()
        .map(|i| {
            site.page_key(
                binary,
                input.chapters,
                input.docs,
                &input.runs[i],
                i,
                &input.pages[i],
            )
        })
        .collect()
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
                .chapter_page(input.chapters, input.docs, &bodies[i - start], i, &pages[i])
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
    /// print.html planned for the whole book and, when the theme's template
    /// allows, opened with its first piece written.
    fn open(
        out: &Out<'_, '_>,
        input: &PageInputs<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<PrintSink, BuildError> {
        let plan = out.site.print_plan(input.pages, input.chapters, input.docs);
        Ok(match out.site.print_frame(&plan) {
            Ok(PrintFrame::Streamed(pieces)) => {
                let mut file = out.staging.create("print.html")?;
                file.append(pieces[0].as_bytes())?;
                PrintSink::Streamed { plan, pieces, file }
            }
            Ok(PrintFrame::Whole) => PrintSink::Whole {
                plan,
                chapters: Vec::new(),
            },
            Err(d) => {
                diags.push(d);
                PrintSink::Off
            }
        })
    }

    /// Adds the chapters in `range`, from their `bodies` (numbered from
    /// `range.start`).
    fn append(
        &mut self,
        range: std::ops::Range<usize>,
        bodies: &[String],
    ) -> Result<(), BuildError> {
        let start = range.start;
        match self {
            PrintSink::Off => {}
            PrintSink::Streamed { plan, pieces, file } => {
                let printed: Vec<PrintChapter> = range
                    .clone()
                    .into_par_iter()
                    .map(|i| plan.chapter(i, &bodies[i - start]))
                    .collect();
                for (i, chapter) in range.zip(printed) {
                    file.append(chapter.content.as_bytes())?;
                    file.append(pieces[i + 1].as_bytes())?;
                }
            }
            PrintSink::Whole { plan, chapters } => {
                chapters.extend(range.map(|i| plan.chapter(i, &bodies[i - start])))
            }
        }
        Ok(())
    }

    /// Finishes print.html: the last piece is already written when it
    /// streamed; otherwise the whole template is rendered now.
    fn close(self, out: &Out<'_, '_>, diags: &mut Vec<Diagnostic>) -> Result<(), BuildError> {
        match self {
            PrintSink::Off => {}
            PrintSink::Streamed { file, .. } => file.close()?,
            PrintSink::Whole { plan, chapters } => match out.site.print_page(&plan, &chapters) {
                Ok(file) => out.staging.write(&file)?,
                Err(d) => diags.push(d),
            },
        }
        Ok(())
    }
}
