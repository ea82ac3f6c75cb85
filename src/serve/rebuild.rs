//! One rebuild of the preview: build the book into the preview folder, put
//! the new site in front of the server, and tell the open pages which of
//! them changed (or show the error on every page).
//!
//! The preview is an ordinary build (the same pipeline, the same result
//! cache and page reuse) into `.proofbook-cache/serve/`, never the book's
//! own output folder, with the reload script in every page. So a prose
//! edit re-renders the pages whose inputs changed, and an edited example
//! runs again while every other result comes from the cache. The pages
//! that changed are the ones whose key in the page manifest changed.
//!
//! print.html is every chapter again, so the build does not make it: it
//! leaves what the page is made of to `Site::print`, which makes the page
//! when a browser asks for it, after the edited page has reloaded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use crate::config::Config;
use crate::diag::{Diagnostic, Span};
use crate::output::{Content, SiteFile};
use crate::pipeline::{BuildError, BuildOptions, BuildReport, PrintJob, build, page_keys};
use crate::serve::events::{ErrorReport, Event, Hub, LIVE_RELOAD_JS};
use crate::serve::http::Site;
use crate::serve::print::PRINT_PATH;
use crate::serve::watch::{Change, WatchSet};

/// Where the preview is built, inside the book's cache folder
/// (`config::CACHE_DIR`).
pub const PREVIEW_DIR: &str = "serve";

/// What a rebuild did, for the terminal.
pub enum Outcome {
    Built {
        report: Box<BuildReport>,
        /// Every page may have changed (settings, theme, SUMMARY.md).
        everything: bool,
        /// Otherwise, the pages that changed (site paths), maybe none.
        changed: Vec<String>,
    },
    /// The book has errors (or book.toml does not load); the pages show
    /// the first one.
    Failed(Vec<Diagnostic>),
}

/// The preview of one book.
pub struct Preview {
    book_dir: PathBuf,
    site: Arc<Site>,
    hub: Arc<Hub>,
    /// Each page's key in the site the pages show now.
    keys: BTreeMap<String, String>,
    /// The settings of the last build that loaded them.
    config: Option<Config>,
    /// Options every preview build uses (progress, launcher).
    base: BuildOptions,
    /// A change that may touch every page (settings, theme, an image) has
    /// not reached the pages yet: its build failed.
    owe_everything: bool,
    /// What the last build's pages were made of (with a print page), from
    /// which an edited chapter's page is shown before the rebuild.
    last: Option<Arc<PrintJob>>,
    /// The page shown that way since the last build, with its HTML.
    shown_early: Option<(String, String)>,
}

impl Preview {
    pub fn new(book_dir: &Path, site: Arc<Site>, hub: Arc<Hub>, base: BuildOptions) -> Preview {
        Preview {
            book_dir: book_dir.to_owned(),
            site,
            hub,
            keys: BTreeMap::new(),
            config: None,
            base,
            owe_everything: false,
            last: None,
            shown_early: None,
        }
    }

