//! Discovery against folders shaped like PATH, pyenv and uv, with symlinks
//! and wrapper scripts around the real interpreter of this machine (the
//! `python3` on PATH, which every machine that runs the test suite has).

use std::os::unix::fs::{DirBuilderExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::config::{NamedInterpreter, Want};
use crate::diag::{Severity, Span};
use crate::execute::verify::run_once;

/// The real binary behind `python3`, and what it is.
fn real_python() -> Verified {
    run_once(Path::new("python3"), VERIFY_TIMEOUT).expect("python3 runs on this machine")
}

/// The user's builds, under the test machine's HOME.
const BUILDS: &str = "home/.cache/proofbook/python/builds";

struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new() -> Machine {
        let m = Machine {
            dir: tempfile::tempdir().unwrap(),
        };
        for sub in ["bin", "pyenv/versions", "uv", "book/.proofbook-cache"] {
            std::fs::create_dir_all(m.path(sub)).unwrap();
        }
        // The user's proofbook folder is private, as proofbook makes it.
        std::fs::create_dir_all(m.path("home/.cache")).unwrap();
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(m.path("home/.cache/proofbook"))
            .unwrap();
        m
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Only this machine's folders: the test's own PATH, pyenv and uv.
    fn places(&self) -> Places {
        Places {
            path_var: Some(self.path("bin").into_os_string()),
            pyenv_versions: Some(self.path("pyenv/versions")),
            uv_python: Some(self.path("uv")),
            builds: Some(self.path(BUILDS)),
            book: Some(self.path("book").canonicalize().unwrap()),
        }
    }

    /// The book's cache, where verifications are kept.
    fn cache(&self) -> VerifyCache {
        VerifyCache::open(&self.path("book/.proofbook-cache"), VERIFY_TIMEOUT)
    }

    fn link(&self, rel: &str, target: &Path) -> PathBuf {
        let at = self.path(rel);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink(target, &at).unwrap();
        at
    }

    fn script(&self, rel: &str, body: &str) -> PathBuf {
        let at = self.path(rel);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(&at, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o755)).unwrap();
        at
    }

    fn discover(&self, named: &[NamedInterpreter]) -> (Vec<Resolved>, Vec<Diagnostic>) {
        discover(named, &self.places(), &mut self.cache())
    }
}

fn entry(name: &str, want: Want, optional: bool) -> NamedInterpreter {
    NamedInterpreter {
        name: name.into(),
        want,
        optional,
        span: Span::new("/books/b/book.toml", 7, 1, 4),
        requirements: None,
    }
}

/// An entry asking for exactly what `v` is.
fn want_like(v: &Verified) -> Want {
    Want {
        version: Some((v.major, v.minor)),
        free_threaded: Some(v.free_threaded),
        path: None,
    }
}

fn command_of(v: &Verified) -> String {
    want_like(v).command().unwrap()
}

fn found(r: &Resolved) -> &Found {
    r.found
        .as_ref()
        .unwrap_or_else(|a| panic!("`{}` not found: {} {:?}", r.name, a.reason, a.looked))
}

#[test]
fn a_version_is_found_on_path() {
    let real = real_python();
    let m = Machine::new();
    let on_path = m.link(&format!("bin/{}", command_of(&real)), &real.real);
    let (all, diags) = m.discover(&[entry("py", want_like(&real), false)]);
    assert!(diags.is_empty(), "{diags:?}");
    let f = found(&all[0]);
    assert_eq!(f.candidate, on_path);
    assert_eq!(f.verified.real, real.real);
    assert_eq!(f.verified.version, real.version);
}

#[test]
fn a_failing_shim_on_path_is_skipped_for_pyenvs_folder() {
    let real = real_python();
    let m = Machine::new();
    let command = command_of(&real);
    // What a pyenv shim does for a version that is installed but not selected.
    m.script(
        &format!("bin/{command}"),
        &format!("echo 'pyenv: {command}: command not found' >&2; exit 127"),
    );
    let patch = format!("{}.{}.1", real.major, real.minor);
    let in_pyenv = m.link(&format!("pyenv/versions/{patch}/bin/{command}"), &real.real);
    let (all, diags) = m.discover(&[entry("py", want_like(&real), false)]);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(found(&all[0]).candidate, in_pyenv);
}

