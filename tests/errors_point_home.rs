//! Errors a new user meets first say where the problem is and what was
//! probably meant: a misspelt id, figure or statistic gets a did-you-mean,
//! a directive that Markdown took apart is an error at its line instead of
//! raw text in the page, and a file that is not UTF-8 is named as such.
//!
//! The examples run in real CPython (root, as the sandbox tests).

mod support;

use support::BookTest;

const EXAMPLE: &str = "# A\n\n```python id=cpu-threads\nprint(1)\n```\n\n";

#[test]
fn misspelt_measure_names_get_a_did_you_mean() {
    let b = BookTest::one_chapter(&format!(
        "{EXAMPLE}{{{{#measure cpu-thread wall}}}}\n\n{{{{#measure cpu-threads wal}}}}\n\n\
         {{{{#measure cpu-threads wall medain}}}}\n\n```claim id=c\nsays: s\ncpu-threads cpu_utl < 5\n```\n"
    ));
    let run = b.build();
    run.failure();
    let err = run.stderr();
    for (line, wanted) in [
        (7, "did you mean `cpu-threads`?"),
        (9, "did you mean `wall`?"),
        (11, "did you mean `median`?"),
        (15, "did you mean `cpu_util`?"),
    ] {
        assert!(err.contains(wanted), "{wanted} missing:\n{err}");
        assert!(
            err.contains(&format!("content/chapter.md:{line}:")),
            "line {line} not named:\n{err}"
        );
    }
}

#[test]
fn a_measure_that_markdown_took_apart_is_an_error_at_its_line() {
    let b = BookTest::one_chapter(&format!(
        "{EXAMPLE}Quoted: {{{{#measure cpu-threads __proto__}}}} and\n{{{{#measure __proto__ wall}}}}.\n"
    ));
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert_eq!(
        err.matches("is not closed by `}}` in the same text")
            .count(),
        2,
        "{err}"
    );
    assert!(err.contains("content/chapter.md:7:9"), "{err}");
    assert!(err.contains("content/chapter.md:8:1"), "{err}");
    assert!(
        !b.root().join("book").exists(),
        "no site with raw directives"
    );
}

#[test]
fn a_chapter_that_is_not_utf8_is_named_with_its_line() {
    let b = BookTest::one_chapter("# A\n");
    std::fs::write(b.root().join("content/chapter.md"), b"# A\n\nok\n\xff\n").unwrap();
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("not UTF-8 text: byte 0xff at line 4, column 1"),
        "{err}"
    );
    assert!(err.contains("chapter.md"), "{err}");
}

const FAILING: &str =
    "# A\n\nText.\n\n```python\ndef f(x):\n    return 1 / x\n\nprint(\"before\")\nf(0)\n```\n";

#[test]
fn a_traceback_is_reported_at_the_chapter_line_it_ended_on() {
    let b = BookTest::one_chapter(FAILING);
    let run = b.build();
    run.failure();
    let err = run.stderr();
    // Each frame of the program names its chapter line beside the sandbox's.
    assert!(
        err.contains("\"/sandbox/snippet.py\", line 5, in <module>  [content/chapter.md:10]"),
        "{err}"
    );
    assert!(
        err.contains("\"/sandbox/snippet.py\", line 2, in f  [content/chapter.md:7]"),
        "{err}"
    );
    // The error itself is at the line the traceback ended on, not the fence.
    assert!(err.contains("content/chapter.md:7:1]"), "{err}");

    // check's report (stdout) names the same line.
    let check = b.run(&["check"]);
    check.failure();
    let report = String::from_utf8_lossy(&check.output.stdout);
    assert!(
        report.contains("FAILED: example at content/chapter.md:7"),
        "{report}"
    );
}

#[test]
fn the_page_marks_the_line_a_traceback_ended_on() {
    let b = BookTest::one_chapter(&FAILING.replace("```python\n", "```python expect=error\n"));
    b.build().success();
    let page = b.read("book/chapter.html");
    let marked: Vec<&str> = page.split("<mark class=\"failing-line\"").skip(1).collect();
    assert_eq!(marked.len(), 1, "{page}");
    assert!(
        marked[0]
            .split("</mark>")
            .next()
            .unwrap()
            .contains("return"),
        "the wrong line is marked: {}",
        marked[0]
    );
}
