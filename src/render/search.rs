//! The search index: the parsed `Document`s → `searchindex.js`, which the
//! theme's `search.js` loads with a `<script>` tag the first time a reader
//! opens the search (a script, not `fetch`, so a site opened from `file://`
//! searches too; loaded late, so pages stay light).
//!
//! 1. Each chapter is cut into sections at its headings of level
//!    `heading-split-level` or above (`sections`). A section is a result:
//!    its page and `#id`, its heading, its breadcrumbs (the chapter, then
//!    the parent headings) and its prose as plain text. Code blocks and
//!    program output are not prose (`Block::Code`), nor are scripts, styles
//!    and inline SVG; inline `<code>` in a sentence is.
//! 2. Text becomes terms (`terms`): UAX #29 words, lower-cased, split again
//!    at the dots and colons that UAX #29 keeps inside a word, so
//!    `asyncio.gather` is found by `gather`.
//! 3. The index maps each term to its postings: section, how often the term
//!    is in the text, and whether it is in the heading or the breadcrumbs.
//!    The client ranks with BM25 on the text plus the title and hierarchy
//!    boosts, matches words as prefixes of terms (`expand`), and cuts each
//!    snippet from the section's stored text, of which the index keeps the
//!    first `STORED_WORDS_PER_TEASER_WORD × teaser-word-count` words.
//!
//! Each chapter's share of the index is made on its own (`chapter_part`,
//! written as text by `ChapterPart::to_json`), and `searchindex.js` holds
//! the shares as they are, in book order (`index_js`, format 2): a build
//! keeps the shares and makes only an edited chapter's again
//! (`pipeline::search_index`), and joining them is a copy. `search.js`
//! joins their postings into one index when it loads the file, as `merge`
//! does here. Reads no files.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::config::SearchOptions;
use crate::diag::Diagnostic;
use crate::markdown::Document;

pub use super::search_sections::{Section, sections};

/// The index's site path.
pub const INDEX_FILE: &str = "searchindex.js";

/// The theme's script that opens the search and loads the index.
pub const SCRIPT: &str = "static/js/search.js";

/// How much of a section's text the index stores for snippets, in teaser
/// lengths: a match further in is still found, its snippet is the start.
pub const STORED_WORDS_PER_TEASER_WORD: usize = 6;

/// A chapter to index: its name in SUMMARY.md, its page and its document.
pub struct IndexedPage<'a> {
    pub name: &'a str,
    pub page: &'a Path,
    pub doc: &'a Document,
    /// The HTML of the page's quoted figures (`body::quote_html`), so a
    /// snippet reads "took 0.33 ms", not "took ms".
    pub measures: &'a BTreeMap<usize, String>,
}

/// Punctuation that UAX #29 keeps inside a word (`e.g`, `don't`, `3.14`,
/// `a:b`) and that search splits at; `search.js` never takes it into a word.
fn splits_word(c: char) -> bool {
    (c.is_ascii_punctuation() && c != '_')
        || matches!(
            c,
            '·' | '‘'
                | '’'
                | '‧'
                | '․'
                | '﹒'
                | '＇'
                | '．'
                | '：'
                | '︓'
                | '﹕'
                | '՟'
                | '״'
                | '،'
                | '؍'
                | '٬'
                | '߸'
                | '⁄'
                | '︐'
                | '︔'
                | '﹐'
                | '﹔'
                | '，'
                | '；'
                | '։'
                | '\u{37e}'
        )
}

/// The search terms of `text`, in order: lower-cased UAX #29 words, split
/// at inner punctuation. `search.js` turns a query into the same terms.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_term(text, |t| out.push(t.to_owned()));
    out
}

/// Calls `f` with each term of `text`; most words are lower case already
/// and are passed without a copy. Words never span white space, so the
/// text is cut there first and a piece that is all ASCII, as most prose
/// is, takes `ascii_terms`, which gives the same terms without UAX #29's
/// tables (indexing a large book spent a sixth of its time segmenting).
fn each_term(text: &str, mut f: impl FnMut(&str)) {
    for piece in text.split(|c: char| c.is_ascii_whitespace()) {
        if piece.is_ascii() {
            ascii_terms(piece, &mut f);
        } else {
            uax_terms(piece, &mut f);
        }
    }
}

