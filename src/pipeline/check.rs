//! `check`: the pipeline up to the examples, with nothing written: every
//! link, anchor and include is resolved, every example runs fresh (or from
//! the cache when asked), and each becomes one verdict: it ended as its
//! options say and printed what its ```` ```output ```` block says.

use std::time::Duration;

use super::{
    BuildOptions, load_book, page_chapters, page_map, parse_context, parse_docs, warnings,
};
use crate::config::Config;
use crate::diag::{Diagnostic, Severity, Span};
use crate::execute::{self, Outcome};
use crate::measure::verdict::{CheckedClaim, Verdict as ClaimVerdict};

/// An item's verdict: every example, claim and book problem gets one.
/// (A claim's own `measure::verdict::Verdict` says whether it holds; here
/// a claim that holds is one more item that is ok.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Failed,
    Skipped,
}

/// One line of `check`'s report.
#[derive(Debug, Clone)]
pub struct CheckItem {
    /// What was checked: `example ID`, `example at FILE:LINE`, or `book`.
    pub name: String,
    pub span: Option<Span>,
    pub verdict: Verdict,
    pub duration: Duration,
    /// Why it failed or was skipped (empty when ok).
    pub details: String,
    /// For a claim, its comparison with this build's numbers (shown for a
    /// claim that holds too, so a log shows how close it came).
    pub measured: Option<String>,
    /// For a claim that was judged: how far its comparison is from turning
    /// (the larger side over the smaller one, above 1 when it holds), for
    /// `check --rounds`' worst margin; none when a side is not positive.
    pub margin: Option<f64>,
}

#[derive(Debug, Default)]
pub struct CheckReport {
    pub items: Vec<CheckItem>,
    /// Warnings met on the way (they do not fail the check).
    pub warnings: Vec<Diagnostic>,
    /// Every example that runs got a result (from a run or the bundles),
    /// so the results are a whole set: `merge -o` writes them only then.
    pub all_answered: bool,
    /// How the examples were answered (ran, from the cache, failed).
    pub counts: super::ExampleCounts,
    /// With `--shard`: the bundle this run wrote (none when it could not).
    pub bundle: Option<std::path::PathBuf>,
    /// With `--shard`: how many examples this shard took and how many
    /// it left to the others.
    pub shard_share: Option<(usize, usize)>,
    /// Examples that ended as they should but printed something else than
    /// their output block, for `--bless`.
    pub mismatched: Vec<super::bless::Mismatch>,
}

impl CheckReport {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.items.iter().filter(|i| i.verdict == verdict).count()
    }
}

/// Runs the check. `options.rerun` and `offline_results` decide whether
/// cached results count (`check` runs everything fresh unless `--cached`).
pub fn check(config: &Config, options: &BuildOptions) -> CheckReport {
    let mut report = CheckReport::default();
    let mut diags = Vec::new();
    // A killed check leaves its cgroups as a killed build does.
    if let Some(root) = crate::execute::cgroup::CgroupRoot::find() {
        for line in root.remove_stale() {
            super::Progress::tell(options, super::ProgressEvent::Note(&line));
        }
    }
    let mut loaded = load_book(config, options, true, &mut diags);
    let docs = loaded.as_mut().map(|(book, includes_expanded)| {
        let sources = book.take_page_sources();
        let book = &*book;
        let chapters = page_chapters(book);
        let pages = page_map(&chapters);
        let ctx = parse_context(config, &pages, *includes_expanded);
        let paths: Vec<std::path::PathBuf> = chapters
            .iter()
            .map(|c| {
                crate::output::page_path(c.path.as_deref().unwrap_or(std::path::Path::new("")))
            })
            .collect();
        (
            parse_docs(&ctx, book, &chapters, sources, config, None, &mut diags),
            paths,
        )
    });
    // Every problem with the book itself (SUMMARY, chapters, includes,
    // links, anchors, example options) is a failed item of its own.
    take_errors(&mut diags, &mut report);
    // Examples still run when a link is broken: one report, every problem.
    if let Some((docs, paths)) = &docs {
        check_examples(
            config,
            options,
            docs.outlines(),
            paths,
            &mut diags,
            &mut report,
        );
    }
    take_errors(&mut diags, &mut report);
    report.warnings = diags;
    report
}

