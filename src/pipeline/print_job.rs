//! print.html made after the build, when it is wanted (`serve`).
//!
//! print.html is every chapter again: making it in the build that follows
//! an edit would hold the reload of the edited page until the whole book
//! is highlighted once more. With `BuildOptions::defer_print` the build
//! writes no print.html and hands back a `PrintJob` instead: what the
//! build already parsed and answered (the book, each chapter's `Document`
//! and results), owned, so the page can be made later on another thread
//! without parsing the book or looking up a result again. The job renders
//! the page a chunk of chapters at a time, as `pages` does, and gives up
//! between chunks once the caller says a newer build has superseded it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::book::Book;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::digest::Key;
use crate::markdown::{Block, Document};
use crate::pipeline::docs::Docs;
use crate::render::body::{self, PageRuns};
use crate::render::print::{PrintChapter, PrintFrame};
use crate::render::site::SiteRenderer;
use crate::render::theme::Theme;

/// Everything print.html is made from, as one build left it.
pub struct PrintJob {
    pub(super) config: Config,
    pub(super) theme: Theme,
    pub(super) book: Book,
    /// Chapter source path → site path (for the sidebar and links).
    pub(super) pages: HashMap<PathBuf, PathBuf>,
    /// Each chapter's page, document and results, in book order.
    pub(super) page_paths: Vec<PathBuf>,
    pub(super) docs: Docs,
    pub(super) runs: Vec<PageRuns>,
    pub(super) live_reload_script: Option<String>,
}

impl std::fmt::Debug for PrintJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrintJob")
            .field("chapters", &self.docs.len())
            .finish_non_exhaustive()
    }
}

impl PrintJob {
    /// The page of the chapter whose source file is `file` (absolute) after
    /// an edit, made from what this build left and the file as it is now:
    /// `(site path, HTML)`, for `serve` to show before the rebuild that
    /// brings the rest up to date (search, print.html, neighbours). `None`
    /// whenever that could differ from what the rebuild makes: the file is
    /// no chapter, preprocessors change chapters, it does not read, it has
    /// problems, or its code, quoted figures or cited claims changed (their
    /// results are this build's). The rebuild then shows it, as always.
    pub fn page_after_edit(&self, file: &Path) -> Option<(PathBuf, String)> {
        if !self.config.preprocessors.is_empty() {
            return None;
        }
        let chapters = super::page_chapters(&self.book);
        // The watcher's path and the book's may differ by links on the
        // way: the same file is the same once resolved.
        let real = file.canonicalize().ok()?;
        let i = chapters.iter().position(|c| {
            c.source_path.as_deref().is_some_and(|s| {
                s.file_name() == real.file_name()
                    && self.config.src.join(s).canonicalize().ok().as_ref() == Some(&real)
            })
        })?;
        let source = chapters[i].path.as_deref()?;
        let resolved = self.config.confine.resolve(source, &self.config.src).ok()?;
        let text = crate::fsutil::read_to_string(&resolved).ok()?;
        let ctx = super::parse_context(&self.config, &self.pages, false);
        let (doc, diags) = crate::markdown::parse_chapter(&ctx, source, &text);
        let old = self.docs.outline(i);
        let results = |d: &Document| {
            let blocks: Vec<&Block> = d
                .blocks
                .iter()
                .filter(|b| !matches!(b, Block::Html(_)))
                .collect();
            Key::of(&(blocks, &d.measures, &d.verdicts))
        };
        if !diags.is_empty() || results(&doc) != results(old) {
            return None;
        }
        // Links are checked across pages (this one's to the others, the
        // others' to its anchors): a save that breaks one is the
        // rebuild's error to show, over the page as it was.
        let mut docs: Vec<&Document> = self.docs.outlines().iter().collect();
        docs[i] = &doc;
        let broken = crate::markdown::links::check_links(
            &self.book,
            &chapters,
            &docs,
            crate::diag::Severity::Error,
        );
        if !broken.is_empty() {
            return None;
        }
        let site = self.site();
        let body = body::body_html(&doc, &site.highlighter, &self.runs[i]);
        let out = &self.page_paths[i];
        let html = site.chapter_page(&chapters, &doc, &body, i, out).ok()?;
        Some((out.clone(), html))
    }

