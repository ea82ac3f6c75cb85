//! Answering the book's examples: each one from the result cache or by a
//! run in the sandbox, scheduled so a comparison's members run interleaved.

use std::collections::HashSet;
use std::time::Duration;

use super::{BuildOptions, ExampleCounts, Progress, ProgressEvent, Rerun};
use crate::config::Config;
use crate::diag::{Diagnostic, Span};
use crate::execute::cache::{Lookup, ResultCache, cache_key};
use crate::execute::machine::Fingerprint;
use crate::execute::{self, Job, RunResult};
use crate::markdown::Document;
use crate::render;

/// The examples that run, with their results (from the cache or a fresh
/// run), and the examples that could not become jobs.
pub(super) struct Answered<'a> {
    pub jobs: Vec<Job<'a>>,
    pub results: Vec<RunResult>,
    pub broken: Vec<(execute::ExampleAt, String)>,
    pub counts: ExampleCounts,
    /// Where the examples ran, when they did.
    pub machine: Option<Fingerprint>,
    /// Each job's result cache key (empty when examples cannot run), so
    /// a failed claim can mark the results it was judged on.
    pub keys: Vec<String>,
}

/// Answers every example (that `options.filter` selects) from the cache or
/// by running it. Problems that stop examples from running at all go to
/// `diags`; then `jobs` may have no results.
pub(super) fn answer_examples<'a>(
    config: &Config,
    options: &BuildOptions,
    docs: &'a [Document],
    diags: &mut Vec<Diagnostic>,
) -> Answered<'a> {
    let run = &config.run;
    let mut answered = Answered {
        jobs: Vec::new(),
        results: Vec::new(),
        broken: Vec::new(),
        counts: ExampleCounts::default(),
        machine: None,
        keys: Vec::new(),
    };
    for job in execute::jobs(docs, &run.limits) {
        match job {
            Ok(job) if selected(options, &job) => answered.jobs.push(job),
            Ok(_) => {}
            Err((at, message)) => answered.broken.push((at, message)),
        }
    }
    let (counts, results, machine, keys) = answer_jobs(config, options, &answered.jobs, diags);
    answered.counts = counts;
    answered.results = results;
    answered.machine = machine;
    answered.keys = keys;
    answered
}

fn selected(options: &BuildOptions, job: &Job<'_>) -> bool {
    if let Some(ids) = &options.only_ids {
        return id_of(job).is_some_and(|id| ids.iter().any(|i| i == id));
    }
    let Some(pattern) = &options.filter else {
        return true;
    };
    id_of(job).is_some_and(|id| id.contains(pattern.as_str()))
        || job.place().contains(pattern.as_str())
}

