use std::fs;
use std::path::Path;

use super::*;

/// A book root with `files` written into it; returns the temp dir.
fn root_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn expand_in(dir: &Path, chapter: &str) -> Expanded {
    let file = dir.join(chapter);
    let text = fs::read_to_string(&file).unwrap();
    let confine = crate::confine::Confined::new(dir, &[]).0;
    expand(&IncludeContext { confine: &confine }, &file, &text)
}

const CODE: &str = "one\n# ANCHOR: mid\ntwo\n# ANCHOR: inner\nthree\n# ANCHOR_END: inner\n# ANCHOR_END: mid\nfour\n";

#[test]
fn whole_file_and_line_ranges() {
    let dir = root_with(&[
        (
            "src/a.md",
            "A {{#include code.py}} B\n[{{#include code.py:3}}] [{{#include code.py:3:5}}] [{{#include code.py::2}}] [{{#include code.py:8:}}]\n",
        ),
        ("src/code.py", CODE),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let expected = format!(
        "A {} B\n[two] [two\n# ANCHOR: inner\nthree] [one\n# ANCHOR: mid] [four]\n",
        CODE.trim_end()
    );
    assert_eq!(out.text, expected);
    assert_eq!(out.included.len(), 5);
}

#[test]
fn anchors_drop_marker_lines_of_nested_anchors() {
    let dir = root_with(&[
        (
            "src/a.md",
            "{{#include code.py:mid}}|{{#include code.py:inner}}",
        ),
        ("src/code.py", CODE),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert_eq!(out.text, "two\nthree|three");
}

#[test]
fn missing_anchor_is_an_error_at_the_directive() {
    let dir = root_with(&[
        ("src/a.md", "intro\n\nsee {{#include code.py:nope}}\n"),
        ("src/code.py", CODE),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert!(d.message.contains("ANCHOR: nope"), "{}", d.message);
    let span = d.span.as_ref().unwrap();
    assert_eq!((span.line, span.col), (3, 5));
    assert!(span.file.ends_with("src/a.md"));
}

#[test]
fn missing_file_is_an_error_that_says_where_paths_start() {
    let dir = root_with(&[("src/a.md", "{{#include nothere.py}}\n")]);
    let out = expand_in(dir.path(), "src/a.md");
    let d = &out.diagnostics[0];
    assert!(d.is_error());
    assert!(d.message.contains("nothere.py"));
    assert!(d.help.as_ref().unwrap().contains("relative to"));
    assert_eq!(
        out.text, "\n",
        "the directive is replaced by nothing, the rest stays"
    );
}

#[test]
fn include_cycle_is_reported_with_its_chain() {
    let dir = root_with(&[
        ("src/a.md", "{{#include b.md}}"),
        ("src/b.md", "b {{#include c.md}}"),
        ("src/c.md", "c {{#include b.md}}"),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert_eq!(out.diagnostics.len(), 1);
    let msg = &out.diagnostics[0].message;
    assert!(msg.starts_with("include cycle:"), "{msg}");
    assert!(msg.contains("b.md → ") && msg.contains("c.md → "), "{msg}");
    assert!(
        out.diagnostics[0]
            .span
            .as_ref()
            .unwrap()
            .file
            .ends_with("c.md")
    );
    assert_eq!(out.text, "b c ");
}

#[test]
fn files_outside_the_book_are_refused_unless_allowed() {
    let dir = root_with(&[
        ("book/src/a.md", "{{#include ../../shared.txt}}"),
        ("shared.txt", "s"),
    ]);
    let root = dir.path().join("book");
    let file = root.join("src/a.md");
    let text = fs::read_to_string(&file).unwrap();
    let confine = crate::confine::Confined::new(&root, &[]).0;
    let out = expand(&IncludeContext { confine: &confine }, &file, &text);
    assert_eq!(out.text, "");
    assert!(out.diagnostics[0].is_error());
    assert!(
        out.diagnostics[0].message.contains("outside the book"),
        "{}",
        out.diagnostics[0].message
    );
    let allowed = crate::confine::Confined::new(&root, &["../shared.txt".into()]).0;
    let out = expand(&IncludeContext { confine: &allowed }, &file, &text);
    assert_eq!(out.text, "s");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(allowed.taken().len(), 1);
}

#[test]
fn directive_grammar_follows_mdbook() {
    let dir = root_with(&[
        (
            "src/a.md",
            "`{{#include}}`d, {{ #include x.txt }}, {{#include\n  x.txt}}, {{#custom y}}, \\{{#include x.txt}} and {{#include x.txt}}\n",
        ),
        ("src/x.txt", "X"),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // No argument: not a directive. Spaces and a line break are allowed.
    // An escaped directive runs to the last `}}` on its line, as in mdBook.
    assert_eq!(
        out.text,
        "`{{#include}}`d, X, X, {{#custom y}}, {{#include x.txt}} and {{#include x.txt}}\n"
    );
}

#[test]
fn examples_outside_the_source_folder_but_inside_the_root_are_allowed() {
    let dir = root_with(&[
        ("content/a.md", "{{#include ../examples/x.py}}"),
        ("examples/x.py", "print(1)\n"),
    ]);
    let out = expand_in(dir.path(), "content/a.md");
    assert_eq!(out.text, "print(1)");
}

#[test]
fn nested_includes_map_back_to_the_file_they_came_from() {
    let dir = root_with(&[
        ("src/a.md", "line one\n{{#include part.md}}\nlast\n"),
        ("src/part.md", "p1\np2 {{#include deeper/d.md}}\n"),
        ("src/deeper/d.md", "d1\nd2 target\n"),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert!(out.diagnostics.is_empty());
    let at = |needle: &str| {
        let span = out
            .map
            .span(out.text.find(needle).unwrap(), needle.len())
            .unwrap();
        (
            span.file
                .strip_prefix(dir.path())
                .unwrap()
                .display()
                .to_string(),
            span.line,
            span.col,
        )
    };
    assert_eq!(at("line one"), ("src/a.md".into(), 1, 1));
    assert_eq!(at("p2"), ("src/part.md".into(), 2, 1));
    assert_eq!(at("target"), ("src/deeper/d.md".into(), 2, 4));
    assert_eq!(at("last"), ("src/a.md".into(), 3, 1));
}

#[test]
fn anchored_include_maps_lines_to_the_included_file() {
    let dir = root_with(&[
        ("src/a.md", "{{#include code.py:inner}}"),
        ("src/code.py", CODE),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    let span = out.map.span(0, 5).unwrap();
    assert!(span.file.ends_with("code.py"));
    assert_eq!(span.line, 5);
}

#[test]
fn lines_joined_by_a_dropped_marker_still_map_to_their_own_lines() {
    let dir = root_with(&[
        ("src/a.md", "{{#include code.py:mid}}"),
        ("src/code.py", CODE),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert_eq!(out.text, "two\nthree");
    let line_of = |needle: &str| {
        out.map
            .span(out.text.find(needle).unwrap(), 1)
            .unwrap()
            .line
    };
    assert_eq!((line_of("two"), line_of("three")), (3, 5));
}

#[test]
fn rustdoc_include_hides_lines_outside_the_range() {
    let dir = root_with(&[
        ("src/a.md", "{{#rustdoc_include main.rs:2}}"),
        ("src/main.rs", "fn main() {\n    body();\n}\n"),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert_eq!(out.text, "# fn main() {\n    body();\n# }");
}

#[test]
fn title_escape_and_playground() {
    let dir = root_with(&[
        (
            "src/a.md",
            "{{#title Custom Title}}\n\\{{#include x.py}}\n{{#playground x.py}}\n{{#unknown y}}\n",
        ),
        ("src/x.py", "x = 1\n"),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert_eq!(out.title.as_deref(), Some("Custom Title"));
    assert_eq!(
        out.text,
        "\n{{#include x.py}}\n```rust\nx = 1\n```\n\n{{#unknown y}}\n"
    );
}

#[test]
fn playground_pastes_a_rust_code_block_with_its_attributes() {
    let dir = root_with(&[
        (
            "src/a.md",
            "Before.\n\n{{#playground ex/main.rs editable}}\nAfter.\n",
        ),
        ("src/ex/main.rs", "fn main() {\n# hidden();\n}"),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(
        out.text,
        "Before.\n\n```rust,editable\nfn main() {\n# hidden();\n}\n```\n\nAfter.\n"
    );
    // The fence lines point at the directive, the code at its own file.
    let line_of = |needle: &str| {
        let span = out.map.span(out.text.find(needle).unwrap(), 1).unwrap();
        let file = span
            .file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        (file, span.line)
    };
    assert_eq!(line_of("```rust"), ("a.md".to_owned(), 3));
    assert_eq!(line_of("# hidden"), ("main.rs".to_owned(), 2));
}

#[test]
fn bad_line_number_is_an_error() {
    let dir = root_with(&[("src/a.md", "{{#include x.py:2:1a}}"), ("src/x.py", "x\n")]);
    let out = expand_in(dir.path(), "src/a.md");
    // `1a` is not all digits, so it is read as an anchor name that is absent.
    assert!(
        out.diagnostics[0].message.contains("ANCHOR: 2:1a"),
        "{}",
        out.diagnostics[0].message
    );
}

#[test]
fn a_cycle_through_a_symlink_is_reported_as_a_cycle() {
    let dir = root_with(&[
        ("src/a.md", "{{#include l/b.md}}"),
        ("src/b.md", "{{#include l/b.md}} {{#include l/b.md}}"),
    ]);
    std::os::unix::fs::symlink(".", dir.path().join("src/l")).unwrap();
    let out = expand_in(dir.path(), "src/a.md");
    assert!(
        out.diagnostics
            .iter()
            .all(|d| d.message.starts_with("include cycle")),
        "{:?}",
        out.diagnostics
    );
    assert_eq!(out.diagnostics.len(), 2);
}

#[test]
fn an_include_bomb_stops_at_the_size_cap() {
    // Each file includes the next twice: 2^40 copies unless stopped.
    let mut files: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("src/f{i}.md"),
                format!(
                    "{{{{#include f{n}.md}}}}{{{{#include f{n}.md}}}}",
                    n = i + 1
                ),
            )
        })
        .collect();
    files.push(("src/f40.md".into(), "x".repeat(1 << 20)));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = root_with(&refs);
    let out = expand_in(dir.path(), "src/f0.md");
    assert!(out.text.len() <= MAX_EXPANDED);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("grows past 16 MiB")),
        "{:?}",
        out.diagnostics.first()
    );
}

#[test]
fn includes_nest_at_most_max_depth() {
    let files: Vec<(String, String)> = (0..=MAX_DEPTH + 1)
        .map(|i| {
            (
                format!("src/d{i}.md"),
                format!("{{{{#include d{}.md}}}}", i + 1),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = root_with(&refs);
    let out = expand_in(dir.path(), "src/d0.md");
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("nest more than 64 deep")),
        "{:?}",
        out.diagnostics
    );
}

#[test]
fn a_range_that_selects_nothing_is_a_warning() {
    let dir = root_with(&[
        ("src/a.md", "{{#include x.py:5:2}}"),
        ("src/x.py", "a\nb\nc\n"),
    ]);
    let out = expand_in(dir.path(), "src/a.md");
    assert_eq!(out.diagnostics.len(), 1);
    assert!(!out.diagnostics[0].is_error());
    assert!(
        out.diagnostics[0].message.contains("selects no text"),
        "{}",
        out.diagnostics[0].message
    );
    assert!(
        out.diagnostics[0]
            .help
            .as_ref()
            .unwrap()
            .contains("3 lines")
    );
}
