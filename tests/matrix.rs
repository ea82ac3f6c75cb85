//! The interpreter matrix through the real binary (#21 items 2-5): an
//! example with `python="3.11,3.12"` runs once under each of two pyenv
//! interpreters, in the sandbox, and the page shows a panel per
//! interpreter labelled with its full version; a group across
//! interpreters draws one chart with a bar per interpreter; a claim on
//! `ID@NAME` is judged; an optional interpreter this machine lacks is "not
//! run on this machine" and its claim skipped; and each bad input of the
//! issue is an error at its line.
//!
//! The interpreters are pyenv's 3.11 and 3.12, which every machine of this
//! kind has (CI's too): a test fails, never skips, when they are missing.

mod support;

use std::path::PathBuf;

use support::BookTest;

/// pyenv's versions folder: `$PYENV_ROOT/versions` or `~/.pyenv/versions`.
fn pyenv_root() -> PathBuf {
    std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))
        .expect("HOME is set")
}

/// The full version of pyenv's `X.Y` (`3.12.1`); panics when pyenv has none,
/// since this test needs it.
fn pyenv_version(minor: &str) -> String {
    let versions = pyenv_root().join("versions");
    let found = std::fs::read_dir(&versions)
        .unwrap_or_else(|e| {
            panic!(
                "this test needs pyenv's versions in {}: {e}",
                versions.display()
            )
        })
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(&format!("{minor}."))
                && n[minor.len() + 1..].chars().all(|c| c.is_ascii_digit())
        })
        .max();
    found.unwrap_or_else(|| {
        panic!(
            "this test needs pyenv's CPython {minor} in {}",
            versions.display()
        )
    })
}

const TABLE: &str = "[proofbook.python.interpreters]\n\
\"3.11\" = { version = \"3.11\" }\n\
\"3.12\" = { version = \"3.12\" }\n\
\"future\" = { version = \"3.99\", free-threaded = true, optional = true }\n";

fn book(chapter: &str) -> BookTest {
    let b = BookTest::one_chapter(chapter);
    b.write("book.toml", &format!("[book]\ntitle = \"T\"\n\n{TABLE}"));
    b
}

fn run(b: &BookTest, args: &[&str]) -> support::Run {
    let root = pyenv_root().display().to_string();
    b.run_with_env(args, &[("PYENV_ROOT", root.as_str())])
}

#[test]
fn a_matrix_example_shows_one_labelled_panel_per_interpreter() {
    let (v11, v12) = (pyenv_version("3.11"), pyenv_version("3.12"));
    let b = book(
        "# Chapter\n\n```python id=ver python=\"3.11,3.12\"\nimport sys\nprint(sys.version.split()[0])\n```\n",
    );
    let out = run(&b, &["build"]);
    out.success();
    let page = b.read("book/chapter.html");
    let main = support::main_of(&page);
    for (name, version) in [("3.11", &v11), ("3.12", &v12)] {
        let panel = support::element(
            main,
            &format!("<section class=\"run-under\" id=\"example-ver@{name}\""),
        );
        assert!(
            panel.contains(&format!(
                "CPython {version} <span class=\"run-under-name\">python={name}</span>"
            )),
            "the panel of {name} is not labelled with its version: {panel}"
        );
        // What the example printed under that interpreter.
        assert!(panel.contains(&format!("<pre>{version}</pre>")), "{panel}");
    }
    // One code block for the two runs.
    assert_eq!(main.matches("<pre class=\"code").count(), 1, "{main}");
    // results.json names each run's interpreter and lists them all.
    let results = b.read("book/results.json");
    let json: serde_json::Value = serde_json::from_str(&results).unwrap();
    let ids: Vec<&str> = json["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ver@3.11", "ver@3.12"]);
    assert_eq!(json["examples"][1]["interpreter"]["version"], v12.as_str());
    assert_eq!(json["examples"][1]["interpreter"]["free_threaded"], false);
    let names: Vec<&str> = json["machine"]["interpreters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["3.11", "3.12"], "the absent one is not listed");
    // Cached per interpreter: the next build runs nothing.
    let again = run(&b, &["build"]);
    again.success();
    assert_eq!(again.example_counts(), (0, 2), "{}", again.stderr());
}

