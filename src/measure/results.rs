//! Every measurement of the book in one value: written to `results.json`
//! (schema below) and shown on the results page.
//!
//! `results.json`, schema `proofbook-results/1`:
//!
//! - `schema`: `"proofbook-results/1"`
//! - `machine`: where the build measured (`Fingerprint`: `cpu_model`,
//!   `logical_cores`, `usable_cores`, `cpu_quota`, `memory_bytes`, `os`,
//!   `kernel`, `python_implementation`, `python_version`, `event_loop`)
//! - `examples[]`: `id` (or null), `page` (site path), `source`
//!   (`file:line`), `group`, `label`, `cached`, `measured_unix`, `outcome`
//!   (`{"kind": "exited"|"signaled"|"timed_out"|"output_limit", "value"}`),
//!   `figures[]` (`name`, `unit`: `seconds`|`percent`|`bytes`|`number`,
//!   and `n`, `min`, `median`, `max`, `mean`, `stdev`, `cv`), `runs[]`
//!   (a benchmark's counted runs: `wall`, `user`, `sys` as
//!   `{"secs", "nanos"}`, `peak_memory_bytes`, `metrics`)
//! - `comparisons[]`: `name`, `figure` (the compared figure's name),
//!   `unit`, `members[]` (`id`, `label`, `baseline`, and statistics as
//!   above: `value` of the compared figure, `ratio` of it to the
//!   baseline's per round, `wall`, and `speedup`, baseline wall / member
//!   wall per round)

use serde::Serialize;

use crate::execute::machine::Fingerprint;
use crate::execute::record::{Outcome, Sample};
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
