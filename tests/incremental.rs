//! Incremental builds against clean ones (#27): random sequences of edits
//! (prose, headings, titles in SUMMARY.md, chapters deleted, added, moved
//! or dropped from SUMMARY.md, half-written files, an included file, a
//! broken link) are applied to a book, each followed by a build into the
//! same folder; after every successful build the site must be byte for
//! byte what a clean build of the same sources makes, and after a failed
//! one it must be the site as it was. The sequences come from fixed seeds,
//! so a failure is reproduced by running the test again.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use support::BookTest;

/// A small deterministic generator (xorshift64*): the test needs varied
/// sequences, not cryptographic ones, and must replay a failure exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self) -> &'static str {
        const WORDS: &[&str] = &[
            "thread", "pool", "event", "loop", "gather", "queue", "lock", "fork", "spawn", "await",
            "future", "worker",
        ];
        WORDS[self.below(WORDS.len())]
    }
}

/// Every file of a site but proofbook's own bookkeeping (which lists
/// times and what was reused), by site path.
fn site_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk the site"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (rel.to_string_lossy().into_owned(), e.path().to_owned())
        })
        .filter(|(rel, _)| !rel.starts_with(".proofbook-"))
        .map(|(rel, path)| (rel, std::fs::read(path).expect("read a site file")))
        .collect()
}

/// Asserts two sites are the same, naming the first file that differs.
#[track_caller]
fn assert_same_site(incremental: &Path, clean: &Path, history: &[String]) {
    let (a, b) = (site_files(incremental), site_files(clean));
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&a),
        names(&b),
        "the incremental site has other files than a clean build after: {history:#?}"
    );
    for (name, bytes) in &a {
        assert!(
            *bytes == b[name],
            "{name} differs from a clean build's after: {history:#?}\n--- incremental:\n{}\n--- clean:\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&b[name])
        );
    }
}

/// The book: chapter 1 is linked to (and to its `#basics`) from every
/// other chapter, so it is never deleted nor cut; chapter 2 includes a
/// snippet file.
fn seed_book(t: &BookTest, chapters: usize) {
    let mut summary = String::from("# Summary\n\n");
    for i in 1..=chapters {
        summary.push_str(&format!("- [Chapter {i}](ch{i}.md)\n"));
        let mut text =
            format!("# Chapter {i}\n\nThe {i}th chapter's prose.\n\n## Basics\n\nSome words.\n\n");
        if i > 1 {
            text.push_str("See [the first](ch1.md) and [its basics](ch1.md#basics).\n\n");
        }
        if i == 2 {
            text.push_str("{{#include snippet.txt}}\n\n");
        }
        text.push_str("```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n");
        t.write(&format!("content/ch{i}.md"), &text);
    }
    // Pages in a folder: a README (the folder's index.html) and a page
    // whose links climb out, so relative URLs and print.html's rebasing
    // are exercised too.
    summary.push_str("- [Folder](sub/README.md)\n- [Deep page](sub/deep.md)\n");
    t.write(
        "content/sub/README.md",
        "# Folder\n\nBack to [the first](../ch1.md).\n",
    );
    t.write(
        "content/sub/deep.md",
        "# Deep\n\n## Basics\n\nSee [the basics](../ch1.md#basics).\n\n```text\nplain\n```\n",
    );
    t.write("content/snippet.txt", "An included line.\n");
    t.write("content/SUMMARY.md", &summary);
}

