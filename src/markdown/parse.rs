//! Markdown → `Document`, in separate passes over pulldown-cmark's events:
//! link rewriting, heading ids, callouts and code-block extraction are each a
//! small function; `push_html` renders everything else.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pulldown_cmark::{BlockQuoteKind, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::diag::Diagnostic;
use crate::html::escape;
use crate::markdown::checklist_page;
use crate::markdown::code::CodeInfo;
use crate::markdown::document::{CodeBlock, Document, Heading, PageLink};
use crate::markdown::example;
use crate::markdown::footnotes;
use crate::markdown::html_links;
use crate::markdown::ids::{IdSet, id_from_text};
use crate::markdown::include::{self, IncludeContext, SourceMap};
use crate::markdown::links::{self, LinkKind};
use crate::markdown::markers::{marker, marker_fence, split_at_markers, verdict_marker};
use crate::markdown::playground;
use crate::markdown::quoted::{self, MEASURE_OPEN};

/// Markdown extensions, from `[output.html]`.
#[derive(Debug, Clone, Copy, Hash)]
pub struct MarkdownOptions {
    pub smart_punctuation: bool,
    /// Which Rust blocks get the playground (`markdown::playground`).
    pub playground: crate::markdown::playground::PlaygroundOptions,
    pub definition_lists: bool,
    pub admonitions: bool,
}

/// What the parser needs to know about the book.
pub struct ParseContext<'a> {
    pub options: MarkdownOptions,
    /// What the book may read (its root, links followed, and what
    /// book.toml allows): includes and `file=` may not leave it.
    pub confine: &'a crate::confine::Confined,
    /// The source folder (SUMMARY.md's folder).
    pub src: &'a Path,
    /// Chapter source path (relative to `src`) → output page path (relative
    /// to the site root), for every chapter that has a page.
    pub pages: &'a HashMap<PathBuf, PathBuf>,
    /// False when a preprocessor step already expanded the includes.
    pub expand_includes: bool,
    /// `[output.html.code.hidelines]`: language → hidden-line prefix, for
    /// fences without a `hidelines=` of their own.
    pub hidelines: &'a std::collections::BTreeMap<String, String>,
    /// The names of `[proofbook.python.interpreters]`, which `python=`
    /// may use.
    pub interpreters: &'a [crate::config::NamedInterpreter],
}

/// Parses the chapter at `path` (relative to the source folder) whose text is
/// `text`: expands includes, then renders.
pub fn parse_chapter(
    ctx: &ParseContext<'_>,
    path: &Path,
    text: &str,
) -> (Document, Vec<Diagnostic>) {
    let file = ctx.src.join(path);
    let expanded = if ctx.expand_includes {
        include::expand(
            &IncludeContext {
                confine: ctx.confine,
            },
            &file,
            text,
        )
    } else {
        include::verbatim(&file, text)
    };
    let mut diags = expanded.diagnostics;
    let (mut doc, parse_diags) = render(ctx, path, &expanded.text, &expanded.map);
    diags.extend(parse_diags);
    doc.title = expanded.title;
    doc.included = expanded.included;
    (doc, diags)
}

fn extensions(options: MarkdownOptions) -> Options {
    let mut o = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if options.smart_punctuation {
        o |= Options::ENABLE_SMART_PUNCTUATION;
    }
    if options.definition_lists {
        o |= Options::ENABLE_DEFINITION_LIST;
    }
    if options.admonitions {
        o |= Options::ENABLE_GFM;
    }
    o
}

/// What a page's rendering builds up, shared by the nested renders of a
/// checklist's Markdown fields.
struct State<'c, 'p> {
    ctx: &'c ParseContext<'p>,
    page: &'c Path,
    doc: Document,
    diags: Vec<Diagnostic>,
    codes: Vec<CodeBlock>,
    fence: char,
    used_ids: IdSet,
}