    /// The renderer for this build's pages, as the build made them.
    fn site(&self) -> SiteRenderer<'_> {
        SiteRenderer::new(
            &self.config,
            self.live_reload_script.as_deref(),
            &self.theme,
            &self.book,
            &self.pages,
        )
    }

    /// How many chapters the page will hold.
    pub fn chapters(&self) -> usize {
        self.docs.len()
    }

    /// print.html, or `Ok(None)` when `superseded` answered true between
    /// two chunks (the caller wants a newer build's page instead). A theme
    /// whose print template fails is the diagnostic. A chapter whose part
    /// the `previous` page (an earlier render in this process) holds, made
    /// from the same body on the same page under the same plan, is copied
    /// from it instead of being highlighted again: after an edit, only the
    /// edited chapter's part is made.
    pub fn render(
        &self,
        superseded: &dyn Fn() -> bool,
        previous: Option<&Printed>,
    ) -> Result<Option<Printed>, Diagnostic> {
        let chapters = super::page_chapters(&self.book);
        let site = self.site();
        let plan = site.print_plan(&self.page_paths, &chapters, self.docs.outlines());
        let n = chapters.len();
        let body_of = |i: usize| -> Result<String, Diagnostic> {
            let doc = (self.docs.whole(i)).map_err(|e| Diagnostic::error(e.to_string(), None))?;
            Ok(body::body_html(&doc, &site.highlighter, &self.runs[i]))
        };
        match site.print_frame(&plan)? {
            PrintFrame::Streamed(pieces) => {
                let keys = self.part_keys(&site, &chapters);
                let mut html = pieces[0].clone();
                let mut parts = HashMap::with_capacity(n);
                for start in (0..n).step_by(super::pages::CHUNK) {
                    if superseded() {
                        return Ok(None);
                    }
                    let range = start..(start + super::pages::CHUNK).min(n);
                    let printed: Vec<String> = range
                        .clone()
                        .into_par_iter()
                        .map(|i| match previous.and_then(|p| p.part(keys[i])) {
                            Some(kept) => Ok(kept.to_owned()),
                            None => Ok(plan.chapter(i, &body_of(i)?).content),
                        })
                        .collect::<Result<_, Diagnostic>>()?;
                    for (i, content) in range.zip(printed) {
                        parts.insert(keys[i], html.len()..html.len() + content.len());
                        html.push_str(&content);
                        html.push_str(&pieces[i + 1]);
                    }
                }
                Ok(Some(Printed {
                    html: Arc::new(html.into_bytes()),
                    parts,
                }))
            }
            // A theme whose print template cannot be streamed gets every
            // chapter at once, as in `build`.
            PrintFrame::Whole => {
                let printed: Vec<PrintChapter> = (0..n)
                    .into_par_iter()
                    .map(|i| Ok(plan.chapter(i, &body_of(i)?)))
                    .collect::<Result<_, Diagnostic>>()?;
                if superseded() {
                    return Ok(None);
                }
                site.print_text(&plan, &printed)
                    .map(|html| Some(Printed::whole(html)))
            }
        }
    }

    /// Each chapter's part key, as `build` gives it (`pages::print_part_key`).
    fn part_keys(&self, site: &SiteRenderer<'_>, chapters: &[&crate::book::Chapter]) -> Vec<Key> {
        let binary = super::reuse::binary_identity();
        let plan_key = site.print_plan_key(&self.page_paths, chapters, self.docs.outlines());
        (0..chapters.len())
            .into_par_iter()
            .map(|i| {
                let body = SiteRenderer::body_key(binary, self.docs.key(i), &self.runs[i]);
                let on_page = super::pages::body_on_page(body, &self.page_paths[i]);
                super::pages::print_part_key(on_page, plan_key)
            })
            .collect()
    }
}

/// print.html as a render made it, with where each chapter's part lies
/// in it (by the part's key), for the next render to copy from.
pub struct Printed {
    pub html: Arc<Vec<u8>>,
    parts: HashMap<Key, std::ops::Range<usize>>,
}

impl Printed {
    /// A page without parts to copy (a theme's own print template).
    pub fn whole(html: String) -> Printed {
        Printed {
            html: Arc::new(html.into_bytes()),
            parts: HashMap::new(),
        }
    }

    /// The part made with `key`, if this page holds it.
    fn part(&self, key: Key) -> Option<&str> {
        let range = self.parts.get(&key)?.clone();
        std::str::from_utf8(self.html.get(range)?).ok()
    }
}
