//! A claim that fails in `build` is never a silent cached verdict (#26):
//! the summary names it at its line with the command that re-checks it,
//! its box says when and on which machine it failed, and the next build
//! runs its examples again unless `--keep-failed` pins them. The claims
//! count runs (`n`), so they fail or hold the same way on every machine.

mod support;

use support::{BookTest, Run};

/// A chapter whose claim on `steady` (3 runs) is `claim`; `other` is an
/// example no claim names.
fn chapter(claim: &str) -> String {
    format!(
        "# Claims\n\n```python id=steady repeat=3 warmup=0\nprint('x')\n```\n\n\
         ```python id=other\nprint('o')\n```\n\n\
         ```claim\nsays: It ran the right number of times\n{claim}\n```\n"
    )
}

const FAILS: &str = "steady wall n > 3";
const HOLDS: &str = "steady wall n >= 3";

/// The claim's `file:line` as the summary names it: its fence's line.
fn claim_place(text: &str) -> String {
    let line = text.lines().position(|l| l == "```claim").unwrap() + 1;
    format!("content/chapter.md:{line}")
}

/// The command the summary prints to re-check the failed claim.
#[track_caller]
fn recheck_command(run: &Run) -> Vec<String> {
    let err = run.stderr();
    let line = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("re-check: "))
        .unwrap_or_else(|| panic!("no re-check command:\n{err}"));
    line.split_whitespace().map(str::to_owned).collect()
}

fn stdout(run: &Run) -> String {
    String::from_utf8_lossy(&run.output.stdout).into_owned()
}

fn page(b: &BookTest) -> String {
    b.read("book/chapter.html")
}

