//! Python examples: the options in a ```` ```python ```` fence's info string
//! → `ExampleSpec`.
//!
//! Syntax: the language, then options separated by spaces or commas; an
//! option is a flag (`norun`) or `key=value`, and a value with spaces is
//! quoted (`id="a b"` is rejected anyway: ids are lowercase words).
//!
//! | option | meaning |
//! |---|---|
//! | `norun` | shown, not run (a fragment) |
//! | `id=NAME` | stable name, unique in the book: `[a-z0-9][a-z0-9_-]*` |
//! | `timeout=SECONDS` | wall-clock limit for this example (0 < s ≤ 3600) |
//! | `expect=error` | the example must fail (any non-zero exit) |
//! | `expect=success` | the default |
//! | `exit=N` | the example must exit with status N (0–255) |
//! | `file=PATH[:ANCHOR]` | the program is that file (relative to the chapter); the page shows it whole, or the part between `ANCHOR: name` markers |
//! | `repeat=N` | a benchmark: run N counted times (1–1000) after the warm-ups, alone |
//! | `warmup=M` | runs before the counted ones, not counted (default 1 with `repeat`) |
//! | `group=NAME` | a member of the comparison NAME (needs `repeat` and `id`) |
//! | `label=TEXT` | the member's name in the group's chart (default: its id) |
//! | `baseline` | the member the others are compared with (default: the first) |
//! | `compare=FIGURE` | the figure the group compares (default `wall`): a built-in one or a metric every run reports; members that give it must agree |
//! | `deps=PATH[,PATH…]` | data files the example reads (globs allowed, relative to the book's root): mounted read-only, their content part of the cache key (`markdown::deps`) |
//! | `processes=N`, `open-files=N` | this example's task and open-file limits, when it needs more (or less) than the book's share of the host gives each example; above that share it runs alone (`execute::budget::place`) |
//! | `python=NAME` or `python="A,B"` | the example runs under that named interpreter (`[proofbook.python.interpreters]`), or once under each (a matrix); names are checked against book.toml by `parse` |
//!
//! An unknown option is an error naming the valid ones, never ignored.
//! Nothing here runs anything: `execute` will consume `ExampleSpec`s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::Asks;
use crate::diag::Diagnostic;
use crate::markdown::Document;
pub use crate::markdown::fence_words::OptionError;
use crate::markdown::fence_words::{ask_limit, tokens};

/// The languages whose blocks are examples.
pub fn is_python(lang: Option<&str>) -> bool {
    matches!(lang, Some("python" | "py" | "python3"))
}

#[derive(Debug, Clone, PartialEq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ExampleSpec {
    pub id: Option<String>,
    pub run: bool,
    pub timeout: Option<Duration>,
    pub expect: Expectation,
    pub file: Option<FileRef>,
    /// `repeat=N warmup=M`: the example is a benchmark.
    pub bench: Option<Bench>,
    /// `group=NAME label=TEXT baseline`.
    pub group: Option<GroupMember>,
    /// `deps=`: the data files' paths or globs, as written.
    pub deps: Vec<String>,
    /// `python=`: the named interpreters it runs under, in the order
    /// written (empty: the default interpreter only).
    pub python: Vec<String>,
    /// The byte offset of the `python=` option in the info string, so a
    /// name book.toml does not define is reported at it.
    pub python_at: usize,
    /// `processes=` and `open-files=`.
    pub asks: Asks,
}

/// How a benchmark repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Bench {
    pub repeat: u32,
    pub warmup: u32,
}

/// A benchmark's place in a comparison group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct GroupMember {
    pub name: String,
    pub label: Option<String>,
    pub baseline: bool,
    /// `compare=FIGURE`, when this member names the compared figure.
    pub compare: Option<String>,
}

impl Default for ExampleSpec {
    fn default() -> Self {
        ExampleSpec {
            id: None,
            run: true,
            timeout: None,
            expect: Expectation::Success,
            file: None,
            bench: None,
            group: None,
            deps: Vec::new(),
            python: Vec::new(),
            python_at: 0,
            asks: Asks::default(),
        }
    }
}

/// How an example is meant to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Expectation {
    Success,
    /// Any non-zero exit status (`expect=error`).
    Failure,
    Exit(u8),
}

/// `file=PATH[:ANCHOR]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FileRef {
    pub path: PathBuf,
    pub anchor: Option<String>,
}

