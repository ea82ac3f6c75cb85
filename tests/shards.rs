//! Sharded checks (#24): `check --shard K/N` on each part, `merge` of the
//! bundles, and `build --results`, against one unsharded run of the same
//! book; and every way a set of bundles can be wrong.

mod support;

use std::collections::BTreeSet;

use support::{BookTest, Run};

/// Three chapters: unnamed examples (one with an output block), a
/// comparison group with a claim, and a named example.
fn book() -> BookTest {
    let b = BookTest::empty();
    b.write(
        "content/SUMMARY.md",
        "# Summary\n\n- [A](a.md)\n- [B](b.md)\n- [C](c.md)\n",
    )
    .write(
        "content/a.md",
        "# A\n\n```python\nprint('a1')\n```\n\n```python\nprint('a2')\n```\n\n\
         ```output\na2\n```\n\n```python\nprint(sum(range(10)))\n```\n",
    )
    .write(
        "content/b.md",
        "# B\n\n```python id=g-one repeat=3 warmup=0 group=g baseline\nx = 1\n```\n\n\
         ```python id=g-two repeat=3 warmup=0 group=g\nx = 2\n```\n\n\
         ```claim id=g-counted\nsays: every member ran three times\ng-two wall n >= 3\n```\n",
    )
    .write(
        "content/c.md",
        "# C\n\n```python id=named\nprint('c')\n```\n\n```python\nprint('c2')\n```\n",
    );
    b
}

fn stdout(run: &Run) -> String {
    String::from_utf8_lossy(&run.output.stdout).into_owned()
}

/// check's item lines without their durations, and its count line.
fn items(out: &str) -> (BTreeSet<String>, String) {
    let lines = out
        .lines()
        .filter(|l| {
            ["ok ", "FAILED ", "skipped "]
                .iter()
                .any(|v| l.starts_with(v))
        })
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words[..words.len() - 2].join(" ")
        })
        .collect();
    let count = out
        .lines()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no count line:\n{out}"))
        .to_owned();
    (lines, count)
}

/// The examples a shard ran: its `ok`/`FAILED` example lines.
fn examples_run(out: &str) -> BTreeSet<String> {
    items(out)
        .0
        .into_iter()
        .filter(|l| l.split_whitespace().nth(1) == Some("example"))
        .collect()
}

fn shard(b: &BookTest, k: usize, n: usize) -> Run {
    let spec = format!("{k}/{n}");
    let bundle = format!("s{k}.bundle");
    b.run(&["check", "--shard", &spec, "--bundle", &bundle])
}

/// A copy of the book (its cache included) in a folder of its own, with a
/// signing key of its own: another CI machine.
fn copy_of(b: &BookTest) -> BookTest {
    let copy = BookTest::empty();
    support::copy_dir(b.root(), copy.root());
    copy
}

