//! The `proofbook` command: parses the command line, runs a subcommand, and
//! turns its diagnostics into reports and an exit code. The only place that
//! prints diagnostics or exits.

mod cmd;
mod report;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
