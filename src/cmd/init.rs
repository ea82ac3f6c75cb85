use std::path::PathBuf;
use std::process::ExitCode;

use proofbook::diag::Diagnostic;
use proofbook::scaffold;

use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to make the book in (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Add the starter files to a folder that already holds a book: files
    /// that exist are kept as they are, only missing ones are written.
    #[arg(long)]
    force: bool,
}

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let report = match scaffold::init(&args.dir, args.force) {
        Ok(r) => r,
        Err(e) => {
            let mut d = Diagnostic::error(e.to_string(), None);
            if let Some(help) = e.help() {
                d = d.with_help(help);
            }
            return Ok(report::failed(&[d]));
        }
    };
    for rel in &report.written {
        eprintln!("  wrote {}", args.dir.join(rel).display());
    }
    for rel in &report.kept {
        eprintln!("  kept  {} (it exists)", args.dir.join(rel).display());
    }
    let cd = if args.dir == std::path::Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", args.dir.display())
    };
    eprintln!(
        "\nA new book is ready. Preview it with `{cd}proofbook serve` and edit content/waiting.md;\n\
         `proofbook build` writes the site to book/, `proofbook check` verifies it for CI."
    );
    Ok(ExitCode::SUCCESS)
}
