//! Other renderers (`[output.NAME]`) over mdBook's renderer protocol (#29),
//! with a renderer written in Python for the test.

mod support;

use support::BookTest;

/// Writes what it was given (stdin), its arguments and its folder to
/// `received.json` where it runs; `fail` as the first argument makes it
/// exit 3 after reading.
const RENDERER: &str = r#"#!/usr/bin/env python3
import json, os, sys
context = json.load(sys.stdin)
with open("received.json", "w") as out:
    json.dump({"context": context, "args": sys.argv[1:], "cwd": os.getcwd()}, out)
if sys.argv[1:2] == ["fail"]:
    sys.exit(3)
"#;

/// An mdBook-layout book with an include and a README chapter, whose
/// book.toml ends with `outputs`.
fn book(outputs: &str) -> BookTest {
    let t = BookTest::empty();
    t.write("book.toml", &format!("[book]\ntitle = \"R\"\n\n{outputs}"))
        .write(
            "src/SUMMARY.md",
            "# Summary\n\n[Start](README.md)\n- [One](one.md)\n",
        )
        .write("src/README.md", "# Start\n")
        .write("src/one.md", "# One\n\n{{#include part.txt}}\n")
        .write("src/part.txt", "Included words.")
        .write("tools/render.py", RENDERER);
    // A program inside the book, named by its path as mdBook books do
    // (`command = "./my-renderer"`): relative to the book's root, although
    // it runs in its destination folder.
    use std::os::unix::fs::PermissionsExt;
    let script = t.root().join("tools/render.py");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    t
}

fn received(t: &BookTest, rel: &str) -> serde_json::Value {
    serde_json::from_str(&t.read(rel)).unwrap()
}

#[test]
fn a_renderer_gets_the_render_context_in_its_own_folder_beside_the_html() {
    let t =
        book("[output.html]\n\n[output.dump]\ncommand = \"tools/render.py a 'b c'\"\nextra = 7\n");
    t.build().success();
    // Two renderers: each in build-dir/NAME, as mdBook lays them out.
    assert!(t.read("book/html/one.html").contains("Included words."));
    let got = received(&t, "book/dump/received.json");
    let root = t.root().canonicalize().unwrap();
    assert_eq!(
        std::path::Path::new(got["cwd"].as_str().unwrap()),
        root.join("book/dump")
    );
    assert_eq!(got["args"], serde_json::json!(["a", "b c"]));
    let ctx = &got["context"];
    assert_eq!(ctx["version"], "0.5.4");
    assert_eq!(
        std::path::Path::new(ctx["destination"].as_str().unwrap())
            .canonicalize()
            .unwrap(),
        root.join("book/dump")
    );
    assert_eq!(ctx["config"]["output"]["dump"]["extra"], 7);
    assert_eq!(ctx["config"]["book"]["title"], "R");
    let items = &ctx["book"]["items"];
    // README becomes index.md (mdBook's index step); includes are expanded
    // (its links step); 0.4's `sections` is there too.
    assert_eq!(items[0]["Chapter"]["path"], "index.md");
    assert_eq!(items[0]["Chapter"]["source_path"], "README.md");
    assert_eq!(items[1]["Chapter"]["content"], "# One\n\nIncluded words.\n");
    assert_eq!(ctx["book"]["sections"], *items);
}

#[test]
fn a_book_with_only_other_renderers_gets_no_html() {
    let t = book("[output.dump]\ncommand = \"tools/render.py\"\n");
    let run = t.build();
    run.success();
    // One renderer: it runs in the build folder itself, and no site is made.
    let got = received(&t, "book/received.json");
    assert_eq!(got["context"]["book"]["items"][1]["Chapter"]["name"], "One");
    assert!(!t.root().join("book/index.html").exists());
    assert!(!t.root().join("book/html").exists());
    assert!(
        run.stderr().contains("rendered with dump"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_missing_renderer_fails_after_the_html_and_an_optional_one_warns() {
    let t = book("[output.html]\n\n[output.absent]\ncommand = \"proofbook-no-such-renderer\"\n");
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains(
            "renderer `absent` is not installed: `proofbook-no-such-renderer` was not found"
        ),
        "{err}"
    );
    assert!(err.contains("book.toml:6"), "{err}");
    assert!(err.contains("optional = true"), "{err}");
    assert!(t.read("book/html/one.html").contains("Included words."));

    let t = book("[output.absent]\noptional = true\n");
    let run = t.build();
    run.success();
    assert!(
        run.stderr()
            .contains("renderer `absent` is not installed: `mdbook-absent` was not found"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_failing_renderer_fails_the_build_at_its_table() {
    let t = book("[output.dump]\ncommand = \"tools/render.py fail\"\n");
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("renderer `dump`"), "{err}");
    assert!(err.contains("failed (exit status: 3)"), "{err}");
    assert!(err.contains("book.toml:4"), "{err}");
    // It ran, and was given the book.
    assert_eq!(
        received(&t, "book/received.json")["args"],
        serde_json::json!(["fail"])
    );
}

#[test]
fn a_command_path_leading_outside_the_book_is_refused() {
    let t = book("[output.sneaky]\ncommand = \"/bin/sh -c 'echo ran > ran.txt'\"\n");
    let run = t.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("names a program outside the book"), "{err}");
    assert!(!t.root().join("book/ran.txt").exists());
    // A link inside the book that leads out is judged by where it lands.
    let t = book("[output.sneaky]\ncommand = \"tools/sh -c 'echo ran > ran.txt'\"\n");
    std::os::unix::fs::symlink("/bin/sh", t.root().join("tools/sh")).unwrap();
    let run = t.build();
    run.failure();
    assert!(
        run.stderr().contains("outside the book"),
        "{}",
        run.stderr()
    );
    // A bare name is found on PATH, as a shell would.
    let t = book("[output.plain]\ncommand = \"sh -c 'echo ran > ran.txt'\"\n");
    t.build().success();
    assert_eq!(t.read("book/ran.txt"), "ran\n");
}

#[test]
fn a_preprocessor_for_one_renderer_changes_only_its_book() {
    let t = book(
        "[output.html]\n\n[output.dump]\ncommand = \"tools/render.py\"\n\n\
         [preprocessor.upper]\ncommand = \"python3 tools/upper.py\"\nrenderers = [\"dump\"]\n",
    );
    t.write(
        "tools/upper.py",
        "import json, sys\nctx, book = json.load(sys.stdin)\n\
         assert ctx['renderer'] == 'dump'\n\
         for item in book['items']:\n    if 'Chapter' in item:\n        item['Chapter']['content'] = item['Chapter']['content'].upper()\n\
         print(json.dumps(book))\n",
    );
    t.build().success();
    assert!(t.read("book/html/one.html").contains("Included words."));
    let got = received(&t, "book/dump/received.json");
    let content = got["context"]["book"]["items"][1]["Chapter"]["content"]
        .as_str()
        .unwrap();
    assert!(content.starts_with("# ONE\n"), "{content}");
}
