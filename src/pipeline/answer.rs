//! Answering the book's examples: each one from the result cache or by a
//! run in the sandbox, scheduled so a comparison's members run interleaved.

use std::collections::HashSet;

use super::{BuildOptions, ExampleCounts, Progress, ProgressEvent, Rerun};
use crate::config::Config;
use crate::diag::{Diagnostic, Span};
use crate::execute::budget::Lowered;
use crate::execute::cache::ResultCache;
use crate::execute::lookup;
use crate::execute::machine::Fingerprint;
use crate::execute::runner::{Recorded, Runner};
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
    /// Where each job ran, when that differs between them (results from
    /// the bundles of shards on several machines); else empty.
    pub machines: Vec<Fingerprint>,
    /// Each job's result cache key (empty when examples cannot run), so
    /// a failed claim can mark the results it was judged on.
    pub keys: Vec<String>,
    /// With `--shard`: the plan, and what was left to the other shards.
    pub shard: Option<super::shard::ShardPart>,
    /// With `--shard`: the bundle, once this run has written it.
    pub bundle: Option<std::path::PathBuf>,
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
        machines: Vec::new(),
        keys: Vec::new(),
        shard: None,
        bundle: None,
    };
    for job in execute::jobs(docs, &run.limits) {
        match job {
            Ok(job) if selected(options, &job) => answered.jobs.push(job),
            Ok(_) => {}
            Err((at, message)) => answered.broken.push((at, message)),
        }
    }
    if let Some(run) = &options.shard {
        take_shard(config, run, &mut answered);
        if let Some(part) = &answered.shard {
            let line = super::shard::describe(part, answered.jobs.len());
            Progress::tell(options, ProgressEvent::Note(&line));
        }
    }
    let answers = answer_jobs(config, options, &answered.jobs, diags);
    if let (Some(run), Some(part)) = (&options.shard, &answered.shard)
        && answers.results.len() == answered.jobs.len()
    {
        match super::shard::write_bundle(
            config,
            run,
            part,
            &answered.jobs,
            (&answers.results, &answers.keys, answers.machine.as_ref()),
        ) {
            Ok(()) => answered.bundle = Some(run.bundle.clone()),
            Err(why) => diags.push(
                Diagnostic::error(
                    format!("cannot write the bundle {}: {why}", run.bundle.display()),
                    None,
                )
                .with_help("give `--bundle PATH` a file in a folder you can write"),
            ),
        }
    }
    answered.counts = answers.counts;
    answered.results = answers.results;
    answered.machine = answers.machine;
    answered.machines = answers.machines;
    answered.keys = answers.keys;
    answered
}

/// `--shard K/N`: keeps this shard's jobs; examples that could not become
/// jobs are reported by the first shard alone.
fn take_shard(config: &Config, run: &super::shard::ShardRun, answered: &mut Answered<'_>) {
    // Durations balance the plan when the cache has them; without a
    // cache the plan is by count, as on every other shard without one.
    let cache = ResultCache::open(&config.run.cache_dir).ok();
    let jobs = std::mem::take(&mut answered.jobs);
    let (mine, part) = super::shard::take_part(config, run.spec, jobs, cache.as_ref());
    answered.jobs = mine;
    answered.shard = Some(part);
    if run.spec.index != 1 {
        answered.broken.clear();
    }
}

fn selected(options: &BuildOptions, job: &Job<'_>) -> bool {
    if let Some(ids) = &options.only_ids {
        return id_of(job).is_some_and(|id| ids.iter().any(|i| i == id));
    }
    let Some(pattern) = &options.filter else {
        return true;
    };
    job.id().is_some_and(|id| id.contains(pattern.as_str()))
        || job.place().contains(pattern.as_str())
}

