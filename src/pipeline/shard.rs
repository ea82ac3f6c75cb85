//! Sharding (#24): `check --shard K/N` runs one part of the examples and
//! writes a results bundle; `merge` (and `build --results`) answers every
//! example from the bundles instead of running it, after checking they
//! belong together: one book state, one plan, every shard once, every
//! example once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::execute::bundle::{Bundle, BundledRun, book_digest};
use crate::execute::cache::ResultCache;
use crate::execute::lookup;
use crate::execute::machine::Fingerprint;
use crate::execute::shard::{Plan, PlanItem, ShardSpec, plan};
use crate::execute::{self, Job, RunResult};

/// `--shard K/N` with where its bundle goes.
#[derive(Debug, Clone)]
pub struct ShardRun {
    pub spec: ShardSpec,
    pub bundle: PathBuf,
}

/// Bundles read for `merge` or `build --results`, each with its path.
pub type Bundles = Arc<Vec<(PathBuf, Bundle)>>;

/// What a shard knows of the whole book once it has taken its part.
#[derive(Debug, Clone)]
pub struct ShardPart {
    pub spec: ShardSpec,
    pub plan: Plan,
    /// `bundle::book_digest` of every example, before the split.
    pub book: String,
    pub examples: usize,
    /// `file:line` of the examples left to each other shard, by shard.
    pub left: Vec<(usize, Vec<String>)>,
}

/// Each example's key without the sandbox's policy: what the book says,
/// the same on every machine (the policy names local paths).
pub(super) fn book_keys(config: &Config, jobs: &[Job<'_>]) -> Vec<String> {
    let examples = execute::examples_dir(&config.confine);
    lookup::job_keys(jobs, "", &|_| String::new(), examples.as_deref())
}

/// Keeps the jobs of shard `spec` and says what it left to the others.
pub(super) fn take_part<'a>(
    config: &Config,
    spec: ShardSpec,
    jobs: Vec<Job<'a>>,
    cache: Option<&ResultCache>,
) -> (Vec<Job<'a>>, ShardPart) {
    let book = book_digest(&book_keys(config, &jobs));
    let items: Vec<PlanItem> = (0..jobs.len())
        .map(|i| PlanItem {
            identity: book_identity(config, &jobs, i),
            together: jobs[i].spec.group.as_ref().map(|g| g.name.clone()),
            expected: cache.and_then(|c| {
                let record = c.latest(&lookup::identity(&jobs, i))?;
                let runs = jobs[i].spec.bench.map_or(1, |b| b.repeat + b.warmup).max(1);
                Some(record.wall * runs)
            }),
        })
        .collect();
    let plan = plan(&items, spec.count);
    let left = (1..=spec.count)
        .filter(|&k| k != spec.index)
        .map(|k| {
            (
                k,
                plan.members(k)
                    .iter()
                    .map(|&i| relative_place(config, &jobs[i]))
                    .collect(),
            )
        })
        .collect();
    let part = ShardPart {
        spec,
        examples: jobs.len(),
        book,
        left,
        plan,
    };
    let mine: Vec<Job<'a>> = jobs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| part.plan.shard_of[*i] == spec.index)
        .map(|(_, job)| job)
        .collect();
    (mine, part)
}

/// The progress line that says what this shard takes: "shard 2/3: 23 of
/// 69 examples, about 41 s by their last runs (largest shard / mean 1.02)".
pub(super) fn describe(part: &ShardPart, mine: usize) -> String {
    let load = part.plan.loads[part.spec.index - 1];
    let weight = if part.plan.by_duration {
        format!(
            "about {} by their last runs",
            crate::render::format::seconds(load as f64 / 1000.0)
        )
    } else {
        "split by count (no earlier durations)".to_owned()
    };
    format!(
        "shard {}: {mine} of {} examples, {weight} (largest shard / mean {:.2})",
        part.spec,
        part.examples,
        part.plan.balance()
    )
}