#[test]
fn the_newest_version_folder_is_tried_first() {
    let real = real_python();
    let m = Machine::new();
    let command = command_of(&real);
    let (major, minor) = (real.major, real.minor);
    m.script(
        &format!("pyenv/versions/{major}.{minor}.9/bin/{command}"),
        "exit 1",
    );
    let newest = m.link(
        &format!("uv/cpython-{major}.{minor}.10-linux/bin/{command}"),
        &real.real,
    );
    m.link(
        &format!("pyenv/versions/{major}.{minor}.2/bin/{command}"),
        &real.real,
    );
    let (all, _) = m.discover(&[entry("py", want_like(&real), false)]);
    // pyenv comes before uv, and within pyenv 3.x.9 (which fails) before
    // 3.x.2 (which runs): the uv one is never reached.
    assert_ne!(found(&all[0]).candidate, newest);
    assert!(
        found(&all[0])
            .candidate
            .ends_with(format!("{major}.{minor}.2/bin/{command}"))
    );
}

#[test]
fn only_a_failing_shim_is_an_error_that_says_why_and_where() {
    let real = real_python();
    let m = Machine::new();
    let command = command_of(&real);
    m.script(
        &format!("bin/{command}"),
        &format!("echo 'pyenv: {command}: command not found' >&2; exit 127"),
    );
    let (all, diags) = m.discover(&[entry("py", want_like(&real), false)]);
    let absent = all[0]
        .found
        .as_ref()
        .expect_err("nothing that runs is there");
    assert!(absent.reason.starts_with("no CPython"), "{}", absent.reason);
    assert_eq!(diags.len(), 1);
    let d = &diags[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.span.as_ref().map(|s| s.line), Some(7));
    let help = d.help.as_deref().unwrap();
    assert!(help.contains("command not found"), "{help}");
    assert!(help.contains("exits with"), "{help}");
    for place in ["PATH", "pyenv", "uv", "the user's builds"] {
        assert!(help.contains(place), "{place} missing from {help}");
    }
    assert!(help.contains("optional = true"), "{help}");
}

#[test]
fn an_explicit_path_is_used_as_it_is() {
    let real = real_python();
    let m = Machine::new();
    let want = Want {
        version: None,
        free_threaded: None,
        path: Some(real.real.clone()),
    };
    let (all, diags) = m.discover(&[entry("sys", want, false)]);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(found(&all[0]).verified.version, real.version);
}

#[test]
fn a_gil_build_where_free_threaded_is_asked_is_an_error_at_its_line() {
    let real = real_python();
    let m = Machine::new();
    // Ask this machine's python3 for the build it is not: on a GIL build
    // (the usual case) that is the free-threaded mismatch.
    let want = Want {
        version: Some((real.major, real.minor)),
        free_threaded: Some(!real.free_threaded),
        path: Some(real.real.clone()),
    };
    let (all, diags) = m.discover(&[entry("ft", want, false)]);
    assert!(all[0].found.is_err());
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].severity, Severity::Error);
    assert_eq!(diags[0].span.as_ref().map(|s| s.line), Some(7));
    if real.free_threaded {
        eprintln!(
            "python3 here is free-threaded ({}): checked the opposite mismatch",
            real.label()
        );
        assert!(
            diags[0].message.contains("free-threaded = true"),
            "{diags:?}"
        );
    } else {
        assert!(
            diags[0]
                .message
                .contains("with the GIL, not a free-threaded build"),
            "{diags:?}"
        );
        assert!(
            diags[0].help.as_deref().unwrap().contains("--disable-gil"),
            "{diags:?}"
        );
    }
}

#[test]
fn an_optional_interpreter_not_found_is_a_warning_and_absent() {
    let m = Machine::new();
    let want = Want {
        version: Some((3, 99)),
        free_threaded: Some(true),
        path: None,
    };
    let (all, diags) = m.discover(&[entry("future", want, true)]);
    let absent = all[0].found.as_ref().expect_err("there is no 3.99");
    assert_eq!(
        absent.reason,
        "no CPython 3.99 free-threaded found on this machine"
    );
    assert_eq!(absent.looked.len(), 4, "{:?}", absent.looked);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].severity, Severity::Warning);
    assert!(
        diags[0]
            .help
            .as_deref()
            .unwrap()
            .contains("not run on this machine")
    );
}

