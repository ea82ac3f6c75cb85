//! The example sandbox against real CPython: hostile programs are contained
//! and leave the host as it was; legitimate concurrency code works.
//!
//! These tests start the real launcher (the proofbook binary) through the
//! library's `Sandbox`. They run one at a time, so the host checks after
//! each run (no process left, no file written) see only that run.

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use proofbook::config::Limits;
use proofbook::execute::{Outcome, Probe, Program, RunRecord, Sandbox};

/// Whether `uid` is one sandboxed programs have on the host (each job
/// slot has its own, from this range).
fn sandbox_uid(uid: u32) -> bool {
    proofbook::execute::slot_ids::range().contains(&uid)
}

struct Env {
    sandbox: Sandbox,
    small: Sandbox,
    examples: tempfile::TempDir,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let python = support::guide_python();
        let examples = tempfile::tempdir().unwrap();
        std::fs::write(examples.path().join("helper.py"), "VALUE = 42\n").unwrap();
        std::os::unix::fs::symlink(secret_file(), examples.path().join("escape")).unwrap();
        let probe = Probe::detect();
        let launcher = PathBuf::from(env!("CARGO_BIN_EXE_proofbook"));
        let make = |limits| {
            Sandbox::new(
                launcher.clone(),
                python.clone(),
                Some(examples.path()),
                limits,
                &probe,
                &[],
            )
            .expect("every protection is available on the test machine")
        };
        let small = Limits {
            memory_bytes: 256 << 20,
            processes: 64,
            cpu_seconds: 2,
            output_bytes: 64 << 10,
            tmpfs_bytes: 16 << 20,
            file_size_bytes: 8 << 20,
            ..Limits::default()
        };
        Env {
            sandbox: make(Limits::default()),
            small: make(small),
            examples,
        }
    })
}

/// A file outside the sandbox that no example may read.
fn secret_file() -> PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("proofbook-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token.txt");
        std::fs::write(&file, "s3cr3t-token\n").unwrap();
        file
    })
    .clone()
}

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn run_in(sandbox: &Sandbox, code: &str, timeout: f64) -> RunRecord {
    let record = sandbox
        .run(&Program {
            code,
            timeout: Duration::from_secs_f64(timeout),
            files: &[],
            venv: None,
            python: None,
            asks: Default::default(),
        })
        .expect("the sandbox starts");
    assert_host_clean();
    record
}

fn run(code: &str) -> RunRecord {
    run_in(&env().sandbox, code, 30.0)
}

fn run_small(code: &str, timeout: f64) -> RunRecord {
    run_in(&env().small, code, timeout)
}

fn ok(code: &str) -> String {
    let r = run(code);
    assert_eq!(
        r.outcome,
        Outcome::Exited(0),
        "stdout:\n{}\nstderr:\n{}",
        r.stdout(),
        r.stderr()
    );
    r.stdout()
}

/// No process of a sandbox's host uid is left once a run returns.
fn assert_host_clean() {
    let left: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .filter_map(|e| {
            let status = std::fs::read_to_string(e.path().join("status")).ok()?;
            let uid: u32 = status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?;
            (sandbox_uid(uid) && !claimed_elsewhere(uid))
                .then(|| status.lines().next().unwrap_or("").to_owned())
        })
        .collect();
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

/// Whether another process (another build or test run on this machine)
/// holds the claim on `uid` now: its examples are not this test's leftovers.
/// A uid nobody holds, or this process holds, still counts, so a process
/// that outlived its slot here is found.
fn claimed_elsewhere(uid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(format!("/run/proofbook/slot-uids/{uid}")) else {
        return false;
    };
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    let me = std::process::id();
    locks.lines().any(|line| {
        // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(pid), Some(file)) = (fields.get(4), fields.get(5)) else {
            return false;
        };
        fields.get(1) == Some(&"FLOCK")
            && pid.parse::<u32>().is_ok_and(|p| p != me)
            && file.rsplit(':').next().and_then(|i| i.parse::<u64>().ok()) == Some(meta.ino())
    })
}

// ---------- hostile programs ----------

#[test]
fn no_network_but_its_own_loopback() {
    let _s = serial();
    // A server on the host's loopback must be out of reach.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = ok(&format!(
        r#"
import socket
for host, port in [("127.0.0.1", {port}), ("1.1.1.1", 80), ("10.0.0.1", 80)]:
    try:
        socket.create_connection((host, port), timeout=2)
        print(host, "reached")
    except OSError as e:
        print(host, "blocked", type(e).__name__)
"#
    ));
    assert!(!out.contains("reached"), "{out}");
    assert_eq!(out.matches("blocked").count(), 3, "{out}");
    assert!(
        listener.accept().is_err(),
        "the host's listener got a connection"
    );
}