/// `check --bless [ID…]` after a check: the output blocks of its
/// mismatched examples rewritten (`bless`), their items then ok; a file
/// that could not be blessed is a failed item.
pub fn bless(
    report: &mut CheckReport,
    ids: &[String],
    started: std::time::SystemTime,
) -> Vec<super::bless::Blessed> {
    let outcome = super::bless::bless(&report.mismatched, ids, started);
    for &i in &outcome.items {
        report.items[i].verdict = Verdict::Ok;
        report.items[i].details.clear();
    }
    for (span, why) in outcome.refused {
        let help =
            "nothing in this file was changed; save it and run `proofbook check --bless` again";
        let mut item = failed_item("bless", format!("not blessed: {why}\nhelp: {help}"));
        item.span = Some(span);
        report.items.push(item);
    }
    report.warnings.extend(outcome.warnings);
    outcome.blessed
}

/// One item per example that could not become a job, per claim judged and
/// per example answered, in that order; or one skipped item when the
/// book's examples do not run, one failed item when `--claim` or
/// `--filter` selects nothing.
fn check_examples(
    config: &Config,
    options: &BuildOptions,
    docs: &[crate::markdown::Document],
    page_paths: &[std::path::PathBuf],
    diags: &mut Vec<Diagnostic>,
    report: &mut CheckReport,
) {
    if !super::not_run::examples_run(config, docs) {
        report.items.push(not_run_item(config, docs));
        return;
    }
    let options = match narrow_to_claim(config, options, docs) {
        Ok(options) => options,
        Err(why) => {
            report.items.push(failed_item("claim", why));
            return;
        }
    };
    let options = options.as_ref();
    let answered = super::answer::answer_examples(config, options, docs, diags);
    if let Some(pattern) = &options.filter
        && answered.jobs.is_empty()
    {
        // A typo in a filter must not turn CI green.
        report.items.push(failed_item(
            "filter",
            format!("`--filter {pattern}` selects no example: no id or file:line contains it"),
        ));
        return;
    }
    for (at, message) in &answered.broken {
        report.items.push(failed_item(
            &format!("example {} of chapter {}", at.block + 1, at.doc + 1),
            message.clone(),
        ));
    }
    report.counts = answered.counts;
    report.bundle = answered.bundle.clone();
    report.shard_share = answered.shard.as_ref().map(|part| {
        let left: usize = part.left.iter().map(|(_, places)| places.len()).sum();
        (answered.jobs.len(), left)
    });
    if answered.results.len() != answered.jobs.len() {
        return; // examples could not run at all; the reason is in `diags`
    }
    report.all_answered = true;
    // Groups that do not add up and figures quoted in prose that do not
    // resolve are failures (their diagnostics become items).
    let selection =
        options.filter.is_some() || options.only_ids.is_some() || answered.shard.is_some();
    let evidence = crate::measure::evidence::weigh(
        docs,
        page_paths,
        (&answered.jobs, &answered.results),
        answered.machine.as_ref(),
        selection,
        diags,
    );
    match &answered.shard {
        Some(part) => {
            let claims = docs
                .iter()
                .flat_map(|d| d.code_blocks())
                .filter(|b| b.info.is_claim())
                .count();
            report.items.extend(shard_items(part, claims));
        }
        None => report
            .items
            .extend(claim_items(config, options, evidence.claims)),
    }
    for (job, result) in answered.jobs.iter().zip(&answered.results) {
        let item = example_item(job, result);
        if let Some(m) = mismatch(report.items.len(), job, result, &item) {
            report.mismatched.push(m);
        }
        report.items.push(item);
    }
}

