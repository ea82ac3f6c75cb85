//! Comparison groups: the members of `group=NAME`, the figure they are
//! compared on (`compare=FIGURE`, wall time by default), and each one's
//! ratios to the baseline taken round by round (the members ran
//! interleaved, so round r of each saw the same machine), which is steadier
//! than a ratio of two medians.

use crate::execute::RunRecord;
use crate::measure::stats::Stats;
use crate::measure::{Unit, per_run, unit_of};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    pub name: String,
    /// The figure the members are compared on: `wall`, or another figure
    /// every counted run has (`peak_memory`, a reported metric).
    pub figure: String,
    pub unit: Unit,
    pub members: Vec<Member>,
}

impl Comparison {
    /// Whether the group compares time, so its ratio is read as a speed-up.
    pub fn compares_time(&self) -> bool {
        self.figure == "wall"
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Member {
    pub id: String,
    pub label: String,
    pub baseline: bool,
    /// The compared figure over the counted runs.
    pub value: Stats,
    /// This value / the baseline's, per round (1.0 for the baseline).
    pub ratio: Stats,
    /// Wall time of the counted runs, in seconds.
    pub wall: Stats,
    /// Baseline wall / this wall, per round (1.0 for the baseline), whatever
    /// the compared figure.
    pub speedup: Stats,
}

/// One input: a member's id, label, whether it is the baseline, and its
/// record (`None` when it did not produce counted runs).
pub struct MemberRun<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub baseline: bool,
    pub record: Option<&'a RunRecord>,
}

/// Why a group has no comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Incomplete {
    /// A member has no counted runs: it failed, and the build reports that.
    Failed,
    /// A member's runs do not all have the compared figure.
    NoFigure {
        id: String,
        /// The figures all its runs do have.
        has: Vec<String>,
    },
    /// A ratio is not a finite number: the baseline measured 0 in a round.
    NotFinite,
}

