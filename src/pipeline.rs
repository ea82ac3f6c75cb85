//! The build pipeline: config → book → markdown → render → output.
//!
//! `plan_site` runs every stage but the last and returns the files of the
//! site; `build` writes them. Each stage is a call to its module; this file
//! only wires them together and decides which problems stop the build.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::book::{self, Book, Chapter};
use crate::config::Config;
use crate::diag::{Diagnostic, Severity, Span, has_errors};
use crate::markdown::links::{path_to_root, relative_url};
use crate::markdown::{Document, MarkdownOptions, ParseContext, parse_chapter};
use crate::output::{self, Content, OutputError, SiteFile};
use crate::preprocess;
use crate::render::context::{
    BookView, NavLink, PageCtx, PageView, PrintChapterView, PrintCtx, SiteView, TocEntry,
};
use crate::render::print::{self, PrintInput};
use crate::render::sidebar::Sidebar;
use crate::render::{self, Highlighter, Theme, body};

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
    let dest = match &options.dest {
        Some(d) => std::path::absolute(d).unwrap_or_else(|_| d.clone()),
        None => config.build_dir.clone(),
    };
    output::check_destination(&dest, &config.root, &config.src)?;
    let site = plan_site(config, options).map_err(BuildError::Book)?;
    output::write_site(&dest, &site.files)?;
    Ok(BuildReport {
        dest,
        pages: site.pages,
        files: site.files.len(),
        warnings: site.warnings,
    })
}

/// Every file of the site, in memory or as a file to copy.
pub struct SitePlan {
    pub files: Vec<SiteFile>,
    pub pages: usize,
    pub warnings: Vec<Diagnostic>,
}

/// Runs the stages up to (not including) writing. Errors come back with the
/// warnings found so far, in one list.
pub fn plan_site(config: &Config, options: &BuildOptions) -> Result<SitePlan, Vec<Diagnostic>> {
    let mut diags = Vec::new();
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
        root: &config.root,
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
    diags.extend(check_links(&book, &chapters, &docs, config.broken_links));
    if has_errors(&diags) {
        return Err(diags);
    }

    let site = Site::new(config, options, &theme, &book, &pages);
    let bodies: Vec<String> = docs
        .par_iter()
        .map(|d| body::body_html(d, &site.highlighter))
        .collect();
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
    files.extend(static_files(config, &theme, &mut diags));
    if has_errors(&diags) {
        return Err(diags);
    }
    Ok(SitePlan {
        files,
        pages: page_count,
        warnings: diags,
    })
}

/// The page a chapter becomes: `dir/x.md` → `dir/x.html`; a `README.md`
/// becomes its folder's `index.html`, as mdBook's index step does.
pub fn page_path(chapter: &Path) -> PathBuf {
    if chapter
        .file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
    {
        chapter.with_file_name("index.html")
    } else {
        chapter.with_extension("html")
    }
}

/// Every link to a chapter must reach a page, and every fragment an id on it.
fn check_links(
    book: &Book,
    chapters: &[&Chapter],
    docs: &[Document],
    severity: Severity,
) -> Vec<Diagnostic> {
    let ids: HashMap<&Path, HashSet<&str>> = chapters
        .iter()
        .zip(docs)
        .filter_map(|(c, d)| {
            Some((
                c.path.as_deref()?,
                d.ids.iter().map(String::as_str).collect(),
            ))
        })
        .collect();
    let drafts: HashSet<&Path> = book
        .chapters()
        .into_iter()
        .filter(|c| c.is_draft())
        .filter_map(|c| c.source_path.as_deref())
        .collect();
    let mut out = Vec::new();
    for doc in docs {
        for link in &doc.links {
            let problem = match (ids.get(link.target.as_path()), &link.fragment) {
                (None, _) if drafts.contains(link.target.as_path()) => Some((
                    "is a draft chapter with no page".to_owned(),
                    "link to another chapter, or give this one a file in SUMMARY.md",
                )),
                (None, _) => Some((
                    format!(
                        "points to `{}`, which is not a chapter in SUMMARY.md",
                        link.target.display()
                    ),
                    "fix the path, or add the page to SUMMARY.md",
                )),
                (Some(ids), Some(f)) if !f.is_empty() && !ids.contains(f.as_str()) => Some((
                    format!("points to `#{f}`, which is not an anchor on that page"),
                    "use the id of a heading on the target page (shown in its address bar when you click the heading)",
                )),
                _ => None,
            };
            if let Some((what, help)) = problem {
                let message = format!("broken link `{}`: it {what}", link.written);
                out.push(Diagnostic {
                    severity,
                    message,
                    span: link.span.clone(),
                    help: Some(help.to_owned()),
                });
            }
        }
    }
    out
}

