//! The progress display of `build` and `check`: on a terminal, a live bar
//! with the examples running now and for how long; elsewhere (CI, a pipe),
//! one plain line per finished example, and a reminder every half minute
//! for an example still running, so a long benchmark never looks like a hang.

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
        plain()
    }
}

/// How long an example runs before a plain log says it still does, and
/// how often it says so again.
const REMIND_EVERY: Duration = Duration::from_secs(30);

/// An example running now, for the reminders: its place, when it started,
/// when the log last mentioned it.
struct Running {
    place: String,
    started: Instant,
    said: Instant,
}

/// The reminders due at `now`, each marked as said.
fn reminders(running: &mut [Running], now: Instant) -> Vec<String> {
    running
        .iter_mut()
        .filter(|r| now.duration_since(r.said) >= REMIND_EVERY)
        .map(|r| {
            r.said = now;
            format!(
                "still running {} ({} s so far)",
                r.place,
                now.duration_since(r.started).as_secs()
            )
        })
        .collect()
}

fn plain() -> Progress {
    let running: Arc<Mutex<Vec<Running>>> = Arc::default();
    let watched = running.clone();
    // Detached: it only reads the list, and ends with the process.
    let watcher = std::thread::Builder::new()
        .name("progress-reminders".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let mut list = watched.lock().unwrap_or_else(|e| e.into_inner());
                for line in reminders(&mut list, Instant::now()) {
                    eprintln!("  {}", neutralise(&line));
                }
            }
        });
    let remind = watcher.is_ok();
    Progress(Arc::new(move |event: &ProgressEvent<'_>| {
        if remind {
            let mut list = running.lock().unwrap_or_else(|e| e.into_inner());
            match event {
                ProgressEvent::Started { place } => {
                    let now = Instant::now();
                    list.push(Running {
                        place: (*place).to_owned(),
                        started: now,
                        said: now,
                    });
                }
                ProgressEvent::Finished { place, .. } => list.retain(|r| r.place != *place),
                _ => {}
            }
        }
        plain_line(event);
    }))
}

fn plain_line(event: &ProgressEvent<'_>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_is_mentioned_every_half_minute_and_a_short_one_never() {
        let t0 = Instant::now();
        let run = |place: &str, started: Instant| Running {
            place: place.into(),
            started,
            said: started,
        };
        let mut list = vec![
            run("a.md:3", t0),
            run("b.md:9", t0 + Duration::from_secs(20)),
        ];
        assert!(reminders(&mut list, t0 + Duration::from_secs(29)).is_empty());
        assert_eq!(
            reminders(&mut list, t0 + Duration::from_secs(30)),
            ["still running a.md:3 (30 s so far)"]
        );
        // Said at 30 s: not again until 60 s; b.md:9 is due at 50 s.
        assert!(reminders(&mut list, t0 + Duration::from_secs(45)).is_empty());
        assert_eq!(
            reminders(&mut list, t0 + Duration::from_secs(50)),
            ["still running b.md:9 (30 s so far)"]
        );
        assert_eq!(
            reminders(&mut list, t0 + Duration::from_secs(61)),
            ["still running a.md:3 (61 s so far)"]
        );
    }
}
