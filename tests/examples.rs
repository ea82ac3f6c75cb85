//! `proofbook build` runs the book's Python examples: their output lands
//! under their code, and an example that does not end as it says fails the
//! build at its fence, with its stderr and what to do.

mod support;

use support::{BookTest, element, main_of, measured_settings};

fn book(chapter: &str) -> BookTest {
    BookTest::one_chapter(chapter)
}

#[test]
fn output_status_and_resources_appear_under_the_code() {
    let b = book(
        "# Runs\n\n```python id=hello\n#! import sys\nprint('hello <world>')\nprint('note', file=sys.stderr)\n```\n\n\
```python expect=error\nraise SystemExit(3)\n```\n\n```python norun\nthis is not Python\n```\n",
    );
    b.build().success();
    let page = b.read("book/chapter.html");
    let main = main_of(&page);
    // Its streams, escaped, each under its label (in the order they came,
    // which two pipes do not fix, so these are matched one by one).
    let hello = element(main, "<figure class=\"run\" id=\"example-hello\">");
    assert!(
        hello.contains("<span class=\"stream-label\">stdout</span><pre>hello &lt;world&gt;</pre>"),
        "{hello}"
    );
    assert!(hello.contains(
        "<div class=\"stream stderr\"><span class=\"stream-label\">stderr</span><pre>note</pre>"
    ));
    // An example that fails as it says: its panel, with its times and
    // resources redacted.
    let second = &main[main.find("id=\"example-hello\"").unwrap()..];
    measured_settings().bind(|| {
        insta::assert_snapshot!(
            "expected_error_run",
            element(second, "<figure class=\"run\"")
        );
    });
    // A norun block is shown, not run.
    assert!(main.contains("Python"));
    assert_eq!(main.matches("<figure class=\"run\"").count(), 2);
    let resources = main.matches("<p class=\"resources\">").count();
    assert_eq!(resources, 2);
    assert!(regex_like_resources(main), "{main}");
}

/// `12 ms · 98% CPU · 7.4 MiB peak · measured 2026-12-06 03:12 UTC`,
/// without pulling in a regex crate.
fn regex_like_resources(main: &str) -> bool {
    main.split("<p class=\"resources\">").skip(1).all(|rest| {
        let line = &rest[..rest.find("</p>").unwrap()];
        let parts: Vec<&str> = line.split(" · ").collect();
        parts.len() == 4
            && (parts[0].ends_with(" ms") || parts[0].ends_with(" s"))
            && parts[1].ends_with("% CPU")
            && parts[2].ends_with(" MiB peak")
            && parts[3].starts_with("measured 20")
    })
}

#[test]
fn a_failing_example_fails_the_build_where_its_traceback_ended_with_its_stderr() {
    let b = book("# Runs\n\nText.\n\n```python id=broken\nimport json\njson.loads('{bad')\n```\n");
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("example `broken` exited with status 1, but it should succeed"),
        "{err}"
    );
    // Line 2 of the program, `json.loads(...)`, is line 7 of the chapter.
    assert!(err.contains("[ROOT]/content/chapter.md:7:1"), "{err}");
    assert!(err.contains("json.decoder.JSONDecodeError"), "{err}");
    assert!(err.contains("mark it `expect=error`"), "{err}");
    assert!(
        !b.root().join("book").exists(),
        "a failed build writes no site"
    );
}

#[test]
fn a_traceback_from_a_thread_of_a_program_that_ended_well_is_a_warning() {
    let program = "import threading\nt = threading.Thread(target=lambda: 1 / 0)\nt.start()\nt.join()\nprint('done')\n";
    let b = book(&format!(
        "# Thread\n\n```python id=quiet-crash\n{program}```\n"
    ));
    let run = b.build();
    run.success();
    assert!(
        run.stderr()
            .contains("example `quiet-crash` ended well, but printed a Python traceback on stderr"),
        "{}",
        run.stderr()
    );
    // An output block that shows it says the traceback is the point.
    let b = book(&format!(
        "# Thread\n\n```python id=quiet-crash\n{program}```\n\n```output\n...\nZeroDivisionError: division by zero\n...\n```\n"
    ));
    let run = b.build();
    run.success();
    assert!(!run.stderr().contains("traceback"), "{}", run.stderr());
}

