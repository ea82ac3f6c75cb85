//! Test harness: copies a fixture book from `tests/books/` into a temp dir,
//! runs the real `proofbook` binary on it, and reads the site it built.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub mod http;

pub struct BookTest {
    pub dir: tempfile::TempDir,
    /// This book's own XDG_CACHE_HOME (where the key that signs cached
    /// results lives), outside the book: tests never touch ~/.cache and
    /// never share a key.
    pub cache_home: tempfile::TempDir,
}

impl BookTest {
    /// A copy of the fixture `tests/books/NAME`.
    pub fn from_fixture(name: &str) -> BookTest {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/books")
            .join(name);
        let b = BookTest::empty();
        copy_dir(&src, b.root());
        b
    }

    /// A book of one chapter, `content/chapter.md`, holding `text`.
    pub fn one_chapter(text: &str) -> BookTest {
        let b = BookTest::empty();
        b.write(
            "content/SUMMARY.md",
            "# Summary\n\n- [Chapter](chapter.md)\n",
        )
        .write("content/chapter.md", text);
        b
    }

    /// An empty book folder, for tests that write their own files.
    pub fn empty() -> BookTest {
        BookTest {
            dir: tempfile::tempdir().unwrap(),
            cache_home: tempfile::tempdir().unwrap(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel))
            .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// Runs `proofbook ARGS...` in the book's folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// `run` with `env` added to proofbook's environment.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::cargo_bin("proofbook").unwrap();
        // MDBOOK_* variables override book.toml (as in mdBook); the
        // developer's own must not change what a test builds.
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("MDBOOK_")) {
            cmd.env_remove(name);
        }
        let output = cmd
            .args(args)
            .envs(env.iter().copied())
            .current_dir(self.root())
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .env("XDG_CACHE_HOME", self.cache_home.path())
            .output()
            .unwrap();
        Run {
            output,
            root: self.root().to_owned(),
        }
    }

    pub fn build(&self) -> Run {
        self.run(&["build"])
    }

    /// `proofbook serve --port 0` on this book, running: plain output
    /// (`CI`), no stdin, stderr piped for the caller to read.
    pub fn spawn_serve(&self) -> std::process::Child {
        std::process::Command::new(env!("CARGO_BIN_EXE_proofbook"))
            .args(["serve", "--port", "0"])
            .arg(self.root())
            .env("CI", "true")
            .env("XDG_CACHE_HOME", self.cache_home.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start proofbook serve")
    }
}

pub struct Run {
    pub output: Output,
    root: PathBuf,
}

impl Run {
    /// stderr with the temp folder replaced by `[ROOT]`.
    pub fn stderr(&self) -> String {
        let text = String::from_utf8_lossy(&self.output.stderr).into_owned();
        let root = self.root.canonicalize().unwrap_or(self.root.clone());
        text.replace(&root.display().to_string(), "[ROOT]")
            .replace(&self.root.display().to_string(), "[ROOT]")
    }

    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    /// `(ran, cached)` from the examples part of a build's summary line.
    #[track_caller]
    pub fn example_counts(&self) -> (usize, usize) {
        let err = self.stderr();
        let line = err
            .lines()
            .find(|l| l.starts_with("built "))
            .unwrap_or_else(|| panic!("no summary line:\n{err}"));
        let num = |word: &str| -> usize {
            let before = &line[..line.find(word).unwrap()];
            before.rsplit(' ').next().unwrap().parse().unwrap()
        };
        (num(" ran"), num(" cached"))
    }

    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code(),
            0,
            "expected success; stderr:\n{}",
            self.stderr()
        );
        self
    }

    #[track_caller]
    pub fn failure(&self) -> &Self {
        assert_ne!(
            self.code(),
            0,
            "expected failure; stderr:\n{}",
            self.stderr()
        );
        self
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The `<main>` element of a page, for snapshots that ignore the chrome.
pub fn main_of(html: &str) -> &str {
    let start = html.find("<main").expect("page has a <main>");
    let end = html.rfind("</main>").expect("page has a </main>") + "</main>".len();
    &html[start..end]
}

/// The element of `html` that opens with `open` (its start, such as
/// `<nav id="sidebar"`), up to its matching closing tag, for snapshots of
/// one part of a page. Nested elements of the same name are counted.
#[track_caller]
pub fn element<'a>(html: &'a str, open: &str) -> &'a str {
    let start = html
        .find(open)
        .unwrap_or_else(|| panic!("no `{open}` in the page:\n{html}"));
    let name: String = open[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let (opening, closing) = (format!("<{name}"), format!("</{name}>"));
    let mut depth = 0usize;
    let mut at = start;
    loop {
        let next_open = html[at + 1..].find(&opening).map(|i| i + at + 1);
        let next_close = html[at + 1..]
            .find(&closing)
            .map(|i| i + at + 1)
            .unwrap_or_else(|| panic!("`{open}` is never closed"));
        match next_open {
            // Only a tag of this very name (`<figure` is not `<figcaption`).
            Some(o) if o < next_close => {
                let after = html.as_bytes().get(o + opening.len());
                if matches!(after, Some(b' ' | b'>' | b'\n' | b'/')) {
                    depth += 1;
                }
                at = o;
            }
            _ => {
                if depth == 0 {
                    return &html[start..next_close + closing.len()];
                }
                depth -= 1;
                at = next_close;
            }
        }
    }
}