    /// The settings of the last build (for the watcher's folders).
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    /// Builds the book again after `changes` (all of it when `None`),
    /// updates the site and tells the pages. With `pending`, examples that
    /// must run show their earlier result instead (the report counts them
    /// as pending), so the pages reload with the new prose at once; the
    /// caller then rebuilds without it to run them.
    pub fn rebuild(
        &mut self,
        changes: Option<&BTreeSet<Change>>,
        pending: bool,
    ) -> (Outcome, Vec<Diagnostic>) {
        // Only the first pass after a save: a second (the examples run)
        // follows a build that already shows the page.
        if let (Some(changes), true) = (changes, pending) {
            self.show_early(changes);
        }
        let (config, warnings) = match Config::load(&self.book_dir) {
            Ok(c) => c,
            Err(e) => {
                let diags = e.to_diagnostics();
                self.fail(&diags, changes);
                return (Outcome::Failed(diags), Vec::new());
            }
        };
        let dest = config.run.cache_dir.join(PREVIEW_DIR);
        if let Err(d) = preview_is_inside(&config.root, &dest) {
            let diags = vec![d];
            self.fail(&diags, changes);
            self.config = Some(config);
            return (Outcome::Failed(diags), warnings);
        }
        let options = BuildOptions {
            dest: Some(dest.clone()),
            live_reload_script: Some(LIVE_RELOAD_JS.to_owned()),
            pending,
            // The preview folder is proofbook's own, inside its cache (just
            // checked, links and all): one that is not as proofbook left
            // it (an older proofbook's) is moved aside, not refused, so
            // `serve` keeps working; nothing in it is deleted.
            force: true,
            // print.html is every chapter again: making it here would hold
            // the edited page's reload until the whole book is rendered.
            defer_print: true,
            ..self.base.clone()
        };
        let result = build(&config, &options);
        self.config = Some(config);
        match result {
            Ok(mut report) => {
                let keys = page_keys(&report.dest);
                let everything =
                    self.owe_everything || changes.is_none_or(|c| c.iter().any(touches_every_page));
                self.owe_everything = false;
                let early = self.shown_early.take();
                let changed: Vec<String> = if everything {
                    Vec::new()
                } else {
                    // The manifest keys the search index too: no page to reload.
                    keys.iter()
                        .filter(|(page, _)| page.ends_with(".html"))
                        .filter(|(page, key)| self.keys.get(*page) != Some(key))
                        .map(|(page, _)| page.clone())
                        .collect()
                };
                // The tabs of the page shown early show it already; but
                // one shown before a build that failed may differ from
                // this build's page although its key did not change.
                let mut to_reload: Vec<String> = changed
                    .iter()
                    .filter(|page| !same_as_shown(&report.dest, page, early.as_ref()))
                    .cloned()
                    .collect();
                if let Some((page, _)) = &early
                    && !everything
                    && !to_reload.contains(page)
                    && !same_as_shown(&report.dest, page, early.as_ref())
                {
                    to_reload.push(page.clone());
                }
                self.last = report.print.take().map(Arc::from);
                self.site.print().set(self.last.clone());
                self.site.replace_all(site_files(&report.dest));
                self.keys = keys;
                self.publish_built(everything, &to_reload, early.is_some());
                (
                    Outcome::Built {
                        report: Box::new(report),
                        everything,
                        changed,
                    },
                    warnings,
                )
            }
            Err(BuildError::Book(diags)) => {
                self.fail(&diags, changes);
                (Outcome::Failed(diags), warnings)
            }
            Err(e @ BuildError::Interrupted(_)) => {
                let diags = vec![Diagnostic::error(e.to_string(), None)];
                (Outcome::Failed(diags), warnings)
            }
            Err(BuildError::Output(e)) => {
                let diags = vec![Diagnostic::error(e.to_string(), None)];
                self.fail(&diags, changes);
                (Outcome::Failed(diags), warnings)
            }
        }
    }

    /// After a save of one chapter's file, shows its page at once, made
    /// from the last build and the file as it is now
    /// (`PrintJob::page_after_edit`), and reloads the tabs that show it;
    /// the rebuild then brings the rest up to date and reloads the page
    /// again only if it came out different.
    fn show_early(&mut self, changes: &BTreeSet<Change>) {
        let [Change::Source(file)] = changes.iter().collect::<Vec<_>>()[..] else {
            return;
        };
        let Some(job) = &self.last else { return };
        let Some((page, html)) = job.page_after_edit(file) else {
            return;
        };
        let page = page.to_string_lossy().replace('\\', "/");
        self.site
            .update(vec![SiteFile::text(page.clone(), html.clone())]);
        self.hub.publish(Event::Reload {
            pages: vec![page.clone()],
        });
        self.shown_early = Some((page, html));
    }

    /// Tells the open pages what a build changed: every page, these (and
    /// print.html, which holds every chapter), or none.
    fn publish_built(&self, everything: bool, changed: &[String], shown_early: bool) {
        if everything || !changed.is_empty() || shown_early {
            let mut pages = changed.to_vec();
            // The page shown early is in print.html too.
            if (!pages.is_empty() || shown_early) && self.site.print().available() {
                pages.push(PRINT_PATH.to_owned());
            }
            if pages.is_empty() && !everything {
                self.hub.publish(Event::Clear);
                return;
            }
            self.hub.publish(Event::Reload { pages });
        } else {
            // A save that changed no page (the same text again): nothing
            // to reload, but an error it fixed goes.
            self.hub.publish(Event::Clear);
        }
    }

