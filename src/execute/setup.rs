//! Making a book's examples ready to run: its interpreter and virtual
//! environment (`python::provision`), its named interpreters found
//! (`interpreters::discover`), its `examples/` folder checked, and a
//! `Sandbox` with every protection this machine has. Each refusal is an
//! error at book.toml with what to do.

use std::path::Path;

use crate::config::{CONFIG_FILE, Config, EXAMPLES_DIR};
use crate::diag::{Diagnostic, Span};
use crate::execute::interpreters::{self, Places, Resolved, VERIFY_TIMEOUT, VerifyCache};
use crate::execute::named::NamedEnvs;
use crate::execute::python::{self, PythonError};
use crate::execute::{Probe, Sandbox, examples_dir};

/// The sandbox the book's examples run in, started as `launcher`, with a
/// warning for each protection book.toml lets it go without; or the errors
/// that stop the examples from running. `say` hears the slow steps.
pub fn sandbox(
    config: &Config,
    launcher: &Path,
    say: &mut dyn FnMut(&str),
) -> Result<(Sandbox, Vec<Diagnostic>), Vec<Diagnostic>> {
    let run = &config.run;
    let book_toml = Some(Span::file(config.root.join(CONFIG_FILE)));
    let python = default_python(config, say)?;
    // The named interpreters are found now, so a missing one stops the
    // build at its book.toml line before anything runs.
    let (resolved, mut warnings) = named_interpreters(config);
    if crate::diag::has_errors(&warnings) {
        return Err(warnings);
    }
    // Each gets its environment; one that fails is an error at its line,
    // and only its runs fail with it.
    let (named, failed) = NamedEnvs::provision(
        &run.interpreters,
        &resolved,
        run.requirements.as_deref(),
        run.source_builds,
        &run.cache_dir,
        say,
    );
    warnings.extend(failed);
    // Nothing runs while the examples folder holds what must not be mounted.
    let refused = config
        .confine
        .tree_problems(&config.root.join(EXAMPLES_DIR));
    if !refused.is_empty() {
        return Err(refused);
    }
    let probe = Probe::detect();
    let mut sandbox = Sandbox::new(
        launcher.to_owned(),
        python,
        examples_dir(&config.confine).as_deref(),
        run.limits,
        &probe,
        &run.allow_missing,
    )
    .map_err(|e| {
        vec![
            Diagnostic::error(
                format!("examples will not run unprotected: {e}"),
                book_toml.clone(),
            )
            .with_help(
                "run `proofbook doctor` for details; to run without it anyway, add \
                     `allow-missing = [\"NAME\"]` under [proofbook.sandbox] in book.toml",
            ),
        ]
    })?;
    sandbox.set_named(named);
    warnings.extend(probe.missing().into_iter().map(|(protection, why)| {
        Diagnostic::warning(
            format!(
                "examples run without {} (allowed by book.toml): {why}",
                protection.name()
            ),
            book_toml.clone(),
        )
    }));
    Ok((sandbox, warnings))
}

/// The default interpreter (never one of the book's) and its environment,
/// or the error that stops the examples, at book.toml or the requirements
/// file's line.
fn default_python(
    config: &Config,
    say: &mut dyn FnMut(&str),
) -> Result<python::PythonEnv, Vec<Diagnostic>> {
    let run = &config.run;
    book_interpreter(config).map_err(|d| vec![d])?;
    python::provision(
        &run.interpreter,
        run.requirements.as_deref(),
        run.source_builds,
        &run.cache_dir,
        say,
    )
    .map_err(|e| {
        let help = python_help(&e);
        let span = match &e {
            PythonError::NotOfTheIndex { path, line, .. } => Span::new(path, *line as u32, 1, 1),
            _ => Span::file(config.root.join(CONFIG_FILE)),
        };
        vec![Diagnostic::error(format!("examples cannot run: {e}"), Some(span)).with_help(help)]
    })
}

/// `[proofbook.python.interpreters]` found on this machine (the PATH, pyenv,
/// uv and the book's builds), with an error or warning at the line of each
/// entry that is not. A book without the table looks for nothing.
pub fn named_interpreters(config: &Config) -> (Vec<Resolved>, Vec<Diagnostic>) {
    let run = &config.run;
    if run.interpreters.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let places = Places::from_env(&config.root);
    let mut cache = VerifyCache::open(&run.cache_dir, VERIFY_TIMEOUT);
    interpreters::discover(&run.interpreters, &places, &mut cache)
}

/// Refuses a default interpreter that is a program of the book: config
/// refuses a path into it, and here a bare name found on PATH there (a
/// PATH entry such as `.` or `bin`, relative to where proofbook started).
/// It would run as the user, outside the sandbox, to make the environment.
pub fn book_interpreter(config: &Config) -> Result<(), Diagnostic> {
    let command = Path::new(&config.run.interpreter);
    let found = if command.components().count() > 1 {
        Some(command.to_owned())
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(command))
                .find(|p| p.is_file())
        })
    };
    match found {
        Some(at) if config.confine.within_book(&at) => Err(Diagnostic::error(
            format!(
                "examples cannot run: the interpreter `{}` is {}, inside the book",
                config.run.interpreter,
                at.display()
            ),
            Some(Span::file(config.root.join(CONFIG_FILE))),
        )
        .with_help(
            "an interpreter is a program of this machine, never of the book: proofbook runs it as you, \
             outside the sandbox; take the book's folder out of PATH, or set `interpreter` under \
             [proofbook.python] to one installed on this machine",
        )),
        _ => Ok(()),
    }
}

fn python_help(e: &PythonError) -> &'static str {
    match e {
        PythonError::Requirements { .. } => {
            "fix `requirements` under [proofbook.python]: the path is relative to the book's root"
        }
        PythonError::NotOfTheIndex { .. } => {
            "name packages of the index only (a version, extras, `--hash=` and a marker may follow): \
             pip runs as you, outside the sandbox, and would build a path, archive or URL, running its \
             build scripts; with `source-builds = true` under [proofbook.python] packages of the index \
             may also be built from source"
        }
        PythonError::Setup { .. } => {
            "fix the requirements file (pip's output is above), or check that the interpreter has the venv module"
        }
        _ => {
            "install Python 3 or set `interpreter` under [proofbook.python]; \
             or set `examples = false` under [proofbook.run] to build without running"
        }
    }
}
