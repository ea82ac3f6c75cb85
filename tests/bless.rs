//! `check --bless [ID…]`: an output block that no longer matches is
//! rewritten in place to say what its example printed, wildcards kept
//! where they still match and every other byte of the file as it was; a
//! second `check` then passes. A file edited while the check ran, a crash
//! and a claim are never blessed; a read-only source folder is a clear
//! error with nothing written.

mod support;

use std::time::Duration;

use support::BookTest;

const CHAPTER: &str = "# Totals\r\n\n\
Some prose that stays exactly as it is.   \n\n\
```python id=totals\nimport os\nprint('total', 4)\nprint('pid', os.getpid())\n```\n\n\
```output\ntotal 3\npid {int}\n```\n\n\
```python id=other\nprint('other 2')\n```\n\n\
```output\nother 1\n```\n\n\
```python id=fine\nprint('fine')\n```\n\n\
```output\nfine\n```\n\n\
```python id=crash\nprint('before')\nraise SystemExit(1)\n```\n\n\
```output\nnot this\n```\n";

#[test]
fn bless_rewrites_what_changed_keeps_the_rest_and_a_second_check_passes() {
    let b = BookTest::one_chapter(CHAPTER);
    let first = b.run(&["check"]);
    first.failure();
    let out = String::from_utf8_lossy(&first.output.stdout).into_owned();
    assert!(out.contains("its output differs"), "{out}");

    let blessed = b.run(&["check", "--bless"]);
    let out = String::from_utf8_lossy(&blessed.output.stdout).into_owned();
    // The crash still fails the check, and its block is left alone.
    blessed.failure();
    assert!(out.contains("blessed  content/chapter.md:"), "{out}");
    assert!(
        out.contains("-total 3\n+total 4"),
        "a diff of the change: {out}"
    );
    let text = b.read("content/chapter.md");
    let want = CHAPTER
        .replace(
            "```output\ntotal 3\npid {int}\n",
            "```output\ntotal 4\npid {int}\n",
        )
        .replace("```output\nother 1\n", "```output\nother 2\n");
    assert_eq!(
        text, want,
        "only the two blocks changed, every other byte kept"
    );

    // With the crash fixed, the next check passes as it is.
    b.write(
        "content/chapter.md",
        &text.replace(
            "raise SystemExit(1)\n```\n\n```output\nnot this",
            "```\n\n```output\nbefore",
        ),
    );
    b.run(&["check"]).success();
}

#[test]
fn bless_with_ids_touches_only_those_examples() {
    let b = BookTest::one_chapter(CHAPTER);
    b.run(&["check", "--bless", "other", "nosuch"]).failure();
    let text = b.read("content/chapter.md");
    assert!(text.contains("```output\nother 2\n"), "{text}");
    assert!(
        text.contains("```output\ntotal 3\n"),
        "not named, not blessed"
    );
    let run = b.run(&["check", "--bless", "nosuch"]);
    assert!(
        run.stderr().contains("`--bless nosuch`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_file_edited_while_the_check_ran_is_refused_whole() {
    let chapter = "# Slow\n\n```python id=slow\nimport time\ntime.sleep(2)\nprint('new')\n```\n\n```output\nold\n```\n";
    let b = BookTest::one_chapter(chapter);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_proofbook"))
        .args(["check", "--bless"])
        .current_dir(b.root())
        .env("CI", "true")
        .env("XDG_CACHE_HOME", b.cache_home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let edited = chapter.replace("# Slow", "# Slow, edited while it ran");
    b.write("content/chapter.md", &edited);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("changed since the check started"),
        "{stdout}"
    );
    assert_eq!(
        b.read("content/chapter.md"),
        edited,
        "the edit is kept, nothing blessed"
    );
}

#[test]
fn claims_are_never_blessed() {
    let chapter = "# C\n\n```python id=fast repeat=2\nprint('x')\n```\n\n```output\ny\n```\n\n\
```claim\nfast wall < 1us\n```\n";
    let b = BookTest::one_chapter(chapter);
    let run = b.run(&["check", "--bless"]);
    let text = b.read("content/chapter.md");
    assert!(text.contains("```output\nx\n```"), "{text}");
    assert!(text.contains("```claim\nfast wall < 1us\n```"), "{text}");
    let out = String::from_utf8_lossy(&run.output.stdout).into_owned();
    assert!(
        out.contains("FAILED   claim"),
        "the claim still fails: {out}"
    );
}

/// Makes `dir` read-only for whoever runs the test: permission bits stop a
/// user, and root (whom they do not stop) is stopped by the immutable flag.
struct ReadOnly(std::path::PathBuf);

impl ReadOnly {
    fn new(dir: &std::path::Path) -> ReadOnly {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.trim_ascii() == b"0")
            .unwrap();
        let ok = if root {
            std::process::Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .unwrap()
                .success()
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).is_ok()
        };
        assert!(ok, "could not make {} read-only", dir.display());
        ReadOnly(dir.to_path_buf())
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn a_read_only_source_folder_is_a_clear_error_and_nothing_is_written() {
    let chapter = "# Ro\n\n```python id=ro\nprint('new')\n```\n\n```output\nold\n```\n";
    let b = BookTest::one_chapter(chapter);
    let content = b.root().join("content");
    let before = std::fs::read_dir(&content).unwrap().count();
    let run = {
        let _guard = ReadOnly::new(&content);
        b.run(&["check", "--bless"])
    };
    run.failure();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.output.stdout),
        run.stderr()
    );
    assert!(said.contains("is the folder read-only?"), "{said}");
    assert!(said.contains("chapter.md"), "names the file: {said}");
    assert_eq!(b.read("content/chapter.md"), chapter, "not a byte changed");
    let after = std::fs::read_dir(&content).unwrap().count();
    assert_eq!(before, after, "no temp file left beside it");
}
