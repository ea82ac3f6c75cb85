//! Claims (```` ```claim ```` blocks) checked against this build's figures:
//! each holds, fails, or is skipped where its `when` does not apply. The
//! result is a `CheckedClaim` of plain data; `render::claim` draws it where
//! the block was, `check` fails on a failed one, and `build` warns.

use crate::diag::{Diagnostic, Span};
use crate::execute::machine::Fingerprint;
use crate::markdown::Document;
use crate::measure::Unit;
use crate::measure::claim::{self, Machine, Side};
use crate::measure::quote::{Figures, Quote};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    Fails,
    /// Its `when` does not hold on this machine.
    Skipped,
}

/// One side of a claim's comparison, with this build's numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// A number the claim writes, in the unit of the figure it is compared
    /// with (`cpu_util = 96% < 115%`, not `< 1.15`), if that has one.
    Number { x: f64, unit: Option<Unit> },
    /// `FACTOR × ID FIGURE…`: the reference as written and its value.
    Figure {
        factor: f64,
        written: String,
        quote: Quote,
    },
}

/// One claim block, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedClaim {
    pub doc: usize,
    /// Its index among the page's code blocks.
    pub block: usize,
    pub span: Option<Span>,
    pub id: Option<String>,
    pub says: Option<String>,
    pub left: Shown,
    /// The comparison's symbol (`≥`).
    pub op: &'static str,
    pub right: Shown,
    pub when: Vec<String>,
    /// The conditions this machine does not meet.
    pub unmet: Vec<String>,
    /// The machine it was judged on.
    pub usable_cores: usize,
    pub python_version: String,
    pub verdict: Verdict,
}

/// With `selection` (`check --filter`), only the claims whose every figure
/// comes from a selected example are checked; the rest are left out, not
/// failed, since their examples did not run.
pub(crate) fn check_claims(
    docs: &[Document],
    figures: &Figures<'_>,
    machine: &Fingerprint,
    selection: bool,
    diags: &mut Vec<Diagnostic>,
) -> Vec<CheckedClaim> {
    let (major, minor) = python_version(&machine.python_version);
    let here = Machine {
        cores: machine.usable_cores,
        logical_cores: machine.logical_cores,
        python: (major, minor),
    };
    let mut out = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for (b, block) in doc.code_blocks().enumerate() {
            if block.info.lang.as_deref() != Some("claim") {
                continue;
            }
            let at_line = |n: usize| {
                block
                    .span
                    .as_ref()
                    .map(|s| Span::new(&s.file, s.line + 1 + n as u32, 1, 1))
            };
            let parsed = match claim::parse(&block.code) {
                Ok(c) => c,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            format!("this claim does not parse: {}", e.message),
                            at_line(e.line),
                        )
                        .with_help("see README: Claims"),
                    );
                    continue;
                }
            };
            if selection && !claim_is_selected(&parsed, figures, docs) {
                continue;
            }
            let mut side = |s: &Side| -> Option<(f64, Shown, Option<Unit>)> {
                match s {
                    Side::Number(x) => Some((*x, Shown::Number { x: *x, unit: None }, None)),
                    Side::Figure { factor, args } => match figures.quote(args) {
                        Ok(q) => Some((
                            factor * q.quote.x,
                            Shown::Figure {
                                factor: *factor,
                                written: args.join(" "),
                                quote: q.quote,
                            },
                            q.unit,
                        )),
                        Err((message, help)) => {
                            diags.push(
                                Diagnostic::error(
                                    format!("in this claim, `{}`: {message}", args.join(" ")),
                                    at_line(parsed.line),
                                )
                                .with_help(help),
                            );
                            None
                        }
                    },
                }
            };
            let (
                Some((left, mut left_shown, left_unit)),
                Some((right, mut right_shown, right_unit)),
            ) = (side(&parsed.left), side(&parsed.right))
            else {
                continue;
            };
            // A number is written in the unit of the figure it is compared
            // with.
            if let Shown::Number { unit, .. } = &mut left_shown {
                *unit = right_unit;
            }
            if let Shown::Number { unit, .. } = &mut right_shown {
                *unit = left_unit;
            }
            let unmet: Vec<&claim::Condition> =
                parsed.when.iter().filter(|c| !c.holds(&here)).collect();
            let verdict = if !unmet.is_empty() {
                Verdict::Skipped
            } else if parsed.op.holds(left, right) {
                Verdict::Holds
            } else {
                Verdict::Fails
            };
            let id = block
                .info
                .attrs
                .iter()
                .find_map(|a| a.strip_prefix("id="))
                .map(str::to_owned);
            out.push(CheckedClaim {
                doc: d,
                block: b,
                span: block.span.clone(),
                id,
                says: parsed.says.clone(),
                left: left_shown,
                op: parsed.op.symbol(),
                right: right_shown,
                when: parsed.when.iter().map(|c| c.text.clone()).collect(),
                unmet: unmet.iter().map(|c| c.text.clone()).collect(),
                usable_cores: machine.usable_cores,
                python_version: machine.python_version.clone(),
                verdict,
            });
        }
    }
    out
}

/// Whether every figure of the claim comes from an example that ran. A
/// side naming an id no example of the book has still counts as selected,
/// so a typo is an error under `--filter` too.
fn claim_is_selected(parsed: &claim::Claim, figures: &Figures<'_>, docs: &[Document]) -> bool {
    [&parsed.left, &parsed.right]
        .into_iter()
        .all(|side| match side {
            Side::Number(_) => true,
            Side::Figure { args, .. } => args.first().is_none_or(|id| {
                figures.has(id) || !crate::measure::quote::is_example_id(docs, id)
            }),
        })
}

fn python_version(v: &str) -> (u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}