    /// Shows an error on the pages: the first in a file just saved, as the
    /// author is looking at it, else the first.
    fn fail(&mut self, diags: &[Diagnostic], changes: Option<&BTreeSet<Change>>) {
        self.owe_everything |= changes.is_none_or(|c| c.iter().any(touches_every_page));
        let saved: Vec<PathBuf> = changes
            .into_iter()
            .flatten()
            .filter_map(|c| match c {
                Change::Source(p) | Change::Example(p) | Change::Theme(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        let in_saved = |d: &&&Diagnostic| {
            d.span.as_ref().is_some_and(|s| {
                let file = s.file.canonicalize().unwrap_or_else(|_| s.file.clone());
                saved.contains(&file)
            })
        };
        let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
        let first = errors
            .iter()
            .find(in_saved)
            .or(errors.first())
            .copied()
            .or(diags.first());
        if let Some(d) = first {
            self.hub
                .publish(Event::Error(error_report(d, &self.book_dir)));
        }
    }
}

/// Whether the built `page` is the page shown early, byte for byte: its
/// tabs then show it already.
fn same_as_shown(dest: &Path, page: &str, shown: Option<&(String, String)>) -> bool {
    shown.is_some_and(|(p, html)| {
        p == page && std::fs::read(dest.join(page)).is_ok_and(|b| b == html.as_bytes())
    })
}

/// The folders the watcher should follow for `config`.
pub fn watch_set(config: &Config) -> WatchSet {
    let examples = config.root.join(crate::config::EXAMPLES_DIR);
    WatchSet {
        root: config.root.clone(),
        src: config.src.clone(),
        // mdBook's default theme folder counts once it exists, so watch it
        // before it does.
        theme: config
            .html
            .theme_dir
            .clone()
            .or_else(|| Some(config.root.join("theme"))),
        // Watched before it exists, so helpers added while serving count.
        examples: Some(examples),
        // Declared data files (`deps=`) may be anywhere in the book.
        data: true,
        requirements: config.run.requirements.clone(),
        ignore: vec![config.build_dir.clone(), config.run.cache_dir.clone()],
    }
}

/// The preview folder must be where it says, inside the book: a book
/// that ships `.proofbook-cache` (or `serve` in it) as a symbolic link
/// would otherwise have the preview replace a folder elsewhere.
fn preview_is_inside(root: &Path, dest: &Path) -> Result<(), Diagnostic> {
    let mut at = root.to_owned();
    let rel = dest.strip_prefix(root).unwrap_or(dest);
    for part in rel.components() {
        at.push(part);
        if at.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
            return Err(Diagnostic::error(
                format!(
                    "the preview folder {} is not a folder of the book (a symbolic link or a file is in its place)",
                    at.display()
                ),
                None,
            )
            .with_help("remove it; `proofbook serve` makes the folder it builds the preview in"));
        }
    }
    Ok(())
}

/// A chapter or an example changes the pages whose keys changed; anything
/// else (settings, theme, SUMMARY.md, an image) may change every page.
fn touches_every_page(change: &Change) -> bool {
    match change {
        Change::Source(p) => !is_markdown(p),
        Change::Example(_) => false,
        _ => true,
    }
}

fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "md")
}

/// A diagnostic as the page overlay shows it: the message (with its help),
/// `file:line:col`, and the lines around it with a caret.
pub fn error_report(d: &Diagnostic, book_dir: &Path) -> ErrorReport {
    let root = book_dir
        .canonicalize()
        .unwrap_or_else(|_| book_dir.to_owned());
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    ErrorReport {
        message,
        location: d.span.as_ref().map(|s| {
            let file = s.file.strip_prefix(&root).unwrap_or(&s.file);
            format!("{}:{}:{}", file.display(), s.line, s.col)
        }),
        excerpt: d.span.as_ref().and_then(excerpt),
    }
}

/// Two lines either side of the span's line, numbered, with a caret.
fn excerpt(span: &Span) -> Option<String> {
    let text = crate::fsutil::read_to_string(&span.file).ok()?;
    let line = span.line as usize;
    let first = line.saturating_sub(2).max(1);
    let width = (line + 2).to_string().len();
    let mut out = String::new();
    for (n, text) in text.lines().enumerate().map(|(i, t)| (i + 1, t)) {
        if n < first {
            continue;
        }
        if n > line + 2 {
            break;
        }
        out.push_str(&format!("{n:>width$} | {text}\n"));
        if n == line {
            let pad = " ".repeat(width + 3 + span.col.saturating_sub(1) as usize);
            let carets = "^".repeat(span.len.max(1) as usize);
            out.push_str(&format!("{pad}{carets}\n"));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Every file of the built site, served from where the build put it.
fn site_files(dest: &Path) -> Vec<SiteFile> {
    WalkDir::new(dest)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dest).ok()?.to_owned();
            Some(SiteFile {
                path: rel,
                content: Content::CopyOf(e.path().to_owned()),
            })
        })
        .collect()
}
