//! External preprocessors, over mdBook's protocol, between `book` and
//! `markdown`.
//!
//! For each `[preprocessor.NAME]` (in mdBook's order: a topological sort of
//! `before`/`after`, names sorted within a rank, with the built-in `links`
//! and `index` steps in the graph): ask `CMD supports RENDERER` unless
//! `renderers` says (`html` for the site, a renderer's name before it runs), then run `CMD` with `[context, book]` as JSON on stdin
//! and read the changed book from stdout. A preprocessor that is missing,
//! fails, hangs past the timeout or writes something that is not a book is
//! reported with its book.toml line; a hung one is killed.
//!
//! When an external preprocessor is ordered after `links`, includes are
//! expanded here, at book level, so it sees them as it would under mdBook.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use crate::book::{Book, BookItem};
use crate::config::{BUILTIN_PREPROCESSORS, Config, PreprocessorSpec};
use crate::diag::Diagnostic;
use crate::markdown::include::{self, IncludeContext};

/// The mdBook version proofbook speaks the protocol of.
pub const MDBOOK_VERSION: &str = "0.5.4";

/// The book after preprocessing, and whether its includes are expanded.
pub struct Preprocessed {
    pub book: Book,
    pub includes_expanded: bool,
}

/// Runs every external preprocessor of `config` that supports `renderer`
/// over `book`.
pub fn run(config: &Config, book: Book, renderer: &str) -> (Preprocessed, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if config.preprocessors.is_empty() {
        return (
            Preprocessed {
                book,
                includes_expanded: false,
            },
            diags,
        );
    }
    let order = match order(&config.preprocessors, &mut diags) {
        Some(order) => order,
        None => {
            return (
                Preprocessed {
                    book,
                    includes_expanded: false,
                },
                diags,
            );
        }
    };
    let mut book = book;
    let mut includes_expanded = false;
    // Expanding at book level loses the map back to included files, so do it
    // only when an external preprocessor wants to see the result.
    let links_at = order.iter().position(|n| n == "links");
    let external_after_links = links_at.is_some_and(|at| {
        order[at + 1..]
            .iter()
            .any(|n| !BUILTIN_PREPROCESSORS.contains(&n.as_str()))
    });
    for name in &order {
        if name == "links" && external_after_links {
            expand_includes(config, &mut book, &mut diags);
            includes_expanded = true;
            continue;
        }
        let Some(spec) = config.preprocessors.iter().find(|p| &p.name == name) else {
            continue;
        };
        match run_one(config, spec, &book, renderer) {
            Ok(Some(mut changed)) => {
                keep_summary_lines(&book.items, &mut changed.items);
                book = changed;
            }
            Ok(None) => {}
            Err(d) => diags.push(d),
        }
    }
    (
        Preprocessed {
            book,
            includes_expanded,
        },
        diags,
    )
}

/// mdBook's order: ranks of a topological sort, names sorted in a rank.
fn order(specs: &[PreprocessorSpec], diags: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
    let mut names: BTreeSet<String> = BUILTIN_PREPROCESSORS
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend(specs.iter().map(|s| s.name.clone()));
    // deps[a] = the names that must run before a.
    let mut deps: BTreeMap<String, BTreeSet<String>> =
        names.iter().map(|n| (n.clone(), BTreeSet::new())).collect();
    for spec in specs {
        for (other, key) in spec
            .before
            .iter()
            .map(|o| (o, "before"))
            .chain(spec.after.iter().map(|o| (o, "after")))
        {
            if !names.contains(other) {
                diags.push(Diagnostic::warning(
                    format!("preprocessor.{}.{key} names `{other}`, which is not a preprocessor of this book", spec.name),
                    spec.span.clone(),
                ));
                continue;
            }
            let (first, then) = if key == "before" {
                (&spec.name, other)
            } else {
                (other, &spec.name)
            };
            deps.get_mut(then)
                .expect("every name has an entry")
                .insert(first.clone());
        }
    }
    let mut out = Vec::new();
    while !deps.is_empty() {
        let ready: Vec<String> = deps
            .iter()
            .filter(|(_, d)| d.is_empty())
            .map(|(n, _)| n.clone())
            .collect();
        if ready.is_empty() {
            let stuck: Vec<&str> = deps.keys().map(String::as_str).collect();
            diags.push(
                Diagnostic::error(
                    format!(
                        "preprocessors {} order each other in a cycle",
                        stuck.join(", ")
                    ),
                    specs.first().and_then(|s| s.span.clone()),
                )
                .with_help("remove one of their `before`/`after` entries"),
            );
            return None;
        }
        for n in &ready {
            deps.remove(n);
        }
        for d in deps.values_mut() {
            for n in &ready {
                d.remove(n);
            }
        }
        out.extend(ready);
    }
    Some(out)
}