#[test]
fn a_second_discovery_uses_the_cached_verification() {
    let real = real_python();
    let m = Machine::new();
    let runs = m.path("runs.txt");
    let command = command_of(&real);
    let wrapper = format!(
        "echo run >> '{}'\nexec '{}' \"$@\"",
        runs.display(),
        real.real.display()
    );
    m.script(&format!("bin/{command}"), &wrapper);
    let named = [entry("py", want_like(&real), false)];
    let count = || {
        std::fs::read_to_string(&runs)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let (first, _) = m.discover(&named);
    found(&first[0]);
    assert_eq!(count(), 1);
    // A new cache object reads the file the first one wrote.
    let (second, _) = m.discover(&named);
    assert_eq!(found(&second[0]).verified, found(&first[0]).verified);
    assert_eq!(count(), 1, "the second discovery ran the interpreter again");
    // A changed launcher is a different identity: asked again.
    m.script(&format!("bin/{command}"), &format!("# changed\n{wrapper}"));
    let (third, _) = m.discover(&named);
    found(&third[0]);
    assert_eq!(count(), 2);
}

#[test]
fn a_candidate_that_hangs_is_stopped_and_skipped() {
    let m = Machine::new();
    let hang = m.script("bin/python3.12", "sleep 600");
    let why = run_once(&hang, Duration::from_millis(300)).expect_err("it never answers");
    assert!(why.contains("did not answer"), "{why}");
}

#[test]
fn a_free_threaded_build_is_found_when_this_machine_has_one() {
    // Through the same discovery a build uses, with this user's cache
    // folder (where scripts/install-python-313t installs).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let want = Want {
        version: Some((3, 13)),
        free_threaded: Some(true),
        path: None,
    };
    let mut cache = VerifyCache::open(
        &tempfile::tempdir().unwrap().path().join("c"),
        VERIFY_TIMEOUT,
    );
    let (all, diags) = discover(
        &[entry("3.13t", want, true)],
        &Places::from_env(root),
        &mut cache,
    );
    match &all[0].found {
        Ok(f) => {
            assert!(f.verified.free_threaded);
            assert_eq!((f.verified.major, f.verified.minor), (3, 13));
            assert!(
                f.verified.label().ends_with(" free-threaded"),
                "{}",
                f.verified.label()
            );
            assert!(diags.is_empty());
        }
        Err(absent) => {
            eprintln!(
                "NOT TESTED: no free-threaded CPython 3.13 on this machine ({}); run \
                 scripts/install-python-313t to test one. Looked in: {:#?}",
                absent.reason, absent.looked
            );
            let help = diags[0].help.as_deref().unwrap();
            assert!(help.contains("scripts/install-python-313t"), "{help}");
        }
    }
}

#[test]
fn folders_sort_by_version_not_text() {
    assert!(version_key("3.12.10") > version_key("3.12.9"));
    assert_eq!(
        version_key("cpython-3.13.5-linux-x86_64-gnu"),
        [3, 13, 5, 86, 64]
    );
}

#[test]
fn a_build_in_the_users_cache_is_found() {
    let real = real_python();
    let m = Machine::new();
    let command = command_of(&real);
    let (major, minor) = (real.major, real.minor);
    let built = m.link(
        &format!("{BUILDS}/{major}.{minor}.5/bin/{command}"),
        &real.real,
    );
    let (all, diags) = m.discover(&[entry("py", want_like(&real), false)]);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(found(&all[0]).candidate, built);
}

/// A script that leaves `marker` behind when it is run, then answers as
/// the real interpreter would: run, it would be found.
fn trap(m: &Machine, rel: &str, marker: &Path, real: &Verified) -> PathBuf {
    m.script(
        rel,
        &format!(
            "echo ran > '{}'\nexec '{}' \"$@\"",
            marker.display(),
            real.real.display()
        ),
    )
}

