//! The search index and the search button, end to end on fixture books.

mod support;

use serde_json::Value;
use support::BookTest;

/// `searchindex.js` of the built book, as JSON.
fn index_of(t: &BookTest) -> Value {
    let js = t.read("book/searchindex.js");
    let json = js
        .strip_prefix("window.proofbookSearch=")
        .and_then(|j| j.strip_suffix(";\n"))
        .unwrap_or_else(|| panic!("not an assignment to window.proofbookSearch: {js}"));
    let raw: Value = serde_json::from_str(json).unwrap();
    assert_eq!(raw["v"], 2, "the format search.js reads");
    join(&raw)
}

/// The index as `search.js` joins it from the chapters' parts: every
/// section, and each term's postings as gaps from the previous one.
fn join(raw: &Value) -> Value {
    let mut sections = Vec::new();
    let mut terms = serde_json::Map::new();
    let mut last = std::collections::HashMap::new();
    for part in raw["chapters"].as_array().unwrap() {
        let base = sections.len() as u64;
        sections.extend(part[0].as_array().unwrap().iter().cloned());
        for (term, postings) in part[1].as_object().unwrap() {
            let postings = postings.as_array().unwrap();
            let list = terms
                .entry(term.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            let prev = last.entry(term.clone()).or_insert(0);
            for pair in postings.chunks(2) {
                let d = base + pair[0].as_u64().unwrap();
                let list = list.as_array_mut().unwrap();
                list.push((d - *prev).into());
                list.push(pair[1].clone());
                *prev = d;
            }
        }
    }
    serde_json::json!({"options": raw["options"], "sections": sections, "terms": terms})
}

fn urls(index: &Value) -> Vec<&str> {
    index["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[0].as_str().unwrap())
        .collect()
}

#[test]
fn the_fixture_site_has_an_index_of_its_sections_without_code() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    let index = index_of(&t);
    assert_eq!(
        urls(&index),
        [
            "preface.html#preface",
            "start.html#getting-started",
            "start.html#install",
            "start.html#usage",
            "start.html#usage-1",
            "guide/nested.html#nested-page",
            "reference.html#reference",
            "reference.html#tables",
            "appendix.html#appendix",
        ]
    );
    let install = &index["sections"][2];
    assert_eq!(install[1], "Install");
    assert_eq!(install[2], serde_json::json!(["Getting started"]));
    assert_eq!(install[4], "Run the demo:");
    // The included program is code, not prose.
    let terms = index["terms"].as_object().unwrap();
    for code_word in ["def", "main", "print", "hello"] {
        assert!(!terms.contains_key(code_word), "`{code_word}` is indexed");
    }
    assert!(terms.contains_key("threads"), "a table cell is prose");
    assert_eq!(index["options"]["limit"], 30);
    // Every page has the button and the script; the script is there.
    let page = t.read("book/guide/nested.html");
    assert!(
        page.contains("class=\"icon-button search-button js-only\""),
        "{page}"
    );
    assert!(page.contains("<script src=\"../static/js/search.js\"></script>"));
    assert!(t.root().join("book/static/js/search.js").is_file());
}

#[test]
fn mdbook_search_keys_reach_the_index_and_a_chapter_can_be_left_out() {
    let t = BookTest::from_fixture("basic");
    let toml = t.read("book.toml");
    t.write(
        "book.toml",
        &format!(
            "{toml}\n[output.html.search]\nlimit-results = 7\nteaser-word-count = 9\nheading-split-level = 1\n\
             [output.html.search.chapter]\n\"guide\" = {{ enable = false }}\n"
        ),
    );
    let run = t.build();
    run.success();
    assert!(
        !run.stderr().contains("output.html.search"),
        "{}",
        run.stderr()
    );
    let index = index_of(&t);
    assert_eq!(index["options"]["limit"], 7);
    assert_eq!(index["options"]["teaser"], 9);
    // Only h1s split, and guide/ is not indexed.
    assert_eq!(
        urls(&index),
        [
            "preface.html#preface",
            "start.html#getting-started",
            "reference.html#reference",
            "appendix.html#appendix",
        ]
    );
}

#[test]
fn enable_false_writes_no_index_no_script_and_no_button_and_renders_the_pages_again() {
    let t = BookTest::from_fixture("basic");
    t.build().success();
    let toml = t.read("book.toml");
    t.write(
        "book.toml",
        &format!("{toml}\n[output.html.search]\nenable = false\n"),
    );
    let run = t.build();
    run.success();
    // No page is taken from the site that had search.
    assert!(
        run.stderr().contains(" 0 unchanged since the last build"),
        "{}",
        run.stderr()
    );
    assert!(!t.root().join("book/searchindex.js").exists());
    assert!(!t.root().join("book/static/js/search.js").exists());
    for page in [
        "index.html",
        "start.html",
        "guide/nested.html",
        "print.html",
        "404.html",
    ] {
        let html = t.read(&format!("book/{page}"));
        assert!(!html.contains("search"), "{page} mentions search");
    }
}
