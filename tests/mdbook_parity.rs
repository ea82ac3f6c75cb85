//! mdBook behaviours proofbook matches (#29): each test is one cause of a
//! difference found by running mdBook's own test books through both tools.

mod support;

use std::os::unix::fs::symlink;

use support::BookTest;

/// An mdBook-layout book whose SUMMARY.md names the chapters given (title,
/// path), none of which exists yet; `intro.md` does.
fn book_naming(chapters: &[(&str, &str)], toml_extra: &str) -> BookTest {
    let t = BookTest::empty();
    let mut summary = String::from("# Summary\n\n- [Intro](intro.md)\n");
    for (title, path) in chapters {
        summary.push_str(&format!("- [{title}]({path})\n"));
    }
    t.write("book.toml", &format!("[book]\ntitle = \"T\"\n{toml_extra}"))
        .write("src/SUMMARY.md", &summary)
        .write("src/intro.md", "# Intro\n");
    t
}

#[test]
fn a_missing_chapter_is_created_with_its_title_and_a_line_saying_so() {
    let t = book_naming(
        &[("Chapter 1", "chapter_1.md"), ("Deep & co", "a/b/deep.md")],
        "",
    );
    let run = t.build();
    run.success();
    let err = run.stderr();
    assert!(
        err.contains("created src/chapter_1.md (named in SUMMARY.md:4)"),
        "{err}"
    );
    assert!(
        err.contains("created src/a/b/deep.md (named in SUMMARY.md:5)"),
        "{err}"
    );
    assert_eq!(t.read("src/chapter_1.md"), "# Chapter 1\n");
    // The title is text in the heading, never a tag.
    assert_eq!(t.read("src/a/b/deep.md"), "# Deep &amp; co\n");
    let page = t.read("book/a/b/deep.html");
    assert!(page.contains("Deep &amp; co"), "{page}");
    // The second build finds them and says nothing.
    let again = t.build();
    again.success();
    assert!(!again.stderr().contains("created "), "{}", again.stderr());
}

#[test]
fn an_existing_chapter_is_never_replaced() {
    let t = book_naming(&[("Mine", "mine.md"), ("New", "new.md")], "");
    t.write("src/mine.md", "# My own words\n");
    let run = t.build();
    run.success();
    let err = run.stderr();
    assert!(!err.contains("created src/mine.md"), "{err}");
    assert!(err.contains("created src/new.md"), "{err}");
    assert_eq!(t.read("src/mine.md"), "# My own words\n");
}

#[test]
fn a_path_that_leaves_the_source_folder_is_refused_at_its_line() {
    let outside = tempfile::tempdir().unwrap();
    let t = book_naming(
        &[
            ("Up", "../up.md"),
            ("Linked", "linked/x.md"),
            ("Fine", "fine.md"),
        ],
        "",
    );
    symlink(outside.path(), t.root().join("src/linked")).unwrap();
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("`../up.md` would be created outside the source folder"),
        "{err}"
    );
    assert!(err.contains("[ROOT]/src/SUMMARY.md:4:1"), "{err}");
    assert!(err.contains("`linked/x.md` would be created in"), "{err}");
    assert!(err.contains("[ROOT]/src/SUMMARY.md:5:1"), "{err}");
    assert!(!t.root().join("up.md").exists());
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    // What is inside is still created, as every problem is reported at once.
    assert!(err.contains("created src/fine.md"), "{err}");
    assert!(!t.root().join("book").exists(), "no site");
}

#[test]
fn create_missing_false_keeps_the_error() {
    let t = book_naming(
        &[("Chapter 1", "chapter_1.md")],
        "[build]\ncreate-missing = false\n",
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("chapter `chapter_1.md` does not exist"),
        "{err}"
    );
    assert!(err.contains("[ROOT]/src/SUMMARY.md:4:1"), "{err}");
    assert!(!err.contains("is accepted but has no effect"), "{err}");
    assert!(!t.root().join("src/chapter_1.md").exists());
}

#[test]
fn check_writes_nothing_and_says_build_would_create_it() {
    let t = book_naming(&[("Chapter 1", "sub/chapter_1.md")], "");
    let run = t.run(&["check"]);
    run.failure();
    // check prints its items on stdout.
    let err = String::from_utf8_lossy(&run.output.stdout);
    assert!(
        err.contains("chapter `sub/chapter_1.md` does not exist"),
        "{err}"
    );
    assert!(err.contains("`proofbook build` would create it"), "{err}");
    assert!(err.contains("FAILED   book"), "{err}");
    assert!(err.contains("src/SUMMARY.md:4"), "{err}");
    assert!(!t.root().join("src/sub").exists());
}

