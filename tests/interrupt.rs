//! Interrupted runs: Ctrl-C (SIGINT to the terminal's process group) and
//! SIGTERM (a CI cancel, `timeout`) end every sandboxed process, remove
//! the build's cgroups and staging folder, and exit 130 / 143. A build
//! killed with SIGKILL leaves its cgroups; the next build removes them.
//!
//! The example starts a `sleep` with a duration no other process has, so
//! the test can see from the host's /proc whether it is still alive.

mod support;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use support::BookTest;

/// Held by each test for its whole run. A build removes the cgroups of
/// every proofbook process that is gone, so with the tests in parallel
/// another test's build could remove the killed build's cgroups before the
/// build under test does, and the test could not see it say so.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // A test that failed holding it must not fail the others too.
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A duration for the example's `sleep`, unique to this test process and
/// test, which the test then looks for in /proc.
fn tag() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}.{}{}",
        900 + N.fetch_add(1, Ordering::Relaxed),
        std::process::id(),
        7
    )
}

/// A book whose one example starts a tagged `sleep` and sleeps itself.
fn sleeping_book(tag: &str) -> BookTest {
    BookTest::one_chapter(&format!(
        "# Sleeps\n\n```python\nimport subprocess, time\n\
         subprocess.Popen(['sleep', '{tag}'])\ntime.sleep({tag})\n```\n"
    ))
}

/// Starts `proofbook build` in its own process group (as a shell starts
/// a job), its stderr into a file.
fn start_build(t: &BookTest) -> (Child, PathBuf) {
    start(t, &["build"])
}

fn start(t: &BookTest, args: &[&str]) -> (Child, PathBuf) {
    let log = t.root().join("stderr.log");
    let child = Command::new(assert_cmd::cargo::cargo_bin("proofbook"))
        .args(args)
        .current_dir(t.root())
        .env("NO_COLOR", "1")
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    (child, log)
}

/// The pids of processes whose command line holds `tag`.
fn tagged(tag: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(tag))
        })
        .collect()
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for the example's `sleep` to run (the build is in its examples).
fn wait_for_example(tag: &str, child: &mut Child, log: &Path) {
    wait_until("the example to start", Duration::from_secs(120), || {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the build ended before its example started ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        !tagged(tag).is_empty()
    });
}

/// The run cgroups of proofbook process `pid` that exist.
fn cgroups_of(pid: u32) -> Vec<PathBuf> {
    let Some(root) = proofbook::execute::cgroup::CgroupRoot::find() else {
        return Vec::new();
    };
    let prefix = format!("proofbook-{pid}-");
    root.bases()
        .iter()
        .filter_map(|base| std::fs::read_dir(base).ok())
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

/// Every process of the stopped build's sandboxes (tagged `tag`) and
/// every cgroup of the process `child` are gone.
fn assert_sandboxes_gone(tag: &str, child: &Child) {
    assert_eq!(
        tagged(tag),
        Vec::<i32>::new(),
        "sandboxed processes left running"
    );
    assert_eq!(
        cgroups_of(child.id()),
        Vec::<PathBuf>::new(),
        "cgroups left"
    );
}

fn staging_folders(root: &Path) -> Vec<String> {
    let serve = root.join(".proofbook-cache");
    [root, serve.as_path()]
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".book.") || n.starts_with(".serve."))
        .collect()
}

fn exit_status(child: &mut Child, log: &Path) -> i32 {
    let status = wait_timeout::ChildExt::wait_timeout(child, Duration::from_secs(60))
        .unwrap()
        .unwrap_or_else(|| {
            let _ = child.kill();
            panic!(
                "the build did not stop: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            )
        });
    status.code().unwrap_or_else(|| {
        panic!(
            "the build died of a signal ({status}) instead of stopping: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        )
    })
}

/// Interrupts a build in its examples with `deliver`, then checks that it
/// exited with `code` and left nothing behind.
fn interrupted_build_leaves_nothing(deliver: impl FnOnce(&Child), code: i32) {
    let tag = tag();
    let t = sleeping_book(&tag);
    let (mut child, log) = start_build(&t);
    wait_for_example(&tag, &mut child, &log);
    assert!(
        !cgroups_of(child.id()).is_empty()
            || proofbook::execute::cgroup::CgroupRoot::find().is_none(),
        "the running build has its cgroups"
    );
    deliver(&child);
    let status = exit_status(&mut child, &log);
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status, code, "{stderr}");
    assert!(stderr.contains("stopping the running examples"), "{stderr}");
    // Every process of the sandbox is gone by the time proofbook exits.
    assert_sandboxes_gone(&tag, &child);
    assert_eq!(staging_folders(t.root()), Vec::<String>::new());
    assert!(
        !t.root().join("book").exists(),
        "no site from a stopped build"
    );
    // An interrupted run is not a result: the next build runs it again.
    assert!(
        !std::fs::read_dir(t.root().join(".proofbook-cache/results"))
            .map(|d| d
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "json")))
            .unwrap_or(false),
        "the stopped run was cached"
    );
}