impl checklist_page::Page for State<'_, '_> {
    fn render(&mut self, text: &str, map: &SourceMap) -> String {
        render_html(self, text, map)
    }
    fn doc(&mut self) -> &mut Document {
        &mut self.doc
    }
    fn diagnose(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }
    fn verdict_marker(&self, n: usize) -> String {
        verdict_marker(self.fence, n)
    }
}

fn render(
    ctx: &ParseContext<'_>,
    page: &Path,
    text: &str,
    map: &SourceMap,
) -> (Document, Vec<Diagnostic>) {
    let mut st = State {
        ctx,
        page,
        doc: Document::default(),
        diags: Vec::new(),
        codes: Vec::new(),
        fence: marker_fence(text),
        used_ids: IdSet::default(),
    };
    let html = render_html(&mut st, text, map);
    let State {
        mut doc,
        mut diags,
        codes,
        fence,
        ..
    } = st;
    doc.blocks = split_at_markers(html, codes, fence);
    for span in doc.attach_expected_outputs() {
        diags.push(
            Diagnostic::warning(
                "this output block follows no example that runs, so nothing checks it",
                span,
            )
            .with_help("put it right after the example it belongs to, or make it a ```text block"),
        );
    }
    (doc, diags)
}

/// `text` as HTML with markers for its code blocks, quoted figures and
/// verdicts (see `split_at_markers`); what it finds goes into `st`.
fn render_html(st: &mut State<'_, '_>, text: &str, map: &SourceMap) -> String {
    let (ctx, page, fence) = (st.ctx, st.page, st.fence);
    let mut events: Vec<Event<'_>> = Vec::new();
    let parser = Parser::new_ext(text, extensions(ctx.options)).into_offset_iter();
    let mut iter = parser.peekable();
    let mut footnote_spans = Vec::new();

    while let Some((event, range)) = iter.next() {
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let inner = collect_until_end(&mut iter, ctx, page, map, &mut st.doc);
                let plain = plain_text(&inner);
                quoted::refuse_in_anchor(
                    &plain,
                    "a heading",
                    text.get(range.clone()).unwrap_or(""),
                    range.start,
                    map,
                    &mut st.diags,
                );
                let id = match id {
                    // Like mdBook, an explicit id is kept as written and does
                    // not take part in de-duplication.
                    Some(id) => id.to_string(),
                    None => st.used_ids.unique(&id_from_text(&id_text(&inner))),
                };
                st.doc.ids.push(id.clone());
                let level = level as u8;
                st.doc.headings.push(Heading {
                    level,
                    id: id.clone(),
                    text: plain,
                });
                let mut extra = String::new();
                if !classes.is_empty() {
                    extra.push_str(&format!(" class=\"{}\"", escape(&classes.join(" "))));
                }
                for (k, v) in &attrs {
                    extra.push_str(&format!(
                        " {}=\"{}\"",
                        escape(k),
                        escape(v.as_deref().unwrap_or(""))
                    ));
                }
                let mut html = format!(
                    "<h{level} id=\"{}\"{extra}><a class=\"header\" href=\"#{}\">",
                    escape(&id),
                    escape(&id)
                );
                pulldown_cmark::html::push_html(&mut html, inner.into_iter());
                html.push_str(&format!("</a></h{level}>\n"));
                events.push(Event::Html(html.into()));
            }
            Event::Start(Tag::DefinitionListTitle) => {
                // mdBook gives definition terms ids and self-links too.
                let inner = collect_until_end(&mut iter, ctx, page, map, &mut st.doc);
                let plain = plain_text(&inner);
                quoted::refuse_in_anchor(
                    &plain,
                    "a definition's term",
                    text.get(range.clone()).unwrap_or(""),
                    range.start,
                    map,
                    &mut st.diags,
                );
                let id = st.used_ids.unique(&id_from_text(&id_text(&inner)));
                st.doc.ids.push(id.clone());
                let mut html = format!(
                    "<dt id=\"{}\"><a class=\"header\" href=\"#{}\">",
                    escape(&id),
                    escape(&id)
                );
                pulldown_cmark::html::push_html(&mut html, inner.into_iter());
                html.push_str("</a></dt>\n");
                events.push(Event::Html(html.into()));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let raw_info = match &kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let mut code = String::new();
                let mut content: Option<std::ops::Range<usize>> = None;
                for (e, r) in iter.by_ref() {
                    match e {
                        Event::Text(t) => {
                            code.push_str(&t);
                            content = Some(content.map_or(r.clone(), |c| c.start..r.end));
                        }
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                if CodeInfo::parse(&raw_info).lang.as_deref() == Some("checklist") {
                    // Where the TOML starts in `text`, when it is there as
                    // it is (a fence indented in a list is not).
                    let content_start = content
                        .filter(|c| text.get(c.clone()) == Some(code.as_str()))
                        .map(|c| c.start);
                    let fence_span = map.span(range.start, 3);
                    let html = checklist_page::html(st, &code, map, content_start, fence_span);
                    events.push(Event::Html(html.into()));
                    continue;
                }
                events.push(Event::Html(marker(fence, st.codes.len()).into()));
                // Where the code is in its source, when it is there as it
                // is, in one piece.
                let code_origin = content
                    .filter(|c| text.get(c.clone()) == Some(code.as_str()))
                    .filter(|c| map.is_contiguous(c.clone()))
                    .and_then(|c| map.span(c.start, 1));
                let mut block =
                    code_block(ctx, page, text, map, range, &raw_info, code, &mut st.diags);
                block.code_origin = code_origin;
                crate::markdown::script_meta::attach(&mut block, &mut st.diags);
                st.codes.push(block);
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                let (class, title) = callout(kind);
                events.push(Event::Html(
                    format!("<blockquote class=\"callout {class}\">\n<p class=\"callout-title\">{title}</p>\n").into(),
                ));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                events.push(Event::Html("</blockquote>\n".into()))
            }
            Event::Start(Tag::FootnoteDefinition(ref label)) => {
                footnote_spans.push(map.span(range.start, label.len() + 4));
                events.push(event);
            }
            Event::Html(ref html) | Event::InlineHtml(ref html) => {
                collect_html_ids(html, &mut st.doc.ids);
                // `<a href="other.md">` goes to the page, as a Markdown link does.
                let rewritten = html_links::rewrite_hrefs(html, |href| {
                    match links::classify(href, page, ctx.src) {
                        LinkKind::Chapter { target, fragment } => {
                            ctx.pages.get(&target).map(|out| {
                                let from = page_output(ctx, page);
                                links::relative_url(
                                    from.as_deref().unwrap_or(page),
                                    out,
                                    fragment.as_deref(),
                                )
                            })
                        }
                        _ => None,
                    }
                });
                events.push(match (rewritten, event) {
                    (Some(new), Event::Html(_)) => Event::Html(new.into()),
                    (Some(new), _) => Event::InlineHtml(new.into()),
                    (None, event) => event,
                });
            }
            Event::Text(ref t) if t.contains(MEASURE_OPEN) => {
                // The text's offset in the source, when it is the source's
                // own characters (no escapes in between).
                let base = (text.get(range.clone()) == Some(&**t)).then_some(range.start);
                quoted::split_figures(
                    t,
                    base,
                    map,
                    fence,
                    &mut st.doc.measures,
                    &mut events,
                    &mut st.diags,
                );
            }
            // A task list's box is read-only; it says what it shows, since it
            // has no label of its own.
            Event::TaskListMarker(done) => events.push(Event::Html(
                if done {
                    "<input disabled=\"\" type=\"checkbox\" checked=\"\" aria-label=\"done\"/>\n"
                } else {
                    "<input disabled=\"\" type=\"checkbox\" aria-label=\"not done\"/>\n"
                }
                .into(),
            )),
            other => events.push(rewrite_link(other, range, ctx, page, map, &mut st.doc)),
        }
    }

    let events = footnotes::arrange(
        events,
        &footnote_spans,
        &mut st.used_ids,
        &mut st.doc.ids,
        &mut st.diags,
    );
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    // Only raw HTML can hold a literal `<i`: text and code are escaped.
    let (with_icons, unknown) = crate::icons::replace_in(&html);
    for icon in unknown {
        let class = format!("fa-{}", icon.name);
        let at = text.find(&class).and_then(|o| map.span(o, class.len()));
        st.diags.push(
            Diagnostic::warning(format!("Font Awesome has no {} icon `{}`, so the <i> tag is left as written", icon.style, icon.name), at)
                .with_help("check the name and the style (fas solid, fab brands, fa or far regular) at https://fontawesome.com/v6/search?m=free"),
        );
    }
    with_icons.unwrap_or(html)
}

