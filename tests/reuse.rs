//! A rebuild takes unchanged pages from the previous site (hard links)
//! and renders exactly the pages whose inputs changed.

mod support;

use std::os::unix::fs::MetadataExt;

use support::BookTest;

fn inode(t: &BookTest, rel: &str) -> u64 {
    std::fs::metadata(t.root().join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .ino()
}

/// What the summary line says was made again.
fn made_again(run: &support::Run) -> String {
    let err = run.stderr();
    let at = err.find("made again: ").expect(&err) + "made again: ".len();
    let end = at + err[at..].find("; examples").expect(&err);
    err[at..end].to_owned()
}

fn unchanged(run: &support::Run) -> usize {
    let err = run.stderr();
    let at = err.find(" unchanged since the last build").expect(&err);
    let start = err[..at].rfind(' ').expect(&err) + 1;
    err[start..at].parse().expect(&err)
}

#[test]
fn an_unchanged_book_reuses_every_page_and_a_change_renders_only_its_page() {
    let t = BookTest::from_fixture("basic");
    let first = t.build();
    first.success();
    assert_eq!(unchanged(&first), 0, "nothing to reuse the first time");
    let start = inode(&t, "book/start.html");
    let reference = inode(&t, "book/reference.html");
    let print = inode(&t, "book/print.html");
    let search = inode(&t, "book/searchindex.js");
    assert_eq!(
        made_again(&first),
        "6 pages, print.html (5 chapters' parts), the search index (5 chapters' parts)"
    );

    let again = t.build();
    again.success();
    // Five chapter pages, print.html, index.html (the preface again) and
    // the search index.
    assert_eq!(unchanged(&again), 8, "{}", again.stderr());
    assert_eq!(made_again(&again), "0 pages");
    assert_eq!(inode(&t, "book/start.html"), start);
    assert_eq!(inode(&t, "book/print.html"), print);
    assert_eq!(inode(&t, "book/searchindex.js"), search);

    let text = t.read("content/reference.md");
    t.write(
        "content/reference.md",
        &format!("{text}\nA new closing line about quokkas.\n"),
    );
    let edited = t.build();
    edited.success();
    assert_eq!(
        unchanged(&edited),
        5,
        "the edited page, print.html and the search index are made again: {}",
        edited.stderr()
    );
    // Of print.html and the index, only the edited chapter's parts.
    assert_eq!(
        made_again(&edited),
        "1 page, print.html (1 chapter's part), the search index (1 chapter's part)"
    );
    assert!(t.read("book/searchindex.js").contains("\"quokkas\""));
    assert_eq!(inode(&t, "book/start.html"), start);
    assert_ne!(inode(&t, "book/reference.html"), reference);
    assert!(
        t.read("book/reference.html")
            .contains("A new closing line about quokkas.")
    );
    assert!(
        t.read("book/print.html")
            .contains("A new closing line about quokkas.")
    );
}

#[test]
fn a_renamed_chapter_changes_its_neighbours_and_a_template_change_every_page() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    // The sidebar and the previous/next links of every page name it.
    let summary = t.read("content/SUMMARY.md");
    t.write(
        "content/SUMMARY.md",
        &summary.replace("[Reference]", "[Reference manual]"),
    );
    let renamed = t.build();
    renamed.success();
    assert_eq!(unchanged(&renamed), 0, "{}", renamed.stderr());
    assert!(t.read("book/start.html").contains("Reference manual"));

    t.build().success();
    t.write(
        "theme/templates/page.html",
        "<html><body><main>{{ page.content | safe }}</main><p>custom layout</p>{{ sidebar | safe }}</body></html>\n",
    );
    let themed = t.build();
    themed.success();
    assert_eq!(
        unchanged(&themed),
        1,
        "the templates are one input of every page, not of the search index: {}",
        themed.stderr()
    );
    assert_eq!(
        made_again(&themed),
        "6 pages, print.html (0 chapters' parts)"
    );
    assert!(t.read("book/start.html").contains("custom layout"));
}

#[test]
fn an_edited_output_folder_is_refused_and_never_reused_when_forced() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    t.write("book/.proofbook-pages.json", "{ not json");
    t.build().failure();
    let run = t.run(&["build", "--force"]);
    run.success();
    assert_eq!(unchanged(&run), 0, "{}", run.stderr());

    // A page removed from the old site is rendered again, not lost; the
    // others are still proofbook's and reused.
    std::fs::remove_file(t.root().join("book/start.html")).expect("remove");
    let run = t.build();
    run.success();
    assert_eq!(unchanged(&run), 7, "{}", run.stderr());
    assert_eq!(made_again(&run), "1 page");
    assert!(t.read("book/start.html").contains("Getting started"));

    // A page edited by hand is not linked into the new site.
    t.write("book/start.html", "<p>edited by hand</p>");
    t.run(&["build", "--force"]).success();
    assert!(t.read("book/start.html").contains("Getting started"));

    // A page replaced by a symbolic link is not followed.
    let secret = t.root().join("secret.txt");
    std::fs::write(&secret, "private").expect("write");
    std::fs::remove_file(t.root().join("book/start.html")).expect("remove");
    std::os::unix::fs::symlink(&secret, t.root().join("book/start.html")).expect("symlink");
    t.build().failure();
    t.run(&["build", "--force"]).success();
    assert!(!t.read("book/start.html").contains("private"));
    assert!(
        !std::fs::symlink_metadata(t.root().join("book/start.html"))
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&secret).expect("read"), "private");
}

/// A site folder a book ships, marker and manifest included, must not
/// have its pages linked into the build: the pages' keys start from the
/// user's secret, so a site made under another user's key (here: another
/// XDG_CACHE_HOME) is rendered again in full, and one made under the
/// same key is reused.
#[test]
fn a_site_made_under_another_users_key_is_not_reused() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    let other = tempfile::tempdir().unwrap();
    let run = |cache_home: &std::path::Path| {
        let out = assert_cmd::Command::cargo_bin("proofbook")
            .unwrap()
            .args(["build", "."])
            .current_dir(t.root())
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", cache_home)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(other.path());
    assert!(err.contains(" 0 unchanged since the last build"), "{err}");
    // Built once under that key, the next build under it reuses the pages.
    let err = run(other.path());
    assert!(!err.contains(" 0 unchanged since the last build"), "{err}");
}
