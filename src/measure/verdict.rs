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
    /// A figure of a run under an optional interpreter this machine lacks:
    /// the reference as written, with no number.
    Absent { written: String },
}

impl Shown {
    /// The side's value in the figure's base unit.
    pub fn value(&self) -> f64 {
        match self {
            Shown::Number { x, .. } => *x,
            Shown::Figure { factor, quote, .. } => factor * quote.x,
            Shown::Absent { .. } => f64::NAN,
        }
    }
}

/// How far a judged claim is from turning: the side that should be larger
/// over the other (1.25 means 25 % to spare; below 1, it failed by that
/// much). None when a side is not positive, where a ratio says nothing.
pub fn margin(c: &CheckedClaim) -> Option<f64> {
    let (left, right) = (c.left.value(), c.right.value());
    if !(left > 0.0 && right > 0.0) {
        return None;
    }
    Some(match c.op {
        "<" | "≤" => right / left,
        _ => left / right,
    })
}

/// When and where a failed claim was judged, said in its box with what
/// happens next, so a reader (and the author) can tell one unlucky round
/// on one machine from the book's last word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// When the first and the last of its runs started (Unix seconds);
    /// none when no run it names has a record.
    pub runs: Option<(u64, u64)>,
    /// The machine, as the page's "ran on" footer names it.
    pub machine: String,
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
    /// Whether a `when` names `free-cores`, and the fewest free cores its
    /// examples had while they ran (none: not measured).
    pub measures_free: bool,
    pub free_cores: Option<f64>,
    pub python_version: String,
    pub verdict: Verdict,
    /// For a failed claim: when and where it was judged.
    pub judged: Option<Judged>,
    /// The ids of the examples it is judged on (`judged_on`).
    pub examples: Vec<String>,
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
        free_threaded: false,
        free_cores: None,
    };
    let mut out = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for (b, block) in doc.code_blocks().enumerate() {
            if !block.info.is_claim() {
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
            // The interpreters the claim's runs ran under (the default's
            // when none is named), which `when python`/`free-threaded` test;
            // and an optional interpreter this machine lacks.
            let mut under: Vec<Machine> = Vec::new();
            // How the claim's box names them: `3.13.5 free-threaded`.
            let mut versions: Vec<String> = Vec::new();
            let mut not_here: Option<String> = None;
            let mut side = |s: &Side| -> Option<(f64, Shown, Option<Unit>)> {
                match s {
                    Side::Number(x) => Some((*x, Shown::Number { x: *x, unit: None }, None)),
                    Side::Figure { factor, args } => match figures.quote(args) {
                        Ok(q) => {
                            if let Some(r) = &q.ran_under {
                                let build = if r.free_threaded {
                                    " free-threaded"
                                } else {
                                    ""
                                };
                                let version = format!("{}{build}", r.version);
                                if !versions.contains(&version) {
                                    versions.push(version);
                                }
                            }
                            under.push(match &q.ran_under {
                                Some(r) => Machine {
                                    python: python_version(&r.version),
                                    free_threaded: r.free_threaded,
                                    ..here
                                },
                                None => here,
                            });
                            Some((
                                factor * q.quote.x,
                                Shown::Figure {
                                    factor: *factor,
                                    written: args.join(" "),
                                    quote: q.quote,
                                },
                                q.unit,
                            ))
                        }
                        Err((message, _)) if crate::execute::named::is_not_here(&message) => {
                            not_here = Some(message);
                            let written = args.join(" ");
                            Some((f64::NAN, Shown::Absent { written }, None))
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
            let examples = judged_on(&parsed, docs);
            // Each interpreter's run, for an example run under several.
            let runs: Vec<String> = examples.iter().flat_map(|id| figures.runs_of(id)).collect();
            let measures_free = parsed
                .when
                .iter()
                .any(|c| c.quantity == claim::Quantity::FreeCores);
            let here = Machine {
                free_cores: measures_free.then(|| least_free(&runs, figures)).flatten(),
                ..here
            };
            // Free cores are the runs'; the interpreter each side's.
            if under.is_empty() {
                under.push(here);
            }
            for m in &mut under {
                m.free_cores = here.free_cores;
            }
            let mut unmet: Vec<String> = parsed
                .when
                .iter()
                .filter(|c| !under.iter().all(|m| c.holds(m)))
                .map(|c| c.text.clone())
                .collect();
            unmet.extend(not_here);
            let verdict = if !unmet.is_empty() {
                Verdict::Skipped
            } else if parsed.op.holds(left, right) {
                Verdict::Holds
            } else {
                Verdict::Fails
            };
            // A failure says when and where: one unlucky round on a noisy
            // machine must read as that, not as the book's last word.
            let judged = (verdict == Verdict::Fails).then(|| {
                let started: Vec<u64> = runs
                    .iter()
                    .filter_map(|id| figures.started_unix(id))
                    .collect();
                Judged {
                    runs: started
                        .iter()
                        .min()
                        .zip(started.iter().max())
                        .map(|(a, b)| (*a, *b)),
                    machine: machine.summary(),
                }
            });
            let id = block.info.claim_id().map(str::to_owned);
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
                unmet,
                usable_cores: machine.usable_cores,
                free_cores: here.free_cores,
                measures_free,
                // The interpreters its runs ran under, when they are named
                // ones: what its `when python` was judged on.
                python_version: if versions.is_empty() {
                    machine.python_version.clone()
                } else {
                    versions.join(" and ")
                },
                verdict,
                judged,
                examples,
            });
        }
    }
    out
}

/// The fewest cores left free while any of `examples` ran (each one's
/// median over its runs): a claim on them is only as sound as its least
/// quiet member. None when one of them has no such figure.
fn least_free(examples: &[String], figures: &Figures<'_>) -> Option<f64> {
    let free: Option<Vec<f64>> = examples.iter().map(|id| figures.free_cores(id)).collect();
    free?.into_iter().reduce(f64::min)
}

/// Whether every figure of the claim comes from an example that ran. A
/// side naming an id no example of the book has still counts as selected,
/// so a typo is an error under `--filter` too.
fn claim_is_selected(parsed: &claim::Claim, figures: &Figures<'_>, docs: &[Document]) -> bool {
    [&parsed.left, &parsed.right]
        .into_iter()
        .all(|side| match side {
            Side::Number(_) => true,
            // `ID@NAME` is a run of example ID: unselected when ID is an
            // example whose run did not happen in this selection.
            Side::Figure { args, .. } => args.first().is_none_or(|id| {
                let example = id.split_once('@').map_or(id.as_str(), |(id, _)| id);
                figures.has(id) || !crate::measure::quote::is_example_id(docs, example)
            }),
        })
}

/// The examples a claim is judged on: those its sides name, and the other
/// members of their groups (a speed-up or ratio is taken against the
/// baseline, in rounds run together), in book order.
pub(crate) fn judged_on(parsed: &claim::Claim, docs: &[Document]) -> Vec<String> {
    let named: Vec<&str> = [&parsed.left, &parsed.right]
        .into_iter()
        .filter_map(|side| match side {
            // `ID@NAME` is a run of example ID: the whole example is
            // judged on (a matrix's runs are one example).
            Side::Figure { args, .. } => args
                .first()
                .map(|id| id.split_once('@').map_or(id.as_str(), |(id, _)| id)),
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

/// The claim at `wanted` (`file:line` relative to `root`, as the build's
/// summary prints it, or its `id=`), found among the book's claim blocks,
/// with the examples it is judged on; `Err` says why not (and what the
/// book has).
pub(crate) fn find_claim(
    docs: &[Document],
    root: &std::path::Path,
    wanted: &str,
) -> Result<Vec<String>, String> {
    let mut known = Vec::new();
    for block in docs.iter().flat_map(|d| d.code_blocks()) {
        if !block.info.is_claim() {
            continue;
        }
        let place = place(block.span.as_ref(), root);
        let id = block.info.claim_id();
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
pub(crate) fn place(span: Option<&Span>, root: &std::path::Path) -> String {
    span.map_or_else(String::new, |s| {
        let file = s.file.strip_prefix(root).unwrap_or(&s.file);
        format!("{}:{}", file.display(), s.line)
    })
}

fn python_version(v: &str) -> (u32, u32) {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}