/// Every file name under `dir`, walked.
fn names_under(dir: &std::path::Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn fragment_redirects_map_each_fragment_and_fall_back_to_the_page() {
    let t = book_naming(
        &[("Chapter 1", "chapter_1.md")],
        "[output.html.redirect]\n\
         \"/overview.html\" = \"intro.html\"\n\
         \"/overview.html#old\" = \"chapter_1.html#new\"\n\
         \"/overview.html#away\" = \"https://example.org/#x\"\n\
         \"/intro.html#gone\" = \"chapter_1.html#here\"\n",
    );
    t.build().success();
    let page = t.read("book/overview.html");
    // Without JavaScript: the plain entry.
    assert!(
        page.contains("<meta http-equiv=\"refresh\" content=\"0; URL=intro.html\">"),
        "{page}"
    );
    assert!(page.contains("<a href=\"intro.html\">"), "{page}");
    // With it: the fragment's own target, else the plain entry.
    assert!(
        page.contains(
            r##"{"#away":"https://example.org/#x","#old":"chapter_1.html#new"}[h],u=new URL(t||"intro.html",location.href)"##
        ),
        "{page}"
    );
    // A fragment of a chapter's own page: the chapter runs the map.
    let intro = t.read("book/intro.html");
    let head = &intro[..intro.find("</head>").unwrap()];
    assert!(
        head.contains(r##"{"#gone":"chapter_1.html#here"}[location.hash]"##),
        "{head}"
    );
    assert!(!t.read("book/chapter_1.html").contains("location.hash]"));
    let names = names_under(&t.root().join("book"));
    assert!(!names.iter().any(|n| n.contains('#')), "{names:?}");
}

#[test]
fn a_redirect_with_only_fragment_keys_is_refused_at_its_line() {
    let t = book_naming(
        &[],
        "[output.html.redirect]\n\"/old-file.html#foo\" = \"intro.html\"\n",
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("redirect `old-file.html` has only `#fragment` entries"),
        "{err}"
    );
    assert!(err.contains("[ROOT]/book.toml:4:1"), "{err}");
    assert!(err.contains("\"/old-file.html\" = \"new.html\""), "{err}");
    let names = names_under(t.root());
    assert!(!names.iter().any(|n| n.contains('#')), "{names:?}");
}

#[test]
fn a_readme_without_extension_is_its_folders_index_page() {
    let t = book_naming(
        &[("First", "first/README"), ("Second", "second/Readme.md")],
        "",
    );
    t.write("src/first/README", "# First\n")
        .write("src/second/Readme.md", "# Second\n");
    t.build().success();
    let first = t.read("book/first/index.html");
    assert!(first.contains(">First</a></h1>"), "{first}");
    let second = t.read("book/second/index.html");
    assert!(second.contains(">Second</a></h1>"), "{second}");
    let names = names_under(&t.root().join("book"));
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".html") && n.to_lowercase().starts_with("readme")),
        "{names:?}"
    );
    // The table of contents links the index pages.
    let intro = t.read("book/intro.html");
    assert!(intro.contains("first/index.html"), "{intro}");
    assert!(intro.contains("second/index.html"), "{intro}");
}

/// `mdbook serve` creates missing chapters as `mdbook build` does (it loads
/// the book the same way), and so does the preview.
#[test]
fn the_preview_creates_a_missing_chapter_too() {
    use std::io::{BufRead, BufReader};

    let t = book_naming(&[("Chapter 1", "chapter_1.md")], "");
    let mut child = t.spawn_serve();
    let stderr = child.stderr.take().expect("stderr");
    let mut seen = Vec::new();
    // The first build's summary line ends the wait; an error or the end of
    // stderr (serve gone) ends it too, and the assertion says what came.
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        let done = line.contains("built in ") || line.contains("error");
        seen.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let seen = seen.join("\n");
    assert!(
        seen.contains("created src/chapter_1.md (named in SUMMARY.md:4)"),
        "{seen}"
    );
    assert_eq!(t.read("src/chapter_1.md"), "# Chapter 1\n");
}