const OPTIONS: &[&str] = &[
    "norun",
    "id",
    "timeout",
    "expect",
    "exit",
    "file",
    "repeat",
    "warmup",
    "group",
    "label",
    "baseline",
    "compare",
    "deps",
    "hidelines",
    "python",
    "processes",
    "open-files",
];

/// Parses the info string of a Python fence (language included).
pub fn parse_options(info: &str) -> Result<ExampleSpec, OptionError> {
    let mut spec = ExampleSpec::default();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let (mut repeat, mut warmup, mut group, mut label, mut baseline) =
        (None, None, None, None, false);
    let mut compare = None;
    let mut words = tokens(info)?.into_iter().peekable();
    words.next(); // the language
    while let Some((offset, word)) = words.next() {
        let (key, value) = match word.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (word.clone(), None),
        };
        let err = |message: String, help: &str| OptionError {
            message,
            help: help.to_owned(),
            offset,
        };
        let known = OPTIONS
            .iter()
            .find(|o| **o == key)
            .copied()
            .ok_or_else(|| unknown(&key, offset))?;
        if seen.insert(known, offset).is_some() {
            return Err(err(
                format!("option `{key}` is given twice"),
                "keep one of them",
            ));
        }
        let need_value = |v: Option<String>| {
            v.filter(|v| !v.is_empty()).ok_or_else(|| {
                err(
                    format!("option `{key}` needs a value: `{key}=...`"),
                    "see the list of options in the README",
                )
            })
        };
        match known {
            "norun" => {
                if value.is_some() {
                    return Err(err("`norun` takes no value".into(), "write just `norun`"));
                }
                spec.run = false;
            }
            "id" => {
                let id = need_value(value)?;
                if !valid_id(&id) {
                    return Err(err(
                        format!("`{id}` is not a valid example id"),
                        "use lowercase letters, digits, `-` and `_`, starting with a letter or digit",
                    ));
                }
                spec.id = Some(id);
            }
            "timeout" => {
                let v = need_value(value)?;
                let secs: f64 = v.trim_end_matches('s').parse().map_err(|_| {
                    err(
                        format!("`{v}` is not a number of seconds"),
                        "write e.g. `timeout=5` or `timeout=0.5`",
                    )
                })?;
                if !(secs > 0.0 && secs <= 3600.0) {
                    return Err(err(
                        format!("timeout `{v}` is out of range"),
                        "use a number of seconds above 0 and at most 3600",
                    ));
                }
                spec.timeout = Some(Duration::from_secs_f64(secs));
            }
            "expect" => {
                spec.expect = match need_value(value)?.as_str() {
                    "error" => Expectation::Failure,
                    "success" => Expectation::Success,
                    other => {
                        return Err(err(
                            format!("`expect={other}` is not known"),
                            "use `expect=error` (the example must fail) or `expect=success`",
                        ));
                    }
                };
            }
            "exit" => {
                let v = need_value(value)?;
                let code: u8 = v.parse().map_err(|_| {
                    err(
                        format!("`exit={v}` is not an exit status"),
                        "use a whole number from 0 to 255",
                    )
                })?;
                spec.expect = if code == 0 {
                    Expectation::Success
                } else {
                    Expectation::Exit(code)
                };
            }
            "file" => {
                let v = need_value(value)?;
                let (path, anchor) = match v.split_once(':') {
                    Some((p, a)) => (p, Some(a.to_owned())),
                    None => (v.as_str(), None),
                };
                spec.file = Some(FileRef {
                    path: PathBuf::from(path),
                    anchor,
                });
            }
            "repeat" | "warmup" => {
                let v = need_value(value)?;
                let (min, max) = if known == "repeat" {
                    (1, 1000)
                } else {
                    (0, 100)
                };
                let n: u32 = v
                    .parse()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| {
                        err(
                            format!("`{known}={v}` is not a count from {min} to {max}"),
                            "write a whole number, e.g. `repeat=7 warmup=1`",
                        )
                    })?;
                if known == "repeat" {
                    repeat = Some(n);
                } else {
                    warmup = Some(n);
                }
            }
            "group" => {
                let name = need_value(value)?;
                if !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
                {
                    return Err(err(
                        format!("`{name}` is not a valid group name"),
                        "use lowercase letters, digits, `-` and `_`",
                    ));
                }
                group = Some(name);
            }
            "label" => label = Some(need_value(value)?),
            "processes" | "open-files" => {
                let n = ask_limit(known, &need_value(value)?).map_err(|(m, h)| err(m, &h))?;
                match known {
                    "processes" => spec.asks.processes = Some(n),
                    _ => spec.asks.open_files = Some(n),
                }
            }
            // mdBook's hidden-line prefix; `CodeInfo::lines` applies it.
            "hidelines" => {
                need_value(value)?;
            }
            "deps" => {
                spec.deps.push(need_value(value)?);
                // `deps=a.csv,b.csv`: the words after a comma belong to it,
                // up to the next option.
                let mut end = offset + word.len();
                while let Some((next_at, next)) = words.peek()
                    && info.get(end..*next_at).map(str::trim) == Some(",")
                    && !next.contains('=')
                    && !OPTIONS.contains(&next.as_str())
                {
                    end = next_at + next.len();
                    spec.deps.push(next.clone());
                    words.next();
                }
            }
            "python" => {
                spec.python = interpreter_names(&need_value(value)?).map_err(|m| {
                    err(
                        m,
                        "name interpreters of [proofbook.python.interpreters], quoted and separated by commas: `python=\"3.12,3.13t\"`",
                    )
                })?;
                spec.python_at = offset;
            }
            "compare" => {
                let figure = need_value(value)?;
                if figure.is_empty()
                    || !figure
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    return Err(err(
                        format!("`{figure}` is not a figure name"),
                        "name a figure: `wall`, `cpu`, `peak_memory` or a metric the program reports, e.g. `compare=kib_per_worker`",
                    ));
                }
                compare = Some(figure);
            }
            "baseline" => {
                if value.is_some() {
                    return Err(err(
                        "`baseline` takes no value".into(),
                        "write just `baseline`",
                    ));
                }
                baseline = true;
            }
            _ => unreachable!("every name in OPTIONS has an arm"),
        }
    }
    let at = |key: &str| seen.get(key).copied().unwrap_or(0);
    if warmup.is_some() && repeat.is_none() {
        return Err(OptionError {
            message: "`warmup` without `repeat`".into(),
            help: "a benchmark needs `repeat=N` (the counted runs)".into(),
            offset: at("warmup"),
        });
    }
    if !spec.run && (repeat.is_some() || group.is_some()) {
        let key = if repeat.is_some() { "repeat" } else { "group" };
        return Err(OptionError {
            message: format!("`norun` with `{key}`: a benchmark that does not run"),
            help: "remove `norun`, or the benchmark options".into(),
            offset: at(key),
        });
    }
    if !spec.run && !spec.python.is_empty() {
        return Err(OptionError {
            message: "`norun` with `python=`: an example that is not run has no interpreter".into(),
            help: "remove `norun` to run it under those interpreters, or remove `python=`".into(),
            offset: at("python"),
        });
    }
    if let Some(repeat) = repeat {
        spec.bench = Some(Bench {
            repeat,
            warmup: warmup.unwrap_or(1),
        });
    }
    match group {
        Some(name) => {
            if spec.bench.is_none() || spec.id.is_none() {
                return Err(OptionError {
                    message: format!("group member `{name}` needs `repeat=N` and an `id`"),
                    help: "members of a comparison are benchmarks with ids, e.g. `id=cpu-threads repeat=7 group=cpu`".into(),
                    offset: at("group"),
                });
            }
            spec.group = Some(GroupMember {
                name,
                label,
                baseline,
                compare,
            });
        }
        None if label.is_some() || baseline || compare.is_some() => {
            let key = if baseline {
                "baseline"
            } else if label.is_some() {
                "label"
            } else {
                "compare"
            };
            return Err(OptionError {
                message: format!("`{key}` outside a group"),
                help: "add `group=NAME`, or remove it".into(),
                offset: at(key),
            });
        }
        None => {}
    }
    if let (Some(e), Some(x)) = (seen.get("expect"), seen.get("exit")) {
        return Err(OptionError {
            message: "`expect` and `exit` both say how the example ends".into(),
            help: "keep one of them".into(),
            offset: (*e).max(*x),
        });
    }
    Ok(spec)
}

