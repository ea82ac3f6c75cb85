//! `Sandbox`: runs one program in a fresh sandbox and returns its
//! `RunRecord`. This is the parent's side; `launcher` is the child's.
//!
//! The sandbox is decided once (`Sandbox::new` probes which protections
//! this machine has) and refuses to run when one is missing, unless the
//! book opted out of that one in book.toml; runs then carry the list of
//! what was missing, and the page says so.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use crate::config::{Limits, Protection};
use crate::execute::budget::{Budget, HostTables, Lowered, Placement};
use crate::execute::capture::Capture;
use crate::execute::cgroup::{Baseline, CgroupLimits, CgroupRoot, CgroupStats, SlotCgroup};
use crate::execute::cpu_load::CpuSnapshot;
use crate::execute::inside::{etc_files, mounts_and_env};
use crate::execute::probe::Probe;
use crate::execute::python::PythonEnv;
use crate::execute::readers::{GRACE, Readers, Recall};
use crate::execute::record::{Outcome, RunRecord, Stream};
use crate::execute::slots::{Slot, SlotPool};
use crate::execute::spec::{Finished, LandlockState, LaunchSpec, PROGRAM_FILE, Report, Rlimits};
use crate::execute::status::{Pids, read_reports};
use crate::execute::zygote::Zygote;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "the sandbox lacks {}: {}",
        .missing.iter().map(|(p, _)| p.name()).collect::<Vec<_>>().join(" and "),
        .missing.iter().map(|(_, why)| why.as_str()).collect::<Vec<_>>().join("; ")
    )]
    Missing { missing: Vec<(Protection, String)> },
    #[error("setting up the sandbox failed at \"{step}\": {error}")]
    Setup { step: String, error: String },
    #[error("cannot start the sandbox launcher {}: {source}", .launcher.display())]
    Spawn {
        launcher: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Cgroup(String),
    #[error("cannot give a job slot a host uid of its own: {0}")]
    SlotUid(String),
    /// An example's `processes=`/`open-files=` cannot fit this host.
    #[error("{0}")]
    TooLarge(String),
    #[error("the sandbox ended without saying how the program ended ({0})")]
    Lost(String),
    /// proofbook was asked to stop; the run (if it started) was killed.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}

/// Runs programs, each in a sandbox of its own.
#[derive(Debug)]
pub struct Sandbox {
    launcher: PathBuf,
    python: PythonEnv,
    limits: Limits,
    cgroups: Option<CgroupRoot>,
    landlock: bool,
    seccomp: bool,
    socket_memory: bool,
    read_only: Vec<PathBuf>,
    env: Vec<(String, String)>,
    missing: Vec<String>,
    /// The per-slot limits in force for the planned number of slots.
    budget: Budget,
    /// The examples' own environments (PEP 723), once prepared.
    envs: crate::execute::envs::Envs,
    /// The book's named interpreters, each with its environment.
    named: crate::execute::named::NamedEnvs,
    /// Job slots, reused run after run, at most `budget.slots` of them.
    pool: SlotPool,
}

/// What keeps examples that run at once apart, for `doctor`.
#[derive(Debug, Clone)]
pub struct SlotPolicy {
    /// The range each slot takes a host uid of its own from, or why slots
    /// share the user's uid (and so its per-user budgets).
    pub uids: Result<std::ops::Range<u32>, String>,
    /// Whether uid claims are shared with other builds on this machine.
    pub uids_shared_between_builds: bool,
    /// The slots, the per-slot task and open-file limits, the host tables
    /// they were planned against and which limits were cut.
    pub budget: Budget,
}

/// One program to run.
#[derive(Debug, Clone)]
pub struct Program<'a> {
    pub code: &'a str,
    pub timeout: Duration,
    /// Declared data files (`deps=`), mounted read-only at their path
    /// relative to the working folder.
    pub files: &'a [crate::markdown::deps::DataFile],
    /// The example's own environment (`execute::envs`), mounted read-only,
    /// whose `bin/python` runs it; `None`: the sandbox's interpreter.
    pub venv: Option<&'a Path>,
    /// A named interpreter (`python=`) and its environment, mounted
    /// read-only for this run; `None`: the book's default.
    pub python: Option<&'a PythonEnv>,
    /// The example's own task and open-file limits (`processes=`,
    /// `open-files=`), placed by `budget::place`.
    pub asks: crate::config::Asks,
}

