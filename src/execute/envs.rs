//! Per-example environments (#28 item 1): an example whose program starts
//! with a PEP 723 `# /// script` block (`markdown::script_meta`) runs in a
//! virtual environment holding exactly the packages it names, as `uv run`
//! would run it on a reader's machine.
//!
//! An environment is keyed by the package set (sorted, repeats dropped),
//! the interpreter (its version, implementation and installation) and
//! whether source builds are allowed; every example asking for the same
//! set shares it. It lives in `.proofbook-cache/envs/VERSION-KEY/`, built
//! in place under a lock file and marked ready last, so an interrupted or
//! failed install is never taken for a finished one, two builds at once
//! build it once, and the scripts it installs keep their paths. The
//! sandbox mounts it read-only and runs its `bin/python`.
//!
//! Building one runs pip (or uv, when it is on PATH) as the user, outside
//! the sandbox: a package built from source runs its own build scripts, so
//! pip takes wheels only (`--only-binary :all:`) unless book.toml sets
//! `[proofbook.python] source-builds = true`. A requirement that is a
//! pip option (`--index-url …`) or a direct URL (`pkg @ https://…`) is
//! refused: the book names packages of the index, nothing else.
//!
//! A set that cannot be installed fails the examples that asked for it,
//! with the installer's message at their script block; the other examples
//! still run, and environments already built stay.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::execute::Job;
use crate::execute::python::PythonEnv;
use crate::markdown::script_meta::ScriptMeta;

/// The folder of the cache that holds them.
pub const ENVS_DIR: &str = "envs";
const READY: &str = ".proofbook-ready";
/// What an environment holds, written beside it for `clean --envs`.
const ABOUT: &str = "proofbook-env.json";

/// A failure message that belongs at the example's script block.
const NOT_INSTALLED: &str = "its packages could not be installed";
const PYTHON_NOT_MET: &str = "its `requires-python`";

/// What `clean --envs` shows of an environment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct About {
    pub packages: Vec<String>,
    pub python: String,
    pub installer: String,
    pub wheels_only: bool,
}

/// Whether a run's error came from its script block (a set that could not
/// be installed, a `requires-python` not met), to be shown at that block.
pub fn is_script_error(message: &str) -> bool {
    message.starts_with(NOT_INSTALLED) || message.starts_with(PYTHON_NOT_MET)
}

/// The part of an example's cache key its packages make (empty without
/// any): the environment's contents follow from the set and the
/// interpreter, already in the key. No environment is needed to compute
/// it, so a cached example never waits for one to be built.
pub fn key_part(meta: Option<&ScriptMeta>) -> String {
    match meta.map(ScriptMeta::package_set) {
        Some(set) if !set.is_empty() => format!("packages {set:?}"),
        _ => String::new(),
    }
}

/// The environments this build's examples need, built or found once.
#[derive(Debug, Default)]
pub struct Envs {
    /// (The interpreter's environment key, package set) → the
    /// environment's folder, or why it could not be made: one per set and
    /// interpreter, since a matrix runs a script block under each.
    ready: HashMap<(String, Vec<String>), Result<PathBuf, String>>,
}