#[test]
fn secrets_outside_cannot_be_read() {
    let _s = serial();
    let secret = secret_file();
    let out = ok(&format!(
        r#"
import os
for path in [{secret:?}, "/etc/shadow", "/root/.bashrc", "/proc/1/root/etc/shadow", "/sys/kernel"]:
    try:
        open(path).read()
        print(path, "READ")
    except OSError as e:
        print(path, "denied", type(e).__name__)
print(sorted(os.listdir("/")))
"#,
        secret = secret.display().to_string()
    ));
    assert!(!out.contains("READ"), "{out}");
    assert!(!out.contains("s3cr3t"), "{out}");
    assert!(
        !out.contains("'home'"),
        "the host's /home is visible: {out}"
    );
}

#[test]
fn writes_outside_the_scratch_folders_fail() {
    let _s = serial();
    let book = tempfile::tempdir().unwrap();
    let target = book.path().join("pwned.txt");
    let out = ok(&format!(
        r#"
import os
for path in [{target:?}, "/usr/pwned", "/etc/pwned", "/pwned", {examples:?} + "/pwned"]:
    try:
        open(path, "w").write("x")
        print(path, "WRITTEN")
    except OSError as e:
        print(path, "denied", type(e).__name__)
for path in ["/sandbox/ok", "/tmp/ok", "/dev/shm/ok"]:
    open(path, "w").write("fine")
    print(path, "ok")
"#,
        target = target.display().to_string(),
        examples = env().examples.path().display().to_string(),
    ));
    assert!(!out.contains("WRITTEN"), "{out}");
    assert_eq!(out.matches(" ok").count(), 3, "{out}");
    assert!(!target.exists());
    assert!(!env().examples.path().join("pwned").exists());
    assert!(!Path::new("/usr/pwned").exists() && !Path::new("/pwned").exists());
}

#[test]
fn a_fork_bomb_hits_the_process_limit() {
    let _s = serial();
    let r = run_small(
        r#"
import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        children += 1
except OSError as e:
    print("fork failed after", children, "children:", e.strerror)
"#,
        20.0,
    );
    assert_eq!(r.outcome, Outcome::Exited(0), "{}", r.stderr());
    assert!(r.processes_limit_hit);
    assert!(r.stdout().contains("fork failed"), "{}", r.stdout());
    // Every child was still sleeping; init killed them all.
    assert!(r.leftover_processes > 10, "{}", r.leftover_processes);
}

#[test]
fn a_memory_bomb_is_killed_at_the_memory_limit() {
    let _s = serial();
    let r = run_small(
        "blocks = []\nwhile True:\n    blocks.append(bytearray(16 << 20))\n",
        20.0,
    );
    assert_eq!(r.outcome, Outcome::Signaled(9), "{}", r.stderr());
    assert!(r.memory_limit_hit);
    assert!(r.describe_outcome().contains("memory limit"));
}

#[test]
fn an_endless_loop_stops_at_the_time_limit() {
    let _s = serial();
    let r = run_small("while True:\n    pass\n", 1.0);
    assert_eq!(r.outcome, Outcome::TimedOut);
    assert!(r.wall >= Duration::from_millis(900), "{:?}", r.wall);
}

#[test]
fn cpu_time_is_limited_even_within_the_wall_clock() {
    let _s = serial();
    // Two seconds of CPU allowed; the wall-clock limit is far away.
    let r = run_small("while True:\n    pass\n", 30.0);
    assert_eq!(r.outcome, Outcome::Signaled(libc_sigxcpu()), "{:?}", r);
}

fn libc_sigxcpu() -> i32 {
    24
}

#[test]
fn a_process_ignoring_sigterm_is_still_stopped() {
    let _s = serial();
    let r = run_small(
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('waiting', flush=True)\ntime.sleep(600)\n",
        1.0,
    );
    assert_eq!(r.outcome, Outcome::TimedOut);
    assert_eq!(r.stdout(), "waiting\n");
}