#[test]
fn three_shards_on_copies_merged_judge_the_book_as_one_check_does() {
    let b = book();
    let whole = b.run(&["check"]);
    whole.success();
    let whole_out = stdout(&whole);
    let (whole_items, whole_count) = items(&whole_out);
    assert_eq!(whole_count, "8 passed, 0 failed", "{whole_out}");

    // Three machines at once, each on its own copy, each from the same
    // cache state: the plan is the same on all of them.
    let copies: Vec<BookTest> = (0..3).map(|_| copy_of(&b)).collect();
    let children: Vec<std::process::Child> = copies
        .iter()
        .enumerate()
        .map(|(k, copy)| {
            std::process::Command::new(env!("CARGO_BIN_EXE_proofbook"))
                .args(["check", "--shard", &format!("{}/3", k + 1), "--bundle"])
                .arg(b.root().join(format!("s{}.bundle", k + 1)))
                .current_dir(copy.root())
                .env("CI", "true")
                .env("XDG_CACHE_HOME", copy.cache_home.path())
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<String> = children
        .into_iter()
        .map(|child| {
            let done = child.wait_with_output().unwrap();
            let out = String::from_utf8_lossy(&done.stdout).into_owned();
            let err = String::from_utf8_lossy(&done.stderr);
            assert!(done.status.success(), "{out}\n{err}");
            out
        })
        .collect();
    let mut seen = BTreeSet::new();
    for out in &outs {
        assert!(out.contains("bundle: "), "{out}");
        for example in examples_run(out) {
            assert!(seen.insert(example.clone()), "{example} ran on two shards");
        }
    }
    assert_eq!(
        seen,
        examples_run(&whole_out),
        "the shards together ran every example once"
    );

    // The group's members ran on one shard; every shard leaves the claim
    // to the merge and names what the others ran.
    let with_group: Vec<&String> = outs
        .iter()
        .filter(|o| o.contains("example g-one"))
        .collect();
    assert_eq!(with_group.len(), 1);
    assert!(with_group[0].contains("example g-two"));
    assert!(
        outs.iter()
            .all(|o| o.contains("judged on every shard's figures"))
    );
    assert!(
        outs.iter()
            .all(|o| o.contains("examples left to it: content/"))
    );

    let merged = b.run(&[
        "merge",
        "s1.bundle",
        "s2.bundle",
        "s3.bundle",
        "-o",
        "merged",
    ]);
    merged.success();
    let merged_out = stdout(&merged);
    let (merged_items, merged_count) = items(&merged_out);
    assert_eq!(merged_items, whole_items, "{merged_out}");
    assert_eq!(merged_count, whole_count);
    assert!(merged_out.contains("claim g-counted"), "{merged_out}");

    // Published from the merged bundle: the same pages, and nothing ran.
    b.run(&["build", "-d", "site-whole"]).success();
    let published = b.run(&[
        "build",
        "-d",
        "site-merged",
        "--results",
        "merged/merged.proofbook-results",
    ]);
    published.success();
    assert_eq!(published.example_counts().0, 0, "{}", published.stderr());
    let pages = |dir: &str| -> BTreeSet<String> {
        walkdir::WalkDir::new(b.root().join(dir))
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(pages("site-merged"), pages("site-whole"));
    let a = b.read("site-merged/a.html");
    assert!(a.contains("a1") && a.contains("45"), "outputs shown");
    assert!(!b.read("site-merged/b.html").contains("Does not hold"));
}

#[test]
fn the_plan_is_the_same_on_every_run() {
    let b = book();
    b.run(&["check"]).success(); // durations in the cache: planned by time
    let run = shard(&b, 2, 3);
    let first = examples_run(&stdout(&run));
    let said = format!("shard 2/3: {} of 7 examples, about ", first.len());
    assert!(run.stderr().contains(&said), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("by their last runs (largest shard / mean ")
    );
    for k in [1, 3] {
        shard(&b, k, 3).success();
    }
    let again = examples_run(&stdout(&shard(&b, 2, 3)));
    assert!(!first.is_empty());
    assert_eq!(first, again);
}

#[test]
fn a_results_bundle_seeds_the_cache() {
    let b = book();
    for k in 1..=2 {
        shard(&b, k, 2).success();
    }
    // A shard leaves the cache as it found it (every shard plans from it).
    let results = b.root().join(".proofbook-cache/results");
    assert!(
        !results.exists() || std::fs::read_dir(&results).unwrap().next().is_none(),
        "the shards stored results"
    );
    let seeded = b.run(&["build", "--results", "s1.bundle", "s2.bundle"]);
    seeded.success();
    let again = b.build();
    again.success();
    assert_eq!(again.example_counts(), (0, 7), "{}", again.stderr());
}

#[test]
fn incomplete_duplicated_damaged_and_stale_sets_are_refused_by_name() {
    let b = book();
    for k in 1..=3 {
        shard(&b, k, 3).success();
    }

    let missing = b.run(&["merge", "s1.bundle", "s3.bundle", "-o", "out"]);
    missing.failure();
    assert!(
        stdout(&missing).contains("shard 2/3 missing"),
        "{}",
        stdout(&missing)
    );
    assert!(!b.root().join("out/merged.proofbook-results").exists());

    let twice = b.run(&["merge", "s1.bundle", "s2.bundle", "s2.bundle", "s3.bundle"]);
    twice.failure();
    assert!(
        stdout(&twice).contains("is shard 2/3 again"),
        "{}",
        stdout(&twice)
    );

    let good = std::fs::read(b.root().join("s2.bundle")).unwrap();
    std::fs::write(b.root().join("s2.bundle"), &good[..good.len() / 2]).unwrap();
    let cut = b.run(&["merge", "s1.bundle", "s2.bundle", "s3.bundle"]);
    cut.failure();
    assert!(
        cut.stderr().contains("s2.bundle is damaged or truncated"),
        "{}",
        cut.stderr()
    );
    std::fs::write(b.root().join("s2.bundle"), &good).unwrap();

    // An example edited after the shards ran: the set is of another book.
    b.write(
        "content/c.md",
        "# C\n\n```python id=named\nprint('changed')\n```\n\n```python\nprint('c2')\n```\n",
    );
    let stale = b.run(&["merge", "s1.bundle", "s2.bundle", "s3.bundle"]);
    stale.failure();
    assert!(
        stdout(&stale).contains("made from another state of the book"),
        "{}",
        stdout(&stale)
    );

    for bad in ["0/3", "4/3", "3"] {
        let run = b.run(&["check", "--shard", bad]);
        assert_eq!(run.code(), 2, "{bad}");
        assert!(run.stderr().contains("K/N"), "{}", run.stderr());
    }
}

#[test]
fn each_page_names_the_machine_its_examples_ran_on() {
    use proofbook::execute::bundle::Bundle;
    let b = book();
    for k in 1..=2 {
        shard(&b, k, 2).success();
    }
    // Shard 2 as if it had run on another machine.
    let path = b.root().join("s2.bundle");
    let mut two = Bundle::read(&path).unwrap();
    two.machine.cpu_model = "Shard Two CPU".into();
    two.write(&path).unwrap();
    let page_of = |identity: &str| identity.split('#').next().unwrap().replace("content/", "");
    let pages_two: BTreeSet<String> = two.runs.iter().map(|r| page_of(&r.identity)).collect();
    let one = Bundle::read(&b.root().join("s1.bundle")).unwrap();
    let pages_one: BTreeSet<String> = one.runs.iter().map(|r| page_of(&r.identity)).collect();

    let merged = b.run(&["merge", "s1.bundle", "s2.bundle"]);
    merged.success();
    assert!(
        merged
            .stderr()
            .contains("the shards ran on different machines"),
        "{}",
        merged.stderr()
    );

    b.run(&["build", "--results", "s1.bundle", "s2.bundle"])
        .success();
    for md in &pages_two {
        let html = b.read(&format!("book/{}", md.replace(".md", ".html")));
        assert!(html.contains("Shard Two CPU"), "{md} ran on shard 2");
    }
    for md in pages_one.difference(&pages_two) {
        let html = b.read(&format!("book/{}", md.replace(".md", ".html")));
        assert!(!html.contains("Shard Two CPU"), "{md} ran on shard 1 only");
    }
}

#[test]
fn build_shards_answer_from_the_cache_write_bundles_and_no_site() {
    let b = book();
    b.build().success();
    std::fs::remove_dir_all(b.root().join("book")).unwrap();
    let mut taken = 0;
    for k in 1..=2 {
        let spec = format!("{k}/2");
        let bundle = format!("s{k}.bundle");
        let run = b.run(&["build", "--shard", &spec, "--bundle", &bundle]);
        run.success();
        let err = run.stderr();
        let line = err
            .lines()
            .find(|l| l.starts_with(&format!("shard {spec}: ")))
            .unwrap_or_else(|| panic!("no summary line:\n{err}"));
        // Every example of the part came from the cache the build left.
        let mine: usize = line[format!("shard {spec}: ").len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(line.contains("(0 ran, "), "{line}");
        assert!(
            line.contains(&format!(" {mine} cached, 0 failed)")),
            "{line}"
        );
        assert!(err.contains(&format!("bundle: {bundle}")), "{err}");
        taken += mine;
    }
    assert_eq!(taken, 7, "the two parts cover the book once");
    assert!(!b.root().join("book").exists(), "a shard published a site");
    let published = b.run(&["build", "--results", "s1.bundle", "s2.bundle"]);
    published.success();
    assert!(b.read("book/b.html").contains("g-two"));
}

#[test]
fn a_build_shard_that_cannot_write_its_bundle_fails() {
    let b = book();
    let run = b.run(&[
        "build",
        "--shard",
        "1/2",
        "--bundle",
        "no/such/folder/s1.bundle",
    ]);
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("cannot write the bundle no/such/folder/s1.bundle"),
        "{err}"
    );
    assert!(err.contains("no bundle was written"), "{err}");
    let both = b.run(&["build", "--shard", "1/2", "--results", "s1.bundle"]);
    both.failure();
}