impl Envs {
    /// Builds (or finds) an environment for each package set `jobs` ask
    /// for, one after another; `progress` hears each one that is built.
    /// `python` gives the interpreter each job runs under (`None`: it
    /// cannot run, so it needs no environment).
    pub fn prepare(
        &mut self,
        python: &dyn Fn(&Job<'_>) -> Option<PythonEnv>,
        cache_dir: &Path,
        source_builds: bool,
        jobs: &[&Job<'_>],
        progress: &mut dyn FnMut(&str),
    ) {
        for job in jobs {
            let Some(script) = &job.block.script else {
                continue;
            };
            let Some(python) = python(job) else { continue };
            let set = script.meta.package_set();
            let key = (python.key.clone(), set);
            if key.1.is_empty() || self.ready.contains_key(&key) {
                continue;
            }
            let made = provision(&python, cache_dir, &key.1, source_builds, progress);
            self.ready.insert(key, made);
        }
    }

    /// The environment `job` runs in: `None` for the sandbox's own, or why
    /// it cannot run (its packages, or a `requires-python` the interpreter
    /// does not meet).
    pub fn for_job(&self, job: &Job<'_>, python: &PythonEnv) -> Result<Option<&Path>, String> {
        let Some(script) = &job.block.script else {
            return Ok(None);
        };
        let version = python.version.as_str();
        let meta = &script.meta;
        if !meta.runs_on(version) {
            let wanted = meta
                .requires_python
                .as_ref()
                .map_or_else(String::new, ToString::to_string);
            return Err(format!(
                "{PYTHON_NOT_MET} (\"{wanted}\") is not met by Python {version}, which runs the examples"
            ));
        }
        let set = meta.package_set();
        if set.is_empty() {
            return Ok(None);
        }
        match self.ready.get(&(python.key.clone(), set)) {
            Some(Ok(dir)) => Ok(Some(dir)),
            Some(Err(why)) => Err(why.clone()),
            None => Err(format!(
                "{NOT_INSTALLED}: its environment was not prepared before it ran"
            )),
        }
    }
}

/// The environment for `packages` under `cache_dir`, built when it is not
/// there yet; `Err` holds the installer's message.
pub fn provision(
    python: &PythonEnv,
    cache_dir: &Path,
    packages: &[String],
    source_builds: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, String> {
    let failed = |why: String| format!("{NOT_INSTALLED} ({}):\n{why}", packages.join(", "));
    if let Some(bad) = packages.iter().find(|p| refused(p)) {
        return Err(failed(format!(
            "`{bad}` is not a package of the index: options and direct URLs are refused, name the package (and a version) instead"
        )));
    }
    let dir = cache_dir
        .join(ENVS_DIR)
        .join(name(python, packages, source_builds));
    let ready = dir.join(READY);
    if ready.exists() {
        return Ok(dir);
    }
    fs::create_dir_all(cache_dir.join(ENVS_DIR)).map_err(|e| failed(e.to_string()))?;
    // One build at a time per environment; the second finds it ready.
    let lock_file = dir.with_file_name(format!("{}.lock", name(python, packages, source_builds)));
    let lock = fs::File::create(lock_file).map_err(|e| failed(e.to_string()))?;
    lock.lock().map_err(|e| failed(e.to_string()))?;
    if ready.exists() {
        return Ok(dir);
    }
    let installer = Installer::find();
    progress(&format!(
        "setting up the packages of an example ({}) with {} in {}: once per package set",
        packages.join(", "),
        installer.name(),
        dir.display()
    ));
    let started = Instant::now();
    let _ = fs::remove_dir_all(&dir); // a build that did not finish
    let built = build(&installer, python, &dir, packages, source_builds, progress);
    if let Err(why) = built {
        let _ = fs::remove_dir_all(&dir);
        return Err(failed(why));
    }
    progress(&format!(
        "the packages are ready ({:.1} s); later builds reuse them",
        started.elapsed().as_secs_f64()
    ));
    Ok(dir)
}

/// A requirement that is a pip option, or fetches from a URL.
fn refused(requirement: &str) -> bool {
    let r = requirement.trim();
    r.starts_with('-') || r.contains('@') || r.contains("://") || r.contains(['\n', '\r'])
}

/// `VERSION-KEY`: readable in a listing, unique per set and interpreter.
fn name(python: &PythonEnv, packages: &[String], source_builds: bool) -> String {
    let mut h = Sha256::new();
    for part in [&python.version, &python.implementation] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for mount in &python.mounts[..python.mounts.len().min(1)] {
        h.update(mount.as_os_str().as_encoded_bytes());
        h.update([0]);
    }
    h.update([u8::from(source_builds)]);
    for p in packages {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let key = crate::execute::cache::hex(&h.finalize()[..8]);
    format!("{}-{key}", python.version)
}

/// What installs the packages.
enum Installer {
    Pip,
    Uv(PathBuf),
}

impl Installer {
    /// uv when it is on PATH (much faster), else pip.
    fn find() -> Installer {
        std::env::var_os("PATH")
            .and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join("uv"))
                    .find(|p| p.is_file())
            })
            .map_or(Installer::Pip, Installer::Uv)
    }

    fn name(&self) -> &'static str {
        match self {
            Installer::Pip => "pip",
            Installer::Uv(_) => "uv",
        }
    }
}

