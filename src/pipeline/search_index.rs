//! `searchindex.js`, made only when a chapter in it changed: the index is
//! assembled from each chapter's part (`render::search::chapter_part`),
//! kept between builds in the parts store under a key made from the
//! chapter's body key, page and name, so an edit indexes that chapter
//! again and no other.
//! When no part changed, the previous site's file is linked (`reuse`) and
//! no search data is read or written at all.

use std::path::Path;

use rayon::prelude::*;

use crate::book::Chapter;
use crate::config::SearchOptions;
use crate::digest::Key;
use crate::markdown::Document;
use crate::output::parts::Parts;
use crate::output::{SiteFile, Staging};
use crate::pipeline::pages::Keys;
use crate::pipeline::reuse::Reuse;
use crate::render::body::PageRuns;
use crate::render::search;
use crate::render::site::SiteRenderer;

/// The kind of part (`output::parts`) a chapter's share of the index is.
const SEARCH_PARTS: &str = "search";

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
    /// the store).
    Made { file: SiteFile, parts: usize },
}

/// The search index, from the previous site when no chapter in it changed.
pub(super) fn search_index(
    site: &SiteRenderer<'_>,
    options: &SearchOptions,
    input: &IndexInputs<'_>,
    (staging, reuse, parts): (&Staging, &Reuse, &Parts),
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
        // Not read this time, but the next edit assembles the index from them.
        for &key in &part_keys {
            parts.keep(SEARCH_PARTS, key);
        }
        return Made::Reused;
    }
    let made: Vec<(String, bool)> = included
        .par_iter()
        .zip(&part_keys)
        .map(|(&i, &key)| {
            let kept = parts
                .get(SEARCH_PARTS, key)
                .and_then(|bytes| String::from_utf8(bytes).ok());
            match kept {
                Some(part) => (part, false),
                None => {
                    let (c, p, d, r) = (
                        input.chapters[i],
                        &input.pages[i],
                        &input.docs[i],
                        &input.runs[i],
                    );
                    let part = site.search_part(c, p, d, r, options).to_json();
                    parts.put(SEARCH_PARTS, key, part.as_bytes());
                    (part, true)
                }
            }
        })
        .collect();
    let fresh = made.iter().filter(|(_, fresh)| *fresh).count();
    let texts: Vec<&str> = made.iter().map(|(p, _)| p.as_str()).collect();
    Made::Made {
        file: SiteFile::text(search::INDEX_FILE, search::index_js(options, &texts)),
        parts: fresh,
    }
}
