//! The output guard: a build replaces a folder only when proofbook wrote
//! it and nobody changed it since; anything else is refused, or with
//! `--force` moved aside. No file proofbook did not write is deleted.

mod support;

use std::path::{Path, PathBuf};

use support::BookTest;

fn prose_book() -> BookTest {
    BookTest::one_chapter("# Chapter\n\nNo code, only prose.\n")
}

/// The folders beside `dir`'s site whose name starts with `prefix`.
fn siblings(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

#[test]
fn a_folder_made_by_hand_is_refused_and_left_as_it_was() {
    let t = prose_book();
    t.write("site/thesis.tex", "precious")
        .write("site/figures/plot.png", "png");
    let run = t.run(&["build", "-d", "site"]);
    run.failure();
    let err = run.stderr();
    assert!(err.contains("refusing to replace [ROOT]/site"), "{err}");
    assert!(err.contains("figures"), "says what it found: {err}");
    assert!(err.contains("--force"), "says how to proceed: {err}");
    assert_eq!(t.read("site/thesis.tex"), "precious");
    assert_eq!(t.read("site/figures/plot.png"), "png");
    assert!(!t.root().join("site/.proofbook-site.json").exists());
    assert!(
        siblings(t.root(), ".site.").is_empty(),
        "no staging folder is left"
    );
}

#[test]
fn a_site_with_a_file_added_or_edited_by_hand_is_refused() {
    let t = prose_book();
    t.build().success();
    let page = t.read("book/chapter.html");
    // Untouched, it is replaced as before.
    t.build().success();

    t.write("book/notes/todo.txt", "mine");
    let run = t.build();
    run.failure();
    assert!(
        run.stderr()
            .contains("notes/todo.txt was not written by proofbook"),
        "{}",
        run.stderr()
    );
    assert_eq!(t.read("book/notes/todo.txt"), "mine");
    assert_eq!(t.read("book/chapter.html"), page);
    std::fs::remove_dir_all(t.root().join("book/notes")).unwrap();

    t.write("book/chapter.html", "<p>edited by hand</p>");
    let run = t.build();
    run.failure();
    assert!(
        run.stderr().contains("chapter.html was changed"),
        "{}",
        run.stderr()
    );
    assert_eq!(t.read("book/chapter.html"), "<p>edited by hand</p>");
}

#[test]
fn force_moves_the_folder_aside_and_keeps_every_file() {
    let t = prose_book();
    t.build().success();
    t.write("book/notes.txt", "mine");
    let run = t.run(&["build", "--force"]);
    run.success();
    let aside = siblings(t.root(), "book.replaced-");
    assert_eq!(aside.len(), 1, "{aside:?}");
    let name = aside[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        run.stderr().contains(&name),
        "prints where it went: {}",
        run.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(aside[0].join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(
        aside[0].join("chapter.html").is_file(),
        "the old site is kept whole"
    );
    assert!(!t.root().join("book/notes.txt").exists());
    assert!(t.root().join("book/chapter.html").is_file());
    // The new site is proofbook's again: the next build replaces it.
    t.build().success();
    assert_eq!(siblings(t.root(), "book.replaced-").len(), 1);
}

#[test]
fn force_never_overrides_a_dangerous_destination() {
    let t = prose_book();
    let run = t.run(&["build", "--force", "-d", "content"]);
    run.failure();
    assert!(
        run.stderr().contains("which the book reads"),
        "{}",
        run.stderr()
    );
    assert!(t.root().join("content/chapter.md").is_file());
}

#[test]
fn clean_removes_only_an_unchanged_site_and_force_moves_aside() {
    let t = prose_book();
    t.build().success();
    t.write("book/extra.css", "mine");
    let run = t.run(&["clean"]);
    run.failure();
    assert!(run.stderr().contains("extra.css"), "{}", run.stderr());
    assert_eq!(t.read("book/extra.css"), "mine");
    t.run(&["clean", "--force"]).success();
    assert!(!t.root().join("book").exists());
    let aside = siblings(t.root(), "book.replaced-");
    assert_eq!(
        std::fs::read_to_string(aside[0].join("extra.css")).unwrap(),
        "mine"
    );

    t.build().success();
    t.run(&["clean"]).success();
    assert!(!t.root().join("book").exists());
}

#[test]
fn an_older_marker_proves_nothing() {
    let t = prose_book();
    t.write("book/.proofbook-output", "")
        .write("book/index.html", "<p>someone's</p>");
    let run = t.build();
    run.failure();
    assert!(run.stderr().contains("older proofbook"), "{}", run.stderr());
    assert_eq!(t.read("book/index.html"), "<p>someone's</p>");
}

#[test]
fn build_dir_outside_the_book_is_refused_at_its_line() {
    let t = prose_book();
    t.write(
        "book.toml",
        "[book]\ntitle = \"x\"\n\n[build]\nbuild-dir = \"../elsewhere\"\n",
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("outside the book"), "{err}");
    assert!(err.contains("book.toml:5"), "{err}");
    assert!(!t.root().join("../elsewhere").exists());
    // A link out of the book is refused the same way, default name too.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("keep.txt"), "mine").unwrap();
    t.write("book.toml", "[book]\ntitle = \"x\"\n");
    std::os::unix::fs::symlink(outside.path(), t.root().join("book")).unwrap();
    let run = t.build();
    run.failure();
    assert!(run.stderr().contains("symbolic link"), "{}", run.stderr());
    assert_eq!(
        std::fs::read_to_string(outside.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_staging_folder_left_by_a_dead_build_is_removed_with_a_line() {
    let t = prose_book();
    // Above any pid_max: no process can have this pid.
    let dead = 1 << 23;
    let stale = format!(".book.new-{dead}-a1b2c3");
    t.write(&format!("{stale}/chapter.html"), "half written");
    let alive = format!(".book.new-{}-a1b2c3", std::process::id());
    t.write(&format!("{alive}/chapter.html"), "being written");
    let run = t.build();
    run.success();
    assert!(!t.root().join(&stale).exists());
    assert!(run.stderr().contains(&stale), "{}", run.stderr());
    assert!(
        t.root().join(&alive).exists(),
        "a live build's folder is kept"
    );
}