#[test]
fn a_playground_include_is_a_rust_code_block_with_hidden_lines() {
    let t = book_naming(&[], "");
    t.write(
        "src/intro.md",
        "# Intro\n\n{{#playground ex/main.rs editable}}\n",
    )
    .write(
        "src/ex/main.rs",
        "fn main() {\n    println!(\"shown\");\n# // hidden set-up\n}\n",
    );
    t.build().success();
    let page = t.read("book/intro.html");
    // Code, not Markdown: no heading made of the `# ` line.
    assert!(!page.contains("<h1 id=\"-hidden"), "{page}");
    assert!(page.contains("language-rust"), "{page}");
    let hidden = page.find("class=\"hidden-line\"").expect(&page);
    assert!(page[hidden..].contains("hidden set-up"), "{page}");
    assert!(page.contains("shown"), "{page}");
}

#[test]
fn mdbook_environment_variables_override_book_toml() {
    let t = book_naming(&[], "[build]\nbuild-dir = \"out\"\n");
    let run = t.run_with_env(
        &["build"],
        &[
            ("MDBOOK_BOOK__TITLE", "Env title"),
            ("MDBOOK_BUILD", r#"{"build-dir": "alt"}"#),
            ("MDBOOK_LOG", "debug"),
        ],
    );
    run.success();
    assert!(
        t.read("alt/intro.html")
            .contains("<title>Intro - Env title</title>"),
        "{}",
        t.read("alt/intro.html")
    );
    assert!(!t.root().join("out").exists());
    let err = run.stderr();
    assert!(
        err.contains("`book.title` is set by the environment variable MDBOOK_BOOK__TITLE"),
        "{err}"
    );
    assert!(!err.contains("MDBOOK_LOG"), "{err}");
}

#[test]
fn font_awesome_icons_are_inline_svg_and_unknown_ones_are_reported() {
    let t = book_naming(&[], "");
    t.write(
        "src/intro.md",
        "# Intro\n\n<i id=\"love\" class=\"fas fa-heart big\"></i> and <i class=\"fa fa-user\"></i>\n\n<i class=\"fa fa-no-such-icon\"></i>\n",
    );
    let run = t.build();
    run.success();
    let page = t.read("book/intro.html");
    assert!(
        page.contains("<span class=\"fa-svg big\" id=\"love\"><svg"),
        "{page}"
    );
    assert!(page.contains("<span class=\"fa-svg\"><svg"), "{page}");
    assert!(
        page.contains("<i class=\"fa fa-no-such-icon\"></i>"),
        "{page}"
    );
    let err = run.stderr();
    assert!(
        err.contains("Font Awesome has no regular icon `no-such-icon`"),
        "{err}"
    );
    assert!(err.contains("intro.md:5"), "{err}");
}

#[test]
fn git_repository_icon_draws_the_link_and_a_bad_one_is_an_error() {
    let url = "git-repository-url = \"https://example.org/r\"\n";
    let t = book_naming(
        &[],
        &format!("[output.html]\n{url}git-repository-icon = \"fab-gitlab\"\n"),
    );
    t.build().success();
    let page = t.read("book/intro.html");
    let link = &page[page.find("href=\"https://example.org/r\"").expect(&page)..];
    assert!(
        link[..link.find("</a>").unwrap()].contains("class=\"fa-svg\""),
        "{link}"
    );

    let t = book_naming(
        &[],
        &format!("[output.html]\n{url}git-repository-icon = \"fa-github\"\n"),
    );
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("Font Awesome has no regular icon `github`"),
        "{err}"
    );
    assert!(err.contains("book.toml:5"), "{err}");
}

#[test]
fn a_themes_fonts_css_is_linked_from_every_page() {
    let t = book_naming(&[("Deep", "a/deep.md")], "");
    t.write("theme/fonts/fonts.css", "/* custom */\n")
        .write("theme/fonts/myfont.woff", "");
    t.build().success();
    assert_eq!(t.read("book/fonts/fonts.css"), "/* custom */\n");
    assert!(
        t.read("book/intro.html")
            .contains("<link rel=\"stylesheet\" href=\"fonts/fonts.css\">"),
        "{}",
        t.read("book/intro.html")
    );
    // From a nested page, through the path to the root.
    assert!(
        t.read("book/a/deep.html")
            .contains("<link rel=\"stylesheet\" href=\"../fonts/fonts.css\">"),
        "{}",
        t.read("book/a/deep.html")
    );
}

