//! Figures quoted in prose: each `{{#measure ID FIGURE STAT FORMAT}}`
//! (the last three optional) resolved
//! against the results of this build, written in its unit, and linked to
//! the example it came from. An unknown id, figure or statistic is an error
//! at the reference.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::execute::{Job, RunResult};
use crate::markdown::Document;
use crate::markdown::links::relative_url;
use crate::measure::compare::Member;
use crate::measure::stats::Stats;
use crate::measure::{Unit, figures_or_single};
use crate::render::escape_html;
use crate::render::run::format_value;

const STATS: &[&str] = &["median", "min", "max", "mean", "stdev", "cv", "n"];

/// Explicit formats, for when the unit's own is not what the prose needs.
const FORMATS: &[&str] = &["s", "ms", "us", "%", "MiB", "x", "int", "num"];

/// `x` (seconds, a ratio, bytes or a plain number, as the figure is) in
/// the format `name`.
fn formatted(x: f64, name: &str) -> Option<String> {
    Some(match name {
        "s" => format!("{x:.2} s"),
        "ms" => format!("{:.1} ms", x * 1e3),
        "us" => format!("{:.0} µs", x * 1e6),
        "%" => format!("{:.0}%", x * 100.0),
        "MiB" => format!("{:.1} MiB", x / (1u64 << 20) as f64),
        "x" => format!("{x:.2}×"),
        "int" => format!("{x:.0}"),
        "num" => crate::render::run::number(x),
        _ => return None,
    })
}

/// The HTML of every reference, per document and by reference index.
pub(super) fn resolve(
    docs: &[Document],
    page_paths: &[PathBuf],
    jobs: &[Job<'_>],
    results: &[RunResult],
    members: &HashMap<String, Member>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<BTreeMap<usize, String>> {
    let figures = Figures::new(docs, jobs, results, members);
    let mut out = vec![BTreeMap::new(); docs.len()];
    for (d, doc) in docs.iter().enumerate() {
        for (n, reference) in doc.measures.iter().enumerate() {
            match figures.quote(&reference.args) {
                Ok(q) => {
                    let href = relative_url(
                        &page_paths[d],
                        &page_paths[q.doc],
                        Some(&format!("example-{}", q.id)),
                    );
                    // The preview's first pass quotes the run before the
                    // last change; the reader must not take it for this one.
                    let (class, title) = if q.stale {
                        ("measured stale", format!("{}; re-running…", q.title))
                    } else {
                        ("measured", format!("{}, measured in this build", q.title))
                    };
                    out[d].insert(
                        n,
                        format!(
                            "<a class=\"{class}\" href=\"{}\" title=\"{}\">{}</a>",
                            escape_html(&href),
                            escape_html(&title),
                            escape_html(&q.text)
                        ),
                    );
                }
                Err((message, help)) => diags.push(
                    Diagnostic::error(
                        format!("`{}`: {message}", reference.written),
                        reference.span.clone(),
                    )
                    .with_help(help),
                ),
            }
        }
    }
    out
}

/// The figures of this build, by example id, for quotes and claims.
pub(super) struct Figures<'a> {
    /// id → (document, result, whether it ended as it should, group).
    by_id: HashMap<&'a str, ById<'a>>,
    members: &'a HashMap<String, Member>,
    docs: &'a [Document],
}

type ById<'a> = (usize, &'a RunResult, bool, Option<&'a str>);

/// A figure, resolved: its value, as the prose writes it, and where it is.
pub(super) struct Quoted<'a> {
    pub x: f64,
    /// The figure's unit (none for a speed-up, a CV or a count).
    pub unit: Option<Unit>,
    pub text: String,
    pub title: String,
    pub doc: usize,
    pub id: &'a str,
    /// From the run before the last change, shown while it runs again.
    pub stale: bool,
}

impl<'a> Figures<'a> {
    pub(super) fn new(
        docs: &'a [Document],
        jobs: &'a [Job<'_>],
        results: &'a [RunResult],
        members: &'a HashMap<String, Member>,
    ) -> Figures<'a> {
        // Only runs that ended as their example says are evidence.
        let by_id = jobs
            .iter()
            .zip(results)
            .filter_map(|(j, r)| {
                let spec = j.spec;
                let usable = matches!(r, Ok(rec) if crate::execute::as_expected(spec.expect, rec) && rec.metrics_error.is_none());
                Some((spec.id.as_deref()?, (j.at.doc, r, usable, spec.group.as_ref().map(|g| g.name.as_str()))))
            })
            .collect();
        Figures {
            by_id,
            members,
            docs,
        }
    }

    /// Whether example `id` ran in this build (or check's selection).
    pub(super) fn has(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// When example `id`'s result (its last counted run) was measured.
    pub(super) fn started_unix(&self, id: &str) -> Option<u64> {
        match self.by_id.get(id)?.1 {
            Ok(record) => Some(record.started_unix),
            Err(_) => None,
        }
    }

    /// `ID [FIGURE [STAT [FORMAT]]]`; the error is a message and a hint.
    pub(super) fn quote(&self, args: &[String]) -> Result<Quoted<'a>, (String, String)> {
        value(args, &self.by_id, self.members, self.docs)
    }
}

