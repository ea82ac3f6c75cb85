//! `proofbook check`: every example runs fresh, every expectation and link
//! is verified, one line per item, a `N passed, N failed` summary, and the
//! exit status tells.

mod support;

use support::{BookTest, element, measured_settings};

fn book(chapter: &str) -> BookTest {
    BookTest::one_chapter(chapter)
}

fn stdout(run: &support::Run) -> String {
    String::from_utf8_lossy(&run.output.stdout).into_owned()
}

const PASSING: &str = "# Passing\n\n```python id=hello\nimport os\nprint('hello')\nprint('pid', os.getpid(), 'took', '0.25 s')\n```\n\n\
```output\nhello\npid {int} took {duration}\n```\n\n```python id=fails-on-purpose expect=error\nraise ValueError('no')\n```\n\n\
```output\nTraceback (most recent call last):\n...\nValueError: no\n```\n\n[self](chapter.md#passing)\n";

#[test]
fn a_passing_book_passes_and_writes_nothing() {
    let b = book(PASSING);
    let run = b.run(&["check"]);
    let out = stdout(&run);
    assert_eq!(run.code(), 0, "{out}\n{}", run.stderr());
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok       example hello") && l.contains("content/chapter.md:3")),
        "{out}"
    );
    assert!(out.contains("ok       example fails-on-purpose"), "{out}");
    assert_eq!(out.lines().last(), Some("2 passed, 0 failed"), "{out}");
    assert!(!b.root().join("book").exists(), "check writes no site");
}

#[test]
fn every_kind_of_failure_is_reported_with_its_place_and_the_exit_status_tells() {
    let b = book(
        "# Failing\n\n```python id=wrong-output\nprint('actual')\n```\n\n```output\nexpected\n```\n\n\
```python id=should-fail expect=error\nprint('but it worked')\n```\n\n\
```python id=crashes\nimport sys\nprint('about to fail', file=sys.stderr)\nsys.exit(2)\n```\n\n\
```python id=fine\nprint('fine')\n```\n\n[gone](missing.md)\n",
    );
    let junit = b.root().join("report.xml");
    let run = b.run(&["check", "--junit", junit.to_str().unwrap()]);
    let out = stdout(&run);
    assert_eq!(run.code(), 1, "{out}");
    for line in [
        "FAILED   example wrong-output",
        "FAILED   example should-fail",
        "FAILED   example crashes",
        "ok       example fine",
        "FAILED   book",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    assert!(out.contains("-expected\n+actual"), "a unified diff: {out}");
    assert!(out.contains("marked to fail"), "{out}");
    assert!(out.contains("about to fail"), "stderr tail: {out}");
    assert!(
        out.contains("content/chapter.md:25"),
        "the broken link's line: {out}"
    );
    assert_eq!(out.lines().last(), Some("1 passed, 4 failed"), "{out}");

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("tests=\"5\"") && xml.contains("failures=\"4\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"its output differs from the output block:\""),
        "{xml}"
    );
}

#[test]
fn filter_selects_examples_and_github_gets_annotations() {
    let b = book(
        "# Two\n\n```python id=alpha\nraise SystemExit(1)\n```\n\n```python id=beta\nprint('b')\n```\n",
    );
    let only_beta = b.run(&["check", "--filter", "bet"]);
    let out = stdout(&only_beta);
    assert_eq!(only_beta.code(), 0, "{out}");
    assert_eq!(out.lines().last(), Some("1 passed, 0 failed"), "{out}");

    let mut cmd = assert_cmd::Command::cargo_bin("proofbook").unwrap();
    let out = cmd
        .args(["check", "--filter", "alpha"])
        .current_dir(b.root())
        .env("GITHUB_ACTIONS", "true")
        .env("XDG_CACHE_HOME", b.cache_home.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains(
            "::error file=content/chapter.md,line=3::example alpha: it exited with status 1"
        ),
        "{text}"
    );
}

#[test]
fn a_filter_checks_the_claims_on_its_examples_only() {
    let b = book(
        "# Two\n\n```python id=alpha\nprint('a')\n```\n\n```python id=beta\nprint('b')\n```\n\n\
```claim id=on-alpha\nalpha wall n >= 1\n```\n\n```claim id=on-beta\nbeta wall n > 1\n```\n\n\
```claim id=on-both\nalpha wall < 100 * beta wall\n```\n\n```claim id=typo\nalphaa wall < 10\n```\n",
    );
    let run = b.run(&["check", "--filter", "alpha"]);
    let out = stdout(&run);
    assert!(out.contains("ok       claim on-alpha"), "{out}");
    // beta did not run: its claims are left out, not failed or passed.
    assert!(!out.contains("claim on-beta"), "{out}");
    assert!(!out.contains("claim on-both"), "{out}");
    // A claim naming no example of the book is still an error.
    assert!(out.contains("no example has the id `alphaa`"), "{out}");
    assert_eq!(run.code(), 1, "{out}");
    // beta's claim, which does not hold, fails once beta is selected.
    let run = b.run(&["check", "--filter", "beta"]);
    let out = stdout(&run);
    assert!(out.contains("FAILED   claim on-beta"), "{out}");
    assert!(!out.contains("claim on-alpha"), "{out}");
}

