//! Figures quoted in prose: each `{{#measure ID FIGURE STAT FORMAT}}`
//! (the last three optional) resolved against the results of this build
//! into a `Quote`: the value, how it is written (its unit, or the format the
//! prose names), the spread it comes from, and the example it came from.
//! `render` writes it. An unknown id, figure, statistic or format is an
//! error at the reference.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::execute::{Job, RunResult};
use crate::markdown::Document;
use crate::markdown::links::relative_url;
use crate::measure::compare::Member;
use crate::measure::stats::Stats;
use crate::measure::{Unit, figures_or_single};

const STATS: &[&str] = &["median", "min", "max", "mean", "stdev", "cv", "n"];

/// Explicit formats, for when the unit's own is not what the prose needs:
/// seconds, milliseconds, microseconds, a percentage, mebibytes, a ratio
/// (`×`), a whole number, a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    S,
    Ms,
    Us,
    Percent,
    MiB,
    X,
    Int,
    Num,
}

/// Each format by the name the prose writes.
const FORMATS: &[(&str, Format)] = &[
    ("s", Format::S),
    ("ms", Format::Ms),
    ("us", Format::Us),
    ("%", Format::Percent),
    ("MiB", Format::MiB),
    ("x", Format::X),
    ("int", Format::Int),
    ("num", Format::Num),
];

/// How a quoted value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// In its figure's unit.
    Unit(Unit),
    /// A speed-up or a ratio to the baseline (`1.83×`).
    Ratio,
    /// A coefficient of variation, as a percentage.
    Cv,
    /// A count of runs.
    Count,
    /// In the format the prose asked for.
    Format(Format),
}

/// A `{{#measure}}` reference, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The statistic's value, in the figure's base unit (seconds, bytes, a
    /// ratio of 1 = 100 %).
    pub x: f64,
    pub written: Written,
    /// The figure's statistics over the runs it was taken from: the spread
    /// behind `x`.
    pub stats: Stats,
    /// The figure and statistic quoted (`wall`, `median`).
    pub figure: String,
    pub stat: String,
    /// The example it came from and its place, relative to the quoting page.
    pub id: String,
    pub href: String,
    /// From the run before the last change, shown while it runs again.
    pub stale: bool,
}

/// Per document, by reference index: each reference resolved, and each
/// one of a run under an optional interpreter this machine lacks (why).
pub(crate) type Resolved = (Vec<BTreeMap<usize, Quote>>, Vec<BTreeMap<usize, String>>);

