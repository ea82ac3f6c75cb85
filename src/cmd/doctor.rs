use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use proofbook::config::Config;
use proofbook::config::Protection;
use proofbook::execute::interpreters::Resolved;
use proofbook::execute::sandbox::SlotPolicy;
use proofbook::execute::{self, Probe, Program, RunRecord, Sandbox, python};

use crate::report;

#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Lists each protection of the example sandbox on this machine as a table \
(namespaces, cgroup controllers, Landlock, seccomp, socket-memory accounting, per-slot uid, \
host-wide caps, the key that signs cached results): in force, missing, or in force only in part. It sets up the book's Python environment \
and runs a probe program inside the sandbox that tries to reach the network, the host and the \
kernel calls the sandbox refuses.\n\n\
The exit status is 0 when examples can run as the book asks, 1 when they would be refused."
)]
pub struct Args {
    /// The book's root folder (the one holding book.toml).
    #[arg(default_value = ".")]
    book_dir: PathBuf,
}

/// A program that reports, from inside, what the sandbox lets it do.
const PROBE: &str = r#"
import ctypes, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def tries(f):
    try:
        f()
        return "allowed"
    except OSError as e:
        return "blocked (" + (e.strerror or type(e).__name__) + ")"
def serve():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); s.close()
def nested_user_namespace():
    if libc.unshare(0x10000000) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
print(json.dumps({
    "uid": os.getuid(),
    "pid": os.getpid(),
    "hostname": socket.gethostname(),
    "loopback server": tries(serve),
    "outside network": tries(lambda: socket.create_connection(("1.1.1.1", 80), timeout=1)),
    "read /root": tries(lambda: os.listdir("/root")),
    "write /usr": tries(lambda: open("/usr/proofbook-probe", "w")),
    "nested user namespace": tries(nested_user_namespace),
}))
"#;

/// The state of one protection on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// In force.
    Ok,
    /// Missing, and the book does not allow running without it.
    Missing,
    /// Missing, and book.toml's `allow-missing` lets examples run anyway.
    Allowed,
    /// In force only in part (e.g. no per-slot uid without root): shown so
    /// the table says what is weaker, never a reason to refuse.
    Partial,
}

impl State {
    fn label(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Missing => "MISSING",
            State::Allowed => "allowed",
            State::Partial => "partial",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: &'static str,
    pub state: State,
    pub detail: String,
}

/// What the rows are judged from.
pub struct Facts<'a> {
    pub probe: &'a Probe,
    pub allow_missing: &'a [Protection],
    /// The probe program's run, or why the sandbox could not run it.
    pub run: &'a Result<RunRecord, String>,
    /// The job slots' uids and budgets, when the sandbox could start.
    pub slots: Option<&'a SlotPolicy>,
}

/// Every protection, one row each, in the order the table shows them.
/// A new protection is one more row here.
pub fn checks(f: &Facts<'_>) -> Vec<Row> {
    let protection = |p: Protection, state: Result<String, String>| {
        let allowed = f.allow_missing.contains(&p);
        match state {
            Ok(detail) => Row {
                name: p.name(),
                state: State::Ok,
                detail,
            },
            Err(why) => Row {
                name: p.name(),
                state: if allowed {
                    State::Allowed
                } else {
                    State::Missing
                },
                detail: if allowed {
                    format!("{why} (allowed by book.toml)")
                } else {
                    why
                },
            },
        }
    };
    let namespaces = match f.run {
        Ok(record) if record.outcome.success() => Row {
            name: "namespaces",
            state: State::Ok,
            detail: format!(
                "user, PID, network, mount, IPC, UTS and cgroup; the probe ran in {:.1} ms",
                record.wall.as_secs_f64() * 1e3
            ),
        },
        Ok(record) => Row {
            name: "namespaces",
            state: State::Missing,
            detail: format!(
                "the probe {}: {}",
                record.describe_outcome(),
                record.stderr_tail(15)
            ),
        },
        Err(e) => Row {
            name: "namespaces",
            state: State::Missing,
            detail: e.clone(),
        },
    };
    let cgroups = f.probe.cgroups.as_ref().map(|c| {
        format!(
            "{}; controllers: {}",
            c.describe(),
            c.controllers().join(", ")
        )
    });
    // Without cgroups, socket accounting goes with them (and is allowed
    // with them).
    let socket_memory = match (&f.probe.cgroups, &f.probe.socket_memory) {
        (Err(_), _) => Err("no cgroups, so socket buffers are not counted".into()),
        (Ok(_), s) => s.clone(),
    };
    let socket_protection = if f.probe.cgroups.is_err() {
        Protection::Cgroups
    } else {
        Protection::SocketMemory
    };
    let mut socket_row = protection(socket_protection, socket_memory);
    socket_row.name = Protection::SocketMemory.name();
    vec![
        namespaces,
        protection(Protection::Cgroups, cgroups.map_err(Clone::clone)),
        protection(
            Protection::Landlock,
            f.probe
                .landlock
                .as_ref()
                .map(|v| format!("ABI {v}"))
                .map_err(Clone::clone),
        ),
        protection(Protection::Seccomp, f.probe.seccomp.clone()),
        socket_row,
        slot_uid_row(f.slots),
        host_caps_row(f.slots),
    ]
}