#[test]
fn check_runs_fresh_unless_told_to_use_the_cache() {
    // The program reads a data file the cache key does not cover, so only
    // a fresh run sees it change.
    let b = book(
        "# Data\n\n```python id=reads-data\nimport os\nprint(open(os.environ['PYTHONPATH'] + '/data.txt').read())\n```\n\n```output\none\n```\n",
    );
    b.write("examples/data.txt", "one");
    b.build().success();
    b.write("examples/data.txt", "two");
    let cached = b.run(&["check", "--cached"]);
    assert_eq!(cached.code(), 0, "{}", stdout(&cached));
    let fresh = b.run(&["check"]);
    assert_eq!(fresh.code(), 1, "{}", stdout(&fresh));
    assert!(stdout(&fresh).contains("-one\n+two"), "{}", stdout(&fresh));
}

#[test]
fn a_book_that_does_not_run_examples_reports_them_skipped() {
    let b = book("# Off\n\n```python\nprint(1)\n```\n");
    b.write("book.toml", "[proofbook.run]\nexamples = false\n");
    let run = b.run(&["check"]);
    let out = stdout(&run);
    assert_eq!(run.code(), 0, "{out}");
    assert_eq!(
        out.lines().last(),
        Some("0 passed, 0 failed, 1 skipped"),
        "{out}"
    );
}

#[test]
fn claims_hold_fail_or_are_skipped_and_show_on_the_page() {
    let b = book(
        "# Claims\n\n```python id=steady repeat=3 warmup=0\nprint('x')\n```\n\n\
```claim id=three-runs\nsays: It ran three times\nsteady wall n >= 3\n```\n\n\
```claim id=four-runs\nsteady wall n > 3\n```\n\n\
```claim id=big-machine\nsteady wall n >= 3\nwhen cores >= 4096\n```\n",
    );
    let build = b.build();
    build.success();
    assert!(
        build
            .stderr()
            .contains("this claim does not hold in this build"),
        "{}",
        build.stderr()
    );
    let page = b.read("book/chapter.html");
    // Each claim's box: verified with what it says and its numbers,
    // failed with when and where, skipped with when it applies. The run
    // count is exact; times and dates are redacted.
    measured_settings().bind(|| {
        for (name, open) in [
            ("claim_verified", "<div class=\"claim verified\""),
            ("claim_failed", "<div class=\"claim failed\""),
            ("claim_skipped", "<div class=\"claim skipped\""),
        ] {
            insta::assert_snapshot!(name, element(&page, open));
        }
    });
    let check = b.run(&["check"]);
    let out = stdout(&check);
    assert_eq!(check.code(), 1, "{out}");
    assert!(out.contains("ok       claim three-runs"), "{out}");
    // A claim that holds shows its numbers on the next line.
    let next = out[out.find("ok       claim three-runs").unwrap()..]
        .lines()
        .nth(1)
        .unwrap();
    assert!(
        next.trim_start().starts_with("steady wall n = 3 ≥ 3"),
        "{next}"
    );
    assert!(out.contains("FAILED   claim four-runs"), "{out}");
    assert!(out.contains("skipped  claim big-machine"), "{out}");
    assert_eq!(
        out.lines().last(),
        Some("2 passed, 1 failed, 1 skipped"),
        "{out}"
    );
}

#[test]
fn free_cores_are_measured_while_the_claims_examples_run() {
    // A machine never has more free cores than CPUs: the first claim is
    // not judged and says why with the figure measured; any run has at
    // least zero free, so the second is judged on its comparison.
    let b = book(
        "# Load\n\n```python id=spin repeat=2 warmup=0\nimport time\nt = time.perf_counter()\nwhile time.perf_counter() - t < 0.2: pass\n```\n\n\
```claim id=needs-free\nspin wall n >= 2\nwhen free-cores >= 4096\n```\n\n\
```claim id=any-load\nspin wall n >= 2\nwhen free-cores >= 0\n```\n",
    );
    let check = b.run(&["check"]);
    let out = stdout(&check);
    assert_eq!(check.code(), 0, "{out}");
    assert!(out.contains("skipped  claim needs-free"), "{out}");
    assert!(out.contains("ok       claim any-load"), "{out}");
    let why = out[out.find("---- skipped: claim needs-free").unwrap()..]
        .lines()
        .take(3)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(why.contains("free-cores >= 4096"), "{why}");
    assert!(why.contains("free while its examples ran"), "{why}");
    assert!(
        !why.contains("free cores not measured"),
        "this machine has /proc/stat: {why}"
    );
    assert_eq!(
        out.lines().last(),
        Some("2 passed, 0 failed, 1 skipped"),
        "{out}"
    );
}