#[test]
fn ctrl_c_stops_the_examples_and_exits_130() {
    let _serial = one_at_a_time();
    // A terminal sends SIGINT to the whole foreground group, the
    // sandbox's zygote included.
    interrupted_build_leaves_nothing(
        |child| killpg(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap(),
        130,
    );
}

#[test]
fn sigterm_to_proofbook_alone_stops_the_examples_and_exits_143() {
    let _serial = one_at_a_time();
    interrupted_build_leaves_nothing(
        |child| kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap(),
        143,
    );
}

#[test]
fn the_build_after_a_sigkill_removes_what_it_left() {
    let _serial = one_at_a_time();
    let tag = tag();
    let t = sleeping_book(&tag);
    let (mut child, log) = start_build(&t);
    wait_for_example(&tag, &mut child, &log);
    let killed = child.id();
    child.kill().unwrap(); // SIGKILL: nothing can be cleaned up
    child.wait().unwrap();
    // The sandbox dies with its zygote, which sees proofbook's socket close.
    wait_until(
        "the sandbox to die with its owner",
        Duration::from_secs(30),
        || tagged(&tag).is_empty(),
    );
    let left = cgroups_of(killed);
    if proofbook::execute::cgroup::CgroupRoot::find().is_some() {
        assert!(!left.is_empty(), "a killed build leaves its cgroups");
    }
    // A staging folder a killed build left in its render step.
    let staging = format!(".book.new-{killed}-x1y2z3");
    t.write(&format!("{staging}/chapter.html"), "half");

    // The next build: no sleeping example, so it finishes.
    t.write(
        "content/chapter.md",
        "# Sleeps no more\n\n```python\nprint('ok')\n```\n",
    );
    let run = t.build();
    run.success();
    let err = run.stderr();
    assert_eq!(cgroups_of(killed), Vec::<PathBuf>::new(), "{err}");
    for dir in &left {
        assert!(
            err.contains(&dir.display().to_string()),
            "says what it removed: {err}"
        );
    }
    assert!(err.contains(&staging), "{err}");
    assert_eq!(staging_folders(t.root()), Vec::<String>::new());
}

#[test]
fn serve_stops_on_sigterm_during_a_rebuild_and_when_idle() {
    let _serial = one_at_a_time();
    let tag = tag();
    let t = sleeping_book(&tag);
    let (mut child, log) = start(&t, &["serve", "--port", "0"]);
    wait_for_example(&tag, &mut child, &log);
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let status = exit_status(&mut child, &log);
    assert_eq!(status, 143, "{}", std::fs::read_to_string(&log).unwrap());
    assert_sandboxes_gone(&tag, &child);
    assert_eq!(staging_folders(t.root()), Vec::<String>::new());

    // Idle, between rebuilds: Ctrl-C ends it at once.
    let t = BookTest::one_chapter("# Prose\n\nOnly words.\n");
    let (mut child, log) = start(&t, &["serve", "--port", "0"]);
    wait_until("the first build", Duration::from_secs(60), || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("built in "))
    });
    killpg(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(exit_status(&mut child, &log), 130);
    assert!(
        t.root()
            .join(".proofbook-cache/serve/chapter.html")
            .is_file()
    );
}

#[test]
fn check_stops_on_ctrl_c_like_build() {
    let _serial = one_at_a_time();
    let tag = tag();
    let t = sleeping_book(&tag);
    let (mut child, log) = start(&t, &["check"]);
    wait_for_example(&tag, &mut child, &log);
    killpg(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    assert_eq!(exit_status(&mut child, &log), 130);
    assert_sandboxes_gone(&tag, &child);
}
