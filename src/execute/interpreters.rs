//! Finding the book's named interpreters (`[proofbook.python.interpreters]`)
//! on this machine and checking each is what its entry says.
//!
//! A `version` entry is looked for in four places, in order: PATH, pyenv's
//! version folders, uv's, and the interpreters built from source in the
//! user's cache (`builds_dir`, where `scripts/install-python-313t` puts a
//! free-threaded 3.13), shared by every book. Never in the book: a candidate
//! is run as the user, outside the sandbox, so one that lies inside the book
//! (a PATH entry such as `.`, a link, a verification cached in the book that
//! names a binary there) is skipped with its reason. Every candidate
//! is run once (`verify`): what does not run is skipped with its reason, so
//! a pyenv shim for a version not selected ("pyenv: python3.13: command not
//! found") does not stop the search behind it. A `path` entry is that one
//! binary. The first candidate that is what the entry asks for wins.
//!
//! A name left without an interpreter is an error at its book.toml line
//! that lists where proofbook looked and why each candidate was skipped;
//! with `optional = true` it is a warning and the name is `Absent`.
//! The default `[proofbook.python] interpreter` is not handled here: it
//! keeps `python::provision`, so a book without the table is unchanged.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::config::{NamedInterpreter, Want};
use crate::diag::Diagnostic;
pub use crate::execute::verify::{VERIFY_TIMEOUT, Verified, VerifyCache};

/// Where to look, read from the environment once (tests give their own).
#[derive(Debug, Clone)]
pub struct Places {
    /// `$PATH`.
    pub path_var: Option<OsString>,
    /// `$PYENV_ROOT/versions`, or `~/.pyenv/versions`.
    pub pyenv_versions: Option<PathBuf>,
    /// uv's managed interpreters: `$UV_PYTHON_INSTALL_DIR`, or
    /// `$XDG_DATA_HOME/uv/python`, or `~/.local/share/uv/python`.
    pub uv_python: Option<PathBuf>,
    /// The interpreters built from source, in the user's cache
    /// (`builds_dir`); `None` when there is no user cache folder.
    pub builds: Option<PathBuf>,
    /// The book's folder, links resolved: no candidate there is run.
    pub book: Option<PathBuf>,
}

impl Places {
    /// This process's environment, for the book in `book_root`.
    pub fn from_env(book_root: &Path) -> Places {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let home = var("HOME").map(PathBuf::from);
        Places {
            path_var: var("PATH"),
            pyenv_versions: var("PYENV_ROOT")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".pyenv")))
                .map(|r| r.join("versions")),
            uv_python: var("UV_PYTHON_INSTALL_DIR")
                .map(PathBuf::from)
                .or_else(|| var("XDG_DATA_HOME").map(|d| PathBuf::from(d).join("uv/python")))
                .or_else(|| home.map(|h| h.join(".local/share/uv/python"))),
            builds: builds_dir(),
            book: book_root.canonicalize().ok(),
        }
    }
}

/// Where `scripts/install-python-313t` installs, in the user's cache:
/// `$XDG_CACHE_HOME/proofbook/python/builds` (or `~/.cache/...`), shared by
/// every book, never a book's own folder (a book could ship a "build").
/// `None` when neither XDG_CACHE_HOME nor HOME says where that is.
pub fn builds_dir() -> Option<PathBuf> {
    crate::execute::secret::user_folder()
        .ok()
        .map(|f| f.join("python").join("builds"))
}

/// One named interpreter, found or not.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub name: String,
    pub want: Want,
    pub found: Result<Found, Absent>,
}

#[derive(Debug, Clone)]
pub struct Found {
    /// The candidate that answered (a command on PATH, a pyenv binary).
    pub candidate: PathBuf,
    pub verified: Verified,
}

/// Why a name has no interpreter here, kept for the runs that will say
/// "not run on this machine".
#[derive(Debug, Clone)]
pub struct Absent {
    /// One line: `no CPython 3.13 free-threaded found`.
    pub reason: String,
    /// Each place looked in and each candidate skipped, one line each.
    pub looked: Vec<String>,
}