/// A fenced block as a `CodeBlock`; for Python, its example options are
/// parsed (errors point at the option in the fence line) and a `file=`
/// program is read.
#[allow(clippy::too_many_arguments)]
fn code_block(
    ctx: &ParseContext<'_>,
    page: &Path,
    text: &str,
    map: &SourceMap,
    range: std::ops::Range<usize>,
    raw_info: &str,
    code: String,
    diags: &mut Vec<Diagnostic>,
) -> CodeBlock {
    let mut info = CodeInfo::parse(raw_info);
    if info.hidelines().is_none()
        && let Some(prefix) = info.lang.as_ref().and_then(|l| ctx.hidelines.get(l))
    {
        info.attrs.push(format!("hidelines={prefix}"));
    }
    let mut block = CodeBlock {
        info,
        code,
        span: map.span(range.start, 3),
        code_origin: None,
        example: None,
        program_file: None,
        download: None,
        expected_output: None,
        data_files: Vec::new(),
        script: None,
        playground: None,
    };
    block.playground = playground::classify(&block.info, &block.code, ctx.options.playground);
    let fence_line = &text[range.start
        ..text[range.start..]
            .find('\n')
            .map_or(text.len(), |n| range.start + n)];
    let info_at = range.start + fence_line.find(raw_info).unwrap_or(0);
    let option_error = |e: example::OptionError| {
        let len = raw_info[e.offset..]
            .find([' ', ','])
            .unwrap_or(raw_info.len() - e.offset);
        Diagnostic::error(e.message, map.span(info_at + e.offset, len)).with_help(e.help)
    };
    if block.info.is_claim() {
        if let Err(e) = example::check_claim_options(raw_info) {
            diags.push(option_error(e));
        }
        return block;
    }
    if !example::is_python(block.info.lang.as_deref()) {
        return block;
    }
    let spec = match example::parse_options(raw_info) {
        Ok(spec) => spec,
        Err(e) => {
            diags.push(option_error(e));
            return block;
        }
    };
    if let Some(file) = &spec.file {
        if !block.code.trim().is_empty() {
            diags.push(
                Diagnostic::error(
                    "a block with `file=` shows that file, so it must be empty",
                    block.span.clone(),
                )
                .with_help("remove the code inside the fence, or the `file=` option"),
            );
        }
        let chapter = ctx.src.join(page);
        match include::read_part(ctx.confine, &chapter, &file.path, file.anchor.as_deref()) {
            Ok((path, shown)) => {
                block.code = shown;
                block.download = download_url(ctx, page, &path);
                block.program_file = Some(path);
            }
            Err((message, help)) => {
                diags.push(Diagnostic::error(message, block.span.clone()).with_help(help))
            }
        }
    }
    if let Err(e) = example::check_interpreters(&spec, ctx.interpreters) {
        diags.push(option_error(e));
        return block;
    }
    match crate::markdown::deps::resolve(ctx.confine, &spec.deps) {
        Ok(files) => block.data_files = files,
        Err(e) => {
            let at = raw_info.find("deps=").unwrap_or(0);
            diags.push(option_error(example::OptionError {
                message: e.message,
                help: e.help,
                offset: at,
            }));
        }
    }
    block.example = Some(spec);
    block
}