/// Every name of an example's `python=` must be one of book.toml's
/// `[proofbook.python.interpreters]`; the error lists those it defines.
pub fn check_interpreters(
    spec: &ExampleSpec,
    defined: &[crate::config::NamedInterpreter],
) -> Result<(), OptionError> {
    let Some(unknown) = spec
        .python
        .iter()
        .find(|n| !defined.iter().any(|i| &i.name == *n))
    else {
        return Ok(());
    };
    let help = if defined.is_empty() {
        "book.toml defines none: add `[proofbook.python.interpreters]` with an entry such as `\"3.12\" = { version = \"3.12\" }`".to_owned()
    } else {
        let names: Vec<String> = defined.iter().map(|i| format!("`{}`", i.name)).collect();
        format!(
            "the names book.toml defines under [proofbook.python.interpreters]: {}",
            names.join(", ")
        )
    };
    Err(OptionError {
        message: format!("`python=`: no interpreter is named `{unknown}`"),
        help,
        offset: spec.python_at,
    })
}

/// The names of `python=A,B` (quotes already removed): each a name
/// book.toml can define, none twice.
fn interpreter_names(value: &str) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = Vec::new();
    for name in value.split(',').map(str::trim) {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(format!(
                "`python={value}`: `{name}` is not an interpreter name"
            ));
        }
        if names.iter().any(|n| n == name) {
            return Err(format!("`python={value}` names `{name}` twice"));
        }
        names.push(name.to_owned());
    }
    Ok(names)
}