/// What every page shares, computed once.
struct Site<'a> {
    config: &'a Config,
    theme: &'a Theme,
    view: SiteView<'a>,
    sidebar: Sidebar,
    highlighter: Highlighter,
}

impl<'a> Site<'a> {
    fn new(
        config: &'a Config,
        options: &'a BuildOptions,
        theme: &'a Theme,
        book: &Book,
        pages: &HashMap<PathBuf, PathBuf>,
    ) -> Site<'a> {
        let mut css_files = vec![
            "static/css/main.css".to_owned(),
            "static/css/syntax.css".to_owned(),
        ];
        css_files.extend(config.html.additional_css.iter().map(|p| url_of(p)));
        let mut js_files = vec!["static/js/main.js".to_owned()];
        js_files.extend(config.html.additional_js.iter().map(|p| url_of(p)));
        let view = SiteView {
            book: BookView {
                title: config.book.title.as_deref().unwrap_or(""),
                description: config.book.description.as_deref().unwrap_or(""),
                language: &config.book.language,
                text_direction: config.book.text_direction.as_str(),
                authors: &config.book.authors,
            },
            css_files,
            js_files,
            default_theme: config.html.default_theme,
            git_repository_url: config.html.git_repository_url.as_deref(),
            live_reload_script: options.live_reload_script.as_deref(),
        };
        Site {
            config,
            theme,
            view,
            sidebar: Sidebar::new(book, pages, !config.html.no_section_label),
            highlighter: Highlighter::default(),
        }
    }

    fn html_title(&self, name: &str, doc: &Document) -> String {
        if let Some(t) = &doc.title {
            return t.clone();
        }
        match self.config.book.title.as_deref() {
            Some(book) if !book.is_empty() => format!("{name} - {book}"),
            _ => name.to_owned(),
        }
    }

    /// Renders chapter `i` as the page at `out`.
    fn chapter_page(
        &self,
        chapters: &[&Chapter],
        docs: &[Document],
        bodies: &[String],
        i: usize,
        out: &Path,
    ) -> Result<String, Diagnostic> {
        let (ch, doc) = (chapters[i], &docs[i]);
        let here = out.to_string_lossy().replace('\\', "/");
        let root = path_to_root(out);
        let nav = |j: Option<usize>| {
            let c = chapters.get(j?)?;
            Some(NavLink {
                title: c.name.clone(),
                url: relative_url(out, &page_path(c.path.as_deref()?), None),
            })
        };
        let content = &bodies[i];
        let real_page = page_path(ch.path.as_deref().unwrap_or(Path::new("")));
        let ctx = PageCtx {
            site: &self.view,
            page: PageView {
                title: &ch.name,
                html_title: self.html_title(&ch.name, doc),
                content,
                toc: doc
                    .headings
                    .iter()
                    .filter(|h| h.level >= 2)
                    .map(|h| TocEntry {
                        level: h.level,
                        id: &h.id,
                        text: &h.text,
                    })
                    .collect(),
                number: ch
                    .number
                    .as_ref()
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                path: &here,
                edit_url: self.edit_url(ch),
            },
            sidebar: self.sidebar.for_page(&root, &real_page.to_string_lossy()),
            path_to_root: root,
            prev: nav(i.checked_sub(1)),
            next: nav(Some(i + 1)),
            base_url: None,
        };
        render::page::render(
            self.theme,
            "page.html",
            &ctx,
            self.config.html.theme_dir.as_deref(),
        )
    }

    fn edit_url(&self, ch: &Chapter) -> Option<String> {
        let template = self.config.html.edit_url_template.as_deref()?;
        let src = self
            .config
            .src
            .strip_prefix(&self.config.root)
            .unwrap_or(&self.config.src);
        let path = src.join(ch.source_path.as_deref()?);
        Some(template.replace("{path}", &path.to_string_lossy().replace('\\', "/")))
    }

    /// `index.html` when no chapter is the index: the first chapter again
    /// when it sits at the root, else a redirect to it.
    fn index_fallback(
        &self,
        chapters: &[&Chapter],
        docs: &[Document],
        bodies: &[String],
    ) -> Vec<SiteFile> {
        let Some(first) = chapters.first().and_then(|c| c.path.as_deref()) else {
            return Vec::new();
        };
        let first_page = page_path(first);
        if first_page.parent().is_none_or(|p| p.as_os_str().is_empty())
            && let Ok(html) = self.chapter_page(chapters, docs, bodies, 0, Path::new("index.html"))
        {
            return vec![SiteFile::text("index.html", html)];
        }
        vec![SiteFile::text(
            "index.html",
            redirect_html(&first_page.to_string_lossy().replace('\\', "/")),
        )]
    }

    /// `print.html`: the whole book on one page.
    fn print_page(
        &self,
        chapters: &[&Chapter],
        docs: &[Document],
        bodies: &[String],
    ) -> Result<SiteFile, Diagnostic> {
        let pages: Vec<PathBuf> = chapters
            .iter()
            .map(|c| page_path(c.path.as_deref().unwrap_or(Path::new(""))))
            .collect();
        let inputs: Vec<PrintInput<'_>> = (0..chapters.len())
            .map(|i| PrintInput {
                page: &pages[i],
                name: &chapters[i].name,
                body: &bodies[i],
                ids: &docs[i].ids,
                h1_id: docs[i]
                    .headings
                    .iter()
                    .find(|h| h.level == 1)
                    .map(|h| h.id.as_str()),
            })
            .collect();
        let printed = print::print_chapters(&inputs);
        let ctx = PrintCtx {
            site: &self.view,
            page: PageView {
                title: self.view.book.title,
                html_title: self.view.book.title.to_owned(),
                content: "",
                toc: Vec::new(),
                number: String::new(),
                path: "print.html",
                edit_url: None,
            },
            chapters: printed
                .iter()
                .map(|c| PrintChapterView {
                    id: &c.id,
                    title: &c.title,
                    content: &c.content,
                })
                .collect(),
            path_to_root: String::new(),
            sidebar: self.sidebar.for_page("", "print.html"),
        };
        let html = render::page::render(
            self.theme,
            "print.html",
            &ctx,
            self.config.html.theme_dir.as_deref(),
        )?;
        Ok(SiteFile::text("print.html", html))
    }

    /// `404.html`, from the book's 404 file when it has one.
    fn not_found_page(
        &self,
        ctx: &ParseContext<'_>,
    ) -> Result<(SiteFile, Vec<Diagnostic>), Vec<Diagnostic>> {
        let input = Path::new(&self.config.html.input_404);
        let file = self.config.src.join(input);
        let (doc, diags) = match std::fs::read_to_string(&file) {
            Ok(text) => parse_chapter(ctx, input, &text),
            Err(_) => {
                let text = "# Page not found\n\nThere is no page at this address. Use the table of contents to find what you were looking for.\n";
                parse_chapter(ctx, input, text)
            }
        };
        if has_errors(&diags) {
            return Err(diags);
        }
        let content = body::body_html(&doc, &self.highlighter);
        let name = doc
            .headings
            .first()
            .map_or("Page not found", |h| h.text.as_str())
            .to_owned();
        let ctx = PageCtx {
            site: &self.view,
            page: PageView {
                title: &name,
                html_title: self.html_title("Page not found", &doc),
                content: &content,
                toc: Vec::new(),
                number: String::new(),
                path: "404.html",
                edit_url: None,
            },
            sidebar: self.sidebar.for_page("", "404.html"),
            path_to_root: String::new(),
            prev: None,
            next: None,
            base_url: Some(self.config.html.site_url.as_deref().unwrap_or("/")),
        };
        let html = render::page::render(
            self.theme,
            "404.html",
            &ctx,
            self.config.html.theme_dir.as_deref(),
        )
        .map_err(|d| vec![d])?;
        Ok((SiteFile::text("404.html", html), diags))
    }

    /// One page per `[output.html.redirect]` entry. Keys are site paths,
    /// written `/old.html` or `./old.html`; a key that climbs out of the site
    /// (`../x.html`) is kept as written, and the output stage refuses it.
    fn redirects(&self) -> Vec<SiteFile> {
        self.config
            .html
            .redirects
            .iter()
            .map(|(from, to)| {
                let path: PathBuf = Path::new(from)
                    .components()
                    .filter(|c| !matches!(c, Component::RootDir | Component::CurDir))
                    .collect();
                SiteFile::text(path, redirect_html(to))
            })
            .collect()
    }
}