#[test]
fn rust_blocks_get_the_playground_as_in_mdbook() {
    let t = book_naming(
        &[],
        "[rust]\nedition = \"2021\"\n\n[output.html.playground]\neditable = true\n",
    );
    t.write(
        "src/intro.md",
        "# Intro\n\n```rust\nlet x = 1;\n```\n\n```rust,edition2024\nfn main() {}\n```\n\n\
         ```rust,editable\nfn f() {}\n```\n\n```rust,ignore\nlet y = 2;\n```\n",
    );
    t.build().success();
    let page = t.read("book/intro.html");
    let blocks: Vec<&str> = page.split("<pre class=\"").skip(1).collect();
    // Runnable, the book's edition, and a hidden fn main around it.
    assert!(
        blocks[0]
            .starts_with("code hl-code playground\"><code class=\"language-rust edition2021\">"),
        "{}",
        blocks[0]
    );
    let first = &blocks[0][..blocks[0].find("</pre>").unwrap()];
    assert!(first.contains("<span class=\"hidden-line\">"), "{first}");
    assert_eq!(first.matches("hidden-line").count(), 3, "{first}");
    // Its own edition and fn main: kept, not wrapped.
    assert!(
        blocks[1]
            .starts_with("code hl-code playground\"><code class=\"language-rust edition2024\">"),
        "{}",
        blocks[1]
    );
    assert!(!blocks[1][..blocks[1].find("</pre>").unwrap()].contains("hidden-line"));
    // Editable: not wrapped, so the reader edits what the book shows.
    assert!(
        blocks[2].contains("language-rust editable edition2021"),
        "{}",
        blocks[2]
    );
    assert!(!blocks[2][..blocks[2].find("</pre>").unwrap()].contains("hidden-line"));
    // `ignore`: plain code.
    assert!(blocks[3].starts_with("code hl-code\">"), "{}", blocks[3]);
    // The script is ours, local; the page itself names no outside host.
    assert!(page.contains("src=\"static/js/playground.js\""), "{page}");
    assert!(!page.contains("play.rust-lang.org"), "{page}");
    assert!(
        t.read("book/static/js/playground.js")
            .contains("play.rust-lang.org")
    );

    let t = book_naming(&[], "[output.html.playground]\nrunnable = false\n");
    t.write("src/intro.md", "# Intro\n\n```rust\nlet x = 1;\n```\n");
    t.build().success();
    let page = t.read("book/intro.html");
    assert!(
        page.contains("<pre class=\"code hl-code\"><code class=\"language-rust\">"),
        "{page}"
    );
    assert!(!page.contains("hidden-line"), "{page}");
}

#[test]
fn raw_html_links_footnotes_term_ids_and_print_titles_as_in_mdbook() {
    let t = book_naming(&[("Two", "two.md")], "");
    t.write(
        "src/intro.md",
        "# Intro\n\nSee <a href=\"two.md#part\">two</a>.[^n]\n\n[^n]: A note.\n\n[^unused]: Never cited.\n\nterm a\nb\\\nc\n: its definition\n",
    )
    .write("src/two.md", "No h1 here.\n\n## Part\n");
    let run = t.build();
    run.success();
    let intro = t.read("book/intro.html");
    // A raw-HTML link to a chapter goes to its page.
    assert!(
        intro.contains("<a href=\"two.html#part\">two</a>"),
        "{intro}"
    );
    // The footnote at the end, with its link back; the unused one warned.
    assert!(
        intro.contains("<li id=\"footnote-n\">\n<p>A note. <a href=\"#fr-n-1\""),
        "{intro}"
    );
    let err = run.stderr();
    assert!(
        err.contains("footnote `unused` is defined but never referenced"),
        "{err}"
    );
    assert!(err.contains("intro.md:7"), "{err}");
    // A hard break adds nothing to a term's id.
    assert!(intro.contains("<dt id=\"term-a-bc\">"), "{intro}");
    // On the print page, the chapter without an h1 starts with its title,
    // and the raw link points inside the page.
    let print = t.read("book/print.html");
    assert!(
        print.contains("<h1 id=\"two\"><a class=\"header\" href=\"#two\">Two</a></h1>"),
        "{print}"
    );
    assert!(print.contains("<a href=\"#part\">two</a>"), "{print}");
}

