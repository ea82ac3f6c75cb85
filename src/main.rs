//! The `proofbook` command: parses the command line, runs a subcommand, and
//! turns its diagnostics into reports and an exit code. The only place that
//! prints diagnostics or exits.

mod cmd;
mod report;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The sandbox launcher is this same binary, started by the example
    // runner with a hidden first argument; it never sees clap.
    if std::env::args_os().nth(1).as_deref()
        == Some(std::ffi::OsStr::new(
            proofbook::execute::launcher::SUBCOMMAND,
        ))
    {
        std::process::exit(proofbook::execute::launcher::main());
    }
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