/// What answering the jobs gave; all empty when examples cannot run.
#[derive(Default)]
pub(super) struct Answers {
    pub counts: ExampleCounts,
    /// A result per job, in order.
    pub results: Vec<RunResult>,
    /// Where the examples ran.
    pub machine: Option<Fingerprint>,
    /// Where each job ran, from bundles (else empty).
    pub machines: Vec<Fingerprint>,
    /// Each job's cache key, so a failed claim can mark the results it
    /// was judged on.
    pub keys: Vec<String>,
}

/// The results of `jobs`, in their order, from the cache or the sandbox;
/// empty when examples cannot run (the reasons are in `diags`).
fn answer_jobs(
    config: &Config,
    options: &BuildOptions,
    jobs: &[Job<'_>],
    diags: &mut Vec<Diagnostic>,
) -> Answers {
    let none = Answers::default();
    if jobs.is_empty() || !rerun_ids_known(options, jobs, diags) {
        return none;
    }
    if let Some(bundles) = &options.bundles {
        return super::shard::answer_from_bundles(config, bundles, jobs, diags).map_or_else(
            Answers::default,
            |a| Answers {
                counts: ExampleCounts {
                    cached: jobs.len(),
                    ..ExampleCounts::default()
                },
                results: a.results,
                machine: a.machine,
                machines: a.machines,
                keys: a.cache_keys,
            },
        );
    }
    if let Some(recorded) = &options.recorded {
        return answer_from_records(recorded, config, options, jobs, diags);
    }
    let Some(launcher) = &options.launcher else {
        diags.push(Diagnostic::error(
            "examples cannot run: no sandbox launcher was given to the build",
            None,
        ));
        return none;
    };
    let Some(cache) = open_cache(config, diags) else {
        return none;
    };
    let mut say = |line: &str| Progress::tell(options, ProgressEvent::Note(line));
    match execute::setup::sandbox(config, launcher, &mut say) {
        Ok((mut sandbox, warnings)) => {
            // An error here (a named interpreter whose environment could
            // not be made) fails that interpreter's runs only: the others
            // are answered, and cached, first.
            let (errors, warnings): (Vec<_>, Vec<_>) =
                warnings.into_iter().partition(Diagnostic::is_error);
            diags.extend(warnings);
            let at = Answering {
                config,
                options,
                cache: &cache,
            };
            let answers = answer_with(Runner::Sandbox(&mut sandbox), &at, jobs, diags);
            diags.extend(errors);
            answers
        }
        Err(errors) => {
            diags.extend(errors);
            none
        }
    }
}

/// `BuildOptions::recorded`: the cache (signed with the records' own
/// secret when they bring one), then the records, never the sandbox.
fn answer_from_records(
    recorded: &Recorded,
    config: &Config,
    options: &BuildOptions,
    jobs: &[Job<'_>],
    diags: &mut Vec<Diagnostic>,
) -> Answers {
    let cache = match &recorded.cache_secret {
        Some(secret) => ResultCache::with_secret(&config.run.cache_dir, secret.clone()),
        None => match open_cache(config, diags) {
            Some(cache) => cache,
            None => return Answers::default(),
        },
    };
    let at = Answering {
        config,
        options,
        cache: &cache,
    };
    answer_with(Runner::Recorded(recorded), &at, jobs, diags)
}

/// `--rerun ID…` names only examples that run; false (with an error for
/// each unknown id) when it does not.
fn rerun_ids_known(options: &BuildOptions, jobs: &[Job<'_>], diags: &mut Vec<Diagnostic>) -> bool {
    let Rerun::Ids(ids) = &options.rerun else {
        return true;
    };
    let runs: Vec<String> = jobs.iter().filter_map(Job::id).collect();
    let known: HashSet<&str> = jobs
        .iter()
        .filter_map(|j| id_of(j))
        .chain(runs.iter().map(String::as_str))
        .collect();
    for id in ids.iter().filter(|id| !known.contains(id.as_str())) {
        diags.push(
            Diagnostic::error(
                format!("`--rerun {id}`: no example that runs has this id"),
                None,
            )
            .with_help(
                "give the id of an example (`id=NAME` in its fence), or `--rerun` alone for all",
            ),
        );
    }
    !has_errors_in(diags)
}

/// The book's result cache. Its folder is part of the book, which may come
/// from anyone: it must be a real folder (checked before the virtual
/// environment goes into it), and only results signed with the user's own
/// secret are trusted.
fn open_cache(config: &Config, diags: &mut Vec<Diagnostic>) -> Option<ResultCache> {
    ResultCache::open(&config.run.cache_dir)
        .map_err(|e| {
            let help = e.help();
            diags.push(
                Diagnostic::error(format!("the result cache cannot be used: {e}"), None)
                    .with_help(help),
            );
        })
        .ok()
}

/// What every step of answering reads.
pub(super) struct Answering<'a> {
    pub config: &'a Config,
    pub options: &'a BuildOptions,
    pub cache: &'a ResultCache,
}

/// Answers `jobs` from the cache where it can and from `runner` otherwise,
/// storing the fresh results that may answer the next build. This is the
/// seam tests drive with recorded runs.
pub(super) fn answer_with(
    mut runner: Runner<'_>,
    at: &Answering<'_>,
    jobs: &[Job<'_>],
    diags: &mut Vec<Diagnostic>,
) -> Answers {
    let examples = execute::examples_dir(&at.config.confine);
    let keys = lookup::job_keys(
        jobs,
        &runner.policy_key(),
        &|name| runner.interpreter_key(name),
        examples.as_deref(),
    );
    let Some(mut answered) = from_cache(at, jobs, &keys, diags) else {
        return Answers::default();
    };
    let to_run: Vec<usize> = (0..jobs.len()).filter(|&i| answered[i].is_none()).collect();
    let pending = answered
        .iter()
        .filter(|a| matches!(a, Some(Ok(r)) if r.stale))
        .count();
    let mut counts = ExampleCounts {
        pending,
        cached: jobs.len() - to_run.len() - pending,
        ran: to_run.len(),
        ..ExampleCounts::default()
    };
    let fresh = run_fresh(&mut runner, at, jobs, &to_run, counts.cached, diags);
    // A run under an interpreter this machine lacks did not run.
    counts.ran -= fresh
        .iter()
        .filter(|(_, r)| matches!(r, Err(e) if execute::named::is_not_here(e)))
        .count();
    let machine = runner.machine();
    let summary = machine.summary();
    // A shard leaves the cache as it found it: its durations are what
    // every shard plans from, and must not move between one shard and the
    // next run from the same folder. Its bundle seeds a cache instead.
    let store = at.options.shard.is_none();
    for (i, result) in fresh {
        if store && let Err(e) = lookup::store(at.cache, jobs, i, &keys[i], &result, &summary) {
            diags.push(Diagnostic::warning(
                format!(
                    "cannot store a result in the cache {}: {e}",
                    at.cache.dir().display()
                ),
                None,
            ));
        }
        answered[i] = Some(result);
    }
    let results = answered
        .into_iter()
        .map(|r| r.expect("every job is answered"))
        .collect();
    Answers {
        counts,
        results,
        machine: Some(machine),
        machines: Vec::new(),
        keys,
    }
}

/// Each job's answer from the cache (`None`: it runs), groups made whole;
/// `None` when a look-up was an error (`--offline-results`).
fn from_cache(
    at: &Answering<'_>,
    jobs: &[Job<'_>],
    keys: &[String],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Option<RunResult>>> {
    let options = at.options;
    let fresh = |job: &Job<'_>| match &options.rerun {
        Rerun::None => false,
        Rerun::All => true,
        // `ID` runs every interpreter's run of it, `ID@NAME` one.
        Rerun::Ids(ids) => {
            let run = job.id();
            id_of(job).is_some_and(|id| ids.iter().any(|i| i == id || Some(i) == run.as_ref()))
        }
    };
    let note = |line: &str| Progress::tell(options, ProgressEvent::Note(line));
    let ask = lookup::Ask {
        fresh: &fresh,
        offline: options.offline_results,
        // Without the means to run, a doubted result is all there is.
        keep_failed: options.keep_failed || options.offline_results,
        note: &note,
    };
    let mut answered = lookup::look_up(at.cache, jobs, keys, &ask, diags);
    if has_errors_in(diags) {
        return None;
    }
    lookup::whole_groups(jobs, &mut answered);
    if options.pending {
        lookup::show_earlier_results(at.cache, jobs, &mut answered);
    }
    Some(answered)
}

/// Runs the jobs numbered `to_run`: examples in parallel first, then
/// benchmarks alone. Returns each one's number with its result.
fn run_fresh(
    runner: &mut Runner<'_>,
    at: &Answering<'_>,
    jobs: &[Job<'_>],
    to_run: &[usize],
    cached: usize,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(usize, RunResult)> {
    let options = at.options;
    let (bench_idx, plain_idx): (Vec<usize>, Vec<usize>) =
        to_run.iter().partition(|&&i| jobs[i].spec.bench.is_some());
    let plain: Vec<&Job<'_>> = plain_idx.iter().map(|&i| &jobs[i]).collect();
    let benches: Vec<&Job<'_>> = bench_idx.iter().map(|&i| &jobs[i]).collect();
    let threads = options.jobs.unwrap_or_else(execute::usable_cores);
    // No more slots than examples to run at once: fewer slots leave each
    // a larger share of the host's tables.
    let cuts = runner.plan_slots(threads.min(plain.len()).max(1));
    warn_cut_limits(at.config, &cuts, diags);
    let started = |job: &Job<'_>| {
        let place = job.place();
        Progress::tell(options, ProgressEvent::Started { place: &place });
    };
    let done = |job: &Job<'_>, result: &RunResult| finished(options, job, result);
    let watch = execute::Watch {
        started: &started,
        done: &done,
    };
    let all: Vec<&Job<'_>> = to_run.iter().map(|&i| &jobs[i]).collect();
    let run = &at.config.run;
    let mut say = |line: &str| Progress::tell(options, ProgressEvent::Note(line));
    runner.prepare_envs(&run.cache_dir, run.source_builds, &all, &mut say);
    let expected = lookup::expected_duration(at.cache, jobs, &plain_idx, &bench_idx, threads);
    Progress::tell(
        options,
        ProgressEvent::Plan {
            run: to_run.len(),
            cached,
            expected,
        },
    );
    let mut fresh = runner.run_plain(&plain, threads, &watch);
    fresh.extend(runner.run_benchmarks(&benches, &watch));
    plain_idx.into_iter().chain(bench_idx).zip(fresh).collect()
}

/// Limits the book left at their defaults are cut quietly; one it set
/// itself is worth a word.
fn warn_cut_limits(config: &Config, cuts: &[Lowered], diags: &mut Vec<Diagnostic>) {
    let book_toml = Some(Span::file(config.root.join(crate::config::CONFIG_FILE)));
    for cut in cuts {
        if config.run.limits_set.contains(&cut.limit.key()) {
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
}

/// The progress line for a finished run.
fn finished(options: &BuildOptions, job: &Job<'_>, result: &RunResult) {
    let place = job.place();
    let line = match result {
        Ok(r) => format!(
            "ran {place} in {}: {}",
            render::format::seconds(r.wall.as_secs_f64()),
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
}

fn id_of<'a>(job: &'a Job<'_>) -> Option<&'a str> {
    job.spec.id.as_deref()
}

pub(super) fn name_of(job: &Job<'_>) -> String {
    job.name()
}

fn has_errors_in(diags: &[Diagnostic]) -> bool {
    crate::diag::has_errors(diags)
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
