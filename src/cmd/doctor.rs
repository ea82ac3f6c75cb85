use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use proofbook::config::Config;
use proofbook::execute::{self, Probe, Program, Protection, Sandbox, python};

use crate::report;

#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Checks each protection of the example sandbox on this machine \
(namespaces, cgroups, Landlock) and the key that signs cached results, sets up the book's Python environment, and runs a \
probe program inside the sandbox that tries to reach the network and the host.\n\n\
The exit status is 0 when examples can run as the book asks, 1 when they would be refused."
)]
pub struct Args {
    /// The book's root folder (the one holding book.toml).
    #[arg(default_value = ".")]
    book_dir: PathBuf,
}

/// A program that reports, from inside, what the sandbox lets it do.
const PROBE: &str = r#"
import json, os, socket
def tries(f):
    try:
        f()
        return "allowed"
    except OSError as e:
        return "blocked (" + (e.strerror or type(e).__name__) + ")"
def serve():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); s.close()
print(json.dumps({
    "uid": os.getuid(),
    "pid": os.getpid(),
    "hostname": socket.gethostname(),
    "loopback server": tries(serve),
    "outside network": tries(lambda: socket.create_connection(("1.1.1.1", 80), timeout=1)),
    "read /root": tries(lambda: os.listdir("/root")),
    "write /usr": tries(lambda: open("/usr/proofbook-probe", "w")),
}))
"#;

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let (config, warnings) = match Config::load(&args.book_dir) {
        Ok(c) => c,
        Err(e) => return Ok(report::failed(&e.to_diagnostics())),
    };
    report::print_all(&warnings);
    let run = &config.run;
    let probe = Probe::detect();
    let mut refused = false;
    println!("proofbook doctor: the example sandbox on this machine\n");
    let line = |name: &str, state: Result<String, String>, allowed: bool| match state {
        Ok(s) => println!("  ok       {name}: {s}"),
        Err(e) if allowed => println!("  MISSING  {name}: {e} (allowed by book.toml)"),
        Err(e) => println!("  MISSING  {name}: {e}"),
    };
    for p in Protection::ALL {
        let allowed = run.allow_missing.contains(&p);
        let state = match p {
            Protection::Cgroups => probe.cgroups.as_ref().map(|c| c.describe()),
            Protection::Landlock => probe.landlock.as_ref().map(|v| format!("ABI {v}")),
        }
        .map_err(Clone::clone);
        refused |= state.is_err() && !allowed;
        line(p.name(), state, allowed);
    }
    // Cached results are trusted only when signed with this user's key;
    // without a usable one, builds that run examples are refused.
    let key = execute::secret::Secret::load_or_create()
        .and_then(|_| execute::secret::Secret::key_path())
        .map(|p| format!("cached results are signed with {}", p.display()))
        .map_err(|e| format!("{e} ({})", e.help()));
    refused |= key.is_err();
    line("result-cache key", key, false);
    let mut say = |s: &str| println!("  ..       {s}");
    let env = match python::provision(
        &run.interpreter,
        run.requirements.as_deref(),
        &run.cache_dir,
        &mut say,
    ) {
        Ok(env) => env,
        Err(e) => {
            println!("  FAILED   python: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    println!(
        "  ok       python: {} {} ({})",
        env.implementation,
        env.version,
        env.interpreter.display()
    );
    let launcher = std::env::current_exe()?;
    let allow: Vec<Protection> = if refused {
        Protection::ALL.to_vec() // run the probe anyway, to show the rest
    } else {
        run.allow_missing.clone()
    };
    let sandbox = Sandbox::new(
        launcher,
        env,
        execute::examples_dir(&config.confine).as_deref(),
        run.limits,
        &probe,
        &allow,
    )?;
    match sandbox.run(&Program {
        code: PROBE,
        timeout: Duration::from_secs(20),
    }) {
        Ok(record) if record.outcome.success() => {
            println!(
                "  ok       namespaces: the probe ran in {:.1} ms; from inside it saw:",
                record.wall.as_secs_f64() * 1e3
            );
            let seen: serde_json::Value =
                serde_json::from_str(record.stdout().trim()).unwrap_or_default();
            if let Some(map) = seen.as_object() {
                for (k, v) in map {
                    println!(
                        "             {k}: {}",
                        v.as_str().map_or(v.to_string(), str::to_owned)
                    );
                }
            }
            println!("           protections: {}", record.protections.join(", "));
        }
        Ok(record) => {
            println!(
                "  FAILED   the probe {}:\n{}",
                record.describe_outcome(),
                record.stderr_tail(15)
            );
            refused = true;
        }
        Err(e) => {
            println!("  FAILED   namespaces: {e}");
            refused = true;
        }
    }
    if refused {
        println!(
            "\nExamples would be refused on this machine. Fix what is MISSING, or let the book \
             run without it:\n\n  [proofbook.sandbox]\n  allow-missing = [\"cgroups\", \"landlock\"]\n"
        );
        return Ok(ExitCode::FAILURE);
    }
    println!("\nExamples can run here.");
    Ok(ExitCode::SUCCESS)
}
