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

/// Renders and writes every chapter page (and index.html, print.html when
/// asked). A page that fails to render is a diagnostic in the result; an
/// output error stops at once.
pub(crate) fn write_pages(
    site: &SiteRenderer<'_>,
    staging: &Staging,
    reuse: &Reuse,
    input: &PageInputs<'_>,
) -> Result<Vec<Diagnostic>, BuildError> {
    let mut diags = Vec::new();
    let n = input.chapters.len();
    let pages = input.pages;
    let binary = reuse::binary_identity();
    let keys: Vec<Key> = (0..n)
        .into_par_iter()
        .map(|i| {
            site.page_key(
                binary,
                input.chapters,
                input.docs,
                &input.runs[i],
                i,
                &pages[i],
            )
        })
        .collect();
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
        let plan = site.print_plan(pages, input.chapters, input.docs);
        match site.print_frame(&plan) {
            Ok(PrintFrame::Streamed(pieces)) => PrintSink::Streamed {
                plan,
                pieces,
                file: staging.create("print.html")?,
            },
            Ok(PrintFrame::Whole) => PrintSink::Whole {
                plan,
                chapters: Vec::new(),
            },
            Err(d) => {
                diags.push(d);
                PrintSink::Off
            }
        }
    } else {
        PrintSink::Off
    };
    if let PrintSink::Streamed { pieces, file, .. } = &mut print {
        file.append(pieces[0].as_bytes())?;
    }

    let printing = !matches!(print, PrintSink::Off);
    let needs_body =
        |i: usize| !reused[i] || printing || (i == 0 && input.index_fallback && !index_reused);
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
        let written: Vec<Result<(), BuildError>> = range
            .clone()
            .into_par_iter()
            .filter(|&i| !reused[i])
            .map(|i| {
                let html = site
                    .chapter_page(input.chapters, input.docs, &bodies[i - start], i, &pages[i])
                    .map_err(|d| {
                        reuse.forget(&pages[i]);
                        BuildError::Book(vec![d])
                    })?;
                Ok(staging.write(&SiteFile::text(pages[i].clone(), html))?)
            })
            .collect();
        for r in written {
            match r {
                Ok(()) => {}
                Err(BuildError::Book(d)) => diags.extend(d),
                Err(e) => return Err(e),
            }
        }
        if start == 0 && input.index_fallback && !index_reused {
            for file in site.index_fallback(input.chapters, input.docs, &bodies[0]) {
                staging.write(&file)?;
            }
        }
        match &mut print {
            PrintSink::Off => {}
            PrintSink::Streamed { plan, pieces, file } => {
                let printed: Vec<PrintChapter> = range
                    .clone()
                    .into_par_iter()
                    .map(|i| plan.chapter(i, &bodies[i - start]))
                    .collect();
                for (i, chapter) in range.clone().zip(printed) {
                    file.append(chapter.content.as_bytes())?;
                    file.append(pieces[i + 1].as_bytes())?;
                }
            }
            PrintSink::Whole { plan, chapters } => {
                chapters.extend(range.clone().map(|i| plan.chapter(i, &bodies[i - start])))
            }
        }
    }

    match print {
        PrintSink::Off => {}
        PrintSink::Streamed { file, .. } => file.close()?,
        PrintSink::Whole { plan, chapters } => match site.print_page(&plan, &chapters) {
            Ok(file) => staging.write(&file)?,
            Err(d) => diags.push(d),
        },
    }
    Ok(diags)
}