/// The terms of ASCII `text`. In ASCII a UAX #29 word is letters, digits
/// and `_`, joined across `.`, `'`, `:`, `,` and `;` only between letters
/// or digits, and kept when it holds a letter or digit; `splits_word` then
/// cuts at every punctuation mark but `_`. So a term is a longest run of
/// letters, digits and `_` that holds a letter or digit.
fn ascii_terms(text: &str, f: &mut impl FnMut(&str)) {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_word(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word(bytes[i]) {
            i += 1;
        }
        let run = &text[start..i];
        if !run.bytes().any(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        if run.bytes().any(|b| b.is_ascii_uppercase()) {
            f(&run.to_ascii_lowercase())
        } else {
            f(run)
        }
    }
}

/// The terms of `text` by UAX #29 words, split at inner punctuation.
fn uax_terms(text: &str, f: &mut impl FnMut(&str)) {
    for word in text.unicode_words() {
        for t in word.split(splits_word).filter(|t| !t.is_empty()) {
            if t.chars().any(char::is_uppercase) {
                f(&t.to_lowercase())
            } else {
                f(t)
            }
        }
    }
}

/// Updates `term`'s entry in a section's table, allocating only for a new term.
fn update(table: &mut FxHashMap<String, u32>, term: &str, f: impl FnOnce(&mut u32)) {
    match table.get_mut(term) {
        Some(v) => f(v),
        None => {
            let mut v = 0;
            f(&mut v);
            table.insert(term.to_owned(), v);
        }
    }
}

/// Term flags in a posting: the term is in the section's heading, or in its
/// breadcrumbs.
const IN_TITLE: u32 = 1;
const IN_CRUMBS: u32 = 2;

/// The version of `searchindex.js`'s format, which `search.js` checks.
pub const FORMAT: u32 = 2;

/// The whole index as `search.js` sees it once it has joined the
/// chapters' parts (`merge` does in Rust what `search.js` does on load).
#[derive(Debug, Serialize)]
pub struct Index {
    /// Format version.
    pub v: u32,
    pub options: ClientOptions,
    /// Per section: URL, title, breadcrumbs, words in its text, stored text.
    pub sections: Vec<(String, String, Vec<String>, u32, String)>,
    /// Term → postings, flat: section (as the gap from the previous
    /// posting's), then `count × 4 + flags`, for each section it is in.
    pub terms: BTreeMap<String, Vec<u32>>,
}

/// What `search.js` needs of `[output.html.search]`.
#[derive(Debug, Serialize)]
pub struct ClientOptions {
    pub limit: u32,
    pub teaser: u32,
    pub and: bool,
    pub expand: bool,
    /// Title, hierarchy and paragraph boosts.
    pub boost: [u8; 3],
}

/// One chapter's share of the index, made on its own (`chapter_part`) so
/// that a build can keep it and make only the edited chapters' parts again
/// (`merge` assembles the index from them in book order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChapterPart {
    pub sections: Vec<PartSection>,
}

/// A section of a `ChapterPart`: what the index stores of it, and each of
/// its terms with `count × 4 + flags`, sorted by term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartSection {
    pub url: String,
    pub title: String,
    pub crumbs: Vec<String>,
    /// Words in the whole text.
    pub words: u32,
    /// The start of the text the index keeps for snippets.
    pub stored: String,
    pub terms: Vec<(String, u32)>,
}

/// The chapters `[output.html.search.chapter]` names that are no chapter
/// nor folder of chapters: an error, as in mdBook. `sources` are the
/// chapters' source paths.
pub fn exclusion_errors(sources: &[&Path], options: &SearchOptions) -> Vec<Diagnostic> {
    excluded(options)
        .iter()
        .zip(&options.excluded)
        .filter(|(e, _)| !sources.iter().any(|s| s.starts_with(e)))
        .map(|(_, written)| {
            Diagnostic::error(
                format!(
                    "`[output.html.search.chapter]` names `{}`, which is no chapter nor folder of chapters",
                    written.display()
                ),
                None,
            )
            .with_help("keys are chapter source paths relative to the source folder, such as `appendix.md` or `part2`")
        })
        .collect()
}