/// Applies one random edit; returns what it did, and whether the build
/// after it must fail.
fn edit(t: &BookTest, rng: &mut Rng, next_new: &mut usize) -> (String, bool) {
    let summary = t.read("content/SUMMARY.md");
    let mut lines: Vec<String> = summary.lines().map(str::to_owned).collect();
    let entries: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("- ["))
        .collect();
    let pick = entries[rng.below(entries.len())];
    let file = lines[pick]
        .split("](")
        .nth(1)
        .and_then(|r| r.strip_suffix(')'))
        .expect("a SUMMARY line names a file")
        .to_owned();
    let rel = format!("content/{file}");
    let protected = file == "ch1.md";
    let write_summary =
        |lines: &[String]| t.write("content/SUMMARY.md", &(lines.join("\n") + "\n"));
    let word = rng.word();
    match rng.below(10) {
        0 | 1 if t.root().join(&rel).exists() => {
            let text = t.read(&rel);
            t.write(&rel, &format!("{text}\nA new sentence on the {word}.\n"));
            (format!("prose added to {file}"), false)
        }
        2 if t.root().join(&rel).exists() => {
            let text = t.read(&rel);
            t.write(&rel, &format!("{text}\n## About the {word}\n\nMore.\n"));
            (format!("heading `{word}` added to {file}"), false)
        }
        3 => {
            let (head, tail) = lines[pick].split_once("](").expect("a link");
            lines[pick] = format!("- [{} {word}]({tail}", &head[3..]);
            write_summary(&lines);
            (format!("{file} retitled in SUMMARY.md"), false)
        }
        4 if !protected => {
            let _ = std::fs::remove_file(t.root().join(&rel));
            (
                format!("{file} deleted (create-missing makes it again)"),
                false,
            )
        }
        5 if !protected && t.root().join(&rel).exists() => {
            // A save caught half-way: the first half of the file.
            let text = t.read(&rel);
            let mut cut = text.len() / 2;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            t.write(&rel, &text[..cut]);
            (format!("{file} cut to its first {cut} bytes"), false)
        }
        6 if !protected && entries.len() > 2 => {
            lines.remove(pick);
            write_summary(&lines);
            (format!("{file} dropped from SUMMARY.md"), false)
        }
        7 => {
            let name = format!("new{next_new}.md");
            *next_new += 1;
            t.write(
                &format!("content/{name}"),
                &format!("# New {word}\n\nFresh text, see [basics](ch1.md#basics).\n"),
            );
            lines.insert(pick + 1, format!("- [New {word}]({name})"));
            write_summary(&lines);
            (format!("{name} added after {file}"), false)
        }
        8 if entries.len() > 1 => {
            let other = entries[rng.below(entries.len())];
            lines.swap(pick, other);
            write_summary(&lines);
            (format!("{file} moved in SUMMARY.md"), false)
        }
        9 => {
            t.write("content/snippet.txt", &format!("The included {word}.\n"));
            ("the included snippet edited".to_owned(), false)
        }
        _ if t.root().join(&rel).exists() => {
            let text = t.read(&rel);
            t.write(&rel, &format!("{text}\nA [broken](nowhere.md) link.\n"));
            (format!("a broken link added to {file}"), true)
        }
        _ => ("nothing".to_owned(), false),
    }
}

/// Runs `steps` random edits from `seed`, each built incrementally and
/// compared with a clean build.
fn replay(seed: u64, steps: usize) {
    let t = BookTest::empty();
    seed_book(&t, 6);
    t.build().success();
    let mut rng = Rng(seed);
    let mut next_new = 1;
    let mut history = Vec::new();
    for step in 0..steps {
        let site_before = site_files(&t.root().join("book"));
        let broken_file = {
            let (what, must_fail) = edit(&t, &mut rng, &mut next_new);
            history.push(what.clone());
            must_fail.then_some(what)
        };
        let run = t.build();
        if broken_file.is_some() {
            run.failure();
            assert!(
                site_files(&t.root().join("book")) == site_before,
                "a failed build changed the site after: {history:#?}"
            );
            // Undo the broken link so the book builds again.
            let files = walkdir::WalkDir::new(t.root().join("content")).into_iter();
            for entry in files
                .map(Result::unwrap)
                .filter(|e| e.file_type().is_file())
            {
                let path = entry.path();
                let text = std::fs::read_to_string(path).unwrap();
                std::fs::write(path, text.replace("\nA [broken](nowhere.md) link.\n", "")).unwrap();
            }
            history.push("the broken link removed".to_owned());
            t.build().success();
        } else {
            run.success();
        }
        // A clean build parses every chapter: the stored documents of
        // earlier builds (`pipeline::parse_cache`) go first.
        let store = t.root().join(".proofbook-cache/parsed");
        if store.exists() {
            std::fs::remove_dir_all(&store).unwrap();
        }
        let clean = format!("clean-{step}");
        t.run(&["build", "-d", &clean]).success();
        assert_same_site(&t.root().join("book"), &t.root().join(&clean), &history);
        std::fs::remove_dir_all(t.root().join(&clean)).unwrap();
    }
}

#[test]
fn random_edits_leave_the_site_a_clean_build_would_make() {
    for seed in [0x9e37_79b9_7f4a_7c15, 0xdead_beef_cafe_f00d, 42] {
        replay(seed, 10);
    }
}

