//! The progress display of `build` and `check`: on a terminal, a live bar
//! with the examples running now and for how long; elsewhere (CI, a pipe),
//! one plain line per finished example.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use proofbook::pipeline::{Progress, ProgressEvent};
use proofbook::terminal_text::neutralise;

/// The display that suits where stderr goes.
pub fn display() -> Progress {
    if std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() {
        live()
    } else {
        Progress(Arc::new(plain))
    }
}

fn plain(event: &ProgressEvent<'_>) {
    match event {
        // Lines name examples by their place and id, which the book chose.
        ProgressEvent::Note(line) | ProgressEvent::Finished { line, .. } => {
            eprintln!("  {}", neutralise(line));
        }
        // Said before the first run ends, which may be minutes away (a
        // benchmark): the log shows at once what the build is doing.
        ProgressEvent::Plan {
            run,
            cached,
            expected,
        } if *run > 0 => {
            let how_long = match expected {
                Some(e) => format!("about {:.1} s, from their earlier runs", e.as_secs_f64()),
                None => "none ran before, so no estimate".to_owned(),
            };
            eprintln!(
                "  running {run} example{} ({cached} from the cache): {how_long}",
                if *run == 1 { "" } else { "s" },
            );
        }
        ProgressEvent::Plan { .. } | ProgressEvent::Started { .. } => {}
    }
}

#[derive(Default)]
struct Live {
    bar: Option<ProgressBar>,
    running: Vec<(String, Instant)>,
    /// When the runs should end, from the examples' earlier durations.
    due: Option<Instant>,
}

fn live() -> Progress {
    let state = Arc::new(Mutex::new(Live::default()));
    let shared = state.clone();
    Progress(Arc::new(move |event: &ProgressEvent<'_>| {
        let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
        match *event {
            ProgressEvent::Note(line) => match &s.bar {
                Some(bar) => bar.println(format!("  {}", neutralise(line))),
                None => eprintln!("  {}", neutralise(line)),
            },
            ProgressEvent::Plan {
                run,
                cached,
                expected,
            } => {
                if run == 0 {
                    return;
                }
                let bar = ProgressBar::new(run as u64);
                // The time left comes from the examples' earlier runs when
                // they have some; otherwise from the rate so far.
                s.due = expected.map(|d| Instant::now() + d);
                let template = match expected {
                    Some(_) => "  {elapsed:>4} [{bar:24}] {pos}/{len} examples {msg}",
                    None => "  {elapsed:>4} [{bar:24}] {pos}/{len} examples (ETA {eta}) {msg}",
                };
                bar.set_style(
                    ProgressStyle::with_template(template)
                        .expect("the template is valid")
                        .progress_chars("=> "),
                );
                if cached > 0 {
                    bar.println(format!("  {cached} examples from the cache"));
                }
                s.bar = Some(bar.clone());
                // The running examples' times, refreshed while they run.
                let state = state.clone();
                std::thread::spawn(move || {
                    while !bar.is_finished() {
                        let message = {
                            let s = state.lock().unwrap_or_else(|e| e.into_inner());
                            match s.due {
                                Some(due) => {
                                    format!("({}) {}", time_left(due), running_message(&s.running))
                                }
                                None => running_message(&s.running),
                            }
                        };
                        bar.set_message(message);
                        std::thread::sleep(Duration::from_millis(200));
                    }
                });
            }
            ProgressEvent::Started { place } => s.running.push((place.to_owned(), Instant::now())),
            ProgressEvent::Finished { place, line } => {
                if let Some(i) = s.running.iter().position(|(p, _)| p == place) {
                    s.running.remove(i);
                }
                if let Some(bar) = &s.bar {
                    // Successes only move the bar; anything else is kept.
                    if !line.ends_with("exited successfully") {
                        bar.println(format!("  {}", neutralise(line)));
                    }
                    bar.inc(1);
                    if bar.position() >= bar.length().unwrap_or(0) {
                        bar.finish_and_clear();
                    }
                }
            }
        }
    }))
}

/// `about 12 s left`, from when the runs should end.
fn time_left(due: Instant) -> String {
    match due.checked_duration_since(Instant::now()) {
        Some(left) if left.as_secs() >= 1 => format!("about {} s left", left.as_secs()),
        _ => "almost done".to_owned(),
    }
}

fn running_message(running: &[(String, Instant)]) -> String {
    let shown: Vec<String> = running
        .iter()
        .take(2)
        .map(|(place, since)| {
            let short = place.rsplit('/').next().unwrap_or(place);
            format!(
                "{} {:.1} s",
                neutralise(short),
                since.elapsed().as_secs_f64()
            )
        })
        .collect();
    match running.len() {
        0 => String::new(),
        n if n > 2 => format!("running {} and {} more", shown.join(", "), n - 2),
        _ => format!("running {}", shown.join(", ")),
    }
}
