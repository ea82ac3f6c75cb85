use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::*;

static NO_FIGURES: std::collections::BTreeMap<usize, String> = std::collections::BTreeMap::new();

/// `text` parsed as the chapter `dir/page.md` of a one-chapter book.
fn doc(text: &str) -> Document {
    crate::markdown::test_chapter("dir/page.md", text)
}

/// The sections of `text` as the chapter "Page" at `dir/page.html`, one per
/// line: url, crumbs › title, then the text.
fn check(text: &str, split_level: u8) -> String {
    let mut out = String::new();
    for s in sections(
        "Page",
        "dir/page.html",
        &doc(text),
        &Default::default(),
        split_level,
    ) {
        let mut path = s.crumbs.clone();
        path.push(s.title.clone());
        writeln!(out, "{} [{}] {:?}", s.url, path.join(" › "), s.text).unwrap();
    }
    out
}

#[test]
fn terms_are_lower_cased_words_split_at_inner_punctuation() {
    let t: Vec<String> =
        terms("Use asyncio.gather() — don't block! snake_case 3.14 Größe ÉTÉ, x:y");
    assert_eq!(
        t,
        [
            "use",
            "asyncio",
            "gather",
            "don",
            "t",
            "block",
            "snake_case",
            "3",
            "14",
            "größe",
            "été",
            "x",
            "y"
        ]
    );
}

#[test]
fn ideographs_are_one_term_each_as_in_search_js() {
    let t: Vec<String> = terms("日本語のテキスト");
    assert_eq!(t, ["日", "本", "語", "の", "テキスト"]);
}

