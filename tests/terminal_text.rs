//! What an example prints reaches the terminal and the CI log only inert:
//! escape sequences and `\r` shown as text, workflow commands of GitHub
//! Actions (`::…`, `##[…]`) and Azure (`##vso[`) defused, and stderr tails
//! and diffs capped. The fixture `hostile-output` floods stderr with
//! 10,000 lines and ends with every trick it knows, then fails.

mod support;

use support::BookTest;

/// Everything proofbook printed, both streams: valid UTF-8, so no stray
/// byte (a lone 0x9b is CSI to an 8-bit terminal) slipped through.
fn all_output(run: &support::Run) -> String {
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).expect("proofbook prints UTF-8");
    format!("{}{}", text(&run.output.stdout), text(&run.output.stderr))
}

/// No raw sequence of the fixture got through, and no line is a command
/// except proofbook's own annotations (`ours`, a prefix), if any.
#[track_caller]
fn assert_inert(out: &str, ours: Option<&str>) {
    for raw in ['\x1b', '\r', '\x07', '\u{9b}', '\u{202e}', '\u{202c}'] {
        assert!(!out.contains(raw), "{raw:?} got through:\n{out}");
    }
    for line in out.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("::") {
            let ours = ours.is_some_and(|p| line.starts_with(p));
            assert!(ours, "a workflow command got through: {line}");
        }
        assert!(!line.contains("##["), "a ##[ command got through: {line}");
        assert!(
            !line.contains("##vso["),
            "a ##vso[ command got through: {line}"
        );
    }
}

/// The tricks are shown, escaped, where they can be read.
#[track_caller]
fn assert_shown_escaped(out: &str) {
    for shown in [
        "\\x1b[2J\\x1b[H\\x1b]0;owned\\x07\\x1b[31mRED\\x1b[0m",
        "all tests FAILED\\rall tests passed",
        "\\::error file=forged.py,line=1::forged annotation",
        "\\::stop-commands::pwned",
        "   \\::warning::indented forgery",
        "  ##\\[group]folded away",
        "section_start:1700000000:hidden\\r\\x1b[0Kgitlab section",
        "\\u{9b}2J a C1 CSI, and \\u{202e}desrever\\u{202c} text",
        "##\\vso[task.setvariable",
        "é\\x1b[5mblink\\x1b[25m日本",
        // Bytes that are not UTF-8 arrive as U+FFFD; the ESC among them shown.
        "raw \u{fffd}2J and \\x1b[31m bytes",
        // From the diff of what the second example printed on stdout.
        "+\\x1b[1mbold\\x1b[0m",
        "+##\\[endgroup]",
    ] {
        assert!(out.contains(shown), "missing {shown:?} in:\n{out}");
    }
}

/// Ten thousand lines became twelve and a count; the long line was cut.
#[track_caller]
fn assert_capped(out: &str) {
    assert!(out.contains("… 10000 earlier lines"), "{out}");
    assert!(!out.contains("filler 9999"), "{out}");
    assert!(out.contains("… (4700 more characters)"), "{out}");
    assert!(out.contains("… 95 more lines"), "{out}");
    assert!(
        !out.contains("\n+5\n") && !out.contains("%0A+5%0A"),
        "{out}"
    );
    assert!(out.lines().count() < 150, "{} lines", out.lines().count());
}

#[test]
fn a_build_quotes_a_hostile_example_inert_and_capped() {
    let b = BookTest::from_fixture("hostile-output");
    let run = b.build();
    run.failure();
    let out = all_output(&run);
    assert_inert(&out, None);
    assert_shown_escaped(&out);
    assert_capped(&out);
}

#[test]
fn check_in_github_actions_emits_only_its_own_annotations() {
    let b = BookTest::from_fixture("hostile-output");
    let run = b.run_with_env(
        &["check", "--junit", "report.xml"],
        &[("GITHUB_ACTIONS", "true")],
    );
    run.failure();
    let out = all_output(&run);
    // The JUnit report, which CI pages show too, quotes them inert.
    let junit = b.read("report.xml");
    assert_inert(&junit, None);
    assert!(junit.contains("\\x1b[31mRED"), "{junit}");
    let ours = "::error file=content/hostile.md,line=";
    assert_inert(&out, Some(ours));
    assert_shown_escaped(&out);
    assert_capped(&out);
    // Both failures are annotated, each on one line, after the forged
    // `::stop-commands::` lines that would otherwise have silenced them.
    let annotations: Vec<&str> = out.lines().filter(|l| l.starts_with(ours)).collect();
    assert_eq!(annotations.len(), 2, "{out}");
    assert!(
        annotations[0].contains("\\::stop-commands::pwned%0A"),
        "{out}"
    );
}

#[test]
fn a_file_name_cannot_add_properties_to_an_annotation_or_escape_the_terminal() {
    // A chapter whose name tries to end the `file=` property and start a
    // `line=` of its own, and carries an escape sequence.
    let b = BookTest::empty();
    let name = "a,line=99::\x1b[2Jb.md";
    b.write(
        "content/SUMMARY.md",
        "# Summary\n\n- [Chapter](<a,line=99::\x1b[2Jb.md>)\n",
    )
    .write(
        &format!("content/{name}"),
        "# Chapter\n\n```python\nraise SystemExit(1)\n```\n",
    );
    let run = b.run_with_env(&["check"], &[("GITHUB_ACTIONS", "true")]);
    run.failure();
    let out = all_output(&run);
    assert!(!out.contains('\x1b'), "{out}");
    let annotation = out
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation:\n{out}"));
    assert!(
        annotation.starts_with("::error file=content/a%2Cline=99%3A%3A\\x1b[2Jb.md,line=3::"),
        "{annotation}"
    );
}