/// Resolves every entry: the interpreters, and a diagnostic (an error, or a
/// warning for an optional entry) at the line of each one not found.
pub fn discover(
    named: &[NamedInterpreter],
    places: &Places,
    cache: &mut VerifyCache,
) -> (Vec<Resolved>, Vec<Diagnostic>) {
    let mut all = Vec::new();
    let mut diagnostics = Vec::new();
    for entry in named {
        let found = find(&entry.want, places, cache);
        if let Err(absent) = &found {
            diagnostics.push(absent_diagnostic(entry, absent, places));
        }
        all.push(Resolved {
            name: entry.name.clone(),
            want: entry.want.clone(),
            found,
        });
    }
    cache.save();
    (all, diagnostics)
}

fn absent_diagnostic(entry: &NamedInterpreter, absent: &Absent, places: &Places) -> Diagnostic {
    let message = format!("interpreter `{}`: {}", entry.name, absent.reason);
    let mut help = String::new();
    if !absent.looked.is_empty() {
        help.push_str("proofbook looked in:\n");
    }
    for line in &absent.looked {
        help.push_str("  ");
        help.push_str(line);
        help.push('\n');
    }
    help.push_str(&how_to_get(&entry.want, places));
    if entry.optional {
        help.push_str("\nits examples are not run on this machine");
        Diagnostic::warning(message, Some(entry.span.clone())).with_help(help)
    } else {
        help.push_str(
            "\nor add `optional = true` to the entry to build without it on machines that lack it",
        );
        Diagnostic::error(message, Some(entry.span.clone())).with_help(help)
    }
}

fn how_to_get(want: &Want, places: &Places) -> String {
    if want.path.is_some() {
        let what = match want.free_threaded {
            Some(true) => {
                "a free-threaded build (configured with --disable-gil; `scripts/install-python-313t` makes a 3.13 one)"
            }
            Some(false) => "a build with the GIL",
            None => "a working interpreter",
        };
        let search = if want.version.is_some() {
            ", or remove `path` to let proofbook search for the version"
        } else {
            ""
        };
        return format!("point `path` at {what}{search}");
    }
    let Some((major, minor)) = want.version else {
        return String::new();
    };
    if want.free_threaded == Some(true) {
        let script = if (major, minor) == (3, 13) {
            format!(
                "run `scripts/install-python-313t` from proofbook's repository (builds CPython 3.13.5 \
                 free-threaded from source into {}, for every book, about 4 CPU-minutes), or ",
                places.builds.as_deref().map_or_else(
                    || "$XDG_CACHE_HOME/proofbook/python/builds".to_owned(),
                    |b| b.display().to_string()
                )
            )
        } else {
            String::new()
        };
        format!(
            "to get one: {script}`uv python install {major}.{minor}t` or `pyenv install {major}.{minor}t`, \
             or set `path` to a build configured with --disable-gil"
        )
    } else {
        format!(
            "to get one: `pyenv install {major}.{minor}` or `uv python install {major}.{minor}` \
             or your system's python{major}.{minor} package, or set `path` to one"
        )
    }
}

