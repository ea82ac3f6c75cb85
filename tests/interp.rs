//! Named interpreters through the real binary: `[proofbook.python.interpreters]`
//! found in a pyenv-shaped folder (the environment the binary reads), an
//! entry that is not what it says stopping the build at its line, an
//! optional one only warning, and `doctor` listing them. Examples still run
//! under the default interpreter.

mod support;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::BookTest;

/// `(real binary, "X.Y.Z", free-threaded)` of this machine's `python3`.
fn real_python() -> (PathBuf, String, bool) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import os, sys, sysconfig; print(os.path.realpath(sys.executable)); \
             print(sys.version.split()[0]); print(sysconfig.get_config_var('Py_GIL_DISABLED') == 1)",
        ])
        .output()
        .expect("python3 runs on this machine");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let real = PathBuf::from(lines.next().unwrap());
    let version = lines.next().unwrap().to_owned();
    let free_threaded = lines.next() == Some("True");
    (real, version, free_threaded)
}

fn minor_of(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// A machine of its own for the binary: PATH holds only `python3` (the
/// default interpreter), HOME is empty, PYENV_ROOT has one version folder
/// whose `pythonX.Y` links to the real interpreter.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new(real: &Path, version: &str) -> Machine {
        let m = Machine {
            dir: tempfile::tempdir().unwrap(),
        };
        let bin = m.dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        symlink(real, bin.join("python3")).unwrap();
        let versions = m
            .dir
            .path()
            .join("pyenv/versions")
            .join(version)
            .join("bin");
        std::fs::create_dir_all(&versions).unwrap();
        symlink(real, versions.join(format!("python{}", minor_of(version)))).unwrap();
        std::fs::create_dir_all(m.dir.path().join("home")).unwrap();
        m
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let at = |rel: &str| self.dir.path().join(rel).display().to_string();
        vec![
            ("PATH", at("bin")),
            ("HOME", at("home")),
            ("PYENV_ROOT", at("pyenv")),
        ]
    }
}

fn book(table: &str) -> BookTest {
    let b = BookTest::one_chapter("# Chapter\n\n```python\nimport sys\nprint(sys.version)\n```\n");
    b.write(
        "book.toml",
        &format!("[book]\ntitle = \"T\"\n\n[proofbook.python.interpreters]\n{table}"),
    );
    b
}

fn run(b: &BookTest, m: &Machine, args: &[&str]) -> support::Run {
    let env = m.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.run_with_env(args, &env)
}

#[test]
fn a_version_in_pyenvs_folder_is_found_and_the_build_is_unchanged() {
    let (real, version, free_threaded) = real_python();
    let m = Machine::new(&real, &version);
    let minor = minor_of(&version);
    let b = book(&format!(
        "\"{minor}\" = {{ version = \"{minor}\", free-threaded = {free_threaded} }}\n"
    ));
    run(&b, &m, &["build"]).success();
    // The examples ran, under the default interpreter, as without the table.
    let page = b.read("book/chapter.html");
    assert!(
        page.contains(&version),
        "the example's output is not on the page"
    );
    // The verification was kept for the next build, by the binary's identity.
    let cache = b.read(".proofbook-cache/python/interpreters.json");
    assert!(cache.contains(&real.display().to_string()), "{cache}");
    assert!(
        cache.contains(&format!("\"version\": \"{version}\"")),
        "{cache}"
    );
}

#[test]
fn a_gil_build_named_free_threaded_stops_the_build_at_its_line() {
    let (real, version, free_threaded) = real_python();
    let m = Machine::new(&real, &version);
    let b = book(&format!(
        "\"ft\" = {{ path = \"{}\", free-threaded = {} }}\n",
        real.display(),
        !free_threaded
    ));
    let out = run(&b, &m, &["build"]);
    out.failure();
    let err = out.stderr();
    assert!(err.contains("interpreter `ft`"), "{err}");
    assert!(err.contains("book.toml:5:1"), "{err}");
    if free_threaded {
        eprintln!("python3 here is free-threaded: checked the opposite mismatch");
        assert!(err.contains("write `free-threaded = true`"), "{err}");
    } else {
        assert!(
            err.contains("with the GIL, not a free-threaded build"),
            "{err}"
        );
    }
    assert!(
        !b.root().join("book/chapter.html").exists(),
        "a page was written"
    );
}

#[test]
fn an_optional_interpreter_not_here_warns_and_the_book_builds() {
    let (real, version, _) = real_python();
    let m = Machine::new(&real, &version);
    let b = book("\"future\" = { version = \"3.99\", free-threaded = true, optional = true }\n");
    let out = run(&b, &m, &["build"]);
    out.success();
    let err = out.stderr();
    assert!(
        err.contains("interpreter `future`: no CPython 3.99 free-threaded found on this machine"),
        "{err}"
    );
    assert!(
        err.contains("pyenv ("),
        "the places looked in are not listed: {err}"
    );
    assert!(err.contains("not run on this machine"), "{err}");
}

#[test]
fn doctor_lists_each_named_interpreter() {
    let (real, version, free_threaded) = real_python();
    let m = Machine::new(&real, &version);
    let minor = minor_of(&version);
    let b = book(&format!(
        "\"{minor}\" = {{ version = \"{minor}\", free-threaded = {free_threaded} }}\n\
         \"future\" = {{ version = \"3.99\", optional = true }}\n"
    ));
    let out = run(&b, &m, &["doctor"]);
    let stdout = String::from_utf8_lossy(&out.output.stdout).into_owned();
    let gil = if free_threaded { "GIL off" } else { "GIL on" };
    let build = if free_threaded { " free-threaded" } else { "" };
    assert!(
        stdout.contains(&format!(
            "CPython {version}{build}, {gil}, {}",
            real.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("future  NOT FOUND: no CPython 3.99 with the GIL found on this machine"),
        "{stdout}"
    );
}