/// The excluded paths as written, without `./` or a leading `/`.
fn excluded(options: &SearchOptions) -> Vec<PathBuf> {
    options
        .excluded
        .iter()
        .map(|p| {
            p.components()
                .filter(|c| !matches!(c, Component::CurDir | Component::RootDir))
                .collect()
        })
        .collect()
}

/// Whether the chapter at `source` is left out of the index.
pub fn is_excluded(source: &Path, options: &SearchOptions) -> bool {
    excluded(options).iter().any(|e| source.starts_with(e))
}

impl ChapterPart {
    /// The part as `searchindex.js` holds it: `[sections, terms]`, each
    /// section `[url, title, crumbs, words, stored text]`, and each term
    /// with its postings in the chapter, flat: the section (numbered in the
    /// chapter), then `count × 4 + flags`. Terms in byte order, so a part
    /// is the same text whenever it is made.
    pub fn to_json(&self) -> String {
        let sections: Vec<_> = self
            .sections
            .iter()
            .map(|s| (&s.url, &s.title, &s.crumbs, s.words, &s.stored))
            .collect();
        let mut json = b"[".to_vec();
        serde_json::to_writer(&mut json, &sections).expect("a search part serializes");
        // The terms as a JSON object in byte order, each with its
        // postings in section order: what serde_json makes of a
        // `BTreeMap<&str, Vec<u32>>`, written from one sorted list instead
        // of a map of vectors (a twelfth of a large book's build).
        let mut postings: Vec<(&str, u32, u32)> = self
            .sections
            .iter()
            .enumerate()
            .flat_map(|(n, s)| s.terms.iter().map(move |(t, v)| (t.as_str(), n as u32, *v)))
            .collect();
        postings.sort_unstable();
        json.extend_from_slice(b",{");
        let mut numbers = itoa::Buffer::new();
        let mut last: Option<&str> = None;
        for (term, n, value) in postings {
            if last == Some(term) {
                json.push(b',');
            } else {
                if last.is_some() {
                    json.extend_from_slice(b"],");
                }
                serde_json::to_writer(&mut json, term).expect("a term serializes");
                json.extend_from_slice(b":[");
                last = Some(term);
            }
            json.extend_from_slice(numbers.format(n).as_bytes());
            json.push(b',');
            json.extend_from_slice(numbers.format(value).as_bytes());
        }
        if last.is_some() {
            json.push(b']');
        }
        json.extend_from_slice(b"}]");
        String::from_utf8(json).expect("serde_json writes UTF-8")
    }
}

/// `searchindex.js` from the chapters' parts as `ChapterPart::to_json`
/// wrote them, in book order: the parts are joined as they are, so making
/// the index again after an edit costs a copy, not an indexing of the
/// book; `search.js` joins their postings when it loads the file. With
/// the offset where each part starts in the file.
pub fn index_js(options: &SearchOptions, parts: &[impl AsRef<str>]) -> (String, Vec<usize>) {
    let head = index_js_head(options);
    let len: usize = parts.iter().map(|p| p.as_ref().len() + 1).sum();
    let mut js = String::with_capacity(len + head.len() + INDEX_JS_TAIL.len());
    js.push_str(&head);
    let mut starts = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            js.push_str(INDEX_JS_SEPARATOR);
        }
        starts.push(js.len());
        js.push_str(part.as_ref());
    }
    js.push_str(INDEX_JS_TAIL);
    (js, starts)
}

