//! Keys mdBook knows that proofbook accepts but does not act on (yet), and
//! the nearest-name hint for a key nobody knows.
//!
//! The table is flat, one row a key, so the state of compatibility reads at
//! a glance; when proofbook starts acting on a key, delete its row.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Span};

/// Dotted key paths (or table paths, which then cover every key below them)
/// and why they have no effect.
const NOT_ACTED_ON: &[(&str, &str)] = &[
    ("book.multilingual", "mdBook 0.4 key with no effect"),
    (
        "build.use-default-preprocessors",
        "the include and index steps always run",
    ),
    (
        "build.extra-watch-dirs",
        "`proofbook serve` does not watch extra folders yet",
    ),
    (
        "output.html.preferred-dark-theme",
        "the default theme has one dark palette",
    ),
    (
        "output.html.mathjax-support",
        "MathJax is not bundled (pages load nothing from the internet)",
    ),
    (
        "output.html.hash-files",
        "asset names are not fingerprinted yet",
    ),
    (
        "output.html.sidebar-header-nav",
        "the page's headings are listed in the in-page table of contents instead",
    ),
    (
        "output.html.live-reload-endpoint",
        "`proofbook serve` injects its own reload script",
    ),
    (
        "output.html.copy-fonts",
        "mdBook 0.4 key; the default theme uses system fonts",
    ),
    (
        "output.html.google-analytics",
        "mdBook 0.4 key; pages load nothing from the internet",
    ),
    (
        "output.html.print.page-break",
        "print.html always breaks pages between chapters",
    ),
    ("output.html.fold", "sidebar sections are never folded"),
    (
        "output.html.playground.copy-js",
        "the playground's script is proofbook's own and always copied",
    ),
    (
        "output.html.playground.line-numbers",
        "playground blocks have no line numbers yet",
    ),
    (
        "output.html.playpen.copy-js",
        "the playground's script is proofbook's own and always copied",
    ),
    (
        "output.html.playpen.line-numbers",
        "playground blocks have no line numbers yet",
    ),
    (
        "output.html.search.copy-js",
        "the theme's search script is always copied when search is on",
    ),
];

/// One warning for each key of `doc` (parsed from `text`) that is in
/// `NOT_ACTED_ON`, with its line.
pub fn unused_key_warnings(doc: &DeTable<'_>, text: &str, file: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    walk(doc, &mut String::new(), text, file, &mut out);
    // The parsed table is ordered by key, not by position: report in file order.
    out.sort_by_key(|d| d.span.as_ref().map(|s| (s.line, s.col)));
    out
}

fn walk(
    table: &DeTable<'_>,
    prefix: &mut String,
    text: &str,
    file: &Path,
    out: &mut Vec<Diagnostic>,
) {
    for (key, value) in table {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(key.get_ref());
        if let Some((_, why)) = NOT_ACTED_ON
            .iter()
            .find(|(path, _)| *path == prefix.as_str())
        {
            let r = key.span();
            out.push(Diagnostic::warning(
                format!("`{prefix}` is accepted but has no effect: {why}"),
                Some(Span::from_offset(file, text, r.start, r.end - r.start)),
            ));
        } else if let DeValue::Table(inner) = value.get_ref() {
            walk(inner, prefix, text, file, out);
        }
        prefix.truncate(len);
    }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" message, the
/// hint naming the closest expected key; `None` for any other message.
pub fn suggest_for_unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field ")?;
    let mut names = rest.split('`').skip(1).step_by(2);
    let unknown = names.next()?;
    let expected: Vec<&str> = names.collect();
    let nearest = crate::suggest::nearest(unknown, expected.iter().copied());
    let list = expected
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(match nearest {
        Some(name) => format!("did you mean `{name}`? valid keys here: {list}"),
        None => format!("valid keys here: {list}"),
    })
}

/// The span of the key at `path` (e.g. `["preprocessor", "toc"]`) in `text`.
pub fn key_span(doc: &DeTable<'_>, text: &str, file: &Path, path: &[&str]) -> Option<Span> {
    let mut table = doc;
    let (last, parents) = path.split_last()?;
    for name in parents {
        let (_, value) = table.iter().find(|(k, _)| k.get_ref() == name)?;
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    let (key, _) = table.iter().find(|(k, _)| k.get_ref() == last)?;
    let r = key.span();
    Some(Span::from_offset(file, text, r.start, r.end - r.start))
}