fn expand_includes(config: &Config, book: &mut Book, diags: &mut Vec<Diagnostic>) {
    let ctx = IncludeContext {
        confine: &config.confine,
    };
    book.for_each_chapter_mut(|ch| {
        if let Some(path) = &ch.path {
            let expanded = include::expand(&ctx, &config.src.join(path), &ch.content);
            diags.extend(expanded.diagnostics);
            ch.content = expanded.text;
        }
    });
}

/// Runs one preprocessor; `Ok(None)` when it does not apply to `renderer`.
fn run_one(
    config: &Config,
    spec: &PreprocessorSpec,
    book: &Book,
    renderer: &str,
) -> Result<Option<Book>, Diagnostic> {
    let fail = |what: String, help: &str| failure(spec, what, help);
    let timed_out = |during: &str| {
        fail(
            format!(
                "did not finish {during} within {} s and was stopped",
                config.preprocessor_timeout.as_secs()
            ),
            "fix the preprocessor, or raise `preprocessor-timeout` under [proofbook]",
        )
    };
    let supported = match &spec.renderers {
        Some(renderers) => renderers.iter().any(|r| r == renderer),
        None => {
            let child = spawn(config, spec, &["supports", renderer], |probe| {
                probe.stdin(Stdio::null()).stdout(Stdio::null());
            })?;
            // The probe gets the same time limit as the run: a preprocessor
            // that hangs on `supports` must not hang the build.
            match wait_bounded(child, config.preprocessor_timeout) {
                Some((status, _)) => status.success(),
                None => return Err(timed_out(&format!("supports {renderer}"))),
            }
        }
    };
    if !supported {
        return Ok(None);
    }
    let mut child = spawn(config, spec, &[], |cmd| {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
    })?;
    let input = protocol_input(config, book, renderer);
    // Feed stdin and drain stdout on their own threads: a preprocessor that
    // writes before it has read everything must not deadlock the build.
    let mut stdin = child.stdin.take().expect("stdin was piped");
    // Not joined: if a process the preprocessor left behind holds stdin
    // open without reading, the write would block; the thread ends when
    // the pipe closes.
    std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let Some((status, output)) = wait_bounded(child, config.preprocessor_timeout) else {
        return Err(timed_out("its run"));
    };
    if !status.success() {
        return Err(fail(
            format!("failed ({status})"),
            "its own messages are printed above",
        ));
    }
    parse_book(&output).map(Some).map_err(|e| {
        let head: String = String::from_utf8_lossy(&output).chars().take(120).collect();
        fail(
            format!("wrote something that is not a book ({e}); it began: {head:?}"),
            "a preprocessor must print the book as JSON on stdout",
        )
    })
}

/// Waits for `child` at most `limit`, draining its stdout (when piped) on a
/// thread; kills it when the time is up. `None` means it ran out of time,
/// including when it exited but left a process of its own holding stdout.
fn wait_bounded(mut child: Child, limit: Duration) -> Option<(ExitStatus, Vec<u8>)> {
    let started = Instant::now();
    let (tx, rx) = mpsc::channel();
    match child.stdout.take() {
        Some(mut stdout) => {
            std::thread::spawn(move || {
                let mut out = Vec::new();
                let _ = stdout.read_to_end(&mut out);
                let _ = tx.send(out);
            });
        }
        None => {
            let _ = tx.send(Vec::new());
        }
    }
    let status = match child.wait_timeout(limit) {
        Ok(Some(status)) => status,
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
    };
    let output = rx
        .recv_timeout(limit.saturating_sub(started.elapsed()))
        .ok()?;
    Some((status, output))
}

/// The book a preprocessor printed. mdBook 0.5 names the list `items`,
/// 0.4 `sections`; a preprocessor that echoes what it was sent has both,
/// and then `items` is taken.
fn parse_book(output: &[u8]) -> Result<Book, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_slice(output)?;
    let items = match value.as_object_mut() {
        Some(obj) => obj
            .remove("items")
            .or_else(|| obj.remove("sections"))
            .unwrap_or_default(),
        None => {
            return Err(serde::de::Error::custom(
                "expected a JSON object with `items`",
            ));
        }
    };
    Ok(Book {
        items: serde_json::from_value(items)?,
    })
}

/// Starts the preprocessor with `args` after its own, in the book's root,
/// `pipes` choosing its standard streams. A program that is not there is a
/// `missing` one; one that cannot start is an error.
fn spawn(
    config: &Config,
    spec: &PreprocessorSpec,
    args: &[&str],
    pipes: impl FnOnce(&mut Command),
) -> Result<Child, Diagnostic> {
    let mut cmd = crate::external::command(&spec.command, &config.confine)
        .map_err(|e| failure(spec, e, "fix `command` in book.toml"))?;
    cmd.args(args).current_dir(&config.root);
    pipes(&mut cmd);
    cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            missing(spec)
        } else {
            failure(
                spec,
                format!("cannot be started: {e}"),
                "check that the command is executable",
            )
        }
    })
}

