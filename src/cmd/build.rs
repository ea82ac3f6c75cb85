use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use proofbook::config::Config;
use proofbook::pipeline::Rerun;
use proofbook::render::format::seconds;
use proofbook::{BuildError, BuildOptions};

use crate::report;

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:\n  \
proofbook build                       build the book in this folder into ./book\n  \
proofbook build guide -d /tmp/site    build the book in ./guide into /tmp/site\n\n\
Problems are reported with file, line and column, the source line, and what to do;\n\
the exit status is 0 when the site was written and 1 when the book has errors.\n\n\
Examples whose result is in the cache (.proofbook-cache/results/) are not run again: the\n\
cache key covers the program, its options, the interpreter and its packages, the sandbox's\n\
limits and the helper modules it imports. `--rerun` runs them anyway.\n\n\
A claim that does not hold is listed at the end with the command that re-checks it\n\
(`proofbook check --claim FILE:LINE`), and the next build runs the examples it was judged\n\
on again instead of taking them from the cache; `--keep-failed` keeps them for one build.")]
pub struct Args {
    /// The book's root folder (the one holding book.toml).
    #[arg(default_value = ".")]
    book_dir: PathBuf,
    /// Where to write the site, instead of `[build] build-dir` (default: book/).
    #[arg(short = 'd', long = "dest-dir", value_name = "DIR")]
    dest_dir: Option<PathBuf>,
    /// How many examples run at once (default: the usable cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,
    /// Run examples again although their result is cached: all of them, or
    /// the one with this id (repeatable).
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    rerun: Vec<String>,
    /// Use cached results only; an example without one is an error.
    #[arg(long, conflicts_with = "rerun")]
    offline_results: bool,
    /// Take from the cache the results a claim failed on in an earlier
    /// build, which a build otherwise runs again.
    #[arg(long)]
    keep_failed: bool,
    /// Replace a destination proofbook did not write (or that was changed
    /// since): it is moved aside to DIR.replaced-TIME, never deleted.
    #[arg(long)]
    force: bool,
    /// Publish from the results bundles of `check --shard` (or of
    /// `merge -o`) instead of running the examples; they also seed the
    /// result cache.
    #[arg(long, value_name = "BUNDLE", num_args = 1.., conflicts_with_all = ["rerun", "offline_results"])]
    results: Vec<PathBuf>,
    /// Run only shard K of N of the examples (cached results count, as in
    /// any build) and write their bundle; no site is written until
    /// `build --results` has every shard's bundle.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["results", "dest_dir", "force", "keep_failed"])]
    shard: Option<proofbook::execute::shard::ShardSpec>,
    /// Where the shard's bundle goes (default:
    /// shard-K-of-N.proofbook-results in the current folder).
    #[arg(long, value_name = "PATH", requires = "shard")]
    bundle: Option<PathBuf>,
}

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (config, warnings) = match Config::load(&args.book_dir) {
        Ok(c) => c,
        Err(e) => return Ok(report::failed(&e.to_diagnostics())),
    };
    report::print_all(&warnings);
    let rerun = if args.rerun.is_empty() {
        Rerun::None
    } else if args.rerun.iter().any(String::is_empty) {
        Rerun::All
    } else {
        Rerun::Ids(args.rerun)
    };
    if let Some(spec) = args.shard {
        let shard = super::build_shard::ShardBuild {
            spec,
            bundle: args.bundle,
            jobs: args.jobs,
            rerun,
            offline_results: args.offline_results,
        };
        return super::build_shard::run(&config, &args.book_dir, shard);
    }
    let bundles = if args.results.is_empty() {
        None
    } else {
        match proofbook::pipeline::shard::read_bundles(&args.results) {
            Ok(b) => Some(b),
            Err(errors) => return Ok(report::failed(&errors)),
        }
    };
    let options = BuildOptions {
        dest: args.dest_dir,
        live_reload_script: None,
        launcher: Some(std::env::current_exe()?),
        jobs: args.jobs,
        progress: Some(super::progress::display()),
        rerun,
        offline_results: args.offline_results,
        keep_failed: args.keep_failed,
        filter: None,
        only_ids: None,
        claim: None,
        pending: false,
        force: args.force,
        bundles,
        ..BuildOptions::default()
    };
    match proofbook::build(&config, &options) {
        Ok(r) => {
            for line in &r.leftovers {
                eprintln!("note: {line}");
            }
            report::print_all(&r.warnings);
            if let Some(aside) = &r.moved_aside {
                eprintln!(
                    "note: the folder that was at {} was not proofbook's; it was moved to {} (nothing was deleted)",
                    r.dest.display(),
                    aside.display()
                );
            }
            if !config.render_html {
                // book.toml names only other renderers, as mdBook allows.
                let names: Vec<&str> = config.renderers.iter().map(|r| r.name.as_str()).collect();
                eprintln!(
                    "rendered with {} into {} in {} (no HTML: book.toml has no [output.html])",
                    proofbook::terminal_text::neutralise(&names.join(", ")),
                    proofbook::terminal_text::neutralise(&r.dest.display().to_string()),
                    seconds(started.elapsed().as_secs_f64())
                );
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!(
                "built {} pages ({} files, {} unchanged since the last build, made again: {}; examples: {}) into {} in {}",
                r.pages,
                r.files,
                r.reused,
                remade_summary(&r.made),
                examples_summary(&r.examples),
                // book.toml chooses it: shown inert.
                proofbook::terminal_text::neutralise(&r.dest.display().to_string()),
                seconds(started.elapsed().as_secs_f64())
            );
            let phases: Vec<String> = r
                .timings
                .phases
                .iter()
                .map(|(name, d)| format!("{name} {}", seconds(d.as_secs_f64())))
                .collect();
            eprintln!("  {}", phases.join(" · "));
            if let Some(off) = examples_off(&r.examples) {
                eprintln!("{off}");
            }
            for line in failed_claims(&r.failed_claims, &args.book_dir) {
                eprintln!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.interrupted().is_some() => Ok(report::interrupted(e.interrupted())),
        Err(BuildError::Book(diags)) => Ok(report::failed(&diags)),
        Err(BuildError::Output(e)) => Ok(report::failed(&[proofbook::diag::Diagnostic::error(
            e.to_string(),
            None,
        )])),
        Err(BuildError::Interrupted(i)) => Ok(report::interrupted(Some(i.0))),
    }
}

/// The examples part of a build's summary line.
/// What a build made again: pages rendered, and print.html or the search
/// index with how many chapters' parts of them were made.
pub(crate) fn remade_summary(m: &proofbook::pipeline::Remade) -> String {
    let parts = |n: usize| match n {
        1 => "1 chapter's part".to_owned(),
        n => format!("{n} chapters' parts"),
    };
    let mut out = vec![match m.pages {
        1 => "1 page".to_owned(),
        n => format!("{n} pages"),
    }];
    if let Some(n) = m.print {
        out.push(format!("print.html ({})", parts(n)));
    }
    if let Some(n) = m.search {
        out.push(format!("the search index ({})", parts(n)));
    }
    out.join(", ")
}

pub(crate) fn examples_summary(c: &proofbook::pipeline::ExampleCounts) -> String {
    if c.off > 0 {
        return format!("off, {} not run", blocks(c.off));
    }
    format!("{} ran, {} cached, {} failed", c.ran, c.cached, c.failed)
}

/// When the book's examples are off, the line that says so and how to
/// turn them on; a book whose one job did not happen must hear it.
pub(crate) fn examples_off(c: &proofbook::pipeline::ExampleCounts) -> Option<String> {
    (c.off > 0).then(|| {
        format!(
            "note: this book's examples are off, so {} shown without running; write {} to run them",
            match c.off {
                1 => "its Python block was".to_owned(),
                n => format!("its {n} Python blocks were"),
            },
            proofbook::pipeline::not_run::EXAMPLES_ON_KEY
        )
    })
}

/// The summary's word on claims that did not hold: each at its line with
/// its numbers and the command that re-checks exactly it, then what the
/// next build does about them. A red box must not go out unnoticed.
fn failed_claims(claims: &[proofbook::pipeline::FailedClaim], book_dir: &Path) -> Vec<String> {
    use proofbook::terminal_text::neutralise;
    if claims.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![match claims.len() {
        1 => "1 claim does not hold in this build:".to_owned(),
        n => format!("{n} claims do not hold in this build:"),
    }];
    let dir = (book_dir != Path::new(".")).then(|| quoted(&book_dir.display().to_string()));
    for c in claims {
        let which = quoted(c.id.as_deref().unwrap_or(&c.place));
        let command = match &dir {
            Some(dir) => format!("proofbook check {dir} --claim {which}"),
            None => format!("proofbook check --claim {which}"),
        };
        lines.push(neutralise(&format!("  {}: {}", c.place, c.comparison)));
        lines.push(neutralise(&format!("    re-check: {command}")));
    }
    lines.push(
        match claims.len() {
            1 => "the next build runs its examples again; `--keep-failed` keeps this result",
            _ => "the next build runs their examples again; `--keep-failed` keeps these results",
        }
        .to_owned(),
    );
    lines
}

/// `text` as one shell word.
fn quoted(text: &str) -> String {
    shlex::try_quote(text).map_or_else(|_| text.to_owned(), |q| q.into_owned())
}

fn blocks(n: usize) -> String {
    match n {
        1 => "1 Python block".to_owned(),
        n => format!("{n} Python blocks"),
    }
}
