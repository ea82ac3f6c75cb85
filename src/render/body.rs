//! A `Document`'s blocks → the page's main HTML: prose as is, code blocks
//! highlighted, and each example that ran followed by its output.

use std::collections::BTreeMap;

use crate::execute::RunResult;
use crate::html::escape;
use crate::markdown::{Block, CodeBlock, Document};
use crate::measure::compare::Comparison;
use crate::measure::evidence::Cited;
use crate::measure::quote::Quote;
use crate::measure::verdict::CheckedClaim;
use crate::render::format::{quote_title, quoted};
use crate::render::highlight::Highlighter;
use crate::render::{chart, claim};

/// What one page shows of its examples, as plain data, by the index of
/// their code block among the page's code blocks (or of the reference, for
/// quotes and citations): `body_html` makes all of its HTML.
#[derive(Debug, Clone, Default)]
pub struct PageRuns {
    pub results: BTreeMap<usize, RunResult>,
    /// The runs of an example under named interpreters (`python=`), each
    /// with the interpreter's name, in the order its fence names them.
    pub matrix: BTreeMap<usize, Vec<(String, RunResult)>>,
    /// Each comparison, drawn after the block of its group's last member.
    pub comparisons: BTreeMap<usize, Comparison>,
    /// Each `{{#measure}}` reference, resolved.
    pub quoted: BTreeMap<usize, Quote>,
    /// Each reference to a run under an optional interpreter this machine
    /// lacks, with why: it reads "not measured on this machine".
    pub not_here: BTreeMap<usize, String>,
    /// Checked claims, shown instead of their ```claim blocks.
    pub claims: BTreeMap<usize, CheckedClaim>,
    /// Each claim a checklist cites, by its reference's index.
    pub cited: BTreeMap<usize, Cited>,
    /// Where the page's figures were measured, said at its end.
    pub measured_on: Option<MeasuredOn>,
    /// The book's examples are off, and the book.toml line that turns them
    /// on: every block that would run says so, a quote reads "not
    /// measured" and a claim "not checked".
    pub examples_off: Option<&'static str>,
}

/// The footer of a page with figures.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeasuredOn {
    /// Whether examples ran on this page (else it only quotes figures: a
    /// landing page's checklist, whose reader would otherwise not know
    /// the machine).
    pub ran_here: bool,
    /// The machine in words (`Fingerprint::summary`).
    pub machine: String,
    /// From the page to the site's root, for the results page's link.
    pub to_root: String,
}

impl PageRuns {
    pub fn new() -> PageRuns {
        PageRuns::default()
    }
}

/// For page keys (`SiteRenderer::page_key`): a run's record counts as its
/// JSON, the same text the result cache stores, and whether it is stale;
/// the evidence as its `Debug` text, which writes every field and each
/// number exactly.
impl std::hash::Hash for PageRuns {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.results.len().hash(state);
        let matrix = self
            .matrix
            .iter()
            .flat_map(|(index, runs)| runs.iter().map(move |(name, r)| ((*index, Some(name)), r)));
        let plain = self.results.iter().map(|(index, r)| ((*index, None), r));
        for (index, result) in plain.chain(matrix) {
            index.hash(state);
            match result {
                Ok(record) => {
                    0u8.hash(state);
                    serde_json::to_string(record)
                        .expect("a run record serializes")
                        .hash(state);
                    // Not serialized, but shown. (Whether it came from the
                    // cache is not shown, so a page is reused across it.)
                    record.stale.hash(state);
                }
                Err(message) => {
                    1u8.hash(state);
                    message.hash(state)
                }
            }
        }
        format!(
            "{:?}",
            (
                &self.comparisons,
                &self.quoted,
                &self.not_here,
                &self.claims,
                &self.cited
            )
        )
        .hash(state);
        self.measured_on.hash(state);
        self.examples_off.hash(state);
    }
}

/// The HTML of reference `n`'s quoted figure, when it has one: its value
/// linked to its example, or "not measured" when examples are off. `None`
/// until its example ran, or when it could not be resolved (an error).
pub fn quote_html(doc: &Document, runs: &PageRuns, n: usize) -> Option<String> {
    if runs.examples_off.is_some() {
        let reference = doc.measures.get(n)?;
        return Some(format!(
            "<span class=\"measured not-measured\" title=\"{}: not measured, this book's examples are off\">not measured</span>",
            escape(&reference.args.join(" "))
        ));
    }
    if let Some(why) = runs.not_here.get(&n) {
        return Some(format!(
            "<span class=\"measured not-measured\" title=\"{}\">not measured on this machine</span>",
            escape(why)
        ));
    }
    let q = runs.quoted.get(&n)?;
    // The preview's first pass quotes the run before the last change; the
    // reader must not take it for this one.
    let (class, title) = if q.stale {
        ("measured stale", format!("{}; re-running…", quote_title(q)))
    } else {
        (
            "measured",
            format!("{}, measured in this build", quote_title(q)),
        )
    };
    Some(format!(
        "<a class=\"{class}\" href=\"{}\" title=\"{}\">{}</a>",
        escape(&q.href),
        escape(&title),
        escape(&quoted(q))
    ))
}

