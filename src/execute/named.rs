//! The named interpreters made ready to run examples (#21 item 2): each
//! one found by `interpreters::discover` gets its own virtual environment
//! with the book's requirements, made by `python::provision` exactly as the
//! default interpreter's is (keyed by its binary, version and the file), so
//! environment markers (`uvloop; python_version < "3.14"`) are judged by
//! the interpreter that runs them. The sandbox mounts its installation and
//! its venv read-only for the runs under it, wherever they live.
//!
//! A name without an interpreter (an optional one absent here) or whose
//! environment could not be made keeps why, and every run under it answers
//! with that instead of running.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::NamedInterpreter;
use crate::diag::Diagnostic;
use crate::execute::interpreters::Resolved;
use crate::execute::python::{self, PythonEnv};
use crate::execute::record::RanUnder;

/// How a run that could not start because its interpreter is absent
/// begins its message: not a failure of the example, a gap of this
/// machine, which `check` counts as skipped and the page shows as such.
pub const NOT_HERE: &str = "not run on this machine: ";

/// Whether a run's error says its interpreter is not on this machine.
pub fn is_not_here(message: &str) -> bool {
    message.starts_with(NOT_HERE)
}

/// One name, ready or why not.
#[derive(Debug, Clone)]
pub enum Named {
    Ready {
        env: PythonEnv,
        about: RanUnder,
    },
    /// An optional interpreter this machine lacks: `no CPython 3.13t`.
    Absent(String),
    /// Its environment could not be made (pip's message).
    Failed(String),
}

/// Every named interpreter of the book, by name.
#[derive(Debug, Clone, Default)]
pub struct NamedEnvs {
    by_name: BTreeMap<String, Named>,
}

impl NamedEnvs {
    /// Makes each found interpreter's environment (`requirements` into
    /// `cache`); a failure is an error at the entry's book.toml line that
    /// names the interpreter and ends with pip's message, and its runs
    /// fail with it while the other interpreters' run.
    pub fn provision(
        entries: &[NamedInterpreter],
        resolved: &[Resolved],
        requirements: Option<&Path>,
        source_builds: bool,
        cache: &Path,
        say: &mut dyn FnMut(&str),
    ) -> (NamedEnvs, Vec<Diagnostic>) {
        let mut by_name = BTreeMap::new();
        let mut diags = Vec::new();
        for r in resolved {
            let named = match &r.found {
                Err(_) => Named::Absent(format!("{NOT_HERE}no {}", absent_label(r))),
                Ok(found) => {
                    let v = &found.verified;
                    let about = RanUnder {
                        name: r.name.clone(),
                        version: v.version.clone(),
                        implementation: v.implementation.clone(),
                        free_threaded: v.free_threaded,
                    };
                    let command = v.real.to_string_lossy();
                    let entry = entries.iter().find(|n| n.name == r.name);
                    let requirements = entry
                        .and_then(|n| n.requirements.as_deref())
                        .or(requirements);
                    match python::provision(&command, requirements, source_builds, cache, say) {
                        Ok(env) => Named::Ready { env, about },
                        Err(e) => {
                            let message = format!(
                                "interpreter `{}` ({}): its environment could not be made: {e}",
                                r.name,
                                about.label()
                            );
                            let span = entry.map(|n| n.span.clone());
                            diags.push(Diagnostic::error(message.clone(), span).with_help(
                                "pip's message is above: a package with no build for this interpreter needs a marker in the requirements file (`uvloop; python_version < \"3.14\"`) or another version",
                            ));
                            Named::Failed(message)
                        }
                    }
                }
            };
            by_name.insert(r.name.clone(), named);
        }
        (NamedEnvs { by_name }, diags)
    }

    /// The interpreter `name` runs with, or the message its runs answer.
    pub fn get(&self, name: &str) -> Result<(&PythonEnv, &RanUnder), String> {
        match self.by_name.get(name) {
            Some(Named::Ready { env, about }) => Ok((env, about)),
            Some(Named::Absent(why) | Named::Failed(why)) => Err(why.clone()),
            None => Err(format!("no interpreter is named `{name}` in book.toml")),
        }
    }

    /// What identifies `name`'s interpreter and environment in a result's
    /// cache key.
    pub fn key(&self, name: &str) -> String {
        match self.by_name.get(name) {
            Some(Named::Ready { env, about }) => format!(
                "{:?}|{}|{}|{}",
                env.interpreter, env.key, about.version, about.free_threaded
            ),
            _ => "absent".into(),
        }
    }

    /// Every interpreter that is ready, for the machine's fingerprint.
    pub fn ready(&self) -> Vec<RanUnder> {
        self.by_name
            .values()
            .filter_map(|n| match n {
                Named::Ready { about, .. } => Some(about.clone()),
                _ => None,
            })
            .collect()
    }
}

/// `CPython 3.13t`, as "not run on this machine: no …" says it.
fn absent_label(r: &Resolved) -> String {
    match r.want.version {
        Some((major, minor)) => {
            let t = if r.want.free_threaded == Some(true) {
                "t"
            } else {
                ""
            };
            format!("CPython {major}.{minor}{t}")
        }
        None => r
            .want
            .path
            .as_ref()
            .map_or_else(|| "interpreter".into(), |p| p.display().to_string()),
    }
}