#[test]
fn an_expected_failure_that_succeeds_fails_the_build() {
    let b = book(
        "# Runs\n\n```python expect=error\nprint('fine')\n```\n\n```python exit=4\nraise SystemExit(5)\n```\n",
    );
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("exited successfully, but it is marked `expect=error`, so it must fail"),
        "{err}"
    );
    assert!(
        err.contains("exited with status 5, but it is marked `exit=4`"),
        "{err}"
    );
    assert!(
        err.contains("chapter.md:3:1") && err.contains("chapter.md:7:1"),
        "{err}"
    );
}

#[test]
fn a_timeout_names_the_limit_and_the_option_that_raises_it() {
    let b = book("# Runs\n\n```python timeout=0.5\nimport time\ntime.sleep(30)\n```\n");
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("was stopped at the time limit"), "{err}");
    assert!(
        err.contains("timeout=SECONDS") && err.contains("0.5 s"),
        "{err}"
    );
}

#[test]
fn file_examples_run_the_whole_file_and_hidden_lines_run_too() {
    let b = book(
        "# Runs\n\n```python file=../examples/prog.py:main\n```\n\n```python\n#! value = 6 * 7\nprint(value)\n```\n",
    );
    b.write(
        "examples/prog.py",
        "import helper\n# ANCHOR: main\nprint(helper.GREETING)\n# ANCHOR_END: main\n",
    )
    .write("examples/helper.py", "GREETING = 'from the helper'\n");
    b.build().success();
    let page = b.read("book/chapter.html");
    assert!(page.contains("<pre>from the helper</pre>"), "{page}");
    assert!(page.contains("<pre>42</pre>"), "{page}");
}

#[test]
fn a_book_can_turn_running_off() {
    let b = book("# Runs\n\n```python\nraise SystemExit(1)\n```\n");
    b.write("book.toml", "[proofbook.run]\nexamples = false\n");
    b.build().success();
    assert!(!b.read("book/chapter.html").contains("run-output"));
}

#[test]
fn an_mdbook_layout_book_does_not_run_its_python_blocks() {
    let b = BookTest::empty();
    b.write("src/SUMMARY.md", "- [Chapter](chapter.md)\n")
        .write(
            "src/chapter.md",
            "# Code\n\n```python\nundefined_name\n```\n",
        );
    b.build().success();
    assert!(!b.read("book/chapter.html").contains("run-output"));
}

#[test]
fn a_missing_interpreter_is_a_clear_error() {
    let b = book("# Runs\n\n```python\nprint(1)\n```\n");
    b.write(
        "book.toml",
        "[proofbook.python]\ninterpreter = \"python-that-does-not-exist\"\n",
    );
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("`python-that-does-not-exist` could not be started"),
        "{err}"
    );
    assert!(err.contains("[proofbook.python]"), "{err}");
}

