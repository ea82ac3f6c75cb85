//! The `proofbook` command: parses the command line, runs a subcommand, and
//! turns its diagnostics into reports and an exit code. The only place that
//! prints diagnostics or exits.

mod cmd;
mod report;
mod stop;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The sandbox's zygote is this same binary, started by the example
    // runner with a hidden first argument; it never sees clap.
    let mut args = std::env::args_os().skip(1);
    let zygote = std::ffi::OsStr::new(proofbook::execute::zygote::SUBCOMMAND);
    if args.next().as_deref() == Some(zygote) {
        let rest: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        std::process::exit(proofbook::execute::zygote::main(&rest));
    }
    let cli = cmd::Cli::parse();
    if cli.stops_cleanly()
        && let Err(e) = stop::install()
    {
        eprintln!("warning: Ctrl-C will not stop cleanly: {e}");
    }
    let result = cmd::run(cli);
    // Whatever the command made of it, a stop by a signal ends as one.
    if let Some(signal) = proofbook::interrupt::requested() {
        return ExitCode::from(proofbook::interrupt::exit_code(signal));
    }
    match result {
        Ok(code) => code,
        Err(err) => {
            // Errors name files of the book, which may hold anything.
            let text = format!("{err:#}");
            eprintln!("error: {}", proofbook::terminal_text::neutralise(&text));
            ExitCode::from(2)
        }
    }
}
