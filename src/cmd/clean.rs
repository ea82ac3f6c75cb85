use std::path::PathBuf;
use std::process::ExitCode;

use proofbook::config::Config;
use proofbook::diag::Diagnostic;

use crate::report;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The book's root folder (the one holding book.toml).
    #[arg(default_value = ".")]
    book_dir: PathBuf,
    /// The site folder to remove, instead of `[build] build-dir`.
    #[arg(short = 'd', long = "dest-dir", value_name = "DIR")]
    dest_dir: Option<PathBuf>,
    /// Also remove the cached example results and Python environments
    /// (.proofbook-cache/).
    #[arg(long)]
    cache: bool,
}

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let (config, _) = match Config::load(&args.book_dir) {
        Ok(c) => c,
        Err(e) => return Ok(report::failed(&e.to_diagnostics())),
    };
    if args.cache {
        let cache = &config.run.cache_dir;
        if cache.exists() {
            std::fs::remove_dir_all(cache)?;
            eprintln!("removed {}", cache.display());
        }
    }
    let dest = args.dest_dir.unwrap_or_else(|| config.build_dir.clone());
    if !dest.exists() {
        eprintln!("nothing to clean: {} does not exist", dest.display());
        return Ok(ExitCode::SUCCESS);
    }
    // Only a folder proofbook made (or an empty one) is removed: the same
    // rule that decides what a build may replace.
    if !dest.join(proofbook::output::MARKER_FILE).is_file() {
        let d = Diagnostic::error(
            format!("not removing {}: proofbook did not make it", dest.display()),
            None,
        )
        .with_help("remove it yourself if it is really meant to go");
        return Ok(report::failed(&[d]));
    }
    std::fs::remove_dir_all(&dest)?;
    eprintln!("removed {}", dest.display());
    Ok(ExitCode::SUCCESS)
}