/// Whether some example of the book has the id `id`, run or not.
pub(super) fn is_example_id(docs: &[Document], id: &str) -> bool {
    docs.iter()
        .flat_map(|d| d.code_blocks())
        .any(|b| b.example.as_ref().and_then(|s| s.id.as_deref()) == Some(id))
}

fn value<'a>(
    args: &[String],
    by_id: &HashMap<&'a str, ById<'a>>,
    members: &HashMap<String, Member>,
    docs: &[Document],
) -> Result<Quoted<'a>, (String, String)> {
    let usage = "write `{{#measure ID FIGURE STAT FORMAT}}` (the last three optional), e.g. `{{#measure cpu-bench wall median ms}}`";
    let Some(id) = args.first() else {
        return Err(("names no example".into(), usage.into()));
    };
    if args.len() > 4 {
        return Err((
            "has more than an id, a figure, a statistic and a format".into(),
            usage.into(),
        ));
    }
    let Some((&id, &(doc, result, usable, group))) = by_id.get_key_value(id.as_str()) else {
        if is_example_id(docs, id) {
            return Err((
                format!("example `{id}` does not run (it is `norun`, or examples are off)"),
                "quote an example that runs, by its `id=`".into(),
            ));
        }
        let suggestion = crate::suggest::did_you_mean(id, by_id.keys().copied());
        return Err((
            format!("no example has the id `{id}`"),
            format!("{suggestion}quote an example that runs, by its `id=`"),
        ));
    };
    let Ok(record) = result else {
        return Err((
            format!("example `{id}` could not run"),
            "fix the example first".into(),
        ));
    };
    if !usable {
        return Err((
            format!("example `{id}` did not end as it should, so its figures prove nothing"),
            "fix the example first (its own error says how)".into(),
        ));
    }
    let figure = args.get(1).map_or("wall", String::as_str);
    let stat = args.get(2).map_or("median", String::as_str);
    if !STATS.contains(&stat) {
        return Err((
            format!("`{stat}` is not a statistic"),
            format!(
                "{}use one of {}",
                crate::suggest::did_you_mean(stat, STATS.iter().copied()),
                STATS.join(", ")
            ),
        ));
    }
    let available: Vec<(String, Unit, Stats)> = figures_or_single(record)
        .into_iter()
        .map(|f| (f.name, f.unit, f.stats))
        .collect();
    let member = members.get(id);
    let (unit, stats) = if matches!(figure, "speedup" | "ratio") {
        match member {
            Some(m) if figure == "speedup" => (None, m.speedup),
            Some(m) => (None, m.ratio),
            None => {
                return Err(match group {
                    Some(g) => (
                        format!("the comparison `{g}` of example `{id}` could not be made"),
                        "every member must run; fix the member that failed".into(),
                    ),
                    None => (
                        format!(
                            "example `{id}` is not in a comparison group, so it has no `{figure}`"
                        ),
                        "`speedup` and `ratio` are for members of `group=NAME`".into(),
                    ),
                });
            }
        }
    } else {
        match available.iter().find(|(n, _, _)| n == figure) {
            Some((_, u, s)) => (Some(*u), *s),
            None => {
                let mut names: Vec<&str> = available.iter().map(|(n, _, _)| n.as_str()).collect();
                if member.is_some() {
                    names.extend(["speedup", "ratio"]);
                }
                return Err((
                    format!("example `{id}` has no figure `{figure}`"),
                    format!(
                        "{}its figures: {}",
                        crate::suggest::did_you_mean(figure, names.iter().copied()),
                        names.join(", ")
                    ),
                ));
            }
        }
    };
    let x = match stat {
        "min" => stats.min,
        "max" => stats.max,
        "mean" => stats.mean,
        "stdev" => stats.stdev,
        "cv" => stats.cv,
        "n" => stats.n as f64,
        _ => stats.median,
    };
    let text = match args.get(3).map(String::as_str) {
        Some(format) => formatted(x, format).ok_or_else(|| {
            (
                format!("`{format}` is not a format"),
                format!(
                    "{}use one of {}",
                    crate::suggest::did_you_mean(format, FORMATS.iter().copied()),
                    FORMATS.join(", ")
                ),
            )
        })?,
        None => match (stat, unit) {
            ("cv", _) => format!("{:.1}%", x * 100.0),
            ("n", _) => format!("{x:.0}"),
            (_, None) => format!("{}×", crate::render::run::ratio_digits(x)),
            (_, Some(u)) => format_value(x, u),
        },
    };
    let title = format!(
        "{stat} {figure} of {} run{} of example {id}",
        stats.n,
        if stats.n == 1 { "" } else { "s" }
    );
    let unit = match stat {
        "cv" | "n" => None,
        _ => unit,
    };
    Ok(Quoted {
        x,
        unit,
        text,
        title,
        doc,
        id,
        stale: record.stale,
    })
}
