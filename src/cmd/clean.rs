use std::path::PathBuf;
use std::process::ExitCode;

use proofbook::config::Config;
use proofbook::diag::Diagnostic;
use proofbook::output::manifest::{Ownership, ownership};

use crate::report;

#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "The site folder is removed only if proofbook wrote it and nothing in it \
changed since (its .proofbook-site.json lists every file); any other folder is left alone, or with \
--force moved aside to DIR.replaced-TIME. Temp folders and cgroups left by a killed build are \
removed too."
)]
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
    /// With --cache, also remove the interpreters built from source, which
    /// every book shares ($XDG_CACHE_HOME/proofbook/python/builds/, or
    /// ~/.cache/..., made by scripts/install-python-313t).
    #[arg(long, requires = "cache")]
    builds: bool,
    /// Only the examples' own environments (PEP 723 packages, in
    /// .proofbook-cache/envs/): list each (packages, Python, size) and
    /// remove them all; the site and the results stay.
    #[arg(long, conflicts_with_all = ["cache", "dest_dir", "force"])]
    envs: bool,
    /// With --envs, list them without removing anything.
    #[arg(long, requires = "envs")]
    dry_run: bool,
    /// A folder proofbook did not write (or that changed since) is moved
    /// aside to DIR.replaced-TIME instead of refused; nothing is deleted.
    #[arg(long)]
    force: bool,
}

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let (config, _) = match Config::load(&args.book_dir) {
        Ok(c) => c,
        Err(e) => return Ok(report::failed(&e.to_diagnostics())),
    };
    // The cache folder is the book's: one that arrived as a link (to the
    // user's own folders) is never removed through.
    if args.envs || args.cache {
        let cache = &config.run.cache_dir;
        for dir in [
            cache.clone(),
            cache.join(proofbook::execute::envs::ENVS_DIR),
        ] {
            if dir
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                let d = Diagnostic::error(
                    format!("not cleaning {}: it is a symbolic link", dir.display()),
                    None,
                )
                .with_help(
                    "proofbook removes nothing through a link in the book, which may lead to \
                     folders of yours; remove the link itself (`rm` without a trailing slash)",
                );
                return Ok(report::failed(&[d]));
            }
        }
    }
    if args.envs {
        clean_envs(&config.run.cache_dir, args.dry_run)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.cache {
        clean_cache(&config.run.cache_dir, args.builds)?;
    }
    let dest = match args.dest_dir {
        Some(d) => std::path::absolute(&d).unwrap_or(d),
        None => config.build_dir.clone(),
    };
    for line in proofbook::pipeline::remove_leftovers(&dest) {
        eprintln!("{line}");
    }
    if dest.symlink_metadata().is_err() {
        eprintln!("nothing to clean: {} does not exist", dest.display());
        return Ok(ExitCode::SUCCESS);
    }
    // The root, the home folder, the book and its sources: never, forced
    // or not.
    if let Err(e) = proofbook::output::check_destination(&dest, &config.root, &[&config.src], true)
    {
        return Ok(report::failed(&[Diagnostic::error(e.to_string(), None)]));
    }
    // The same rule that decides what a build may replace: only what
    // proofbook wrote, as it wrote it, is deleted.
    match ownership(&dest) {
        Ownership::Free | Ownership::Ours(_) => {
            std::fs::remove_dir_all(&dest)?;
            eprintln!("removed {}", dest.display());
        }
        Ownership::Foreign(_) if args.force => {
            let aside = proofbook::output::move_aside(&dest)?;
            eprintln!(
                "moved {} to {} (it was not proofbook's as written; nothing was deleted)",
                dest.display(),
                aside.display()
            );
        }
        Ownership::Foreign(found) => {
            let d = Diagnostic::error(
                format!("not removing {}: {found}", dest.display()),
                None,
            )
            .with_help(
                "proofbook removes only a folder it wrote, as it wrote it; remove it yourself, \
                 or run again with --force to move it aside to DIR.replaced-TIME (nothing is deleted)",
            );
            return Ok(report::failed(&[d]));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Removes the book's cache folder; with `builds`, also the interpreters
/// built from source, which live in the user's cache (shared by every book,
/// minutes to build again, holding no result), so they stay otherwise.
fn clean_cache(cache: &std::path::Path, builds: bool) -> std::io::Result<()> {
    if cache.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(cache)?;
        eprintln!("removed {}", cache.display());
    }
    let Some(shared) = proofbook::execute::interpreters::builds_dir() else {
        return Ok(());
    };
    if shared.symlink_metadata().is_err() {
        return Ok(());
    }
    if builds {
        std::fs::remove_dir_all(&shared)?;
        eprintln!(
            "removed the interpreters built from source in {} (every book's)",
            shared.display()
        );
    } else {
        eprintln!(
            "kept the interpreters built from source in {}, shared by every book (add --builds to remove them too)",
            shared.display()
        );
    }
    Ok(())
}

/// `--envs`: lists the examples' environments, then removes them unless
/// `dry_run`.
fn clean_envs(cache: &std::path::Path, dry_run: bool) -> std::io::Result<()> {
    use proofbook::execute::envs;
    let found = envs::list(cache);
    if found.is_empty() {
        eprintln!(
            "no example environments in {}",
            cache.join(envs::ENVS_DIR).display()
        );
        return Ok(());
    }
    let mut total = 0;
    for env in &found {
        total += env.bytes;
        let what = match &env.about {
            Some(a) => format!(
                "Python {}, {} ({}{})",
                a.python,
                a.packages.join(", "),
                a.installer,
                if a.wheels_only { ", wheels only" } else { "" }
            ),
            None => "unfinished".to_owned(),
        };
        println!(
            "{}  {:.1} MiB  {what}",
            env.dir.display(),
            env.bytes as f64 / 1048576.0
        );
    }
    let mib = total as f64 / 1048576.0;
    if dry_run {
        eprintln!(
            "{} environments, {mib:.1} MiB; nothing removed (--dry-run)",
            found.len()
        );
        return Ok(());
    }
    envs::remove_all(cache)?;
    eprintln!(
        "removed {} environments ({mib:.1} MiB); the examples that need them build them again",
        found.len()
    );
    Ok(())
}
