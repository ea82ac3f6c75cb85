//! `proofbook merge`: the shards' bundles judged together, exactly as one
//! unsharded `check` would judge the book (claims included).

use std::path::PathBuf;
use std::process::ExitCode;

use proofbook::BuildOptions;
use proofbook::config::Config;
use proofbook::pipeline::Rerun;

use crate::report;

#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Run `proofbook check --shard K/N` for K = 1..N (each writes a bundle), \
then `proofbook merge` with every bundle, in the book's folder. The bundles must come from \
the same state of the book and the same plan, and cover every example exactly once; then \
every example and claim is judged on the merged results and the exit status is check's. \
Nothing runs."
)]
pub struct Args {
    /// The shards' bundles (`check --shard K/N --bundle PATH` writes them).
    #[arg(required = true, value_name = "BUNDLE")]
    bundles: Vec<PathBuf>,
    /// The book's root folder (the one holding book.toml).
    #[arg(long = "book", value_name = "DIR", default_value = ".")]
    book_dir: PathBuf,
    /// Also write the merged results into DIR (as merged.proofbook-results),
    /// for `proofbook build --results`.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also write the results as JUnit XML to PATH.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
}

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let (config, warnings) = match Config::load(&args.book_dir) {
        Ok(c) => c,
        Err(e) => return Ok(report::failed(&e.to_diagnostics())),
    };
    report::print_all(&warnings);
    if let Some(failed) = super::check::refuse_junit_target(args.junit.as_deref()) {
        return Ok(failed);
    }
    let bundles = match proofbook::pipeline::shard::read_bundles(&args.bundles) {
        Ok(b) => b,
        Err(errors) => return Ok(report::failed(&errors)),
    };
    let options = BuildOptions {
        rerun: Rerun::All,
        bundles: Some(bundles.clone()),
        ..BuildOptions::default()
    };
    let result = proofbook::pipeline::check::check(&config, &options);
    let code = super::check::print_report(&result, &config.root, args.junit.as_deref());
    if let Some(dir) = &args.out {
        if !result.all_answered {
            eprintln!(
                "error: nothing written to {}: the bundles are not a whole set",
                dir.display()
            );
            return Ok(ExitCode::FAILURE);
        }
        let path = dir.join("merged.proofbook-results");
        let written = std::fs::create_dir_all(dir)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                let merged = proofbook::pipeline::shard::merged(&bundles)
                    .ok_or_else(|| "no bundle".to_owned())?;
                merged.write(&path).map_err(|e| e.to_string())
            });
        match written {
            Ok(()) => println!("merged results: {}", path.display()),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(code)
}
