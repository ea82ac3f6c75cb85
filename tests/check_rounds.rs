//! `check --rounds N` runs the examples N times and reports, per claim,
//! how many rounds it held and its worst margin; it fails when anything
//! failed in any round.

mod support;

use support::BookTest;

/// A chapter with one example run three times and the given claims on it.
fn chapter(claims: &[&str]) -> String {
    let mut text =
        "# Claims\n\n```python id=steady repeat=3 warmup=0\nprint('x')\n```\n".to_owned();
    for (i, claim) in claims.iter().enumerate() {
        text.push_str(&format!(
            "\n```claim id=c{i}\nsays: claim {i}\n{claim}\n```\n"
        ));
    }
    text
}

fn line_of<'a>(out: &'a str, claim: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(claim))
        .unwrap_or_else(|| panic!("no line for {claim}:\n{out}"))
}

#[test]
fn every_round_runs_and_each_claim_gets_its_count_and_worst_margin() {
    let b = BookTest::one_chapter(&chapter(&["steady wall n >= 2", "steady wall n < 4"]));
    let run = b.run(&["check", "--rounds", "2"]);
    let out = String::from_utf8_lossy(&run.output.stdout).into_owned();
    assert_eq!(run.code(), 0, "{out}");
    assert!(out.contains("round 1 of 2: "), "{out}");
    assert!(out.contains("round 2 of 2: "), "{out}");
    let c0 = line_of(&out, "c0");
    assert!(c0.contains(" 2/2 "), "{c0}");
    // n = 3 against 2: the larger side is half as large again.
    assert!(c0.contains("×1.50"), "{c0}");
    let c1 = line_of(&out, "c1");
    assert!(c1.contains(" 2/2 "), "{c1}");
    assert!(c1.contains("×1.33"), "{c1}");
    assert!(
        out.contains("2 claims over 2 rounds: 2 held every round"),
        "{out}"
    );
}

#[test]
fn a_claim_that_fails_in_a_round_fails_the_command_and_says_why() {
    let b = BookTest::one_chapter(&chapter(&["steady wall n >= 3", "steady wall n > 3"]));
    let run = b.run(&["check", "--rounds", "2"]);
    let out = String::from_utf8_lossy(&run.output.stdout).into_owned();
    assert_eq!(run.code(), 1, "{out}");
    assert!(line_of(&out, "c0").contains(" 2/2 "), "{out}");
    let c1 = line_of(&out, "c1");
    assert!(c1.contains(" 0/2 "), "{c1}");
    assert!(c1.contains("×1.00"), "{c1}");
    assert!(
        out.contains("---- FAILED in 2 of 2 rounds: claim c1"),
        "{out}"
    );
    assert!(
        out.contains("it does not hold: steady wall n = 3 > 3"),
        "{out}"
    );
    assert!(out.contains("1 failed at least once"), "{out}");
}

#[test]
fn a_claim_never_judged_says_why_and_is_not_counted_as_held() {
    let b = BookTest::one_chapter(&chapter(&[
        "steady wall n >= 3",
        "steady wall n >= 3\nwhen free-cores >= 4096",
    ]));
    let run = b.run(&["check", "--rounds", "2"]);
    let out = String::from_utf8_lossy(&run.output.stdout).into_owned();
    assert_eq!(run.code(), 0, "{out}");
    let c1 = line_of(&out, "c1");
    assert!(c1.contains(" 0/0 "), "{c1}");
    assert!(c1.contains("(skipped in 2 of 2 rounds)"), "{c1}");
    let why = &out[out
        .find("---- skipped in 2 of 2 rounds: claim c1")
        .unwrap_or_else(|| panic!("no reason for c1:\n{out}"))..];
    assert!(why.contains("free while its examples ran"), "{why}");
    assert!(
        out.contains(
            "2 claims over 2 rounds: 1 held every round it was judged, 1 never judged (skipped every round), 0 failed at least once"
        ),
        "{out}"
    );
}

#[test]
fn zero_rounds_is_refused() {
    let b = BookTest::one_chapter(&chapter(&["steady wall n >= 3"]));
    let run = b.run(&["check", "--rounds", "0"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
}
