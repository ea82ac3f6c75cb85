//! Subcommands: each a thin driver over the library, holding no pipeline
//! logic (mdBook's `cmd/*.rs` shape).

mod build;
mod build_shard;
mod check;
mod check_rounds;
mod clean;
mod doctor;
mod init;
mod merge;
mod progress;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build a Markdown book (mdBook's format) into a static site whose examples
/// are proven: every Python example runs in a sandbox, and its real output,
/// exit status and resource use are shown under its code.
#[derive(Debug, Parser)]
#[command(name = "proofbook", version, about, long_about = None)]
#[command(
    after_help = "A book is a folder with a book.toml (optional) and a source folder holding SUMMARY.md.\n\
Start with `proofbook build` in that folder, then open book/index.html."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the book into a static site (default: ./book).
    ///
    /// The site is written to a temporary folder and swapped in only when
    /// everything succeeded, so a failed build leaves the previous site as
    /// it was.
    Build(build::Args),
    /// Preview the book in a browser, rebuilt and reloaded on every save.
    ///
    /// Serves http://127.0.0.1:3000 by default. A save re-renders the pages
    /// it changed and re-runs only edited examples; errors appear over the
    /// page and in this terminal, and the server keeps running.
    Serve(serve::Args),
    /// Run every example fresh and verify links, outcomes and expected
    /// output, for CI; writes no site.
    Check(check::Args),
    /// Remove the built site.
    Clean(clean::Args),
    /// Start a new book: book.toml, a chapter with an example, a
    /// comparison and a claim, ready for `proofbook serve`.
    Init(init::Args),
    /// Show which protections the example sandbox has on this machine.
    Doctor(doctor::Args),
    /// Judge the bundles of `check --shard K/N` runs together, as one
    /// `check` of the whole book would; runs nothing.
    Merge(merge::Args),
}

impl Cli {
    /// Commands that run examples or write a site: Ctrl-C and SIGTERM
    /// stop them in order (`proofbook::interrupt`) instead of at once.
    pub fn stops_cleanly(&self) -> bool {
        matches!(
            self.command,
            Command::Build(_) | Command::Serve(_) | Command::Check(_)
        )
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build(args) => build::execute(args),
        Command::Clean(args) => clean::execute(args),
        Command::Doctor(args) => doctor::execute(args),
        Command::Init(args) => init::execute(args),
        Command::Serve(args) => serve::execute(args),
        Command::Check(args) => check::execute(args),
        Command::Merge(args) => merge::execute(args),
    }
}