#[test]
fn sections_split_at_headings_up_to_the_level_and_leave_code_out() {
    let text = "# Threads\n\nIntro *text* with `inline_code`.\n\n\
                ```python\nsecret_code_word = 1\n```\n\n\
                ```output\nprinted_noise\n```\n\n\
                ## Locks\n\nA lock &amp; a key.\n\n### Deadlocks\n\nAvoid them.\n\n\
                #### Detail\n\nDeep text.\n\n## Queues\n\n<script>var x = 'script_noise';</script>\n\n| a | b |\n|---|---|\n| cell | two |\n";
    insta::assert_snapshot!(check(text, 3), @r#"
    dir/page.html#threads [Page › Threads] "Intro text with inline_code."
    dir/page.html#locks [Page › Locks] "A lock & a key."
    dir/page.html#deadlocks [Page › Locks › Deadlocks] "Avoid them. Detail Deep text."
    dir/page.html#queues [Page › Queues] "a b cell two"
    "#);
    // At level 2, h3 sections join their parent.
    insta::assert_snapshot!(check(text, 2), @r#"
    dir/page.html#threads [Page › Threads] "Intro text with inline_code."
    dir/page.html#locks [Page › Locks] "A lock & a key. Deadlocks Avoid them. Detail Deep text."
    dir/page.html#queues [Page › Queues] "a b cell two"
    "#);
}

#[test]
fn text_before_the_first_heading_is_the_chapter_and_a_renamed_h1_keeps_the_chapter_as_crumb() {
    insta::assert_snapshot!(check("Opening words.\n\n# Other title\n\nBody.\n", 3), @r#"
    dir/page.html [Page] "Opening words."
    dir/page.html#other-title [Page › Other title] "Body."
    "#);
}

/// The three chapters of a small book, indexed with `options`.
fn index_of(options: &SearchOptions) -> (Index, Vec<Diagnostic>) {
    let docs = [
        doc("# Alpha\n\nThreads and more threads.\n\n## Beta\n\nA thread pool.\n"),
        doc("# Gamma\n\nNothing about it.\n"),
        doc("# Appendix\n\nThreads again.\n"),
    ];
    let names = ["Alpha", "Gamma", "Appendix"];
    let pages = [
        PathBuf::from("a.html"),
        PathBuf::from("sub/g.html"),
        PathBuf::from("appendix/x.html"),
    ];
    let sources = [
        Path::new("a.md"),
        Path::new("sub/g.md"),
        Path::new("appendix/x.md"),
    ];
    let input: Vec<IndexedPage<'_>> = (0..3)
        .map(|i| IndexedPage {
            name: names[i],
            page: &pages[i],
            doc: &docs[i],
            measures: &NO_FIGURES,
        })
        .collect();
    build(&input, &sources, options)
}

#[test]
fn the_index_holds_sections_and_gap_coded_postings_with_flags() {
    let (index, diags) = index_of(&SearchOptions::default());
    assert!(diags.is_empty());
    let urls: Vec<&str> = index.sections.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        urls,
        [
            "a.html#alpha",
            "a.html#beta",
            "sub/g.html#gamma",
            "appendix/x.html#appendix"
        ]
    );
    assert_eq!(
        index.sections[1],
        (
            "a.html#beta".into(),
            "Beta".into(),
            vec!["Alpha".into()],
            3,
            "A thread pool.".into()
        )
    );
    // "threads": twice in section 0, once in section 3 (a gap of 3).
    assert_eq!(index.terms["threads"], [0, 2 * 4, 3, 4]);
    // "alpha": section 0's title, section 1's breadcrumb.
    assert_eq!(index.terms["alpha"], [0, IN_TITLE, 1, IN_CRUMBS]);
    assert_eq!(index.terms["thread"], [1, 4]);
}

#[test]
fn searchindex_js_holds_each_chapters_part_as_it_was_made() {
    let d = doc("# Alpha\n\nThreads and more threads.\n\n## Beta\n\nA thread pool.\n");
    let page = PathBuf::from("a.html");
    let options = SearchOptions::default();
    let input = IndexedPage {
        name: "Alpha",
        page: &page,
        doc: &d,
        measures: &NO_FIGURES,
    };
    let json = chapter_part(&input, &options).to_json();
    assert!(
        json.starts_with(r#"[[["a.html#alpha","Alpha",[],4,"Threads and more threads."],["a.html#beta","Beta",["Alpha"],3,"A thread pool."]],{"#),
        "{json}"
    );
    // Postings number the sections within the chapter: "alpha" is in the
    // first one's title and the second one's breadcrumbs.
    assert!(json.contains(r#""alpha":[0,1,1,2]"#), "{json}");
    assert!(json.contains(r#""threads":[0,8]"#), "{json}");
    assert_eq!(
        json,
        chapter_part(&input, &options).to_json(),
        "the same text each time"
    );
    let (js, starts) = index_js(&options, &[&json, &json]);
    assert_eq!(&js[starts[1]..starts[1] + json.len()], json);
    assert_eq!(
        js,
        format!(
            "window.proofbookSearch={{\"v\":2,\"options\":{{\"limit\":30,\"teaser\":30,\"and\":true,\"expand\":true,\"boost\":[2,1,1]}},\"chapters\":[{json},{json}]}};\n"
        )
    );
}

#[test]
fn excluded_chapters_are_left_out_and_an_exclusion_that_matches_nothing_warns() {
    let options = SearchOptions {
        excluded: vec![PathBuf::from("./appendix"), PathBuf::from("nowhere.md")],
        ..SearchOptions::default()
    };
    let (index, diags) = index_of(&options);
    assert_eq!(index.sections.len(), 3);
    assert!(!index.sections.iter().any(|s| s.0.starts_with("appendix/")));
    assert_eq!(index.terms["threads"], [0, 8]);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0].message.contains("`nowhere.md`"),
        "{}",
        diags[0].message
    );
}

#[test]
fn stored_text_is_cut_after_a_number_of_teasers() {
    let long: String = (0..500).map(|i| format!("w{i} ")).collect();
    let docs = [doc(&format!("# T\n\n{long}\n"))];
    let page = PathBuf::from("t.html");
    let input = [IndexedPage {
        name: "T",
        page: &page,
        doc: &docs[0],
        measures: &NO_FIGURES,
    }];
    let options = SearchOptions {
        teaser_word_count: 10,
        ..SearchOptions::default()
    };
    let (index, _) = build(&input, &[Path::new("t.md")], &options);
    let (_, _, _, words, text) = &index.sections[0];
    assert_eq!(*words, 500, "every word is counted and indexed");
    assert!(index.terms.contains_key("w499"));
    assert_eq!(text.split(' ').count(), 10 * STORED_WORDS_PER_TEASER_WORD);
    assert!(text.ends_with("w59"), "{text}");
}

#[test]
fn a_quoted_figure_reads_as_its_value_and_an_unresolved_one_as_nothing() {
    let d = doc("# Page\n\nThe loop took {{#measure tiny wall}} in this build.\n");
    let measures: std::collections::BTreeMap<usize, String> = [(
        0,
        "<a class=\"measured\" href=\"x.html#example-tiny\" title=\"median\">0.33 ms</a>"
            .to_owned(),
    )]
    .into_iter()
    .collect();
    let with = sections("Page", "dir/page.html", &d, &measures, 3);
    assert_eq!(with[0].text.trim(), "The loop took 0.33 ms in this build.");
    let without = sections("Page", "dir/page.html", &d, &Default::default(), 3);
    assert!(
        !without[0].text.contains("measure"),
        "{:?}",
        without[0].text
    );
    assert!(without[0].text.contains("took"), "{:?}", without[0].text);
}

#[test]
fn ascii_text_gives_the_terms_uax_29_words_give() {
    // Pieces that meet at word boundaries in every way prose has them,
    // joined at random (a fixed-seed generator: the same cases each run).
    let pieces = [
        "a", "Zeta", "9", "3.14", "_", "__", ".", ",", "'", ":", ";", " ", "\n", "\t", "-", "(",
        ")", "e.g", "don't", "x:y", "1,000", "_init_", "é", "—", "\u{301}", "\u{200d}", "\u{ad}",
        "日本", "ß", "İ", "ÉTÉ", "\u{a0}",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    for _ in 0..3000 {
        let len = next(12);
        let text: String = (0..len).map(|_| pieces[next(pieces.len())]).collect();
        let mut slow = Vec::new();
        uax_terms(&text, &mut |t: &str| slow.push(t.to_owned()));
        assert_eq!(terms(&text), slow, "{text:?}");
    }
}

#[test]
fn a_part_is_the_json_serde_makes_of_its_sections_and_a_map_of_its_terms() {
    let d = doc(
        "# Über \"quoted\"\n\nThreads, threads\\\\and Größe.\n\n## Zeta\n\nThreads again; `a\"b` and über.\n\n## Empty\n\n",
    );
    let page = PathBuf::from("dir/p.html");
    let input = IndexedPage {
        name: "Über",
        page: &page,
        doc: &d,
        measures: &NO_FIGURES,
    };
    let part = chapter_part(&input, &SearchOptions::default());
    let sections: Vec<_> = part
        .sections
        .iter()
        .map(|s| (&s.url, &s.title, &s.crumbs, s.words, &s.stored))
        .collect();
    let mut terms: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
    for (n, s) in part.sections.iter().enumerate() {
        for (term, value) in &s.terms {
            terms.entry(term).or_default().extend([n as u32, *value]);
        }
    }
    assert!(
        terms["threads"].len() > 2,
        "a term in two sections: {terms:?}"
    );
    assert_eq!(
        part.to_json(),
        serde_json::to_string(&(sections, terms)).unwrap()
    );
    assert_eq!(
        ChapterPart {
            sections: Vec::new()
        }
        .to_json(),
        "[[],{}]"
    );
}