/// Every reference, per document and by reference index.
pub(crate) fn resolve(
    docs: &[Document],
    page_paths: &[PathBuf],
    jobs: &[Job<'_>],
    results: &[RunResult],
    members: &HashMap<String, Member>,
    diags: &mut Vec<Diagnostic>,
) -> Resolved {
    let figures = Figures::new(docs, jobs, results, members);
    let mut out = vec![BTreeMap::new(); docs.len()];
    let mut not_here = vec![BTreeMap::new(); docs.len()];
    for (d, doc) in docs.iter().enumerate() {
        for (n, reference) in doc.measures.iter().enumerate() {
            match figures.quote(&reference.args) {
                Ok(mut q) => {
                    q.quote.href = relative_url(
                        &page_paths[d],
                        &page_paths[q.doc],
                        Some(&format!("example-{}", q.quote.id)),
                    );
                    out[d].insert(n, q.quote);
                }
                // An optional interpreter this machine lacks: the prose
                // says so (render), and the build goes on.
                Err((message, help)) if crate::execute::named::is_not_here(&message) => {
                    diags.push(
                        Diagnostic::warning(
                            format!("`{}`: {message}", reference.written),
                            reference.span.clone(),
                        )
                        .with_help(help),
                    );
                    not_here[d].insert(n, message);
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
    (out, not_here)
}

/// The figures of this build, by example id, for quotes and claims.
pub(crate) struct Figures<'a> {
    /// id → (document, result, whether it ended as it should, group).
    by_id: HashMap<String, ById<'a>>,
    members: &'a HashMap<String, Member>,
    docs: &'a [Document],
}

type ById<'a> = (usize, &'a RunResult, bool, Option<&'a str>);

/// A figure, resolved, and the document of its example (for the link).
pub(crate) struct Quoted {
    pub quote: Quote,
    pub doc: usize,
    /// The figure's unit (none for a speed-up, a CV or a count): what a
    /// claim's plain number beside it is written in.
    pub unit: Option<Unit>,
    /// The named interpreter its run ran under (`None`: the default),
    /// which a claim's `when python`/`free-threaded` tests.
    pub ran_under: Option<crate::execute::record::RanUnder>,
}

impl<'a> Figures<'a> {
    pub(crate) fn new(
        docs: &'a [Document],
        jobs: &'a [Job<'_>],
        results: &'a [RunResult],
        members: &'a HashMap<String, Member>,
    ) -> Figures<'a> {
        // Only runs that ended as their example says are evidence.
        let mut by_id = HashMap::new();
        for (j, r) in jobs.iter().zip(results) {
            let spec = j.spec;
            let Some(id) = j.id() else { continue };
            let usable = matches!(r, Ok(rec) if crate::execute::as_expected(spec.expect, rec) && rec.metrics_error.is_none());
            let entry = (
                j.at.doc,
                r,
                usable,
                spec.group.as_ref().map(|g| g.name.as_str()),
            );
            // An example under one named interpreter answers to its plain
            // id too; a matrix's runs only by `ID@NAME`.
            if spec.python.len() == 1
                && let Some(plain) = &spec.id
            {
                by_id.insert(plain.clone(), entry);
            }
            by_id.insert(id, entry);
        }
        Figures {
            by_id,
            members,
            docs,
        }
    }

    /// Whether example `id` ran in this build (or check's selection).
    pub(crate) fn has(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// When example `id`'s result (its last counted run) was measured.
    pub(crate) fn started_unix(&self, id: &str) -> Option<u64> {
        match self.by_id.get(id)?.1 {
            Ok(record) => Some(record.started_unix),
            Err(_) => None,
        }
    }

    /// The cores other work left free while example `id` ran: the median
    /// over a benchmark's counted runs; none when it did not run as it
    /// should or a run did not measure it.
    /// The runs of example `id`: itself, or each interpreter's `ID@NAME`
    /// run of a matrix that ran here (not one this machine lacks).
    pub(crate) fn runs_of(&self, id: &str) -> Vec<String> {
        if self.by_id.contains_key(id) {
            return vec![id.to_owned()];
        }
        let prefix = format!("{id}@");
        let mut runs: Vec<String> = self
            .by_id
            .iter()
            .filter(|(k, v)| {
                k.starts_with(&prefix)
                    && !matches!(v.1, Err(e) if crate::execute::named::is_not_here(e))
            })
            .map(|(k, _)| k.clone())
            .collect();
        runs.sort();
        runs
    }

    pub(crate) fn free_cores(&self, id: &str) -> Option<f64> {
        let (_, Ok(record), true, _) = self.by_id.get(id)? else {
            return None;
        };
        if record.samples.is_empty() {
            return record.free_cores;
        }
        let free: Option<Vec<f64>> = record.samples.iter().map(|s| s.free_cores).collect();
        crate::measure::stats::Stats::of(&free?).map(|s| s.median)
    }

    /// `ID [FIGURE [STAT [FORMAT]]]`; the error is a message and a hint.
    pub(crate) fn quote(&self, args: &[String]) -> Result<Quoted, (String, String)> {
        value(args, &self.by_id, self.members, self.docs)
    }
}

/// `ID@NAME` of each run of example `id` when it is a matrix (runs under
/// several interpreters), whose plain id names no one run.
pub(crate) fn matrix_runs(docs: &[Document], id: &str) -> Option<Vec<String>> {
    let spec = docs
        .iter()
        .flat_map(|d| d.code_blocks())
        .filter_map(|b| b.example.as_ref())
        .find(|s| s.id.as_deref() == Some(id))?;
    (spec.python.len() > 1).then(|| spec.python.iter().map(|n| format!("{id}@{n}")).collect())
}

/// Whether some example of the book has the id `id`, run or not.
pub(crate) fn is_example_id(docs: &[Document], id: &str) -> bool {
    docs.iter()
        .flat_map(|d| d.code_blocks())
        .any(|b| b.example.as_ref().and_then(|s| s.id.as_deref()) == Some(id))
}

fn value(
    args: &[String],
    by_id: &HashMap<String, ById<'_>>,
    members: &HashMap<String, Member>,
    docs: &[Document],
) -> Result<Quoted, (String, String)> {
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
    let Some((id, &(doc, result, usable, group))) = by_id.get_key_value(id.as_str()) else {
        if let Some(runs) = matrix_runs(docs, id) {
            return Err((
                format!("example `{id}` runs under several interpreters"),
                format!(
                    "name the run: {}",
                    runs.iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if is_example_id(docs, id) {
            return Err((
                format!("example `{id}` does not run (it is `norun`, or examples are off)"),
                "quote an example that runs, by its `id=`".into(),
            ));
        }
        let suggestion = crate::suggest::did_you_mean(id, by_id.keys().map(String::as_str));
        return Err((
            format!("no example has the id `{id}`"),
            format!("{suggestion}quote an example that runs, by its `id=`"),
        ));
    };
    let record = match result {
        Ok(record) => record,
        Err(why) if crate::execute::named::is_not_here(why) => {
            return Err((
                why.clone(),
                "its figures are not measured in this build".into(),
            ));
        }
        Err(_) => {
            return Err((
                format!("example `{id}` could not run"),
                "fix the example first".into(),
            ));
        }
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
    let written = match args.get(3).map(String::as_str) {
        Some(format) => match FORMATS.iter().find(|(name, _)| *name == format) {
            Some((_, f)) => Written::Format(*f),
            None => {
                let names = FORMATS.iter().map(|(name, _)| *name);
                return Err((
                    format!("`{format}` is not a format"),
                    format!(
                        "{}use one of {}",
                        crate::suggest::did_you_mean(format, names.clone()),
                        names.collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        },
        None => match (stat, unit) {
            ("cv", _) => Written::Cv,
            ("n", _) => Written::Count,
            (_, None) => Written::Ratio,
            (_, Some(u)) => Written::Unit(u),
        },
    };
    let unit = match stat {
        "cv" | "n" => None,
        _ => unit,
    };
    Ok(Quoted {
        quote: Quote {
            x,
            written,
            stats,
            figure: figure.to_owned(),
            stat: stat.to_owned(),
            id: id.to_owned(),
            href: String::new(),
            stale: record.stale,
        },
        doc,
        unit,
        ran_under: record.interpreter.clone(),
    })
}
