//! Parsing the book's chapters: each from the parse cache when it holds
//! the chapter's document, else parsed (in parallel), then checked across
//! the book (example ids, links). Memory is the reason for the shape: a
//! chapter's source is dropped as soon as its document is had, documents
//! keep their HTML on disk until the render (`docs`), and the parse runs a
//! chunk of chapters at a time, handing what each chunk freed back to the
//! system (`memory`), so a large book's sources, documents and HTML are
//! never all held at once.

use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;

use super::docs::{self, Docs, Spill};
use super::parse_cache::{self, Found, ParseCache};
use crate::book::{Book, Chapter};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::markdown::{Document, ParseContext, example, links, parse_chapter};

/// Chapters parsed between two returns of freed memory.
const PARSE_CHUNK: usize = 256;

/// Parses every chapter (in parallel) and checks example ids and links
/// across the book; problems go to `diags`. `texts` are the chapters'
/// sources, in the order of `chapters` (`Book::take_page_sources`). With
/// `store` (the book's cache folder), a chapter parsed before with the
/// same text and context comes from `parse_cache` instead, what was parsed
/// is kept there, and the documents' HTML waits on disk for the render.
pub(crate) fn parse_docs(
    ctx: &ParseContext<'_>,
    book: &Book,
    chapters: &[&Chapter],
    texts: Vec<String>,
    config: &Config,
    store: Option<&Path>,
    diags: &mut Vec<Diagnostic>,
) -> Docs {
    let paths: Vec<&Path> = chapters
        .iter()
        .map(|ch| ch.path.as_deref().expect("drafts were filtered out"))
        .collect();
    let spill = store.and_then(Spill::open);
    let settle = |doc: Document| docs::settle(doc, spill.as_ref());
    let cache = store.and_then(|dir| ParseCache::open(dir, ctx));
    let (texts, found, stored) = look_up(cache.as_ref(), &paths, texts, &settle);
    let parsed = parse_chunks(ctx, &paths, texts, stored, &settle);
    let mut settled = Vec::with_capacity(parsed.len());
    let mut fresh = Vec::new();
    for (i, (doc, d, storable)) in parsed.into_iter().enumerate() {
        diags.extend(d);
        if storable {
            fresh.push(i);
        }
        settled.push(doc);
    }
    let docs = Docs::from_parts(settled, spill);
    if let (Some(c), Some(found)) = (&cache, found) {
        c.save(found, &fresh, |i| docs.whole(i).ok());
    }
    diags.extend(example::check_unique_ids(docs.outlines()));
    diags.extend(links::check_links(
        book,
        chapters,
        docs.outlines(),
        config.broken_links,
    ));
    docs
}

/// The documents `cache` holds for the chapters at `paths` with `texts`,
/// settled; the source of each chapter found is dropped as its document
/// is handed over. Gives back the sources left (empty for those found).
fn look_up(
    cache: Option<&ParseCache>,
    paths: &[&Path],
    texts: Vec<String>,
    settle: &(impl Fn(Document) -> docs::Parsed + Sync),
) -> (Vec<String>, Option<Found>, Vec<Option<docs::Parsed>>) {
    let Some(c) = cache else {
        return (texts, None, (0..paths.len()).map(|_| None).collect());
    };
    let texts: Vec<Mutex<String>> = texts.into_iter().map(Mutex::new).collect();
    let keys = paths
        .par_iter()
        .zip(&texts)
        .map(|(path, text)| c.key(path, &lock(text)))
        .collect();
    let (found, stored) = c.lookup(keys, |i, doc| {
        drop(std::mem::take(&mut *lock(&texts[i])));
        settle(doc)
    });
    let texts = texts
        .into_iter()
        .map(|t| t.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    (texts, Some(found), stored)
}

/// The text behind `m`, even when a thread panicked holding it.
fn lock(m: &Mutex<String>) -> std::sync::MutexGuard<'_, String> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Each chapter's document (`stored`, or parsed from its text), settled,
/// with what its parse said and whether it was parsed now and may be
/// stored. A chunk at a time, so what a chunk freed (its sources, the HTML
/// gone to the spill) goes back to the system before the next grows the
/// memory again.
fn parse_chunks(
    ctx: &ParseContext<'_>,
    paths: &[&Path],
    texts: Vec<String>,
    stored: Vec<Option<docs::Parsed>>,
    settle: &(impl Fn(Document) -> docs::Parsed + Sync),
) -> Vec<(docs::Parsed, Vec<Diagnostic>, bool)> {
    let n = paths.len();
    let mut parsed = Vec::with_capacity(n);
    let (mut texts, mut stored) = (texts.into_iter(), stored.into_iter());
    for start in (0..n).step_by(PARSE_CHUNK) {
        let end = (start + PARSE_CHUNK).min(n);
        let texts: Vec<String> = texts.by_ref().take(end - start).collect();
        let stored: Vec<_> = stored.by_ref().take(end - start).collect();
        parsed.par_extend(
            texts
                .into_par_iter()
                .zip(&paths[start..end])
                .zip(stored)
                .map(|((text, path), stored)| match stored {
                    Some(doc) => (doc, Vec::new(), false),
                    None => {
                        let (doc, diags) = parse_chapter(ctx, path, &text);
                        let storable = diags.is_empty() && parse_cache::self_contained(&doc);
                        (settle(doc), diags, storable)
                    }
                }),
        );
        if n > PARSE_CHUNK {
            crate::memory::give_back_freed();
        }
    }
    parsed
}