/// Where a program from the book's `examples/` folder is published
/// (`output::assets` copies the folder), relative to `page`'s output.
fn download_url(ctx: &ParseContext<'_>, page: &Path, program: &Path) -> Option<String> {
    let examples = crate::fsutil::normalize(&ctx.confine.root().join(crate::config::EXAMPLES_DIR));
    let rel = crate::fsutil::normalize(program)
        .strip_prefix(&examples)
        .ok()?
        .to_owned();
    let site_path = Path::new(crate::config::EXAMPLES_DIR).join(rel);
    let from = page_output(ctx, page).unwrap_or_else(|| page.to_owned());
    Some(links::relative_url(&from, &site_path, None))
}

/// The events up to the end of the current tag (exclusive), with links
/// rewritten.
fn collect_until_end<'a>(
    iter: &mut impl Iterator<Item = (Event<'a>, std::ops::Range<usize>)>,
    ctx: &ParseContext<'_>,
    page: &Path,
    map: &SourceMap,
    doc: &mut Document,
) -> Vec<Event<'a>> {
    let mut depth = 0usize;
    let mut out = Vec::new();
    for (event, range) in iter.by_ref() {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => break,
            Event::End(_) => depth -= 1,
            _ => {}
        }
        out.push(rewrite_link(event, range, ctx, page, map, doc));
    }
    out
}

