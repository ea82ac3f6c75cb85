//! `proofbook serve`: build, serve, watch, rebuild, until interrupted.
//! The parts are in `proofbook::serve`; this file starts them and prints.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proofbook::BuildOptions;
use proofbook::serve::events::Hub;
use proofbook::serve::host::AllowedHost;
use proofbook::serve::http::{Server, Site};
use proofbook::serve::rebuild::{Outcome, Preview, watch_set};
use proofbook::serve::watch::{Change, WatchSet, Watcher};

use crate::report;

/// An editor's save is a burst of events; this much quiet ends it.
const DEBOUNCE: Duration = Duration::from_millis(20);

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Examples:\n  \
proofbook serve                    preview the book in this folder at http://127.0.0.1:3000\n  \
proofbook serve guide -p 8000 --open\n\n\
Every save rebuilds what it changed: a chapter re-renders its pages, an edited example runs\n\
again (the others come from the cache), and the open pages reload where they were. An error\n\
is shown over the page and here, and goes away when the file is fixed. The preview is built\n\
into .proofbook-cache/serve/, never into the book's output folder; its print page is made\n\
when it is first opened after a change.\n\n\
The preview answers only requests for localhost or its own address (see --allow-host), and\n\
none that a page of another site makes: a web page open in the browser cannot read it.")]
pub struct Args {
    /// The book's root folder (the one holding book.toml).
    #[arg(default_value = ".")]
    book_dir: PathBuf,
    /// Port to listen on (0: any free port).
    #[arg(short, long, default_value_t = 3000)]
    port: u16,
    /// Address to listen on. Anything but a loopback address lets other
    /// machines read the preview, and needs --allow-remote.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Confirm that other machines may read the preview (with a --host that
    /// is not a loopback address).
    #[arg(long)]
    allow_remote: bool,
    /// Also answer requests that name this host (NAME or NAME:PORT), as a
    /// proxy or tunnel in front of the preview does. By default only
    /// localhost, loopback addresses and --host are answered, so that a web
    /// page cannot read the preview through a name of its own (DNS
    /// rebinding). May be repeated.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<AllowedHost>,
    /// Open the preview in the default browser.
    #[arg(long)]
    open: bool,
    /// How many examples run at once (default: the usable cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,
}

pub fn execute(args: Args) -> anyhow::Result<ExitCode> {
    if !args.host.is_loopback() {
        if !args.allow_remote {
            eprintln!(
                "error: --host {} lets other machines read the preview; add --allow-remote if that is what you want, or leave --host out to serve this machine only",
                args.host
            );
            return Ok(ExitCode::from(2));
        }
        eprintln!(
            "warning: serving on {}, which other machines can reach; the preview runs no code for them, but it shows the book to anyone who asks",
            args.host
        );
    }
    let site = Arc::new(Site::new());
    let hub = Arc::new(Hub::new());
    let server = match Server::bind(
        SocketAddr::new(args.host, args.port),
        site.clone(),
        hub.clone(),
    ) {
        Ok(s) => s.allow_hosts(args.allow_hosts),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let url = format!("http://{}/", server.local_addr());
    std::thread::Builder::new()
        .name("http".into())
        .spawn(move || server.run())?;
    eprintln!("serving the preview at {url} (Ctrl-C stops)");
    if args.open {
        open_browser(&url);
    }

    let base = BuildOptions {
        launcher: Some(std::env::current_exe()?),
        jobs: args.jobs,
        progress: Some(super::progress::display()),
        // A preview that re-ran a failed claim's benchmarks on every save
        // would keep the author waiting; `build` runs them again.
        keep_failed: true,
        ..BuildOptions::default()
    };
    let mut preview = Preview::new(&args.book_dir, site, hub, base);
    // Watching starts before the first build, so a save during it counts.
    let first = proofbook::config::Config::load(&args.book_dir)
        .ok()
        .map(|(c, _)| c);
    let mut watching = start_watcher(first.as_ref(), &args.book_dir);
    rebuild(&mut preview, None);
    loop {
        let Some((set, watcher)) = &watching else {
            // Nothing to watch (the book folder is gone): try again later.
            std::thread::sleep(Duration::from_secs(1));
            watching = start_watcher(preview.config(), &args.book_dir);
            // Build what is there once watching works again.
            if watching.is_some() {
                rebuild(&mut preview, None);
            }
            continue;
        };
        for e in watcher.take_errors() {
            eprintln!("warning: {e}");
        }
        let Some(batch) = watcher.next_batch() else {
            watching = None;
            continue;
        };
        rebuild(&mut preview, Some(&batch));
        // New settings may move the folders to watch.
        let wanted = preview.config().map(watch_set);
        if wanted.as_ref().is_some_and(|w| !same_folders(w, set)) {
            watching = start_watcher(preview.config(), &args.book_dir);
            // Saves in the new folders while the old watcher looked
            // elsewhere would be lost: build once more from what is there.
            rebuild(&mut preview, None);
        }
    }
}

fn rebuild(preview: &mut Preview, changes: Option<&BTreeSet<Change>>) {
    let started = Instant::now();
    if let Some(changes) = changes {
        let names: Vec<String> = changes.iter().map(describe).collect();
        // File names are the book's to choose: shown inert.
        let names = proofbook::terminal_text::neutralise(&names.join(", "));
        eprintln!("changed: {names}");
    }
    let Some((outcome, warnings)) = guarded(|| preview.rebuild(changes, true)) else {
        return;
    };
    report::print_all(&warnings);
    // A failed first pass may have failed on earlier results (a figure the
    // new program reports, quoted before it ran): the full build decides.
    let (waiting, failed) = match &outcome {
        Outcome::Built { report, .. } => (report.examples.pending, false),
        Outcome::Failed(_) => (0, true),
    };
    if waiting > 0 {
        tell(outcome, started);
        // The pages show the new prose with earlier results marked as
        // re-running; now run the changed examples.
        eprintln!(
            "running {waiting} changed example(s); the pages show their earlier results meanwhile"
        );
    } else if !failed {
        tell(outcome, started);
        return;
    }
    if let Some((outcome, warnings)) = guarded(|| preview.rebuild(changes, false)) {
        report::print_all(&warnings);
        tell(outcome, started);
    }
}

/// Runs a rebuild; a panic in it is reported, and the server goes on with
/// the last good site.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(_) => {
            eprintln!(
                "error: the rebuild stopped on an internal error (a bug in proofbook; please report it); still serving the last good site"
            );
            None
        }
    }
}