#[test]
fn a_nested_first_chapter_is_copied_to_index_html_with_links_from_the_root() {
    let t = BookTest::empty();
    t.write("book.toml", "[book]\ntitle = \"T\"\n")
        .write(
            "src/SUMMARY.md",
            "# Summary\n\n- [Keep me](first/keep_me.md)\n    - [Nested](first/nested.md)\n- [Second](second.md)\n",
        )
        .write(
            "src/first/keep_me.md",
            "# Keep me\n\nSee [the part](nested.md#part), [second](../second.md) and ![a picture](img/pic.svg).\n\n## Some section\n",
        )
        .write("src/first/img/pic.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n")
        .write("src/first/nested.md", "# Nested\n\n## Part\n")
        .write("src/second.md", "# Second\n");
    t.build().success();
    let index = t.read("book/index.html");
    // The chapter itself, as mdBook copies it: readable without JavaScript.
    assert!(!index.contains("http-equiv=\"refresh\""), "{index}");
    assert!(index.contains("<h1 id=\"keep-me\""), "{index}");
    assert!(index.contains("id=\"some-section\""), "{index}");
    // Its links and image from the root, where mdBook's copy misses them.
    for url in [
        "href=\"first/nested.html#part\"",
        "href=\"second.html\"",
        "src=\"first/img/pic.svg\"",
    ] {
        assert!(index.contains(url), "{url} in {index}");
    }
    assert!(t.root().join("book/first/img/pic.svg").is_file());
    // Its assets and navigation from the root too.
    assert!(index.contains("href=\"static/css/main.css\""), "{index}");
    assert!(
        index.contains("<link rel=\"next\" href=\"first/nested.html\">"),
        "{index}"
    );
    let broken = support::broken_internal_links(&t.root().join("book"));
    assert!(broken.is_empty(), "{broken:?}");
    // One address for search engines: the chapter's own page, which names
    // no other.
    assert!(
        index.contains("<link rel=\"canonical\" href=\"first/keep_me.html\">"),
        "{index}"
    );
    let own = t.read("book/first/keep_me.html");
    assert!(!own.contains("rel=\"canonical\""), "{own}");
    assert!(own.contains("href=\"nested.html#part\""), "{own}");
    // The search index and the print page know the chapter by its page.
    let search = t.read("book/searchindex.js");
    assert!(search.contains("first/keep_me.html#keep-me"), "{search}");
    assert!(!search.contains("\"index.html"), "{search}");
    let print = t.read("book/print.html");
    assert!(
        print.contains("See <a href=\"#part\">the part</a>"),
        "{print}"
    );
}

#[test]
fn index_html_names_the_first_chapter_canonical_at_the_site_url() {
    let t = book_naming(
        &[("Chapter 1", "chapter_1.md")],
        "[output.html]\nsite-url = \"/docs/\"\n",
    );
    t.write("src/chapter_1.md", "# One\n");
    t.build().success();
    let index = t.read("book/index.html");
    assert!(index.contains("<h1 id=\"intro\""), "{index}");
    assert!(
        index.contains("<link rel=\"canonical\" href=\"/docs/intro.html\">"),
        "{index}"
    );
}

/// `[output.html.playground] copyable = false` (mdBook's key for every
/// code block's copy button) is acted on, not warned about: the pages say
/// so and main.js adds no copy button (checked in code-buttons.test.js).
#[test]
fn copyable_false_turns_the_copy_buttons_off() {
    let t = book_naming(&[], "\n[output.html.playground]\ncopyable = false\n");
    t.write(
        "src/intro.md",
        "# Intro\n\n```python norun\nprint(1)\n```\n",
    );
    let run = t.build();
    run.success();
    assert!(!run.stderr().contains("copyable"), "{}", run.stderr());
    for page in ["book/intro.html", "book/print.html"] {
        let html = t.read(page);
        let root = html
            .split("<html")
            .nth(1)
            .and_then(|rest| rest.split_once('>'))
            .map_or("", |(tag, _)| tag);
        assert!(root.contains("data-copyable=\"false\""), "{page}: {root}");
    }

    let t = book_naming(&[], "");
    t.build().success();
    assert!(!t.read("book/intro.html").contains("data-copyable"));
}
