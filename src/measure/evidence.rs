//! What this build's figures add up to, once the examples have answered:
//! each group's comparison, the figures quoted in prose (`quote`), the
//! claims (`verdict`) and the claims cited elsewhere, and the machine they
//! were measured on. All plain data: `build` hands it to `render`, which
//! draws it, and `check` turns it into verdicts; both get it from `weigh`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::execute::machine::Fingerprint;
use crate::execute::{ExampleAt, Job, RunResult};
use crate::markdown::Document;
use crate::measure::compare::{Comparison, Member};
use crate::measure::quote::{self, Figures, Quote};
use crate::measure::verdict::{CheckedClaim, check_claims};

/// The evidence of one build.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Each comparison, and the example its chart follows.
    pub comparisons: Vec<(ExampleAt, Comparison)>,
    /// Each `{{#measure}}`, per document, by reference index.
    pub quoted: Vec<BTreeMap<usize, Quote>>,
    /// Each `{{#measure}}` of a run under an optional interpreter this
    /// machine lacks, per document: why it is not measured.
    pub not_here: Vec<BTreeMap<usize, String>>,
    pub claims: Vec<CheckedClaim>,
    /// Each claim a checklist cites, per document, by reference index.
    pub cited: Vec<BTreeMap<usize, Cited>>,
    /// Where it was measured (none when the examples could not run).
    pub machine: Option<Fingerprint>,
}

/// A claim cited elsewhere (a checklist's evidence), and the link to it
/// from the citing page.
#[derive(Debug, Clone, PartialEq)]
pub struct Cited {
    pub claim: CheckedClaim,
    pub href: String,
}

