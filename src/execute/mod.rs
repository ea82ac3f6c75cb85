//! Execute stage: the book's Python examples → one `RunRecord` each, run in
//! a sandbox (between markdown and render).
//!
//! - `python`: the interpreter and the virtual environment, set up once.
//! - `sandbox` (parent side) and `launcher` (the sandboxed process): one
//!   fresh sandbox per run, limits, output capture, timeouts; `inside`:
//!   its read-only mounts, environment and `/etc`.
//! - `zygote`: one process per job slot, in the slot's cgroups, that forks
//!   a launcher for each run (so no run pays for a cgroup move).
//! - `cgroup`: the per-slot cgroups (limits and accounting of the tree).
//! - `seccomp`: the system calls an example may not make.
//! - `slots`, `slot_ids`, `budget`: job slots, each with a host uid of its
//!   own, and per-slot limits cut to fit the host's PID and file tables.
//! - `metrics_channel`: figures from the program, read by init through a
//!   descriptor made before the program starts; `readers`: the pipes'
//!   reader threads, joined with a deadline.
//! - `spec`: the messages between the two sides; `status`: the status
//!   pipe read on the parent's side (reports, the pids a timeout kills).
//! - `record`: `RunRecord`, what a run did.
//! - `cache`: records stored by a key of everything that can change them;
//!   `lookup`: each job's key, which jobs the cache answers, groups whole.
//! - `setup`: the interpreter and the sandbox made ready for a book;
//!   `probe`: which protections this machine offers.
//! - `runner`: `Runner`, the sandbox or recorded runs standing in for it.
//!
//! **Invariant:** the only module that starts example processes; it never
//! writes into the book or the output folder (a venv goes to the cache).

pub mod bench;
pub mod budget;
pub mod bundle;
pub mod cache;
pub mod capture;
pub mod cgroup;
pub mod cpu_load;
pub mod data_files;
pub mod envs;
pub mod expected;
mod inside;
pub mod interpreters;
pub mod launcher;
pub mod lookup;
pub mod machine;
pub mod metrics_channel;
pub mod named;
pub mod probe;
pub mod python;
pub mod readers;
pub mod record;
pub mod runner;
pub mod sandbox;
pub mod seccomp;
pub mod secret;
pub mod setup;
pub mod shard;
pub mod slot_ids;
pub mod slots;
pub mod spec;
pub mod status;
pub mod traceback;
pub mod verify;
mod wait;
pub mod zygote;

use std::path::Path;
use std::time::Duration;

use rayon::prelude::*;

use crate::config::Limits;
use crate::markdown::example::{ExampleSpec, Expectation};
use crate::markdown::{CodeBlock, Document};
pub use probe::Probe;
pub use record::{Outcome, RunRecord, Stream};
pub use sandbox::{Program, Sandbox, SandboxError, SlotPolicy};

/// Where an example is: its document and its place among that document's
/// code blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExampleAt {
    pub doc: usize,
    pub block: usize,
}

/// One example that will run.
#[derive(Debug)]
pub struct Job<'a> {
    pub at: ExampleAt,
    pub block: &'a CodeBlock,
    /// The block's example options (every job is an example).
    pub spec: &'a ExampleSpec,
    /// The program as it runs: hidden lines included, markers removed; the
    /// whole file for `file=` examples.
    pub program: String,
    pub timeout: Duration,
    /// Its place among its page's examples that run (from 0): part of its
    /// identity, the same whichever examples a run selects.
    pub ordinal: usize,
    /// The named interpreter it runs under (`python=`); `None`: the
    /// default. An example with `python="A,B"` is one job per name.
    pub python: Option<&'a str>,
}

impl Job<'_> {
    /// Its id as figures, claims and reports name it: `ID`, or `ID@NAME`
    /// when it runs under a named interpreter.
    pub fn id(&self) -> Option<String> {
        let id = self.spec.id.as_deref()?;
        Some(match self.python {
            Some(name) => format!("{id}@{name}"),
            None => id.to_owned(),
        })
    }

    /// How messages name it: "example `ID`" (`ID@NAME` under a named
    /// interpreter), "the example under `NAME`", or "the example".
    pub fn name(&self) -> String {
        match (self.id(), self.python) {
            (Some(id), _) => format!("example `{id}`"),
            (None, Some(name)) => format!("the example under `{name}`"),
            (None, None) => "the example".into(),
        }
    }

    /// `file:line` of its fence, for progress lines and `--filter`, with
    /// `@NAME` when it runs under a named interpreter, so the runs of a
    /// matrix are told apart in every report.
    pub fn place(&self) -> String {
        let place = self
            .block
            .span
            .as_ref()
            .map_or_else(String::new, |s| format!("{}:{}", s.file.display(), s.line));
        match self.python {
            Some(name) => format!("{place}@{name}"),
            None => place,
        }
    }
}

