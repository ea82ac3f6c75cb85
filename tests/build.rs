//! `proofbook build` end to end on fixture books.

mod support;

use support::{BookTest, broken_internal_links, element, main_of};

#[test]
fn builds_the_fixture_into_a_complete_site() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    for file in [
        "book/index.html",
        "book/preface.html",
        "book/start.html",
        "book/guide/nested.html",
        "book/guide/dot.svg",
        "book/reference.html",
        "book/appendix.html",
        "book/404.html",
        "book/static/css/main.css",
        "book/static/css/syntax.css",
        "book/static/js/main.js",
        "book/.proofbook-site.json",
    ] {
        assert!(t.root().join(file).is_file(), "missing {file}");
    }
    let broken = broken_internal_links(&t.root().join("book"));
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}

#[test]
fn chapter_page_main_content() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    insta::assert_snapshot!(main_of(&t.read("book/start.html")));
}

#[test]
fn page_title_sidebar_and_navigation() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    let page = t.read("book/guide/nested.html");
    assert!(
        page.contains("<title>Nested page - Fixture Book</title>"),
        "title"
    );
    // The sidebar: this page active, a part title, a draft without a
    // link, numbering that continues after a separator.
    insta::assert_snapshot!("nested_sidebar", element(&page, "<nav id=\"sidebar\""));
    // Previous is relative to the page's folder; next skips the draft.
    insta::assert_snapshot!("nested_page_nav", element(&page, "<nav class=\"page-nav\""));
    assert!(page.contains("href=\"../static/css/main.css\""));
    let preface = t.read("book/preface.html");
    assert!(
        preface.contains(
            "<a href=\"preface.html\" class=\"active\" aria-current=\"page\">Preface</a>"
        ),
        "prefix chapters are unnumbered"
    );
    assert_eq!(
        main_of(&t.read("book/index.html")),
        main_of(&preface),
        "the first chapter is also the index"
    );
}

#[test]
fn links_are_rewritten_to_pages_and_anchors_kept() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    // Links to chapters become links to their pages, relative to the
    // page's folder, with their anchors; images stay beside the page.
    let article = "<article class=\"content\"";
    insta::assert_snapshot!(
        "preface_article",
        element(&t.read("book/preface.html"), article)
    );
    insta::assert_snapshot!(
        "nested_article",
        element(&t.read("book/guide/nested.html"), article)
    );
}

#[test]
fn broken_links_fail_the_build_with_file_and_line() {
    let t = BookTest::from_fixture("basic");
    t.write(
        "content/appendix.md",
        "# Appendix\n\nSee [gone](gone.md) and\n[no anchor](start.md#nowhere).\n",
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("broken link `gone.md`"), "{err}");
    assert!(err.contains("[ROOT]/content/appendix.md:3:5"), "{err}");
    assert!(err.contains("broken link `start.md#nowhere`"), "{err}");
    assert!(err.contains("appendix.md:4:1"), "{err}");
    assert!(err.contains("build failed with 2 errors"), "{err}");
    assert!(!t.root().join("book").exists(), "nothing written");
}

#[test]
fn a_missing_chapter_points_at_its_summary_line() {
    let t = BookTest::from_fixture("basic");
    std::fs::remove_file(t.root().join("content/reference.md")).unwrap();
    // Without it the chapter is created (tests/mdbook_parity.rs).
    let toml = t.read("book.toml") + "[build]\ncreate-missing = false\n";
    t.write("book.toml", &toml);
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("chapter `reference.md` does not exist"),
        "{err}"
    );
    assert!(err.contains("[ROOT]/content/SUMMARY.md:13:1"), "{err}");
    assert!(
        err.contains("- [Reference](reference.md)"),
        "the source line is shown: {err}"
    );
}

#[test]
fn a_bad_book_toml_names_line_column_and_the_nearest_key() {
    let t = BookTest::from_fixture("basic");
    t.write(
        "book.toml",
        "[book]\ntitle = \"x\"\nsrc = \"content\"\nauthor = [\"me\"]\n",
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("unknown field `author`"), "{err}");
    assert!(err.contains("[ROOT]/book.toml:4:1"), "{err}");
    assert!(err.contains("did you mean `authors`?"), "{err}");
}

