//! `RunRecord`: what one run of an example did. An example that fails is a
//! record with a non-zero status, not an error: errors are for proofbook
//! failing to run it at all.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// A piece of output, in the order the two streams were read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub stream: Stream,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Outcome {
    Exited(i32),
    Signaled(i32),
    /// Stopped at the wall-clock limit.
    TimedOut,
    /// Stopped because it printed more than the output limit.
    OutputLimit,
}

impl Outcome {
    pub fn success(self) -> bool {
        self == Outcome::Exited(0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub outcome: Outcome,
    pub output: Vec<Chunk>,
    /// Output past the limit was dropped.
    pub truncated: bool,
    /// Its stdout or stderr was still held open (by something outside the
    /// sandbox) when every process of the sandbox had ended, so reading
    /// stopped after a grace period: the output may be cut short.
    #[serde(default)]
    pub output_cut: bool,
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// Peak memory of the whole sandbox (cgroup), or of its largest
    /// process when there is no cgroup.
    pub peak_memory_bytes: Option<u64>,
    pub memory_limit_hit: bool,
    pub processes_limit_hit: bool,
    /// Processes still running when the program ended (then killed).
    pub leftover_processes: u32,
    /// The protections that were in force, as `doctor` names them.
    pub protections: Vec<String>,
    /// Protections the book opted out of and that were missing.
    pub missing: Vec<String>,
    /// When the run started, in seconds since the Unix epoch.
    #[serde(default)]
    pub started_unix: u64,
    /// Cores not taken by other work while it ran (`cpu_load`); none
    /// where `/proc` does not say.
    #[serde(default)]
    pub free_cores: Option<f64>,
    /// The record came from the result cache, not from a run of this build.
    #[serde(skip)]
    pub from_cache: bool,
    /// An earlier result of an example that changed, shown while the new
    /// program runs (`serve`'s first reload); never stored or checked.
    #[serde(skip)]
    pub stale: bool,
    /// Figures the program reported on the metrics channel (last value of
    /// each name).
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    /// Why what it reported there could not be read, if it could not.
    #[serde(default)]
    pub metrics_error: Option<String>,
    /// For a benchmark: every counted run's figures (this record's output
    /// and status are the last run's).
    #[serde(default)]
    pub samples: Vec<Sample>,
    /// The named interpreter it ran under (`python=`); `None`: the book's
    /// default interpreter, which the machine's fingerprint names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<RanUnder>,
}

/// A named interpreter, as a run under it reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RanUnder {
    /// Its name in book.toml (`3.13t`).
    pub name: String,
    /// `3.13.5`.
    pub version: String,
    /// `cpython`, `pypy`.
    pub implementation: String,
    /// Whether its GIL is disabled.
    pub free_threaded: bool,
}

impl RanUnder {
    /// `CPython 3.13.5 free-threaded`, as pages and reports label it.
    pub fn label(&self) -> String {
        let implementation = match self.implementation.as_str() {
            "cpython" => "CPython",
            "pypy" => "PyPy",
            other => other,
        };
        let build = if self.free_threaded {
            " free-threaded"
        } else {
            ""
        };
        format!("{implementation} {}{build}", self.version)
    }
}

/// The figures of one counted run of a benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    pub peak_memory_bytes: Option<u64>,
    pub metrics: BTreeMap<String, f64>,
    #[serde(default)]
    pub free_cores: Option<f64>,
}

impl Sample {
    pub fn of(record: &RunRecord) -> Sample {
        Sample {
            wall: record.wall,
            user: record.user,
            sys: record.sys,
            peak_memory_bytes: record.peak_memory_bytes,
            metrics: record.metrics.clone(),
            free_cores: record.free_cores,
        }
    }

    pub fn cpu_utilisation(&self) -> f64 {
        utilisation(self.wall, self.user + self.sys)
    }
}

fn utilisation(wall: Duration, cpu: Duration) -> f64 {
    let wall = wall.as_secs_f64();
    if wall > 0.0 {
        cpu.as_secs_f64() / wall
    } else {
        0.0
    }
}

