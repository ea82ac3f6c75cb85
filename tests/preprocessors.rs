//! mdBook's external preprocessor protocol, with the test preprocessor
//! `tests/books/preproc/pre.py`.

mod support;

use support::BookTest;

fn with_preprocessor(table: &str) -> BookTest {
    let t = BookTest::from_fixture("preproc");
    t.write(
        "book.toml",
        &format!("[book]\ntitle = \"Preprocessed\"\n\n{table}"),
    );
    t
}

#[test]
fn a_preprocessor_changes_the_book_it_is_given() {
    let t = BookTest::from_fixture("preproc");
    t.build().success();
    let page = t.read("book/one.html");
    assert!(page.contains("Version 1.2.3."), "{page}");
    assert!(
        page.contains("Seen by pre.py: renderer=html, title=Preprocessed, both-keys=True"),
        "{page}"
    );
    // By default a preprocessor runs before mdBook's `links` step, so
    // includes are still expanded afterwards.
    assert!(page.contains("Included text."), "{page}");
}

#[test]
fn a_preprocessor_after_links_sees_expanded_includes() {
    let t = with_preprocessor(
        "[preprocessor.stamp]\ncommand = \"python3 pre.py replace\"\nafter = [\"links\"]\n",
    );
    t.write(
        "src/one.md",
        "# One\n\n{{#include ../snippet.txt}} {{VERSION}}\n",
    );
    t.write("snippet.txt", "{{VERSION}} from the include");
    t.build().success();
    assert!(
        t.read("book/one.html")
            .contains("1.2.3 from the include 1.2.3")
    );
}

#[test]
fn renderers_and_supports_decide_whether_it_runs() {
    let t = with_preprocessor(
        "[preprocessor.stamp]\ncommand = \"python3 pre.py replace\"\nrenderers = [\"epub\"]\n",
    );
    t.build().success();
    assert!(
        t.read("book/one.html").contains("{{VERSION}}"),
        "not run for html"
    );
    let t = with_preprocessor("[preprocessor.stamp]\ncommand = \"python3 pre.py no-html\"\n");
    t.build().success();
    assert!(
        t.read("book/one.html").contains("{{VERSION}}"),
        "said it does not support html"
    );
}

#[test]
fn a_missing_required_preprocessor_names_command_and_line() {
    let t = with_preprocessor("[preprocessor.nothere]\n");
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("preprocessor `nothere` is not installed: `mdbook-nothere` was not found"),
        "{err}"
    );
    assert!(err.contains("book.toml:4:"), "{err}");
}

#[test]
fn a_missing_optional_preprocessor_is_a_warning() {
    let t = with_preprocessor("[preprocessor.nothere]\noptional = true\n");
    let run = t.build();
    run.success();
    assert!(
        run.stderr().contains("`mdbook-nothere` was not found"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_hanging_preprocessor_is_stopped() {
    let t = with_preprocessor(
        "[proofbook]\npreprocessor-timeout = 1\n\n[preprocessor.stamp]\ncommand = \"python3 pre.py hang\"\n",
    );
    let run = t.build();
    run.failure();
    assert!(
        run.stderr()
            .contains("did not finish its run within 1 s and was stopped"),
        "{}",
        run.stderr()
    );
}

#[test]
fn garbage_and_failure_are_reported() {
    let t = with_preprocessor("[preprocessor.stamp]\ncommand = \"python3 pre.py garbage\"\n");
    let run = t.build();
    run.failure();
    assert!(
        run.stderr().contains("wrote something that is not a book"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("this is not a book"),
        "{}",
        run.stderr()
    );
    let t = with_preprocessor("[preprocessor.stamp]\ncommand = \"python3 pre.py fail\"\n");
    let run = t.build();
    run.failure();
    assert!(
        run.stderr().contains("failed (exit status: 3)"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("pre.py: something went wrong"),
        "its stderr is shown: {}",
        run.stderr()
    );
}

#[test]
fn a_preprocessor_that_echoes_the_whole_object_back_works() {
    let t = with_preprocessor("[preprocessor.stamp]\ncommand = \"python3 pre.py echo\"\n");
    t.build().success();
    assert!(t.read("book/one.html").contains("Version 1.2.3."));
}

#[test]
fn a_hanging_supports_probe_and_a_lingering_child_are_stopped() {
    let t = with_preprocessor(
        "[proofbook]\npreprocessor-timeout = 1\n\n[preprocessor.stamp]\ncommand = \"python3 pre.py hang-supports\"\n",
    );
    let run = t.build();
    run.failure();
    assert!(
        run.stderr()
            .contains("did not finish supports html within 1 s"),
        "{}",
        run.stderr()
    );
    let t = with_preprocessor(
        "[proofbook]\npreprocessor-timeout = 1\n\n[preprocessor.stamp]\ncommand = \"python3 pre.py orphan\"\nrenderers = [\"html\"]\n",
    );
    let run = t.build();
    run.failure();
    assert!(
        run.stderr().contains("did not finish its run within 1 s"),
        "{}",
        run.stderr()
    );
}