#[test]
fn a_known_mdbook_key_we_ignore_is_one_warning_line() {
    let t = BookTest::from_fixture("basic");
    t.write(
        "book.toml",
        "[book]\ntitle = \"x\"\nsrc = \"content\"\n\n[output.html]\nmathjax-support = true\n",
    );
    let run = t.build();
    run.success();
    let err = run.stderr();
    assert_eq!(
        err.matches("mathjax-support").count(),
        2,
        "message + source line: {err}"
    );
    assert!(err.contains("book.toml:6:1"), "{err}");
}

#[test]
fn an_include_cycle_is_an_error() {
    let t = BookTest::from_fixture("basic");
    t.write("content/appendix.md", "# Appendix\n{{#include a.txt}}\n");
    t.write("content/a.txt", "{{#include b.txt}}");
    t.write("content/b.txt", "{{#include a.txt}}");
    let run = t.build();
    run.failure();
    assert!(run.stderr().contains("include cycle"), "{}", run.stderr());
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    let before = t.read("book/appendix.html");
    t.write(
        "content/appendix.md",
        "# Appendix changed\n\n[broken](missing.md)\n",
    );
    t.build().failure();
    assert_eq!(t.read("book/appendix.html"), before);
    let leftovers: Vec<String> = std::fs::read_dir(t.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // The cache (with the parts of print.html and the search index
        // that the first build kept) is no temp folder.
        .filter(|n| n.starts_with('.') && n != ".proofbook-cache")
        .collect();
    assert!(
        leftovers.is_empty(),
        "temp folders left behind: {leftovers:?}"
    );
}

#[test]
fn dangerous_destinations_are_refused() {
    let t = BookTest::from_fixture("basic");
    for (dest, why) in [
        ("/", "root of the file system"),
        (".", "the book itself"),
        ("content", "which the book reads"),
    ] {
        let run = t.run(&["build", "-d", dest]);
        run.failure();
        assert!(run.stderr().contains(why), "{dest}: {}", run.stderr());
    }
    t.write("notes/thesis.tex", "precious");
    let run = t.run(&["build", "--dest-dir", "notes"]);
    run.failure();
    assert!(run.stderr().contains("thesis.tex"), "{}", run.stderr());
    assert_eq!(t.read("notes/thesis.tex"), "precious");
}

#[test]
fn dest_dir_and_book_dir_arguments() {
    let t = BookTest::from_fixture("basic");
    let out = t.root().join("elsewhere/site");
    let run = t.run(&[
        "build",
        t.root().to_str().unwrap(),
        "-d",
        out.to_str().unwrap(),
    ]);
    run.success();
    assert!(out.join("start.html").is_file());
    assert!(!t.root().join("book").exists());
}

#[test]
fn clean_removes_only_what_proofbook_built() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    t.run(&["clean"]).success();
    assert!(!t.root().join("book").exists());
    t.write("book/mine.txt", "keep");
    t.run(&["clean"]).failure();
    assert_eq!(t.read("book/mine.txt"), "keep");
}

#[test]
fn a_broken_template_override_names_the_template_and_line() {
    let t = BookTest::from_fixture("basic");
    t.write(
        "theme/templates/page.html",
        "<html>\n<body>\n{% if page.title %}\n</body>\n",
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("template error"), "{err}");
    assert!(err.contains("theme/templates/page.html"), "{err}");
}

#[test]
fn missing_summary_says_what_to_do() {
    let t = BookTest::empty();
    t.write("book.toml", "[book]\ntitle = \"x\"\n");
    let run = t.build();
    run.failure();
    assert!(
        run.stderr().contains("create [ROOT]/content/SUMMARY.md"),
        "{}",
        run.stderr()
    );
}

#[test]
fn example_ids_are_unique_in_the_book() {
    let t = BookTest::from_fixture("basic");
    t.write(
        "content/appendix.md",
        "# Appendix\n\n```python id=demo norun\nprint(1)\n```\n",
    );
    t.write(
        "content/reference.md",
        "# Reference\n\n## Tables\n\n```python id=demo norun\nprint(2)\n```\n",
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains(
            "example id `demo` is used twice (first used at [ROOT]/content/reference.md:5:1)"
        ),
        "{err}"
    );
    assert!(err.contains("[ROOT]/content/appendix.md:3:1"), "{err}");
}

