//! Comparison groups: the members of `group=NAME`, their wall times, and
//! each one's speed-up over the baseline taken round by round (the members
//! ran interleaved, so round r of each saw the same machine), which is
//! steadier than a ratio of two medians.

use crate::execute::RunRecord;
use crate::measure::stats::Stats;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    pub name: String,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Member {
    pub id: String,
    pub label: String,
    pub baseline: bool,
    /// Wall time of the counted runs, in seconds.
    pub wall: Stats,
    /// Baseline wall / this wall, per round (1.0 for the baseline).
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

/// The comparison of one group, or `None` when a member has no counted
/// runs (it failed; the build reports that).
pub fn compare(name: &str, runs: &[MemberRun<'_>]) -> Option<Comparison> {
    let base = runs.iter().position(|m| m.baseline).unwrap_or(0);
    let walls: Vec<Vec<f64>> = runs
        .iter()
        .map(|m| {
            let r = m.record?;
            (!r.samples.is_empty())
                .then(|| r.samples.iter().map(|s| s.wall.as_secs_f64()).collect())
        })
        .collect::<Option<_>>()?;
    let members = runs
        .iter()
        .zip(&walls)
        .enumerate()
        .map(|(i, (m, wall))| {
            let rounds = wall.len().min(walls[base].len());
            let ratios: Vec<f64> = (0..rounds).map(|r| walls[base][r] / wall[r]).collect();
            Some(Member {
                id: m.id.to_owned(),
                label: m.label.to_owned(),
                baseline: i == base,
                wall: Stats::of(wall)?,
                speedup: Stats::of(&ratios)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Comparison {
        name: name.to_owned(),
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::record::{Outcome, Sample};
    use std::time::Duration;

    pub(crate) fn record(walls_ms: &[u64]) -> RunRecord {
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
            })
            .collect();
        r
    }

    #[test]
    fn speedups_are_paired_round_by_round() {
        let seq = record(&[1000, 1200, 800]);
        let procs = record(&[500, 600, 400]);
        let runs = [
            MemberRun {
                id: "seq",
                label: "sequential",
                baseline: false,
                record: Some(&seq),
            },
            MemberRun {
                id: "procs",
                label: "processes",
                baseline: false,
                record: Some(&procs),
            },
        ];
        let c = compare("cpu", &runs).unwrap();
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
        assert_eq!(c.members[1].wall.median, 0.5);
        let failed = [MemberRun {
            id: "x",
            label: "x",
            baseline: true,
            record: None,
        }];
        assert_eq!(compare("cpu", &failed), None);
    }
}
