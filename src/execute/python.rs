//! The Python environment examples run in: the interpreter book.toml names,
//! resolved once to the real binary (a pyenv shim alone costs ~57 ms a
//! start), and a virtual environment with the book's requirements,
//! provisioned once per interpreter and requirements file.
//!
//! Virtual environments live in the book's cache folder, one per key
//! (interpreter path and version, hash of the requirements), built in a
//! temporary folder and renamed into place, so an interrupted install is
//! never mistaken for a finished one and two builds at once cannot clash.
//! This module starts processes outside the sandbox: the interpreter that
//! reports its version, and pip. Both run the book's own set-up, never an
//! example.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// A ready interpreter, with the folders the sandbox must mount for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonEnv {
    /// What the sandbox execs: the venv's `bin/python`, or the real binary.
    pub interpreter: PathBuf,
    /// The real binary behind it, on the machine: what proofbook itself
    /// runs outside the sandbox (to make the examples' own environments),
    /// never the venv's `bin/python`, which lies in the book's cache, where
    /// a book can arrive with an environment of its own making.
    pub base_interpreter: PathBuf,
    /// `sys.version` of the interpreter (first line).
    pub version: String,
    /// `sys.implementation.name` (`cpython`, `pypy`).
    pub implementation: String,
    /// The installation prefix and the venv: mounted read-only.
    pub mounts: Vec<PathBuf>,
    /// Identifies this environment in cache keys.
    pub key: String,
}

impl PythonEnv {
    pub fn bin_dir(&self) -> PathBuf {
        self.interpreter
            .parent()
            .map_or_else(|| PathBuf::from("/usr/bin"), Path::to_path_buf)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    #[error("the Python interpreter `{command}` could not be started: {source}")]
    NotFound {
        command: String,
        source: std::io::Error,
    },
    #[error("the Python interpreter `{command}` failed to report its version:\n{output}")]
    Broken { command: String, output: String },
    #[error("cannot read the requirements file {}: {source}", .path.display())]
    Requirements {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{}:{line}: `{text}` is not a package of the index: options, paths, URLs and archives are refused",
        .path.display()
    )]
    NotOfTheIndex {
        path: PathBuf,
        line: usize,
        text: String,
    },
    #[error("setting up the Python environment failed: {what}\n{output}")]
    Setup { what: String, output: String },
}

/// `python -m pip install`, quiet, asking nothing (also for the examples'
/// own environments, `execute::envs`).
pub(crate) const PIP_INSTALL: [&str; 6] = [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--no-input",
    "--quiet",
];

/// How often a set-up step that has not ended says it is still going: a
/// pip install can take minutes, and a wait without a line reads as a hang.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// What the interpreter says about itself.
#[derive(Debug, Clone, serde::Deserialize)]
struct Identity {
    executable: PathBuf,
    base_prefix: PathBuf,
    version: String,
    implementation: String,
}

const IDENTIFY: &str = "import json, sys; print(json.dumps({'executable': sys.executable, \
'base_prefix': sys.base_prefix, 'version': sys.version.split()[0], \
'implementation': sys.implementation.name}))";

