//! Per-example packages (PEP 723): an example's `# /// script` block gets
//! an environment of its own, shared by examples asking for the same set,
//! so two examples with conflicting pins live in one book; a set that
//! cannot be installed, or a `requires-python` not met, fails that example
//! at its block while the others run; `clean --envs` lists and removes
//! them; with uv on PATH, uv makes them. (Installs `six` from the package
//! index, a wheel of 11 KiB, and uv, about 20 MB.)

mod support;

use support::{BookTest, main_of};

const PINS: &str = "# Pins\n\n\
```python id=old\n# /// script\n# dependencies = [\"six==1.16.0\"]\n# ///\nimport six\nprint('six', six.__version__)\n```\n\n\
```python id=new\n#! # /// script\n#! # dependencies = [\"six==1.17.0\"]\n#! # ///\nimport six\nprint('six', six.__version__)\n```\n\n\
```python id=again\n# /// script\n# dependencies = [\"six==1.16.0\"]\n# ///\nimport six\nprint('again', six.__version__)\n```\n";

fn stdout(run: &support::Run) -> String {
    String::from_utf8_lossy(&run.output.stdout).into_owned()
}

#[test]
fn conflicting_pins_each_get_their_environment_shared_by_equal_sets() {
    let b = BookTest::one_chapter(PINS);
    assert_eq!(b.build().success().example_counts(), (3, 0));
    let page = b.read("book/chapter.html");
    let main = main_of(&page);
    assert!(main.contains("six 1.16.0"), "{main}");
    assert!(main.contains("six 1.17.0"), "{main}");
    assert!(main.contains("again 1.16.0"), "{main}");
    // A block in hidden lines is folded away like any hidden line.
    assert!(
        main.contains(
            "<span class=\"hidden-line\"><span class=\"hl-c\"># dependencies = [\"six==1.17.0\"]"
        ),
        "{main}"
    );

    // Two sets, two environments; a cached build needs none of them.
    let listed = b.run(&["clean", "--envs", "--dry-run"]);
    let list = stdout(listed.success());
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(
        list.contains("six==1.16.0") && list.contains("six==1.17.0"),
        "{list}"
    );
    assert!(list.contains("wheels only"), "{list}");
    assert_eq!(b.build().success().example_counts(), (0, 3));

    b.run(&["clean", "--envs"]).success();
    let after = b.run(&["clean", "--envs", "--dry-run"]);
    assert!(
        after.stderr().contains("no example environments"),
        "{}",
        after.stderr()
    );
    assert!(
        b.root().join("book/chapter.html").exists(),
        "the site stays"
    );
}

#[test]
fn a_set_that_cannot_be_installed_fails_at_its_block_and_the_rest_still_run() {
    let b = BookTest::one_chapter(
        "# Bad\n\n```python id=good\nprint('still ran')\n```\n\n\
```python id=missing\nimport sys\n# /// script\n# dependencies = [\"proofbook-no-such-package-zq==1.0\"]\n# ///\nprint(1)\n```\n\n\
```python id=future\n# /// script\n# requires-python = \">=9\"\n# ///\nprint(2)\n```\n",
    );
    let run = b.run(&["check"]);
    run.failure();
    let out = stdout(&run);
    assert!(out.contains("ok       example good"), "{out}");
    assert!(out.contains("FAILED   example missing"), "{out}");
    assert!(
        out.contains("proofbook-no-such-package-zq"),
        "pip's message: {out}"
    );
    assert!(out.contains("FAILED   example future"), "{out}");
    assert!(out.contains("(\">=9\") is not met by Python"), "{out}");

    let err = b.build().failure().stderr();
    // Each at its script block's line in the chapter.
    assert!(err.contains("chapter.md:9"), "{err}");
    assert!(err.contains("chapter.md:15"), "{err}");
    assert!(err.contains("fix the `# /// script` block"), "{err}");
}

#[test]
fn a_malformed_block_is_an_error_at_its_line() {
    let b = BookTest::one_chapter(
        "# M\n\n```python\n# /// script\n# dependencies = [\"six\"\n# ///\nprint(1)\n```\n",
    );
    let err = b.build().failure().stderr();
    assert!(err.contains("script metadata is not valid"), "{err}");
    assert!(
        err.contains("chapter.md:5") || err.contains("chapter.md:6"),
        "{err}"
    );
}