/// What `searchindex.js` holds before its first part, between two parts
/// and after the last (for writing it part by part, as `index_js` joins).
pub fn index_js_head(options: &SearchOptions) -> String {
    let head = serde_json::to_string(&client_options(options)).expect("options serialize");
    format!("window.proofbookSearch={{\"v\":{FORMAT},\"options\":{head},\"chapters\":[")
}
pub const INDEX_JS_SEPARATOR: &str = ",";
pub const INDEX_JS_TAIL: &str = "]};\n";

fn client_options(options: &SearchOptions) -> ClientOptions {
    ClientOptions {
        limit: options.limit_results,
        teaser: options.teaser_word_count,
        and: options.use_boolean_and,
        expand: options.expand,
        boost: [
            options.boost_title,
            options.boost_hierarchy,
            options.boost_paragraph,
        ],
    }
}

/// Chapter `page`'s share of the index.
pub fn chapter_part(p: &IndexedPage<'_>, options: &SearchOptions) -> ChapterPart {
    let stored = STORED_WORDS_PER_TEASER_WORD * options.teaser_word_count.max(1) as usize;
    let page = p.page.to_string_lossy().replace('\\', "/");
    let sections = sections(
        p.name,
        &page,
        p.doc,
        p.measures,
        options.heading_split_level,
    )
    .into_iter()
    .map(|s| {
        // Terms are short and the table is the chapter's own: Fx hashing
        // (rustc's), not SipHash, whose resistance to chosen keys buys
        // nothing here.
        let mut table: FxHashMap<String, u32> = FxHashMap::default();
        let mut words = 0;
        each_term(&s.text, |t| {
            update(&mut table, t, |v| *v += 4);
            words += 1;
        });
        each_term(&s.title, |t| update(&mut table, t, |v| *v |= IN_TITLE));
        for c in &s.crumbs {
            each_term(c, |t| update(&mut table, t, |v| *v |= IN_CRUMBS));
        }
        let mut terms: Vec<(String, u32)> = table.into_iter().collect();
        terms.sort_unstable();
        let mut text = s.text;
        text.truncate(first_words(&text, stored).len());
        PartSection {
            url: s.url,
            title: s.title,
            crumbs: s.crumbs,
            words,
            stored: text,
            terms,
        }
    })
    .collect();
    ChapterPart { sections }
}

/// Builds the index of `pages`, leaving out the chapters the options
/// exclude. An exclusion that matches no chapter is an error, as in mdBook.
pub fn build(
    pages: &[IndexedPage<'_>],
    sources: &[&Path],
    options: &SearchOptions,
) -> (Index, Vec<Diagnostic>) {
    let diags = exclusion_errors(sources, options);
    let parts: Vec<ChapterPart> = pages
        .par_iter()
        .zip(sources)
        .filter(|(_, src)| !is_excluded(src, options))
        .map(|(p, _)| chapter_part(p, options))
        .collect();
    (merge(parts, options), diags)
}

/// The index of the chapters whose parts are `parts`, in book order, as
/// `search.js` joins it from `searchindex.js`.
pub fn merge(parts: impl IntoIterator<Item = ChapterPart>, options: &SearchOptions) -> Index {
    let mut index = Index {
        v: FORMAT,
        options: client_options(options),
        sections: Vec::new(),
        terms: BTreeMap::new(),
    };
    // Each term's postings, with the section of its last one for the gaps.
    let mut postings: HashMap<String, (u32, Vec<u32>)> = HashMap::new();
    for s in parts.into_iter().flat_map(|p| p.sections) {
        let id = index.sections.len() as u32;
        for (term, value) in s.terms {
            let (last, list) = postings.entry(term).or_insert((0, Vec::new()));
            list.push(id - *last);
            list.push(value);
            *last = id;
        }
        index
            .sections
            .push((s.url, s.title, s.crumbs, s.words, s.stored));
    }
    index.terms = postings.into_iter().map(|(t, (_, p))| (t, p)).collect();
    index
}

/// The start of `text` up to its `n`th word (UAX #29), whole.
fn first_words(text: &str, n: usize) -> &str {
    match text.unicode_word_indices().nth(n) {
        Some((at, _)) => text[..at].trim_end(),
        None => text,
    }
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