/// Resolves `command` (a name on PATH or a path) and, when `requirements`
/// is given, makes sure the virtual environment for it exists under
/// `cache`: wheels of the index only unless `source_builds`, as pip runs
/// as the user and a package built from source, or a project of the
/// book's, runs its build scripts. `progress` hears a line before a slow
/// step.
pub fn provision(
    command: &str,
    requirements: Option<&Path>,
    source_builds: bool,
    cache: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PythonEnv, PythonError> {
    let id = identify(command)?;
    let executable = id
        .executable
        .canonicalize()
        .unwrap_or(id.executable.clone());
    let base = id
        .base_prefix
        .canonicalize()
        .unwrap_or(id.base_prefix.clone());
    let mut hasher = Sha256::new();
    hasher.update(executable.as_os_str().as_encoded_bytes());
    hasher.update([0]);
    hasher.update(id.version.as_bytes());
    hasher.update([0]);
    let Some(requirements) = requirements else {
        return Ok(PythonEnv {
            interpreter: executable.clone(),
            base_interpreter: executable,
            version: id.version,
            implementation: id.implementation,
            mounts: vec![base],
            key: hex(&hasher.finalize()[..8]),
        });
    };
    let wanted = fs::read(requirements).map_err(|source| PythonError::Requirements {
        path: requirements.to_owned(),
        source,
    })?;
    if let Some((line, text)) = not_of_the_index(&wanted) {
        return Err(PythonError::NotOfTheIndex {
            path: requirements.to_owned(),
            line,
            text,
        });
    }
    // `source_builds` is left out of the key: it decides only how the same
    // packages are fetched, and a changed key would run every example again.
    hasher.update(&wanted);
    let key = hex(&hasher.finalize()[..8]);
    let dir = cache.join("python").join(format!("{}-{key}", id.version));
    let ready = dir.join(".proofbook-ready");
    if !ready.exists() {
        progress(&format!(
            "setting up the Python environment (Python {}, {}) in {}: once per interpreter and requirements file",
            id.version,
            requirements.display(),
            dir.display()
        ));
        let started = Instant::now();
        let wheels: &[&str] = if source_builds {
            &[]
        } else {
            &["--only-binary", ":all:"]
        };
        create_venv(&executable, (requirements, wheels), &wanted, &dir, progress)?;
        progress(&format!(
            "the Python environment is ready ({:.1} s); later builds reuse it",
            started.elapsed().as_secs_f64()
        ));
    }
    let dir = dir.canonicalize().unwrap_or(dir);
    Ok(PythonEnv {
        interpreter: dir.join("bin").join("python"),
        base_interpreter: executable,
        version: id.version,
        implementation: id.implementation,
        mounts: vec![base, dir],
        key,
    })
}

/// Asks `command` who it is, once per process for each command: through
/// a pyenv shim that costs ~60 ms, which `serve` would pay on every save.
/// A long-running process keeps its answer while the interpreter it named
/// still exists (a pyenv version switched during `serve` needs a restart).
fn identify(command: &str) -> Result<Identity, PythonError> {
    static KNOWN: std::sync::Mutex<Vec<(String, Identity)>> = std::sync::Mutex::new(Vec::new());
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    known.retain(|(_, id)| id.executable.exists());
    if let Some((_, id)) = known.iter().find(|(c, _)| c == command) {
        return Ok(id.clone());
    }
    let id = ask(command)?;
    known.push((command.to_owned(), id.clone()));
    Ok(id)
}

fn ask(command: &str) -> Result<Identity, PythonError> {
    let out = Command::new(command)
        .args(["-c", IDENTIFY])
        .output()
        .map_err(|source| PythonError::NotFound {
            command: command.into(),
            source,
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).map_err(|_| PythonError::Broken {
        command: command.into(),
        output: tail(
            &format!("{text}{}", String::from_utf8_lossy(&out.stderr)),
            20,
        ),
    })
}

/// How many packages a requirements file names (its lines that are not
/// blank, comments or options).
fn requirement_count(text: &[u8]) -> usize {
    String::from_utf8_lossy(text)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('-'))
        .count()
}

/// The first line (1-based) of a requirements file that is not a package
/// of the index, and its text. pip reads a line that is an option (`-e .`,
/// `-r`, `--index-url`), a path (`./pkg`), an archive (`pkg.tar.gz`) or a
/// URL (`pkg @ file:...`) as something to fetch or build, which runs code
/// the book chose as the user; a package name with extras, versions,
/// `--hash=` checks and an environment marker is what remains.
fn not_of_the_index(text: &[u8]) -> Option<(usize, String)> {
    const ARCHIVES: [&str; 10] = [
        ".whl", ".zip", ".tar", ".gz", ".tgz", ".bz2", ".tbz", ".xz", ".txz", ".tlz",
    ];
    let text = String::from_utf8_lossy(text);
    for (i, raw) in text.lines().enumerate() {
        // pip's comments: a `#` at the start or after whitespace.
        let line = match raw.find(" #").or(raw.find("\t#")) {
            Some(at) => &raw[..at],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        }
        .trim();
        if line.is_empty() {
            continue;
        }
        let spec = line.split_once(';').map_or(line, |(spec, _marker)| spec);
        let spec: String = spec
            .split_whitespace()
            .filter(|w| !w.starts_with("--hash="))
            .collect::<Vec<_>>()
            .join(" ");
        let name_end = spec
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
            .unwrap_or(spec.len());
        let name = &spec[..name_end].to_ascii_lowercase();
        let plain = !spec.starts_with(['-', '.'])
            && !name.is_empty()
            && !ARCHIVES.iter().any(|a| name.ends_with(a))
            && spec
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " ._-[],<>=!~*".contains(c));
        if !plain {
            return Some((i + 1, crate::terminal_text::tail(line, 1)));
        }
    }
    None
}

