//! `check --rounds N`: prints one line per round as it ends, then a table
//! of every claim (how often it held, its worst margin and the comparison
//! in that round), then whatever else failed in any round.

use std::path::Path;
use std::process::ExitCode;

use proofbook::BuildOptions;
use proofbook::config::Config;
use proofbook::pipeline::check::Verdict;
use proofbook::pipeline::rounds::{ItemRounds, RoundsReport, check_rounds};
use proofbook::terminal_text::neutralise;

pub(super) fn execute(config: &Config, options: &BuildOptions, rounds: usize) -> ExitCode {
    let all = check_rounds(config, options, rounds, |round, report| {
        println!(
            "round {round} of {rounds}: {} passed, {} failed, {} skipped",
            report.count(Verdict::Ok),
            report.count(Verdict::Failed),
            report.count(Verdict::Skipped)
        );
    });
    print_table(&all, &config.root);
    if all.any_failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn print_table(all: &RoundsReport, root: &Path) {
    println!();
    println!(
        "{:<40} {:>7} {:>8}  {:<36} comparison in its worst round",
        "claim", "held", "margin", "at"
    );
    for claim in all.claims() {
        let judged = claim.held + claim.failed;
        let held = format!("{}/{judged}", claim.held);
        let margin = claim
            .worst
            .as_ref()
            .map_or_else(|| "-".to_owned(), |(m, _)| format!("×{m:.2}"));
        let shown = claim.worst.as_ref().map_or("", |(_, s)| s.as_str());
        let skipped = match claim.skipped {
            0 => String::new(),
            n => format!(" (skipped in {n} of {} rounds)", all.rounds),
        };
        println!(
            "{:<40} {held:>7} {margin:>8}  {:<36} {}{skipped}",
            neutralise(claim.name.trim_start_matches("claim ")),
            place(claim, root),
            neutralise(shown)
        );
    }
    let failed: Vec<&ItemRounds> = all.items.iter().filter(|i| i.failed > 0).collect();
    print_details(
        "FAILED",
        &failed,
        |i| (i.failed, &i.last_details),
        all.rounds,
        root,
    );
    // A claim skipped in some round says why (its `when`, and what was
    // measured, such as the free cores), so "not judged" is never silent.
    let skipped: Vec<&ItemRounds> = all.claims().filter(|c| c.skipped > 0).collect();
    print_details(
        "skipped",
        &skipped,
        |i| (i.skipped, &i.skipped_details),
        all.rounds,
        root,
    );
    println!("{}", summary(all));
}

/// `---- WHAT in N of M rounds: NAME at PLACE` and the details, for each
/// item; `of` gives an item's round count and details for WHAT.
fn print_details(
    what: &str,
    items: &[&ItemRounds],
    of: impl Fn(&ItemRounds) -> (usize, &String),
    rounds: usize,
    root: &Path,
) {
    if items.is_empty() {
        return;
    }
    println!();
    for item in items {
        let (count, details) = of(item);
        println!(
            "---- {what} in {count} of {rounds} rounds: {} at {}",
            neutralise(&item.name),
            place(item, root)
        );
        println!("{}\n", neutralise(details.trim_end()));
    }
}

/// The last line: a claim skipped in every round held nowhere, so it is
/// counted apart from those that held every round they were judged in.
fn summary(all: &RoundsReport) -> String {
    let flaky = all.claims().filter(|c| c.failed > 0).count();
    let never = all.claims().filter(|c| c.held + c.failed == 0).count();
    let held = all.claims().filter(|c| c.failed == 0 && c.held > 0).count();
    let never = match never {
        0 => String::new(),
        n => format!(", {n} never judged (skipped every round)"),
    };
    format!(
        "{} claims over {} rounds: {held} held every round it was judged{never}, {flaky} failed at least once",
        all.claims().count(),
        all.rounds,
    )
}

fn place(item: &ItemRounds, root: &Path) -> String {
    item.span.as_ref().map_or_else(
        || "-".to_owned(),
        |s| {
            let file = s.file.strip_prefix(root).unwrap_or(&s.file);
            neutralise(&format!("{}:{}", file.display(), s.line))
        },
    )
}
