//! `[proofbook.python.interpreters]`: the book's named interpreters, beside
//! the default `[proofbook.python] interpreter` that every example runs under
//! unless it names another (issue #21).
//!
//! ```toml
//! [proofbook.python.interpreters]
//! "3.12"  = { version = "3.12" }
//! "3.13t" = { version = "3.13", free-threaded = true, optional = true }
//! "sys"   = { path = "/usr/bin/python3" }
//! ```
//!
//! An entry may name its own `requirements` file (relative to book.toml),
//! installed into its environment instead of the book's.
//!
//! Here each entry is only checked as written: a name fences can use, a
//! version proofbook can look for, a `path` that is an executable file.
//! Finding and running the interpreters is `execute::interpreters`' work;
//! config starts no process.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::ConfigError;
use super::raw::RawInterpreter;
use crate::confine::Confined;
use crate::diag::Span;

/// Why an interpreter inside the book is refused, and what to do instead.
pub(super) const BOOK_PROGRAM_HELP: &str = "an interpreter is a program of this machine, never of the book: \
proofbook runs it as you, outside the sandbox, to learn its version and make its environment, so a book \
could otherwise run any program it ships; name one installed on this machine (`command -v python3.13` \
shows it), or a `version` for proofbook to find";

/// One entry of the table, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedInterpreter {
    /// The table's key, as fences and figures will name it (`3.13t`).
    pub name: String,
    pub want: Want,
    /// Absent on this machine is a warning and the interpreter's runs are
    /// "not run on this machine", instead of an error.
    pub optional: bool,
    /// The entry's key in book.toml.
    pub span: Span,
    /// Its own requirements file (absolute), instead of the book's: for
    /// an interpreter some of the book's packages have no build for.
    pub requirements: Option<PathBuf>,
}

/// What an entry asks for. Discovery checks every part that is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    /// `(major, minor)`, when the entry names a version.
    pub version: Option<(u32, u32)>,
    /// `Some(true)`: the GIL must be disabled; `Some(false)`: it must not
    /// be (a `version` entry that does not say, so `"3.13"` never quietly
    /// becomes a 3.13t); `None`: either (a `path` entry that does not say).
    pub free_threaded: Option<bool>,
    /// The interpreter to use (absolute, as written: it may be a launcher
    /// script, and verification finds the binary behind it); `None` means
    /// search for `version`.
    pub path: Option<PathBuf>,
}

impl Want {
    /// The command a search looks for: `python3.13t` for a free-threaded 3.13.
    pub fn command(&self) -> Option<String> {
        let (major, minor) = self.version?;
        let t = if self.free_threaded == Some(true) {
            "t"
        } else {
            ""
        };
        Some(format!("python{major}.{minor}{t}"))
    }

    /// How errors and `doctor` name what was asked: `CPython 3.13
    /// free-threaded`, or the path.
    pub fn describe(&self) -> String {
        let build = match self.free_threaded {
            Some(true) => " free-threaded",
            Some(false) => " with the GIL",
            None => "",
        };
        match (self.version, &self.path) {
            (Some((major, minor)), None) => format!("CPython {major}.{minor}{build}"),
            (Some((major, minor)), Some(p)) => {
                format!("CPython {major}.{minor}{build} at {}", p.display())
            }
            (None, Some(p)) => format!("{}{build}", p.display()),
            (None, None) => "an interpreter".into(),
        }
    }
}

/// Names are written in fences (`python="3.12,3.13t"`) and figure
/// references (`ID@3.13t`), so they may not hold the separators those use.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Checks every entry, reporting all problems at once (one error each, at
/// its entry's line). `span_of` finds a key's place in book.toml.
pub(super) fn resolve(
    raw: &BTreeMap<String, RawInterpreter>,
    confine: &Confined,
    span_of: &dyn Fn(&[&str]) -> Option<Span>,
    file: &Path,
) -> Result<Vec<NamedInterpreter>, ConfigError> {
    let root = confine.root();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, entry) in raw {
        let entry_key = ["proofbook", "python", "interpreters", name.as_str()];
        let at = |key: Option<&str>| {
            key.and_then(|k| span_of(&[&entry_key[..], &[k]].concat()))
                .or_else(|| span_of(&entry_key))
                .unwrap_or_else(|| Span::file(file))
        };
        let bad = |key: Option<&str>, message: String, help: &str| ConfigError::Invalid {
            message: format!("interpreter `{name}`: {message}"),
            span: at(key),
            help: Some(help.to_owned()),
        };
        match check_entry(name, entry, confine) {
            Ok(want) => out.push(NamedInterpreter {
                name: name.clone(),
                want,
                optional: entry.optional,
                span: at(None),
                requirements: entry.requirements.as_ref().map(|p| root.join(p)),
            }),
            Err((key, message, help)) => errors.push(bad(key, message, &help)),
        }
    }
    match errors.len() {
        0 => Ok(out),
        1 => Err(errors.remove(0)),
        _ => Err(ConfigError::Several(errors)),
    }
}