/// The comparison of one group on `figure`.
pub fn compare(name: &str, figure: &str, runs: &[MemberRun<'_>]) -> Result<Comparison, Incomplete> {
    let base = runs.iter().position(|m| m.baseline).unwrap_or(0);
    let mut values = Vec::new();
    let mut walls = Vec::new();
    for m in runs {
        let r = m
            .record
            .filter(|r| !r.samples.is_empty())
            .ok_or(Incomplete::Failed)?;
        let value = per_run(&r.samples, figure).ok_or_else(|| Incomplete::NoFigure {
            id: m.id.to_owned(),
            has: crate::measure::figures(r)
                .into_iter()
                .map(|f| f.name)
                .collect(),
        })?;
        values.push(value);
        walls.push(per_run(&r.samples, "wall").expect("every run has a wall time"));
    }
    // Round r of a member against round r of the baseline.
    let paired = |of: &[Vec<f64>], i: usize, f: fn(f64, f64) -> f64| {
        let rounds = of[i].len().min(of[base].len());
        let ratios: Vec<f64> = (0..rounds).map(|r| f(of[i][r], of[base][r])).collect();
        Stats::of(&ratios)
    };
    let members = runs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Some(Member {
                id: m.id.to_owned(),
                label: m.label.to_owned(),
                baseline: i == base,
                value: Stats::of(&values[i])?,
                ratio: paired(&values, i, |x, b| x / b)?,
                wall: Stats::of(&walls[i])?,
                speedup: paired(&walls, i, |x, b| b / x)?,
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or(Incomplete::NotFinite)?;
    Ok(Comparison {
        name: name.to_owned(),
        figure: figure.to_owned(),
        unit: unit_of(figure),
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::record::{Outcome, Sample};
    use std::time::Duration;

    fn record(walls_ms: &[u64]) -> RunRecord {
        let mut r = crate::execute::record::test_record();
        assert_eq!(r.outcome, Outcome::Exited(0));
        r.samples = walls_ms
            .iter()
            .map(|ms| Sample {
                wall: Duration::from_millis(*ms),
                user: Duration::from_millis(*ms),
                sys: Duration::ZERO,
                peak_memory_bytes: None,
                metrics: Default::default(),
                free_cores: None,
            })
            .collect();
        r
    }

    /// A record whose runs reported `kib` as the metric `kib_per_worker`.
    fn reporting(walls_ms: &[u64], kib: &[f64]) -> RunRecord {
        let mut r = record(walls_ms);
        for (s, k) in r.samples.iter_mut().zip(kib) {
            s.metrics.insert("kib_per_worker".into(), *k);
        }
        r
    }

    fn member<'a>(id: &'a str, baseline: bool, record: Option<&'a RunRecord>) -> MemberRun<'a> {
        MemberRun {
            id,
            label: id,
            baseline,
            record,
        }
    }

    #[test]
    fn speedups_are_paired_round_by_round() {
        let seq = record(&[1000, 1200, 800]);
        let procs = record(&[500, 600, 400]);
        let runs = [
            member("seq", false, Some(&seq)),
            member("procs", false, Some(&procs)),
        ];
        let c = compare("cpu", "wall", &runs).unwrap();
        assert!(c.compares_time());
        assert!(
            c.members[0].baseline,
            "the first member is the baseline by default"
        );
        assert_eq!(c.members[0].speedup.median, 1.0);
        // Every round is exactly 2x, though the medians alone would agree too.
        assert_eq!(
            (c.members[1].speedup.min, c.members[1].speedup.max),
            (2.0, 2.0)
        );
        assert_eq!((c.members[1].ratio.min, c.members[1].ratio.max), (0.5, 0.5));
        assert_eq!(c.members[1].wall.median, 0.5);
        assert_eq!(c.members[1].value, c.members[1].wall);
        let failed = [member("x", true, None)];
        assert_eq!(compare("cpu", "wall", &failed), Err(Incomplete::Failed));
    }

    #[test]
    fn a_group_compares_the_figure_it_names() {
        // Threads are the baseline; tasks use a tenth of their memory and
        // take longer, which must not leak into the memory ratio.
        let threads = reporting(&[100, 100, 100], &[10.0, 12.0, 8.0]);
        let tasks = reporting(&[200, 200, 200], &[1.0, 1.2, 0.8]);
        let runs = [
            member("tasks", false, Some(&tasks)),
            member("threads", true, Some(&threads)),
        ];
        let c = compare("memory", "kib_per_worker", &runs).unwrap();
        assert!(!c.compares_time());
        assert_eq!(c.unit, Unit::Number);
        assert!(c.members[1].baseline);
        let tasks = &c.members[0];
        assert_eq!(tasks.value.median, 1.0);
        assert!((tasks.ratio.min - 0.1).abs() < 1e-12 && (tasks.ratio.max - 0.1).abs() < 1e-12);
        assert_eq!(tasks.speedup.median, 0.5, "wall time is still compared");
    }

    #[test]
    fn a_member_without_the_figure_is_named_with_the_figures_it_has() {
        let threads = reporting(&[100, 100], &[10.0, 12.0]);
        let plain = record(&[100, 100]);
        let runs = [
            member("threads", true, Some(&threads)),
            member("plain", false, Some(&plain)),
        ];
        match compare("memory", "kib_per_worker", &runs) {
            Err(Incomplete::NoFigure { id, has }) => {
                assert_eq!(id, "plain");
                assert!(
                    has.contains(&"wall".to_owned()) && !has.contains(&"kib_per_worker".to_owned())
                );
            }
            other => panic!("expected NoFigure, got {other:?}"),
        }
        // One run of the member lacking it is enough to refuse: the rounds
        // would no longer pair.
        let mut partial = reporting(&[100, 100], &[1.0, 1.0]);
        partial.samples[1].metrics.clear();
        let runs = [
            member("threads", true, Some(&threads)),
            member("partial", false, Some(&partial)),
        ];
        assert!(matches!(
            compare("memory", "kib_per_worker", &runs),
            Err(Incomplete::NoFigure { .. })
        ));
        let zero = reporting(&[100, 100], &[0.0, 1.0]);
        let runs = [
            member("zero", true, Some(&zero)),
            member("threads", false, Some(&threads)),
        ];
        assert_eq!(
            compare("memory", "kib_per_worker", &runs),
            Err(Incomplete::NotFinite)
        );
    }

    #[test]
    fn noise_is_judged_on_the_compared_figure() {
        // Wall time varies 30 %; the memory figure not at all.
        let r = reporting(&[100, 130, 70], &[10.0, 10.0, 10.0]);
        assert!(crate::measure::noisy(&r, "wall").is_some());
        assert_eq!(crate::measure::noisy(&r, "kib_per_worker"), None);
        let r = reporting(&[100, 100, 100], &[5.0, 10.0, 15.0]);
        assert!(crate::measure::noisy(&r, "kib_per_worker").is_some());
        assert_eq!(crate::measure::noisy(&r, "wall"), None);
    }
}
