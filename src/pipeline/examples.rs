//! The execute step of the pipeline for `build`: every example answered
//! (by `answer`), its results weighed into the page's evidence, and the
//! results that do not match their example's expectation turned into
//! diagnostics.

use super::{BuildOptions, ExampleCounts, FailedClaim, Progress, ProgressEvent, warnings};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::execute;
use crate::markdown::Document;
use crate::measure::evidence::Evidence;
use crate::measure::results::BookResults;
use crate::measure::verdict::{CheckedClaim, Verdict};
use crate::render::body;

/// For `build`: runs every example of the book (or takes its cached
/// result) and returns each page's results and the counts. Problems (no
/// interpreter, a missing protection, an example that did not end as it
/// says) are added to `diags`, and output that differs from the example's
/// ```` ```output ```` block is a warning (`check` fails on it); the
/// results of the rest are kept, so a page shows every error.
pub(super) fn run_examples(
    config: &Config,
    options: &BuildOptions,
    docs: &[Document],
    page_paths: &[std::path::PathBuf],
    diags: &mut Vec<Diagnostic>,
) -> ExampleOutput {
    let mut answered = super::answer::answer_examples(config, options, docs, diags);
    let broken = answered.broken.len();
    let mut pages = vec![body::PageRuns::new(); docs.len()];
    let mut evidence = crate::measure::evidence::weigh(
        docs,
        page_paths,
        (&answered.jobs, &answered.results),
        answered.machine.as_ref(),
        false,
        diags,
    );
    for (at, message) in std::mem::take(&mut answered.broken) {
        pages[at.doc].results.insert(at.block, Err(message));
    }
    place_evidence(&mut pages, &mut evidence);
    let claims = std::mem::take(&mut evidence.claims);
    let failed_claims = judge_claims(config, options, &answered, claims, &mut pages, diags);
    diags.extend(execute::diagnose(
        &answered.jobs,
        &answered.results,
        &config.root,
    ));
    count_failed(options, &mut answered, broken);
    diags.extend(warnings::after_runs(
        docs,
        &answered.jobs,
        &answered.results,
    ));
    let comparisons = evidence.comparisons.into_iter().map(|(_, c)| c).collect();
    let results = answered.machine.as_ref().map(|machine| {
        crate::measure::results::gather(
            &config.root,
            &answered.jobs,
            &answered.results,
            page_paths,
            machine,
            comparisons,
        )
    });
    if let Some(machine) = &evidence.machine {
        let measured = Measured {
            machine,
            per_job: &answered.machines,
        };
        say_where_measured(&mut pages, &measured, &answered.jobs, docs, page_paths);
    }
    for (job, result) in answered.jobs.iter().zip(answered.results) {
        let page = &mut pages[job.at.doc];
        match job.python {
            Some(name) => page
                .matrix
                .entry(job.at.block)
                .or_default()
                .push((name.to_owned(), result)),
            None => {
                page.results.insert(job.at.block, result);
            }
        }
    }
    ExampleOutput {
        pages,
        counts: answered.counts,
        results,
        failed_claims,
    }
}

/// Puts each comparison, quoted figure and cited claim on its page (the
/// claims themselves go with their verdicts, in `judge_claims`).
fn place_evidence(pages: &mut [body::PageRuns], evidence: &mut Evidence) {
    for (at, c) in &evidence.comparisons {
        pages[at.doc].comparisons.insert(at.block, c.clone());
    }
    for (page, not_here) in pages.iter_mut().zip(std::mem::take(&mut evidence.not_here)) {
        page.not_here = not_here;
    }
    let quoted = std::mem::take(&mut evidence.quoted);
    let cited = std::mem::take(&mut evidence.cited);
    for ((page, quoted), cited) in pages.iter_mut().zip(quoted).zip(cited) {
        page.quoted = quoted;
        page.cited = cited;
    }
}

/// Puts each checked claim on its page and warns of each that fails;
/// returns the failed claims for the summary, having marked in the cache
/// the results they were judged on. A pending build weighs earlier
/// results: it has no verdict to report yet.
fn judge_claims(
    config: &Config,
    options: &BuildOptions,
    answered: &super::answer::Answered<'_>,
    claims: Vec<CheckedClaim>,
    pages: &mut [body::PageRuns],
    diags: &mut Vec<Diagnostic>,
) -> Vec<FailedClaim> {
    let failed_claims = if options.pending {
        Vec::new()
    } else {
        doubt_failed_results(config, answered, &claims, diags)
    };
    for c in claims {
        if c.verdict == Verdict::Fails && !options.pending {
            diags.push(
                Diagnostic::warning(
                    format!(
                        "this claim does not hold in this build: {}",
                        crate::render::format::claim_comparison(&c)
                    ),
                    c.span.clone(),
                )
                .with_help("`proofbook check` fails on it; the next build runs its examples again (`--keep-failed` keeps this result); or change the claim or what it measures"),
            );
        }
        pages[c.doc].claims.insert(c.block, c);
    }
    failed_claims
}