/// The claims' items: every claim's, or with `--claim` the one asked for
/// (by id or by place).
fn claim_items(
    config: &Config,
    options: &BuildOptions,
    claims: Vec<CheckedClaim>,
) -> impl Iterator<Item = CheckItem> {
    let wanted = options.claim.clone();
    let root = config.root.clone();
    claims
        .into_iter()
        .filter(move |c| {
            wanted.as_deref().is_none_or(|w| {
                c.id.as_deref() == Some(w)
                    || crate::measure::verdict::place(c.span.as_ref(), &root) == w
            })
        })
        .map(claim_item)
}

/// A shard judges no claim (their examples may be on other shards) and
/// says which examples it left to which shard.
fn shard_items(part: &super::shard::ShardPart, claims: usize) -> Vec<CheckItem> {
    let skipped = |name: String, details: String| CheckItem {
        name,
        span: None,
        verdict: Verdict::Skipped,
        duration: Duration::ZERO,
        details,
        measured: None,
        margin: None,
    };
    let mut items = Vec::new();
    if claims > 0 {
        items.push(skipped(
            "claims".into(),
            format!(
                "{claims} claims are judged on every shard's figures: `proofbook merge` \
                 with the bundles of all {} shards",
                part.spec.count
            ),
        ));
    }
    for (k, places) in &part.left {
        if !places.is_empty() {
            items.push(skipped(
                format!("shard {k}/{}", part.spec.count),
                format!(
                    "{} examples left to it: {}",
                    places.len(),
                    places.join(", ")
                ),
            ));
        }
    }
    items
}

/// The one item of a book whose examples do not run: skipped, with the
/// key that turns them on.
fn not_run_item(config: &Config, docs: &[crate::markdown::Document]) -> CheckItem {
    let why = match config.run.examples {
        crate::config::Examples::Off => "`examples = false` in [proofbook.run]",
        _ => "this mdBook-layout book shows no sign of wanting them run",
    };
    CheckItem {
        name: "examples".into(),
        span: None,
        verdict: Verdict::Skipped,
        duration: Duration::ZERO,
        details: format!(
            "{} not run: {why}; write {} to run them",
            match super::not_run::runnable_blocks(docs) {
                1 => "1 Python block".to_owned(),
                n => format!("{n} Python blocks"),
            },
            super::not_run::EXAMPLES_ON_KEY
        ),
        measured: None,
        margin: None,
    }
}

/// `--claim`: exactly the examples that claim is judged on, then that
/// claim's verdict alone. Err says why the claim cannot be found.
fn narrow_to_claim<'o>(
    config: &Config,
    options: &'o BuildOptions,
    docs: &[crate::markdown::Document],
) -> Result<std::borrow::Cow<'o, BuildOptions>, String> {
    let mut options = std::borrow::Cow::Borrowed(options);
    if let Some(wanted) = &options.claim {
        let ids = crate::measure::verdict::find_claim(docs, &config.root, wanted)?;
        options.to_mut().only_ids = Some(ids);
    }
    Ok(options)
}

/// A failed item with no place in the book and no time of its own.
fn failed_item(name: &str, details: String) -> CheckItem {
    CheckItem {
        name: name.to_owned(),
        span: None,
        verdict: Verdict::Failed,
        duration: Duration::ZERO,
        details,
        measured: None,
        margin: None,
    }
}

/// An example's item: ok, or failed with why (placed where its traceback
/// ended, when that can be told: CI annotates that line rather than the
/// fence).
fn example_item(job: &execute::Job<'_>, result: &execute::RunResult) -> CheckItem {
    let name = match (job.id(), job.python) {
        (Some(id), _) => format!("example {id}"),
        (None, Some(python)) => format!("example under {python}"),
        (None, None) => "example".to_owned(),
    };
    let mut failing_at = None;
    let (verdict, details, duration) = match result {
        // An optional interpreter this machine lacks: skipped, with why.
        Err(e) if execute::named::is_not_here(e) => (Verdict::Skipped, e.clone(), Duration::ZERO),
        Err(e) => (
            Verdict::Failed,
            format!("could not run: {e}"),
            Duration::ZERO,
        ),
        Ok(record) => {
            let (failure, failing) = example_failure(job, result, record);
            failing_at = failing;
            match failure {
                Some(d) => (Verdict::Failed, d, record.wall),
                None => (Verdict::Ok, String::new(), record.wall),
            }
        }
    };
    CheckItem {
        name,
        span: failing_at.or_else(|| job.block.span.clone()),
        verdict,
        duration,
        details,
        measured: None,
        margin: None,
    }
}

