//! `Runner`: what answers the examples the result cache cannot. Builds use
//! the sandbox; tests use `Recorded`, stored `RunRecord`s looked up by
//! program, so the logic around runs (groups, cache decisions, pages) can be
//! tested without starting Python. The sandbox keeps its own tests
//! (`tests/sandbox*.rs`).

use std::collections::HashMap;

use crate::execute::budget::Lowered;
use crate::execute::machine::Fingerprint;
use crate::execute::named::NOT_HERE;
use crate::execute::record::RanUnder;
use crate::execute::secret::Secret;
use crate::execute::{Job, RunRecord, RunResult, Sandbox, Watch, bench, run_all};

/// The sandbox, or records standing in for it.
pub enum Runner<'a> {
    Sandbox(&'a mut Sandbox),
    Recorded(&'a Recorded),
}

/// Stored runs that answer examples in place of the sandbox: each record
/// is the run of one program (the program as it runs, hidden lines
/// unmarked), whatever example holds it.
#[derive(Debug, Clone)]
pub struct Recorded {
    by_program: HashMap<String, RunRecord>,
    /// Stands for `Sandbox::policy_key` in cache keys: changing it is a new
    /// interpreter or new limits, so every result runs again.
    pub policy: String,
    /// The machine the records were made on.
    pub machine: Fingerprint,
    /// Signs the result cache in place of the user's secret, so a test
    /// does not make or read one outside its own folders.
    pub cache_secret: Option<Secret>,
    /// The named interpreters runs under them report, by name; a name
    /// missing here answers as an interpreter absent from this machine.
    pub interpreters: HashMap<String, RanUnder>,
}

impl Recorded {
    pub fn new(policy: impl Into<String>, machine: Fingerprint) -> Recorded {
        Recorded {
            by_program: HashMap::new(),
            policy: policy.into(),
            machine,
            cache_secret: None,
            interpreters: HashMap::new(),
        }
    }

    /// Answers `program` with `record` from now on.
    pub fn insert(&mut self, program: impl Into<String>, record: RunRecord) {
        self.by_program.insert(program.into(), record);
    }

    fn answer(&self, job: &Job<'_>) -> RunResult {
        let about = match job.python {
            Some(name) => match self.interpreters.get(name) {
                Some(about) => Some(about.clone()),
                None => return Err(format!("{NOT_HERE}no interpreter `{name}`")),
            },
            None => None,
        };
        let mut record = self
            .by_program
            .get(&job.program)
            .cloned()
            .ok_or_else(|| "no recorded run of this program".to_owned())?;
        record.interpreter = about;
        Ok(record)
    }

    fn run(&self, jobs: &[&Job<'_>], watch: &Watch<'_>) -> Vec<RunResult> {
        jobs.iter()
            .map(|job| {
                (watch.started)(job);
                let result = self.answer(job);
                (watch.done)(job, &result);
                result
            })
            .collect()
    }
}

impl Runner<'_> {
    /// Everything besides the program that can change a result, for the
    /// result cache's key.
    pub fn policy_key(&self) -> String {
        match self {
            Runner::Sandbox(s) => s.policy_key(),
            Runner::Recorded(r) => r.policy.clone(),
        }
    }

    /// What identifies the named interpreter `name` (and its environment)
    /// in a result's cache key.
    pub fn interpreter_key(&self, name: &str) -> String {
        match self {
            Runner::Sandbox(s) => s.named().key(name),
            Runner::Recorded(r) => format!("{:?}", r.interpreters.get(name)),
        }
    }

    /// Sizes the sandbox's slots for `slots` runs at once; the limits that
    /// had to be cut to fit the host. Records have no limits to cut.
    pub fn plan_slots(&mut self, slots: usize) -> Vec<Lowered> {
        match self {
            Runner::Sandbox(s) => s.plan_slots(slots).to_vec(),
            Runner::Recorded(_) => Vec::new(),
        }
    }

    /// Builds or finds the environments of the examples that ask for
    /// packages of their own (PEP 723); records need none.
    pub fn prepare_envs(
        &mut self,
        cache_dir: &std::path::Path,
        source_builds: bool,
        jobs: &[&Job<'_>],
        progress: &mut dyn FnMut(&str),
    ) {
        if let Runner::Sandbox(s) = self {
            s.prepare_envs(cache_dir, source_builds, jobs, progress);
        }
    }

    /// Runs `jobs` (no benchmarks) on `threads` threads; results in order.
    pub fn run_plain(
        &self,
        jobs: &[&Job<'_>],
        threads: usize,
        watch: &Watch<'_>,
    ) -> Vec<RunResult> {
        match self {
            Runner::Sandbox(s) => run_all(s, jobs, threads, watch),
            Runner::Recorded(r) => r.run(jobs, watch),
        }
    }

    /// Runs the benchmark `jobs` alone, groups interleaved; results in order.
    pub fn run_benchmarks(&self, jobs: &[&Job<'_>], watch: &Watch<'_>) -> Vec<RunResult> {
        match self {
            Runner::Sandbox(s) => bench::run_benchmarks(s, jobs, watch),
            Runner::Recorded(r) => r.run(jobs, watch),
        }
    }

    /// The machine the runs were made on.
    pub fn machine(&self) -> Fingerprint {
        match self {
            Runner::Sandbox(s) => Fingerprint {
                interpreters: s.named().ready(),
                ..Fingerprint::detect(s.python())
            },
            Runner::Recorded(r) => r.machine.clone(),
        }
    }
}