/// Cached results are trusted only when signed with this user's key;
/// without a usable one, builds that run examples are refused.
fn result_cache_key() -> Row {
    let key =
        execute::secret::Secret::load_or_create().and_then(|_| execute::secret::Secret::key_path());
    match key {
        Ok(path) => Row {
            name: "result-cache key",
            state: State::Ok,
            detail: format!("cached results are signed with {}", path.display()),
        },
        Err(e) => Row {
            name: "result-cache key",
            state: State::Missing,
            detail: format!("{e} ({})", e.help()),
        },
    }
}

/// Whether concurrent examples run as different host uids (so they share
/// no per-user budget or keyring). Without root they share the user's: a
/// weaker sandbox, never a reason to refuse.
fn slot_uid_row(policy: Option<&SlotPolicy>) -> Row {
    let (state, detail) = match policy.map(|p| (&p.uids, p.uids_shared_between_builds)) {
        Some((Ok(range), shared)) => (
            State::Ok,
            format!(
                "each job slot runs as a host uid of its own, from {} to {}{}",
                range.start,
                range.end - 1,
                if shared {
                    ", claimed across every build on this machine"
                } else {
                    ""
                }
            ),
        ),
        Some((Err(why), _)) => (State::Partial, why.clone()),
        None => (State::Partial, "the sandbox could not start".into()),
    };
    Row {
        name: "per-slot uid",
        state,
        detail,
    }
}

/// The per-slot limits as planned against the host's PID and file tables.
fn host_caps_row(policy: Option<&SlotPolicy>) -> Row {
    let Some(budget) = policy.map(|p| &p.budget) else {
        return Row {
            name: "host-wide caps",
            state: State::Partial,
            detail: "the sandbox could not start".into(),
        };
    };
    let host = &budget.host;
    let mut detail = format!(
        "{} slots × {} tasks and {} open files per process, within half of pid_max {}{} and of          file-max {}",
        budget.slots,
        budget.processes,
        budget.open_files,
        host.pid_max,
        host.parent_pids_max
            .map_or_else(String::new, |m| format!(" (pids.max above us {m})")),
        host.file_max
    );
    for cut in &budget.lowered {
        detail.push_str(&format!("; cut {} → {}: {}", cut.from, cut.to, cut.because));
    }
    Row {
        name: "host-wide caps",
        state: State::Ok,
        detail,
    }
}

