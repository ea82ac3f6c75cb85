//! `weigh` on hand-made records: the evidence of a page is tested without
//! starting Python.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::execute::record::{RunRecord, Sample, test_record};
use crate::measure::quote::Written;
use crate::measure::verdict::{Shown, Verdict};

const PAGE: &str = "\
# Threads

```python id=seq repeat=3 group=cpu label=sequential baseline
work()
```

```python id=thr repeat=3 group=cpu label=threads
work()
```

Threads ran at {{#measure thr speedup}} the speed, in {{#measure thr wall median ms}}.

```claim id=no-help
says: Threads do not help
thr speedup < 1.3
```

```claim
seq wall < 0.001
```
";

fn doc(text: &str) -> Document {
    crate::markdown::test_chapter("page.md", text)
}

/// A benchmark whose counted runs took `ms` milliseconds each.
fn bench(ms: &[u64]) -> RunRecord {
    let samples: Vec<Sample> = ms
        .iter()
        .map(|ms| Sample {
            wall: Duration::from_millis(*ms),
            user: Duration::from_millis(*ms),
            sys: Duration::ZERO,
            peak_memory_bytes: Some(8 << 20),
            metrics: Default::default(),
            free_cores: None,
        })
        .collect();
    RunRecord {
        wall: samples.last().expect("runs").wall,
        samples,
        ..test_record()
    }
}

fn machine() -> Fingerprint {
    Fingerprint {
        cpu_model: "Test CPU".into(),
        logical_cores: 2,
        usable_cores: 2,
        cpu_quota: None,
        memory_bytes: None,
        os: "Linux".into(),
        kernel: "6.1".into(),
        python_implementation: "CPython".into(),
        python_version: "3.11.7".into(),
        event_loop: "asyncio".into(),
        interpreters: Vec::new(),
    }
}

fn weighed(seq: &[u64], thr: &[u64]) -> (Evidence, Vec<Diagnostic>) {
    let docs = vec![doc(PAGE)];
    let jobs: Vec<Job<'_>> = crate::execute::jobs(&docs, &Default::default())
        .into_iter()
        .map(|j| j.expect("an inline example"))
        .collect();
    let results: Vec<RunResult> = vec![Ok(bench(seq)), Ok(bench(thr))];
    let mut diags = Vec::new();
    let evidence = weigh(
        &docs,
        &[PathBuf::from("page.html")],
        (&jobs, &results),
        Some(&machine()),
        false,
        &mut diags,
    );
    (evidence, diags)
}

#[test]
fn a_group_is_compared_round_by_round_and_its_chart_follows_the_last_member() {
    // Round by round: 100/50, 200/100, 300/100 → 2, 2, 3; median 2.
    let (evidence, diags) = weighed(&[100, 200, 300], &[50, 100, 100]);
    assert!(diags.is_empty(), "{diags:?}");
    let [(at, c)] = evidence.comparisons.as_slice() else {
        panic!("one comparison: {:?}", evidence.comparisons);
    };
    assert_eq!((at.doc, at.block), (0, 1));
    let thr = c.members.iter().find(|m| m.id == "thr").expect("thr");
    assert_eq!(thr.speedup.median, 2.0);
    assert_eq!(thr.speedup.min, 2.0);
    assert!((thr.speedup.max - 3.0).abs() < 1e-9, "{:?}", thr.speedup);
    assert_eq!(thr.value.median, 0.1);
}

#[test]
fn quotes_are_typed_values_with_their_spread_and_their_example() {
    let (evidence, _) = weighed(&[100, 200, 300], &[50, 100, 100]);
    let quoted = &evidence.quoted[0];
    let speedup = &quoted[&0];
    assert_eq!(speedup.written, Written::Ratio);
    assert_eq!(speedup.x, 2.0);
    assert_eq!(speedup.href, "page.html#example-thr");
    let wall = &quoted[&1];
    assert_eq!(wall.x, 0.1);
    assert_eq!(
        (wall.stats.min, wall.stats.max, wall.stats.n),
        (0.05, 0.1, 3)
    );
    assert_eq!(wall.stat, "median");
}

#[test]
fn claims_get_a_verdict_from_the_same_figures() {
    let (evidence, diags) = weighed(&[100, 200, 300], &[50, 100, 100]);
    let [held, failed] = evidence.claims.as_slice() else {
        panic!("two claims: {:?}", evidence.claims);
    };
    // 2.0 is not below 1.3: the first claim fails.
    assert_eq!(held.id.as_deref(), Some("no-help"));
    assert_eq!(held.verdict, Verdict::Fails);
    assert!(matches!(&held.right, Shown::Number { x, unit: None } if *x == 1.3));
    // 0.2 s is not below 1 ms either; the number is written in seconds.
    assert_eq!(failed.verdict, Verdict::Fails);
    assert!(matches!(
        &failed.right,
        Shown::Number {
            unit: Some(crate::measure::Unit::Seconds),
            ..
        }
    ));
    assert!(diags.is_empty(), "{diags:?}");
    let (evidence, _) = weighed(&[100, 100, 100], &[100, 100, 100]);
    assert_eq!(evidence.claims[0].verdict, Verdict::Holds);
    assert_eq!(evidence.machine.as_ref().map(|m| m.usable_cores), Some(2));
}

#[test]
fn an_unknown_figure_is_an_error_at_the_reference_with_a_suggestion() {
    let docs = vec![doc(
        "```python id=a\nx\n```\n\nIt took {{#measure a wal}}.\n",
    )];
    let jobs: Vec<Job<'_>> = crate::execute::jobs(&docs, &Default::default())
        .into_iter()
        .map(|j| j.expect("an inline example"))
        .collect();
    let results: Vec<RunResult> = vec![Ok(test_record())];
    let mut diags = Vec::new();
    let evidence = weigh(
        &docs,
        &[PathBuf::from("page.html")],
        (&jobs, &results),
        Some(&machine()),
        false,
        &mut diags,
    );
    assert!(evidence.quoted[0].is_empty());
    let [d] = diags.as_slice() else {
        panic!("one error: {diags:?}");
    };
    assert!(d.message.contains("has no figure `wal`"), "{}", d.message);
    assert!(
        d.help.as_deref().is_some_and(|h| h.contains("`wall`")),
        "{d:?}"
    );
}

/// Two members whose runs had `seq_free` and `thr_free` cores free, and a
/// claim that asks for 1.8.
fn under_load(seq_free: &[Option<f64>], thr_free: &[Option<f64>]) -> Vec<CheckedClaim> {
    let docs = vec![doc("\
```python id=seq repeat=3 group=cpu baseline
work()
```

```python id=thr repeat=3 group=cpu
work()
```

```claim
thr speedup >= 1.5
when free-cores >= 1.8 and cores >= 2
```
")];
    let jobs: Vec<Job<'_>> = crate::execute::jobs(&docs, &Default::default())
        .into_iter()
        .map(|j| j.expect("an inline example"))
        .collect();
    let with = |ms: &[u64], free: &[Option<f64>]| {
        let mut r = bench(ms);
        for (s, f) in r.samples.iter_mut().zip(free) {
            s.free_cores = *f;
        }
        r
    };
    let results: Vec<RunResult> = vec![
        Ok(with(&[100, 100, 100], seq_free)),
        Ok(with(&[50, 50, 50], thr_free)),
    ];
    let mut diags = Vec::new();
    let evidence = weigh(
        &docs,
        &[PathBuf::from("page.html")],
        (&jobs, &results),
        Some(&machine()),
        false,
        &mut diags,
    );
    assert!(diags.is_empty(), "{diags:?}");
    evidence.claims
}

#[test]
fn a_claim_on_free_cores_is_judged_only_when_its_runs_had_them() {
    let quiet = [Some(1.9), Some(2.0), Some(1.95)];
    let claims = under_load(&quiet, &quiet);
    let [c] = claims.as_slice() else {
        panic!("one claim: {claims:?}");
    };
    assert_eq!(c.verdict, Verdict::Holds);
    assert_eq!(c.free_cores, Some(1.95));
    // The threads' runs shared the machine with something else: the
    // median of their free cores, 1.2, is the claim's, and it is skipped
    // (saying which condition), not passed and not failed.
    let claims = under_load(&quiet, &[Some(1.2), Some(1.9), Some(1.1)]);
    let [c] = claims.as_slice() else {
        panic!("one claim: {claims:?}");
    };
    assert_eq!(c.verdict, Verdict::Skipped);
    assert_eq!(c.free_cores, Some(1.2));
    assert_eq!(c.unmet, vec!["free-cores >= 1.8".to_owned()]);
    // A run that did not measure it: not judged either.
    let claims = under_load(&quiet, &[Some(1.9), None, Some(1.9)]);
    let [c] = claims.as_slice() else {
        panic!("one claim: {claims:?}");
    };
    assert_eq!((c.verdict, c.free_cores), (Verdict::Skipped, None));
}