/// An example's or claim's id: lowercase letters, digits, `-` and `_`,
/// starting with a letter or digit (so never `__proto__`).
fn valid_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Checks the info string of a ```` ```claim ```` fence: its one option is
/// `id=ID`. Anything else is refused rather than ignored, since a misspelt
/// `id` would leave the claim without the name `check --claim` finds it by.
pub fn check_claim_options(info: &str) -> Result<(), OptionError> {
    let mut words = tokens(info)?.into_iter();
    words.next(); // the language
    let mut seen = false;
    for (offset, word) in words {
        let err = |message: String, help: &str| OptionError {
            message,
            help: help.to_owned(),
            offset,
        };
        match word.split_once('=') {
            Some(("id", id)) if seen => {
                return Err(err(
                    format!("option `id` is given twice (`id={id}`)"),
                    "keep one of them",
                ));
            }
            Some(("id", id)) if valid_id(id) => seen = true,
            Some(("id", id)) => {
                return Err(err(
                    format!("`{id}` is not a valid claim id"),
                    "use lowercase letters, digits, `-` and `_`, starting with a letter or digit",
                ));
            }
            _ => {
                let key = word.split_once('=').map_or(word.as_str(), |(k, _)| k);
                let hint = match crate::suggest::nearest(key, ["id"]) {
                    Some(n) => format!("did you mean `{n}=...`? a claim's only option is `id=ID`"),
                    None => "a claim's only option is `id=ID`".to_owned(),
                };
                return Err(err(format!("unknown claim option `{key}`"), &hint));
            }
        }
    }
    Ok(())
}

fn unknown(key: &str, offset: usize) -> OptionError {
    let nearest = crate::suggest::nearest(key, OPTIONS.iter().copied());
    let list = OPTIONS
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match nearest {
        Some(n) => format!("did you mean `{n}`? valid options: {list}"),
        None => format!("valid options: {list}"),
    };
    OptionError {
        message: format!("unknown example option `{key}`"),
        help,
        offset,
    }
}

/// Every example id used more than once in the book, reported at each
/// use after the first.
pub fn check_unique_ids(docs: &[Document]) -> Vec<Diagnostic> {
    let mut first: HashMap<&str, &Option<crate::diag::Span>> = HashMap::new();
    let mut out = Vec::new();
    for block in docs.iter().flat_map(|d| d.code_blocks()) {
        let Some(id) = block.example.as_ref().and_then(|e| e.id.as_deref()) else {
            continue;
        };
        match first.get(id) {
            None => {
                first.insert(id, &block.span);
            }
            Some(earlier) => {
                let at = earlier
                    .as_ref()
                    .map_or_else(String::new, |s| format!(" (first used at {s})"));
                out.push(
                    Diagnostic::error(
                        format!("example id `{id}` is used twice{at}"),
                        block.span.clone(),
                    )
                    .with_help("ids must be unique in the book; rename one"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "example_tests.rs"]
mod tests;