/// Rewrites `x.md#frag` links to the built page and records links to check.
fn rewrite_link<'a>(
    event: Event<'a>,
    range: std::ops::Range<usize>,
    ctx: &ParseContext<'_>,
    page: &Path,
    map: &SourceMap,
    doc: &mut Document,
) -> Event<'a> {
    let Event::Start(Tag::Link {
        link_type,
        dest_url,
        title,
        id,
    }) = event
    else {
        return event;
    };
    // The whole `[text](dest)` is underlined in reports (its first line).
    let span = || map.span(range.start, range.len());
    let dest = match links::classify(&dest_url, page, ctx.src) {
        LinkKind::Fragment(fragment) => {
            doc.links.push(PageLink {
                target: page.to_owned(),
                fragment: Some(fragment),
                written: dest_url.to_string(),
                span: span(),
            });
            dest_url
        }
        LinkKind::Chapter { target, fragment } => {
            let url = match ctx.pages.get(&target) {
                Some(out) => links::relative_url(
                    page_output(ctx, page).as_deref().unwrap_or(page),
                    out,
                    fragment.as_deref(),
                ),
                None => dest_url.to_string(),
            };
            doc.links.push(PageLink {
                target,
                fragment,
                written: dest_url.to_string(),
                span: span(),
            });
            CowStr::from(url)
        }
        LinkKind::Other => dest_url,
    };
    Event::Start(Tag::Link {
        link_type,
        dest_url: dest,
        title,
        id,
    })
}

fn page_output(ctx: &ParseContext<'_>, page: &Path) -> Option<PathBuf> {
    ctx.pages.get(page).cloned()
}

/// The text an id is made from, as mdBook reads it: a hard line break
/// (`a\\` then `b`) is an element, not text, so it adds nothing (`ab`).
fn id_text(events: &[Event<'_>]) -> String {
    let kept: Vec<Event<'_>> = events
        .iter()
        .filter(|e| !matches!(e, Event::HardBreak))
        .cloned()
        .collect();
    plain_text(&kept)
}

fn plain_text(events: &[Event<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s
}

fn callout(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// Records `id="…"` and `name="…"` attributes of raw HTML as link targets.
fn collect_html_ids(html: &str, ids: &mut Vec<String>) {
    for attr in [" id=", " name="] {
        let mut rest = html;
        while let Some(pos) = rest.find(attr) {
            rest = &rest[pos + attr.len()..];
            let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            if let Some(end) = rest[1..].find(quote) {
                ids.push(rest[1..1 + end].to_owned());
            }
        }
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