/// The result of one job: a record, or why it could not run.
pub type RunResult = Result<RunRecord, String>;

/// Every example of the book that runs (not `norun`), in book order; an
/// example whose program file cannot be read gets an error instead.
pub fn jobs<'a>(
    docs: &'a [Document],
    limits: &Limits,
) -> Vec<Result<Job<'a>, (ExampleAt, String)>> {
    let mut out = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        let mut ordinal = 0;
        for (b, block) in doc.code_blocks().enumerate() {
            let Some(spec) = &block.example else { continue };
            if !spec.run {
                continue;
            }
            ordinal += 1;
            let at = ExampleAt { doc: d, block: b };
            let program = match &block.program_file {
                Some(path) => match std::fs::read_to_string(path) {
                    Ok(text) => text,
                    Err(e) => {
                        out.push(Err((at, format!("cannot read {}: {e}", path.display()))));
                        continue;
                    }
                },
                None => program_text(block),
            };
            let timeout = spec.timeout.unwrap_or(limits.timeout);
            if spec.python.is_empty() {
                out.push(Ok(Job {
                    at,
                    block,
                    spec,
                    program,
                    timeout,
                    ordinal: ordinal - 1,
                    python: None,
                }));
                continue;
            }
            // A matrix: one job per interpreter, in the order written.
            for name in &spec.python {
                out.push(Ok(Job {
                    at,
                    block,
                    spec,
                    program: program.clone(),
                    timeout,
                    ordinal: ordinal - 1,
                    python: Some(name),
                }));
            }
        }
    }
    out
}

/// The code of a block as Python runs it: hidden lines unmarked.
pub fn program_text(block: &CodeBlock) -> String {
    let mut out = String::with_capacity(block.code.len());
    for line in block.info.lines(&block.code) {
        out.push_str(&line.text);
        out.push('\n');
    }
    out
}

/// Who hears about runs as they happen (from any thread): a progress
/// display.
pub struct Watch<'a> {
    pub started: &'a (dyn Fn(&Job<'_>) + Sync),
    pub done: &'a (dyn Fn(&Job<'_>, &RunResult) + Sync),
}