/// insta settings that redact what differs from one run of an example to
/// the next or one machine to the next: the machine's description, dates,
/// durations, sizes, percentages, ratios and a chart's geometry. What is
/// left is the page's structure and its exact words, which is what a
/// snapshot should show change. Figures a test fixes (a run count, a
/// reported metric) are not redacted unless they carry one of these units.
pub fn measured_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    // The CPU's name as `Fingerprint::detect` reads it: a literal, since
    // no pattern tells where a free-form name starts in a sentence.
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).trim())
        .unwrap_or("unknown CPU");
    if !model.is_empty() {
        let escaped: String = model
            .chars()
            .flat_map(|c| {
                let meta = "\\.+*?()|[]{}^$#&-~".contains(c);
                meta.then_some('\\').into_iter().chain([c])
            })
            .collect();
        settings.add_filter(&escaped, "[CPU]");
    }
    for (pattern, replacement) in [
        (
            r"\d+ usable of \d+ logical cores( \(CPU quota [\d.]+\))?",
            "[CORES]",
        ),
        (r"\d+ usable cores?", "[CORES]"),
        (r"Linux [^,<\s]+", "Linux [KERNEL]"),
        (r", [^,<>]+, Linux \[KERNEL\]", ", [OS], Linux [KERNEL]"),
        (
            r"\b(cpython|pypy|Python) \d+\.\d+\.\d+[\w+-]*",
            "$1 [VERSION]",
        ),
        // 2026-12-06, 2026-12-06 04:01 UTC, 2026-12-06T04:01:24Z
        (
            r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( ?UTC|Z)?)?",
            "[DATE]",
        ),
        // 12.3 ms, 1.05 s, 980 µs, 3 min
        (
            r"\b\d+(\.\d+)?(e-?\d+)?\s?(ns|µs|us|ms|s|min|h)\b",
            "[TIME]",
        ),
        // 12.3 MiB, 512 KiB
        (r"\b\d+(\.\d+)?\s?(B|KiB|MiB|GiB)\b", "[SIZE]"),
        // 1.93× (1.81–2.04), 97%, ±4.1%
        (r"\d+(\.\d+)?×", "[N]×"),
        (r"\(\d+(\.\d+)?–\d+(\.\d+)?\)", "([N]–[N])"),
        (r"±?\d+(\.\d+)?%", "[N]%"),
        // A chart's geometry follows the figures it draws.
        (
            r#"\b(x|y|x1|x2|y1|y2|width|height)="[^"]*""#,
            r#"$1="[GEOMETRY]""#,
        ),
    ] {
        settings.add_filter(pattern, replacement);
    }
    settings
}

/// Every relative `href` in every HTML file of `site` must reach a file,
/// and its `#fragment` an id in that file. Returns the broken ones.
pub fn broken_internal_links(site: &Path) -> Vec<String> {
    let mut ids: HashMap<PathBuf, HashSet<String>> = HashMap::new();
    let mut pages: Vec<(PathBuf, String)> = Vec::new();
    for entry in walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(entry.path()).unwrap();
            ids.insert(
                entry.path().to_owned(),
                attr_values(&html, " id=").into_iter().collect(),
            );
            pages.push((entry.path().to_owned(), html));
        }
    }
    let mut broken = Vec::new();
    for (page, html) in &pages {
        if page.file_name().is_some_and(|n| n == "404.html") {
            continue; // Its links are relative to the site URL (<base>), not to its folder.
        }
        for href in attr_values(&without_code(html), " href=") {
            if href.contains("://")
                || href.starts_with("mailto:")
                || href.starts_with('/')
                || href.is_empty()
            {
                continue;
            }
            let (path, fragment) = href
                .split_once('#')
                .map_or((href.as_str(), None), |(p, f)| (p, Some(f)));
            let target = if path.is_empty() {
                page.clone()
            } else {
                proofbook::fsutil::normalize(&page.parent().unwrap().join(path.replace("%20", " ")))
            };
            let target = if target.is_dir() {
                target.join("index.html")
            } else {
                target
            };
            if !target.exists() {
                broken.push(format!(
                    "{}: {href} (no such file)",
                    page.strip_prefix(site).unwrap().display()
                ));
            } else if let Some(f) = fragment.filter(|f| !f.is_empty())
                && ids.get(&target).is_some_and(|set| !set.contains(f))
            {
                broken.push(format!(
                    "{}: {href} (no such anchor)",
                    page.strip_prefix(site).unwrap().display()
                ));
            }
        }
    }
    broken
}

/// `html` without its `<pre>` blocks, whose text may look like markup.
fn without_code(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<pre") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</pre>") {
            Some(end) => rest = &rest[start + end + "</pre>".len()..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(pos) = rest.find(attr) {
        rest = &rest[pos + attr.len()..];
        if let Some(stripped) = rest.strip_prefix('"')
            && let Some(end) = stripped.find('"')
        {
            out.push(stripped[..end].replace("&amp;", "&"));
        }
    }
    out
}

/// The guide's Python environment (its requirements.txt), set up once in
/// the repository's cache and shared with the guide's build: for tests
/// that drive `Sandbox` directly.
pub fn guide_python() -> proofbook::execute::python::PythonEnv {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    proofbook::execute::python::provision(
        "python3",
        Some(&root.join("requirements.txt")),
        false,
        &root.join(".proofbook-cache"),
        &mut |line| eprintln!("{line}"),
    )
    .expect("the Python environment sets up")
}