pub fn body_html(doc: &Document, highlighter: &Highlighter, runs: &PageRuns) -> String {
    let mut out = String::new();
    let mut index = 0;
    for block in &doc.blocks {
        match block {
            Block::Html(html) => out.push_str(html),
            // Until its example ran (or when it could not be resolved, which
            // is an error), a reference shows as written.
            Block::Measure(n) => match quote_html(doc, runs, *n) {
                Some(html) => out.push_str(&html),
                None => out.push_str(&escape(
                    doc.measures.get(*n).map_or("", |m| m.written.as_str()),
                )),
            },
            // Until the claims are checked, a cited claim says so.
            Block::Verdict(n) => match runs.cited.get(n) {
                Some(cited) => out.push_str(&claim::verdict_html(cited)),
                None => out.push_str(&claim::unchecked_html(
                    doc.verdicts.get(*n).map_or("", |v| v.claim.as_str()),
                )),
            },
            Block::Code(code) => {
                if let Some(checked) = runs.claims.get(&index) {
                    out.push_str(&claim::claim_html(checked));
                    index += 1;
                    continue;
                }
                if runs.examples_off.is_some() && code.info.is_claim() {
                    let says = crate::measure::claim::parse(&code.code)
                        .ok()
                        .and_then(|c| c.says);
                    out.push_str(&claim::off_html(says.as_deref()));
                    index += 1;
                    continue;
                }
                if let (Some(matrix), Some(spec)) = (runs.matrix.get(&index), &code.example) {
                    matrix_figure(&mut out, (doc, code, spec), highlighter, matrix);
                    if let Some(comparison) = runs.comparisons.get(&index) {
                        out.push_str(&chart::comparison_html(comparison));
                    }
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
                if let Some(comparison) = runs.comparisons.get(&index) {
                    out.push_str(&chart::comparison_html(comparison));
                } else if let Some(key) = runs.examples_off
                    && code.example.as_ref().is_some_and(|e| e.run)
                {
                    out.push_str(&format!(
                        "<p class=\"run-off\">Not run: this book's examples are off ({}).</p>\n",
                        escape(key)
                    ));
                }
                index += 1;
            }
        }
    }
    if let Some(m) = &runs.measured_on {
        let what = if m.ran_here {
            "The examples on this page ran on"
        } else {
            "The figures on this page were measured on"
        };
        out.push_str(&format!(
            "<p class=\"measured-on\">{what} {}. <a href=\"{}results.html\">Every measurement of the book</a>.</p>\n",
            escape(&m.machine),
            m.to_root
        ));
    }
    out
}

/// An example run under several interpreters: its code once, then a
/// panel per interpreter (`run::matrix_html`).
fn matrix_figure(
    out: &mut String,
    (doc, code, spec): (
        &Document,
        &CodeBlock,
        &crate::markdown::example::ExampleSpec,
    ),
    highlighter: &Highlighter,
    matrix: &[(String, RunResult)],
) {
    out.push_str("<figure class=\"run\"");
    if let Some(id) = &spec.id {
        out.push_str(&format!(" id=\"example-{}\"", escape(id)));
    }
    out.push_str(">\n");
    code_html(out, code, highlighter, None);
    let judged = spec
        .group
        .as_ref()
        .map_or("wall", |g| doc.group_figure(&g.name));
    crate::render::run::matrix_html(out, spec.id.as_deref(), matrix, spec.expect, judged);
    out.push_str("</figure>\n");
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
    // A block the Rust playground can run (`markdown::playground`): its
    // edition as a class and, as in mdBook, a hidden `fn main` around it;
    // `playground.js` gives it the Run button.
    let wrapped;
    let mut text = code.code.as_str();
    if let Some(p) = &code.playground {
        classes.extend(p.edition.map(str::to_owned));
        if p.wrap_main {
            wrapped = crate::markdown::playground::wrap_main(text);
            text = &wrapped;
        }
    }
    let inner = highlighter.highlight_marked(lang, &code.info.lines(text), failing);
    out.push_str(match code.playground {
        Some(_) => "<pre class=\"code hl-code playground\"><code",
        None => "<pre class=\"code hl-code\"><code",
    });
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
