//! Every measurement of the book in one value: written to `results.json`
//! (schema below) and shown on the results page.
//!
//! `results.json`, schema `proofbook-results/1`:
//!
//! - `schema`: `"proofbook-results/1"`
//! - `machine`: where the build measured (`Fingerprint`: `cpu_model`,
//!   `logical_cores`, `usable_cores`, `cpu_quota`, `memory_bytes`, `os`,
//!   `kernel`, `python_implementation`, `python_version`, `event_loop`,
//!   and `interpreters[]` when the book names some: `name`, `version`,
//!   `implementation`, `free_threaded`)
//! - `examples[]`: `id` (or null; `ID@NAME` for a run under a named
//!   interpreter), `interpreter` (`name`, `version`, `implementation`,
//!   `free_threaded`, or null for the default one), `page` (site path), `source`
//!   (`file:line`), `group`, `label`, `cached`, `measured_unix`, `outcome`
//!   (`{"kind": "exited"|"signaled"|"timed_out"|"output_limit", "value"}`),
//!   `figures[]` (`name`, `unit`: `seconds`|`percent`|`bytes`|`number`,
//!   and `n`, `min`, `median`, `max`, `mean`, `stdev`, `cv`), `runs[]`
//!   (a benchmark's counted runs: `wall`, `user`, `sys` as
//!   `{"secs", "nanos"}`, `peak_memory_bytes`, `metrics`, `free_cores`:
//!   the cores other work left free during the run, or null)
//! - `comparisons[]`: `name`, `figure` (the compared figure's name),
//!   `unit`, `members[]` (`id`, `label`, `baseline`, and statistics as
//!   above: `value` of the compared figure, `ratio` of it to the
//!   baseline's per round, `wall`, and `speedup`, baseline wall / member
//!   wall per round)

use serde::Serialize;

use crate::execute::machine::Fingerprint;
use crate::execute::record::{Outcome, Sample};
use crate::execute::{Job, RunResult};
use crate::measure::Figure;
use crate::measure::compare::Comparison;

pub const SCHEMA: &str = "proofbook-results/1";

#[derive(Debug, Clone, Serialize)]
pub struct BookResults {
    pub schema: &'static str,
    pub machine: Fingerprint,
    pub examples: Vec<ExampleEntry>,
    pub comparisons: Vec<Comparison>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExampleEntry {
    pub id: Option<String>,
    /// The named interpreter it ran under; `None`: the machine's default.
    pub interpreter: Option<crate::execute::record::RanUnder>,
    pub page: String,
    pub source: String,
    pub group: Option<String>,
    pub label: Option<String>,
    pub cached: bool,
    pub measured_unix: u64,
    pub outcome: Outcome,
    pub figures: Vec<Figure>,
    pub runs: Vec<Sample>,
}

/// Every measurement of the build: each example that ran, with its
/// figures, and the comparisons. `root` is the book's, for each example's
/// `file:line`.
pub fn gather(
    root: &std::path::Path,
    jobs: &[Job<'_>],
    results: &[RunResult],
    page_paths: &[std::path::PathBuf],
    machine: &Fingerprint,
    comparisons: Vec<Comparison>,
) -> BookResults {
    let examples = jobs
        .iter()
        .zip(results)
        .filter_map(|(job, result)| {
            let record = result.as_ref().ok()?;
            let spec = job.spec;
            let source = job.block.span.as_ref().map_or_else(String::new, |s| {
                let file = s.file.strip_prefix(root).unwrap_or(&s.file);
                format!("{}:{}", file.display(), s.line)
            });
            Some(ExampleEntry {
                id: job.id(),
                interpreter: record.interpreter.clone(),
                page: page_paths[job.at.doc].to_string_lossy().replace('\\', "/"),
                source,
                group: spec.group.as_ref().map(|g| g.name.clone()),
                label: spec.group.as_ref().and_then(|g| g.label.clone()),
                cached: record.from_cache,
                measured_unix: record.started_unix,
                outcome: record.outcome,
                figures: crate::measure::figures_or_single(record),
                runs: record.samples.clone(),
            })
        })
        .collect();
    BookResults {
        schema: SCHEMA,
        machine: machine.clone(),
        examples,
        comparisons,
    }
}
