//! Benchmarks, comparison groups and figures quoted in prose, on the
//! fixture book `tests/books/measure` (a CPU-bound group: sequential,
//! threads, processes). The numbers themselves depend on the machine, so
//! only their presence, form and links are asserted here.

mod support;

use support::{BookTest, element, main_of, measured_settings};

#[test]
fn a_group_gets_a_chart_a_table_and_its_numbers_in_the_prose() {
    let b = BookTest::from_fixture("measure");
    let run = b.build();
    run.success();
    let page = b.read("book/cpu.html");
    let main = main_of(&page);
    // Each member: its output panel with the table of its counted runs.
    assert_eq!(
        main.matches("<caption>3 counted runs</caption>").count(),
        3,
        "{main}"
    );
    // The chart, after the last member, with a text table of the same.
    let chart = main
        .find("<figure class=\"comparison\" id=\"group-cpu\">")
        .expect("a chart");
    assert!(chart > main.find("id=\"example-cpu-procs\"").unwrap());
    assert!(main.contains("<svg class=\"chart-svg\""));
    assert!(main.contains("role=\"img\" aria-labelledby=\"chart-cpu-title chart-cpu-desc\""));
    assert!(main.contains("1× (baseline)"));
    // Its table: a row per member, linked to it, in the book's order. The
    // figures are this machine's, redacted.
    measured_settings().bind(|| {
        insta::assert_snapshot!(
            "cpu_comparison_table",
            element(main, "<table class=\"comparison-table\"")
        );
    });
    // The prose quotes this build's figures, each linked to its example.
    let prose = &main[main.find("On this machine").unwrap()..];
    let quoted: Vec<&str> = prose
        .split("<a class=\"measured\" href=\"")
        .skip(1)
        .map(|s| &s[..s.find("</a>").unwrap()])
        .collect();
    assert_eq!(quoted.len(), 6, "{prose}");
    assert!(
        quoted[0].starts_with("cpu.html#example-cpu-threads") && quoted[0].ends_with('×'),
        "{}",
        quoted[0]
    );
    assert!(quoted[1].starts_with("cpu.html#example-cpu-procs") && quoted[1].ends_with('×'));
    assert!(
        quoted[2].ends_with(" ms") || quoted[2].ends_with(" s"),
        "{}",
        quoted[2]
    );
    assert!(quoted[3].ends_with('%'), "{}", quoted[3]);
    assert!(quoted[4].ends_with(">3"), "{}", quoted[4]);
    assert!(
        quoted[5].ends_with(">2"),
        "a reported metric: {}",
        quoted[5]
    );
    // Where the figures come from, on the page and in results.json.
    measured_settings().bind(|| {
        insta::assert_snapshot!("cpu_measured_on", element(main, "<p class=\"measured-on\""));
    });
    let json: serde_json::Value = serde_json::from_str(&b.read("book/results.json")).unwrap();
    assert_eq!(json["schema"], "proofbook-results/1");
    assert!(json["machine"]["usable_cores"].as_u64().unwrap() >= 1);
    assert!(
        json["machine"]["python_version"]
            .as_str()
            .unwrap()
            .starts_with('3')
    );
    let examples = json["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 3);
    assert_eq!(examples[0]["id"], "cpu-seq");
    assert_eq!(examples[0]["source"], "content/cpu.md:6");
    assert_eq!(examples[0]["runs"].as_array().unwrap().len(), 3);
    let wall = &examples[0]["figures"][0];
    assert_eq!(
        (
            wall["name"].as_str(),
            wall["unit"].as_str(),
            wall["n"].as_u64()
        ),
        (Some("wall"), Some("seconds"), Some(3))
    );
    assert!(wall["min"].as_f64() <= wall["median"].as_f64());
    assert_eq!(
        json["comparisons"][0]["members"].as_array().unwrap().len(),
        3
    );
    let results = b.read("book/results.html");
    assert!(results.contains("<table class=\"results sortable\">"));
    assert!(
        results.contains("<a href=\"cpu.html#example-cpu-procs\">cpu-procs</a>"),
        "{results}"
    );
    assert!(support::broken_internal_links(&b.root().join("book")).is_empty());
    // From another page, the link leads back to the example's page, and
    // that page too says which machine measured what it quotes.
    let notes = b.read("book/notes.html");
    assert!(notes.contains("<a class=\"measured\" href=\"cpu.html#example-cpu-procs\""));
    measured_settings().bind(|| {
        insta::assert_snapshot!(
            "notes_measured_on",
            element(&notes, "<p class=\"measured-on\"")
        );
    });
    // A second build takes the whole group from the cache (kept even when
    // a claim on it failed on this busy machine, which would re-run it).
    let warm = b.run(&["build", "--keep-failed"]);
    assert!(
        warm.success().stderr().contains("0 ran, 3 cached"),
        "{}",
        warm.stderr()
    );
}

#[test]
fn changing_one_member_reruns_the_whole_group() {
    let b = BookTest::from_fixture("measure");
    b.build().success();
    let text = b.read("content/cpu.md").replace(
        "[1_500_000] * 2))\n```\n\nOn",
        "[1_500_001] * 2))\n```\n\nOn",
    );
    b.write("content/cpu.md", &text);
    let run = b.build();
    assert!(
        run.success().stderr().contains("3 ran, 0 cached"),
        "{}",
        run.stderr()
    );
}

#[test]
fn an_unknown_id_figure_or_statistic_in_prose_is_an_error_at_its_place() {
    let b = BookTest::from_fixture("measure");
    let text = b.read("content/cpu.md")
        + "\nBad: {{#measure cpu-nope wall}}, {{#measure cpu-seq speed}}, {{#measure cpu-seq wall p99}}, {{#measure cpu-seq wall min hours}}.\n";
    b.write("content/cpu.md", &text);
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("no example has the id `cpu-nope`"), "{err}");
    assert!(
        err.contains("example `cpu-seq` has no figure `speed`"),
        "{err}"
    );
    assert!(
        err.contains("its figures: wall, cpu, cpu_util, peak_memory, chunks, speedup, ratio"),
        "{err}"
    );
    assert!(err.contains("`p99` is not a statistic"), "{err}");
    assert!(err.contains("`hours` is not a format"), "{err}");
    assert!(err.contains("[ROOT]/content/cpu.md:56:6"), "{err}");
    // check fails on them too, one item each.
    let check = b.run(&["check"]);
    let out = String::from_utf8_lossy(&check.output.stdout).into_owned();
    assert_eq!(check.code(), 1);
    assert_eq!(out.matches("FAILED   book").count(), 4, "{out}");
}

#[test]
fn group_mistakes_are_errors() {
    let b = BookTest::from_fixture("measure");
    b.write(
        "content/SUMMARY.md",
        "# Summary\n\n- [CPU-bound work](cpu.md)\n- [What the figures say](notes.md)\n- [More](more.md)\n",
    )
    .write(
        "content/more.md",
        "# More\n\n```python id=cpu-extra repeat=2 group=cpu\nprint(1)\n```\n",
    );
    let run = b.build();
    run.failure();
    assert!(
        run.stderr()
            .contains("the members of group `cpu` are on different pages"),
        "{}",
        run.stderr()
    );
}
