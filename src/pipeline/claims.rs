//! Claims (```` ```claim ```` blocks) checked against this build's figures:
//! each holds, fails, or is skipped where its `when` does not apply. The
//! page shows the verdict with its numbers; `check` fails on a failed one,
//! and `build` warns.

use crate::diag::{Diagnostic, Span};
use crate::execute::machine::Fingerprint;
use crate::markdown::Document;
use crate::measure::Unit;
use crate::measure::claim::{self, Machine, Side};
use crate::render::claim::{ClaimView, Judged, Verdict};
use crate::render::run::{date_time, format_value};

use super::measures::Figures;

/// One claim block, checked.
pub(super) struct Checked {
    pub doc: usize,
    /// Its index among the page's code blocks.
    pub block: usize,
    pub span: Option<Span>,
    pub view: ClaimView,
    /// The ids of the examples it is judged on (`judged_on`).
    pub examples: Vec<String>,
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
                    Side::Number(x) => Some((*x, crate::render::run::number(*x), None)),
                    Side::Figure { factor, args } => match figures.quote(args) {
                        Ok(q) => {
                            let shown = if *factor == 1.0 {
                                format!("{} = {}", args.join(" "), q.text)
                            } else {
                                format!(
                                    "{} × {} = {} × {}",
                                    crate::render::run::number(*factor),
                                    args.join(" "),
                                    crate::render::run::number(*factor),
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
            let examples = judged_on(&parsed, docs);
            // A failure says when and where: one unlucky round on a noisy
            // machine must read as that, not as the book's last word.
            let judged = (verdict == Verdict::Fails).then(|| Judged {
                runs: runs_between(examples.iter().filter_map(|id| figures.started_unix(id))),
                machine: machine.summary(),
            });
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
                    judged,
                },
                examples,
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

/// The examples a claim is judged on: those its sides name, and the other
/// members of their groups (a speed-up or ratio is taken against the
/// baseline, in rounds run together), in book order.
pub(super) fn judged_on(parsed: &claim::Claim, docs: &[Document]) -> Vec<String> {
    let named: Vec<&str> = [&parsed.left, &parsed.right]
        .into_iter()
        .filter_map(|side| match side {
            Side::Figure { args, .. } => args.first().map(String::as_str),
            Side::Number(_) => None,
        })
        .collect();
    let specs: Vec<_> = docs
        .iter()
        .flat_map(|d| d.code_blocks())
        .filter_map(|b| b.example.as_ref())
        .collect();
    let group =
        |s: &&crate::markdown::example::ExampleSpec| s.group.as_ref().map(|g| g.name.clone());
    let groups: Vec<String> = specs
        .iter()
        .filter(|s| s.id.as_deref().is_some_and(|id| named.contains(&id)))
        .filter_map(group)
        .collect();
    let mut out: Vec<String> = Vec::new();
    for spec in &specs {
        if let Some(id) = &spec.id
            && (named.contains(&id.as_str()) || group(spec).is_some_and(|g| groups.contains(&g)))
            && !out.contains(id)
        {
            out.push(id.clone());
        }
    }
    out
}

/// `2026-12-06 03:10 UTC`, or `from … to …` when the runs' minutes differ.
fn runs_between(started: impl Iterator<Item = u64>) -> String {
    let started: Vec<u64> = started.collect();
    let (Some(first), Some(last)) = (started.iter().min(), started.iter().max()) else {
        return "unknown times".into();
    };
    let (first, last) = (date_time(*first), date_time(*last));
    if first == last {
        first
    } else {
        format!("from {first} to {last}")
    }
}

/// The claim at `wanted` (`file:line` relative to `root`, as the build's
/// summary prints it, or its `id=`), found among the book's claim blocks,
/// with the examples it is judged on; `Err` says why not (and what the
/// book has).
pub(super) fn find_claim(
    docs: &[Document],
    root: &std::path::Path,
    wanted: &str,
) -> Result<Vec<String>, String> {
    let mut known = Vec::new();
    for block in docs.iter().flat_map(|d| d.code_blocks()) {
        if block.info.lang.as_deref() != Some("claim") {
            continue;
        }
        let place = place(block.span.as_ref(), root);
        let id = block.info.attrs.iter().find_map(|a| a.strip_prefix("id="));
        if place == wanted || id == Some(wanted) {
            return claim::parse(&block.code)
                .map(|parsed| judged_on(&parsed, docs))
                .map_err(|e| format!("the claim at {place} does not parse: {}", e.message));
        }
        known.push(id.map_or(place, str::to_owned));
    }
    let hint = crate::suggest::did_you_mean(wanted, known.iter().map(String::as_str));
    Err(if known.is_empty() {
        format!("`--claim {wanted}` names no claim: the book has none")
    } else {
        format!(
            "`--claim {wanted}` names no claim of the book; {hint}give one of: {}",
            known.join(", ")
        )
    })
}

/// `content/x.md:12`: a claim's place, relative to the book's root.
pub(super) fn place(span: Option<&Span>, root: &std::path::Path) -> String {
    span.map_or_else(String::new, |s| {
        let file = s.file.strip_prefix(root).unwrap_or(&s.file);
        format!("{}:{}", file.display(), s.line)
    })
}

fn python_version(v: &str) -> (u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}
