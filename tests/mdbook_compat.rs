//! An mdBook-layout book (src/, book.toml with mdBook keys, a theme folder
//! with mdBook files) builds unchanged, and the output matches mdBook's
//! layout: pages, index, print page, redirects, assets.

mod support;

use support::{BookTest, broken_internal_links, main_of};

fn built() -> BookTest {
    let t = BookTest::from_fixture("mdbook-compat");
    let run = t.build();
    run.success();
    t
}

#[test]
fn layout_matches_mdbook() {
    let t = built();
    for file in [
        "introduction.html",
        "index.html",
        "part1/index.html",
        "part1/details.html",
        "part1/deep.html",
        "code.html",
        "appendix.html",
        "print.html",
        "404.html",
        "old/intro.html",
        "gone.html",
        "images/pic.svg",
        "custom.css",
        "custom.js",
        "css/extra.css",
        "CNAME",
    ] {
        assert!(t.root().join("book").join(file).is_file(), "missing {file}");
    }
    assert!(!t.root().join("book/index.hbs").exists());
    assert_eq!(t.read("book/CNAME"), "compat.example.org\n");
    let broken = broken_internal_links(&t.root().join("book"));
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn warnings_name_what_is_not_used() {
    let t = BookTest::from_fixture("mdbook-compat");
    let run = t.build();
    run.success();
    let err = run.stderr();
    assert!(err.contains("`index.hbs` is not used"), "{err}");
    // `[rust] edition` is acted on: the playground blocks' edition.
    assert!(!err.contains("rust.edition"), "{err}");
    // Search is built, and its `limit-results` is honoured.
    assert!(!err.contains("output.html.search"), "{err}");
    assert!(
        t.read("book/searchindex.js")
            .contains("\"options\":{\"limit\":20,"),
        "limit-results = 20 is not in the index"
    );
}

#[test]
fn summary_titles_numbers_and_drafts() {
    let t = built();
    let page = t.read("book/part1/details.html");
    assert!(
        page.contains("<title>Details - Compat Book</title>"),
        "title = SUMMARY name + book title"
    );
    // Nested numbers, a draft, numbers that continue across parts, a part
    // title and an unnumbered prefix chapter.
    insta::assert_snapshot!(
        "details_sidebar",
        support::element(&page, "<nav id=\"sidebar\"")
    );
    assert!(
        t.read("book/part1/deep.html")
            .contains("<title>A Custom Title</title>"),
        "{{#title}} wins"
    );
}

#[test]
fn links_and_heading_ids() {
    let t = built();
    let intro = t.read("book/introduction.html");
    // Links of every kind (to chapters, anchors, reference style, html,
    // outside the book, external, a fragment) and heading ids (repeated,
    // with code and emphasis), as the chapter renders them.
    insta::assert_snapshot!(
        "introduction_article",
        support::element(&intro, "<article class=\"content\"")
    );
    for expected in ["href=\"custom.css\"", "src=\"custom.js\""] {
        assert!(intro.contains(expected), "missing {expected}");
    }
    let details = t.read("book/part1/details.html");
    assert!(details.contains("<h1 id=\"details\">"), "explicit id");
    assert!(
        details.contains("href=\"../custom.css\""),
        "additional css from a nested page"
    );
    assert!(
        details.contains("https://example.org/compat/edit/main/src/part1/details.md"),
        "edit link"
    );
}

#[test]
fn markdown_features_as_mdbook_renders_them() {
    let t = built();
    insta::assert_snapshot!("part1_readme", main_of(&t.read("book/part1/index.html")));
    insta::assert_snapshot!("code_page", main_of(&t.read("book/code.html")));
}

#[test]
fn print_page_and_redirects() {
    let t = built();
    let print = t.read("book/print.html");
    assert!(print.contains("id=\"details\""));
    assert!(
        print.contains("href=\"#some-details\""),
        "links between chapters point into the page"
    );
    assert!(
        print.contains("src=\"images/pic.svg\""),
        "relative URLs re-based to the root"
    );
    let redirect = t.read("book/gone.html");
    assert!(
        redirect.contains("URL=part1/details.html#details"),
        "{redirect}"
    );
    assert!(redirect.contains("location.hash"), "the fragment is kept");
}

/// mdBook's `hidelines=PREFIX` hides the lines it starts, in any language
/// (a Python example included), and is not refused as an unknown option.
#[test]
fn hidelines_prefix_in_any_language() {
    let t = BookTest::one_chapter(
        "# Hidden\n\n```python,norun,hidelines=%%\n%%import os\nprint(os.sep)\n  %%x = 1\n```\n\n\
         ```text hidelines=>\n>secret\nshown\n```\n",
    );
    t.build().success();
    let page = t.read("book/chapter.html");
    let main = main_of(&page);
    assert!(!main.contains("%%"), "{main}");
    assert!(!main.contains("&gt;secret"), "{main}");
    assert_eq!(main.matches("class=\"hidden-line\"").count(), 3, "{main}");
    assert!(main.contains("shown"), "{main}");
}

/// `[output.html.code.hidelines]` gives a language its prefix; a fence's own
/// `hidelines=` wins over it.
#[test]
fn hidelines_table_in_book_toml() {
    let t = BookTest::one_chapter(
        "# Table\n\n```text\n@@setup\nshown\n```\n\n```text,hidelines=^\n@@kept\n^gone\n```\n",
    );
    t.write(
        "book.toml",
        "[book]\ntitle = \"t\"\n\n[output.html.code.hidelines]\ntext = \"@@\"\n",
    );
    let run = t.build();
    run.success();
    assert!(
        !run.stderr().contains("output.html.code"),
        "{}",
        run.stderr()
    );
    let page = t.read("book/chapter.html");
    let main = main_of(&page);
    assert!(!main.contains("@@setup"), "{main}");
    assert!(main.contains("@@kept"), "{main}");
    assert!(!main.contains("^gone"), "{main}");
    assert_eq!(main.matches("class=\"hidden-line\"").count(), 2, "{main}");
}

/// A `[output.html.search.chapter]` key that names no chapter stops the
/// build, as in mdBook, instead of leaving a chapter in the index unnoticed.
#[test]
fn search_chapter_key_naming_no_chapter_is_an_error() {
    let t = BookTest::one_chapter("# Chapter\n\nText.\n");
    t.write(
        "book.toml",
        "[book]\ntitle = \"t\"\n\n[output.html.search.chapter]\n\"chapter.md\" = { enable = true }\n\"nope.md\" = { enable = false }\n",
    );
    let run = t.build();
    run.failure();
    assert!(
        run.stderr()
            .contains("`[output.html.search.chapter]` names `nope.md`"),
        "{}",
        run.stderr()
    );
    assert!(!t.root().join("book").exists());
}
