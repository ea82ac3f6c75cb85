//! A comparison group that compares a figure other than wall time
//! (`compare=FIGURE`): its chart, its table, the `ratio` quoted in prose and
//! checked by claims, and the mistakes a book can make with it. The members
//! report fixed figures, so the ratios are exact.

mod support;

use support::{BookTest, element, main_of};

/// A member that reports `kib` as `kib_per_worker` (and sleeps a little,
/// so wall time differs from the compared figure).
fn member(id: &str, options: &str, kib: &str) -> String {
    format!(
        "```python id={id} repeat=2 warmup=0 group=memory {options}\n\
         #! import json, os\n\
         import time\n\
         time.sleep(0.01)\n\
         #! with open(os.environ[\"PROOFBOOK_METRICS\"], \"a\") as f:\n\
         #!     print(json.dumps({{\"kib_per_worker\": {kib}}}), file=f)\n\
         ```\n\n"
    )
}

fn memory_book(tail: &str) -> BookTest {
    let text = format!(
        "# Memory\n\n{}{}{}{tail}",
        member(
            "m-threads",
            "label=threads baseline compare=kib_per_worker",
            "10.0"
        ),
        member("m-tasks", "label=tasks", "1.0"),
        member("m-procs", "label=processes", "2500.0"),
    );
    BookTest::one_chapter(&text)
}

/// The stderr of building a one-chapter book of `text`, which must fail.
fn failed_build(text: &str) -> String {
    let run = BookTest::one_chapter(text).build();
    run.failure();
    run.stderr()
}

#[test]
fn a_group_compares_the_figure_it_names() {
    let b = memory_book(
        "A task held {{#measure m-tasks ratio}} of a thread's memory, a process \
         {{#measure m-procs ratio}}.\n\n\
         ```claim id=tasks-lighter\n\
         says: A waiting task costs a fraction of a waiting thread\n\
         m-tasks ratio < 0.2\n\
         ```\n",
    );
    b.build().success();
    let main = main_of(&b.read("book/chapter.html")).to_owned();
    let chart = element(&main, "<figure class=\"comparison\" id=\"group-memory\">");
    // The members report fixed figures, so the chart and its table are
    // exact: median KiB per worker, ratios to threads, and a log scale
    // (tasks and processes differ 2,500 times). Memory is not a speed.
    insta::assert_snapshot!("memory_chart", chart);
    assert!(!chart.contains("speed-up"), "memory is not a speed");
    // Each member's folded table leads with the compared figure, and its
    // noise is judged on that figure (steady here), not on wall time.
    assert!(
        main.contains("<summary>2 counted runs: median KiB per worker 10, "),
        "{main}"
    );
    assert!(!main.contains("noisy: wall time"), "{main}");
    // The prose quotes the ratios; the claim checks one.
    assert!(
        main.contains(">0.1×</a> of a thread’s memory, a process <a"),
        "{main}"
    );
    assert!(main.contains(">250×</a>."), "{main}");
    // The claim's box: the figure it checks is exact.
    insta::assert_snapshot!("tasks_lighter_claim", element(&main, "<div class=\"claim"));
    let json: serde_json::Value = serde_json::from_str(&b.read("book/results.json")).unwrap();
    let group = &json["comparisons"][0];
    assert_eq!(group["figure"], "kib_per_worker");
    assert_eq!(group["unit"], "number");
    assert_eq!(group["members"][1]["value"]["median"], 1.0);
    assert_eq!(group["members"][1]["ratio"]["median"], 0.1);
    let check = b.run(&["check"]);
    let out = String::from_utf8_lossy(&check.output.stdout).into_owned();
    assert_eq!(check.code(), 0, "{out}");
    assert!(out.contains("tasks-lighter"), "{out}");
}

#[test]
fn members_that_disagree_on_the_figure_are_an_error_at_the_second() {
    let text = format!(
        "# Memory\n\n{}{}",
        member("m-threads", "compare=kib_per_worker", "10.0"),
        member("m-tasks", "compare=wall", "1.0"),
    );
    let err = failed_build(&text);
    assert!(
        err.contains(
            "group `memory` compares `kib_per_worker` in one member and `wall` in another"
        ),
        "{err}"
    );
    assert!(err.contains("[ROOT]/content/chapter.md:11"), "{err}");
}

#[test]
fn a_member_without_the_figure_is_an_error_naming_what_it_has() {
    let text = format!(
        "# Memory\n\n{}```python id=m-plain repeat=2 warmup=0 group=memory\nprint(1)\n```\n",
        member("m-threads", "compare=kib_per_worker", "10.0"),
    );
    let err = failed_build(&text);
    assert!(
        err.contains(
            "group `memory` compares `kib_per_worker`, but not every run of `m-plain` has it"
        ),
        "{err}"
    );
    assert!(
        err.contains("its runs all have: wall, cpu, cpu_util"),
        "{err}"
    );
    assert!(err.contains("[ROOT]/content/chapter.md:11"), "{err}");
}

#[test]
fn ratio_outside_a_group_is_an_error() {
    let err = failed_build(
        "# One\n\n```python id=solo repeat=2 warmup=0\nprint(1)\n```\n\nRatio: {{#measure solo ratio}}.\n",
    );
    assert!(
        err.contains("example `solo` is not in a comparison group, so it has no `ratio`"),
        "{err}"
    );
}