#[test]
fn a_double_forked_daemon_does_not_outlive_the_run() {
    let _s = serial();
    let r = run(r#"
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(600)
    os._exit(0)
os.wait()
print("parent done")
"#);
    assert_eq!(r.outcome, Outcome::Exited(0));
    assert!(r.wall < Duration::from_secs(10), "it waited for the daemon");
    assert_eq!(r.leftover_processes, 1);
}

#[test]
fn children_left_running_at_a_timeout_are_killed() {
    let _s = serial();
    let r = run_small(
        "import subprocess, time\nsubprocess.Popen(['sleep', '600'])\nsubprocess.Popen(['python3', '-c', 'import time; time.sleep(600)'])\ntime.sleep(600)\n",
        1.5,
    );
    assert_eq!(r.outcome, Outcome::TimedOut, "{}", r.stderr());
}

#[test]
fn an_output_flood_is_cut_at_the_limit_and_stopped() {
    let _s = serial();
    let r = run_small("while True:\n    print('x' * 1000)\n", 20.0);
    assert_eq!(r.outcome, Outcome::OutputLimit);
    assert!(r.truncated);
    let size: usize = r.output.iter().map(|c| c.text.len()).sum();
    assert!(size <= 64 << 10, "{size}");
    assert!(size > 32 << 10, "{size}");
}

#[test]
fn filling_the_disk_fails_inside_the_sandbox_only() {
    let _s = serial();
    let r = run_small(
        r#"
import errno
written = 0
try:
    with open("/sandbox/big", "wb") as f:
        while True:
            f.write(b"\0" * (1 << 20))
            f.flush()
            written += 1
except OSError as e:
    print("stopped after", written, "MiB:", errno.errorcode[e.errno])
try:
    with open("/tmp/big", "wb") as f:
        f.write(b"\0" * (32 << 20))
except OSError as e:
    print("tmp:", errno.errorcode[e.errno])
"#,
        20.0,
    );
    let out = r.stdout();
    // The 8 MiB file-size limit or the 16 MiB tmpfs, whichever comes first.
    assert!(
        out.contains("EFBIG") || out.contains("ENOSPC"),
        "{out}\n{}",
        r.stderr()
    );
    assert!(out.contains("tmp: E"), "{out}");
    assert!(!Path::new("/sandbox/big").exists());
}

#[test]
fn the_environment_holds_no_secrets() {
    let _s = serial();
    // SAFETY: tests that read the environment are serialized by `serial`.
    unsafe { std::env::set_var("PROOFBOOK_TEST_TOKEN", "do-not-leak") };
    let out = ok(r#"
import os
print(sorted(os.environ))
for pid in ["1", "self"]:
    try:
        print(pid, open(f"/proc/{pid}/environ", "rb").read())
    except OSError as e:
        print(pid, "unreadable", type(e).__name__)
"#);
    unsafe { std::env::remove_var("PROOFBOOK_TEST_TOKEN") };
    assert!(!out.contains("do-not-leak"), "{out}");
    assert!(!out.contains("PROOFBOOK_TEST_TOKEN"), "{out}");
    assert!(!out.contains("CARGO"), "{out}");
}

#[test]
fn symlinks_cannot_escape() {
    let _s = serial();
    let out = ok(&format!(
        r#"
import os
os.symlink({secret:?}, "/sandbox/link")
for path in ["/sandbox/link", {escape:?}]:
    try:
        print(path, open(path).read())
    except OSError as e:
        print(path, "denied", type(e).__name__)
"#,
        secret = secret_file().display().to_string(),
        escape = env().examples.path().join("escape").display().to_string(),
    ));
    assert!(!out.contains("s3cr3t"), "{out}");
    assert_eq!(out.matches("denied").count(), 2, "{out}");
}

#[test]
fn no_privilege_and_nothing_outside_to_signal() {
    let _s = serial();
    let me = std::process::id();
    let out = ok(&format!(
        r#"
import os, signal, socket
print("uid", os.getuid(), os.geteuid())
caps = [l for l in open("/proc/self/status") if l.startswith(("CapEff", "NoNewPrivs"))]
print("".join(caps).strip())
for name, f in [
    ("setuid", lambda: os.setuid(0)),
    ("hostname", lambda: socket.sethostname("evil")),
    ("kill init", lambda: os.kill(1, signal.SIGKILL)),
    ("kill host", lambda: os.kill({me}, signal.SIGKILL)),
]:
    try:
        f()
        print(name, "ALLOWED")
    except OSError as e:
        print(name, "denied", type(e).__name__)
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
print("ptrace init", "ALLOWED" if libc.ptrace(PTRACE_ATTACH, 1, 0, 0) == 0 else "denied " + os.strerror(ctypes.get_errno()))
print("pids", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
"#
    ));
    assert!(out.contains("uid 1000 1000"), "{out}");
    assert!(out.contains("CapEff:\t0000000000000000"), "{out}");
    assert!(out.contains("NoNewPrivs:\t1"), "{out}");
    // kill(1) from inside is ignored by init without error, so only the
    // others must be denied; init must survive it (the run finished).
    assert!(
        !out.contains("setuid ALLOWED") && !out.contains("hostname ALLOWED"),
        "{out}"
    );
    assert!(!out.contains("kill host ALLOWED"), "{out}");
    assert!(out.contains("ptrace init denied"), "{out}");
    assert!(out.contains("pids [1, 2]"), "{out}");
}

#[test]
fn shared_memory_and_tmp_are_private() {
    let _s = serial();
    let marker = format!("/dev/shm/proofbook-host-{}", std::process::id());
    std::fs::write(&marker, "host").unwrap();
    let out = ok(&format!(
        "import os\nprint(os.path.exists({marker:?}), os.listdir('/dev/shm'), os.listdir('/tmp'))\nopen('/dev/shm/from-sandbox', 'w').write('x')\n"
    ));
    std::fs::remove_file(&marker).unwrap();
    assert!(out.starts_with("False [] "), "{out}");
    assert!(!Path::new("/dev/shm/from-sandbox").exists());
}

#[test]
fn only_the_standard_streams_are_inherited() {
    let _s = serial();
    let out = ok(
        "import os\nprint(sorted(int(f) for f in os.listdir('/proc/self/fd')))\nprint(repr(open(0).read()))\n",
    );
    // 3 is the descriptor listdir itself holds open.
    assert_eq!(out, "[0, 1, 2, 3]\n''\n");
}

// ---------- legitimate programs ----------

#[test]
fn output_status_and_resources_are_recorded() {
    let _s = serial();
    let r = run(
        "import sys, time\nprint('out 1')\ntime.sleep(0.1)\nprint('err 1', file=sys.stderr)\ntime.sleep(0.1)\nprint('out 2')\nsys.exit(3)\n",
    );
    assert_eq!(r.outcome, Outcome::Exited(3));
    assert_eq!(r.stdout(), "out 1\nout 2\n");
    assert_eq!(r.stderr(), "err 1\n");
    // Output written apart in time keeps its order across the streams.
    assert_eq!(r.output.len(), 3, "{:?}", r.output);
    assert_eq!(r.output[1].text, "err 1\n");
    let signaled = run("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n");
    assert_eq!(signaled.outcome, Outcome::Signaled(15));
    let helper = ok("import helper\nprint(helper.VALUE)\n");
    assert_eq!(helper, "42\n");
}

#[test]
fn programs_report_figures_on_the_metrics_channel() {
    let _s = serial();
    let r = run(r#"
import json, os
with open(os.environ["PROOFBOOK_METRICS"], "a") as f:
    print(json.dumps({"requests_per_s": 1843.5, "p99_ms": 12}), file=f)
    print(json.dumps({"p99_ms": 11.5}), file=f)
"#);
    assert_eq!(r.outcome, Outcome::Exited(0), "{}", r.stderr());
    assert_eq!(r.metrics_error, None);
    assert_eq!(r.metrics.get("requests_per_s"), Some(&1843.5));
    assert_eq!(
        r.metrics.get("p99_ms"),
        Some(&11.5),
        "the last value counts"
    );

    // Any process can report, however it was started.
    let workers = run(r#"
import json, multiprocessing as mp, os, subprocess, sys
def report(i):
    with open(os.environ["PROOFBOOK_METRICS"], "a") as f:
        print(json.dumps({f"worker_{i}": i}), file=f)
if __name__ == "__main__":
    for method in ["spawn", "forkserver"]:
        with mp.get_context(method).Pool(2) as pool:
            pool.map(report, [1, 2] if method == "spawn" else [3])
    subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, '.'); from snippet import report; report(4)"], check=True)
"#);
    assert_eq!(workers.outcome, Outcome::Exited(0), "{}", workers.stderr());
    let names: Vec<&String> = workers.metrics.keys().collect();
    assert_eq!(
        names,
        ["worker_1", "worker_2", "worker_3", "worker_4"],
        "{:?}",
        workers.metrics_error
    );

    let flood = run(
        "import os\nwith open(os.environ['PROOFBOOK_METRICS'], 'a') as f:\n    f.write('{\"y\": 1}\\n' * 200_000)\n",
    );
    assert!(
        flood
            .metrics_error
            .as_deref()
            .unwrap_or("")
            .contains("more than 1024 KiB"),
        "{:?}",
        flood.metrics_error
    );
    let clash =
        run("import os\nopen(os.environ['PROOFBOOK_METRICS'], 'a').write('{\"wall\": 1}\\n')\n");
    assert!(
        clash
            .metrics_error
            .as_deref()
            .unwrap_or("")
            .contains("proofbook measures itself"),
        "{:?}",
        clash.metrics_error
    );

    let bad = run(
        "import os\nopen(os.environ['PROOFBOOK_METRICS'], 'a').write('rps=12\\n{\"ok\": \"no\"}\\n')\n",
    );
    let error = bad
        .metrics_error
        .expect("bad metrics are an error, not a crash");
    assert!(
        error.contains("line 1") && error.contains("is not JSON"),
        "{error}"
    );
}

#[test]
fn cpu_time_and_peak_memory_include_child_processes() {
    let _s = serial();
    let r = run(r#"
import multiprocessing as mp
def burn():
    data = bytearray(120 << 20)
    for i in range(0, len(data), 4096):
        data[i] = 1
    n = 0
    for i in range(3_000_000):
        n += i
if __name__ == "__main__":
    p = mp.get_context("fork").Process(target=burn)
    p.start(); p.join()
    print(p.exitcode)
"#);
    assert_eq!(r.stdout(), "0\n", "{}", r.stderr());
    assert!(r.user >= Duration::from_millis(50), "{:?}", r.user);
    let peak = r.peak_memory_bytes.unwrap();
    assert!(peak >= 120 << 20, "peak {peak}");
}

#[test]
fn threads_and_every_multiprocessing_start_method_work() {
    let _s = serial();
    let out = ok(r#"
import multiprocessing as mp
from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor
def square(x):
    return x * x
if __name__ == "__main__":
    with ThreadPoolExecutor(8) as pool:
        print("threads", sum(pool.map(square, range(100))))
    for method in ["fork", "spawn", "forkserver"]:
        with mp.get_context(method).Pool(2) as pool:
            print(method, sum(pool.map(square, range(100))))
        lock = mp.get_context(method).Lock()
        with lock:
            pass
    with ProcessPoolExecutor(2) as pool:
        print("executor", sum(pool.map(square, range(100))))
"#);
    for line in ["threads", "fork", "spawn", "forkserver", "executor"] {
        assert!(out.contains(&format!("{line} 328350")), "{line}: {out}");
    }
}

#[test]
fn asyncio_aiohttp_and_uvloop_serve_on_loopback() {
    let _s = serial();
    let out = ok(r#"
import asyncio, aiohttp, uvloop
from aiohttp import web

async def echo(reader, writer):
    writer.write(await reader.readline()); await writer.drain(); writer.close()

async def raw():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    r, w = await asyncio.open_connection("localhost", port)
    w.write(b"ping\n"); await w.drain()
    print("asyncio", (await r.readline()).decode().strip())
    server.close()

async def http():
    app = web.Application()
    app.router.add_get("/", lambda request: web.Response(text="pong"))
    runner = web.AppRunner(app); await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0); await site.start()
    port = site._server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession() as s:
        async with s.get(f"http://127.0.0.1:{port}/") as resp:
            print("aiohttp", await resp.text())
    await runner.cleanup()

asyncio.run(raw())
asyncio.run(http())
uvloop.run(raw())
print(type(asyncio.get_event_loop_policy()).__module__)
"#);
    assert_eq!(out.matches("asyncio ping").count(), 2, "{out}");
    assert!(out.contains("aiohttp pong"), "{out}");
}

#[test]
fn a_missing_protection_refuses_unless_allowed() {
    let _s = serial();
    let env = env();
    let mut probe = Probe::detect();
    probe.landlock = Err("pretend the kernel has none".into());
    let python = env.sandbox.python().clone();
    let launcher = PathBuf::from(env!("CARGO_BIN_EXE_proofbook"));
    let refused = Sandbox::new(
        launcher.clone(),
        python.clone(),
        None,
        Limits::default(),
        &probe,
        &[],
    )
    .unwrap_err();
    assert!(refused.to_string().contains("landlock"), "{refused}");
    let allowed = Sandbox::new(
        launcher,
        python,
        None,
        Limits::default(),
        &probe,
        &[proofbook::config::Protection::Landlock],
    )
    .unwrap();
    let r = run_in(&allowed, "print('ran')", 30.0);
    assert_eq!(r.stdout(), "ran\n");
    assert_eq!(r.missing, ["landlock"]);
    assert!(!r.protections.iter().any(|p| p.starts_with("Landlock")));
}

#[test]
fn the_zygote_refuses_to_start_by_hand() {
    // The zygote is a public entry point of the binary: started without
    // proofbook as its parent it exits with status 125, never a panic.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_proofbook"))
        .args([proofbook::execute::zygote::SUBCOMMAND, "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    let bare = std::process::Command::new(env!("CARGO_BIN_EXE_proofbook"))
        .arg(proofbook::execute::zygote::SUBCOMMAND)
        .output()
        .unwrap();
    assert_eq!(bare.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&bare.stderr).contains("started by proofbook"));
}