#[test]
fn a_group_whose_examples_cannot_run_is_an_error_not_a_crash() {
    let b = book(
        "# Runs\n\n```python id=a repeat=2 group=g\nprint(1)\n```\n\n```python id=b repeat=2 group=g\nprint(2)\n```\n",
    );
    b.write(
        "book.toml",
        "[proofbook.python]\ninterpreter = \"python-that-does-not-exist\"\n",
    );
    let run = b.build();
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stderr().contains("could not be started"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
}

#[test]
fn a_failed_requirements_install_shows_the_pip_output() {
    let b = book("# Runs\n\n```python\nprint(1)\n```\n");
    b.write(
        "book.toml",
        "[proofbook.python]\nrequirements = \"req.txt\"\n",
    )
    .write("req.txt", "proofbook-no-such-package-zq==1.0\n");
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("pip install -r"), "{err}");
    assert!(err.contains("proofbook-no-such-package-zq"), "{err}");
    // Nothing half-made is left to be mistaken for a ready environment.
    let python = b.root().join(".proofbook-cache/python");
    let left: Vec<_> = std::fs::read_dir(&python)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_python_environment_set_up_says_each_step_once() {
    let b = book("# Runs\n\n```python\nprint(1)\n```\n");
    b.write(
        "book.toml",
        "[proofbook.python]\nrequirements = \"req.txt\"\n",
    )
    .write("req.txt", "# nothing to install yet\n");
    // stderr is a pipe here, as in CI: plain lines, no bar.
    let run = b.build();
    run.success();
    let err = run.stderr();
    let steps = [
        "setting up the Python environment",
        "creating the virtual environment",
        "installing 0 packages with pip install -r",
        "the Python environment is ready (",
    ];
    let mut at = 0;
    for step in steps {
        let here = err[at..]
            .find(step)
            .unwrap_or_else(|| panic!("no {step:?} after the earlier steps in:\n{err}"));
        at += here;
    }
    let again = b.build();
    again.success();
    assert!(
        !again.stderr().contains("setting up the Python environment"),
        "a second build reuses the environment: {}",
        again.stderr()
    );
}

#[test]
fn run_limits_in_book_toml_are_checked_with_their_line() {
    let b = book("# Runs\n");
    b.write("book.toml", "[proofbook.run]\nmemory-mib = 0\n");
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("`memory-mib = 0` is out of range"), "{err}");
    assert!(err.contains("book.toml:2:1"), "{err}");

    b.write(
        "book.toml",
        "[proofbook.sandbox]\nallow-missing = [\"landlok\"]\n",
    );
    let err = b.build().stderr();
    assert!(err.contains("landlok") && err.contains("landlock"), "{err}");
}

#[test]
fn doctor_reports_every_protection_and_runs_a_probe() {
    let b = book("# Runs\n");
    let run = b.run(&["doctor"]);
    let out = String::from_utf8_lossy(&run.output.stdout).into_owned();
    assert_eq!(run.code(), 0, "{out}\n{}", run.stderr());
    // One row per protection, in force or (for what is not built yet)
    // said to be missing.
    let state = |name: &str| -> String {
        let row = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name}  ")))
            .unwrap_or_else(|| panic!("no row {name}:\n{out}"));
        row.trim_start()[name.len()..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_owned()
    };
    for name in [
        "namespaces",
        "cgroups",
        "landlock",
        "seccomp",
        "socket-memory",
        // The tests run as root, so every slot gets a uid of its own.
        "per-slot uid",
        "host-wide caps",
        "result-cache key",
    ] {
        assert_eq!(state(name), "ok", "{name}:\n{out}");
    }
    assert!(
        out.contains("a host uid of its own, from 2147418112"),
        "{out}"
    );
    assert!(out.contains("within half of pid_max"), "{out}");
    assert!(out.contains("calls refused"), "{out}");
    assert!(out.contains("cpython"), "{out}");
    assert!(out.contains("outside network: blocked"), "{out}");
    assert!(
        out.contains("nested user namespace: blocked (Operation not permitted)"),
        "{out}"
    );
    assert!(out.contains("Examples can run here."), "{out}");
}

/// The counts line of a build: `(ran, cached)`.
fn counts(run: &support::Run) -> (usize, usize) {
    run.example_counts()
}

#[test]
fn unchanged_examples_come_from_the_cache_and_edits_rerun_exactly_theirs() {
    let b = book(
        "# Runs\n\n```python id=uses-helper\nimport helper\nprint(helper.X)\n```\n\n```python id=alone\nprint('alone')\n```\n",
    );
    b.write("examples/helper.py", "X = 1\n");
    assert_eq!(counts(b.build().success()), (2, 0));
    let warm = b.build();
    assert_eq!(counts(warm.success()), (0, 2));
    let page = b.read("book/chapter.html");
    assert!(
        page.contains("<pre>1</pre>") && page.contains("measured 20"),
        "{page}"
    );

    // A helper the first example imports: only it runs again.
    b.write("examples/helper.py", "X = 2\n");
    assert_eq!(counts(b.build().success()), (1, 1));
    assert!(b.read("book/chapter.html").contains("<pre>2</pre>"));
    // Prose only: nothing runs.
    b.write(
        "content/chapter.md",
        &b.read("content/chapter.md")
            .replace("# Runs", "# Runs, renamed"),
    );
    assert_eq!(counts(b.build().success()), (0, 2));
    assert_eq!(
        counts(b.run(&["build", "--rerun", "alone"]).success()),
        (1, 1)
    );
    assert_eq!(counts(b.run(&["build", "--rerun"]).success()), (2, 0));
}

