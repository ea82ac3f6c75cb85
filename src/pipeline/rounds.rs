//! `check --rounds N`: the whole check run N times, every example fresh
//! each time, and each claim's verdicts gathered across the rounds, so
//! an author finds a claim that holds only on a quiet machine before CI
//! does.

use super::BuildOptions;
use super::check::{CheckItem, CheckReport, Verdict};
use crate::config::Config;
use crate::diag::Span;

/// One claim (or any other item) across the rounds.
#[derive(Debug, Clone)]
pub struct ItemRounds {
    pub name: String,
    pub span: Option<Span>,
    /// Whether it is a claim (a line of the table) or something else
    /// (an example, a book problem: only its failures are reported).
    pub is_claim: bool,
    pub held: usize,
    pub failed: usize,
    pub skipped: usize,
    /// The smallest margin of the rounds it was judged in, and that
    /// round's comparison as check prints it.
    pub worst: Option<(f64, String)>,
    /// Why it failed or was skipped in the last such round.
    pub last_details: String,
    /// Why it was skipped in the last round it was (its `when`, with what
    /// was measured), kept apart from a failure's details.
    pub skipped_details: String,
}

#[derive(Debug, Default)]
pub struct RoundsReport {
    pub rounds: usize,
    /// In the order of the first round's report.
    pub items: Vec<ItemRounds>,
}

impl RoundsReport {
    /// Adds one round's report.
    pub fn add(&mut self, report: &CheckReport) {
        self.rounds += 1;
        for item in &report.items {
            let at = self
                .items
                .iter()
                .position(|r| r.name == item.name && r.span == item.span);
            let entry = match at {
                Some(i) => &mut self.items[i],
                None => {
                    self.items.push(ItemRounds::new(item));
                    self.items.last_mut().expect("just pushed")
                }
            };
            entry.add(item);
        }
    }

    /// Whether anything failed in any round (the exit status).
    pub fn any_failed(&self) -> bool {
        self.items.iter().any(|i| i.failed > 0)
    }

    pub fn claims(&self) -> impl Iterator<Item = &ItemRounds> {
        self.items.iter().filter(|i| i.is_claim)
    }
}

impl ItemRounds {
    fn new(item: &CheckItem) -> Self {
        ItemRounds {
            name: item.name.clone(),
            span: item.span.clone(),
            is_claim: item.name.starts_with("claim") && item.measured.is_some(),
            held: 0,
            failed: 0,
            skipped: 0,
            worst: None,
            last_details: String::new(),
            skipped_details: String::new(),
        }
    }

    fn add(&mut self, item: &CheckItem) {
        match item.verdict {
            Verdict::Ok => self.held += 1,
            Verdict::Failed => self.failed += 1,
            Verdict::Skipped => self.skipped += 1,
        }
        if item.verdict != Verdict::Ok {
            self.last_details = item.details.clone();
        }
        if item.verdict == Verdict::Skipped {
            self.skipped_details = item.details.clone();
        }
        if let (Some(m), Some(shown)) = (item.margin, &item.measured)
            && self.worst.as_ref().is_none_or(|(w, _)| m < *w)
        {
            self.worst = Some((m, shown.clone()));
        }
    }
}

/// Runs the check `rounds` times with the same options (every example
/// fresh unless they say otherwise), telling `after_round` each round's
/// number and report as it ends.
pub fn check_rounds(
    config: &Config,
    options: &BuildOptions,
    rounds: usize,
    mut after_round: impl FnMut(usize, &CheckReport),
) -> RoundsReport {
    let mut all = RoundsReport::default();
    for round in 1..=rounds {
        let report = super::check::check(config, options);
        after_round(round, &report);
        all.add(&report);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn claim(name: &str, verdict: Verdict, margin: Option<f64>) -> CheckItem {
        CheckItem {
            name: format!("claim {name}"),
            span: None,
            verdict,
            duration: Duration::ZERO,
            details: if verdict == Verdict::Ok {
                String::new()
            } else {
                "it does not hold".into()
            },
            measured: Some(format!("margin {margin:?}")),
            margin,
        }
    }

    fn report(items: Vec<CheckItem>) -> CheckReport {
        CheckReport {
            items,
            ..CheckReport::default()
        }
    }

    #[test]
    fn counts_each_claim_across_rounds_and_keeps_the_worst_margin() {
        let mut all = RoundsReport::default();
        all.add(&report(vec![
            claim("a", Verdict::Ok, Some(1.5)),
            claim("b", Verdict::Ok, Some(3.0)),
        ]));
        all.add(&report(vec![
            claim("a", Verdict::Failed, Some(0.9)),
            claim("b", Verdict::Ok, Some(2.0)),
        ]));
        all.add(&report(vec![
            claim("a", Verdict::Ok, Some(1.2)),
            claim("b", Verdict::Skipped, None),
        ]));
        assert_eq!(all.rounds, 3);
        let a = &all.items[0];
        assert_eq!((a.held, a.failed, a.skipped), (2, 1, 0));
        assert_eq!(a.worst.as_ref().map(|w| w.0), Some(0.9));
        assert_eq!(
            a.worst.as_ref().map(|w| w.1.as_str()),
            Some("margin Some(0.9)")
        );
        let b = &all.items[1];
        assert_eq!((b.held, b.failed, b.skipped), (2, 0, 1));
        assert_eq!(b.worst.as_ref().map(|w| w.0), Some(2.0));
        assert!(all.any_failed());
    }

    #[test]
    fn an_example_is_not_a_claim_but_its_failure_counts() {
        let mut all = RoundsReport::default();
        let mut example = claim("x", Verdict::Failed, None);
        example.name = "example x".into();
        example.measured = None;
        all.add(&report(vec![example, claim("a", Verdict::Ok, Some(1.1))]));
        assert_eq!(all.claims().count(), 1);
        assert!(all.any_failed());
        let mut quiet = RoundsReport::default();
        quiet.add(&report(vec![claim("a", Verdict::Ok, Some(1.1))]));
        assert!(!quiet.any_failed());
    }
}
