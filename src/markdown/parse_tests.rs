use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::*;
use crate::markdown::document::Block;

const OPTIONS: MarkdownOptions = MarkdownOptions {
    smart_punctuation: true,
    playground: crate::markdown::playground::PlaygroundOptions {
        runnable: true,
        editable: false,
        edition: None,
    },
    definition_lists: true,
    admonitions: true,
};

/// Parses `text` as `src/dir/page.md` of a book whose chapters are
/// `dir/page.md`, `dir/other.md` and `top.md`, and dumps the document.
fn check(text: &str) -> String {
    let pages: HashMap<PathBuf, PathBuf> = [
        ("dir/page.md", "dir/page.html"),
        ("dir/other.md", "dir/other.html"),
        ("top.md", "index.html"),
    ]
    .into_iter()
    .map(|(a, b)| (PathBuf::from(a), PathBuf::from(b)))
    .collect();
    let confine = crate::confine::Confined::new(Path::new("/b"), &[]).0;
    let ctx = ParseContext {
        options: OPTIONS,
        confine: &confine,
        src: Path::new("/b/src"),
        pages: &pages,
        expand_includes: true,
        hidelines: &Default::default(),
        interpreters: &[],
    };
    let (doc, diags) = parse_chapter(&ctx, Path::new("dir/page.md"), text);
    let mut out = String::new();
    for d in diags {
        writeln!(out, "diag: {d}").unwrap();
    }
    for h in &doc.headings {
        writeln!(out, "toc: h{} #{} {:?}", h.level, h.id, h.text).unwrap();
    }
    writeln!(out, "ids: {:?}", doc.ids).unwrap();
    for l in &doc.links {
        let span = l
            .span
            .as_ref()
            .map(|s| format!("{}:{}", s.line, s.col))
            .unwrap_or_default();
        writeln!(
            out,
            "link: {} -> {}#{} @{span}",
            l.written,
            l.target.display(),
            l.fragment.as_deref().unwrap_or("")
        )
        .unwrap();
    }
    for b in &doc.blocks {
        match b {
            Block::Html(h) => writeln!(out, "--- html\n{}", h.trim_end()).unwrap(),
            Block::Measure(n) => writeln!(out, "--- measure {n}").unwrap(),
            Block::Verdict(n) => writeln!(out, "--- verdict {n}").unwrap(),
            Block::Code(c) => {
                let line = c.span.as_ref().map_or(0, |s| s.line);
                writeln!(
                    out,
                    "--- code lang={:?} attrs={:?} line={line}\n{}",
                    c.info.lang,
                    c.info.attrs,
                    c.code.trim_end()
                )
                .unwrap()
            }
        }
    }
    out
}

#[test]
fn headings_get_mdbook_ids_and_self_links() {
    insta::assert_snapshot!(check(
        "# Title\n\n## Thread safety: locks\n\n## Thread safety: locks\n\n### `queue.Queue` and *friends*\n\n## Custom {#my-id .wide}\n\n## my-id\n"
    ));
}

#[test]
fn code_blocks_are_cut_out_with_their_info_and_line() {
    insta::assert_snapshot!(check(
        "Intro.\n\n```python id=demo norun\nprint('hi')\n```\n\n- item\n\n  ~~~rust,ignore\n  fn main() {}\n  ~~~\n\n    indented code\n\nEnd with <b>html</b> & text.\n"
    ));
}

#[test]
fn links_to_chapters_are_rewritten_and_recorded() {
    insta::assert_snapshot!(check(
        "See [other](other.md), [top](../top.md#Start \"t\"), [ref][r], [here](#local),\n[ext](https://example.org/a.md), [file](data.csv), [html](other.html#x).\n\n[r]: ./other.md#sec\n"
    ));
}

#[test]
fn callouts_footnotes_tables_tasks_and_definition_lists() {
    insta::assert_snapshot!(check(
        "> [!WARNING]\n> Mind the *GIL*.\n\nText[^note].\n\n[^note]: The note.\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\nTerm\n: Definition\n\n\"Quotes\" -- and ... dots.\n\n<div id=\"raw-target\">\n\n*md inside div*\n\n</div>\n"
    ));
}

#[test]
fn include_errors_surface_as_diagnostics_of_the_page() {
    let out = check("before\n\n{{#include missing.py}}\n\nafter\n");
    assert!(
        out.contains("diag: error: /b/src/dir/page.md:3:1: cannot include `missing.py`"),
        "{out}"
    );
    assert!(out.contains("before") && out.contains("after"));
}

#[test]
fn python_example_options_are_parsed_and_errors_point_at_the_option() {
    let out = check(
        "Text.\n\n```python id=ok timeout=2\nprint(1)\n```\n\n```python id=b noruns\nprint(2)\n```\n",
    );
    assert!(out.contains("diag: error: /b/src/dir/page.md:7:16: unknown example option `noruns` (help: did you mean `norun`?"), "{out}");
}

#[test]
fn a_file_example_shows_the_anchored_part_and_keeps_the_whole_program() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("prog.py"),
        "import sys\n# ANCHOR: core\nprint(sys.argv)\n# ANCHOR_END: core\n",
    )
    .unwrap();
    let pages = HashMap::new();
    let confine = crate::confine::Confined::new(dir.path(), &[]).0;
    let ctx = ParseContext {
        options: OPTIONS,
        confine: &confine,
        src: &dir.path().join("src"),
        pages: &pages,
        expand_includes: true,
        hidelines: &Default::default(),
        interpreters: &[],
    };
    let (doc, diags) = parse_chapter(
        &ctx,
        Path::new("ch.md"),
        "```python file=../prog.py:core\n```\n\n```python file=../missing.py\n```\n",
    );
    let blocks: Vec<_> = doc.code_blocks().collect();
    assert_eq!(blocks[0].code, "print(sys.argv)");
    assert_eq!(
        blocks[0].program_file.as_deref(),
        Some(dir.path().join("prog.py").as_path())
    );
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0]
            .message
            .contains("cannot read the example file `../missing.py`"),
        "{}",
        diags[0].message
    );
}