#[test]
fn an_unknown_example_option_is_an_error_at_the_option() {
    let t = BookTest::from_fixture("basic");
    t.write(
        "content/appendix.md",
        "# Appendix\n\n```python timeout=2 retries=3\nprint(1)\n```\n",
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("unknown example option `retries`"), "{err}");
    assert!(err.contains("[ROOT]/content/appendix.md:3:21"), "{err}");
    assert!(
        err.contains("valid options: `norun`, `id`, `timeout`, `expect`, `exit`, `file`"),
        "{err}"
    );
}

#[test]
fn a_site_folder_that_holds_the_source_is_refused_and_the_source_kept() {
    // GitHub Pages layout: the site goes to docs/, the chapters live in
    // docs/src. Replacing docs/ would delete them.
    let t = BookTest::empty();
    t.write(
        "book.toml",
        "[book]\nsrc = \"docs/src\"\n[build]\nbuild-dir = \"docs\"\n",
    );
    t.write("docs/src/SUMMARY.md", "- [One](one.md)\n");
    t.write("docs/src/one.md", "# precious\n");
    t.write("docs/index.html", "");
    t.write("docs/.nojekyll", "");
    let run = t.build();
    run.failure();
    assert!(
        run.stderr().contains("replacing the site would delete it"),
        "{}",
        run.stderr()
    );
    assert_eq!(t.read("docs/src/one.md"), "# precious\n");
}

#[test]
fn two_sources_for_one_site_file_are_an_error_naming_both() {
    let t = BookTest::from_fixture("basic");
    t.write("content/appendix.html", "<p>raw</p>");
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("two sources for the site file `appendix.html`: chapter `appendix.md` (SUMMARY.md line 15) and the file [ROOT]/content/appendix.html"), "{err}");

    let t = BookTest::from_fixture("basic");
    t.write(
        "book.toml",
        "[book]\nsrc = \"content\"\n[output.html.redirect]\n\"/start.html\" = \"preface.html\"\n",
    );
    let run = t.build();
    run.failure();
    assert!(
        run.stderr()
            .contains("the redirect `start.html` in book.toml"),
        "{}",
        run.stderr()
    );

    let t = BookTest::from_fixture("basic");
    t.write(
        "content/SUMMARY.md",
        "- [Readme](guide/README.md)\n- [Index](guide/index.md)\n",
    );
    t.write("content/guide/README.md", "# R\n");
    t.write("content/guide/index.md", "# I\n");
    let run = t.build();
    run.failure();
    assert!(run.stderr().contains("two sources for the site file `guide/index.html`: chapter `guide/README.md` (SUMMARY.md line 1) and chapter `guide/index.md` (SUMMARY.md line 2)"), "{}", run.stderr());
}

#[test]
fn a_destination_that_is_a_symlink_is_replaced_where_it_points() {
    let t = BookTest::from_fixture("basic");
    std::fs::create_dir_all(t.root().join("real-site")).unwrap();
    std::os::unix::fs::symlink("real-site", t.root().join("site")).unwrap();
    t.run(&["build", "-d", "site"]).success();
    assert!(
        t.root()
            .join("site")
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is kept"
    );
    assert!(t.root().join("real-site/start.html").is_file());
    std::os::unix::fs::symlink("nowhere", t.root().join("dangling")).unwrap();
    let run = t.run(&["build", "-d", "dangling"]);
    run.failure();
    assert!(
        run.stderr().contains("symbolic link to nothing"),
        "{}",
        run.stderr()
    );
}

