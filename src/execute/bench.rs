//! Benchmarks: examples with `repeat=N` run warm-up plus N counted times,
//! alone (nothing else runs meanwhile), and the members of a comparison
//! group run interleaved, A B C A B C …, so every round of the comparison
//! sees the same machine noise and ratios can be taken round by round.
//!
//! A benchmark's `RunRecord` is its last counted run (output, status) with
//! every counted run's figures in `samples`. A run that does not end as the
//! example says stops that example's repeats; its record is that run.

use crate::execute::record::Sample;
use crate::execute::{Job, RunResult, Sandbox, Watch, as_expected};
use crate::markdown::example::Bench;

/// Runs the benchmark `jobs` one at a time, groups interleaved; results
/// come back in the jobs' order. `watch` hears each job start and finish.
pub fn run_benchmarks(sandbox: &Sandbox, jobs: &[&Job<'_>], watch: &Watch<'_>) -> Vec<RunResult> {
    let mut results: Vec<Option<RunResult>> = vec![None; jobs.len()];
    for unit in units(jobs) {
        for &i in &unit {
            (watch.started)(jobs[i]);
        }
        // A group runs its largest warm-up and repeat for every member, so
        // rounds line up.
        let bench = Bench {
            repeat: unit
                .iter()
                .map(|&i| bench_of(jobs[i]).repeat)
                .max()
                .unwrap_or(1),
            warmup: unit
                .iter()
                .map(|&i| bench_of(jobs[i]).warmup)
                .max()
                .unwrap_or(0),
        };
        let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); unit.len()];
        let mut stopped = vec![false; unit.len()];
        for round in 0..bench.warmup + bench.repeat {
            for (k, &i) in unit.iter().enumerate() {
                if stopped[k] {
                    continue;
                }
                let job = jobs[i];
                let result = crate::execute::run_job(sandbox, job);
                let good = matches!(&result, Ok(r) if as_expected(job.spec.expect, r) && r.metrics_error.is_none());
                if let Ok(r) = &result
                    && good
                    && round >= bench.warmup
                {
                    samples[k].push(Sample::of(r));
                }
                if !good || round + 1 == bench.warmup + bench.repeat {
                    stopped[k] = !good;
                    results[i] = Some(result);
                }
            }
        }
        for (k, &i) in unit.iter().enumerate() {
            let result = results[i].take().expect("every member ran at least once");
            let result = result.map(|mut r| {
                if !stopped[k] {
                    r.samples = std::mem::take(&mut samples[k]);
                }
                r
            });
            (watch.done)(jobs[i], &result);
            results[i] = Some(result);
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every benchmark is answered"))
        .collect()
}

fn bench_of(job: &Job<'_>) -> Bench {
    job.spec.bench.unwrap_or(Bench {
        repeat: 1,
        warmup: 0,
    })
}

/// The jobs in units that run together: each group's members (in book
/// order), and each lone benchmark, in the order their first job appears.
fn units(jobs: &[&Job<'_>]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut groups: Vec<(&str, usize)> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        match &job.spec.group {
            Some(g) => match groups.iter().find(|(name, _)| *name == g.name) {
                Some(&(_, unit)) => out[unit].push(i),
                None => {
                    groups.push((&g.name, out.len()));
                    out.push(vec![i]);
                }
            },
            None => out.push(vec![i]),
        }
    }
    out
}
