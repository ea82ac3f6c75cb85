//! What this build's figures add up to, once the examples have answered:
//! each group's comparison, the figures quoted in prose (`measures`) and
//! the claims (`claims`). `build` draws them on the pages and `check`
//! turns them into verdicts; both get them from `weigh`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::answer::Answered;
use super::claims::{Checked, check_claims};
use super::measures::{self, Figures};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::execute::machine::Fingerprint;
use crate::execute::{ExampleAt, Job, RunResult};
use crate::markdown::Document;
use crate::measure::compare::{Comparison, Member};
use crate::measure::results::{BookResults, ExampleEntry, SCHEMA};

pub(super) struct Evidence {
    /// Each comparison, and the example its chart follows.
    pub comparisons: Vec<(ExampleAt, Comparison)>,
    /// The HTML of each `{{#measure}}`, per document.
    pub quoted: Vec<BTreeMap<usize, String>>,
    pub claims: Vec<Checked>,
    /// The HTML of each claim a checklist cites, per document.
    pub verdicts: Vec<BTreeMap<usize, String>>,
}

/// Compares the groups, resolves quoted figures and checks claims. With
/// `selection` (`check --filter`, where only some examples ran) the prose
/// is not resolved and only the claims on selected examples are checked.
/// Nothing when the examples could not run (the reason is already in
/// `diags`).
pub(super) fn weigh(
    docs: &[Document],
    page_paths: &[PathBuf],
    answered: &Answered<'_>,
    selection: bool,
    diags: &mut Vec<Diagnostic>,
) -> Evidence {
    let mut evidence = Evidence {
        comparisons: Vec::new(),
        quoted: vec![BTreeMap::new(); docs.len()],
        claims: Vec::new(),
        verdicts: vec![BTreeMap::new(); docs.len()],
    };
    let (jobs, results) = (&answered.jobs, &answered.results);
    if results.len() != jobs.len() {
        return evidence;
    }
    let (comparisons, members) = compare_groups(jobs, results, diags);
    evidence.comparisons = comparisons;
    if !selection {
        evidence.quoted = measures::resolve(docs, page_paths, jobs, results, &members, diags);
    }
    if let Some(machine) = &answered.machine {
        let figures = Figures::new(docs, jobs, results, &members);
        evidence.claims = check_claims(docs, &figures, machine, selection, diags);
        if !selection {
            evidence.verdicts = cited_verdicts(docs, page_paths, &evidence.claims, diags);
        }
    }
    evidence
}

/// Each claim a checklist cites, as its verdict linked to the claim; an id
/// that names no claim is an error where it is cited.
fn cited_verdicts(
    docs: &[Document],
    page_paths: &[PathBuf],
    claims: &[Checked],
    diags: &mut Vec<Diagnostic>,
) -> Vec<BTreeMap<usize, String>> {
    let mut out = vec![BTreeMap::new(); docs.len()];
    for (d, doc) in docs.iter().enumerate() {
        for (n, cited) in doc.verdicts.iter().enumerate() {
            let found = claims
                .iter()
                .find(|c| c.view.id.as_deref() == Some(cited.claim.as_str()));
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
            out[d].insert(n, crate::render::claim::verdict_html(&claim.view, &href));
        }
    }
    out
}

pub(super) fn book_results(
    config: &Config,
    jobs: &[Job<'_>],
    results: &[RunResult],
    page_paths: &[std::path::PathBuf],
    machine: &Fingerprint,
    comparisons: Vec<Comparison>,
) -> BookResults {
    let examples = jobs
        .iter()
        .zip(results)
        .filter_map(|(job, result)| {
            let record = result.as_ref().ok()?;
            let spec = job.spec;
            let source = job.block.span.as_ref().map_or_else(String::new, |s| {
                let file = s.file.strip_prefix(&config.root).unwrap_or(&s.file);
                format!("{}:{}", file.display(), s.line)
            });
            Some(ExampleEntry {
                id: spec.id.clone(),
                page: page_paths[job.at.doc].to_string_lossy().replace('\\', "/"),
                source,
                group: spec.group.as_ref().map(|g| g.name.clone()),
                label: spec.group.as_ref().and_then(|g| g.label.clone()),
                cached: record.from_cache,
                measured_unix: record.started_unix,
                outcome: record.outcome,
                figures: crate::measure::figures_or_single(record),
                runs: record.samples.clone(),
            })
        })
        .collect();
    BookResults {
        schema: SCHEMA,
        machine: machine.clone(),
        examples,
        comparisons,
    }
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
        let baselines = members
            .iter()
            .filter(|(_, j)| j.spec.group.as_ref().is_some_and(|g| g.baseline))
            .count();
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
        let runs: Vec<MemberRun<'_>> = members
            .iter()
            .map(|&(i, j)| {
                let spec = j.spec;
                let g = spec.group.as_ref().expect("filtered on the group");
                let id = spec.id.as_deref().unwrap_or("");
                MemberRun {
                    id,
                    label: g.label.as_deref().unwrap_or(id),
                    baseline: g.baseline,
                    record: results[i].as_ref().ok(),
                }
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
                    .find(|(_, j)| j.spec.id.as_deref() == Some(id.as_str()))
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