impl Sandbox {
    /// `launcher` is the proofbook binary (it runs a zygote when called with
    /// `zygote::SUBCOMMAND`). `examples` is mounted read-only and put
    /// on the program's `PYTHONPATH`, so examples can import helpers there.
    /// `allow_missing` lists protections the book lets it run without.
    pub fn new(
        launcher: PathBuf,
        python: PythonEnv,
        examples: Option<&Path>,
        limits: Limits,
        probe: &Probe,
        allow_missing: &[Protection],
    ) -> Result<Sandbox, SandboxError> {
        let refused: Vec<(Protection, String)> = probe
            .missing()
            .into_iter()
            .filter(|(p, _)| !allow_missing.contains(p))
            .collect();
        if !refused.is_empty() {
            return Err(SandboxError::Missing { missing: refused });
        }
        let (read_only, env) = mounts_and_env(&python, examples);
        let cgroups = probe.cgroups.as_ref().ok().cloned();
        // Until told otherwise, as many slots as the default `-j`.
        let slots = crate::execute::usable_cores();
        let budget =
            crate::execute::budget::plan(&limits, slots, HostTables::detect(cgroups.as_ref()));
        Ok(Sandbox {
            launcher,
            python,
            limits,
            cgroups,
            landlock: probe.landlock.is_ok(),
            seccomp: probe.seccomp.is_ok(),
            socket_memory: probe.cgroups.is_ok() && probe.socket_memory.is_ok(),
            read_only,
            env,
            missing: probe
                .missing()
                .into_iter()
                .map(|(p, _)| p.name().to_owned())
                .collect(),
            pool: SlotPool::new(budget.slots),
            budget,
            envs: Default::default(),
            named: Default::default(),
        })
    }

    /// Plans for `slots` examples at once (the build's `-j`): the
    /// per-slot task and open-file limits are cut so that all slots
    /// together stay under half of the host's tables (see `budget`).
    /// Returns the limits that were cut; the caller warns about those the
    /// book set itself. Call before the first run.
    pub fn plan_slots(&mut self, slots: usize) -> &[Lowered] {
        self.budget = crate::execute::budget::plan(
            &self.limits,
            slots,
            HostTables::detect(self.cgroups.as_ref()),
        );
        self.pool.set_max(self.budget.slots);
        &self.budget.lowered
    }