/// With uv on PATH the environment is made by uv instead of pip (uv marks
/// the venv it makes with `uv = VERSION` in pyvenv.cfg) and the example runs
/// in it. uv itself comes from the package index, as pip's wheel.
#[test]
fn uv_on_path_makes_the_environment() {
    let tools = tempfile::tempdir().unwrap();
    let installed = std::process::Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg("--root-user-action=ignore")
        .arg("--target")
        .arg(tools.path())
        .arg("uv")
        .status()
        .expect("python3 runs");
    assert!(
        installed.success(),
        "pip could not install uv from the index"
    );
    let bin = tools.path().join("bin");
    assert!(
        bin.join("uv").is_file(),
        "uv's wheel puts its binary in bin/"
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let b = BookTest::one_chapter(
        "# Uv\n\n```python id=uv\n# /// script\n# dependencies = [\"six==1.16.0\"]\n# ///\nimport six\nprint('six', six.__version__)\n```\n",
    );
    let run = b.run_with_env(&["build"], &[("PATH", &path)]);
    run.success();
    assert!(run.stderr().contains("with uv in"), "{}", run.stderr());
    assert!(main_of(&b.read("book/chapter.html")).contains("six 1.16.0"));

    let envs = b.root().join(".proofbook-cache/envs");
    let made_by_uv = std::fs::read_dir(&envs)
        .unwrap_or_else(|e| panic!("{}: {e}", envs.display()))
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("pyvenv.cfg")).ok())
        .filter(|cfg| cfg.lines().any(|l| l.starts_with("uv = ")))
        .count();
    assert_eq!(made_by_uv, 1, "one environment, made by uv");
}

#[test]
fn a_book_environment_shipped_in_the_cache_is_not_run_as_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let b = BookTest::one_chapter("# One\n\n```python id=plain\nprint('plain')\n```\n");
    b.write("requirements.txt", "# the standard library only\n");
    b.write(
        "book.toml",
        "[book]\ntitle = \"T\"\n\n[proofbook.python]\nrequirements = \"requirements.txt\"\n",
    );
    b.build().success();
    // The book's environment is in its cache, under a name anyone with the
    // same interpreter can work out: a book can arrive with one whose
    // `bin/python` is a program of its own.
    let made: Vec<_> = std::fs::read_dir(b.root().join(".proofbook-cache/python"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(".proofbook-ready").exists())
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    let marker = b.cache_home.path().join("ran-the-books-program");
    let python = made[0].join("bin/python");
    let real = python.canonicalize().unwrap();
    std::fs::remove_file(&python).unwrap();
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\necho ran > '{}'\nexec '{}' \"$@\"\n",
            marker.display(),
            real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    // An example with packages of its own: its environment is made outside
    // the sandbox, from the interpreter, never from the book's `bin/python`.
    b.write(
        "content/chapter.md",
        "# One\n\n```python id=pkg\n# /// script\n# dependencies = [\"six==1.16.0\"]\n# ///\nimport six\nprint('six', six.__version__)\n```\n",
    );
    let run = b.build();
    assert!(
        !marker.exists(),
        "the book's program ran as the user: {}",
        run.stderr()
    );
}

#[test]
fn a_requirements_line_that_is_not_a_package_of_the_index_is_refused_unrun() {
    let b = BookTest::one_chapter("# One\n\n```python id=plain\nprint('plain')\n```\n");
    let marker = b.cache_home.path().join("ran-the-books-program");
    // A project of the book's, which pip would build, running its setup.py
    // as the user, outside the sandbox.
    b.write(
        "evilpkg/setup.py",
        &format!(
            "open({:?}, 'w').write('ran')\nfrom setuptools import setup\nsetup(name='evilpkg', version='1')\n",
            marker.display().to_string()
        ),
    );
    b.write(
        "book.toml",
        "[book]\ntitle = \"T\"\n\n[proofbook.python]\nrequirements = \"requirements.txt\"\n",
    );
    for line in ["./evilpkg", "-e evilpkg", "evilpkg @ file:./evilpkg"] {
        b.write("requirements.txt", &format!("# the book's own\n{line}\n"));
        let run = b.build();
        let err = run.stderr();
        assert!(!marker.exists(), "{line}: the book's setup.py ran: {err}");
        run.failure();
        assert!(err.contains("requirements.txt:2"), "{line}: {err}");
        assert!(err.contains("not a package of the index"), "{line}: {err}");
    }
}