fn tell(outcome: Outcome, started: Instant) {
    let ms = started.elapsed().as_millis();
    match outcome {
        Outcome::Built {
            report,
            everything,
            changed,
        } => {
            report::print_all(&report.warnings);
            for line in &report.leftovers {
                eprintln!("note: {line}");
            }
            if let Some(aside) = &report.moved_aside {
                eprintln!(
                    "note: the preview folder was not as proofbook left it; it was moved to {}",
                    aside.display()
                );
            }
            let pages = match changed.len() {
                _ if everything => "every page".to_owned(),
                0 => "no page (none changed)".to_owned(),
                1 => changed[0].clone(),
                n => format!("{n} pages"),
            };
            eprintln!(
                "built in {ms} ms (examples: {}); reloading {pages}",
                super::build::examples_summary(&report.examples)
            );
            if let Some(off) = super::build::examples_off(&report.examples) {
                eprintln!("{off}");
            }
        }
        Outcome::Failed(diags) => {
            report::print_all(&diags);
            eprintln!("build failed in {ms} ms; the pages show the error until it is fixed");
        }
    }
}

fn start_watcher(
    config: Option<&proofbook::config::Config>,
    book_dir: &std::path::Path,
) -> Option<(WatchSet, Watcher)> {
    let set = match config {
        Some(c) => watch_set(c),
        // book.toml did not load: watch the folder for its fix.
        None => WatchSet {
            root: book_dir.to_owned(),
            src: book_dir.join(proofbook::config::DEFAULT_SRC),
            theme: None,
            examples: None,
            data: false,
            requirements: None,
            ignore: vec![
                book_dir.join(proofbook::config::DEFAULT_BUILD_DIR),
                book_dir.join(proofbook::config::CACHE_DIR),
            ],
        },
    };
    match Watcher::start(set.clone(), DEBOUNCE) {
        Ok(w) => Some((set, w)),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

fn same_folders(a: &WatchSet, b: &WatchSet) -> bool {
    (&a.root, &a.src, &a.theme, &a.examples, &a.requirements)
        == (&b.root, &b.src, &b.theme, &b.examples, &b.requirements)
}

fn describe(change: &Change) -> String {
    match change {
        Change::Config => "book.toml".into(),
        Change::Requirements => "the requirements".into(),
        Change::Summary => "SUMMARY.md".into(),
        Change::Theme(p) | Change::Source(p) | Change::Example(p) => p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
    }
}

/// Best effort: a machine without a desktop has no opener, and that is
/// not a reason to stop the preview.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_err()
    {
        eprintln!("could not start {opener}; open {url} yourself");
    }
}
