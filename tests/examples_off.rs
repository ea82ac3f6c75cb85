//! A book whose examples do not run is never silent about it: an mdBook
//! book runs its Python blocks once its pages show they are examples, and
//! otherwise every page, the build's summary and `check` say they were not
//! run and name the key that runs them.
//!
//! The books with intent start real CPython (root, as the sandbox tests).

mod support;

use support::BookTest;

const SUMMARY: &str = "# Summary\n\n- [Intro](intro.md)\n";
const KEY: &str = "`examples = true` under `[proofbook.run]` in book.toml";

/// An mdBook-layout book (`src/SUMMARY.md`) with `book_toml` and a chapter.
fn mdbook_book(book_toml: &str, chapter: &str) -> BookTest {
    let b = BookTest::empty();
    b.write("book.toml", book_toml)
        .write("src/SUMMARY.md", SUMMARY)
        .write("src/intro.md", chapter);
    b
}

const PLAIN: &str =
    "# Intro\n\n```python\nprint('from the sandbox')\n```\n\n```python\nprint(2)\n```\n";

#[test]
fn an_mdbook_book_without_intent_says_its_blocks_were_not_run() {
    for toml in ["[book]\ntitle = \"T\"\n", "[book]\nsrc = \"src\"\n"] {
        let b = mdbook_book(toml, PLAIN);
        let run = b.build();
        run.success();
        let err = run.stderr();
        assert!(
            err.contains("examples: off, 2 Python blocks not run"),
            "{toml}: {err}"
        );
        assert!(
            err.contains(&format!(
                "its 2 Python blocks were shown without running; write {KEY}"
            )),
            "{toml}: {err}"
        );
        let page = b.read("book/intro.html");
        assert_eq!(page.matches("class=\"run-off\"").count(), 2, "{page}");
        assert!(!page.contains("from the sandbox</span></pre>\n<div class=\"run-output"));
        let check = b.run(&["check"]);
        check.success();
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&check.output.stdout),
            check.stderr()
        );
        assert!(out.contains("2 Python blocks not run"), "{out}");
        assert!(out.contains(KEY), "{out}");
        assert!(out.contains("0 passed, 0 failed, 1 skipped"), "{out}");
    }
}

#[test]
fn a_quoted_figure_or_an_option_only_proofbook_knows_turns_examples_on() {
    let intents = [
        "```python id=hello\nprint('hi')\n```\n",
        "```python\nprint('hi')\n```\n\n```output\nhi\n```\n",
        "```python repeat=2\nprint('hi')\n```\n",
        "```python id=hello\nprint('hi')\n```\n\nIt took {{#measure hello wall}}.\n",
    ];
    for (i, body) in intents.iter().enumerate() {
        let b = mdbook_book("[book]\ntitle = \"T\"\n", &format!("# Intro\n\n{body}"));
        let run = b.build();
        run.success();
        let err = run.stderr();
        assert!(err.contains("examples: 1 ran"), "case {i}: {err}");
        let page = b.read("book/intro.html");
        assert!(!page.contains("run-off"), "case {i}");
        assert!(page.contains("figure class=\"run\""), "case {i}: {page}");
    }
    // A `[proofbook]` table is intent too, even with plain blocks.
    let b = mdbook_book("[proofbook]\nbroken-links = \"warn\"\n", PLAIN);
    let run = b.build();
    run.success();
    assert!(run.stderr().contains("examples: 2 ran"), "{}", run.stderr());
}

#[test]
fn examples_turned_off_show_placeholders_never_raw_directives() {
    let chapter = "# Intro\n\n```python id=hello\nprint('hi')\n```\n\nIt took {{#measure hello wall}}.\n\n```claim\nsays: it is quick\nhello wall < 10000\n```\n";
    let b = mdbook_book("[proofbook.run]\nexamples = false\n", chapter);
    let run = b.build();
    run.success();
    assert!(
        run.stderr()
            .contains("examples: off, 1 Python block not run"),
        "{}",
        run.stderr()
    );
    let page = b.read("book/intro.html");
    assert!(!page.contains("{{#measure"), "{page}");
    assert!(page.contains("class=\"measured not-measured\""), "{page}");
    assert!(
        page.contains("Not checked: this book&#39;s examples are off")
            || page.contains("Not checked: this book's examples are off"),
        "{page}"
    );
    assert!(page.contains("it is quick"), "{page}");
    assert!(
        !page.contains("language-claim"),
        "the claim shows as a claim, not code: {page}"
    );
}

#[test]
fn a_proofbook_layout_book_always_runs_its_examples() {
    let b = BookTest::one_chapter(PLAIN);
    let run = b.build();
    run.success();
    assert!(run.stderr().contains("examples: 2 ran"), "{}", run.stderr());
}
