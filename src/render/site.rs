//! Rendering every page of the site: what the pages share is computed once
//! (`SiteRenderer::new`); each page is then one template call with borrowed
//! views. Chapter pages, the index fallback, print.html, 404.html and the
//! redirect pages are made here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::book::{Book, Chapter};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::digest::Key;
use crate::markdown::Document;
use crate::markdown::links::{path_to_root, relative_url};
use crate::render::context::{
    BookView, NavLink, PageCtx, PageView, PrintChapterView, PrintCtx, SiteView, TocEntry,
};
use crate::render::print::{self, PrintChapter, PrintFrame, PrintInput, PrintPlan};
use crate::render::sidebar::{SLOT, Sidebar};
use crate::render::site_file::{SiteFile, page_path, url_of};
use crate::render::{self, Highlighter, Theme, body, search};

/// What every page shares, computed once.
pub struct SiteRenderer<'a> {
    config: &'a Config,
    theme: &'a Theme,
    view: SiteView<'a>,
    sidebar: Sidebar,
    pub highlighter: Highlighter,
    /// What every page depends on besides its own inputs: the settings,
    /// the templates and the sidebar (see `page_key`).
    key: Key,
}

impl<'a> SiteRenderer<'a> {
    pub fn new(
        config: &'a Config,
        live_reload_script: Option<&'a str>,
        theme: &'a Theme,
        book: &Book,
        pages: &HashMap<PathBuf, PathBuf>,
    ) -> SiteRenderer<'a> {
        let mut css_files = vec![
            "static/css/main.css".to_owned(),
            "static/css/syntax.css".to_owned(),
        ];
        // A theme's own fonts (an mdBook theme's fonts/fonts.css) are
        // linked, as mdBook links them, not just copied.
        if theme.assets.contains_key(Path::new("fonts/fonts.css")) {
            css_files.push("fonts/fonts.css".to_owned());
        }
        css_files.extend(config.html.additional_css.iter().map(|p| url_of(p)));
        let sidebar = Sidebar::new(book, pages, !config.html.no_section_label);
        // The playground's script does nothing on a page without a
        // runnable Rust block, and reaches the network only on Run.
        let mut js_files = vec![
            "static/js/main.js".to_owned(),
            "static/js/playground.js".to_owned(),
        ];
        if sidebar.is_shared() {
            js_files.push("static/js/toc.js".to_owned());
        }
        if config.html.search.is_some() {
            js_files.push(search::SCRIPT.to_owned());
        }
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
            git_repository_icon: config.html.git_repository_icon.as_deref().and_then(|v| {
                let (style, name) = crate::icons::parse_setting(v);
                crate::icons::svg(style, name).ok()
            }),
            live_reload_script,
            search_enabled: config.html.search.is_some(),
            print_enabled: config.html.print_enable,
            code_copyable: config.html.code_copyable,
        };
        // A shared sidebar (`toc.js`) is no part of any page: a title
        // changed in SUMMARY.md then re-renders only the pages that show it
        // (its own and its neighbours'), not every page.
        let inline_sidebar = (!sidebar.is_shared()).then(|| sidebar.html());
        let key = Key::of(&(
            serde_json::to_string(&view).expect("the site view serializes"),
            inline_sidebar,
            theme.templates_key,
            config.as_json.to_string(),
            &config.root,
            &config.src,
        ));
        SiteRenderer {
            config,
            theme,
            view,
            sidebar,
            highlighter: Highlighter::default(),
            key,
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

    /// The key of a chapter's body (`body::body_html`): its document's
    /// (`Key::of` the whole document) and its results', given `binary`
    /// (what renders it, highlighter included).
    /// Its parts of print.html and of the search index start from it.
    pub fn body_key(binary: Key, doc: Key, runs: &body::PageRuns) -> Key {
        Key::of(&("body", binary, doc, runs))
    }

    /// The key of chapter `i`'s page at `out`: a digest of everything
    /// `chapter_page` makes it from, given its `body_key`.
    /// Two builds that give a page the same key give it the same HTML.
    pub fn page_key(&self, body: Key, chapters: &[&Chapter], i: usize, out: &Path) -> Key {
        fn chapter(c: &Chapter) -> impl std::hash::Hash + '_ {
            (&c.name, &c.number, &c.path, &c.source_path)
        }
        let neighbour = |j: Option<usize>| j.and_then(|j| chapters.get(j)).map(|c| chapter(c));
        Key::of(&(
            self.key,
            out,
            chapter(chapters[i]),
            neighbour(i.checked_sub(1)),
            neighbour(Some(i + 1)),
            body,
        ))
    }

    /// Renders chapter `i`, whose document is `doc`, as the page at `out`.
    pub fn chapter_page(
        &self,
        chapters: &[&Chapter],
        doc: &Document,
        content: &str,
        i: usize,
        out: &Path,
    ) -> Result<String, Diagnostic> {
        self.chapter_page_as(chapters, doc, content, i, out, None)
    }

    /// `chapter_page`, with the page's canonical address when the page at
    /// `out` is a copy of it.
    fn chapter_page_as(
        &self,
        chapters: &[&Chapter],
        doc: &Document,
        content: &str,
        i: usize,
        out: &Path,
        canonical_url: Option<String>,
    ) -> Result<String, Diagnostic> {
        let ch = chapters[i];
        let here = out.to_string_lossy().replace('\\', "/");
        let root = path_to_root(out);
        let nav = |j: Option<usize>| {
            let c = chapters.get(j?)?;
            Some(NavLink {
                title: c.name.clone(),
                url: relative_url(out, &page_path(c.path.as_deref()?), None),
            })
        };
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
            sidebar: SLOT.to_owned(),
            path_to_root: root.clone(),
            prev: nav(i.checked_sub(1)),
            next: nav(Some(i + 1)),
            redirect_script: crate::render::redirect::fragment_script(&self.config.html, out),
            canonical_url,
        };
        let page = render::page::render(
            self.theme,
            "page.html",
            &ctx,
            self.config.html.theme_dir.as_deref(),
        )?;
        Ok(self
            .sidebar
            .splice_into(&page, &root, &real_page.to_string_lossy()))
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

    /// The context of a page that is not a chapter: no contents, numbers
    /// or neighbours.
    fn lone_page<'p>(
        &'p self,
        title: &'p str,
        html_title: String,
        content: &'p str,
        path: &'p str,
        sidebar: String,
        path_to_root: String,
    ) -> PageCtx<'p> {
        PageCtx {
            site: &self.view,
            page: PageView {
                title,
                html_title,
                content,
                toc: Vec::new(),
                number: String::new(),
                path,
                edit_url: None,
            },
            sidebar,
            path_to_root,
            prev: None,
            next: None,
            redirect_script: None,
            canonical_url: None,
        }
    }

    /// `results.html`: every measurement of the book in one table.
    pub fn results_page(
        &self,
        results: &crate::measure::results::BookResults,
    ) -> Result<SiteFile, Diagnostic> {
        let content = crate::render::results::results_html(results);
        let name = "Measurements";
        let html_title = match self.config.book.title.as_deref() {
            Some(book) if !book.is_empty() => format!("{name} - {book}"),
            _ => name.to_owned(),
        };
        let ctx = self.lone_page(
            name,
            html_title,
            &content,
            "results.html",
            SLOT.to_owned(),
            String::new(),
        );
        let page = render::page::render(
            self.theme,
            "page.html",
            &ctx,
            self.config.html.theme_dir.as_deref(),
        )?;
        Ok(SiteFile::text(
            "results.html",
            self.sidebar.splice_into(&page, "", "results.html"),
        ))
    }

    /// `index.html` when no chapter is the index: the first chapter again,
    /// rendered for the root (its navigation, assets and, when it sits in a
    /// folder, its body's relative links and images resolve from there),
    /// naming the chapter's own page as canonical so the text keeps one
    /// address. A redirect to it only if that page cannot be rendered.
    pub fn index_fallback(
        &self,
        chapters: &[&Chapter],
        docs: &[Document],
        first_body: &str,
    ) -> Vec<SiteFile> {
        let Some(first) = chapters.first().and_then(|c| c.path.as_deref()) else {
            return Vec::new();
        };
        let first_url = page_path(first).to_string_lossy().replace('\\', "/");
        let body = match first_url.rsplit_once('/') {
            Some((folder, _)) => crate::render::relocate::to_root(first_body, folder),
            None => first_body.to_owned(),
        };
        let canonical = match self.config.html.site_url.as_deref() {
            Some(site) => format!("{}/{first_url}", site.trim_end_matches('/')),
            None => first_url.clone(),
        };
        let index = Path::new("index.html");
        match self.chapter_page_as(chapters, &docs[0], &body, 0, index, Some(canonical)) {
            Ok(html) => vec![SiteFile::text("index.html", html)],
            Err(_) => vec![SiteFile::text(
                "index.html",
                crate::render::redirect::redirect_html(&first_url, &Default::default()),
            )],
        }
    }

    /// A digest of what `print_plan` is made from that a chapter's part of
    /// print.html depends on besides its own page: every chapter's ids and
    /// top (its `h1`, or its name when it has none).
    pub fn print_plan_key(
        &self,
        pages: &[PathBuf],
        chapters: &[&Chapter],
        docs: &[Document],
    ) -> Key {
        let inputs: Vec<_> = (0..chapters.len())
            .map(|i| {
                let h1 = docs[i].headings.iter().find(|h| h.level == 1);
                let top = h1.map_or(chapters[i].name.as_str(), |h| h.id.as_str());
                (&pages[i], &docs[i].ids, h1.is_some(), top)
            })
            .collect();
        Key::of(&inputs)
    }

    /// What print.html does to every chapter's ids and links.
    pub fn print_plan(
        &self,
        pages: &[PathBuf],
        chapters: &[&Chapter],
        docs: &[Document],
    ) -> PrintPlan {
        let inputs: Vec<PrintInput<'_>> = (0..chapters.len())
            .map(|i| PrintInput {
                page: &pages[i],
                name: &chapters[i].name,
                ids: &docs[i].ids,
                h1_id: docs[i]
                    .headings
                    .iter()
                    .find(|h| h.level == 1)
                    .map(|h| h.id.as_str()),
            })
            .collect();
        PrintPlan::new(&inputs)
    }

    /// print.html's frame: the page with a marker for each chapter's content.
    pub fn print_frame(&self, plan: &PrintPlan) -> Result<PrintFrame, Diagnostic> {
        let markers: Vec<String> = (0..plan.len()).map(print::marker).collect();
        let html = self.print_html(plan, |i| &markers[i])?;
        Ok(PrintFrame::split(&html, plan.len()))
    }

    /// print.html in one piece, from every chapter as `PrintPlan::chapter` made it.
    pub fn print_page(
        &self,
        plan: &PrintPlan,
        chapters: &[PrintChapter],
    ) -> Result<SiteFile, Diagnostic> {
        Ok(SiteFile::text(
            "print.html",
            self.print_text(plan, chapters)?,
        ))
    }

    /// print.html's text, from every chapter as `PrintPlan::chapter` made it.
    pub fn print_text(
        &self,
        plan: &PrintPlan,
        chapters: &[PrintChapter],
    ) -> Result<String, Diagnostic> {
        self.print_html(plan, |i| &chapters[i].content)
    }

    fn print_html<'c>(
        &self,
        plan: &'c PrintPlan,
        content: impl Fn(usize) -> &'c str,
    ) -> Result<String, Diagnostic> {
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
            chapters: (0..plan.len())
                .map(|i| {
                    let (id, title) = plan.heading(i);
                    PrintChapterView {
                        id,
                        title,
                        content: content(i),
                    }
                })
                .collect(),
            path_to_root: String::new(),
            sidebar: self.sidebar.for_page("", "print.html"),
        };
        render::page::render(
            self.theme,
            "print.html",
            &ctx,
            self.config.html.theme_dir.as_deref(),
        )
    }

    /// `404.html` from the book's 404 page, parsed by the pipeline
    /// (`pipeline::stages::not_found_doc`): render reads no book files.
    pub fn not_found_page(&self, doc: &Document) -> Result<SiteFile, Diagnostic> {
        // The page is served at any missing address, at any depth, so its
        // links are absolute from the site's URL instead of relative (a
        // `<base>` element would also redirect its `#` links to the root).
        let site_url = match self.config.html.site_url.as_deref() {
            Some(u) if u.ends_with('/') => u.to_owned(),
            Some(u) => format!("{u}/"),
            None => "/".to_owned(),
        };
        let content = print::rebase_relative_urls(
            &body::body_html(doc, &self.highlighter, &body::PageRuns::new()),
            &site_url,
        );
        let name = doc
            .headings
            .first()
            .map_or("Page not found", |h| h.text.as_str())
            .to_owned();
        let ctx = self.lone_page(
            &name,
            self.html_title("Page not found", doc),
            &content,
            "404.html",
            self.sidebar.for_page(&site_url, "404.html"),
            site_url.clone(),
        );
        let html = render::page::render(
            self.theme,
            "404.html",
            &ctx,
            self.config.html.theme_dir.as_deref(),
        )?;
        Ok(SiteFile::text("404.html", html))
    }

    /// `toc.js` and `toc.html` when the sidebar is too big to repeat in
    /// every page (see `sidebar::INLINE_LIMIT`).
    pub fn shared_sidebar(&self) -> Vec<SiteFile> {
        if !self.sidebar.is_shared() {
            return Vec::new();
        }
        let (js, html) = self.sidebar.shared_files();
        vec![
            SiteFile::text("static/js/toc.js", js),
            SiteFile::text("toc.html", html),
        ]
    }

    /// Chapter `page`'s part of the search index (`search::chapter_part`),
    /// with its quoted figures as the page shows them.
    pub fn search_part(
        &self,
        chapter: &Chapter,
        page: &Path,
        doc: &Document,
        runs: &body::PageRuns,
        options: &crate::config::SearchOptions,
    ) -> search::ChapterPart {
        let quotes: std::collections::BTreeMap<usize, String> = (0..doc.measures.len())
            .filter_map(|n| Some((n, body::quote_html(doc, runs, n)?)))
            .collect();
        let input = search::IndexedPage {
            name: &chapter.name,
            page,
            doc,
            measures: &quotes,
        };
        search::chapter_part(&input, options)
    }

    /// The `[output.html.redirect]` pages (`redirect::pages`), given the
    /// site's chapter pages.
    pub fn redirects(&self, chapters: &[PathBuf]) -> (Vec<SiteFile>, Vec<Diagnostic>) {
        crate::render::redirect::pages(&self.config.html, chapters)
    }
}