#[test]
fn a_group_across_interpreters_draws_one_chart_and_claims_name_runs() {
    let b = book(
        "# Chapter\n\n\
```python id=loop python=\"3.11,3.12\" repeat=2 warmup=0 group=g baseline\n\
total = sum(range(10000))\n\
```\n\n\
```python id=gone python=future repeat=2 warmup=0\n\
print(1)\n\
```\n\n\
```claim id=same-order\n\
says: 3.12 is not ten times slower than 3.11\n\
10 * loop@3.11 wall >= loop@3.12 wall\n\
when python >= 3.11 and not free-threaded\n\
```\n\n\
```claim id=needs-future\n\
says: the future is fast\n\
gone@future wall < 10s\n\
```\n\n\
The 3.12 run took {{#measure loop@3.12 wall}}.\n",
    );
    let out = run(&b, &["check"]);
    let err = out.stderr();
    let stdout = String::from_utf8_lossy(&out.output.stdout).into_owned();
    assert_eq!(out.code(), 0, "{stdout}\n{err}");
    assert!(
        stdout.contains("ok") && stdout.contains("example loop@3.11"),
        "{stdout}"
    );
    assert!(stdout.contains("example loop@3.12"), "{stdout}");
    // The run under the absent interpreter and the claim on it: skipped, saying why.
    let skipped: Vec<&str> = stdout.lines().filter(|l| l.contains("skipped")).collect();
    assert!(
        skipped.iter().any(|l| l.contains("gone@future")),
        "{stdout}"
    );
    assert!(
        stdout.contains("not run on this machine: no CPython 3.99t"),
        "{stdout}"
    );
    assert!(stdout.contains(", 2 skipped"), "{stdout}");
    // The build draws one chart, a bar per interpreter.
    let built = run(&b, &["build"]);
    built.success();
    // From the cache check filled; the run under the absent interpreter
    // (never cached) is not counted as run.
    assert_eq!(built.example_counts(), (0, 2), "{}", built.stderr());
    let page = b.read("book/chapter.html");
    let main = support::main_of(&page);
    assert_eq!(main.matches("<svg").count(), 1, "{main}");
    assert!(
        main.contains("loop (3.11)") && main.contains("loop (3.12)"),
        "{main}"
    );
    assert!(main.contains("href=\"#example-loop@3.12\""), "{main}");
    assert!(
        main.contains("not run on this machine: no CPython 3.99t"),
        "{main}"
    );
}

#[test]
fn each_bad_python_option_is_an_error_at_its_line() {
    let cases = [
        (
            "```python python=\"3.11,nope\"\nprint(1)\n```\n",
            "no interpreter is named `nope`",
            "`3.11`, `3.12`, `future`",
        ),
        (
            "```python python=\"3.11,3.11\"\nprint(1)\n```\n",
            "names `3.11` twice",
            "quoted and separated by commas",
        ),
        (
            "```python norun python=3.11\nprint(1)\n```\n",
            "`norun` with `python=`",
            "remove `norun`",
        ),
    ];
    for (fence, message, help) in cases {
        let b = book(&format!("# Chapter\n\ntext\n\n{fence}"));
        let out = run(&b, &["build"]);
        out.failure();
        let err = out.stderr();
        assert!(err.contains(message), "{fence}: {err}");
        assert!(err.contains(help), "{fence}: {err}");
        assert!(
            err.contains("chapter.md:5:"),
            "not at the fence's line: {err}"
        );
    }
    // A figure of a matrix example names the run.
    let b = book(
        "# Chapter\n\n```python id=m python=\"3.11,3.12\"\nprint(1)\n```\n\nIt took {{#measure m wall}}.\n",
    );
    let out = run(&b, &["build"]);
    out.failure();
    let err = out.stderr();
    assert!(err.contains("runs under several interpreters"), "{err}");
    assert!(err.contains("`m@3.11`, `m@3.12`"), "{err}");
}

