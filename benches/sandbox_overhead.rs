//! Sandbox overhead per example: `print(1)` run through proofbook's
//! sandbox minus a bare `python -c 'print(1)'` with the same interpreter,
//! measured side by side (bare, sandboxed, bare, sandboxed, ...) so both
//! see the same machine noise, and compared as paired differences.
//!
//!     cargo bench --bench sandbox_overhead [-- PAIRS]
//!
//! Both times are taken from the parent's side: spawn to exit, output read.
//!
//! `PROOFBOOK_LAUNCHER=PATH` runs another build's launcher as the measured
//! side (the binary must come from the same commit as this bench).
//!
//! With `BASELINE_LAUNCHER=PATH` (another build of the proofbook binary,
//! such as the previous commit's), the baseline is that binary's sandbox
//! instead of bare Python, and the paired difference is what a change to
//! the launcher costs per example.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use proofbook::config::Limits;
use proofbook::execute::{Probe, Program, Sandbox, python};

fn main() {
    let pairs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(60);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let env = python::provision(
        "python3",
        Some(&root.join("requirements.txt")),
        false,
        &root.join(".proofbook-cache"),
        &mut |line| eprintln!("{line}"),
    )
    .expect("the Python environment sets up");
    let mut probe = Probe::detect();
    let mut allow = Vec::new();
    if std::env::var_os("NO_CGROUPS").is_some() {
        probe.cgroups = Err("off".into());
        allow.push(proofbook::config::Protection::Cgroups);
    }
    let launcher = std::env::var_os("PROOFBOOK_LAUNCHER").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_proofbook")),
        PathBuf::from,
    );
    let sandbox = Sandbox::new(
        launcher,
        env.clone(),
        None,
        Limits::default(),
        &probe,
        &allow,
    )
    .expect("the sandbox has every protection here");
    let baseline = std::env::var_os("BASELINE_LAUNCHER").map(|launcher| {
        Sandbox::new(
            PathBuf::from(launcher),
            env.clone(),
            None,
            Limits::default(),
            &probe,
            &allow,
        )
        .expect("the baseline sandbox starts")
    });
    let run = |sandbox: &Sandbox| {
        let t = Instant::now();
        let r = sandbox
            .run(&Program {
                code: "print(1)\n",
                timeout: Duration::from_secs(10),
                files: &[],
                venv: None,
                python: None,
                asks: Default::default(),
            })
            .unwrap();
        assert_eq!(r.stdout(), "1\n");
        t.elapsed()
    };
    let bare = || {
        if let Some(sandbox) = &baseline {
            return run(sandbox);
        }
        let t = Instant::now();
        let out = Command::new(&env.interpreter)
            .args(["-c", "print(1)"])
            .output()
            .unwrap();
        assert_eq!(out.stdout, b"1\n");
        t.elapsed()
    };
    let boxed = || run(&sandbox);
    for _ in 0..5 {
        bare();
        boxed();
    }
    let (mut a, mut b, mut diff) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..pairs {
        let x = bare();
        let y = boxed();
        a.push(x.as_secs_f64() * 1e3);
        b.push(y.as_secs_f64() * 1e3);
        diff.push((y.as_secs_f64() - x.as_secs_f64()) * 1e3);
    }
    let q = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(f64::total_cmp);
        let i = ((v.len() - 1) as f64 * p).round() as usize;
        v[i]
    };
    println!(
        "interpreter: {} (Python {})",
        env.interpreter.display(),
        env.version
    );
    println!("{pairs} interleaved pairs, milliseconds (median [p25, p75]):");
    for (name, v) in [
        (
            if baseline.is_some() {
                "baseline launcher"
            } else {
                "bare python -c"
            },
            &mut a,
        ),
        ("sandboxed", &mut b),
        ("overhead (paired)", &mut diff),
    ] {
        println!(
            "  {name:<18} {:7.2} [{:.2}, {:.2}]",
            q(v, 0.5),
            q(v, 0.25),
            q(v, 0.75)
        );
    }
}
