//! A `Document`'s blocks → the page's main HTML: prose as is, code blocks
//! highlighted, and each example that ran followed by its output.

use std::collections::BTreeMap;

use crate::execute::RunResult;
use crate::html::escape;
use crate::markdown::code::lines;
use crate::markdown::{Block, CodeBlock, Document};
use crate::render::highlight::Highlighter;

/// What one page shows of its examples, by the index of their code block
/// among the page's code blocks: each example's result, and HTML (a
/// comparison chart) placed after a block.
#[derive(Debug, Clone, Default)]
pub struct PageRuns {
    pub results: BTreeMap<usize, RunResult>,
    pub after: BTreeMap<usize, String>,
    /// The HTML of each `{{#measure}}` reference, by its index.
    pub measures: BTreeMap<usize, String>,
    /// HTML at the end of the page (where its figures were measured).
    pub footer: Option<String>,
    /// Checked claims, shown instead of their ```claim blocks.
    pub claims: BTreeMap<usize, String>,
    /// The verdict of each claim a checklist cites, by its reference's index.
    pub verdicts: BTreeMap<usize, String>,
}

impl PageRuns {
    pub fn new() -> PageRuns {
        PageRuns::default()
    }
}

/// For page keys (`SiteRenderer::page_key`): a run's record counts as its
/// JSON, the same text the result cache stores, and where it came from.
impl std::hash::Hash for PageRuns {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.results.len().hash(state);
        for (index, result) in &self.results {
            index.hash(state);
            match result {
                Ok(record) => {
                    0u8.hash(state);
                    serde_json::to_string(record)
                        .expect("a run record serializes")
                        .hash(state);
                    // Not serialized (the cache sets it on reading), but shown.
                    record.from_cache.hash(state);
                    record.stale.hash(state);
                }
                Err(message) => {
                    1u8.hash(state);
                    message.hash(state)
                }
            }
        }
        self.after.hash(state);
        self.measures.hash(state);
        self.footer.hash(state);
        self.claims.hash(state);
        self.verdicts.hash(state);
    }
}

pub fn body_html(doc: &Document, highlighter: &Highlighter, runs: &PageRuns) -> String {
    let mut out = String::new();
    let mut index = 0;
    for block in &doc.blocks {
        match block {
            Block::Html(html) => out.push_str(html),
            // Until its example ran (or when it could not be resolved, which
            // is an error), a reference shows as written.
            Block::Measure(n) => match runs.measures.get(n) {
                Some(html) => out.push_str(html),
                None => out.push_str(&escape(
                    doc.measures.get(*n).map_or("", |m| m.written.as_str()),
                )),
            },
            // Until the claims are checked, a cited claim says so.
            Block::Verdict(n) => match runs.verdicts.get(n) {
                Some(html) => out.push_str(html),
                None => out.push_str(&crate::render::claim::unchecked_html(
                    doc.verdicts.get(*n).map_or("", |v| v.claim.as_str()),
                )),
            },
            Block::Code(code) => {
                if let Some(html) = runs.claims.get(&index) {
                    out.push_str(html);
                    index += 1;
                    continue;
                }
                match (runs.results.get(&index), &code.example) {
                    (Some(result), Some(spec)) => {
                        out.push_str("<figure class=\"run\"");
                        if let Some(id) = &spec.id {
                            out.push_str(&format!(" id=\"example-{}\"", escape(id)));
                        }
                        out.push_str(">\n");
                        // The line a traceback ended on is marked in the
                        // code, when the code shown is the program that ran.
                        let failing = match result {
                            Ok(r) if code.program_file.is_none() => {
                                crate::execute::traceback::failing_line(&r.stderr())
                            }
                            _ => None,
                        };
                        code_html(&mut out, code, highlighter, failing);
                        let judged = spec
                            .group
                            .as_ref()
                            .map_or("wall", |g| doc.group_figure(&g.name));
                        crate::render::run::output_html(&mut out, result, spec.expect, judged);
                        out.push_str("</figure>\n");
                    }
                    _ => code_html(&mut out, code, highlighter, None),
                }
                if let Some(html) = runs.after.get(&index) {
                    out.push_str(html);
                }
                index += 1;
            }
        }
    }
    if let Some(footer) = &runs.footer {
        out.push_str(footer);
    }
    out
}

/// `failing`: the program's line (1-based) to mark as where it failed.
fn code_html(out: &mut String, code: &CodeBlock, highlighter: &Highlighter, failing: Option<u32>) {
    let lang = code.info.lang.as_deref();
    // As in mdBook, the language and the plain-word attributes become
    // classes (`language-rust ignore`), so themes and scripts can use them.
    let mut classes = Vec::new();
    if let Some(lang) = lang {
        classes.push(format!("language-{}", escape(lang)));
    }
    classes.extend(
        code.info
            .attrs
            .iter()
            .filter(|a| {
                a.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
            })
            .map(|a| escape(a)),
    );
    let inner = highlighter.highlight_marked(lang, &lines(lang, &code.code), failing);
    out.push_str("<pre class=\"code hl-code\"><code");
    if !classes.is_empty() {
        out.push_str(" class=\"");
        out.push_str(&classes.join(" "));
        out.push('"');
    }
    out.push('>');
    out.push_str(&inner);
    out.push_str("</code></pre>\n");
    if let (Some(url), Some(file)) = (&code.download, &code.program_file) {
        let name = file
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        out.push_str(&format!(
            "<p class=\"code-download\"><a href=\"{}\" download>Download {}</a></p>\n",
            escape(url),
            escape(&name)
        ));
    }
}
