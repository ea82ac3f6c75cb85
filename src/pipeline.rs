//! The build pipeline: config → book → markdown → render → output.
//!
//! `plan_site` runs every stage but the last and returns the files of the
//! site; `build` writes them. Each stage is a call to its module; this file
//! only wires them together and decides which problems stop the build.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::book::{self, Chapter};
use crate::config::Config;
use crate::diag::{Diagnostic, has_errors};
use crate::markdown::{Document, MarkdownOptions, ParseContext, links, parse_chapter};
use crate::output::{self, OutputError, SiteFile, assets, page_path};
use crate::preprocess;
use crate::render::site::SiteRenderer;
use crate::render::{self, body};

/// Choices made for one run, not stored in book.toml.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Overrides `[build] build-dir`.
    pub dest: Option<PathBuf>,
    /// Script injected into every page by `serve`; `None` for a real build.
    pub live_reload_script: Option<String>,
}

#[derive(Debug)]
pub struct BuildReport {
    pub dest: PathBuf,
    pub pages: usize,
    pub files: usize,
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Problems in the book; the list holds warnings too, in order.
    #[error("the book has errors")]
    Book(Vec<Diagnostic>),
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// Builds the site into the destination, replacing the previous one whole.
pub fn build(config: &Config, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let base = match &options.dest {
        Some(d) => std::path::absolute(d).unwrap_or_else(|_| d.clone()),
        None => config.build_dir.clone(),
    };
    let dest = if config.html_in_subfolder {
        base.join("html")
    } else {
        base
    };
    output::check_destination(&dest, &config.root, &config.src)?;
    let site = plan_site(config, options).map_err(BuildError::Book)?;
    let mut timings = site.timings;
    let mut clock = Instant::now();
    output::write_site(&dest, &site.files)?;
    timings.lap("write", &mut clock);
    Ok(BuildReport {
        dest,
        pages: site.pages,
        files: site.files.len(),
        warnings: site.warnings,
        timings,
    })
}

/// Every file of the site, in memory or as a file to copy.
pub struct SitePlan {
    pub files: Vec<SiteFile>,
    pub pages: usize,
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
}

/// Wall time of each phase of a build, for the summary line and for
/// finding where time goes. Only the pipeline reads the clock.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub phases: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn lap(&mut self, name: &'static str, since: &mut Instant) {
        let now = Instant::now();
        self.phases.push((name, now - *since));
        *since = now;
    }
}

/// Runs the stages up to (not including) writing. Errors come back with the
/// warnings found so far, in one list.
pub fn plan_site(config: &Config, options: &BuildOptions) -> Result<SitePlan, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let (theme, theme_warnings) = render::theme::load(config.html.theme_dir.as_deref())?;
    diags.extend(theme_warnings);

    let (book, book_diags) = book::load(&config.src);
    diags.extend(book_diags);
    if has_errors(&diags) {
        return Err(diags);
    }
    let (preprocessed, pre_diags) = preprocess::run(config, book);
    diags.extend(pre_diags);
    if has_errors(&diags) {
        return Err(diags);
    }
    let book = preprocessed.book;
    timings.lap("load", &mut clock);

    let chapters: Vec<&Chapter> = book
        .chapters()
        .into_iter()
        .filter(|c| !c.is_draft())
        .collect();
    let pages: HashMap<PathBuf, PathBuf> = chapters
        .iter()
        .filter_map(|c| c.path.as_ref())
        .map(|p| (p.clone(), page_path(p)))
        .collect();

    let options_md = MarkdownOptions {
        smart_punctuation: config.html.smart_punctuation,
        definition_lists: config.html.definition_lists,
        admonitions: config.html.admonitions,
    };
    let ctx = ParseContext {
        options: options_md,
        root: &config.include_root,
        src: &config.src,
        pages: &pages,
        expand_includes: !preprocessed.includes_expanded,
    };
    let parsed: Vec<(Document, Vec<Diagnostic>)> = chapters
        .par_iter()
        .map(|ch| {
            parse_chapter(
                &ctx,
                ch.path.as_deref().expect("drafts were filtered out"),
                &ch.content,
            )
        })
        .collect();
    let mut docs = Vec::with_capacity(parsed.len());
    for (doc, d) in parsed {
        diags.extend(d);
        docs.push(doc);
    }
    diags.extend(links::check_links(
        &book,
        &chapters,
        &docs,
        config.broken_links,
    ));
    if has_errors(&diags) {
        return Err(diags);
    }
    timings.lap("parse", &mut clock);

    let site = SiteRenderer::new(
        config,
        options.live_reload_script.as_deref(),
        &theme,
        &book,
        &pages,
    );
    let bodies: Vec<String> = docs
        .par_iter()
        .map(|d| body::body_html(d, &site.highlighter))
        .collect();
    timings.lap("highlight", &mut clock);
    let rendered: Vec<Result<SiteFile, Diagnostic>> = (0..chapters.len())
        .into_par_iter()
        .map(|i| {
            let out = page_path(
                chapters[i]
                    .path
                    .as_deref()
                    .expect("drafts were filtered out"),
            );
            let html = site.chapter_page(&chapters, &docs, &bodies, i, &out)?;
            Ok(SiteFile::text(out, html))
        })
        .collect();
    let mut files = Vec::new();
    for r in rendered {
        match r {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    timings.lap("pages", &mut clock);
    if config.html.print_enable {
        match site.print_page(&chapters, &docs, &bodies) {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    if has_errors(&diags) {
        return Err(diags);
    }
    let page_count = chapters.len();
    if !pages.values().any(|p| p == Path::new("index.html")) {
        files.extend(site.index_fallback(&chapters, &docs, &bodies));
    }
    match site.not_found_page(&ctx) {
        Ok((file, d)) => {
            files.push(file);
            diags.extend(d);
        }
        Err(d) => diags.extend(d),
    }
    files.extend(site.redirects());
    files.extend(assets::static_files(config, &theme, &mut diags));
    if has_errors(&diags) {
        return Err(diags);
    }
    timings.lap("other files", &mut clock);
    Ok(SitePlan {
        files,
        pages: page_count,
        warnings: diags,
        timings,
    })
}