/// Writes the shard's bundle: its results, with the book's and the plan's
/// digests so `merge` can tell bundles that do not belong together.
pub(super) fn write_bundle(
    config: &Config,
    run: &ShardRun,
    part: &ShardPart,
    jobs: &[Job<'_>],
    answers: (&[RunResult], &[String], Option<&Fingerprint>),
) -> Result<(), String> {
    let (results, cache_keys, machine) = answers;
    let keys = book_keys(config, jobs);
    let runs = (0..jobs.len())
        .map(|i| BundledRun {
            identity: book_identity(config, jobs, i),
            key: keys[i].clone(),
            cache_key: cache_keys.get(i).cloned().unwrap_or_default(),
            result: results[i].clone(),
        })
        .collect();
    let bundle = Bundle {
        proofbook: env!("CARGO_PKG_VERSION").into(),
        book: part.book.clone(),
        plan: part.plan.digest.clone(),
        shard: part.spec.index,
        shards: part.spec.count,
        examples: part.examples,
        machine: machine
            .cloned()
            .ok_or("the examples did not run, so there is nothing to bundle")?,
        finished_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        runs,
    };
    bundle.write(&run.bundle).map_err(|e| e.to_string())
}

/// Every job's result from the bundles, with its cache key on its shard
/// and the machine it ran on; `machine` is the first shard's, on which the
/// claims' `when` is judged.
#[derive(Default)]
pub(super) struct Answered {
    pub results: Vec<RunResult>,
    pub cache_keys: Vec<String>,
    pub machines: Vec<Fingerprint>,
    pub machine: Option<Fingerprint>,
}

/// Every job's result from the bundles, after checking that they are the
/// shards of one plan over this very book, each once, covering every
/// example once. Errors name the bundle and what differs.
pub(super) fn answer_from_bundles(
    config: &Config,
    bundles: &[(PathBuf, Bundle)],
    jobs: &[Job<'_>],
    diags: &mut Vec<Diagnostic>,
) -> Option<Answered> {
    let keys = book_keys(config, jobs);
    let errors = consistency_errors(bundles, &book_digest(&keys), jobs.len());
    if !errors.is_empty() {
        diags.extend(errors);
        return None;
    }
    let mut by_identity: HashMap<&str, (&Path, &BundledRun, &Fingerprint)> = HashMap::new();
    for (path, bundle) in bundles {
        for run in &bundle.runs {
            let entry = (path.as_path(), run, &bundle.machine);
            if let Some((earlier, _, _)) = by_identity.insert(&run.identity, entry) {
                diags.push(bundle_error(
                    path,
                    format!(
                        "it holds example {} again, which {} holds too",
                        run.identity,
                        earlier.display()
                    ),
                ));
            }
        }
    }
    let mut answered = Answered::default();
    for i in 0..jobs.len() {
        match by_identity.get(book_identity(config, jobs, i).as_str()) {
            Some((_, run, machine)) if run.key == keys[i] => {
                answered.results.push(run.result.clone());
                answered.cache_keys.push(run.cache_key.clone());
                answered.machines.push((*machine).clone());
            }
            Some((path, _, _)) => diags.push(bundle_error(
                path,
                format!(
                    "its run of the example at {} was made from another version of it",
                    jobs[i].place()
                ),
            )),
            None => diags.push(Diagnostic::error(
                format!(
                    "no bundle holds the example at {}: a shard is missing or was cut short",
                    jobs[i].place()
                ),
                None,
            )),
        }
    }
    if crate::diag::has_errors(diags) {
        return None;
    }
    machine_note(bundles, diags);
    seed_cache(config, jobs, &answered, diags);
    answered.machine = bundles.first().map(|(_, b)| b.machine.clone());
    Some(answered)
}

/// Stores the bundles' records in the book's result cache under the keys
/// they had on their shard, so a build on a machine like it (CI restoring
/// the cache) runs only what changed. Signed with this user's key: the
/// bundles are trusted as the CI jobs that made them are.
fn seed_cache(config: &Config, jobs: &[Job<'_>], answered: &Answered, diags: &mut Vec<Diagnostic>) {
    let Ok(cache) = ResultCache::open(&config.run.cache_dir) else {
        return; // answering from bundles needs no cache; a build will say why
    };
    for (i, result) in answered.results.iter().enumerate() {
        let key = &answered.cache_keys[i];
        if key.is_empty() {
            continue;
        }
        let machine = answered.machines[i].summary();
        if let Err(e) = lookup::store(&cache, jobs, i, key, result, &machine) {
            diags.push(Diagnostic::warning(
                format!(
                    "cannot store a bundle's result in the cache {}: {e}",
                    cache.dir().display()
                ),
                None,
            ));
            return;
        }
    }
}

/// One plan, one book state, every shard exactly once.
fn consistency_errors(
    bundles: &[(PathBuf, Bundle)],
    book: &str,
    examples: usize,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let Some((first_path, first)) = bundles.first() else {
        return vec![Diagnostic::error("no bundle was given", None)];
    };
    for (path, bundle) in bundles {
        if bundle.book != book || bundle.examples != examples {
            errors.push(bundle_error(
                path,
                "it was made from another state of the book (an example was added, removed \
                 or changed since): run every shard again on this state"
                    .into(),
            ));
        } else if bundle.plan != first.plan || bundle.shards != first.shards {
            errors.push(bundle_error(
                path,
                format!(
                    "its plan differs from {}'s ({} shards planned against {}): the shards saw \
                     different result caches; restore the same cache on every shard",
                    first_path.display(),
                    bundle.shards,
                    first.shards
                ),
            ));
        }
    }
    let mut seen: HashMap<usize, &Path> = HashMap::new();
    for (path, bundle) in bundles {
        if let Some(earlier) = seen.insert(bundle.shard, path) {
            errors.push(bundle_error(
                path,
                format!(
                    "it is shard {}/{} again: {} is that shard too; give each shard once",
                    bundle.shard,
                    bundle.shards,
                    earlier.display()
                ),
            ));
        }
    }
    let missing: Vec<String> = (1..=first.shards)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{}", first.shards))
        .collect();
    if !missing.is_empty() {
        errors.push(
            Diagnostic::error(
                format!(
                    "shard {} missing: nothing is merged from an incomplete set",
                    missing.join(", ")
                ),
                None,
            )
            .with_help(
                "give every shard's bundle, e.g. `proofbook merge shard-*-of-3.proofbook-results`",
            ),
        );
    }
    errors
}

/// Shards on different machines are fine (each group ran on one of them),
/// but the claims' `when` is judged on the first shard's; say so.
fn machine_note(bundles: &[(PathBuf, Bundle)], diags: &mut Vec<Diagnostic>) {
    let first = &bundles[0].1.machine;
    let others: Vec<String> = bundles
        .iter()
        .filter(|(_, b)| b.machine != *first)
        .map(|(p, b)| format!("{}: {}", p.display(), b.machine.summary()))
        .collect();
    if !others.is_empty() {
        diags.push(Diagnostic::warning(
            format!(
                "the shards ran on different machines; claims' `when` conditions are judged on \
                 the first one ({}); the others: {}",
                first.summary(),
                others.join("; ")
            ),
            None,
        ));
    }
}

/// `lookup::identity` with its file relative to the book's root: the same
/// on every machine, whichever folder the book was checked out to.
fn book_identity(config: &Config, jobs: &[Job<'_>], i: usize) -> String {
    let identity = lookup::identity(jobs, i);
    let root = format!("{}/", config.root.display());
    identity
        .strip_prefix(&root)
        .map_or_else(|| identity.clone(), str::to_owned)
}

/// `content/a.md:12`: the example's place from the book's root.
fn relative_place(config: &Config, job: &Job<'_>) -> String {
    job.block.span.as_ref().map_or_else(String::new, |s| {
        let file = crate::fsutil::display_relative(&s.file, &config.root);
        format!("{}:{}", file.display(), s.line)
    })
}

fn bundle_error(path: &Path, why: String) -> Diagnostic {
    Diagnostic::error(format!("bundle {}: {why}", path.display()), None)
}

/// The bundles as one: a set of one shard that `build --results` reads
/// like any other, measured on the first shard's machine as far as the
/// header says (each record keeps its own figures).
pub fn merged(bundles: &[(PathBuf, Bundle)]) -> Option<Bundle> {
    let mut all = bundles.iter().map(|(_, b)| b);
    let first = all.next()?.clone();
    let runs = bundles.iter().flat_map(|(_, b)| b.runs.clone()).collect();
    Some(Bundle {
        plan: format!("merged {}", first.plan),
        shard: 1,
        shards: 1,
        finished_unix: bundles
            .iter()
            .map(|(_, b)| b.finished_unix)
            .max()
            .unwrap_or(0),
        runs,
        ..first
    })
}

/// Reads every bundle, or says which could not be read and why.
pub fn read_bundles(paths: &[PathBuf]) -> Result<Bundles, Vec<Diagnostic>> {
    let mut read = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match Bundle::read(path) {
            Ok(bundle) => read.push((path.clone(), bundle)),
            Err(e) => errors.push(Diagnostic::error(e.to_string(), None)),
        }
    }
    if errors.is_empty() {
        Ok(Arc::new(read))
    } else {
        Err(errors)
    }
}
