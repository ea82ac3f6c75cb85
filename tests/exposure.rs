//! A hostile book cannot make proofbook read, as the user, anything outside
//! the book: every path it names is followed to where it really leads, and
//! what leaves the book is refused at the line that names it, never read,
//! published, printed or mounted into the sandbox. Each test plays an
//! attacker: a fake home folder with a fake key sits beside the book, and
//! the test asserts on what the build published and printed.

mod support;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use support::BookTest;

/// What no build may publish or print.
const KEY: &str = "FAKE-PRIVATE-KEY-7f3a9c";

/// A folder holding `home/` (a fake user's home with a key) and `book/`, a
/// book of one chapter; the build runs on `book/`.
struct Attack {
    t: BookTest,
}

impl Attack {
    fn new(chapter: &str) -> Attack {
        let t = BookTest::empty();
        t.write("home/.ssh/id_rsa", &format!("{KEY}\n"))
            .write("book/book.toml", "[proofbook.run]\nexamples = false\n")
            .write(
                "book/content/SUMMARY.md",
                "# Summary\n\n- [Chapter](chapter.md)\n",
            )
            .write("book/content/chapter.md", chapter);
        Attack { t }
    }

    fn home(&self) -> PathBuf {
        self.t.root().join("home")
    }

    fn book(&self) -> PathBuf {
        self.t.root().join("book")
    }

    fn write(&self, rel: &str, text: &str) -> &Self {
        self.t.write(&format!("book/{rel}"), text);
        self
    }

    /// A symbolic link at `rel` in the book pointing at `to`.
    fn link(&self, rel: &str, to: &Path) -> &Self {
        let at = self.book().join(rel);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        symlink(to, at).unwrap();
        self
    }

    /// Builds the book, with a deadline so a build that blocks fails the
    /// test instead of hanging it.
    fn build(&self) -> Built {
        let output = assert_cmd::Command::cargo_bin("proofbook")
            .unwrap()
            .args(["build", "book"])
            .current_dir(self.t.root())
            .env("NO_COLOR", "1")
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap();
        let site = self.book().join("book");
        Built {
            code: output.status.code(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            published: published(&site),
        }
    }
}

/// What one build left: its exit status, what it printed, and the text
/// of every file of the site.
struct Built {
    code: Option<i32>,
    stderr: String,
    published: String,
}

impl Built {
    /// The build failed with an error saying `what`, and neither its site
    /// nor its messages hold the key.
    #[track_caller]
    fn refused(&self, what: &str) -> &Self {
        assert_ne!(self.code, Some(0), "the build succeeded:\n{}", self.stderr);
        assert!(
            self.code.is_some(),
            "the build was killed:\n{}",
            self.stderr
        );
        assert!(
            self.stderr.contains(what),
            "no `{what}` in:\n{}",
            self.stderr
        );
        self.kept_the_key()
    }

    #[track_caller]
    fn kept_the_key(&self) -> &Self {
        assert!(
            !self.stderr.contains(KEY),
            "the key was printed:\n{}",
            self.stderr
        );
        assert!(!self.published.contains(KEY), "the key was published");
        self
    }

