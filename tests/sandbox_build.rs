//! The build's side of the sandbox's host-wide bounds: what `proofbook
//! build` says when it cuts a limit to fit the host's tables, and that an
//! example holding its output open from outside cannot stall it.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;

use support::BookTest;

/// A book of `n` trivial examples, so `-j n` really runs `n` at once.
fn book_of(n: usize, book_toml: &str) -> BookTest {
    let mut chapter = String::from("# Many\n\n");
    for i in 0..n {
        chapter.push_str(&format!("```python\nprint({i})\n```\n\n"));
    }
    let b = BookTest::one_chapter(&chapter);
    b.write("book.toml", book_toml);
    b
}

#[test]
fn a_task_limit_the_book_set_is_lowered_with_a_warning() {
    // 8 slots × 2^20 tasks is more than half of any PID space Linux allows
    // (pid_max is at most 2^22).
    let b = book_of(8, "[proofbook.run]\nprocesses = 1048576\n");
    let run = b.run(&["build", "-j", "8"]);
    run.success();
    let err = run.stderr();
    assert!(
        err.contains("`processes = 1048576` under [proofbook.run] is lowered to"),
        "{err}"
    );
    assert!(err.contains("8 parallel examples"), "{err}");
    assert_eq!(
        err.matches("`processes = ").count(),
        1,
        "one warning per limit: {err}"
    );
}

#[test]
fn limits_left_at_their_defaults_are_cut_quietly() {
    let b = book_of(8, "[proofbook.run]\ntimeout = 30\n");
    let run = b.run(&["build", "-j", "8"]);
    run.success();
    let err = run.stderr();
    assert!(!err.contains("is lowered"), "{err}");
}

#[test]
fn an_example_that_hands_its_stdout_outside_ends_and_is_reported() {
    let b = BookTest::one_chapter("# Held\n\n```python\nprint(1)\n```\n");
    b.write(
        "book.toml",
        "[proofbook.python]\nrequirements = \"requirements.txt\"\n",
    )
    .write("requirements.txt", "\n");
    let root = b.root().canonicalize().unwrap();
    // Examples run as a uid of their own, which must reach the socket.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A socket in `examples/` is refused (it would be published), so the
    // host service sits in the Python environment, which the sandbox
    // mounts read-only: a first build makes it.
    b.build().success();
    let env_dir = std::fs::read_dir(root.join(".proofbook-cache/python"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("the build made a Python environment");
    let mut dir = env_dir.clone();
    while dir != root {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir.pop();
    }
    let socket = env_dir.join("service.sock");
    // A host service the example can reach, which never reads what it is
    // sent (and so keeps the descriptors in it open).
    let _service = UnixListener::bind(&socket).unwrap();
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o777)).unwrap();
    b.write(
        "content/chapter.md",
        &format!(
            "# Held\n\n```python id=held\n#! import os, socket\n#! s = socket.socket(socket.AF_UNIX)\n#! s.connect({path:?})\n#! socket.send_fds(s, [b'x'], [1, 2])\nprint('shown')\n```\n",
            path = socket.display().to_string()
        ),
    );
    let run = b.build();
    run.success();
    let err = run.stderr();
    assert!(
        err.contains("example `held`'s output may be cut short"),
        "{err}"
    );
    let page = b.read("book/chapter.html");
    assert!(
        page.contains("shown"),
        "the output read before the cut is kept"
    );
}

/// Starts 3,000 threads that wait, and prints whether all of them started.
const THREADS: &str = "import threading\nstop = threading.Event()\nstarted = []\ntry:\n    for _ in range(3000):\n        t = threading.Thread(target=stop.wait)\n        t.start()\n        started.append(t)\nexcept RuntimeError:\n    pass\nstop.set()\nfor t in started:\n    t.join()\nprint(len(started) >= 3000)\n";

#[test]
fn an_example_asking_for_more_processes_than_the_share_gets_its_threads() {
    // The book gives each example 64 tasks; one example asks for 9,000,
    // more than a slot's share of a 32768-PID host with two slots, so it
    // runs alone. The same program without the ask is held to 64.
    let chapter = format!(
        "# Threads\n\n```python id=asks processes=9000 open-files=64\n{THREADS}```\n\n```output\nTrue\n```\n\n\
```python id=share\n{THREADS}```\n\n```output\nFalse\n```\n\n```python id=beside\nprint('beside')\n```\n"
    );
    let b = book_of(0, "[proofbook.run]\nprocesses = 64\n");
    b.write("content/chapter.md", &chapter);
    let run = b.run(&["check", "-j", "2"]);
    let out = String::from_utf8_lossy(&run.output.stdout).into_owned();
    assert_eq!(run.code(), 0, "{out}\n{}", run.stderr());
    assert_eq!(out.lines().last(), Some("3 passed, 0 failed"), "{out}");
}

#[test]
fn an_example_asking_for_more_than_the_host_allows_fails_at_its_fence() {
    let b = book_of(0, "");
    b.write(
        "content/chapter.md",
        "# Too many\n\n```python id=greedy processes=1048576\nprint(1)\n```\n",
    );
    let run = b.run(&["check"]);
    let out = String::from_utf8_lossy(&run.output.stdout).into_owned();
    assert_eq!(run.code(), 1, "{out}");
    assert!(out.contains("content/chapter.md:3"), "{out}");
    assert!(
        out.contains("its `processes=` and `open-files=` ask for more than this machine allows"),
        "{out}"
    );
    assert!(
        out.contains("kernel.pid_max") || out.contains("pids.max of"),
        "names the host's table: {out}"
    );
    assert!(
        out.contains("ask for less, or raise kernel.pid_max"),
        "says what to do: {out}"
    );
}