#[test]
fn print_page_holds_every_chapter_in_order_across_render_chunks() {
    // More chapters than one render chunk (64), so print.html is written
    // in several pieces.
    let t = BookTest::empty();
    let mut summary = String::from("# Summary\n\n");
    for i in 0..150 {
        summary.push_str(&format!("- [Chapter {i}](c{i}.md)\n"));
        t.write(
            &format!("content/c{i}.md"),
            &format!(
                "# Chapter {i}\n\nBody of chapter {i}, see [next](c{}.md).\n",
                i + 1
            ),
        );
    }
    t.write("content/c150.md", "# Last\n");
    summary.push_str("- [Last](c150.md)\n");
    t.write("content/SUMMARY.md", &summary);
    t.build().success();
    let print = t.read("book/print.html");
    let mut at = 0;
    for i in 0..150 {
        let here = print[at..]
            .find(&format!("Body of chapter {i},"))
            .unwrap_or_else(|| panic!("chapter {i} is missing or out of order in print.html"));
        at += here;
    }
    assert!(
        print.contains("href=\"#chapter-100\""),
        "links become anchors"
    );
    assert!(
        print.trim_end().ends_with("</html>"),
        "the page is complete"
    );
    let index = t.read("book/index.html");
    assert!(
        index.contains("Body of chapter 0,"),
        "index.html is the first chapter"
    );
}

#[test]
fn a_print_template_that_repeats_content_is_rendered_whole() {
    let t = BookTest::from_fixture("basic");
    t.write(
        "theme/templates/print.html",
        "<html><body>{% for c in chapters %}<h1>{{ c.title }}</h1>{{ c.content | safe }}<hr>{{ c.content | safe }}{% endfor %}</body></html>\n",
    );
    t.build().success();
    let print = t.read("book/print.html");
    let first = print.find("id=\"install\"").expect("the chapter is there");
    assert!(
        print[first + 1..].contains("id=\"install\""),
        "each chapter's content appears twice, as the template says: {print}"
    );
}

#[test]
fn the_print_button_is_shown_only_when_the_book_has_a_print_page() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    assert!(t.read("book/start.html").contains("href=\"print.html\""));
    assert!(
        t.read("book/guide/nested.html")
            .contains("href=\"../print.html\"")
    );

    let toml = t.read("book.toml");
    t.write(
        "book.toml",
        &format!("{toml}\n[output.html.print]\nenable = false\n"),
    );
    t.build().success();
    assert!(!t.root().join("book/print.html").exists());
    for page in [
        "book/start.html",
        "book/guide/nested.html",
        "book/index.html",
    ] {
        let html = t.read(page);
        assert!(
            !html.contains("print.html"),
            "{page} links to a print page that is not there"
        );
    }
}

#[test]
fn clean_cache_keeps_the_users_interpreters_built_from_source_unless_asked() {
    let t = BookTest::from_fixture("basic");
    t.write(".proofbook-cache/results/abc.json", "{}");
    t.write(".proofbook-cache/python/3.11.7-abc/pyvenv.cfg", "home = x");
    t.write(".proofbook-cache/python/interpreters.json", "{}");
    // The builds are the user's, shared by every book, not the book's.
    let builds = t.cache_home.path().join("proofbook/python/builds");
    std::fs::create_dir_all(builds.join("3.13.5t/bin")).unwrap();
    std::fs::write(builds.join("3.13.5t/bin/python3.13t"), "").unwrap();
    let run = t.run(&["clean", "--cache"]);
    run.success();
    let cache = t.root().join(".proofbook-cache");
    assert!(!cache.exists(), "the book's cache holds nothing kept");
    assert!(builds.join("3.13.5t/bin/python3.13t").is_file());
    assert!(run.stderr().contains("add --builds"), "{}", run.stderr());
    let run = t.run(&["clean", "--cache", "--builds"]);
    run.success();
    assert!(!builds.exists(), "{}", run.stderr());
    // The key beside them is not a build: it stays.
    assert!(t.cache_home.path().join("proofbook").is_dir());
}

#[test]
fn clean_never_follows_a_cache_folder_the_book_made_a_link() {
    let t = BookTest::from_fixture("basic");
    // A book can arrive with `.proofbook-cache` leading anywhere, such as
    // the folder holding the user's own virtual environments.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(elsewhere.path().join("envs/precious")).unwrap();
    std::fs::create_dir_all(elsewhere.path().join("python/builds")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), t.root().join(".proofbook-cache")).unwrap();
    for args in [&["clean", "--envs"][..], &["clean", "--cache"][..]] {
        let run = t.run(args);
        run.failure();
        assert!(
            run.stderr().contains("symbolic link"),
            "{args:?}: {}",
            run.stderr()
        );
        assert!(elsewhere.path().join("envs/precious").is_dir(), "{args:?}");
    }
}