/// A page that sends the reader to `to`, keeping the `#fragment` they came
/// with (JavaScript) and falling back to a meta refresh and a plain link.
fn redirect_html(to: &str) -> String {
    let to = render::escape_html(to);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirecting…</title>\n\
         <meta http-equiv=\"refresh\" content=\"0; URL={to}\">\n<link rel=\"canonical\" href=\"{to}\">\n\
         <script>location.replace(\"{to}\" + location.hash);</script>\n</head>\n\
         <body><p>This page has moved to <a href=\"{to}\">{to}</a>.</p></body>\n</html>\n"
    )
}

fn url_of(path: &Path) -> String {
    path.to_string_lossy()
        .replace('\\', "/")
        .trim_start_matches("./")
        .to_owned()
}

/// Theme assets, the generated stylesheet, the book's non-Markdown files,
/// additional CSS/JS and the CNAME file.
fn static_files(config: &Config, theme: &Theme, diags: &mut Vec<Diagnostic>) -> Vec<SiteFile> {
    let mut files: Vec<SiteFile> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut add = |f: SiteFile, files: &mut Vec<SiteFile>| {
        if seen.insert(f.path.clone()) {
            files.push(f);
        }
    };
    // The book's own files first: they win over theme files of the same name.
    for entry in WalkDir::new(&config.src)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if entry.file_type().is_file() && path.extension().is_none_or(|e| e != "md") {
            let rel = path.strip_prefix(&config.src).unwrap_or(path).to_owned();
            add(
                SiteFile {
                    path: rel,
                    content: Content::CopyOf(path.to_owned()),
                },
                &mut files,
            );
        }
    }
    for extra in config
        .html
        .additional_css
        .iter()
        .chain(&config.html.additional_js)
    {
        let from = config.root.join(extra);
        if from.is_file() {
            add(
                SiteFile {
                    path: PathBuf::from(url_of(extra)),
                    content: Content::CopyOf(from),
                },
                &mut files,
            );
        } else {
            diags.push(
                Diagnostic::error(format!("additional file `{}` does not exist", extra.display()), Some(Span::file(config.root.join("book.toml"))))
                    .with_help("paths in additional-css and additional-js are relative to the folder of book.toml"),
            );
        }
    }
    if !theme
        .assets
        .contains_key(Path::new("static/css/syntax.css"))
    {
        add(
            SiteFile::text("static/css/syntax.css", Highlighter::css()),
            &mut files,
        );
    }
    for (path, bytes) in &theme.assets {
        add(
            SiteFile {
                path: path.clone(),
                content: Content::Bytes(bytes.clone()),
            },
            &mut files,
        );
    }
    if let Some(cname) = &config.html.cname {
        add(SiteFile::text("CNAME", format!("{cname}\n")), &mut files);
    }
    // GitHub Pages would otherwise hide files whose names start with `_`.
    add(SiteFile::text(".nojekyll", String::new()), &mut files);
    files
}