#[test]
fn an_environment_that_fails_for_one_interpreter_is_an_error_at_its_line() {
    // A marker gives 3.12 (and only 3.12) a package the index does not
    // have; 3.11's environment installs nothing and its run is kept.
    let b = book(
        "# Chapter\n\n```python id=ver python=\"3.11,3.12\"\nimport sys\nprint(sys.version_info[:2])\n```\n",
    );
    b.write(
        "requirements.txt",
        "proofbook-no-such-package-21 == 1.0; python_version >= \"3.12\"\n",
    );
    b.write(
        "book.toml",
        &format!("[book]\ntitle = \"T\"\n\n[proofbook.python]\nrequirements = \"requirements.txt\"\n\n{TABLE}"),
    );
    let out = run(&b, &["build"]);
    out.failure();
    let err = out.stderr();
    assert!(
        err.contains("interpreter `3.12` (CPython 3.12"),
        "the interpreter is not named: {err}"
    );
    assert!(err.contains("its environment could not be made"), "{err}");
    assert!(
        err.contains("proofbook-no-such-package-21"),
        "pip's message is not shown: {err}"
    );
    assert!(
        err.contains("book.toml:9:1"),
        "not at the entry's line: {err}"
    );
    assert!(!err.contains("interpreter `3.11` ("), "{err}");
    // The entry names a requirements file of its own: the book builds, and
    // the 3.11 run the failed build made comes from the cache.
    b.write("stdlib.txt", "# nothing: the standard library only\n");
    b.write(
        "book.toml",
        &format!(
            "[book]\ntitle = \"T\"\n\n[proofbook.python]\nrequirements = \"requirements.txt\"\n\n{}",
            TABLE.replace(
                "\"3.12\" = { version = \"3.12\" }",
                "\"3.12\" = { version = \"3.12\", requirements = \"stdlib.txt\" }"
            )
        ),
    );
    let out = run(&b, &["build"]);
    out.success();
    assert_eq!(out.example_counts(), (1, 1), "{}", out.stderr());
    let page = b.read("book/chapter.html");
    assert!(
        page.contains("(3, 11)") && page.contains("(3, 12)"),
        "{page}"
    );
}

/// `check --claim` judges that claim alone: another claim, on one
/// interpreter's run of an example this selection did not run, is left
/// out, not an error that no example has the id `ID@NAME`.
#[test]
fn check_claim_leaves_out_claims_on_runs_it_did_not_make() {
    let b = book(
        "# Two\n\n```python id=plain\nimport json, os\nwith open(os.environ['PROOFBOOK_METRICS'], 'a') as f:\n    print(json.dumps({'n': 2}), file=f)\n```\n\n\
```claim id=plain-two\nsays: plain reports two\nplain n > 1\n```\n\n\
```python id=both python=\"3.11,3.12\"\nimport json, os\nwith open(os.environ['PROOFBOOK_METRICS'], 'a') as f:\n    print(json.dumps({'n': 3}), file=f)\n```\n\n\
```claim id=both-three\nsays: the 3.12 run reports three\nboth@3.12 n > 2\n```\n",
    );
    let out = run(&b, &["check", "--claim", "plain-two"]);
    let text = String::from_utf8_lossy(&out.output.stdout).into_owned();
    assert_eq!(out.code(), 0, "{text}");
    assert!(text.contains("ok       claim plain-two"), "{text}");
    assert!(!text.contains("both-three"), "{text}");
    assert!(!text.contains("no example has the id"), "{text}");

    let out = run(&b, &["check", "--claim", "both-three"]);
    let text = String::from_utf8_lossy(&out.output.stdout).into_owned();
    assert_eq!(out.code(), 0, "{text}");
    assert!(text.contains("ok       claim both-three"), "{text}");
}
