//! Which examples the result cache answers. Each job gets its key
//! (`job_keys`: a comparison group's members share the group's, since they
//! are measured together), then a look-up (`look_up`), then the rule that
//! a group runs whole or not at all (`whole_groups`). `cache.rs` is the
//! storage these read.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use crate::diag::Diagnostic;
use crate::execute::cache::{Lookup, ResultCache, cache_key};
use crate::execute::{Job, RunResult};

/// Each job's cache key, in the jobs' order. A group member's key starts
/// with the group's (over every member's own key), so changing one member
/// runs the whole comparison again. `interpreter` gives a named
/// interpreter's identity (its binary, version and environment), so a run
/// under `3.13t` is never answered by one under `3.13`, and a rebuilt 3.13t
/// runs its examples again.
pub fn job_keys(
    jobs: &[Job<'_>],
    policy: &str,
    interpreter: &dyn Fn(&str) -> String,
    examples: Option<&Path>,
) -> Vec<String> {
    let alone: Vec<String> = jobs
        .iter()
        .map(|job| {
            // A benchmark's repeats are part of what it measured.
            let policy = format!("{policy}|{:?}", job.spec.bench);
            // Its own limits change what it can start and open.
            let policy = match job.spec.asks {
                asks if asks.any() => format!("{policy}|{asks:?}"),
                _ => policy,
            };
            // Declared data files: their content is part of what it read.
            let policy = match crate::execute::data_files::digest(&job.block.data_files) {
                files if files.is_empty() => policy,
                files => format!("{policy}|files {files}"),
            };
            // Its own packages (PEP 723), when it names any.
            let script = job.block.script.as_ref().map(|s| &s.meta);
            let policy = match crate::execute::envs::key_part(script) {
                packages if packages.is_empty() => policy,
                packages => format!("{policy}|{packages}"),
            };
            let policy = match job.python {
                Some(name) => format!("{policy}|python {name} {}", interpreter(name)),
                None => policy,
            };
            cache_key(&job.program, job.timeout.as_nanos(), &policy, examples)
        })
        .collect();
    let mut members: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (i, key) in alone.iter().enumerate() {
        if let Some(name) = group_of(jobs, i) {
            members.entry(name).or_default().push(key);
        }
    }
    let group_keys: HashMap<&str, String> = members
        .iter()
        .map(|(name, keys)| {
            let key = cache_key(&keys.join("|"), 0, &format!("group {name}"), None);
            (*name, key)
        })
        .collect();
    alone
        .iter()
        .enumerate()
        .map(|(i, own)| match group_of(jobs, i) {
            Some(name) => format!("{}-{}", group_keys[name], &own[..16]),
            None => own.clone(),
        })
        .collect()
}

/// What a build asks of the cache.
pub struct Ask<'a> {
    /// Jobs that run again whatever the cache holds (`--rerun`).
    pub fresh: &'a dyn Fn(&Job<'_>) -> bool,
    /// A job without a result is an error (`--offline-results`).
    pub offline: bool,
    /// Results a failed claim was judged on answer too (`--keep-failed`);
    /// otherwise they run again.
    pub keep_failed: bool,
    /// Hears why a result runs again although the cache has it.
    pub note: &'a dyn Fn(&str),
}