/// Counts the failed examples into `answered.counts` (the `broken` ones
/// that never became jobs included) and says so when there are any.
/// Failed: could not run, did not end as its fence says, reported bad
/// figures, or printed something else than its output block.
fn count_failed(options: &BuildOptions, answered: &mut super::answer::Answered<'_>, broken: usize) {
    let failed = answered
        .jobs
        .iter()
        .zip(&answered.results)
        .filter(|(job, result)| match result {
            Err(e) => !execute::named::is_not_here(e),
            Ok(r) if r.stale => false,
            Ok(r) => {
                !execute::as_expected(job.spec.expect, r)
                    || r.metrics_error.is_some()
                    || warnings::expected_output(job, result).is_err()
            }
        })
        .count();
    answered.counts.failed = failed + broken;
    if answered.counts.failed > 0 {
        let total = answered.jobs.len() + broken;
        Progress::tell(
            options,
            ProgressEvent::Note(&format!(
                "examples: {} ran, {} cached, {} failed (of {total})",
                answered.counts.ran, answered.counts.cached, answered.counts.failed
            )),
        );
    }
}

/// Where the runs were made: one machine, or (results from the bundles of
/// shards) each job's own.
struct Measured<'a> {
    machine: &'a execute::machine::Fingerprint,
    per_job: &'a [execute::machine::Fingerprint],
}

impl Measured<'_> {
    /// The machines page `d`'s examples ran on, one summary each (shards
    /// may split a page's examples that are not in one group).
    fn on_page(&self, jobs: &[execute::Job<'_>], d: usize) -> String {
        let mut seen: Vec<String> = Vec::new();
        for (i, _) in jobs.iter().enumerate().filter(|(_, j)| j.at.doc == d) {
            let summary = self.per_job.get(i).unwrap_or(self.machine).summary();
            if !seen.contains(&summary) {
                seen.push(summary);
            }
        }
        if seen.is_empty() {
            return self.machine.summary();
        }
        seen.join("; and on ")
    }
}

/// Every page with figures says where they were measured: one that runs
/// examples, and one that only quotes them.
fn say_where_measured(
    pages: &mut [body::PageRuns],
    measured: &Measured<'_>,
    jobs: &[execute::Job<'_>],
    docs: &[Document],
    page_paths: &[std::path::PathBuf],
) {
    for (d, page) in pages.iter_mut().enumerate() {
        let ran_here = jobs.iter().any(|j| j.at.doc == d);
        if ran_here || !docs[d].measures.is_empty() || !docs[d].verdicts.is_empty() {
            page.measured_on = Some(body::MeasuredOn {
                ran_here,
                machine: measured.on_page(jobs, d),
                to_root: crate::markdown::links::path_to_root(&page_paths[d]),
            });
        }
    }
}

/// Marks in the result cache the results each failed claim was judged on,
/// so the next build runs them again (unless pinned), and clears the mark
/// of results that every claim judged on them now holds on; returns the
/// failed claims for the summary. A mark that cannot be written is a
/// warning: the build's own result stands.
fn doubt_failed_results(
    config: &Config,
    answered: &super::answer::Answered<'_>,
    claims: &[CheckedClaim],
    diags: &mut Vec<Diagnostic>,
) -> Vec<FailedClaim> {
    use std::collections::BTreeMap;
    // Every run of the example: each interpreter's, for a matrix.
    let key_of = |id: &str| -> Vec<&str> {
        answered
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| j.spec.id.as_deref() == Some(id))
            .filter_map(|(i, _)| answered.keys.get(i).map(String::as_str))
            .collect()
    };
    // Key → the failed claim that marks it (the first), or None to clear.
    let mut marks: BTreeMap<&str, Option<String>> = BTreeMap::new();
    let mut failed = Vec::new();
    for c in claims.iter().filter(|c| c.verdict == Verdict::Fails) {
        let place = crate::measure::verdict::place(c.span.as_ref(), &config.root);
        for key in c.examples.iter().flat_map(|id| key_of(id)) {
            marks.entry(key).or_insert_with(|| Some(place.clone()));
        }
        failed.push(FailedClaim {
            place,
            id: c.id.clone(),
            comparison: crate::render::format::claim_comparison(c),
        });
    }
    for c in claims.iter().filter(|c| c.verdict == Verdict::Holds) {
        for key in c.examples.iter().flat_map(|id| key_of(id)) {
            marks.entry(key).or_insert(None);
        }
    }
    if marks.is_empty() {
        return failed;
    }
    let written = crate::execute::cache::ResultCache::open(&config.run.cache_dir)
        .map_err(|e| e.to_string())
        .and_then(|cache| {
            marks.iter().try_for_each(|(key, claim)| {
                cache
                    .mark_failed_claim(key, claim.as_deref())
                    .map_err(|e| e.to_string())
            })
        });
    if let Err(e) = written {
        diags.push(
            Diagnostic::warning(
                format!("cannot mark the results a failed claim was judged on: {e}"),
                None,
            )
            .with_help("the next build may answer them from the cache; `proofbook build --rerun` runs them again"),
        );
    }
    failed
}

/// What the execute step gives the rest of the build.
pub(super) struct ExampleOutput {
    pub pages: Vec<body::PageRuns>,
    pub counts: ExampleCounts,
    /// Every measurement, when examples ran.
    pub results: Option<BookResults>,
    pub failed_claims: Vec<FailedClaim>,
}
