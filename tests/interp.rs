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

/// A script at `rel` in the book that leaves `marker` behind when run, then
/// is `real`: run as the user, it would be taken for an interpreter.
fn trap(b: &BookTest, rel: &str, marker: &Path, real: &Path) {
    use std::os::unix::fs::PermissionsExt;
    b.write(
        rel,
        &format!(
            "#!/bin/sh\necho ran > '{}'\nexec '{}' \"$@\"\n",
            marker.display(),
            real.display()
        ),
    );
    let at = b.root().join(rel);
    std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_free_threaded_build_the_book_ships_is_never_run() {
    let (real, version, _) = real_python();
    let m = Machine::new(&real, &version);
    let marker = m.dir.path().join("ran-the-books-program");
    let b = book("\"3.13t\" = { version = \"3.13\", free-threaded = true, optional = true }\n");
    // Where scripts/install-python-313t once installed, inside the book.
    trap(
        &b,
        ".proofbook-cache/python/builds/3.13.5t/bin/python3.13t",
        &marker,
        &real,
    );
    let out = run(&b, &m, &["build"]);
    out.success();
    assert!(!marker.exists(), "the book's build was run as the user");
    let err = out.stderr();
    assert!(err.contains("interpreter `3.13t`"), "{err}");
    // The user's builds were looked in instead.
    let builds = b.cache_home.path().join("proofbook/python/builds");
    assert!(
        err.contains(&format!("the user's builds ({}", builds.display())),
        "{err}"
    );
}

#[test]
fn a_build_in_the_users_cache_is_found_for_every_book() {
    use std::os::unix::fs::DirBuilderExt;
    let (real, version, free_threaded) = real_python();
    let m = Machine::new(&real, &version);
    let minor = minor_of(&version);
    let table =
        format!("\"{minor}\" = {{ version = \"{minor}\", free-threaded = {free_threaded} }}\n");
    let (first, second) = (book(&table), book(&table));
    // Both books' builds share one user cache folder: the second's.
    let user = second.cache_home.path().join("proofbook");
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&user)
        .unwrap();
    let bin = user.join(format!("python/builds/{version}/bin"));
    std::fs::create_dir_all(&bin).unwrap();
    symlink(&real, bin.join(format!("python{minor}"))).unwrap();
    // Nothing on PATH or in pyenv has that version: only the build does.
    let empty = m.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for b in [&first, &second] {
        let env = [
            ("PATH", m.dir.path().join("bin").display().to_string()),
            ("HOME", m.dir.path().join("home").display().to_string()),
            ("PYENV_ROOT", empty.display().to_string()),
            (
                "XDG_CACHE_HOME",
                second.cache_home.path().display().to_string(),
            ),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_proofbook"));
        cmd.arg("build")
            .current_dir(b.root())
            .env("NO_COLOR", "1")
            .envs(env.iter().copied());
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let cache = b.read(".proofbook-cache/python/interpreters.json");
        assert!(cache.contains(&bin.display().to_string()), "{cache}");
    }
}

#[test]
fn an_interpreter_inside_the_book_is_refused_and_never_run() {
    let (real, version, _) = real_python();
    let m = Machine::new(&real, &version);
    let marker = m.dir.path().join("ran-the-books-program");
    // A named `path` into the book: an error at its line.
    let b = book("\"mine\" = { path = \"tools/python3\" }\n");
    trap(&b, "tools/python3", &marker, &real);
    let out = run(&b, &m, &["build"]);
    out.failure();
    let err = out.stderr();
    assert!(err.contains("is inside the book"), "{err}");
    assert!(err.contains("book.toml:5"), "{err}");
    // The default interpreter as a path into the book: the same.
    b.write(
        "book.toml",
        "[book]\ntitle = \"T\"\n\n[proofbook.python]\ninterpreter = \"./tools/python3\"\n",
    );
    let out = run(&b, &m, &["build"]);
    out.failure();
    let err = out.stderr();
    assert!(err.contains("is inside the book"), "{err}");
    assert!(err.contains("book.toml:5"), "{err}");
    // A bare name PATH finds in the book (PATH holding `tools`, relative
    // to where proofbook starts): refused before it runs.
    b.write(
        "book.toml",
        "[book]\ntitle = \"T\"\n\n[proofbook.python]\ninterpreter = \"python3\"\n",
    );
    let path = format!("tools:{}", m.dir.path().join("bin").display());
    let out = b.run_with_env(&["build"], &[("PATH", &path)]);
    out.failure();
    let err = out.stderr();
    assert!(err.contains("inside the book"), "{err}");
    assert!(!marker.exists(), "the book's program was run as the user");
}
