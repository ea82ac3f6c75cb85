//! Measure stage: the figures of benchmark runs → statistics, comparisons
//! and the values quoted in prose. Reads no clock and no files: it works on
//! the `RunRecord`s `execute` returns.
//!
//! - `stats`: min, median, max, standard deviation and CV of samples.
//! - `claim`: statements over figures (```claim blocks) and where they apply.
//! - `compare`: comparison groups and their paired speed-ups.
//! - `results`: every measurement of the book, for `results.json` and the results page.

pub mod claim;
pub mod compare;
pub mod results;
pub mod stats;

use crate::execute::RunRecord;
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

/// The built-in figures of a benchmark record, then the ones it reported.
pub fn figures(record: &RunRecord) -> Vec<Figure> {
    let s = &record.samples;
    let mut out = Vec::new();
    let mut add = |name: &str, unit: Unit, values: Vec<f64>| {
        if let Some(stats) = Stats::of(&values) {
            out.push(Figure {
                name: name.to_owned(),
                unit,
                stats,
            });
        }
    };
    add(
        "wall",
        Unit::Seconds,
        s.iter().map(|x| x.wall.as_secs_f64()).collect(),
    );
    add(
        "cpu",
        Unit::Seconds,
        s.iter().map(|x| (x.user + x.sys).as_secs_f64()).collect(),
    );
    add(
        "cpu_util",
        Unit::Percent,
        s.iter().map(|x| x.cpu_utilisation()).collect(),
    );
    if s.iter().all(|x| x.peak_memory_bytes.is_some()) {
        add(
            "peak_memory",
            Unit::Bytes,
            s.iter()
                .filter_map(|x| x.peak_memory_bytes)
                .map(|b| b as f64)
                .collect(),
        );
    }
    let mut names: Vec<&String> = s.iter().flat_map(|x| x.metrics.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        // A metric counts only if every run reported it.
        let values: Vec<f64> = s
            .iter()
            .filter_map(|x| x.metrics.get(name).copied())
            .collect();
        if values.len() == s.len() {
            add(name, Unit::Number, values);
        }
    }
    out
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

/// The wall-time CV when it is above `NOISY_CV`.
pub fn noisy(record: &RunRecord) -> Option<f64> {
    let wall = figures(record).into_iter().find(|f| f.name == "wall")?;
    (wall.stats.n > 1 && wall.stats.cv > NOISY_CV).then_some(wall.stats.cv)
}