/// The rows as an aligned table.
pub fn table(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = format!("  {:<width$}  {:<8} detail\n", "protection", "state");
    for r in rows {
        out.push_str(&format!(
            "  {:<width$}  {:<8} {}\n",
            r.name,
            r.state.label(),
            r.detail
        ));
    }
    out
}

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let (config, warnings) = match Config::load(&args.book_dir) {
        Ok(c) => c,
        Err(e) => return Ok(report::failed(&e.to_diagnostics())),
    };
    report::print_all(&warnings);
    let run = &config.run;
    let probe = Probe::detect();
    println!("proofbook doctor: the example sandbox on this machine\n");
    let mut say = |s: &str| println!("  ..  {s}");
    if let Err(d) = execute::setup::book_interpreter(&config) {
        println!("  FAILED  python: {}", d.message);
        return Ok(ExitCode::FAILURE);
    }
    let env = match python::provision(
        &run.interpreter,
        run.requirements.as_deref(),
        run.source_builds,
        &run.cache_dir,
        &mut say,
    ) {
        Ok(env) => env,
        Err(e) => {
            println!("  FAILED  python: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    println!(
        "  python: {} {} ({})\n",
        env.implementation,
        env.version,
        env.interpreter.display()
    );
    let (named, _) = execute::setup::named_interpreters(&config);
    print!("{}", interpreter_lines(&named));
    let named_missing = named
        .iter()
        .zip(&run.interpreters)
        .any(|(r, entry)| r.found.is_err() && !entry.optional);
    // The probe runs with whatever is there, to show the rest even when
    // the book's examples would be refused.
    let sandbox = Sandbox::new(
        std::env::current_exe()?,
        env,
        execute::examples_dir(&config.confine).as_deref(),
        run.limits,
        &probe,
        &Protection::ALL,
    )
    .map_err(|e| e.to_string());
    let record = sandbox.as_ref().map_err(Clone::clone).and_then(|sandbox| {
        sandbox
            .run(&Program {
                code: PROBE,
                timeout: Duration::from_secs(20),
                files: &[],
                venv: None,
                python: None,
                asks: Default::default(),
            })
            .map_err(|e| e.to_string())
    });
    let policy = sandbox.as_ref().ok().map(Sandbox::slot_policy);
    let mut rows = checks(&Facts {
        probe: &probe,
        allow_missing: &run.allow_missing,
        run: &record,
        slots: policy.as_ref(),
    });
    rows.push(result_cache_key());
    print!("{}", table(&rows));
    if let Ok(record) = &record
        && record.outcome.success()
    {
        println!("\nFrom inside, the probe saw:");
        let seen: serde_json::Value =
            serde_json::from_str(record.stdout().trim()).unwrap_or_default();
        if let Some(map) = seen.as_object() {
            for (k, v) in map {
                println!("  {k}: {}", v.as_str().map_or(v.to_string(), str::to_owned));
            }
        }
        println!("  protections: {}", record.protections.join(", "));
    }
    if rows.iter().any(|r| r.state == State::Missing) {
        let names: Vec<String> = Protection::ALL
            .iter()
            .map(|p| format!("\"{}\"", p.name()))
            .collect();
        println!(
            "\nExamples would be refused on this machine. Fix what is MISSING, or let the book \
             run without it (any of these):\n\n  [proofbook.sandbox]\n  allow-missing = [{}]\n",
            names.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    if named_missing {
        println!(
            "\nExamples would be refused on this machine: an interpreter book.toml names is \
             not here (above). Install it, or mark its entry `optional = true`."
        );
        return Ok(ExitCode::FAILURE);
    }
    println!("\nExamples can run here.");
    Ok(ExitCode::SUCCESS)
}

/// The book's named interpreters, one line each (name, full version, GIL
/// state, path), or why one is not here with where proofbook looked; empty
/// when book.toml names none.
pub fn interpreter_lines(named: &[Resolved]) -> String {
    if named.is_empty() {
        return String::new();
    }
    let width = named.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = String::from("  named interpreters ([proofbook.python.interpreters]):\n");
    for r in named {
        match &r.found {
            Ok(found) => {
                let v = &found.verified;
                let gil = if v.free_threaded { "GIL off" } else { "GIL on" };
                out.push_str(&format!(
                    "    {:width$}  {}, {gil}, {}\n",
                    r.name,
                    v.label(),
                    v.real.display()
                ));
            }
            Err(absent) => {
                out.push_str(&format!(
                    "    {:width$}  NOT FOUND: {}\n",
                    r.name, absent.reason
                ));
                for line in &absent.looked {
                    out.push_str(&format!("    {:width$}    {line}\n", ""));
                }
            }
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(seccomp: Result<String, String>) -> Probe {
        Probe {
            cgroups: Err("no cgroups here".into()),
            landlock: Ok(6),
            seccomp,
            socket_memory: Err("unused".into()),
        }
    }

    fn rows(probe: &Probe, allow: &[Protection]) -> Vec<Row> {
        checks(&Facts {
            probe,
            allow_missing: allow,
            run: &Err("not run".into()),
            slots: None,
        })
    }

    fn state(rows: &[Row], name: &str) -> State {
        rows.iter().find(|r| r.name == name).unwrap().state
    }

    #[test]
    fn a_missing_protection_is_missing_unless_the_book_allows_it() {
        let p = probe(Err("no seccomp".into()));
        let r = rows(&p, &[]);
        assert_eq!(state(&r, "seccomp"), State::Missing);
        assert_eq!(state(&r, "cgroups"), State::Missing);
        // Socket accounting goes with cgroups, and is allowed with them.
        assert_eq!(state(&r, "socket-memory"), State::Missing);
        let r = rows(&p, &[Protection::Seccomp, Protection::Cgroups]);
        assert_eq!(state(&r, "seccomp"), State::Allowed);
        assert_eq!(state(&r, "socket-memory"), State::Allowed);
        assert_eq!(state(&r, "landlock"), State::Ok);
        assert_eq!(state(&r, "per-slot uid"), State::Partial);
    }

    #[test]
    fn the_table_aligns_its_columns() {
        let text = table(&rows(&probe(Ok("filter mode".into())), &[]));
        let column = |line: &str| line.find("  ok ").or(line.find("  MISSING "));
        let starts: Vec<_> = text.lines().skip(1).filter_map(column).collect();
        assert!(starts.len() >= 3, "{text}");
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{text}");
    }
}