#[test]
fn a_build_shipped_in_the_books_cache_is_never_run() {
    let real = real_python();
    let m = Machine::new();
    let command = command_of(&real);
    let marker = m.path("ran-the-books-program");
    let (major, minor) = (real.major, real.minor);
    // Where scripts/install-python-313t once installed: a book can ship it.
    trap(
        &m,
        &format!("book/.proofbook-cache/python/builds/{major}.{minor}.5/bin/{command}"),
        &marker,
        &real,
    );
    let (all, diags) = m.discover(&[entry("py", want_like(&real), true)]);
    assert!(all[0].found.is_err(), "found {:?}", all[0].found);
    assert_eq!(diags.len(), 1);
    assert!(!marker.exists(), "the book's build was run");
}

#[test]
fn a_candidate_inside_the_book_is_skipped_unrun() {
    let real = real_python();
    let m = Machine::new();
    let command = command_of(&real);
    let marker = m.path("ran-the-books-program");
    // PATH leads into the book (an entry such as `.` or `bin`, or a link).
    let in_book = trap(&m, &format!("book/bin/{command}"), &marker, &real);
    m.link(&format!("bin/{command}"), &in_book);
    let mut places = m.places();
    places.path_var = Some(m.path("bin").into_os_string());
    let (all, diags) = discover(
        &[entry("py", want_like(&real), true)],
        &places,
        &mut m.cache(),
    );
    let absent = all[0].found.as_ref().expect_err("only the book's is there");
    assert!(
        absent.looked.iter().any(|l| l.contains("inside the book")),
        "{absent:?}"
    );
    assert!(
        diags[0]
            .help
            .as_deref()
            .unwrap()
            .contains("inside the book")
    );
    assert!(!marker.exists(), "the book's program was run");
    // A `path` entry leading there is refused the same way.
    let want = Want {
        version: None,
        free_threaded: None,
        path: Some(m.path("book/bin").join(&command)),
    };
    let (all, _) = m.discover(&[entry("sys", want, true)]);
    let absent = all[0].found.as_ref().expect_err("it is the book's");
    assert!(absent.reason.contains("inside the book"), "{absent:?}");
    assert!(!marker.exists(), "the book's program was run");
}

#[test]
fn a_cached_verification_naming_the_books_program_is_not_used() {
    let real = real_python();
    let m = Machine::new();
    let command = command_of(&real);
    let marker = m.path("ran-the-books-program");
    let on_path = m.link(&format!("bin/{command}"), &real.real);
    let in_book = trap(&m, "book/python", &marker, &real);
    // The book's cache says the machine's interpreter "is" the book's
    // program: the identities are right, as on the author's machine.
    let forged = Verified {
        real: in_book.clone(),
        executable: in_book.clone(),
        ..real.clone()
    };
    let stored = serde_json::json!({"entries": {
        crate::execute::verify::identity(&on_path).unwrap():
            [crate::execute::verify::identity(&in_book).unwrap(), forged]
    }});
    std::fs::create_dir_all(m.path("book/.proofbook-cache/python")).unwrap();
    std::fs::write(
        m.path("book/.proofbook-cache/python/interpreters.json"),
        stored.to_string(),
    )
    .unwrap();
    let (all, _) = m.discover(&[entry("py", want_like(&real), true)]);
    let absent = all[0]
        .found
        .as_ref()
        .expect_err("the answer names the book");
    assert!(
        absent.looked.iter().any(|l| l.contains("inside the book")),
        "{absent:?}"
    );
    assert!(!marker.exists());
}

#[test]
fn builds_others_can_write_are_not_used() {
    let real = real_python();
    let m = Machine::new();
    let command = command_of(&real);
    m.link(&format!("{BUILDS}/3.99.0/bin/{command}"), &real.real);
    std::fs::set_permissions(
        m.path("home/.cache/proofbook"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let (all, _) = m.discover(&[entry("py", want_like(&real), true)]);
    let absent = all[0].found.as_ref().expect_err("the folder is open");
    assert!(
        absent
            .looked
            .iter()
            .any(|l| l.contains("not used") && l.contains("loose")),
        "{absent:?}"
    );
}
