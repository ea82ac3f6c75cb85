//! `proofbook init` makes a book a new user can build and check at once, and
//! never writes over a book that is already there.
//!
//! The starter's examples run in real CPython (root, as the sandbox tests).

mod support;

use support::BookTest;

#[test]
fn init_then_build_then_check_is_green() {
    let b = BookTest::empty();
    b.run(&["init", "my-book"]).success();
    let book = b.root().join("my-book");

    let build = b.run(&["build", "my-book"]);
    build.success();
    let page = std::fs::read_to_string(book.join("book/waiting.html")).unwrap();
    assert!(
        page.contains("Hello from Python 3."),
        "example output missing"
    );
    // The measure resolved to a figure and the claim was checked and held.
    assert!(!page.contains("{{#measure"), "raw measure left in the page");
    assert!(
        page.contains("claim verified"),
        "claim not verified:\n{page}"
    );

    b.run(&["check", "my-book"]).success();
}

#[test]
fn init_refuses_an_existing_book_and_force_keeps_its_files() {
    let b = BookTest::one_chapter("# Mine\n");
    b.write("book.toml", "[book]\ntitle = \"Mine\"\n");
    let run = b.run(&["init"]);
    run.failure();
    assert!(
        run.stderr().contains("already holds a book"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("--force"), "{}", run.stderr());
    assert!(!b.root().join("content/waiting.md").exists());

    b.run(&["init", "--force"]).success();
    assert_eq!(b.read("book.toml"), "[book]\ntitle = \"Mine\"\n");
    assert_eq!(
        b.read("content/SUMMARY.md"),
        "# Summary\n\n- [Chapter](chapter.md)\n"
    );
    assert!(b.root().join("content/waiting.md").is_file());
}
