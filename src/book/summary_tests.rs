//! Tests for the SUMMARY.md parser. Most compare a compact text dump of the parsed
//! `Summary` with the expected one, so each test reads like the table of contents it
//! describes: `1.2. Name (path) @L7` is a numbered chapter on line 7, `(draft)` marks a
//! chapter without a file, `---` a separator and `# Title` a part title.

use super::*;

/// Renders a summary as indented lines, one per entry, with sections labelled.
fn dump(summary: &Summary) -> String {
    let mut out = String::new();
    if let Some(title) = &summary.title {
        out.push_str(&format!("title: {title}\n"));
    }
    let sections = [
        ("prefix", &summary.prefix_chapters),
        ("numbered", &summary.numbered_chapters),
        ("suffix", &summary.suffix_chapters),
    ];
    for (label, items) in sections {
        // Empty sections are left out so expectations stay short; a chapter in the wrong
        // section still shows, because its section label differs.
        if !items.is_empty() {
            out.push_str(&format!("{label}:\n"));
            dump_items(items, 1, &mut out);
        }
    }
    out
}

fn dump_items(items: &[SummaryItem], depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    for item in items {
        match item {
            SummaryItem::Link(link) => {
                let number = link
                    .number
                    .as_ref()
                    .map(|n| format!("{n} "))
                    .unwrap_or_default();
                let location = link
                    .location
                    .as_ref()
                    .map_or("draft".to_string(), |p| p.display().to_string());
                out.push_str(&format!(
                    "{indent}{number}{} ({location}) @L{}\n",
                    link.name, link.line
                ));
                dump_items(&link.nested_items, depth + 1, out);
            }
            SummaryItem::Separator => out.push_str(&format!("{indent}---\n")),
            SummaryItem::PartTitle(title) => out.push_str(&format!("{indent}# {title}\n")),
        }
    }
}

/// Removes the indentation common to all non-blank lines and the first newline, so that
/// inputs and expectations can be written indented inside the test functions.
fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    // The closing quote's indentation is not a line of the text.
    let text = text.trim_end_matches(' ');
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(line.get(indent..).unwrap_or(""));
        out.push('\n');
    }
    out
}

/// Parses (dedented) SUMMARY.md text that must be valid and dumps the result.
fn parse(text: &str) -> String {
    let text = dedent(text);
    match parse_summary(&text) {
        Ok(summary) => dump(&summary),
        Err(e) => panic!("unexpected error {e:?} for:\n{text}"),
    }
}

/// Parses (dedented) SUMMARY.md text that must be rejected, and checks that the error
/// always carries a hint for the author.
fn fail(text: &str) -> SummaryError {
    let text = dedent(text);
    match parse_summary(&text) {
        Ok(summary) => panic!("expected an error, got:\n{}", dump(&summary)),
        Err(e) => {
            assert!(
                e.help.as_deref().is_some_and(|h| !h.is_empty()),
                "error without help: {e:?}"
            );
            e
        }
    }
}