#[test]
fn text_that_imitates_a_code_marker_stays_text() {
    let out = check("Forged \u{E000}pb-code-0\u{E000} marker.\n\n```python norun\nprint(1)\n```\n");
    assert!(
        out.contains("Forged \u{E000}pb-code-0\u{E000} marker."),
        "{out}"
    );
    assert!(out.contains("--- code lang=Some(\"python\")"), "{out}");
}

#[test]
fn a_measured_figure_in_a_heading_is_an_error_at_the_directive() {
    let out =
        check("Intro.\n\n## Threads run {{#measure t speedup}} faster\n\nText {{#measure t}}.\n");
    assert!(
        out.contains("diag: error: /b/src/dir/page.md:3:16: a heading cannot quote a measured figure (`{{#measure t speedup}}`)"),
        "{out}"
    );
    // The prose's reference under the heading is still read as a figure.
    assert!(out.contains("--- measure 0"), "{out}");
    let term = check("Speed-up {{#measure t speedup}}\n: what threads gain\n");
    assert!(
        term.contains("diag: error: /b/src/dir/page.md:1:10: a definition's term cannot quote a measured figure"),
        "{term}"
    );
}

#[test]
fn claim_fence_options_other_than_id_are_errors_at_the_option() {
    let out = check(
        "```claim id=fine\nsays: x\na > 1\n```\n\n```claim idd=threads-win\nsays: y\na > 1\n```\n",
    );
    assert!(
        out.contains("diag: error: /b/src/dir/page.md:6:10: unknown claim option `idd` (help: did you mean `id=...`?"),
        "{out}"
    );
    assert_eq!(out.matches("diag: error").count(), 1, "{out}");
}

#[test]
fn footnotes_gather_at_the_end_with_back_links_and_unique_ids() {
    let out = check(
        "# Footnote 1\n\nA[^1] and B[^w].\n\n[^1]: First.\n\n[^w]: Word, citing[^1].\n\n\
         Again[^w].\n\n[^w]: A second definition.\n\n[^unused]: Never cited.\n\n\
         Code[^code].\n\n[^code]: Has code:\n\n    ```text\n    inside\n    ```\n\nAfter.\n\n```text\nlast\n```\n",
    );
    // The heading took `footnote-1` first, so the note steps aside.
    assert!(out.contains("toc: h1 #footnote-1 "), "{out}");
    assert!(
        out.contains(
            r##"A<sup class="footnote-reference" id="fr-1-1"><a href="#footnote-1-1">1</a></sup>"##
        ),
        "{out}"
    );
    assert!(
        out.contains(r##"Again<sup class="footnote-reference" id="fr-w-2"><a href="#footnote-w">2</a></sup>"##),
        "{out}"
    );
    // Numbered in order of first citation, at the end, each with its links
    // back; a citation inside a note counts too.
    let notes = &out[out.find("<ol class=\"footnote-definition\">").expect(&out)..];
    assert!(notes.contains(r##"<li id="footnote-1-1">
<p>First. <a href="#fr-1-1" class="footnote-backref">↩</a> <a href="#fr-1-2" class="footnote-backref">↩2</a></p>"##), "{notes}");
    assert!(notes.contains(r##"<p>Word, citing<sup class="footnote-reference" id="fr-1-2"><a href="#footnote-1-1">1</a></sup>"##), "{notes}");
    // The first definition wins; the unused one is left out.
    assert!(
        !out.contains("A second definition") && !out.contains("Never cited"),
        "{out}"
    );
    assert!(
        out.contains("diag: warning: /b/src/dir/page.md:11:1: footnote `w` is defined again; the first definition (line 7) is kept"),
        "{out}"
    );
    assert!(
        out.contains("diag: warning: /b/src/dir/page.md:13:1: footnote `unused` is defined but never referenced"),
        "{out}"
    );
    // A code block moved with its note keeps its place among the blocks.
    let inside = out.find("inside").expect(&out);
    let last = out.find("\nlast").expect(&out);
    assert!(last < inside, "{out}");
    assert!(out.find("After.").unwrap() < last, "{out}");
    for id in [
        "footnote-1-1",
        "fr-1-1",
        "fr-1-2",
        "footnote-w",
        "fr-w-1",
        "fr-w-2",
        "footnote-code",
    ] {
        assert!(
            out.contains(&format!("\"{id}\"")),
            "{id} not among the ids: {out}"
        );
    }
}

#[test]
fn raw_html_links_to_chapters_are_rewritten() {
    let out = check(
        "<a href=\"other.md#sec\">O</a> and <a class=\"x\" href='../top.md'>T</a>\n\nInline <a href=\"data.md\">D</a> <img src=\"other.md\">\n",
    );
    assert!(out.contains(r#"<a href="other.html#sec">O</a>"#), "{out}");
    assert!(
        out.contains(r#"<a class="x" href='../index.html'>T</a>"#),
        "{out}"
    );
    // Not a chapter, or not a link: left as written.
    assert!(
        out.contains(r#"<a href="data.md">D</a> <img src="other.md">"#),
        "{out}"
    );
}

#[test]
fn a_hard_line_break_adds_nothing_to_an_id_as_in_mdbook() {
    let out = check("a\nb\\\nc\n\n:   foo\n\nOne\\\nTwo\n===\n");
    assert!(out.contains("<dt id=\"a-bc\">"), "{out}");
    assert!(out.contains("toc: h1 #onetwo "), "{out}");
}
