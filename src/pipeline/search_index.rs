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
use crate::fsutil::FsError;
use crate::output::spans::{SpanWriter, bytes_key};
use crate::output::{OutputError, Staging};
use crate::pipeline::docs::Docs;
use crate::pipeline::pages::{CHUNK, Keys};
use crate::pipeline::reuse::Reuse;
use crate::render::body::PageRuns;
use crate::render::search;
use crate::render::site::SiteRenderer;

/// What the index is made of: the chapters with a page, with their keys
/// (`pages::page_keys`).
pub(super) struct IndexInputs<'a> {
    pub chapters: &'a [&'a Chapter],
    pub pages: &'a [std::path::PathBuf],
    pub docs: &'a Docs,
    pub runs: &'a [PageRuns],
    pub keys: &'a Keys,
}

/// What became of the index.
pub(super) enum Made {
    /// Unchanged: linked from the previous site.
    Reused,
    /// Written again, with how many chapters' parts were made (not taken
    /// from the previous index).
    Made { parts: usize },
}

/// The search index, from the previous site when no chapter in it changed,
/// else written into `staging`.
pub(super) fn search_index(
    site: &SiteRenderer<'_>,
    options: &SearchOptions,
    input: &IndexInputs<'_>,
    (staging, reuse): (&Staging, &Reuse),
) -> Result<Made, OutputError> {
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
        return Ok(Made::Reused);
    }
    let previous = reuse.previous_parts(search::INDEX_FILE);
    // Written a chunk of chapters at a time, so a build holds one chunk's
    // parts, not the whole index twice (its parts and their join).
    let mut file = staging.create(search::INDEX_FILE)?;
    let mut spans = SpanWriter::default();
    let head = search::index_js_head(options);
    file.append(head.as_bytes())?;
    spans.skip(head.len());
    let mut fresh = 0;
    for (n, start) in (0..included.len()).step_by(CHUNK).enumerate() {
        let range = start..(start + CHUNK).min(included.len());
        let made: Vec<(String, Key, bool)> = range
            .clone()
            .into_par_iter()
            .map(|j| match previous.get(part_keys[j]) {
                Some((part, bytes)) => Ok((part, bytes, false)),
                None => {
                    let i = included[j];
                    let doc = input.docs.whole(i)?;
                    let (c, p, r) = (input.chapters[i], &input.pages[i], &input.runs[i]);
                    let part = site.search_part(c, p, &doc, r, options).to_json();
                    let bytes = bytes_key(part.as_bytes());
                    Ok((part, bytes, true))
                }
            })
            .collect::<Result<_, FsError>>()?;
        for (k, (j, (part, bytes, made_now))) in range.zip(made).enumerate() {
            if n > 0 || k > 0 {
                file.append(search::INDEX_JS_SEPARATOR.as_bytes())?;
                spans.skip(search::INDEX_JS_SEPARATOR.len());
            }
            file.append_known(part.as_bytes(), bytes)?;
            spans.part(part_keys[j], part.len(), bytes);
            fresh += usize::from(made_now);
        }
    }
    file.append(search::INDEX_JS_TAIL.as_bytes())?;
    file.close()?;
    reuse.record_spans(search::INDEX_FILE, spans.into_spans());
    Ok(Made::Made { parts: fresh })
}