/// The key at fault (`None`: the entry), the message and the help.
type EntryError = (Option<&'static str>, String, String);

fn check_entry(name: &str, entry: &RawInterpreter, confine: &Confined) -> Result<Want, EntryError> {
    if !valid_name(name) {
        return Err((
            None,
            "the name may hold only letters, digits, `.`, `_` and `-` (at most 32)".into(),
            "fences and figures name interpreters, separated by commas and `@`; rename it, e.g. `3.13t`".into(),
        ));
    }
    let version = entry
        .version
        .as_deref()
        .map(|v| parse_version(v).ok_or(v))
        .transpose()
        .map_err(|v| {
            let hint = match v.strip_suffix('t') {
                Some(base) if parse_version(base).is_some() => {
                    format!("for the free-threaded build write `version = \"{base}\", free-threaded = true`")
                }
                _ => "write major and minor only, such as `version = \"3.13\"`".into(),
            };
            (Some("version"), format!("`version = {v:?}` is not a CPython version"), hint)
        })?;
    if entry.free_threaded == Some(true)
        && let Some((major, minor)) = version
        && (major, minor) < (3, 13)
    {
        return Err((
            Some("free-threaded"),
            format!("CPython {major}.{minor} has no free-threaded build"),
            "free-threaded CPython starts at 3.13; use `version = \"3.13\"` or later".into(),
        ));
    }
    let path = entry
        .path
        .as_deref()
        .map(|p| check_path(p, confine))
        .transpose()?;
    if version.is_none() && path.is_none() {
        return Err((
            None,
            "says neither `version` nor `path`".into(),
            "write `{ version = \"3.12\" }` to have proofbook find it, or `{ path = \"/usr/bin/python3\" }`".into(),
        ));
    }
    // A version entry wants the GIL build unless it says otherwise; a bare
    // path is taken as it is.
    let free_threaded = entry.free_threaded.or(version.is_some().then_some(false));
    Ok(Want {
        version,
        free_threaded,
        path,
    })
}

/// `[proofbook.python] interpreter`: a command looked up on PATH when it
/// is a bare name (`python3`, the default), else a path, relative to
/// book.toml's folder like every path book.toml names (so the folder
/// `proofbook` is started from does not change which program it is). A
/// path that leads into the book is refused, as a named `path` is.
pub(super) fn default_interpreter(
    written: Option<&str>,
    confine: &Confined,
    span: &dyn Fn() -> Span,
) -> Result<String, ConfigError> {
    let Some(written) = written else {
        return Ok("python3".into());
    };
    if !written.contains('/') {
        return Ok(written.to_owned());
    }
    let full = confine.root().join(written);
    if confine.within_book(&full) {
        return Err(ConfigError::Invalid {
            message: format!("`interpreter` {} is inside the book", full.display()),
            span: span(),
            help: Some(BOOK_PROGRAM_HELP.to_owned()),
        });
    }
    Ok(full.to_string_lossy().into_owned())
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.split_once('.')?;
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(major) || !all_digits(minor) || major != "3" {
        return None;
    }
    Some((3, minor.parse().ok()?))
}

/// A `path` is the user's own machine's, not the book's, so it is not
/// confined to the book; but it is still input: it must name an executable
/// regular file (links followed), or nothing is run. It may not lead into
/// the book: proofbook runs an interpreter outside the sandbox to learn
/// what it is and to make its environment, and a book (downloaded, or a
/// pull request) would otherwise choose a program run as the user.
fn check_path(path: &Path, confine: &Confined) -> Result<PathBuf, EntryError> {
    let full = confine.root().join(path);
    let shown = full.display();
    if confine.within_book(&full) {
        return Err((
            Some("path"),
            format!("`path` {shown} is inside the book"),
            BOOK_PROGRAM_HELP.to_owned(),
        ));
    }
    let meta = std::fs::metadata(&full).map_err(|e| {
        (
            Some("path"),
            format!("`path` {shown} cannot be used: {e}"),
            "give the interpreter's full path (`command -v python3.12` shows it); a relative path is relative to book.toml's folder".to_owned(),
        )
    })?;
    if !meta.is_file() {
        return Err((
            Some("path"),
            format!("`path` {shown} is not a file"),
            "name the interpreter itself, such as /usr/bin/python3, not its folder".into(),
        ));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err((
            Some("path"),
            format!("`path` {shown} is not executable"),
            "name the interpreter binary; `chmod +x` it if it is one".into(),
        ));
    }
    Ok(full)
}

#[cfg(test)]
#[path = "interpreters_tests.rs"]
mod tests;