#[test]
fn a_failed_claim_is_named_with_its_line_and_a_command_that_rechecks_it() {
    let text = chapter(FAILS);
    let b = BookTest::one_chapter(&text);
    let run = b.build();
    run.success();
    let err = run.stderr();
    let place = claim_place(&text);
    assert!(
        err.contains("1 claim does not hold in this build:\n"),
        "{err}"
    );
    assert!(
        err.contains(&format!("\n  {place}: steady wall n = 3 > 3\n")),
        "{err}"
    );
    assert_eq!(
        recheck_command(&run),
        ["proofbook", "check", "--claim", place.as_str()]
    );
    assert!(
        err.contains("the next build runs its examples again; `--keep-failed` keeps this result"),
        "{err}"
    );

    // The printed command re-checks exactly that claim and its example.
    let command = recheck_command(&run);
    let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();
    let check = b.run(&args);
    let out = stdout(&check);
    assert_eq!(check.code(), 1, "{out}");
    assert!(
        out.contains("FAILED   claim \"It ran the right number"),
        "{out}"
    );
    assert!(out.contains("ok       example steady"), "{out}");
    assert!(!out.contains("example other"), "{out}");

    // The box says when (the runs' time, as results.json has it) and where
    // (the machine the page's footer names).
    let page = page(&b);
    let results: serde_json::Value = serde_json::from_str(&b.read("book/results.json")).unwrap();
    let steady = results["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "steady")
        .unwrap();
    let when = proofbook::render::format::date_time(steady["measured_unix"].as_u64().unwrap());
    let footer = "<p class=\"measured-on\">The examples on this page ran on ";
    let machine = &page[page.find(footer).expect("a footer") + footer.len()..];
    let machine = &machine[..machine.find(". <a").unwrap()];
    assert!(
        page.contains(&format!(
            "<p class=\"claim-judged\">Failed on the runs of {when} on {machine}; the next build runs its examples again.</p>"
        )),
        "{page}"
    );
}

#[test]
fn the_command_names_the_book_folder_and_the_claim_id_when_there_are_some() {
    let b = BookTest::one_chapter(&chapter(FAILS).replace("```claim\n", "```claim id=runs\n"));
    let dir = b.root().display().to_string();
    let run = b.run(&["build", &dir]);
    run.success();
    let command = recheck_command(&run);
    assert_eq!(command, ["proofbook", "check", "[ROOT]", "--claim", "runs"]);
    let check = b.run(&["check", &dir, "--claim", "runs"]);
    let out = stdout(&check);
    assert_eq!(check.code(), 1, "{out}");
    assert!(out.contains("FAILED   claim runs"), "{out}");
    // A claim that is not there is a failed check that lists the claims.
    let check = b.run(&["check", "--claim", "rusn"]);
    let out = stdout(&check);
    assert_eq!(check.code(), 1, "{out}");
    assert!(
        out.contains("`--claim rusn` names no claim of the book; did you mean `runs`?"),
        "{out}"
    );
    assert!(out.contains("give one of: runs"), "{out}");
}

#[test]
fn the_next_build_runs_a_failed_claims_examples_again_unless_kept() {
    let b = BookTest::one_chapter(&chapter(FAILS));
    assert_eq!(b.build().success().example_counts(), (2, 0));
    // `steady` runs again; `other`, which no claim names, does not.
    let again = b.build();
    assert_eq!(again.success().example_counts(), (1, 1));
    assert!(
        again
            .stderr()
            .contains("content/chapter.md:3 runs again: the claim at content/chapter.md:11 failed on its last result"),
        "{}",
        again.stderr()
    );
    assert!(again.stderr().contains("1 claim does not hold"));
    // Pinned for one build: nothing runs, the failure is still reported.
    let kept = b.run(&["build", "--keep-failed"]);
    assert_eq!(kept.success().example_counts(), (0, 2));
    assert!(
        kept.stderr().contains("1 claim does not hold"),
        "{}",
        kept.stderr()
    );
    assert!(page(&b).contains("class=\"claim-judged\""));
    // The pin lasted one build.
    assert_eq!(b.build().success().example_counts(), (1, 1));

    // Once the claim holds on the run it forced, it is not run again.
    b.write("content/chapter.md", &chapter(HOLDS));
    let holds = b.build();
    assert_eq!(holds.success().example_counts(), (1, 1));
    assert!(
        !holds.stderr().contains("does not hold"),
        "{}",
        holds.stderr()
    );
    assert!(!page(&b).contains("claim-judged"));
    assert_eq!(b.build().success().example_counts(), (0, 2));
}

#[test]
fn a_claim_that_holds_on_pinned_results_clears_their_mark() {
    let b = BookTest::one_chapter(&chapter(FAILS));
    b.build().success();
    b.write("content/chapter.md", &chapter(HOLDS));
    let kept = b.run(&["build", "--keep-failed"]);
    assert_eq!(kept.success().example_counts(), (0, 2));
    assert!(
        !kept.stderr().contains("does not hold"),
        "{}",
        kept.stderr()
    );
    assert_eq!(b.build().success().example_counts(), (0, 2));
}

#[test]
fn a_check_replaces_marked_results_with_fresh_ones() {
    // `check` runs fresh but marks nothing: its fresh results replace the
    // marked ones, so the build after it judges those.
    let b = BookTest::one_chapter(&chapter(FAILS));
    b.build().success();
    assert_eq!(b.run(&["check"]).code(), 1);
    let after = b.build();
    assert_eq!(after.success().example_counts(), (0, 2));
    assert!(after.stderr().contains("1 claim does not hold"));
    // ...which failed again, so the next build runs it.
    assert_eq!(b.build().success().example_counts(), (1, 1));
}

/// A member of group `memory` that reports `kib` as its compared figure,
/// so the ratios, and the claim on them, are exact.
fn member(id: &str, options: &str, kib: &str) -> String {
    format!(
        "```python id={id} repeat=2 warmup=0 group=memory compare=kib {options}\n\
         #! import json, os\n\
         #! with open(os.environ[\"PROOFBOOK_METRICS\"], \"a\") as f:\n\
         #!     print(json.dumps({{\"kib\": {kib}}}), file=f)\n\
         ```\n\n"
    )
}

#[test]
fn a_claim_on_a_ratio_reruns_and_rechecks_its_whole_group() {
    let b = BookTest::one_chapter(&format!(
        "# Memory\n\n{}{}```python id=alone\nprint(1)\n```\n\n\
         ```claim id=tasks-heavier\nm-tasks ratio > 5\n```\n",
        member("m-threads", "baseline", "10.0"),
        member("m-tasks", "", "1.0"),
    ));
    let first = b.build();
    assert_eq!(first.success().example_counts(), (3, 0));
    assert_eq!(
        recheck_command(&first),
        ["proofbook", "check", "--claim", "tasks-heavier"]
    );
    // The baseline, which the claim does not name, is half of the ratio.
    assert_eq!(b.build().success().example_counts(), (2, 1));
    let check = b.run(&["check", "--claim", "tasks-heavier"]);
    let out = stdout(&check);
    assert_eq!(check.code(), 1, "{out}");
    assert!(out.contains("FAILED   claim tasks-heavier"), "{out}");
    assert!(out.contains("ok       example m-threads"), "{out}");
    assert!(out.contains("ok       example m-tasks"), "{out}");
    assert!(!out.contains("example alone"), "{out}");
}
