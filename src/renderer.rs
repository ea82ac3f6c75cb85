//! Other renderers (`[output.NAME]`), over mdBook's protocol, after the
//! HTML.
//!
//! Each is a program (`command`, default `mdbook-NAME`, resolved by
//! `external::command`) started in its destination folder with mdBook's
//! `RenderContext` as JSON on stdin: the book (its includes expanded, after
//! the preprocessors that support this renderer), book.toml, the book's
//! root and the destination. Its own output goes to the terminal. One that
//! is not installed is an error unless `optional = true`; one that exits
//! non-zero is an error. Both are reported with the table's book.toml line.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use crate::book::Book;
use crate::config::{Config, RendererSpec};
use crate::diag::Diagnostic;
use crate::preprocess::{MDBOOK_VERSION, book_json};

/// Runs `spec` over `book`, into `destination` (made if missing). `Ok`
/// carries a warning when an optional renderer is not installed.
pub fn run(
    config: &Config,
    spec: &RendererSpec,
    book: &Book,
    destination: &Path,
) -> Result<Option<Diagnostic>, Diagnostic> {
    let mut cmd = crate::external::command(&spec.command, &config.confine)
        .map_err(|e| failure(spec, e, "fix `command` in book.toml"))?;
    std::fs::create_dir_all(destination).map_err(|e| {
        failure(
            spec,
            format!("has no folder to run in: {}: {e}", destination.display()),
            "check that the build folder can be written",
        )
    })?;
    let spawned = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .current_dir(destination)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return missing(spec).map(Some),
        Err(e) => {
            return Err(failure(
                spec,
                format!("cannot be started: {e}"),
                "check that the command is executable",
            ));
        }
    };
    let input = context(config, book, destination);
    let mut stdin = child.stdin.take().expect("stdin was piped");
    // A renderer that exits without reading all of it is its own business
    // (mdBook goes on too); its exit status says whether it worked.
    let _ = stdin.write_all(&input);
    drop(stdin);
    // No time limit, as under mdBook: a PDF or EPUB backend may take long
    // on a big book, its progress is on the terminal, and Ctrl-C reaches
    // it as it reaches proofbook.
    let status = child.wait().map_err(|e| {
        failure(
            spec,
            format!("could not be waited for: {e}"),
            "run the build again",
        )
    })?;
    if status.success() {
        Ok(None)
    } else {
        Err(failure(
            spec,
            format!("failed ({status})"),
            "its own messages are printed above",
        ))
    }
}

/// mdBook's `RenderContext` as JSON (`version`, `root`, `book`, `config`,
/// `destination`).
fn context(config: &Config, book: &Book, destination: &Path) -> Vec<u8> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let context = serde_json::json!({
        "version": MDBOOK_VERSION,
        "root": absolute(&config.root),
        "book": book_json(book),
        "config": config.as_json,
        "destination": absolute(destination),
        "__non_exhaustive": null,
    });
    serde_json::to_vec(&context).unwrap_or_default()
}

/// An error at the renderer's table in book.toml.
fn failure(spec: &RendererSpec, what: String, help: &str) -> Diagnostic {
    Diagnostic::error(
        format!("renderer `{}` ({}) {what}", spec.name, spec.command),
        spec.span.clone(),
    )
    .with_help(help.to_owned())
}

/// A renderer whose program is not installed: a warning when optional.
fn missing(spec: &RendererSpec) -> Result<Diagnostic, Diagnostic> {
    let message = format!(
        "renderer `{}` is not installed: `{}` was not found",
        spec.name, spec.command
    );
    if spec.optional {
        Ok(Diagnostic::warning(message, spec.span.clone())
            .with_help("it is optional, so the build goes on without it"))
    } else {
        Err(Diagnostic::error(message, spec.span.clone()).with_help(format!(
            "install it (often `cargo install mdbook-{}`), or mark it `optional = true` under [output.{}]",
            spec.name, spec.name
        )))
    }
}