/// A book whose table of contents is too big to repeat in every page
/// (`sidebar::INLINE_LIMIT`): it lives in `toc.js`, so a retitled chapter
/// re-renders its own page and its neighbours' (their previous/next
/// links), not every page.
#[test]
fn a_title_change_in_a_big_book_re_renders_its_page_and_neighbours_only() {
    let t = BookTest::empty();
    let long = "a rather long chapter title that makes the table of contents grow ".repeat(3);
    let mut summary = String::from("# Summary\n\n");
    for i in 1..=300 {
        summary.push_str(&format!("- [{long}{i}](ch{i}.md)\n"));
        t.write(
            &format!("content/ch{i}.md"),
            &format!("# Chapter {i}\n\nText {i}.\n"),
        );
    }
    t.write("content/SUMMARY.md", &summary);
    t.build().success();
    assert!(
        t.root().join("book/static/js/toc.js").exists(),
        "the sidebar is shared"
    );
    t.write(
        "content/SUMMARY.md",
        &summary.replace(&format!("[{long}150]"), "[Renamed]"),
    );
    let run = t.build();
    run.success();
    let err = run.stderr();
    assert!(
        err.contains("made again: 3 pages, print.html (0 chapters' parts), the search index (1 chapter's part)"),
        "{err}"
    );
    assert!(t.read("book/static/js/toc.js").contains("Renamed"));
    assert!(
        t.read("book/ch151.html").contains("Renamed"),
        "the next page's link"
    );
    let clean = "clean";
    t.run(&["build", "-d", clean]).success();
    assert_same_site(
        &t.root().join("book"),
        &t.root().join(clean),
        &["retitled".into()],
    );
}

/// The stored documents (`pipeline::parse_cache`): each file and its bytes.
fn stored_documents(t: &BookTest) -> BTreeMap<std::path::PathBuf, Vec<u8>> {
    let dir = t.root().join(".proofbook-cache/parsed");
    std::fs::read_dir(&dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .map(|p| (p.clone(), std::fs::read(p).unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

/// A rebuild takes a chapter's document from the store only when its
/// text is the one stored: a chapter with an include is never stored (the
/// included file can change without it), so editing that file leaves the
/// store as it was, as does a build where nothing changed; an edited
/// chapter's entry is replaced.
#[test]
fn only_chapters_made_of_their_own_text_are_stored_and_an_edit_replaces_its_entry() {
    let t = BookTest::empty();
    seed_book(&t, 4);
    t.build().success();
    let first = stored_documents(&t);
    assert!(!first.is_empty());
    t.build().success();
    assert!(
        stored_documents(&t) == first,
        "a no-op build rewrote the store"
    );
    t.write("content/snippet.txt", "A changed included line.\n");
    t.build().success();
    assert!(t.read("book/ch2.html").contains("A changed included line."));
    assert!(
        stored_documents(&t) == first,
        "a chapter with an include was stored"
    );
    let ch3 = t.read("content/ch3.md");
    t.write("content/ch3.md", &format!("{ch3}\nOne more line.\n"));
    t.build().success();
    assert!(t.read("book/ch3.html").contains("One more line."));
    assert!(
        stored_documents(&t) != first,
        "the edited chapter was not stored"
    );
}

/// A book can arrive with a store of its own, or have its entries moved
/// about: an entry is signed for its own key with the user's secret, so
/// swapped entries are parsed again, never shown as the other chapter.
#[test]
fn swapped_or_foreign_stored_documents_are_parsed_again() {
    let t = BookTest::empty();
    seed_book(&t, 4);
    t.build().success();
    // Every shard's bytes moved to another shard's name, and one shard
    // replaced by something that is no store at all.
    let files: Vec<_> = stored_documents(&t).into_iter().collect();
    assert!(files.len() >= 3, "{} shards", files.len());
    for (i, (path, _)) in files.iter().enumerate() {
        std::fs::write(path, &files[(i + 1) % files.len()].1).unwrap();
    }
    std::fs::write(&files[0].0, "proofbook-parsed-2\nforged").unwrap();
    // Make every page be rendered again from the documents.
    t.run(&["build", "-d", "again"]).success();
    assert_same_site(&t.root().join("again"), &t.root().join("book"), &[]);
    assert!(t.read("again/ch1.html").contains("The 1th chapter"));
}