/// Runs `jobs` on `threads` threads; `watch` hears each start and result
/// as it comes. Results come back in the jobs' order, whatever order they
/// finished in.
pub fn run_all(
    sandbox: &Sandbox,
    jobs: &[&Job<'_>],
    threads: usize,
    watch: &Watch<'_>,
) -> Vec<RunResult> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("example-runner-{i}"))
        .build();
    let run = || {
        jobs.par_iter()
            .with_max_len(1)
            .map(|job| {
                (watch.started)(job);
                let result = run_job(sandbox, job);
                (watch.done)(job, &result);
                result
            })
            .collect()
    };
    match pool {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

/// Runs one job in the sandbox, under its interpreter and in its own
/// environment when it has one; a run under a named interpreter says which.
pub fn run_job(sandbox: &Sandbox, job: &Job<'_>) -> RunResult {
    let (python, about) = sandbox.python_for(job)?;
    let venv = sandbox.venv_for(job)?;
    let mut record = sandbox
        .run(&Program {
            code: &job.program,
            timeout: job.timeout,
            files: &job.block.data_files,
            venv,
            python: job.python.is_some().then_some(python),
            asks: job.spec.asks,
        })
        .map_err(|e| e.to_string())?;
    record.interpreter = about.cloned();
    Ok(record)
}

/// Whether a run ended the way its example says it should.
pub fn as_expected(expect: Expectation, record: &RunRecord) -> bool {
    match (expect, record.outcome) {
        (Expectation::Success, Outcome::Exited(0)) => true,
        (Expectation::Failure, Outcome::Exited(n)) => n != 0,
        (Expectation::Failure, Outcome::Signaled(_)) => true,
        (Expectation::Exit(want), Outcome::Exited(n)) => n == i32::from(want),
        _ => false,
    }
}

/// The usable cores: the affinity mask (which containers and `taskset`
/// narrow), or the logical count.
pub fn usable_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The `examples/` folder beside the book's root, if there is one and it
/// leads (links followed) inside the book: it is mounted into the sandbox.
pub fn examples_dir(confine: &crate::confine::Confined) -> Option<std::path::PathBuf> {
    let dir = confine
        .resolve(Path::new(crate::config::EXAMPLES_DIR), confine.root())
        .ok()?;
    dir.is_dir().then_some(dir)
}

/// The error of a job that could not run: at its script block when its
/// packages or its Python were the cause, else at its fence.
fn could_not_run(job: &Job<'_>, message: &str) -> crate::diag::Diagnostic {
    let said = format!("{} could not run: {message}", job.name());
    if budget::is_too_large(message) {
        return crate::diag::Diagnostic::error(said, job.block.span.clone()).with_help(
            "ask for less in its fence (fewer `processes=`, or fewer `open-files=` per process), or raise kernel.pid_max or fs.file-max on this machine",
        );
    }
    if envs::is_script_error(message) {
        let at = job.block.script.as_ref().and_then(|s| s.span.clone());
        return crate::diag::Diagnostic::error(said, at.or(job.block.span.clone())).with_help(
            "fix the `# /// script` block (package names, versions, `requires-python`); the installer's message is above",
        );
    }
    crate::diag::Diagnostic::error(said, job.block.span.clone())
        .with_help("run `proofbook doctor` to see what the sandbox needs on this machine")
}

/// Errors for examples that did not end as they say they should, at the
/// example's fence, with the end of what they printed on stderr.
/// `root` is the book's, to tell a file it failed to open that the
/// example did not declare (`deps=`).
pub fn diagnose(
    jobs: &[Job<'_>],
    results: &[RunResult],
    root: &Path,
) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::Diagnostic;
    let mut out = Vec::new();
    for (job, result) in jobs.iter().zip(results) {
        // An earlier result shown while the example runs again says
        // nothing about the program as it is now.
        if result.as_ref().is_ok_and(|r| r.stale) {
            continue;
        }
        let spec = job.spec;
        let name = job.name();
        let span = job.block.span.clone();
        match result {
            // An optional interpreter this machine lacks: its book.toml
            // line already says so, once.
            Err(message) if named::is_not_here(message) => {}
            Err(message) => out.push(could_not_run(job, message)),
            Ok(record) if record.metrics_error.is_some() => out.push(
                Diagnostic::error(
                    format!(
                        "{name} reported figures that cannot be read: {}",
                        record.metrics_error.as_deref().unwrap_or_default()
                    ),
                    span,
                )
                .with_help("fix what the program writes to the metrics channel"),
            ),
            Ok(record) if !as_expected(spec.expect, record) => {
                let wanted = match spec.expect {
                    Expectation::Success => "it should succeed".to_owned(),
                    Expectation::Failure => {
                        "it is marked `expect=error`, so it must fail".to_owned()
                    }
                    Expectation::Exit(n) => format!("it is marked `exit={n}`"),
                };
                // The error is reported at the line the traceback ended on
                // (in the chapter or the `file=` program), each frame of the
                // program annotated with its place in the book.
                let (tail, failing) =
                    traceback::stderr_tail(job, record, crate::terminal_text::SHOWN_LINES);
                let span = failing.or(span);
                let mut printed = if tail.is_empty() {
                    String::new()
                } else {
                    format!("\nthe end of its stderr:\n{tail}")
                };
                if let Some(hint) = traceback::undeclared_hint(job, record, root) {
                    printed = format!("{printed}\n{hint}");
                }
                let help = match (spec.expect, record.outcome) {
                    (Expectation::Failure, Outcome::Exited(0)) => {
                        "make the example fail as the text says, or remove `expect=error`".to_owned()
                    }
                    (_, Outcome::TimedOut) => format!(
                        "make it finish sooner, or give it more time with `timeout=SECONDS` (the limit was {} s)",
                        job.timeout.as_secs_f64()
                    ),
                    _ => "fix the example, or mark it `expect=error` (or `exit=N`) if failing is its point".to_owned(),
                };
                out.push(
                    Diagnostic::error(
                        format!(
                            "{name} {}, but {wanted}{printed}",
                            record.describe_outcome()
                        ),
                        span,
                    )
                    .with_help(help),
                );
            }
            Ok(_) => {}
        }
    }
    out
}
