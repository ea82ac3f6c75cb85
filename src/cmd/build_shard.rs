//! `build --shard K/N`: a build's share of the examples on one CI machine.
//! It answers its part as `build` does (cached results count) and writes
//! the bundle; no site comes out of one shard, since a page may quote an
//! example another shard runs. `merge` and `build --results` publish.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use proofbook::config::Config;
use proofbook::execute::bundle::Bundle;
use proofbook::execute::shard::ShardSpec;
use proofbook::pipeline::Rerun;
use proofbook::pipeline::check::{CheckReport, Verdict};
use proofbook::pipeline::shard::ShardRun;
use proofbook::terminal_text::neutralise;

use crate::report;

/// What `build` passes on to a shard's run.
pub(super) struct ShardBuild {
    pub spec: ShardSpec,
    pub bundle: Option<PathBuf>,
    pub jobs: Option<usize>,
    pub rerun: Rerun,
    pub offline_results: bool,
}

pub(super) fn run(config: &Config, book_dir: &Path, shard: ShardBuild) -> anyhow::Result<ExitCode> {
    let bundle = shard
        .bundle
        .unwrap_or_else(|| Bundle::default_path(shard.spec.index, shard.spec.count));
    let options = proofbook::BuildOptions {
        launcher: Some(std::env::current_exe()?),
        jobs: shard.jobs,
        rerun: shard.rerun,
        offline_results: shard.offline_results,
        progress: Some(super::progress::display()),
        shard: Some(ShardRun {
            spec: shard.spec,
            bundle,
        }),
        ..proofbook::BuildOptions::default()
    };
    let result = proofbook::pipeline::check::check(config, &options);
    report::print_all(&result.warnings);
    for line in summary(&result, shard.spec, book_dir) {
        eprintln!("{line}");
    }
    Ok(exit_code(&result))
}

/// A shard's build fails when the book itself has errors (a build of the
/// whole book would) or when its bundle could not be written; an example
/// that failed is a result like any other, shown on its page once published.
fn exit_code(result: &CheckReport) -> ExitCode {
    let book_errors = result
        .items
        .iter()
        .any(|i| i.verdict == Verdict::Failed && i.name == "book");
    if book_errors || result.bundle.is_none() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The lines a shard's build ends with: the book's errors, the examples'
/// counts, the bundle, and the commands that publish once every shard ran.
fn summary(result: &CheckReport, spec: ShardSpec, book_dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for item in result.items.iter().filter(|i| i.verdict == Verdict::Failed) {
        let at = item
            .span
            .as_ref()
            .map(|s| format!("{}:{}: ", s.file.display(), s.line))
            .unwrap_or_default();
        let what = if item.name == "book" {
            "error"
        } else {
            "failed"
        };
        lines.push(neutralise(&format!(
            "{what}: {at}{}: {}",
            item.name,
            item.details.trim_end()
        )));
    }
    let c = result.counts;
    let (mine, left) = result.shard_share.unwrap_or((0, 0));
    lines.push(format!(
        "shard {spec}: {mine} examples ({} ran, {} cached, {} failed), {left} left to the other shards",
        c.ran, c.cached, c.failed
    ));
    match &result.bundle {
        Some(path) => {
            let dir = if book_dir == Path::new(".") {
                String::new()
            } else {
                format!(" --book {}", quoted(&book_dir.display().to_string()))
            };
            lines.push(neutralise(&format!("bundle: {}", path.display())));
            lines.push(format!(
                "once all {} shards have run: `proofbook merge{dir} BUNDLE… -o DIR` judges the claims, \
                 `proofbook build --results BUNDLE…` publishes the site",
                spec.count
            ));
        }
        None => lines.push("no bundle was written: the errors above say why".to_owned()),
    }
    lines
}

fn quoted(text: &str) -> String {
    shlex::try_quote(text).map_or_else(|_| text.to_owned(), |q| q.into_owned())
}