/// Creates the venv at `dir` and installs `packages` into it, then writes
/// what it holds and marks it ready.
fn build(
    installer: &Installer,
    python: &PythonEnv,
    dir: &Path,
    packages: &[String],
    source_builds: bool,
    progress: &mut dyn FnMut(&str),
) -> Result<(), String> {
    let env_python = dir.join("bin").join("python");
    let wheels: &[&str] = if source_builds {
        &[]
    } else {
        &["--only-binary", ":all:"]
    };
    let step = |what: &str, cmd: &mut Command, progress: &mut dyn FnMut(&str)| {
        crate::execute::python::setup_step(what, cmd, progress).map_err(|e| match e {
            crate::execute::python::PythonError::Setup { what, output } => {
                format!("{what}\n{output}")
            }
            other => other.to_string(),
        })
    };
    match installer {
        Installer::Pip => {
            step(
                "python -m venv",
                Command::new(&python.base_interpreter)
                    .args(["-m", "venv"])
                    .arg(dir),
                progress,
            )?;
            step(
                "pip install",
                Command::new(&env_python)
                    .args(crate::execute::python::PIP_INSTALL)
                    .args(wheels)
                    .arg("--")
                    .args(packages),
                progress,
            )?;
        }
        Installer::Uv(uv) => {
            step(
                "uv venv",
                Command::new(uv)
                    .args(["venv", "--quiet", "--python"])
                    .arg(&python.base_interpreter)
                    .arg(dir),
                progress,
            )?;
            step(
                "uv pip install",
                Command::new(uv)
                    .args(["pip", "install", "--quiet", "--python"])
                    .arg(&env_python)
                    .args(wheels)
                    .arg("--")
                    .args(packages),
                progress,
            )?;
        }
    }
    let about = About {
        packages: packages.to_vec(),
        python: python.version.clone(),
        installer: installer.name().into(),
        wheels_only: !source_builds,
    };
    let json = serde_json::to_string_pretty(&about).map_err(|e| e.to_string())?;
    fs::write(dir.join(ABOUT), json)
        .and_then(|()| fs::write(dir.join(READY), ""))
        .map_err(|e| format!("cannot mark {} ready: {e}", dir.display()))
}

/// One environment in the cache, for `clean --envs`.
#[derive(Debug)]
pub struct Listed {
    pub dir: PathBuf,
    /// What it holds; `None` for one that never finished.
    pub about: Option<About>,
    pub bytes: u64,
}

/// The environments under `cache_dir`, by name.
pub fn list(cache_dir: &Path) -> Vec<Listed> {
    let Ok(entries) = fs::read_dir(cache_dir.join(ENVS_DIR)) else {
        return Vec::new();
    };
    let mut out: Vec<Listed> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| {
            let dir = e.path();
            let about = dir
                .join(READY)
                .exists()
                .then(|| fs::read_to_string(dir.join(ABOUT)).ok())
                .flatten()
                .and_then(|text| serde_json::from_str(&text).ok());
            let bytes = walkdir::WalkDir::new(&dir)
                .into_iter()
                .flatten()
                .filter_map(|f| f.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum();
            Listed { dir, about, bytes }
        })
        .collect();
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    out
}

/// Removes every environment (and their lock files) under `cache_dir`.
pub fn remove_all(cache_dir: &Path) -> std::io::Result<()> {
    let dir = cache_dir.join(ENVS_DIR);
    match fs::remove_dir_all(&dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_urls_are_not_packages() {
        for bad in [
            "--index-url=http://x",
            "-e .",
            "pkg @ https://example.org/p.whl",
            "git+https://x/y",
        ] {
            assert!(refused(bad), "{bad}");
        }
        for good in ["numpy<2", "uvloop>=0.19", "rich", "attrs[tests]==23.1"] {
            assert!(!refused(good), "{good}");
        }
    }

    #[test]
    fn the_key_part_follows_the_set_not_its_order() {
        let meta = |deps: &[&str]| ScriptMeta {
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
            requires_python: None,
            line: 1,
        };
        let a = key_part(Some(&meta(&["b", "a"])));
        assert_eq!(a, key_part(Some(&meta(&["a", "b", "a"]))));
        assert_ne!(a, key_part(Some(&meta(&["a", "b<2"]))));
        assert_eq!(key_part(Some(&meta(&[]))), "");
        assert_eq!(key_part(None), "");
    }
}