    /// The per-slot uids and budgets in force, for `doctor`.
    pub fn slot_policy(&self) -> SlotPolicy {
        let uids = if nix::unistd::Uid::effective().is_root() {
            Ok(crate::execute::slot_ids::range())
        } else {
            Err("proofbook is not running as root, so examples run as your own uid (in a user namespace) and examples running at once share its per-user budgets".into())
        };
        SlotPolicy {
            uids,
            uids_shared_between_builds: crate::execute::slot_ids::shared(),
            budget: self.budget.clone(),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Builds or finds the environments `jobs` ask for (`execute::envs`).
    pub fn prepare_envs(
        &mut self,
        cache_dir: &Path,
        source_builds: bool,
        jobs: &[&crate::execute::Job<'_>],
        progress: &mut dyn FnMut(&str),
    ) {
        let (default, named) = (&self.python, &self.named);
        let python = |job: &crate::execute::Job<'_>| match job.python {
            None => Some(default.clone()),
            Some(name) => named.get(name).ok().map(|(env, _)| env.clone()),
        };
        self.envs
            .prepare(&python, cache_dir, source_builds, jobs, progress);
    }

    /// The environment `job` runs in (`None`: its interpreter's own), or
    /// why it cannot run.
    pub fn venv_for(&self, job: &crate::execute::Job<'_>) -> Result<Option<&Path>, String> {
        let (python, _) = self.python_for(job)?;
        self.envs.for_job(job, python)
    }

    /// The book's named interpreters, made ready (`setup::sandbox`).
    pub fn set_named(&mut self, named: crate::execute::named::NamedEnvs) {
        self.named = named;
    }

    pub fn named(&self) -> &crate::execute::named::NamedEnvs {
        &self.named
    }

    /// The interpreter `job` runs under, and what its runs report of a
    /// named one; or why it cannot run here.
    pub fn python_for(
        &self,
        job: &crate::execute::Job<'_>,
    ) -> Result<(&PythonEnv, Option<&crate::execute::record::RanUnder>), String> {
        match job.python {
            None => Ok((&self.python, None)),
            Some(name) => self.named.get(name).map(|(env, about)| (env, Some(about))),
        }
    }

    pub fn python(&self) -> &PythonEnv {
        &self.python
    }

    /// Everything about this sandbox that can change a run's result, for
    /// the result cache's key.
    pub fn policy_key(&self) -> String {
        format!(
            "{:?}|{}|{}|{:?}|{:?}|{:?}|{}|{}|{}|{}|{:?}",
            self.python.interpreter,
            self.python.version,
            self.python.key,
            self.limits,
            self.env,
            self.read_only,
            self.landlock,
            self.seccomp,
            self.socket_memory,
            self.cgroups.is_some(),
            self.missing,
        )
    }

    /// A new slot: a zygote in fresh cgroups, with a host uid of its own
    /// when proofbook runs as root.
    fn make_slot(&self) -> Result<Slot, SandboxError> {
        let uid = if nix::unistd::Uid::effective().is_root() {
            Some(crate::execute::slot_ids::claim().map_err(SandboxError::SlotUid)?)
        } else {
            None
        };
        let cgroup = match &self.cgroups {
            Some(root) => Some(
                SlotCgroup::create(
                    root,
                    CgroupLimits {
                        memory_bytes: self.limits.memory_bytes,
                        processes: self.budget.processes,
                    },
                )
                .map_err(SandboxError::Cgroup)?,
            ),
            None => None,
        };
        let dirs = cgroup.as_ref().map_or(&[][..], |c| c.dirs());
        let zygote = Zygote::start(&self.launcher, dirs).map_err(|source| SandboxError::Spawn {
            launcher: self.launcher.clone(),
            source,
        })?;
        Ok(Slot {
            zygote,
            cgroup,
            uid,
            processes: self.budget.processes,
        })
    }

    /// A slot for a run placed by `place`: alone when it must be, with
    /// its cgroup's task limit set to the run's.
    fn take_slot(&self, place: &Placement) -> Result<Slot, SandboxError> {
        let mut slot = if place.alone {
            self.pool.take_alone(|| self.make_slot())
        } else {
            self.pool.take(|| self.make_slot())
        }?;
        if slot.processes != place.processes
            && let Some(cgroup) = &slot.cgroup
        {
            if let Err(e) = cgroup.set_processes(place.processes) {
                self.pool.discard(slot);
                return Err(SandboxError::Cgroup(e));
            }
            slot.processes = place.processes;
        }
        Ok(slot)
    }

    /// Runs `program` to its end, its time limit, or its output limit.
    pub fn run(&self, program: &Program<'_>) -> Result<RunRecord, SandboxError> {
        crate::interrupt::check()?;
        let place = crate::execute::budget::place(program.asks, &self.budget)
            .map_err(SandboxError::TooLarge)?;
        let ended = self.run_to_end(program, &place)?;
        // A run cut short by Ctrl-C or SIGTERM says nothing about the
        // example; it must not be shown or cached as its result.
        crate::interrupt::check()?;
        self.record(ended)
    }

    /// The message that starts `program` in `slot`.
    fn launch_spec(&self, program: &Program<'_>, slot: &Slot, open_files: u64) -> LaunchSpec {
        LaunchSpec {
            program: program.code.to_owned(),
            interpreter: program.venv.map_or_else(
                || program.python.unwrap_or(&self.python).interpreter.clone(),
                |v| v.join("bin").join("python"),
            ),
            args: vec!["-s".into(), PROGRAM_FILE.into()],
            env: {
                let env = match program.python {
                    Some(python) => crate::execute::inside::with_python(&self.env, python),
                    None => self.env.clone(),
                };
                match program.venv {
                    Some(v) => crate::execute::inside::with_venv(&env, v),
                    None => env,
                }
            },
            read_only: {
                let mut read_only = self.read_only.clone();
                if let Some(python) = program.python {
                    read_only.extend(python.mounts.iter().cloned());
                }
                read_only.extend(program.venv.map(Path::to_owned));
                read_only
            },
            etc_files: etc_files(),
            landlock: self.landlock,
            seccomp: self.seccomp,
            host_id: slot.host_id(),
            rlimits: Rlimits {
                cpu_seconds: self.limits.cpu_seconds,
                file_size_bytes: self.limits.file_size_bytes,
                open_files,
            },
            tmpfs_bytes: self.limits.tmpfs_bytes,
            files: crate::execute::data_files::mounts(program.files),
        }
    }

    fn spawn_error(&self, source: std::io::Error) -> SandboxError {
        SandboxError::Spawn {
            launcher: self.launcher.clone(),
            source,
        }
    }

    /// Hands `program` to a slot's zygote with the write ends of the run's
    /// pipes; the slot, its cgroup counters at the start, and when.
    fn launch(
        &self,
        program: &Program<'_>,
        place: &Placement,
        pipes: [&OwnedFd; 4],
    ) -> Result<Launched, SandboxError> {
        let mut slot = self.take_slot(place)?;
        let started_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut base = slot.cgroup.as_ref().map(SlotCgroup::begin);
        let cpu_before = crate::execute::cpu_load::snapshot();
        let started = Instant::now();
        if slot
            .zygote
            .launch(&self.launch_spec(program, &slot, place.open_files), pipes)
            .is_err()
        {
            // A zygote that died (killed from outside): one new slot, once.
            self.pool.discard(slot);
            slot = self.take_slot(place)?;
            base = slot.cgroup.as_ref().map(SlotCgroup::begin);
            slot.zygote
                .launch(&self.launch_spec(program, &slot, place.open_files), pipes)
                .map_err(|e| self.spawn_error(e))?;
        }
        Ok(Launched {
            slot,
            base,
            started,
            started_unix,
            cpu_before,
        })
    }

    /// Launches `program` and waits for the end of its run: the status
    /// pipe closed (every process of the sandbox gone), its time limit, or
    /// a stop request; then collects its output, figures and counters and
    /// gives the slot back.
    fn run_to_end(&self, program: &Program<'_>, place: &Placement) -> Result<Ended, SandboxError> {
        let pipe = || {
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| self.spawn_error(e.into()))
        };
        let (out_read, out_write) = pipe()?;
        let (err_read, err_write) = pipe()?;
        let (status_read, status_write) = pipe()?;
        let (metrics_read, metrics_write) = pipe()?;
        let recall = Arc::new(Recall::new().map_err(|e| self.spawn_error(e))?);
        let pipes = [&out_write, &err_write, &status_write, &metrics_write];
        let launched = self.launch(program, place, pipes)?;
        drop((out_write, err_write, status_write, metrics_write));
        let mut metrics_reader = Readers::new();
        {
            let recall = recall.clone();
            metrics_reader
                .spawn(move || crate::execute::metrics_channel::receive(metrics_read, &recall));
        }

        let pids = Arc::new(Pids::default());
        let (done_tx, done_rx) = mpsc::channel();
        {
            let pids = pids.clone();
            std::thread::spawn(move || {
                let _ = done_tx.send(read_reports(status_read, &pids));
            });
        }
        let capture = Arc::new(Capture::new(self.limits.output_bytes));
        let mut readers = Readers::new();
        for (fd, stream) in [(out_read, Stream::Stdout), (err_read, Stream::Stderr)] {
            let (capture, pids, recall) = (capture.clone(), pids.clone(), recall.clone());
            readers.spawn(move || capture.drain(std::fs::File::from(fd), stream, &pids, &recall));
        }

        // The status pipe closes when the launcher, init and the program
        // have all exited: that is the end of the run.
        let Launched {
            slot,
            base,
            started,
            started_unix,
            cpu_before,
        } = launched;
        let (reports, timed_out) =
            super::wait::wait_for_end(&done_rx, &pids, started + program.timeout);
        let elapsed = started.elapsed();
        let cpu = cpu_before.zip(crate::execute::cpu_load::snapshot());
        // Every process of the sandbox is gone; a pipe still open is held
        // from outside it (see `readers`).
        let deadline = Instant::now() + GRACE;
        let (_, output_cut) = readers.join_by(deadline, &recall);
        let (metrics_bytes, _) = metrics_reader.join_by(deadline, &recall);
        let stats = match (&slot.cgroup, base) {
            (Some(c), Some(b)) => c.finish(b),
            _ => Default::default(),
        };
        let own_uid = slot.uid.is_some();
        self.pool.put(slot);
        Ok(Ended {
            reports,
            timed_out,
            elapsed,
            output_cut,
            metrics_bytes: metrics_bytes.into_iter().next().unwrap_or_default(),
            stats,
            own_uid,
            capture,
            started_unix,
            cpu,
        })
    }

    /// What protected a run, as its record lists them (Landlock comes
    /// from the launcher's report).
    fn protections(&self, own_uid: bool) -> Vec<String> {
        let mut protections = vec![
            "user, PID, network, mount, IPC, UTS and cgroup namespaces".to_owned(),
            "unprivileged uid, no new privileges".to_owned(),
            "rlimits".to_owned(),
        ];
        if self.cgroups.is_some() {
            protections.push("cgroup memory and process limits".into());
        }
        if self.socket_memory {
            protections.push("socket buffers within the memory limit".into());
        }
        if self.seccomp {
            protections.push(format!(
                "seccomp ({} system calls refused)",
                crate::execute::seccomp::refused_count()
            ));
        }
        if own_uid {
            protections.push("a host uid of its own per job slot".into());
        }
        protections
    }

    /// The `RunRecord` of an ended run, from the launcher's reports, the
    /// captured output and the cgroup's counters.
    fn record(&self, ended: Ended) -> Result<RunRecord, SandboxError> {
        let mut finished: Option<Finished> = None;
        let mut tampered: Option<String> = None;
        let mut protections = self.protections(ended.own_uid);
        for report in ended.reports {
            match report {
                Report::SetupFailed { step, error } => {
                    return Err(SandboxError::Setup { step, error });
                }
                Report::Finished(f) => finished = Some(f),
                Report::MetricsTampered { found } => tampered = Some(found),
                Report::Applied { landlock } => match landlock {
                    LandlockState::Full => protections.push("Landlock".into()),
                    LandlockState::Partial => protections.push("Landlock (partial)".into()),
                    LandlockState::None | LandlockState::Off => {}
                },
                Report::Init { .. } | Report::Launched { .. } => {}
            }
        }
        let (metrics, metrics_error) =
            crate::execute::metrics_channel::figures(&ended.metrics_bytes, tampered.as_deref());
        let (output, truncated) = ended.capture.take();
        let outcome = outcome(ended.timed_out, truncated, finished.as_ref())?;
        let f = finished.unwrap_or(Finished {
            code: None,
            signal: None,
            wall_ns: ended.elapsed.as_nanos() as u64,
            user_us: 0,
            sys_us: 0,
            max_rss_kib: 0,
            leftover: 0,
        });
        // The cgroup counts processes that init never reaped (a timeout),
        // so it is preferred when there is one.
        let stats = ended.stats;
        let user = stats
            .user_ns
            .map_or(Duration::from_micros(f.user_us), Duration::from_nanos);
        let sys = stats
            .sys_ns
            .map_or(Duration::from_micros(f.sys_us), Duration::from_nanos);
        let peak = stats
            .peak_bytes
            .or((f.max_rss_kib > 0).then_some(f.max_rss_kib * 1024));
        Ok(RunRecord {
            outcome,
            output,
            truncated,
            output_cut: ended.output_cut,
            wall: Duration::from_nanos(f.wall_ns),
            user,
            sys,
            peak_memory_bytes: peak,
            memory_limit_hit: stats.memory_limit_hit,
            processes_limit_hit: stats.processes_limit_hit,
            leftover_processes: f.leftover,
            protections,
            missing: self.missing.clone(),
            started_unix: ended.started_unix,
            free_cores: ended.cpu.and_then(|(before, after)| {
                crate::execute::cpu_load::free_cores(before, after, ended.elapsed, user + sys)
            }),
            from_cache: false,
            stale: false,
            metrics,
            metrics_error,
            samples: Vec::new(),
            interpreter: None,
        })
    }
}

/// A run handed to a zygote.
struct Launched {
    slot: Slot,
    base: Option<Baseline>,
    started: Instant,
    started_unix: u64,
    cpu_before: Option<CpuSnapshot>,
}

/// What a run left once every process of it ended.
struct Ended {
    reports: Vec<Report>,
    timed_out: bool,
    elapsed: Duration,
    output_cut: bool,
    metrics_bytes: Vec<u8>,
    stats: CgroupStats,
    own_uid: bool,
    capture: Arc<Capture>,
    started_unix: u64,
    /// The usable CPUs' idle time at launch and at the end.
    cpu: Option<(CpuSnapshot, CpuSnapshot)>,
}

/// How a run ended: its time limit and its output limit come first, then
/// what the launcher reported; a launcher that reported no end lost it.
fn outcome(
    timed_out: bool,
    truncated: bool,
    finished: Option<&Finished>,
) -> Result<Outcome, SandboxError> {
    if timed_out {
        return Ok(Outcome::TimedOut);
    }
    if truncated {
        return Ok(Outcome::OutputLimit);
    }
    match finished {
        Some(Finished {
            code: Some(code), ..
        }) => Ok(Outcome::Exited(*code)),
        Some(Finished {
            signal: Some(sig), ..
        }) => Ok(Outcome::Signaled(*sig)),
        _ => Err(SandboxError::Lost(
            "its launcher exited without a report".into(),
        )),
    }
}
