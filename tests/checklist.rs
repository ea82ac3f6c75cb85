//! Decision checklists (```` ```checklist ```` blocks of TOML) on the
//! fixture book `tests/books/measure`, whose `choose.md` includes
//! `choose.toml`: its answers lead to questions and recommendations, and
//! its evidence quotes this build's figures and cites its claims.

mod support;

use support::{BookTest, broken_internal_links, main_of};

#[test]
fn a_checklist_links_every_answer_and_shows_this_builds_evidence() {
    let b = BookTest::from_fixture("measure");
    b.build().success();
    let page = b.read("book/choose.html");
    let main = main_of(&page);
    let checklist = &main[main
        .find("<div class=\"checklist\" id=\"checklist\" data-start=\"checklist-q-kind\">")
        .expect("the checklist")..];
    // Every answer leads to a step of the checklist on this page.
    let targets: Vec<&str> = checklist
        .split("<a class=\"checklist-answer\" href=\"#")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(
        targets,
        [
            "checklist-q-cores",
            "checklist-r-threads",
            "checklist-r-processes",
            "checklist-r-sequential"
        ]
    );
    for t in &targets {
        assert!(checklist.contains(&format!(" id=\"{t}\"")), "{t}");
    }
    // Fields are Markdown of the page: emphasis, and links made relative.
    assert!(checklist.contains("It <strong>computes</strong>"));
    assert!(checklist.contains("<a href=\"cpu.html#cpu-bound-work\">the CPU chapter</a>"));
    // Evidence: a figure of this build, linked to its example…
    let quoted = &checklist[checklist.find("Processes ran at ").unwrap()..];
    let quoted = &quoted[..quoted.find("</a>").unwrap()];
    assert!(
        quoted.contains("href=\"cpu.html#example-cpu-procs\""),
        "{quoted}"
    );
    assert!(quoted.ends_with('×'), "{quoted}");
    // …and the verdicts of the claims it cites, linked to the claims.
    for claim in ["processes-speed-up", "threads-no-speedup"] {
        let link = format!("\"><a href=\"cpu.html#claim-{claim}\">");
        let at = checklist
            .find(&link)
            .unwrap_or_else(|| panic!("{claim}: {checklist}"));
        let class = &checklist[..at];
        let class = &class[class.rfind("<span class=\"verdict ").unwrap()..];
        assert!(
            ["verified", "failed", "skipped"]
                .iter()
                .any(|v| class.ends_with(v)),
            "{class}"
        );
    }
    let sequential = &checklist[checklist.find("id=\"checklist-r-sequential\"").unwrap()..];
    assert!(sequential.contains("href=\"cpu.html#example-cpu-seq\""));
    assert_eq!(
        broken_internal_links(&b.root().join("book")),
        Vec::<String>::new()
    );
}

#[test]
fn a_broken_checklist_is_an_error_at_the_line_of_its_toml() {
    let b = BookTest::from_fixture("measure");
    let toml = b.read("content/choose.toml");
    b.write(
        "content/choose.toml",
        &toml.replace("then = \"threads\"", "then = \"thread\""),
    );
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(
        err.contains("`then = \"thread\"` names no question or recommendation"),
        "{err}"
    );
    assert!(err.contains("choose.toml:7:"), "{err}");
    // Nothing was written: the old site (none here) stays.
    assert!(!b.root().join("book/choose.html").exists());
}

#[test]
fn a_checklist_citing_an_unknown_claim_fails_check_at_the_citation() {
    let b = BookTest::from_fixture("measure");
    let toml = b.read("content/choose.toml");
    b.write(
        "content/choose.toml",
        &toml.replace(
            "claim = \"threads-no-speedup\"",
            "claim = \"no-such-claim\"",
        ),
    );
    let run = b.run(&["check"]);
    run.failure();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&run.output.stdout),
        run.stderr()
    );
    assert!(out.contains("no claim has the id `no-such-claim`"), "{out}");
    assert!(out.contains("choose.toml:26"), "{out}");
}
