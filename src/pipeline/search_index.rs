//! `searchindex.js`, made only when a chapter in it changed: the index is
//! assembled from each chapter's part (`render::search::chapter_part`),
//! keyed by the chapter's body key, page and name; a part whose key is
//! unchanged is copied from the previous site's index (`output::spans`),
//! so an edit indexes that chapter again and no other.
//! When no part changed, the previous site's file is linked (`reuse`) and
//! no search data is read or written at all.

use std::path::Path;

use rayon::prelude::*;

use crate::book::Chapter;
use crate::config::SearchOptions;
use crate::digest::Key;
use crate::markdown::Document;
use crate::output::spans::{SpanWriter, bytes_key};
use crate::output::{SiteFile, Staging};
use crate::pipeline::pages::Keys;
use crate::pipeline::reuse::Reuse;
use crate::render::body::PageRuns;
use crate::render::search;
use crate::render::site::SiteRenderer;

/// What the index is made of: the chapters with a page, with their keys
/// (`pages::page_keys`).
pub(super) struct IndexInputs<'a> {
    pub chapters: &'a [&'a Chapter],
    pub pages: &'a [std::path::PathBuf],
    pub docs: &'a [Document],
    pub runs: &'a [PageRuns],
    pub keys: &'a Keys,
}

/// What became of the index.
pub(super) enum Made {
    /// Unchanged: linked from the previous site.
    Reused,
    /// Made again, with how many chapters' parts were made (not taken from
    /// the previous index).
    Made { file: SiteFile, parts: usize },
}

/// The search index, from the previous site when no chapter in it changed.
pub(super) fn search_index(
    site: &SiteRenderer<'_>,
    options: &SearchOptions,
    input: &IndexInputs<'_>,
    (staging, reuse): (&Staging, &Reuse),
) -> Made {
    let included: Vec<usize> = (0..input.chapters.len())
        .filter(|&i| {
            let source = input.chapters[i].path.as_deref().unwrap_or(Path::new(""));
            !search::is_excluded(source, options)
        })
        .collect();
    let part_keys: Vec<Key> = included
        .iter()
        .map(|&i| {
            // A part is made of the body's document and quoted figures, on
            // its page, under the chapter's name (its breadcrumbs).
            let name = &input.chapters[i].name;
            let body = input.keys.bodies[i];
            Key::of(&("search part", body, &input.pages[i], name, options))
        })
        .collect();
    let index_key = Key::of(&("search index", options, &part_keys));
    if reuse.take(staging, Path::new(search::INDEX_FILE), index_key) {
        return Made::Reused;
    }
    let previous = reuse.previous_parts(search::INDEX_FILE);
    let made: Vec<(String, Key, bool)> = included
        .par_iter()
        .zip(&part_keys)
        .map(|(&i, &key)| match previous.get(key) {
            Some((part, bytes)) => (part, bytes, false),
            None => {
                let (c, p, d, r) = (
                    input.chapters[i],
                    &input.pages[i],
                    &input.docs[i],
                    &input.runs[i],
                );
                let part = site.search_part(c, p, d, r, options).to_json();
                let bytes = bytes_key(part.as_bytes());
                (part, bytes, true)
            }
        })
        .collect();
    let fresh = made.iter().filter(|m| m.2).count();
    let texts: Vec<&str> = made.iter().map(|m| m.0.as_str()).collect();
    let (js, starts) = search::index_js(options, &texts);
    let mut spans = SpanWriter::default();
    for ((part, bytes, _), (&key, &start)) in made.iter().zip(part_keys.iter().zip(&starts)) {
        spans.skip(start - spans.written());
        spans.part(key, part.len(), *bytes);
    }
    reuse.record_spans(search::INDEX_FILE, spans.into_spans());
    Made::Made {
        file: SiteFile::text(search::INDEX_FILE, js),
        parts: fresh,
    }
}