/// Runs `cmd` to its end; while it has not ended, `progress` hears that
/// `what` is still running, every `HEARTBEAT`.
fn output_telling(
    cmd: &mut Command,
    what: &str,
    progress: &mut dyn FnMut(&str),
) -> io::Result<Output> {
    let started = Instant::now();
    std::thread::scope(|scope| {
        let (done, ended) = mpsc::channel();
        scope.spawn(move || done.send(cmd.output()));
        loop {
            match ended.recv_timeout(HEARTBEAT) {
                Ok(out) => return out,
                Err(RecvTimeoutError::Timeout) => progress(&format!(
                    "still running {what} ({} s so far)",
                    started.elapsed().as_secs()
                )),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(io::Error::other("the set-up step stopped"));
                }
            }
        }
    })
}

/// Runs one set-up command (`what`, for messages); its output is shown
/// only when it fails.
pub(crate) fn setup_step(
    what: &str,
    cmd: &mut Command,
    progress: &mut dyn FnMut(&str),
) -> Result<(), PythonError> {
    let out = output_telling(cmd, what, progress).map_err(|e| PythonError::Setup {
        what: what.into(),
        output: e.to_string(),
    })?;
    if out.status.success() {
        return Ok(());
    }
    Err(PythonError::Setup {
        what: format!("{what} ({})", out.status),
        output: tail(
            &format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            25,
        ),
    })
}

fn create_venv(
    python: &Path,
    (requirements, wheels): (&Path, &[&str]),
    wanted: &[u8],
    dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<(), PythonError> {
    let parent = dir.parent().expect("the venv folder has a parent");
    fs::create_dir_all(parent).map_err(|e| PythonError::Setup {
        what: format!("cannot create {}", parent.display()),
        output: e.to_string(),
    })?;
    let staging = parent.join(format!(
        ".{}.tmp-{}",
        dir.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&staging);
    let mut run = |what: &str, doing: &str, cmd: &mut Command| {
        progress(doing);
        setup_step(what, cmd, progress)
    };
    let packages = match requirement_count(wanted) {
        1 => "1 package".to_owned(),
        n => format!("{n} packages"),
    };
    let result = run(
        "python -m venv",
        "creating the virtual environment (python -m venv, a few seconds)",
        Command::new(python).args(["-m", "venv"]).arg(&staging),
    )
    .and_then(|()| {
        run(
            &format!("pip install -r {}", requirements.display()),
            &format!(
                "installing {packages} with pip install -r {} (seconds for wheels, minutes for packages built from source)",
                requirements.display()
            ),
            Command::new(staging.join("bin").join("python"))
                .args(PIP_INSTALL)
                .args(wheels)
                .arg("-r")
                .arg(requirements),
        )
    })
    .and_then(|()| {
        fs::write(staging.join(".proofbook-ready"), "").map_err(|e| PythonError::Setup {
            what: "cannot mark the environment ready".into(),
            output: e.to_string(),
        })
    });
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    match fs::rename(&staging, dir) {
        Ok(()) => Ok(()),
        // Another build finished the same environment first: use theirs.
        Err(_) if dir.join(".proofbook-ready").exists() => {
            let _ = fs::remove_dir_all(&staging);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            Err(PythonError::Setup {
                what: format!("cannot move the environment to {}", dir.display()),
                output: e.to_string(),
            })
        }
    }
}

/// The end of what pip or the interpreter printed, for an error: neutralised
/// and capped, since a requirement's build scripts write what they like.
fn tail(text: &str, lines: usize) -> String {
    crate::terminal_text::tail(text, lines)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_packages_of_the_index_pass() {
        let fine = b"# pinned\nnumpy==2.0 ; python_version < \"3.14\"\naiohttp[speedups] >= 3.9, <4 # why\nsix==1.16.0 --hash=sha256:abc\n\n";
        assert_eq!(not_of_the_index(fine), None);
        for (bad, line) in [
            ("six\n./pkg\n", 2),
            ("-e .\n", 1),
            ("-r other.txt\n", 1),
            ("--index-url https://example.org/simple\n", 1),
            ("pkg @ file:./pkg\n", 1),
            ("pkg-1.0.tar.gz\n", 1),
            ("pkg-1.0-py3-none-any.whl\n", 1),
            ("/abs/pkg\n", 1),
            ("# c\n\nsub/dir\n", 3),
        ] {
            assert_eq!(
                not_of_the_index(bad.as_bytes()).map(|(l, _)| l),
                Some(line),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn requirement_count_skips_blanks_comments_and_options() {
        let text = b"# pinned\nnumpy==2.0\n\n  -r more.txt\n--index-url x\nscipy  # fast\n";
        assert_eq!(requirement_count(text), 2);
        assert_eq!(requirement_count(b"\n"), 0);
    }
}