#[test]
fn a_typical_summary_has_all_four_sections() {
    let got = parse(
        r#"
        # Summary

        [Introduction](intro.md)

        - [Getting started](start.md)
            - [Installing](start/install.md)
        - [Usage](usage.md)

        [Contributors](contributors.md)
        "#,
    );
    let want = dedent(
        "
        title: Summary
        prefix:
          Introduction (intro.md) @L3
        numbered:
          1. Getting started (start.md) @L5
            1.1. Installing (start/install.md) @L6
          2. Usage (usage.md) @L7
        suffix:
          Contributors (contributors.md) @L9
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn empty_file_gives_an_empty_summary() {
    assert_eq!(parse_summary(""), Ok(Summary::default()));
    assert_eq!(parse_summary("\n\n  \n"), Ok(Summary::default()));
}

#[test]
fn a_file_with_only_a_title_has_no_chapters() {
    let summary = parse_summary("# Summary\n").unwrap();
    assert_eq!(summary.title.as_deref(), Some("Summary"));
    assert_eq!(
        summary,
        Summary {
            title: Some("Summary".into()),
            ..Summary::default()
        }
    );
}

#[test]
fn the_title_is_optional() {
    let got = parse("- [One](one.md)\n");
    assert_eq!(got, "numbered:\n  1. One (one.md) @L1\n");
}

#[test]
fn title_styling_is_reduced_to_plain_text() {
    let summary = parse_summary("# My **bold** `code` *book*  \n").unwrap();
    assert_eq!(summary.title.as_deref(), Some("My bold code book"));
}

#[test]
fn a_comment_before_the_title_is_skipped() {
    let got = parse(
        "
        <!-- generated by a script -->
        # Book
        - [One](one.md)
        ",
    );
    assert_eq!(got, "title: Book\nnumbered:\n  1. One (one.md) @L3\n");
}

#[test]
fn text_before_the_first_heading_makes_that_heading_a_part_title() {
    // mdBook takes a title only from an H1 that comes first; a later H1 starts a part.
    let got = parse(
        "
        Some words.

        # Summary
        - [One](one.md)
        ",
    );
    assert_eq!(got, "numbered:\n  # Summary\n  1. One (one.md) @L4\n");
}

#[test]
fn prefix_chapters_are_unnumbered_and_may_have_separators() {
    let got = parse(
        "
        [Preface](preface.md)
        [Foreword](foreword.md)

        ---

        - [One](one.md)
        ",
    );
    let want = dedent(
        "
        prefix:
          Preface (preface.md) @L1
          Foreword (foreword.md) @L2
          ---
        numbered:
          1. One (one.md) @L6
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn two_space_indents_nest_chapters() {
    let got = parse(
        "
        - [A](a.md)
          - [A1](a1.md)
            - [A1x](a1x.md)
          - [A2](a2.md)
        - [B](b.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
            1.1. A1 (a1.md) @L2
              1.1.1. A1x (a1x.md) @L3
            1.2. A2 (a2.md) @L4
          2. B (b.md) @L5
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn four_space_indents_nest_chapters() {
    let got = parse(
        "
        - [A](a.md)
            - [A1](a1.md)
                - [A1x](a1x.md)
        - [B](b.md)
            - [B1](b1.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
            1.1. A1 (a1.md) @L2
              1.1.1. A1x (a1x.md) @L3
          2. B (b.md) @L4
            2.1. B1 (b1.md) @L5
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn two_and_four_space_indents_can_be_mixed_in_one_file() {
    let got = parse(
        "
        - [A](a.md)
          - [A1](a1.md)
              - [A1x](a1x.md)
        - [B](b.md)
            - [B1](b1.md)
              - [B1x](b1x.md)
          - [B2](b2.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
            1.1. A1 (a1.md) @L2
              1.1.1. A1x (a1x.md) @L3
          2. B (b.md) @L4
            2.1. B1 (b1.md) @L5
              2.1.1. B1x (b1x.md) @L6
            2.2. B2 (b2.md) @L7
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn star_plus_and_ordered_bullets_are_numbered_chapters_too() {
    let got = parse(
        "
        * [A](a.md)
          * [A1](a1.md)
        * [B](b.md)

        + [C](c.md)

        7. [D](d.md)
        ",
    );
    // A change of bullet starts a new list; numbering runs on regardless, and the
    // number written on an ordered item is ignored.
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
            1.1. A1 (a1.md) @L2
          2. B (b.md) @L3
          3. C (c.md) @L5
          4. D (d.md) @L7
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn tab_indentation_nests_chapters() {
    let got = parse_summary("- [A](a.md)\n\t- [A1](a1.md)\n\t\t- [A1x](a1x.md)\n- [B](b.md)\n")
        .map(|s| dump(&s))
        .unwrap();
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
            1.1. A1 (a1.md) @L2
              1.1.1. A1x (a1x.md) @L3
          2. B (b.md) @L4
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn comments_between_root_items_do_not_restart_numbering() {
    let got = parse(
        "
        - [A](a.md)
        <!-- a comment that splits the list -->
        - [B](b.md)
        <!--
        a comment
        over three lines
        -->
        - [C](c.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
          2. B (b.md) @L3
          3. C (c.md) @L8
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn a_comment_between_nested_items_keeps_all_children() {
    // mdBook replaces B1 by B2 here (numbering B2 as 1.1); this parser keeps both.
    let got = parse(
        "
        - [A](a.md)
          - [A1](a1.md)

          <!-- more later -->

          - [A2](a2.md)
        - [B](b.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
            1.1. A1 (a1.md) @L2
            1.2. A2 (a2.md) @L6
          2. B (b.md) @L7
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn mixed_bullets_under_one_chapter_keep_all_children() {
    // A `*` after `-` starts a second nested list under A; both lists' chapters count.
    let got = parse(
        "
        - [A](a.md)
          - [A1](a1.md)
          * [A2](a2.md)
            - [A2x](a2x.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
            1.1. A1 (a1.md) @L2
            1.2. A2 (a2.md) @L3
              1.2.1. A2x (a2x.md) @L4
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn separators_between_numbered_chapters_keep_numbering() {
    let got = parse(
        "
        - [A](a.md)
        ---
        - [B](b.md)

        ***

        - [C](c.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
          ---
          2. B (b.md) @L3
          ---
          3. C (c.md) @L7
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn part_titles_do_not_restart_numbering() {
    let got = parse(
        "
        # Summary

        [Intro](intro.md)

        # Basics

        - [A](a.md)
          - [A1](a1.md)

        # Advanced **topics**

        - [B](b.md)
        - [C](c.md)
        ",
    );
    let want = dedent(
        "
        title: Summary
        prefix:
          Intro (intro.md) @L3
        numbered:
          # Basics
          1. A (a.md) @L7
            1.1. A1 (a1.md) @L8
          # Advanced topics
          2. B (b.md) @L12
          3. C (c.md) @L13
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn a_part_title_right_after_the_title_and_text_under_it_are_allowed() {
    // The first H1 is the book title, the second a part; a paragraph just under a part
    // title is ignored rather than ending the numbered chapters.
    let got = parse(
        "
        # Summary
        # Part one

        Chapters about the first thing.

        - [A](a.md)
        ",
    );
    assert_eq!(
        got,
        "title: Summary\nnumbered:\n  # Part one\n  1. A (a.md) @L6\n"
    );
}

#[test]
fn draft_chapters_have_no_location() {
    let got = parse(
        "
        [Preface]()

        - [A](a.md)
          - [Later](<>)
        - [Soon]()
        ",
    );
    let want = dedent(
        "
        prefix:
          Preface (draft) @L1
        numbered:
          1. A (a.md) @L3
            1.1. Later (draft) @L4
          2. Soon (draft) @L5
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn suffix_chapters_follow_the_numbered_ones() {
    let got = parse(
        "
        - [A](a.md)

        ---

        [Appendix](appendix.md)

        ---
        [Licence](licence.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
          ---
        suffix:
          Appendix (appendix.md) @L5
          ---
          Licence (licence.md) @L8
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn text_after_the_link_in_an_item_is_ignored() {
    let got = parse(
        "
        - [A](a.md) (new in 2.0, see [B](b.md))
        - [C](c.md) — *work in progress*
        ",
    );
    assert_eq!(got, "numbered:\n  1. A (a.md) @L1\n  2. C (c.md) @L2\n");
}

#[test]
fn link_names_are_plain_trimmed_text() {
    let got = parse(
        "
        - [The `Option` *type*](option.md)
        - [  **Spaced**  ](spaced.md)
        - [![logo](logo.png) Logo](logo.md)
        - [Over two
          lines](two.md)
        - [Hard\\
          break](hard.md)
        - [a <b>tag</b>](tag.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. The Option type (option.md) @L1
          2. Spaced (spaced.md) @L2
          3. logo Logo (logo.md) @L3
          4. Over two lines (two.md) @L4
          5. Hard break (hard.md) @L6
          6. a tag (tag.md) @L8
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn paths_are_normalised_and_decoded_as_mdbook_does() {
    let got = parse(
        r"
        - [Dot](./dot.md)
        - [Dots](././dir/dots.md)
        - [Slashes](.//slash.md)
        - [Space](my%20file.md)
        - [Slash](a%2Fb.md)
        - [Angle](<./with space.md>)
        - [Escaped](a\_b.md)
        - [Anchor](page.md#section)
        - [Parent](../up.md)
        ",
    );
    // Only a leading `./` goes and only `%20` is decoded; everything else is kept as written.
    let want = dedent(
        "
        numbered:
          1. Dot (dot.md) @L1
          2. Dots (dir/dots.md) @L2
          3. Slashes (slash.md) @L3
          4. Space (my file.md) @L4
          5. Slash (a%2Fb.md) @L5
          6. Angle (with space.md) @L6
          7. Escaped (a_b.md) @L7
          8. Anchor (page.md#section) @L8
          9. Parent (../up.md) @L9
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn reference_links_resolve_to_their_definitions() {
    let got = parse(
        "
        - [Intro][intro]
        - [Usage]

        [intro]: ./intro.md
        [usage]: usage.md
        ",
    );
    assert_eq!(
        got,
        "numbered:\n  1. Intro (intro.md) @L1\n  2. Usage (usage.md) @L2\n"
    );
}

#[test]
fn crlf_line_endings_parse_like_lf() {
    let lf =
        "# Summary\n\n[Intro](intro.md)\n\n- [A](a.md)\n  - [A1](a1.md)\n\n# Part\n- [B](b.md)\n";
    let crlf = lf.replace('\n', "\r\n");
    let from_crlf = parse_summary(&crlf).unwrap();
    assert_eq!(from_crlf, parse_summary(lf).unwrap());
    let want = dedent(
        "
        title: Summary
        prefix:
          Intro (intro.md) @L3
        numbered:
          1. A (a.md) @L5
            1.1. A1 (a1.md) @L6
          # Part
          2. B (b.md) @L9
        ",
    );
    assert_eq!(dump(&from_crlf), want);
}

#[test]
fn crlf_errors_report_the_same_position_as_lf() {
    let lf = "- [A](a.md)\n- Not a link\n";
    let crlf = lf.replace('\n', "\r\n");
    let e = parse_summary(&crlf).unwrap_err();
    assert_eq!((e.line, e.col), (2, 3));
    assert_eq!(e, parse_summary(lf).unwrap_err());
}

#[test]
fn unicode_names_and_paths_are_kept() {
    let got = parse(
        "
        # Résumé 📖
        - [Einführung](einführung.md)
          - [日本語](日本/語.md)
        ",
    );
    let want = dedent(
        "
        title: Résumé 📖
        numbered:
          1. Einführung (einführung.md) @L2
            1.1. 日本語 (日本/語.md) @L3
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn ten_levels_of_nesting_are_numbered_to_the_bottom() {
    let text: String = (0..10)
        .map(|depth| format!("{}- [L{depth}](l{depth}.md)\n", "  ".repeat(depth)))
        .collect();
    let summary = parse_summary(&text).unwrap();
    let mut link = match &summary.numbered_chapters[0] {
        SummaryItem::Link(link) => link,
        other => panic!("expected a link, got {other:?}"),
    };
    for depth in 0..10 {
        assert_eq!(link.name, format!("L{depth}"));
        assert_eq!(link.line, depth + 1);
        assert_eq!(
            link.number,
            Some(SectionNumber(vec![1; depth as usize + 1]))
        );
        if depth < 9 {
            link = match link.nested_items.as_slice() {
                [SummaryItem::Link(child)] => child,
                other => panic!("expected one child at depth {depth}, got {other:?}"),
            };
        }
    }
    assert_eq!(
        link.number.as_ref().unwrap().to_string(),
        "1.1.1.1.1.1.1.1.1.1."
    );
}

#[test]
fn very_deep_nesting_does_not_overflow_the_stack() {
    // The list reader keeps its own stack instead of recursing, so depth costs only heap.
    let depth = 300;
    let text: String = (0..depth)
        .map(|d| format!("{}- [L{d}](l{d}.md)\n", "  ".repeat(d)))
        .collect();
    let summary = parse_summary(&text).unwrap();
    let mut items = &summary.numbered_chapters;
    let mut levels = 0;
    while let [SummaryItem::Link(link)] = items.as_slice() {
        levels += 1;
        items = &link.nested_items;
    }
    assert_eq!(levels, depth);
}

#[test]
fn headings_and_indented_separators_inside_lists_are_ignored_like_mdbook() {
    // mdBook silently skips these; they must not end the list or shift numbering.
    let got = parse(
        "
        - [A](a.md)

          ## Not a part

          - [A1](a1.md)
        ## Also not a part
        - [B](b.md)
        ",
    );
    let want = dedent(
        "
        numbered:
          1. A (a.md) @L1
            1.1. A1 (a1.md) @L5
          2. B (b.md) @L7
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn links_outside_lists_in_odd_places_follow_mdbook() {
    // A link in a blockquote is still a prefix chapter; one in an indented code block is
    // code; a link in the paragraph just under a part title is dropped. All as in mdBook.
    let got = parse(
        "
        > [Quoted](quoted.md)

            [Code](code.md)

        # Part

        [Dropped](dropped.md)

        - [A](a.md)
        ",
    );
    let want = dedent(
        "
        prefix:
          Quoted (quoted.md) @L1
        numbered:
          # Part
          1. A (a.md) @L9
        ",
    );
    assert_eq!(got, want);
}

#[test]
fn a_comment_on_its_own_lines_may_precede_an_items_link() {
    // mdBook rejects this; comments are ignored everywhere else, so they are here too.
    let got = parse(
        "
        - <!-- TODO: rename -->
          [A](a.md)
        ",
    );
    assert_eq!(got, "numbered:\n  1. A (a.md) @L2\n");
}

#[test]
fn error_list_item_that_is_plain_text() {
    let e = fail(
        "
        - [A](a.md)
          - Not a link
        ",
    );
    assert_eq!((e.line, e.col), (2, 5));
    assert_eq!(e.message, "list item `Not a link` is not a link");
    assert!(e.help.unwrap().contains("- [Title](file.md)"));
}

#[test]
fn error_list_item_with_an_unclosed_link() {
    let e = fail("# Summary\n\n- [A](a.md\n");
    assert_eq!((e.line, e.col), (3, 3));
    assert_eq!(e.message, "list item `[A](a.md` is not a link");
}

#[test]
fn error_list_item_that_starts_with_emphasis() {
    let e = fail("- **[A](a.md)**\n");
    assert_eq!((e.line, e.col), (1, 3));
    assert_eq!(e.message, "list item does not start with a link");
}

#[test]
fn error_empty_list_item() {
    let e = fail(
        "
        - [A](a.md)
        -
        - [B](b.md)
        ",
    );
    assert_eq!((e.line, e.col), (2, 1));
    assert_eq!(e.message, "empty list item");
}

#[test]
fn error_separator_as_list_item() {
    // `- ---` alone is a thematic break in CommonMark, so it is a valid separator; `* ---`
    // is a list item holding one.
    assert_eq!(
        parse("- [A](a.md)\n- ---\n"),
        "numbered:\n  1. A (a.md) @L1\n  ---\n"
    );
    let e = fail("- [A](a.md)\n* ---\n");
    assert_eq!((e.line, e.col), (2, 3));
    assert_eq!(e.message, "a separator cannot be a list item");
}

#[test]
fn error_separator_indented_under_an_item_makes_it_a_heading() {
    // CommonMark reads `[B](b.md)` with an indented `---` under it as a setext heading.
    let e = fail("- [A](a.md)\n- [B](b.md)\n  ---\n- [C](c.md)\n");
    assert_eq!((e.line, e.col), (2, 3));
    assert!(e.message.contains("underlined"), "{e:?}");
    assert!(e.help.unwrap().contains("not indented"));
}

#[test]
fn error_part_title_as_list_item() {
    let e = fail("- [A](a.md)\n- # Part\n");
    assert_eq!((e.line, e.col), (2, 3));
    assert_eq!(e.message, "a part title cannot be a list item");
    let e = fail("- [A](a.md)\n-   ## Sub\n");
    assert_eq!((e.line, e.col), (2, 5));
    assert_eq!(e.message, "list item is a heading, not a link");
}

#[test]
fn error_list_item_that_starts_with_a_list() {
    let e = fail("- [A](a.md)\n- - [B](b.md)\n");
    assert_eq!((e.line, e.col), (2, 3));
    assert_eq!(e.message, "list item starts with another list, not a link");
}

#[test]
fn error_list_item_that_starts_with_html() {
    let e = fail("- <span>[A](a.md)</span>\n");
    assert_eq!((e.line, e.col), (1, 3));
    assert_eq!(e.message, "list item starts with HTML, not a link");
    let e = fail("- [A](a.md)\n- <div>\n  [B](b.md)\n  </div>\n");
    assert_eq!((e.line, e.col), (2, 3));
    assert_eq!(e.message, "list item starts with HTML, not a link");
}

#[test]
fn error_list_item_that_is_a_code_block() {
    let e = fail("-     [A](a.md)\n");
    assert_eq!(e.line, 1);
    assert_eq!(e.message, "list item is a code block, not a link");
}

#[test]
fn error_numbered_chapters_after_suffix_chapters() {
    let e = fail(
        "
        - [A](a.md)

        [Appendix](appendix.md)

        - [B](b.md)
        ",
    );
    assert_eq!((e.line, e.col), (5, 1));
    assert_eq!(
        e.message,
        "numbered chapters cannot come after suffix chapters"
    );
    // The hint names the line that turned the rest into suffix chapters.
    assert!(e.help.unwrap().contains("Line 3"));
}

#[test]
fn error_stray_text_between_lists_ends_the_numbered_chapters() {
    let e = fail(
        "
        - [A](a.md)

        Some explanation.

        - [B](b.md)
        ",
    );
    assert_eq!((e.line, e.col), (5, 1));
    assert!(e.help.unwrap().contains("Line 3"));
}

#[test]
fn error_part_title_after_suffix_chapters() {
    let e = fail(
        "
        - [A](a.md)

        [Appendix](appendix.md)

        # Part
        ",
    );
    assert_eq!((e.line, e.col), (5, 1));
    assert_eq!(e.message, "a part title cannot come after suffix chapters");
}

#[test]
fn error_duplicate_file_points_at_the_second_entry() {
    let e = fail(
        "
        [Intro](intro.md)

        - [A](a.md)
          - [Intro again](./intro.md)
        ",
    );
    assert_eq!((e.line, e.col), (4, 5));
    assert_eq!(e.message, "`intro.md` is listed twice in SUMMARY.md");
    assert!(e.help.unwrap().contains("line 1"));
}

#[test]
fn drafts_are_never_duplicates() {
    assert!(parse_summary("- [A]()\n- [B]()\n").is_ok());
}

#[test]
fn a_syntax_error_wins_over_an_earlier_duplicate() {
    // mdBook parses everything before checking for duplicates; the order of errors follows.
    let e = parse_summary("- [A](a.md)\n- [B](a.md)\n- oops\n").unwrap_err();
    assert_eq!(e.line, 3);
}

#[test]
fn error_columns_count_characters_not_bytes() {
    let e = fail("- [Ünïcödé](u.md)\n  - [ß](s.md) 1\n  - 日本語\n");
    assert_eq!((e.line, e.col), (3, 5));
    let e = fail("- [A](a.md)\n- [B](b.md)\n- [日本](n.md)\n- [A again](a.md)\n");
    assert_eq!((e.line, e.col), (4, 3));
}

#[test]
fn the_error_message_is_the_display_text() {
    let e = parse_summary("- nope\n").unwrap_err();
    assert_eq!(e.to_string(), e.message);
}

#[test]
fn odd_inputs_never_panic_and_errors_point_inside_the_file() {
    let deep: String = (0..10)
        .map(|d| format!("{}- [L{d}](l{d}.md)\n", "  ".repeat(d)))
        .collect();
    let inputs = [
        "",
        " ",
        "\n",
        "\r\n",
        "# Summary",
        "#",
        "# ",
        "[",
        "[A](",
        "[A](a.md",
        "- [A](a.md",
        "- [",
        "-",
        "- ",
        "*",
        "1.",
        "---",
        "- ---",
        "===",
        "\t- [A](a.md)\n\t\t- [B](b.md)",
        "- [A](a.md)\r\n  - [B](b.md)\r\n- x\r\n",
        "- [A](a.md)\r- [B](b.md)\r",
        "<!--",
        "<!-- unclosed\n- [A](a.md)",
        "- <!--",
        "- [A](a.md)\n  <!--\n",
        "]()",
        "[]()",
        "- []()",
        "- [](a.md)",
        "\u{feff}# Summary\n- [A](a.md)",
        "\0",
        "- [\0](\0)",
        "- [😀](😀.md)\n  - 😀",
        "> - [A](a.md)\n> > > [B](b.md)",
        "```\n- [A](a.md)\n",
        "[x]: y.md\n- [x]",
        "- [A](a.md)\n\n[S](s.md)\n\n- [B](b.md)\n\n# P",
        &deep,
        &deep.replace('\n', "\r\n"),
        &"- [A](a.md)\n".repeat(1000),
        &"> ".repeat(500),
        &"- ".repeat(500),
        &"[".repeat(500),
    ];
    for text in inputs {
        match std::panic::catch_unwind(|| parse_summary(text)) {
            Err(_) => panic!("panicked on {text:?}"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                let lines = u32::try_from(text.split('\n').count()).unwrap();
                assert!(e.line >= 1 && e.line <= lines, "{text:?}: {e:?}");
                assert!(e.col >= 1, "{text:?}: {e:?}");
                assert!(e.help.is_some(), "{text:?}: {e:?}");
            }
        }
    }
}

#[test]
fn error_positions_point_at_the_first_visible_character() {
    // pulldown-cmark starts this nested list at the blank line above it; the error must
    // name the line and column of its bullet instead.
    let e = fail("-\n  <!-- c -->\n\n\t- [A](a.md)\n");
    assert_eq!((e.line, e.col), (4, 2));
    assert_eq!(e.message, "list item starts with another list, not a link");
}

#[test]
fn a_blockquote_between_lists_is_skipped_whole() {
    // mdBook skips any block other than a list in the numbered section, lists inside it
    // included; counting the quoted item would shift every later number.
    let got = parse(
        "
        - [A](a.md)

        > - [Quoted](quoted.md)

        - [B](b.md)
        ",
    );
    assert_eq!(got, "numbered:\n  1. A (a.md) @L1\n  2. B (b.md) @L5\n");
}