/// The results of `jobs`, in their order; empty when examples cannot run.
fn answer_jobs(
    config: &Config,
    options: &BuildOptions,
    jobs: &[Job<'_>],
    diags: &mut Vec<Diagnostic>,
) -> (
    ExampleCounts,
    Vec<RunResult>,
    Option<Fingerprint>,
    Vec<String>,
) {
    let run = &config.run;
    let mut counts = ExampleCounts::default();
    let none = (counts, Vec::new(), None, Vec::new());
    if jobs.is_empty() {
        return none;
    }
    if let Rerun::Ids(ids) = &options.rerun {
        let known: HashSet<&str> = jobs.iter().filter_map(|j| id_of(j)).collect();
        for id in ids.iter().filter(|id| !known.contains(id.as_str())) {
            diags.push(
                Diagnostic::error(format!("`--rerun {id}`: no example that runs has this id"), None)
                    .with_help("give the id of an example (`id=NAME` in its fence), or `--rerun` alone for all"),
            );
        }
        if has_errors_in(diags) {
            return none;
        }
    }
    let book_toml = Some(Span::file(config.root.join(crate::config::CONFIG_FILE)));
    let Some(launcher) = &options.launcher else {
        diags.push(Diagnostic::error(
            "examples cannot run: no sandbox launcher was given to the build",
            None,
        ));
        return none;
    };
    // The cache folder is part of the book, which may come from anyone:
    // it must be a real folder (checked before the virtual environment
    // goes into it), and only results signed with the user's own secret
    // are trusted.
    let cache = match ResultCache::open(&run.cache_dir) {
        Ok(c) => c,
        Err(e) => {
            let help = e.help();
            diags.push(
                Diagnostic::error(format!("the result cache cannot be used: {e}"), None)
                    .with_help(help),
            );
            return none;
        }
    };
    let mut say = |line: &str| Progress::tell(options, ProgressEvent::Note(line));
    let python = match execute::python::provision(
        &run.interpreter,
        run.requirements.as_deref(),
        &run.cache_dir,
        &mut say,
    ) {
        Ok(p) => p,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("examples cannot run: {e}"), book_toml).with_help(
                    match e {
                        execute::python::PythonError::Requirements { .. } => {
                            "fix `requirements` under [proofbook.python]: the path is relative to the book's root"
                        }
                        execute::python::PythonError::Setup { .. } => {
                            "fix the requirements file (pip's output is above), or check that the interpreter has the venv module"
                        }
                        _ => {
                            "install Python 3 or set `interpreter` under [proofbook.python]; \
                             or set `examples = false` under [proofbook.run] to build without running"
                        }
                    },
                ),
            );
            return none;
        }
    };
    // Nothing runs while the examples folder holds what must not be mounted.
    let refused = config
        .confine
        .tree_problems(&config.root.join(crate::config::EXAMPLES_DIR));
    if !refused.is_empty() {
        diags.extend(refused);
        return none;
    }
    let probe = execute::Probe::detect();
    let examples_dir = execute::examples_dir(&config.confine);
    let mut sandbox = match execute::Sandbox::new(
        launcher.clone(),
        python,
        examples_dir.as_deref(),
        run.limits,
        &probe,
        &run.allow_missing,
    ) {
        Ok(s) => s,
        Err(e) => {
            diags.push(
                Diagnostic::error(format!("examples will not run unprotected: {e}"), book_toml)
                    .with_help(
                        "run `proofbook doctor` for details; to run without it anyway, add \
                         `allow-missing = [\"NAME\"]` under [proofbook.sandbox] in book.toml",
                    ),
            );
            return none;
        }
    };
    for (protection, why) in probe.missing() {
        diags.push(Diagnostic::warning(
            format!(
                "examples run without {} (allowed by book.toml): {why}",
                protection.name()
            ),
            book_toml.clone(),
        ));
    }

    // Answer what the cache can; run the rest.
    let policy = sandbox.policy_key();
    let mut keys = Vec::with_capacity(jobs.len());
    let mut answered: Vec<Option<RunResult>> = Vec::with_capacity(jobs.len());
    let keys_alone: Vec<String> = jobs
        .iter()
        .map(|job| {
            // A benchmark's repeats are part of what it measured.
            let bench = job.spec.bench;
            let policy = format!("{policy}|{bench:?}");
            cache_key(
                &job.program,
                job.timeout.as_nanos(),
                &policy,
                examples_dir.as_deref(),
            )
        })
        .collect();
    let group_of = |i: usize| jobs[i].spec.group.as_ref().map(|g| g.name.as_str());
    // The members of a group are measured together, so each one's key
    // covers them all: changing one re-runs the comparison.
    let mut members: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (i, key) in keys_alone.iter().enumerate() {
        if let Some(name) = group_of(i) {
            members.entry(name).or_default().push(key);
        }
    }
    let group_keys: std::collections::HashMap<&str, String> = members
        .iter()
        .map(|(name, keys)| {
            (
                *name,
                cache_key(&keys.join("|"), 0, &format!("group {name}"), None),
            )
        })
        .collect();
    for (i, job) in jobs.iter().enumerate() {
        let key = match group_of(i) {
            Some(name) => format!("{}-{}", group_keys[name], &keys_alone[i][..16]),
            None => keys_alone[i].clone(),
        };
        let wanted_fresh = match &options.rerun {
            Rerun::None => false,
            Rerun::All => true,
            Rerun::Ids(ids) => id_of(job).is_some_and(|id| ids.iter().any(|i| i == id)),
        };
        let found = if wanted_fresh {
            None
        } else {
            // Without the means to run, a doubted result is all there is.
            let keep_failed = options.keep_failed || options.offline_results;
            match cache.load_for_build(&key, keep_failed) {
                Lookup::Hit(c) => {
                    let mut record = c.record;
                    record.from_cache = true;
                    // Best effort: it only lets `serve` show this result
                    // while a later version of the example runs.
                    let _ = cache.set_latest(&identity(jobs, i), &key);
                    Some(Ok(record))
                }
                Lookup::Miss => None,
                Lookup::Doubted(claim) => {
                    let line = format!(
                        "{} runs again: the claim at {claim} failed on its last result",
                        job.place()
                    );
                    Progress::tell(options, ProgressEvent::Note(&line));
                    None
                }
                Lookup::Untrusted(why) => {
                    diags.push(Diagnostic::warning(
                        format!(
                            "the cached result of {} cannot be trusted, so it runs again: {why}",
                            name_of(job)
                        ),
                        job.block.span.clone(),
                    ));
                    None
                }
            }
        };
        if found.is_none() && options.offline_results {
            diags.push(
                Diagnostic::error(
                    format!("{} has no cached result", name_of(job)),
                    job.block.span.clone(),
                )
                .with_help("build once without `--offline-results` to run it"),
            );
        }
        keys.push(key);
        answered.push(found);
    }
    if has_errors_in(diags) {
        return none;
    }
    whole_groups(&mut answered, &group_of);
    if options.pending {
        show_earlier_results(&cache, jobs, &mut answered, &group_of);
    }
    let to_run: Vec<usize> = (0..jobs.len()).filter(|&i| answered[i].is_none()).collect();
    counts.pending = answered
        .iter()
        .filter(|a| matches!(a, Some(Ok(r)) if r.stale))
        .count();
    counts.cached = jobs.len() - to_run.len() - counts.pending;
    counts.ran = to_run.len();
    let (bench_idx, plain_idx): (Vec<usize>, Vec<usize>) =
        to_run.iter().partition(|&&i| jobs[i].spec.bench.is_some());
    let plain: Vec<&Job<'_>> = plain_idx.iter().map(|&i| &jobs[i]).collect();
    let benches: Vec<&Job<'_>> = bench_idx.iter().map(|&i| &jobs[i]).collect();
    let threads = options.jobs.unwrap_or_else(execute::usable_cores);
    // Limits the book left at their defaults are cut quietly; one it set
    // itself is worth a word.
    // No more slots than examples to run at once: fewer slots leave each
    // a larger share of the host's tables.
    for cut in sandbox.plan_slots(threads.min(plain.len()).max(1)) {
        if run.limits_set.contains(&cut.limit.key()) {
            diags.push(
                Diagnostic::warning(
                    format!(
                        "`{} = {}` under [proofbook.run] is lowered to {} for this build: {}",
                        cut.limit.key(),
                        cut.from,
                        cut.to,
                        cut.because
                    ),
                    book_toml.clone(),
                )
                .with_help(
                    "run fewer examples at once (`-j N`), or set a lower limit in book.toml",
                ),
            );
        }
    }
    let started = |job: &Job<'_>| {
        Progress::tell(
            options,
            ProgressEvent::Started {
                place: &job.place(),
            },
        );
    };
    let done = |job: &Job<'_>, result: &RunResult| {
        let place = job.place();
        let line = match result {
            Ok(r) => format!(
                "ran {place} in {}: {}",
                render::run::seconds(r.wall.as_secs_f64()),
                r.describe_outcome()
            ),
            Err(e) => format!("could not run {place}: {e}"),
        };
        Progress::tell(
            options,
            ProgressEvent::Finished {
                place: &place,
                line: &line,
            },
        );
    };
    let watch = execute::Watch {
        started: &started,
        done: &done,
    };
    Progress::tell(
        options,
        ProgressEvent::Plan {
            run: to_run.len(),
            cached: counts.cached,
            expected: expected_duration(&cache, jobs, &plain_idx, &bench_idx, threads),
        },
    );
    // Examples in parallel first; then benchmarks, alone.
    let mut fresh = execute::run_all(&sandbox, &plain, threads, &watch);
    fresh.extend(execute::bench::run_benchmarks(&sandbox, &benches, &watch));
    let fingerprint = Fingerprint::detect(sandbox.python());
    let machine = fingerprint.summary();
    for (&i, result) in plain_idx.iter().chain(&bench_idx).zip(fresh) {
        // Only results that match their example are kept: a failure that
        // stops the build should run again once the author fixed it.
        if let Ok(record) = &result {
            let spec = jobs[i].spec;
            if execute::as_expected(spec.expect, record)
                && record.metrics_error.is_none()
                && let Err(e) = cache
                    .store(&keys[i], record, record.started_unix, &machine)
                    .and_then(|()| cache.set_latest(&identity(jobs, i), &keys[i]))
            {
                diags.push(Diagnostic::warning(
                    format!(
                        "cannot store a result in the cache {}: {e}",
                        cache.dir().display()
                    ),
                    None,
                ));
            }
        }
        answered[i] = Some(result);
    }
    let results: Vec<RunResult> = answered
        .into_iter()
        .map(|r| r.expect("every job is answered"))
        .collect();
    (counts, results, Some(fingerprint), keys)
}