/// The item's example, when all that failed is its output: what `--bless`
/// may rewrite.
fn mismatch(
    index: usize,
    job: &execute::Job<'_>,
    result: &execute::RunResult,
    item: &CheckItem,
) -> Option<super::bless::Mismatch> {
    let (Ok(record), Some(expected)) = (result, &job.block.expected_output) else {
        return None;
    };
    let only_output = item.verdict == Verdict::Failed
        && execute::as_expected(job.spec.expect, record)
        && record.metrics_error.is_none()
        && !record.stale;
    if !only_output {
        return None;
    }
    Some(super::bless::Mismatch {
        item: index,
        id: job.id(),
        block: expected.span.clone()?,
        expected: expected.text.clone(),
        printed: record.output.iter().map(|c| c.text.as_str()).collect(),
    })
}

/// Why an example that ran failed (none when it did not), and the line
/// its traceback ended on, when it can be told.
fn example_failure(
    job: &execute::Job<'_>,
    result: &execute::RunResult,
    record: &execute::RunRecord,
) -> (Option<String>, Option<Span>) {
    if let Some(e) = &record.metrics_error {
        return (
            Some(format!("it reported figures that cannot be read: {e}")),
            None,
        );
    }
    if execute::as_expected(job.spec.expect, record) {
        let differs = warnings::expected_output(job, result)
            .err()
            .map(|diff| format!("its output differs from the output block:\n{diff}"));
        return (differs, None);
    }
    let mut d = format!("it {}", record.describe_outcome());
    if record.outcome == Outcome::Exited(0) {
        d.push_str(", but it is marked to fail");
    }
    let (tail, failing) =
        execute::traceback::stderr_tail(job, record, crate::terminal_text::SHOWN_LINES);
    if !tail.is_empty() {
        d.push_str(&format!("\nthe end of its stderr:\n{tail}"));
    }
    (Some(d), failing)
}

/// Moves the errors of `diags` into `report` as failed items.
fn take_errors(diags: &mut Vec<Diagnostic>, report: &mut CheckReport) {
    let (errors, rest): (Vec<_>, Vec<_>) =
        diags.drain(..).partition(|d| d.severity == Severity::Error);
    *diags = rest;
    for d in errors {
        let mut details = d.message.clone();
        if let Some(help) = &d.help {
            details.push_str(&format!("\nhelp: {help}"));
        }
        report.items.push(CheckItem {
            name: "book".into(),
            span: d.span.clone(),
            verdict: Verdict::Failed,
            duration: Duration::ZERO,
            details,
            measured: None,
            margin: None,
        });
    }
}

fn claim_item(c: CheckedClaim) -> CheckItem {
    let comparison = crate::render::format::claim_comparison(&c);
    let margin = match c.verdict {
        ClaimVerdict::Skipped => None,
        _ => crate::measure::verdict::margin(&c),
    };
    let (verdict, details) = match c.verdict {
        ClaimVerdict::Holds => (Verdict::Ok, String::new()),
        ClaimVerdict::Fails => (Verdict::Failed, format!("it does not hold: {comparison}")),
        ClaimVerdict::Skipped => (
            Verdict::Skipped,
            format!(
                "it applies when {}; this machine has {}",
                c.when.join(" and "),
                crate::render::format::claim_machine(&c)
            ),
        ),
    };
    let name = match (&c.id, &c.says) {
        (Some(id), _) => format!("claim {id}"),
        (None, Some(says)) => format!("claim \"{says}\""),
        (None, None) => "claim".into(),
    };
    let details = match (&c.says, details.is_empty()) {
        (Some(says), false) => format!("{details}\nthe claim: {says}"),
        _ => details,
    };
    CheckItem {
        name,
        span: c.span,
        verdict,
        duration: Duration::ZERO,
        details,
        measured: Some(comparison),
        margin,
    }
}
