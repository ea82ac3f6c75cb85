//! Measure stage: the figures of benchmark runs → statistics, comparisons
//! and the values quoted in prose. Reads no clock and no files: it works on
//! the `RunRecord`s `execute` returns.
//!
//! - `stats`: min, median, max, standard deviation and CV of samples.
//! - `claim`: statements over figures (```claim blocks) and where they apply.
//! - `compare`: comparison groups and their paired speed-ups.
//! - `quote`: `{{#measure}}` references resolved to typed values.
//! - `verdict`: claims checked against the figures, each with its `Verdict`.
//! - `evidence`: `weigh`, all of the above for one build, as one `Evidence`.
//! - `results`: every measurement of the book, for `results.json` and the results page.
//!
//! Nothing here makes HTML or formats a number: `render` does.

pub mod claim;
pub mod compare;
pub mod evidence;
pub mod quote;
pub mod results;
pub mod stats;
pub mod verdict;

use crate::execute::RunRecord;
use crate::execute::record::Sample;
use stats::Stats;

/// Above this coefficient of variation of wall time a benchmark is flagged
/// as noisy (on this project's shared 2-vCPU machines a pure-Python loop
/// shows 7–14 %).
pub const NOISY_CV: f64 = 0.10;

/// How a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Seconds,
    /// A ratio shown as a percentage (CPU utilisation: 1.0 = 100 %).
    Percent,
    Bytes,
    /// A figure the program reported: written as a plain number.
    Number,
}

/// One figure of a benchmark over its counted runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Figure {
    /// `wall`, `cpu`, `cpu_util`, `peak_memory`, or a reported metric.
    pub name: String,
    pub unit: Unit,
    #[serde(flatten)]
    pub stats: Stats,
}

/// The built-in figures, in the order they are listed.
const BUILT_IN: &[(&str, Unit)] = &[
    ("wall", Unit::Seconds),
    ("cpu", Unit::Seconds),
    ("cpu_util", Unit::Percent),
    ("peak_memory", Unit::Bytes),
];

/// A figure's unit: a built-in one's, or `Number` for a reported metric.
pub fn unit_of(name: &str) -> Unit {
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(Unit::Number, |(_, u)| *u)
}

/// One run's value of the figure `name`, when that run has it.
pub fn sample_value(sample: &Sample, name: &str) -> Option<f64> {
    match name {
        "wall" => Some(sample.wall.as_secs_f64()),
        "cpu" => Some((sample.user + sample.sys).as_secs_f64()),
        "cpu_util" => Some(sample.cpu_utilisation()),
        "peak_memory" => sample.peak_memory_bytes.map(|b| b as f64),
        metric => sample.metrics.get(metric).copied(),
    }
}

/// Each counted run's value of `name`, or `None` unless every run has it
/// (a figure missing from one round would unpair the rounds).
pub fn per_run(samples: &[Sample], name: &str) -> Option<Vec<f64>> {
    samples.iter().map(|s| sample_value(s, name)).collect()
}

/// The built-in figures of a benchmark record, then the ones it reported.
pub fn figures(record: &RunRecord) -> Vec<Figure> {
    let s = &record.samples;
    let mut names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
    let mut reported: Vec<&str> = s
        .iter()
        .flat_map(|x| x.metrics.keys().map(String::as_str))
        .collect();
    reported.sort_unstable();
    reported.dedup();
    names.extend(reported);
    names
        .into_iter()
        .filter_map(|name| {
            Some(Figure {
                name: name.to_owned(),
                unit: unit_of(name),
                stats: Stats::of(&per_run(s, name)?)?,
            })
        })
        .collect()
}

/// A benchmark's figures, or for a single run its one value of each (n = 1).
pub fn figures_or_single(record: &RunRecord) -> Vec<Figure> {
    if !record.samples.is_empty() {
        return figures(record);
    }
    let mut single = vec![
        ("wall".to_owned(), Unit::Seconds, record.wall.as_secs_f64()),
        (
            "cpu".to_owned(),
            Unit::Seconds,
            (record.user + record.sys).as_secs_f64(),
        ),
        (
            "cpu_util".to_owned(),
            Unit::Percent,
            record.cpu_utilisation(),
        ),
    ];
    if let Some(b) = record.peak_memory_bytes {
        single.push(("peak_memory".to_owned(), Unit::Bytes, b as f64));
    }
    for (k, v) in &record.metrics {
        single.push((k.clone(), Unit::Number, *v));
    }
    single
        .into_iter()
        .filter_map(|(name, unit, x)| {
            Some(Figure {
                name,
                unit,
                stats: Stats::of(&[x])?,
            })
        })
        .collect()
}

/// The CV of `figure` (wall time, or what the benchmark's group compares)
/// over the counted runs, when it is above `NOISY_CV`.
pub fn noisy(record: &RunRecord, figure: &str) -> Option<f64> {
    let stats = Stats::of(&per_run(&record.samples, figure)?)?;
    (stats.n > 1 && stats.cv > NOISY_CV).then_some(stats.cv)
}