/// Figure names proofbook measures itself (or computes for groups).
const BUILT_IN: &[&str] = &["wall", "cpu", "cpu_util", "peak_memory", "speedup", "ratio"];

/// Reads the metrics channel: one JSON object of numbers per line.
pub fn parse_metrics(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    if bytes.len() > super::spec::METRICS_LIMIT {
        return Err(format!(
            "it reported more than {} KiB of figures; report a few named figures, not every sample",
            super::spec::METRICS_LIMIT >> 10
        ));
    }
    let mut out = BTreeMap::new();
    let text = String::from_utf8_lossy(bytes);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: String| {
            format!(
                "line {} of the metrics it reported ({}) {why}; write one JSON object of numbers per line, such as {{\"requests_per_s\": 1843.5}}",
                n + 1,
                super::spec::METRICS_ENV
            )
        };
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(format!("is not JSON: {e}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| bad("is not a JSON object".into()))?;
        for (name, v) in object {
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !valid {
                return Err(bad(format!(
                    "names a figure `{name}`: use letters, digits, `_`, `-` and `.`"
                )));
            }
            if BUILT_IN.contains(&name.as_str()) {
                return Err(bad(format!(
                    "names a figure `{name}`, which proofbook measures itself; pick another name"
                )));
            }
            let x = v
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("gives `{name}` a value that is not a number")))?;
            out.insert(name.clone(), x);
        }
    }
    Ok(out)
}

impl RunRecord {
    pub fn text(&self, stream: Stream) -> String {
        self.output
            .iter()
            .filter(|c| c.stream == stream)
            .map(|c| c.text.as_str())
            .collect()
    }

    pub fn stdout(&self) -> String {
        self.text(Stream::Stdout)
    }

    pub fn stderr(&self) -> String {
        self.text(Stream::Stderr)
    }

    /// (user + system) / wall: 1.0 is one core busy the whole time.
    pub fn cpu_utilisation(&self) -> f64 {
        utilisation(self.wall, self.user + self.sys)
    }

    /// The last `lines` lines of stderr, for error messages: neutralised
    /// (the example wrote them; they must not act on a terminal or a CI
    /// log) and capped, with how many lines came before.
    pub fn stderr_tail(&self, lines: usize) -> String {
        crate::terminal_text::tail(&self.stderr(), lines)
    }

    /// How the run ended, in words.
    pub fn describe_outcome(&self) -> String {
        match self.outcome {
            Outcome::Exited(0) => "exited successfully".into(),
            Outcome::Exited(n) => format!("exited with status {n}"),
            Outcome::Signaled(9) if self.memory_limit_hit => {
                "was killed for exceeding the memory limit".into()
            }
            Outcome::Signaled(24) => "was stopped at the CPU-time limit (SIGXCPU)".into(),
            Outcome::Signaled(n) => format!("was killed by signal {n}"),
            Outcome::TimedOut => format!(
                "was stopped at the time limit after {:.1} s",
                self.wall.as_secs_f64()
            ),
            Outcome::OutputLimit => "was stopped for printing more than the output limit".into(),
        }
    }
}

/// A plain successful record for unit tests elsewhere, to change with
/// struct-update syntax.
#[cfg(test)]
pub(crate) fn test_record() -> RunRecord {
    RunRecord {
        outcome: Outcome::Exited(0),
        output: vec![],
        truncated: false,
        output_cut: false,
        wall: Duration::from_millis(12),
        user: Duration::from_millis(10),
        sys: Duration::from_millis(1),
        peak_memory_bytes: Some(1 << 20),
        memory_limit_hit: false,
        processes_limit_hit: false,
        leftover_processes: 0,
        protections: vec![],
        missing: vec![],
        started_unix: 1_764_612_000,
        free_cores: None,
        from_cache: false,
        stale: false,
        metrics: BTreeMap::new(),
        metrics_error: None,
        samples: vec![],
        interpreter: None,
    }
}