#[test]
fn a_claim_that_does_not_parse_or_names_an_unknown_figure_fails() {
    let b = book(
        "# Claims\n\n```python id=one\nprint(1)\n```\n\n```claim\none wall = 2\n```\n\n```claim\none bogus < 2\n```\n",
    );
    let run = b.run(&["check"]);
    let out = stdout(&run);
    assert_eq!(run.code(), 1, "{out}");
    assert!(out.contains("this claim does not parse"), "{out}");
    assert!(
        out.contains("content/chapter.md:8"),
        "the claim's own line: {out}"
    );
    assert!(out.contains("example `one` has no figure `bogus`"), "{out}");
}

#[test]
fn the_junit_report_never_replaces_what_is_not_a_plain_file() {
    let b = book("# One\n\n```python\nprint(1)\n```\n");
    std::fs::write(b.root().join("real.xml"), "old").unwrap();
    std::os::unix::fs::symlink("real.xml", b.root().join("link.xml")).unwrap();
    b.run(&["check", "--junit", "link.xml"]);
    let link = std::fs::symlink_metadata(b.root().join("link.xml")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert!(
        b.read("real.xml").contains("<testsuites"),
        "and its target gets the report"
    );

    let folder = b.run(&["check", "--junit", "content"]);
    assert_eq!(folder.code(), 1);
    assert!(
        folder.stderr().contains("--junit content: it is a folder"),
        "{}",
        folder.stderr()
    );
    let missing = b.run(&["check", "--junit", "nowhere/report.xml"]);
    assert_eq!(missing.code(), 1);
    assert!(
        missing
            .stderr()
            .contains("its folder nowhere does not exist"),
        "{}",
        missing.stderr()
    );
}

#[test]
fn a_filter_that_selects_nothing_fails() {
    let b = book("# One\n\n```python id=one\nprint(1)\n```\n");
    let run = b.run(&["check", "--filter", "typo"]);
    let out = stdout(&run);
    assert_eq!(run.code(), 1, "{out}");
    assert!(out.contains("`--filter typo` selects no example"), "{out}");
}

#[test]
fn a_claim_over_a_failed_example_fails_and_numbers_take_units() {
    let b = book(
        "# Claims\n\n```python id=broken\nraise SystemExit(3)\n```\n\n```claim id=on-broken\nbroken wall < 10\n```\n\n\
```python id=quick\nprint(1)\n```\n\n```claim id=units\nquick wall < 30s\n```\n\n```claim id=percent\nquick cpu_util < 1000%\n```\n",
    );
    let run = b.run(&["check"]);
    let out = stdout(&run);
    assert!(out.contains("FAILED   example broken"), "{out}");
    assert!(
        !out.contains("ok       claim on-broken"),
        "a failed example proves nothing: {out}"
    );
    assert!(
        out.contains("did not end as it should, so its figures prove nothing"),
        "{out}"
    );
    assert!(out.contains("ok       claim units"), "{out}");
    assert!(out.contains("ok       claim percent"), "{out}");
    // On the page a number reads in the unit of the figure it is compared with.
    let b = book(
        "# Units\n\n```python id=quick\nprint(1)\n```\n\n```claim id=units\nquick wall < 30s\n```\n\n```claim id=percent\nquick cpu_util < 1000%\n```\n",
    );
    b.build().success();
    let page = b.read("book/chapter.html");
    let check = |id: &str| {
        let at = page.find(&format!("id=\"claim-{id}\"")).unwrap();
        let code = &page[at..];
        code[code.find("<code>").unwrap()..code.find("</code>").unwrap()].to_owned()
    };
    assert!(
        check("percent").ends_with("&lt; 1000%"),
        "{}",
        check("percent")
    );
    assert!(check("units").ends_with("&lt; 30 s"), "{}", check("units"));
}

#[test]
fn an_output_block_that_nothing_checks_is_a_warning() {
    let b = book("# Stray\n\nSome prose.\n\n```output\nnobody checks me\n```\n");
    let run = b.build();
    run.success();
    assert!(
        run.stderr()
            .contains("this output block follows no example that runs"),
        "{}",
        run.stderr()
    );
}