/// Compares the groups, resolves quoted figures and checks claims. With
/// `selection` (`check --filter`, where only some examples ran) the prose
/// is not resolved and only the claims on selected examples are checked.
/// Nothing when the examples could not run (the reason is already in
/// `diags`).
pub fn weigh(
    docs: &[Document],
    page_paths: &[PathBuf],
    (jobs, results): (&[Job<'_>], &[RunResult]),
    machine: Option<&Fingerprint>,
    selection: bool,
    diags: &mut Vec<Diagnostic>,
) -> Evidence {
    let mut evidence = Evidence {
        quoted: vec![BTreeMap::new(); docs.len()],
        not_here: vec![BTreeMap::new(); docs.len()],
        cited: vec![BTreeMap::new(); docs.len()],
        ..Evidence::default()
    };
    if results.len() != jobs.len() {
        return evidence;
    }
    let (comparisons, members) = compare_groups(jobs, results, diags);
    evidence.comparisons = comparisons;
    if !selection {
        (evidence.quoted, evidence.not_here) =
            quote::resolve(docs, page_paths, jobs, results, &members, diags);
    }
    if let Some(machine) = machine {
        let figures = Figures::new(docs, jobs, results, &members);
        evidence.claims = check_claims(docs, &figures, machine, selection, diags);
        if !selection {
            evidence.cited = cited(docs, page_paths, &evidence.claims, diags);
        }
        evidence.machine = Some(machine.clone());
    }
    evidence
}

/// Each claim a checklist cites, as its verdict linked to the claim; an id
/// that names no claim is an error where it is cited.
fn cited(
    docs: &[Document],
    page_paths: &[PathBuf],
    claims: &[CheckedClaim],
    diags: &mut Vec<Diagnostic>,
) -> Vec<BTreeMap<usize, Cited>> {
    let mut out = vec![BTreeMap::new(); docs.len()];
    for (d, doc) in docs.iter().enumerate() {
        for (n, cited) in doc.verdicts.iter().enumerate() {
            let found = claims
                .iter()
                .find(|c| c.id.as_deref() == Some(cited.claim.as_str()));
            let Some(claim) = found else {
                diags.push(
                    Diagnostic::error(
                        format!("no claim has the id `{}`", cited.claim),
                        cited.span.clone(),
                    )
                    .with_help(
                        "cite a ```claim block by its `id=` (its fence line: ```claim id=NAME)",
                    ),
                );
                continue;
            };
            let href = crate::markdown::links::relative_url(
                &page_paths[d],
                &page_paths[claim.doc],
                Some(&format!("claim-{}", cited.claim)),
            );
            out[d].insert(
                n,
                Cited {
                    claim: claim.clone(),
                    href,
                },
            );
        }
    }
    out
}

/// Each group's comparison, with the example its chart follows (its last
/// member), and each member's place in it (its ratios to the baseline), by
/// id. A group's members must be on one page, where the comparison is read,
/// and agree on the figure it compares.
fn compare_groups(
    jobs: &[Job<'_>],
    results: &[RunResult],
    diags: &mut Vec<Diagnostic>,
) -> (Vec<(ExampleAt, Comparison)>, HashMap<String, Member>) {
    let mut by_id = HashMap::new();
    let mut all = Vec::new();
    use crate::measure::compare::{Incomplete, MemberRun, compare};
    let mut names: Vec<&str> = Vec::new();
    for job in jobs {
        if let Some(g) = &job.spec.group
            && !names.contains(&g.name.as_str())
        {
            names.push(&g.name);
        }
    }
    for name in names {
        let members: Vec<(usize, &Job<'_>)> = jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| j.spec.group.as_ref().map(|g| g.name.as_str()) == Some(name))
            .collect();
        let (_, first) = members[0];
        if let Some((_, other)) = members.iter().find(|(_, j)| j.at.doc != first.at.doc) {
            diags.push(
                Diagnostic::error(
                    format!("the members of group `{name}` are on different pages"),
                    other.block.span.clone(),
                )
                .with_help("a comparison is shown where its members are: move them to one chapter, or give this one another group"),
            );
            continue;
        }
        let baselines = members.iter().filter(|(_, j)| is_baseline(j)).count();
        if baselines > 1 {
            diags.push(
                Diagnostic::error(
                    format!("group `{name}` has {baselines} baselines"),
                    first.block.span.clone(),
                )
                .with_help("mark one member `baseline`"),
            );
            continue;
        }
        let Some(figure) = compared_figure(name, &members, diags) else {
            continue;
        };
        let names: Vec<(String, String)> = members.iter().map(|&(_, j)| member_names(j)).collect();
        let runs: Vec<MemberRun<'_>> = members
            .iter()
            .zip(&names)
            .map(|(&(i, j), (id, label))| MemberRun {
                id,
                label,
                baseline: is_baseline(j),
                record: results[i].as_ref().ok(),
            })
            .collect();
        match compare(name, figure, &runs) {
            Ok(c) => {
                let (_, last) = members[members.len() - 1];
                for m in &c.members {
                    by_id.insert(m.id.clone(), m.clone());
                }
                all.push((last.at, c));
            }
            // The member's own failure is already reported.
            Err(Incomplete::Failed) => {}
            Err(Incomplete::NoFigure { id, has }) => {
                let (_, job) = members
                    .iter()
                    .find(|(_, j)| j.id().as_deref() == Some(id.as_str()))
                    .expect("the member is in the group");
                diags.push(
                    Diagnostic::error(
                        format!("group `{name}` compares `{figure}`, but not every run of `{id}` has it"),
                        job.block.span.clone(),
                    )
                    .with_help(format!(
                        "its runs all have: {}; report `{figure}` from every run (a JSON line in $PROOFBOOK_METRICS), or compare another figure",
                        has.join(", ")
                    )),
                );
            }
            Err(Incomplete::NotFinite) => diags.push(
                Diagnostic::error(
                    format!("group `{name}`: a ratio of `{figure}` to the baseline's is not a number"),
                    first.block.span.clone(),
                )
                .with_help("the baseline measured 0 in some round; compare a figure that is never 0, or pick another baseline"),
            ),
        }
    }
    (all, by_id)
}

/// Whether `job` is its group's baseline: a `baseline` example's run, its
/// first interpreter's when it runs under several.
fn is_baseline(job: &Job<'_>) -> bool {
    job.spec.group.as_ref().is_some_and(|g| g.baseline)
        && (job.python.is_none() || job.python == job.spec.python.first().map(String::as_str))
}

/// A member's id (`ID@NAME` under a named interpreter) and its label in
/// the chart: its `label=` or id, with the interpreter's version when it
/// ran under a named one (`threads (CPython 3.13.5 free-threaded)`), so
/// each bar says which interpreter it measured.
fn member_names(job: &Job<'_>) -> (String, String) {
    let id = job.id().unwrap_or_default();
    let g = job.spec.group.as_ref();
    let base = g
        .and_then(|g| g.label.clone())
        .or_else(|| job.spec.id.clone())
        .unwrap_or_default();
    let label = match job.python {
        Some(name) => format!("{base} ({name})"),
        None => base,
    };
    (id, label)
}

/// The figure a group compares: the one its members name with
/// `compare=FIGURE` (they must agree), else wall time.
fn compared_figure<'a>(
    name: &str,
    members: &[(usize, &'a Job<'_>)],
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a str> {
    let mut named = members.iter().filter_map(|(_, j)| {
        let g = j.spec.group.as_ref()?;
        Some((g.compare.as_deref()?, j))
    });
    let Some((figure, _)) = named.next() else {
        return Some("wall");
    };
    if let Some((other, job)) = named.find(|(f, _)| *f != figure) {
        diags.push(
            Diagnostic::error(
                format!("group `{name}` compares `{figure}` in one member and `{other}` in another"),
                job.block.span.clone(),
            )
            .with_help("a group compares one figure: give every member the same `compare=`, or give it once"),
        );
        return None;
    }
    Some(figure)
}

#[cfg(test)]
#[path = "evidence_tests.rs"]
mod tests;