    #[track_caller]
    fn succeeded(&self) -> &Self {
        assert_eq!(self.code, Some(0), "the build failed:\n{}", self.stderr);
        self
    }
}

/// Every file under `site` as text, concatenated (empty if there is none).
fn published(site: &Path) -> String {
    let mut all = String::new();
    for entry in walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            all.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    all
}

#[test]
fn file_option_with_an_absolute_path_is_refused_at_its_line() {
    let a = Attack::new("# C\n\nText.\n\n```python file=/etc/passwd\n```\n");
    let built = a.build();
    built.refused("outside the book");
    assert!(built.stderr.contains("chapter.md:5"), "{}", built.stderr);
    assert!(built.stderr.contains("allow-outside"), "{}", built.stderr);
    assert!(!built.published.contains("root:x:0:0"));
}

#[test]
fn file_option_climbing_out_of_the_book_is_refused() {
    let a = Attack::new("# C\n\n```python file=../../x\n```\n");
    a.t.write("x", &format!("print('{KEY}')\n"));
    a.build().refused("outside the book");
}

#[test]
fn file_option_through_a_link_inside_the_book_that_points_out_is_refused() {
    let a = Attack::new("# C\n\n```python file=prog.py\n```\n");
    a.link("content/prog.py", &a.home().join(".ssh/id_rsa"));
    a.build().refused("outside the book");
}

#[test]
fn a_relative_path_through_a_link_two_levels_deep_is_judged_where_it_lands() {
    // lib -> deep/level (inside), deep/level/up -> ../../.. (out of the
    // book): the path reads as `lib/...` and passes any textual check.
    let a = Attack::new("# C\n\n```python file=../lib/up/home/.ssh/id_rsa\n```\n");
    std::fs::create_dir_all(a.book().join("deep/level")).unwrap();
    a.link("lib", Path::new("deep/level"))
        .link("deep/level/up", Path::new("../../.."));
    a.build().refused("outside the book");
}

#[test]
fn links_that_stay_inside_the_book_still_work() {
    let a = Attack::new("# C\n\n```python norun file=../code/prog.py\n```\n");
    a.write("real/prog.py", "print('inside the book')\n")
        .link("code", Path::new("real"));
    let built = a.build();
    built.succeeded();
    assert!(built.published.contains("inside the book"));
}

#[test]
fn include_through_a_symlinked_folder_is_refused() {
    let a = Attack::new("# C\n\n{{#include shared/.ssh/id_rsa}}\n");
    a.link("content/shared", &a.home());
    let built = a.build();
    built.refused("cannot include");
    assert!(built.stderr.contains("chapter.md:3"), "{}", built.stderr);
}

#[test]
fn include_of_the_books_own_git_config_is_refused() {
    // A CI checkout keeps the repository's token in .git/config.
    let a = Attack::new("# C\n\n{{#include ../.git/config}}\n");
    a.write(".git/config", &format!("[http]\nextraheader = {KEY}\n"));
    a.build().refused(".git folder");
}

#[test]
fn a_chapter_that_is_a_link_out_of_the_book_is_refused() {
    let a = Attack::new("# C\n");
    a.write(
        "content/SUMMARY.md",
        "# Summary\n\n- [Chapter](chapter.md)\n- [Leak](leak.md)\n",
    )
    .link("content/leak.md", &a.home().join(".ssh/id_rsa"));
    a.build().refused("outside the book");
}

#[test]
fn allow_outside_lets_a_named_file_in_and_the_build_says_so() {
    let a = Attack::new(
        "# C\n\n```python norun file=../../shared/util.py\n```\n\n{{#include ../../shared/notes.txt}}\n",
    );
    a.t.write("shared/util.py", "print('shared helper')\n")
        .write("shared/notes.txt", "shared notes\n");
    a.write(
        "book.toml",
        "[proofbook]\nallow-outside = [\"../shared/util.py\", \"../shared/notes.txt\"]\n\n[proofbook.run]\nexamples = false\n",
    );
    let built = a.build();
    built.succeeded().kept_the_key();
    assert!(built.published.contains("shared helper"));
    assert!(built.published.contains("shared notes"));
    for name in ["shared/util.py", "shared/notes.txt"] {
        assert!(
            built
                .stderr
                .lines()
                .any(|l| l.contains("from outside the book") && l.contains(name)),
            "{name} not listed:\n{}",
            built.stderr
        );
    }
    // Allowing one file allows nothing else.
    a.write(
        "content/chapter.md",
        "# C\n\n```python norun file=../../shared/util.py\n```\n\n{{#include ../../home/.ssh/id_rsa}}\n",
    );
    a.build().refused("outside the book");
}

#[test]
fn an_allow_outside_entry_that_does_not_exist_is_an_error_at_its_key() {
    let a = Attack::new("# C\n");
    a.write(
        "book.toml",
        "[proofbook]\nallow-outside = [\"../nothing.py\"]\n",
    );
    a.build().refused("book.toml:2");
}

#[test]
fn additional_css_linked_out_of_the_book_is_refused_at_its_key() {
    let a = Attack::new("# C\n");
    a.write(
        "book.toml",
        "[proofbook.run]\nexamples = false\n\n[output.html]\nadditional-css = [\"extra.css\"]\n",
    )
    .link("extra.css", &a.home().join(".ssh/id_rsa"));
    let built = a.build();
    built.refused("outside the book");
    assert!(built.stderr.contains("book.toml:5"), "{}", built.stderr);
}

#[test]
fn a_theme_folder_linked_out_of_the_book_is_refused() {
    let a = Attack::new("# C\n");
    a.t.write("elsewhere/templates/page.html", KEY);
    a.link("theme", &a.t.root().join("elsewhere"));
    a.build().refused("outside the book");
}

/// A book whose theme overrides `page.html` with `template`.
fn with_template(template: &str) -> Attack {
    let a = Attack::new("# C\n");
    a.write("theme/templates/page.html", template);
    a
}

#[test]
fn templates_cannot_read_the_environment() {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let a = with_template(
        "{% extends \"base.html\" %}{% block main %}[{{ get_env(name=\"HOME\") }}]{% endblock main %}",
    );
    let built = a.build();
    built.refused("`get_env` is disabled");
    assert!(!built.published.contains(&format!("[{home}]")));
    // With a default, tera's own get_env would never fail: still refused.
    let a = with_template("{{ get_env(name=\"PATH\", default=\"x\") }}");
    a.build().refused("`get_env` is disabled");
}

#[test]
fn templates_cannot_read_the_clock_or_host_files_by_other_routes() {
    with_template("{{ now() }}")
        .build()
        .refused("`now` is disabled");
    with_template("{{ get_random(end=10) }}")
        .build()
        .refused("`get_random` is disabled");
    // `include` names a loaded template, never a file on disk.
    let a = with_template("{% include \"/etc/passwd\" %}");
    let built = a.build();
    built.refused("template error");
    assert!(!built.published.contains("root:x:0:0"));
    let key = a.home().join(".ssh/id_rsa");
    let a = with_template(&format!("{{% include \"{}\" %}}", key.display()));
    a.build().refused("template error");
}

/// A book whose example lists what it can see of `examples/`, with its
/// examples on (and so run in the sandbox).
fn running_book() -> Attack {
    // It prints every file it can reach through examples/, links followed:
    // had it run, whatever it saw would be on the page.
    let a = Attack::new(
        "# C\n\n```python\nimport os, helper\nhere = os.path.dirname(helper.__file__)\nfor d, _, fs in os.walk(here, followlinks=True):\n    for f in fs:\n        try:\n            print(open(os.path.join(d, f)).read())\n        except OSError as e:\n            print(e)\nprint(helper.VALUE)\n```\n",
    );
    a.write("book.toml", "")
        .write("examples/helper.py", "VALUE = 'helper ran'\n");
    a
}

#[test]
fn an_examples_folder_with_a_link_to_a_home_folder_is_neither_published_nor_mounted() {
    let a = running_book();
    a.link("examples/home", &a.home());
    let built = a.build();
    built.refused("leads outside the book");
    assert!(built.stderr.contains("examples/home"), "{}", built.stderr);
    // Refused before anything ran: the example saw nothing.
    assert!(!built.published.contains("helper ran"));
    // The same book, examples off: the site is not published either.
    a.write("book.toml", "[proofbook.run]\nexamples = false\n");
    a.build().refused("leads outside the book");
}

#[test]
fn an_examples_folder_that_is_itself_a_link_out_is_refused() {
    let a = running_book();
    std::fs::remove_dir_all(a.book().join("examples")).unwrap();
    a.link("examples", &a.home());
    a.build().refused("leads outside the book");
}

#[test]
fn a_fifo_in_the_examples_folder_is_refused_without_hanging() {
    // Named like a helper the example imports: a FIFO read for the cache
    // key or by the interpreter would block for ever.
    let a = running_book();
    std::fs::remove_file(a.book().join("examples/helper.py")).unwrap();
    nix::unistd::mkfifo(
        &a.book().join("examples/helper.py"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let built = a.build();
    built.refused("is a FIFO");
    a.write("book.toml", "[proofbook.run]\nexamples = false\n");
    a.build().refused("is a FIFO");
}

#[test]
fn a_clean_examples_folder_still_runs_and_is_published() {
    let a = running_book();
    let built = a.build();
    built.succeeded();
    assert!(built.published.contains("helper ran"));
    assert!(built.published.contains("VALUE = 'helper ran'"));
}