/// The first candidate that is what `want` asks for.
fn find(want: &Want, places: &Places, cache: &mut VerifyCache) -> Result<Found, Absent> {
    let mut looked = Vec::new();
    let groups = match (&want.path, want.command()) {
        (Some(path), _) => vec![(format!("`path` {}", path.display()), vec![path.clone()])],
        (None, Some(command)) => candidates(&command, places),
        (None, None) => Vec::new(),
    };
    let mut seen = HashSet::new();
    for (place, paths) in groups {
        if paths.is_empty() {
            looked.push(format!("{place}: none there"));
        }
        for candidate in paths {
            // PATH and pyenv's folders can name one binary twice.
            if !seen.insert(candidate.canonicalize().unwrap_or(candidate.clone())) {
                continue;
            }
            let why = match cache.verify_outside(&candidate, places.book.as_deref()) {
                Ok(v) => match mismatch(want, &v) {
                    None => {
                        return Ok(Found {
                            candidate,
                            verified: v,
                        });
                    }
                    Some(why) => why,
                },
                Err(why) => why,
            };
            looked.push(format!("{place}: skipped {}: {why}", candidate.display()));
        }
    }
    // A `path` entry has one candidate: its reason says it all.
    if let (Some(path), [only]) = (&want.path, looked.as_slice()) {
        let why = only
            .rsplit_once(": skipped ")
            .map_or(only.as_str(), |(_, w)| w);
        let why = why
            .strip_prefix(&format!("{}: ", path.display()))
            .unwrap_or(why);
        return Err(Absent {
            reason: format!("{}: {why}", path.display()),
            looked: Vec::new(),
        });
    }
    let reason = format!("no {} found on this machine", want.describe());
    Err(Absent { reason, looked })
}

/// Why `v` is not what `want` asks for, or `None` when it is.
fn mismatch(want: &Want, v: &Verified) -> Option<String> {
    if let Some((major, minor)) = want.version {
        if v.implementation != "cpython" {
            return Some(format!("it is {}, not CPython", v.label()));
        }
        if (v.major, v.minor) != (major, minor) {
            return Some(format!("it is {}, not {major}.{minor}", v.label()));
        }
    }
    match want.free_threaded {
        Some(true) if !v.free_threaded => Some(format!(
            "it is {} with the GIL, not a free-threaded build (Py_GIL_DISABLED is not 1)",
            v.label()
        )),
        Some(false) if v.free_threaded => Some(format!(
            "it is {}; write `free-threaded = true` to use a free-threaded build",
            v.label()
        )),
        _ => None,
    }
}

/// Each place a `command` (`python3.13t`) may be, with the files found
/// there: PATH's folders in order, then each version folder of pyenv, uv and
/// the book's builds, newest version first.
fn candidates(command: &str, places: &Places) -> Vec<(String, Vec<PathBuf>)> {
    let on_path = places
        .path_var
        .as_ref()
        .map(|p| {
            std::env::split_paths(p)
                .map(|dir| dir.join(command))
                .filter(|f| f.is_file())
                .collect()
        })
        .unwrap_or_default();
    let mut groups = vec![(format!("PATH ({command})"), on_path)];
    let folders = [
        ("pyenv", places.pyenv_versions.as_deref()),
        ("uv", places.uv_python.as_deref()),
        ("the user's builds", places.builds.as_deref()),
    ];
    for (what, root) in folders {
        let Some(root) = root else { continue };
        let place = format!("{what} ({}/*/bin/{command})", root.display());
        // The builds are proofbook's own folder: used only while others
        // cannot write there, as the key beside them.
        if what == "the user's builds"
            && let Some(mine) = root.parent().and_then(Path::parent)
            && mine.exists()
            && let Err(e) = crate::execute::secret::is_private_folder(mine)
        {
            groups.push((format!("{place}, not used: {e}"), Vec::new()));
            continue;
        }
        groups.push((place, versions_in(root, command)));
    }
    groups
}

/// `root/*/bin/command` that exist, newest version folder first
/// (`3.12.10` before `3.12.9`).
fn versions_in(root: &Path, command: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut found: Vec<(Vec<u64>, PathBuf)> = entries
        .flatten()
        .map(|e| e.path().join("bin").join(command))
        .filter(|f| f.is_file())
        .map(|f| {
            let name = f
                .parent()
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (version_key(&name), f)
        })
        .collect();
    found.sort_by(|a, b| b.cmp(a));
    found.into_iter().map(|(_, f)| f).collect()
}

/// The numbers in a folder's name, in order: `cpython-3.13.5-linux` →
/// [3, 13, 5], so folders sort by version rather than by text.
fn version_key(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
#[path = "interpreters_tests.rs"]
mod tests;