/// An error at the preprocessor's table in book.toml.
fn failure(spec: &PreprocessorSpec, what: String, help: &str) -> Diagnostic {
    Diagnostic::error(
        format!("preprocessor `{}` ({}) {what}", spec.name, spec.command),
        spec.span.clone(),
    )
    .with_help(help.to_owned())
}

/// A preprocessor whose program is not installed.
fn missing(spec: &PreprocessorSpec) -> Diagnostic {
    let message = format!(
        "preprocessor `{}` is not installed: `{}` was not found",
        spec.name, spec.command
    );
    // mdBook's rule: an optional preprocessor may be absent. The warning
    // travels the error channel; the caller records it and goes on.
    if spec.optional {
        Diagnostic::warning(message, spec.span.clone())
            .with_help("it is optional, so the build goes on without it")
    } else {
        Diagnostic::error(message, spec.span.clone()).with_help(
            "install it (often `cargo install mdbook-NAME`), or mark it `optional = true`",
        )
    }
}

/// `[context, book]` as mdBook sends it. The book goes out under both
/// `items` (mdBook 0.5) and `sections` (0.4), and both structs carry
/// `__non_exhaustive`, so preprocessors built against either version parse it.
fn protocol_input(config: &Config, book: &Book, renderer: &str) -> Vec<u8> {
    let context = serde_json::json!({
        "root": config.root,
        "config": config.as_json,
        "renderer": renderer,
        "mdbook_version": MDBOOK_VERSION,
        "__non_exhaustive": null,
    });
    serde_json::to_vec(&(context, book_json(book))).unwrap_or_default()
}

/// The book as mdBook's JSON, for preprocessors and renderers built
/// against either mdBook 0.5 or 0.4.
pub fn book_json(book: &Book) -> serde_json::Value {
    let mut book_json = serde_json::to_value(book).unwrap_or_default();
    if let Some(obj) = book_json.as_object_mut() {
        let items = obj.get("items").cloned().unwrap_or_default();
        obj.insert("sections".into(), items);
        obj.insert("__non_exhaustive".into(), serde_json::Value::Null);
    }
    book_json
}

/// Expands the include directives of every chapter, as mdBook's `links`
/// step does for every renderer, unless `already` (a preprocessor ordered
/// after `links` saw them expanded), and gives each README chapter the
/// path `index.md`, as its `index` step does.
pub fn finish_for_renderer(config: &Config, book: &mut Book, already: bool) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if !already {
        expand_includes(config, book, &mut diags);
    }
    book.for_each_chapter_mut(|ch| {
        if let Some(path) = &mut ch.path
            && path
                .file_stem()
                .is_some_and(|s| s.eq_ignore_ascii_case("readme"))
        {
            path.set_file_name("index.md");
        }
    });
    diags
}

/// Copies SUMMARY line numbers (not part of the JSON) onto the changed
/// book, matching chapters by position and name.
fn keep_summary_lines(before: &[BookItem], after: &mut [BookItem]) {
    for (b, a) in before.iter().zip(after.iter_mut()) {
        if let (BookItem::Chapter(b), BookItem::Chapter(a)) = (b, a)
            && b.name == a.name
        {
            a.summary_line = b.summary_line;
            keep_summary_lines(&b.sub_items, &mut a.sub_items);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, before: &[&str], after: &[&str]) -> PreprocessorSpec {
        PreprocessorSpec {
            name: name.into(),
            command: format!("mdbook-{name}"),
            renderers: None,
            before: before.iter().map(|s| s.to_string()).collect(),
            after: after.iter().map(|s| s.to_string()).collect(),
            optional: false,
            span: None,
        }
    }

    #[test]
    fn order_follows_mdbook_ranks_and_names() {
        let mut diags = Vec::new();
        let specs = [
            spec("zeta", &[], &[]),
            spec("alpha", &[], &["links"]),
            spec("toc", &["index"], &[]),
        ];
        let order = order(&specs, &mut diags).unwrap();
        assert_eq!(order, ["links", "toc", "zeta", "alpha", "index"]);
        assert!(diags.is_empty());
    }

    #[test]
    fn cycles_and_unknown_names_are_reported() {
        let mut diags = Vec::new();
        assert!(
            order(
                &[spec("a", &["b"], &[]), spec("b", &["a"], &[])],
                &mut diags
            )
            .is_none()
        );
        assert!(diags[0].message.contains("cycle"));
        let mut diags = Vec::new();
        order(&[spec("a", &["nope"], &[])], &mut diags).unwrap();
        assert!(diags[0].message.contains("`nope`"));
    }
}