/// `--pending` (serve's first pass): an example that would run shows its
/// newest earlier result instead, marked stale, when it has one; a group
/// does so only when every member can (its members are measured together).
fn show_earlier_results<'g>(
    cache: &ResultCache,
    jobs: &[Job<'_>],
    answered: &mut [Option<RunResult>],
    group_of: &impl Fn(usize) -> Option<&'g str>,
) {
    for (i, answer) in answered.iter_mut().enumerate() {
        if answer.is_none()
            && let Some(mut record) = cache.latest(&identity(jobs, i))
        {
            record.stale = true;
            *answer = Some(Ok(record));
        }
    }
    whole_groups(answered, group_of);
}

/// A group runs whole or not at all (its ratios are taken round by round):
/// when one member must run, every member does.
fn whole_groups<'g>(
    answered: &mut [Option<RunResult>],
    group_of: &impl Fn(usize) -> Option<&'g str>,
) {
    for i in 0..answered.len() {
        if let Some(name) = group_of(i)
            && (0..answered.len()).any(|j| group_of(j) == Some(name) && answered[j].is_none())
        {
            answered[i] = None;
        }
    }
}

/// How long running `plain` on `threads` threads and then `benches` one at
/// a time should take, from each example's newest earlier run (an example
/// that never ran counts as the median of those that did).
fn expected_duration(
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
fn identity(jobs: &[Job<'_>], i: usize) -> String {
    let job = &jobs[i];
    let file = job
        .block
        .span
        .as_ref()
        .map(|s| s.file.display().to_string())
        .unwrap_or_default();
    match id_of(job) {
        Some(id) => format!("{file}#{}#{id}", job.at.doc),
        None => {
            // Among the page's examples, so a code block added above
            // (not an example) does not rename it.
            let ordinal = jobs[..i].iter().filter(|j| j.at.doc == job.at.doc).count();
            format!("{file}#{}#example-{ordinal}", job.at.doc)
        }
    }
}

fn id_of<'a>(job: &'a Job<'_>) -> Option<&'a str> {
    job.spec.id.as_deref()
}

pub(super) fn name_of(job: &Job<'_>) -> String {
    id_of(job).map_or_else(|| "the example".into(), |id| format!("example `{id}`"))
}

fn has_errors_in(diags: &[Diagnostic]) -> bool {
    crate::diag::has_errors(diags)
}
