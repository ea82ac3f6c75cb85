//! Claims (```` ```claim ```` blocks) checked against this build's figures:
//! each holds, fails, or is skipped where its `when` does not apply. The
//! page shows the verdict with its numbers; `check` fails on a failed one,
//! and `build` warns.

use crate::diag::{Diagnostic, Span};
use crate::execute::machine::Fingerprint;
use crate::markdown::Document;
use crate::measure::Unit;
use crate::measure::claim::{self, Machine, Side};
use crate::render::claim::{ClaimView, Verdict};
use crate::render::format::format_value;

use super::measures::Figures;

/// One claim block, checked.
pub(super) struct Checked {
    pub doc: usize,
    /// Its index among the page's code blocks.
    pub block: usize,
    pub span: Option<Span>,
    pub view: ClaimView,
}

/// With `selection` (`check --filter`), only the claims whose every figure
/// comes from a selected example are checked; the rest are left out, not
/// failed, since their examples did not run.
pub(super) fn check_claims(
    docs: &[Document],
    figures: &Figures<'_>,
    machine: &Fingerprint,
    selection: bool,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Checked> {
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
            let mut side = |s: &Side| -> Option<(f64, String, Option<Unit>)> {
                match s {
                    Side::Number(x) => Some((*x, crate::render::format::number(*x), None)),
                    Side::Figure { factor, args } => match figures.quote(args) {
                        Ok(q) => {
                            let shown = if *factor == 1.0 {
                                format!("{} = {}", args.join(" "), q.text)
                            } else {
                                format!(
                                    "{} × {} = {} × {}",
                                    crate::render::format::number(*factor),
                                    args.join(" "),
                                    crate::render::format::number(*factor),
                                    q.text
                                )
                            };
                            Some((factor * q.x, shown, q.unit))
                        }
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
            let (Some((left, mut left_text, left_unit)), Some((right, mut right_text, right_unit))) =
                (side(&parsed.left), side(&parsed.right))
            else {
                continue;
            };
            // A number is written in the unit of the figure it is compared
            // with (`cpu_util = 96% < 115%`, not `< 1.15`).
            if let (Side::Number(x), Some(unit)) = (&parsed.left, right_unit) {
                left_text = format_value(*x, unit);
            }
            if let (Side::Number(x), Some(unit)) = (&parsed.right, left_unit) {
                right_text = format_value(*x, unit);
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
            out.push(Checked {
                doc: d,
                block: b,
                span: block.span.clone(),
                view: ClaimView {
                    id,
                    says: parsed.says.clone(),
                    comparison: format!("{left_text} {} {right_text}", parsed.op.symbol()),
                    when: parsed.when.iter().map(|c| c.text.clone()).collect(),
                    unmet: unmet.iter().map(|c| c.text.clone()).collect(),
                    machine: format!(
                        "{} usable cores, Python {}",
                        machine.usable_cores, machine.python_version
                    ),
                    verdict,
                },
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
            Side::Figure { args, .. } => args
                .first()
                .is_none_or(|id| figures.has(id) || !super::measures::is_example_id(docs, id)),
        })
}

fn python_version(v: &str) -> (u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}
