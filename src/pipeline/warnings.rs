//! What the build tells the author about examples that ran as they should
//! but whose results deserve a second look: a benchmark too noisy to trust,
//! a traceback behind a clean exit, output that differs from its
//! ```` ```output ```` block. All are warnings (`check` fails on the last).

use super::answer::name_of;
use crate::diag::Diagnostic;
use crate::execute::{self, Job, RunResult};
use crate::markdown::Document;

pub(super) fn after_runs(
    docs: &[Document],
    jobs: &[Job<'_>],
    results: &[RunResult],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (job, result) in jobs.iter().zip(results) {
        if let Ok(record) = result
            && !record.stale
            && let Some(cv) = crate::measure::noisy(record, judged(docs, job))
        {
            out.push(
                Diagnostic::warning(
                    format!(
                        "{} is noisy: its {} varied {} (CV) over {} runs",
                        name_of(job),
                        crate::render::format::figure_label(judged(docs, job)),
                        crate::render::format::percent(cv),
                        record.samples.len()
                    ),
                    job.block.span.clone(),
                )
                .with_help("more runs (`repeat=N`), a longer workload, or a quieter machine make it steadier; `--rerun` measures again"),
            );
        }
        if let Ok(record) = result
            && !record.stale
            && record.output_cut
        {
            out.push(
                Diagnostic::warning(
                    format!(
                        "{}'s output may be cut short: its stdout or stderr was still held open {} s after every process of its sandbox had ended, so proofbook stopped reading",
                        name_of(job),
                        crate::execute::readers::GRACE.as_secs()
                    ),
                    job.block.span.clone(),
                )
                .with_help("something outside the sandbox holds the example's output (it handed its stdout or stderr to another process); let the program's output end with the program"),
            );
        }
        // A program can end well while a thread or a worker process died:
        // its traceback is the only sign, so the author is told.
        if let Ok(record) = result
            && !record.stale
            && record.outcome.success()
            && job.block.expected_output.is_none()
            && record
                .stderr()
                .contains("Traceback (most recent call last):")
        {
            out.push(
                Diagnostic::warning(
                    format!(
                        "{} ended well, but printed a Python traceback on stderr: a thread or a worker process may have failed",
                        name_of(job)
                    ),
                    job.block.span.clone(),
                )
                .with_help("fix the program (a pool needs `if __name__ == \"__main__\":` around the code that starts it), or, when the traceback is the point, put an ```output block after it that shows it"),
            );
        }
        if let Err(diff) = expected_output(job, result) {
            let span = job
                .block
                .expected_output
                .as_ref()
                .and_then(|e| e.span.clone());
            out.push(
                Diagnostic::warning(
                    format!("{} printed something else than its output block:\n{diff}", name_of(job)),
                    span,
                )
                .with_help("update the block, or use `...`, `{int}`, `{num}`, `{hex}`, `{duration}` for what varies"),
            );
        }
    }
    out
}

/// The figure whose spread makes this benchmark noisy: what its group
/// compares, else wall time.
fn judged<'d>(docs: &'d [Document], job: &Job<'_>) -> &'d str {
    job.spec
        .group
        .as_ref()
        .map_or("wall", |g| docs[job.at.doc].group_figure(&g.name))
}

/// Compares a run with its example's ```` ```output ```` block, if it has
/// one; `Err` is the diff.
pub(super) fn expected_output(job: &Job<'_>, result: &RunResult) -> Result<(), String> {
    match (&job.block.expected_output, result) {
        (Some(expected), Ok(record)) if !record.stale => {
            let printed: String = record.output.iter().map(|c| c.text.as_str()).collect();
            execute::expected::compare(&expected.text, &printed)
        }
        _ => Ok(()),
    }
}
