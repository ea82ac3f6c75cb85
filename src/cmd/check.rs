use std::path::{Path, PathBuf};
use std::process::ExitCode;

use proofbook::BuildOptions;
use proofbook::config::Config;
use proofbook::execute::bundle::Bundle;
use proofbook::pipeline::Rerun;
use proofbook::pipeline::check::{CheckItem, CheckReport, Verdict};
use proofbook::pipeline::shard::ShardRun;
use proofbook::terminal_text::{github_message, github_property, neutralise};

use crate::report;

#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Checks, without writing the site: every internal link, anchor and \
include resolves; every example runs fresh in the sandbox and ends as its options say \
(success, `expect=error`, `exit=N`); what it prints matches its ```output block.\n\n\
Prints one line per item (ok, FAILED or skipped, with file:line and duration), then the \
details of each failure, then `N passed, N failed` (`, N skipped` when any). The exit \
status is 0 when nothing failed and 1 otherwise. With GITHUB_ACTIONS=true, failures are \
also printed as ::error annotations.\n\n\
What examples printed is quoted with escape sequences and control characters shown \
visibly (\\x1b, \\r), lines a CI would take as commands (::..., ##[...]) made inert, \
and at most 12 lines of a diff or stderr tail."
)]
pub struct Args {
    /// The book's root folder (the one holding book.toml).
    #[arg(default_value = ".")]
    book_dir: PathBuf,
    /// Use cached results where they exist instead of running every example.
    #[arg(long)]
    cached: bool,
    /// Only the examples whose id or file:line contains PATTERN.
    #[arg(long, value_name = "PATTERN", conflicts_with = "claim")]
    filter: Option<String>,
    /// Only this claim (FILE:LINE as the build prints it, or its id), with
    /// the examples it is judged on.
    #[arg(long, value_name = "FILE:LINE|ID")]
    claim: Option<String>,
    /// Also write the results as JUnit XML to PATH.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// How many examples run at once (default: the usable cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,
    /// Run only shard K of N of the examples (a comparison group stays
    /// whole) and write their results to a bundle for `proofbook merge`.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["filter", "claim"])]
    shard: Option<proofbook::execute::shard::ShardSpec>,
    /// Where the shard's bundle goes (default:
    /// shard-K-of-N.proofbook-results in the current folder).
    #[arg(long, value_name = "PATH", requires = "shard")]
    bundle: Option<PathBuf>,
    /// Rewrite the output block of each example whose output differs (only
    /// the examples named, when IDs follow) to say what it printed now,
    /// keeping the block's wildcards that still match; claims are never
    /// touched. Put the book's folder before it.
    #[arg(long, value_name = "ID", num_args = 0.., conflicts_with = "shard")]
    bless: Option<Vec<String>>,
    /// Run the whole check N times, every example fresh each time, and
    /// print per claim how many rounds it held and its worst margin (the
    /// larger side over the smaller); fails if anything failed in any round.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..),
          conflicts_with_all = ["shard", "bless", "junit", "cached"])]
    rounds: Option<u32>,
}

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    let (config, warnings) = match Config::load(&args.book_dir) {
        Ok(c) => c,
        Err(e) => return Ok(report::failed(&e.to_diagnostics())),
    };
    report::print_all(&warnings);
    // A report that cannot be written is found out before the examples run.
    if let Some(failed) = refuse_junit_target(args.junit.as_deref()) {
        return Ok(failed);
    }
    let shard = args.shard.map(|spec| ShardRun {
        spec,
        bundle: args
            .bundle
            .clone()
            .unwrap_or_else(|| Bundle::default_path(spec.index, spec.count)),
    });
    let bundle_path = shard.as_ref().map(|s| s.bundle.clone());
    let options = BuildOptions {
        launcher: Some(std::env::current_exe()?),
        jobs: args.jobs,
        rerun: if args.cached { Rerun::None } else { Rerun::All },
        filter: args.filter,
        claim: args.claim,
        progress: Some(super::progress::display()),
        shard,
        ..BuildOptions::default()
    };
    if let Some(rounds) = args.rounds {
        return Ok(super::check_rounds::execute(
            &config,
            &options,
            rounds as usize,
        ));
    }
    let started = std::time::SystemTime::now();
    let mut result = proofbook::pipeline::check::check(&config, &options);
    if let Some(ids) = &args.bless {
        for done in proofbook::pipeline::check::bless(&mut result, ids, started) {
            println!(
                "blessed  {}:{}",
                relative(&done.file, &config.root),
                done.line
            );
            if !done.diff.is_empty() {
                println!("{}", neutralise(done.diff.trim_end()));
            }
        }
    }
    let code = print_report(&result, &config.root, args.junit.as_deref());
    if let Some(path) = bundle_path.filter(|p| p.is_file()) {
        println!("bundle: {}", path.display());
    }
    Ok(code)
}

/// A `--junit` path that cannot be written, found out before anything
/// runs: the failed report to exit with.
pub(super) fn refuse_junit_target(junit: Option<&Path>) -> Option<ExitCode> {
    let path = junit?;
    let why = junit_target(path).err()?;
    Some(report::failed(&[proofbook::diag::Diagnostic::error(
        format!("--junit {}: {why}", path.display()),
        None,
    )
    .with_help(
        "name a file in an existing folder, such as target/check.xml",
    )]))
}

/// Prints check's report (one line per item, the failures' details, CI
/// annotations, the JUnit file, the count line) and gives the exit code.
pub(super) fn print_report(result: &CheckReport, root: &Path, junit: Option<&Path>) -> ExitCode {
    report::print_all(&result.warnings);
    for item in &result.items {
        let verdict = match item.verdict {
            Verdict::Ok => "ok",
            Verdict::Failed => "FAILED",
            Verdict::Skipped => "skipped",
        };
        println!(
            "{verdict:<8} {:<32} {:<36} {:.2} s",
            neutralise(&item.name),
            place(item, root),
            item.duration.as_secs_f64()
        );
        // How close a claim that holds came: the log of a noisy run says.
        if let (Verdict::Ok, Some(measured)) = (item.verdict, &item.measured) {
            println!("{:8} {}", "", neutralise(measured));
        }
    }
    let failed: Vec<&CheckItem> = result
        .items
        .iter()
        .filter(|i| i.verdict != Verdict::Ok)
        .collect();
    if !failed.is_empty() {
        println!();
        for item in &failed {
            let label = if item.verdict == Verdict::Failed {
                "FAILED"
            } else {
                "skipped"
            };
            println!(
                "---- {label}: {} at {}",
                neutralise(&item.name),
                place(item, root)
            );
            println!("{}\n", neutralise(item.details.trim_end()));
        }
    }
    if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
        // Each annotation is one line, escaped as GitHub's runner unescapes
        // it; what the example printed was neutralised first, so no line it
        // wrote (`::stop-commands::…` included) reaches the log as a command
        // that could fake or silence these.
        for item in failed.iter().filter(|i| i.verdict == Verdict::Failed) {
            let at = item.span.as_ref().map_or_else(String::new, |s| {
                format!(
                    " file={},line={}",
                    github_property(&relative(&s.file, root)),
                    s.line
                )
            });
            println!(
                "::error{at}::{}",
                github_message(&format!("{}: {}", item.name, item.details))
            );
        }
    }
    let mut junit_failed = false;
    if let Some(path) = junit
        && let Err(e) = write_junit(path, result, root)
    {
        eprintln!(
            "error: cannot write the JUnit report {}: {e:#}",
            path.display()
        );
        junit_failed = true;
    }
    let (passed, failed_n, skipped) = (
        result.count(Verdict::Ok),
        result.count(Verdict::Failed),
        result.count(Verdict::Skipped),
    );
    if skipped > 0 {
        println!("{passed} passed, {failed_n} failed, {skipped} skipped");
    } else {
        println!("{passed} passed, {failed_n} failed");
    }
    if failed_n == 0 && !junit_failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Where the JUnit report goes: a regular file (or a new one) is replaced
/// whole through a temporary file beside it, after following a symbolic
/// link; anything else that exists (`/dev/stdout`, a FIFO) is written
/// into, never replaced.
enum JunitTarget {
    Replace(std::path::PathBuf),
    WriteInto(std::path::PathBuf),
}

fn junit_target(path: &Path) -> Result<JunitTarget, String> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err("it is a folder".into()),
        // Through a symbolic link: the file it points at is replaced.
        Ok(m) if m.is_file() => Ok(JunitTarget::Replace(
            path.canonicalize().unwrap_or_else(|_| path.to_path_buf()),
        )),
        Ok(_) => Ok(JunitTarget::WriteInto(path.to_path_buf())),
        Err(_) if std::fs::symlink_metadata(path).is_ok() => {
            Err("it is a symbolic link to nothing".into())
        }
        Err(_) => {
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if parent.is_dir() {
                Ok(JunitTarget::Replace(path.to_path_buf()))
            } else {
                Err(format!("its folder {} does not exist", parent.display()))
            }
        }
    }
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// `file:line` of an item, neutralised: a file name is the book's to choose.
fn place(item: &CheckItem, root: &Path) -> String {
    item.span.as_ref().map_or_else(
        || "-".to_owned(),
        |s| neutralise(&format!("{}:{}", relative(&s.file, root), s.line)),
    )
}

fn write_junit(path: &Path, result: &CheckReport, root: &Path) -> anyhow::Result<()> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new("proofbook check");
    for item in &result.items {
        let mut status = match item.verdict {
            Verdict::Ok => TestCaseStatus::success(),
            Verdict::Failed => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Verdict::Skipped => TestCaseStatus::skipped(),
        };
        if item.verdict != Verdict::Ok {
            // CI pages show these too; XML cannot hold most control characters.
            let details = neutralise(&item.details);
            status.set_message(details.lines().next().unwrap_or("").to_owned());
            status.set_description(details);
        }
        let mut case = TestCase::new(
            format!("{} ({})", neutralise(&item.name), place(item, root)),
            status,
        );
        case.set_classname(place(item, root));
        case.set_time(item.duration);
        suite.add_test_case(case);
    }
    let mut report = Report::new("proofbook");
    report.add_test_suite(suite);
    let xml = report.to_string()?;
    match junit_target(path).map_err(anyhow::Error::msg)? {
        JunitTarget::WriteInto(target) => std::fs::write(target, xml)?,
        JunitTarget::Replace(target) => {
            // Written whole or not at all: a temp file beside it, renamed.
            let dir = target
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let mut file = tempfile::NamedTempFile::new_in(dir)?;
            std::io::Write::write_all(&mut file, xml.as_bytes())?;
            file.as_file()
                .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
            file.persist(&target).map_err(|e| e.error)?;
        }
    }
    Ok(())
}