#[test]
fn a_damaged_cache_entry_is_reported_and_run_again() {
    let b = book("# Runs\n\n```python\nprint('fresh')\n```\n");
    b.build().success();
    let results = b.root().join(".proofbook-cache/results");
    let entry = std::fs::read_dir(&results)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(&entry, &text[..text.len() / 3]).unwrap();
    let run = b.build();
    assert_eq!(counts(run.success()), (1, 0));
    assert!(
        run.stderr()
            .contains("the cached result of the example cannot be trusted, so it runs again"),
        "{}",
        run.stderr()
    );
    // It was stored again, whole.
    assert_eq!(counts(b.build().success()), (0, 1));
}

#[test]
fn failures_are_not_cached_and_offline_builds_need_every_result() {
    let b = book("# Runs\n\n```python id=flaky\nraise SystemExit(1)\n```\n");
    b.build().failure();
    let offline = b.run(&["build", "--offline-results"]);
    offline.failure();
    assert!(
        offline
            .stderr()
            .contains("example `flaky` has no cached result"),
        "{}",
        offline.stderr()
    );
    b.write(
        "content/chapter.md",
        "# Runs\n\n```python id=flaky\nprint('fixed')\n```\n",
    );
    b.build().success();
    assert_eq!(
        counts(b.run(&["build", "--offline-results"]).success()),
        (0, 1)
    );
    b.run(&["clean", "--cache"]).success();
    assert!(!b.root().join(".proofbook-cache").exists());
    assert!(!b.root().join("book").exists());
}

#[test]
fn unreadable_metrics_fail_the_build_at_the_example() {
    let b = book(
        "# Runs\n\n```python id=talks-nonsense\nimport os\nopen(os.environ['PROOFBOOK_METRICS'], 'a').write('rps: 12\\n')\n```\n",
    );
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("example `talks-nonsense` reported figures that cannot be read"),
        "{err}"
    );
    assert!(
        err.contains("line 1 of the metrics it reported (PROOFBOOK_METRICS) is not JSON"),
        "{err}"
    );
    assert!(err.contains("content/chapter.md:3:1"), "{err}");
}

#[test]
fn a_rerun_says_how_long_it_should_take_from_the_earlier_runs() {
    let b = book("# Runs\n\n```python id=nap\nimport time\ntime.sleep(0.3)\n```\n");
    let first = b.build();
    first.success();
    // A first build says what it runs before the first run ends.
    assert!(
        first
            .stderr()
            .contains("running 1 example (0 from the cache): none ran before, so no estimate"),
        "{}",
        first.stderr()
    );
    assert!(
        !first.stderr().contains("from their earlier runs"),
        "{}",
        first.stderr()
    );
    let again = b.run(&["build", "--rerun"]);
    let err = again.success().stderr();
    let line = err
        .lines()
        .find(|l| l.contains("from their earlier runs"))
        .unwrap_or_else(|| panic!("no estimate:\n{err}"));
    let seconds: f64 = line
        .split("about ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((0.3..5.0).contains(&seconds), "{line}");
}

#[test]
fn the_summary_counts_failed_examples() {
    let b =
        book("# Runs\n\n```python\nprint('fine')\n```\n\n```python\nraise SystemExit(4)\n```\n");
    let run = b.build();
    run.failure();
    assert!(
        run.stderr()
            .contains("examples: 2 ran, 0 cached, 1 failed (of 2)"),
        "{}",
        run.stderr()
    );
    let b = book("# Runs\n\n```python\nprint('fine')\n```\n");
    let ok = b.build();
    assert!(
        ok.success().stderr().contains("1 ran, 0 cached, 0 failed"),
        "{}",
        ok.stderr()
    );
}