/// Each job's result from the cache, `None` where it must run: asked to
/// run again (`ask.fresh`), not in the cache, doubted by a failed claim,
/// or not to be trusted (a warning at its fence says why). With
/// `ask.offline`, a job without a result is an error at its fence.
pub fn look_up(
    cache: &ResultCache,
    jobs: &[Job<'_>],
    keys: &[String],
    ask: &Ask<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Option<RunResult>> {
    let mut found = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let answer = if (ask.fresh)(job) {
            None
        } else {
            look_up_one(cache, jobs, i, &keys[i], ask, diags)
        };
        if answer.is_none() && ask.offline {
            diags.push(
                Diagnostic::error(
                    format!("{} has no cached result", job.name()),
                    job.block.span.clone(),
                )
                .with_help("build once without `--offline-results` to run it"),
            );
        }
        found.push(answer);
    }
    found
}

fn look_up_one(
    cache: &ResultCache,
    jobs: &[Job<'_>],
    i: usize,
    key: &str,
    ask: &Ask<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<RunResult> {
    let job = &jobs[i];
    match cache.load_for_build(key, ask.keep_failed) {
        Lookup::Hit(c) => {
            let mut record = c.record;
            record.from_cache = true;
            // Best effort: it only lets `serve` show this result while a
            // later version of the example runs.
            let _ = cache.set_latest(&identity(jobs, i), key);
            Some(Ok(record))
        }
        Lookup::Miss => None,
        Lookup::Doubted(claim) => {
            let line = format!(
                "{} runs again: the claim at {claim} failed on its last result",
                job.place()
            );
            (ask.note)(&line);
            None
        }
        Lookup::Untrusted(why) => {
            diags.push(Diagnostic::warning(
                format!(
                    "the cached result of {} cannot be trusted, so it runs again: {why}",
                    job.name()
                ),
                job.block.span.clone(),
            ));
            None
        }
    }
}

/// A group runs whole or not at all (its ratios are taken round by round):
/// when one member must run, every member does.
pub fn whole_groups(jobs: &[Job<'_>], answered: &mut [Option<RunResult>]) {
    for i in 0..answered.len() {
        if let Some(name) = group_of(jobs, i)
            && (0..answered.len()).any(|j| group_of(jobs, j) == Some(name) && answered[j].is_none())
        {
            answered[i] = None;
        }
    }
}

/// `--pending` (serve's first pass): an example that would run shows its
/// newest earlier result instead, marked stale, when it has one; a group
/// does so only when every member can (its members are measured together).
pub fn show_earlier_results(
    cache: &ResultCache,
    jobs: &[Job<'_>],
    answered: &mut [Option<RunResult>],
) {
    for (i, answer) in answered.iter_mut().enumerate() {
        if answer.is_none()
            && let Some(mut record) = cache.latest(&identity(jobs, i))
        {
            record.stale = true;
            *answer = Some(Ok(record));
        }
    }
    whole_groups(jobs, answered);
}

/// Stores a fresh result under its key, and as its example's newest, when
/// it may answer the next build: only results that match their example
/// are kept, so a failure that stops the build runs again once fixed.
pub fn store(
    cache: &ResultCache,
    jobs: &[Job<'_>],
    i: usize,
    key: &str,
    result: &RunResult,
    machine: &str,
) -> std::io::Result<()> {
    match result {
        Ok(record)
            if crate::execute::as_expected(jobs[i].spec.expect, record)
                && record.metrics_error.is_none() =>
        {
            cache
                .store(key, record, record.started_unix, machine)
                .and_then(|()| cache.set_latest(&identity(jobs, i), key))
        }
        _ => Ok(()),
    }
}

/// How long running `plain` on `threads` threads and then `benches` one at
/// a time should take, from each example's newest earlier run (an example
/// that never ran counts as the median of those that did).
pub fn expected_duration(
    cache: &ResultCache,
    jobs: &[Job<'_>],
    plain: &[usize],
    benches: &[usize],
    threads: usize,
) -> Option<Duration> {
    let earlier = |i: usize| {
        let record = cache.latest(&identity(jobs, i))?;
        let runs = jobs[i].spec.bench.map_or(1, |b| b.repeat + b.warmup).max(1);
        Some(record.wall * runs)
    };
    let plain_known: Vec<Option<Duration>> = plain.iter().map(|&i| earlier(i)).collect();
    let bench_known: Vec<Option<Duration>> = benches.iter().map(|&i| earlier(i)).collect();
    let mut known: Vec<Duration> = plain_known
        .iter()
        .chain(&bench_known)
        .flatten()
        .copied()
        .collect();
    if known.is_empty() {
        return None;
    }
    known.sort();
    let typical = known[known.len() / 2];
    let total =
        |all: &[Option<Duration>]| -> Duration { all.iter().map(|d| d.unwrap_or(typical)).sum() };
    // In parallel, no sooner than the longest of them.
    let longest = plain_known
        .iter()
        .map(|d| d.unwrap_or(typical))
        .max()
        .unwrap_or_default();
    let parallel = (total(&plain_known) / threads.max(1) as u32).max(longest);
    Some(parallel + total(&bench_known))
}

/// What stays the same when an example's program changes: its chapter
/// and its id, or its place among the chapter's code blocks.
pub fn identity(jobs: &[Job<'_>], i: usize) -> String {
    let job = &jobs[i];
    let file = job
        .block
        .span
        .as_ref()
        .map(|s| s.file.display().to_string())
        .unwrap_or_default();
    let own = match job.spec.id.as_deref() {
        Some(id) => format!("{file}#{}#{id}", job.at.doc),
        // Among the page's examples, so a code block added above (not an
        // example) does not rename it, nor does `--filter` or a shard.
        None => format!("{file}#{}#example-{}", job.at.doc, job.ordinal),
    };
    // One run per interpreter of a matrix: `shard::unit_key` drops this
    // suffix to keep them on one shard.
    match job.python {
        Some(name) => format!("{own}@{name}"),
        None => own,
    }
}

fn group_of<'j>(jobs: &'j [Job<'_>], i: usize) -> Option<&'j str> {
    jobs[i].spec.group.as_ref().map(|g| g.name.as_str())
}
