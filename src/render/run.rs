//! A run's result → the HTML under its code: the output streams in the
//! order they were printed, a status badge when the run did not simply
//! succeed, and the resources line (`0.84 s · 197% CPU · 38 MiB peak`).
//! The markup is the theme's "program runs" contract (themes/default/README).

use crate::execute::{Outcome, RunRecord, RunResult, Stream};
use crate::html::escape;
use crate::markdown::example::Expectation;
use crate::render::format::{
    builtin_label, date_time, figure_label, format_value, mebibytes, percent, seconds,
};

/// Appends the output panel of one example to `out`. `judged` is the figure
/// whose spread makes a benchmark noisy: wall time, or the one its group
/// compares.
pub fn output_html(out: &mut String, result: &RunResult, expect: Expectation, judged: &str) {
    out.push_str("<div class=\"run-output\" aria-label=\"Program output\">\n");
    match result {
        // An optional interpreter this machine lacks: a gap of the
        // machine, not a failure of the example.
        Err(message) if crate::execute::named::is_not_here(message) => {
            out.push_str("<p class=\"run-status not-here\">");
            out.push_str(&escape(message));
            out.push_str("</p>\n");
        }
        Err(message) => {
            out.push_str("<p class=\"run-status error\">could not run: ");
            out.push_str(&escape(message));
            out.push_str("</p>\n");
        }
        Ok(record) => record_html(out, record, expect, judged),
    }
    out.push_str("</div>\n");
}

/// One example run under several named interpreters (`python="A,B"`):
/// a panel per interpreter, each headed by its full version (`CPython
/// 3.13.5 free-threaded`) and its name in book.toml, with the id
/// `example-ID@NAME` that quotes and claims link to. Plain HTML: the
/// panels sit side by side where there is room and stack on a phone.
pub fn matrix_html(
    out: &mut String,
    id: Option<&str>,
    runs: &[(String, RunResult)],
    expect: Expectation,
    judged: &str,
) {
    out.push_str("<div class=\"run-matrix\">\n");
    for (name, result) in runs {
        out.push_str("<section class=\"run-under\"");
        if let Some(id) = id {
            out.push_str(&format!(" id=\"example-{}@{}\"", escape(id), escape(name)));
        }
        let label = match result {
            Ok(r) => r
                .interpreter
                .as_ref()
                .map_or_else(|| name.clone(), |i| i.label()),
            Err(_) => name.clone(),
        };
        out.push_str(&format!(
            ">\n<p class=\"run-under-label\">{} <span class=\"run-under-name\">python={}</span></p>\n",
            escape(&label),
            escape(name)
        ));
        output_html(out, result, expect, judged);
        out.push_str("</section>\n");
    }
    out.push_str("</div>\n");
}

fn record_html(out: &mut String, record: &RunRecord, expect: Expectation, judged: &str) {
    if record.output.is_empty() {
        out.push_str("<p class=\"no-output\">(no output)</p>\n");
    }
    let last = record.output.len().saturating_sub(1);
    for (i, chunk) in record.output.iter().enumerate() {
        let name = match chunk.stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        out.push_str(&format!(
            "<div class=\"stream {name}\"><span class=\"stream-label\">{name}</span><pre>"
        ));
        out.push_str(&escape(
            chunk.text.strip_suffix('\n').unwrap_or(&chunk.text),
        ));
        if record.truncated && i == last {
            out.push_str("\n<span class=\"truncated\">[output truncated here: the example printed more than the output limit]</span>");
        }
        out.push_str("</pre></div>\n");
    }
    let expected = crate::execute::as_expected(expect, record);
    let status = match record.outcome {
        Outcome::Exited(0) if expected => None,
        _ if expected => Some(("expected", format!("{} (as expected)", short(record)))),
        Outcome::TimedOut => Some(("timeout", short(record))),
        Outcome::Exited(0) => Some((
            "failed",
            "exited successfully, but was expected to fail".into(),
        )),
        _ => Some(("failed", short(record))),
    };
    if let Some((class, text)) = status {
        out.push_str(&format!(
            "<p class=\"run-status {class}\">{}</p>\n",
            escape(&text)
        ));
    }
    if !record.missing.is_empty() {
        out.push_str(&format!(
            "<p class=\"run-status unsandboxed\">ran without {} (book.toml allows it)</p>\n",
            escape(&record.missing.join(" and "))
        ));
    }
    if let Some(cv) = crate::measure::noisy(record, judged) {
        out.push_str(&format!(
            "<p class=\"run-status noisy\">noisy: {} varied {} ({CV}) over {} runs</p>\n",
            escape(&figure_label(judged)),
            percent(cv),
            record.samples.len()
        ));
    }
    out.push_str("<p class=\"resources\">");
    out.push_str(&escape(&resources(record)));
    out.push_str("</p>\n");
    if !record.samples.is_empty() {
        bench_table(out, record, judged);
    }
}

/// "CV" with its meaning on hover, for the noisy badge and the table.
const CV: &str = "<abbr title=\"coefficient of variation: the standard deviation of the counted runs divided by their mean\">CV</abbr>";

/// The figures of a benchmark's counted runs: one row each. A single run
/// has nothing to summarise, so it shows each figure's value alone.
fn bench_table(out: &mut String, record: &RunRecord, headline_figure: &str) {
    let n = record.samples.len();
    let figures = crate::measure::figures(record);
    // Folded, with the headline in the summary (the figure its group
    // compares, else wall time): a page of benchmarks (or a group, which
    // its chart sums up) would otherwise be mostly tables.
    let headline = figures
        .iter()
        .find(|f| f.name == headline_figure)
        .or(figures.first());
    let headline = headline.map_or_else(String::new, |f| {
        let value = format_value(f.stats.median, f.unit);
        let name = figure_label(&f.name);
        match n {
            1 => format!(": {} {value}", escape(&name)),
            _ => format!(
                ": median {} {value}, {CV} {}",
                escape(&name),
                percent(f.stats.cv)
            ),
        }
    });
    out.push_str(&format!(
        "<details class=\"bench-runs\">\n<summary>{n} counted run{}{}</summary>\n",
        if n == 1 { "" } else { "s" },
        headline
    ));
    if n == 1 {
        out.push_str(
            "<table class=\"bench-stats\">\n<caption>1 counted run</caption>\n\
<thead><tr><th scope=\"col\">figure</th><th scope=\"col\">value</th></tr></thead>\n<tbody>\n",
        );
    } else {
        out.push_str(&format!(
            "<table class=\"bench-stats\">\n<caption>{n} counted runs</caption>\n\
<thead><tr><th scope=\"col\">figure</th><th scope=\"col\">median</th><th scope=\"col\">min</th><th scope=\"col\">max</th><th scope=\"col\">{CV}</th></tr></thead>\n<tbody>\n"
        ));
    }
    for f in figures {
        let v = |x: f64| escape(&format_value(x, f.unit));
        out.push_str(&format!(
            "<tr>{}<td>{}</td>",
            figure_header(&f.name),
            v(f.stats.median)
        ));
        if n > 1 {
            out.push_str(&format!(
                "<td>{}</td><td>{}</td><td>{}</td>",
                v(f.stats.min),
                v(f.stats.max),
                percent(f.stats.cv)
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</details>\n");
}

/// A figure's row header: the built-in figures by name, a reported one with
/// its underscores read as spaces (`thread_speedup` → "thread speedup") and
/// its exact name, the one `{{#measure}}` and claims use, on hover.
fn figure_header(name: &str) -> String {
    match builtin_label(name) {
        Some(label) => format!("<th scope=\"row\">{label}</th>"),
        None => format!(
            "<th scope=\"row\" title=\"{}\">{}</th>",
            escape(name),
            escape(&figure_label(name))
        ),
    }
}

/// The outcome as a badge says it.
fn short(record: &RunRecord) -> String {
    match record.outcome {
        Outcome::Exited(n) => format!("exit status {n}"),
        Outcome::Signaled(9) if record.memory_limit_hit => "killed: memory limit".into(),
        Outcome::Signaled(24) => "stopped: CPU-time limit".into(),
        Outcome::Signaled(n) => format!("killed by signal {n}"),
        Outcome::TimedOut => format!("timed out after {}", seconds(record.wall.as_secs_f64())),
        Outcome::OutputLimit => "stopped: output limit".into(),
    }
}

/// `840 ms · 197% CPU · 38 MiB peak · measured 2026-12-01 18:40 UTC`. A
/// benchmark's line gives the median of its counted runs, as its table's
/// headline does, never its last run alone. When it was measured is said
/// the same way for every example, run in this build or taken from the
/// cache (the results page says which).
pub fn resources(record: &RunRecord) -> String {
    let counted = record.samples.len();
    let (wall, cpu, peak) = if counted > 1 {
        let median = |name: &str| {
            crate::measure::per_run(&record.samples, name)
                .and_then(|runs| crate::measure::stats::Stats::of(&runs))
                .map(|s| s.median)
        };
        (
            median("wall").unwrap_or_default(),
            median("cpu_util").unwrap_or_default(),
            median("peak_memory"),
        )
    } else {
        (
            record.wall.as_secs_f64(),
            record.cpu_utilisation(),
            record.peak_memory_bytes.map(|b| b as f64),
        )
    };
    let mut parts = vec![seconds(wall), format!("{} CPU", percent(cpu))];
    if let Some(bytes) = peak {
        parts.push(format!("{} peak", mebibytes(bytes)));
    }
    if counted > 1 {
        parts[0] = format!("median of {counted} runs: {}", parts[0]);
    }
    if record.stale {
        parts.push(format!(
            "re-running…: this is the result from {}, before the last change",
            date_time(record.started_unix)
        ));
    } else {
        parts.push(format!("measured {}", date_time(record.started_unix)));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_figure_reads_as_words_with_its_units() {
        assert_eq!(figure_label("rss_kib_per_worker"), "RSS KiB per worker");
        assert_eq!(figure_label("thread_speedup"), "thread speedup");
        assert_eq!(figure_label("cpu_util"), "CPU use");
        assert_eq!(figure_label("ipc_4096kib_ms"), "IPC 4096kib ms");
    }
    use crate::execute::record::Chunk;
    use std::time::Duration;

    fn record(outcome: Outcome) -> RunRecord {
        RunRecord {
            outcome,
            output: vec![
                Chunk {
                    stream: Stream::Stdout,
                    text: "a < b\n".into(),
                },
                Chunk {
                    stream: Stream::Stderr,
                    text: "Traceback\n".into(),
                },
            ],
            wall: Duration::from_millis(840),
            user: Duration::from_millis(1500),
            sys: Duration::from_millis(155),
            peak_memory_bytes: Some(38 << 20),
            ..crate::execute::record::test_record()
        }
    }

    fn html(result: &RunResult, expect: Expectation) -> String {
        let mut out = String::new();
        output_html(&mut out, result, expect, "wall");
        out
    }

    #[test]
    fn resources_line_reads_like_the_theme_promises() {
        assert_eq!(
            resources(&record(Outcome::Exited(0))),
            "840 ms · 197% CPU · 38 MiB peak · measured 2025-12-01 18:00 UTC"
        );
        assert_eq!(seconds(1.234), "1.23 s");
        let mut cached = record(Outcome::Exited(0));
        cached.from_cache = true;
        // Fresh or cached, an example says when it was measured the same way.
        assert_eq!(resources(&cached), resources(&record(Outcome::Exited(0))));
        assert_eq!(mebibytes((3 << 19) as f64), "1.5 MiB");
    }

    #[test]
    fn streams_in_order_escaped_and_badges_only_when_needed() {
        let ok = html(&Ok(record(Outcome::Exited(0))), Expectation::Success);
        assert!(ok.contains("<div class=\"stream stdout\"><span class=\"stream-label\">stdout</span><pre>a &lt; b</pre></div>"));
        assert!(ok.find("stdout").unwrap() < ok.find("stderr").unwrap());
        assert!(!ok.contains("run-status"), "{ok}");

        let failed = html(&Ok(record(Outcome::Exited(1))), Expectation::Success);
        assert!(failed.contains("<p class=\"run-status failed\">exit status 1</p>"));
        let expected = html(&Ok(record(Outcome::Exited(1))), Expectation::Failure);
        assert!(expected.contains("run-status expected\">exit status 1 (as expected)"));
        let wrong = html(&Ok(record(Outcome::Exited(0))), Expectation::Failure);
        assert!(wrong.contains("expected to fail"));
        let error = html(&Err("no <python>".into()), Expectation::Success);
        assert!(error.contains("could not run: no &lt;python&gt;"));
        let mut unprotected = record(Outcome::Exited(0));
        unprotected.missing = vec!["landlock".into()];
        let marked = html(&Ok(unprotected), Expectation::Success);
        assert!(
            marked.contains("run-status unsandboxed\">ran without landlock (book.toml allows it)")
        );
        let mut cut = record(Outcome::OutputLimit);
        cut.truncated = true;
        let cut = html(&Ok(cut), Expectation::Success);
        assert!(
            cut.contains("Traceback\n<span class=\"truncated\">"),
            "{cut}"
        );
        assert!(
            cut.contains("run-status failed\">stopped: output limit"),
            "{cut}"
        );
    }
}

#[cfg(test)]
mod bench_tests {
    use super::*;
    use crate::execute::record::Sample;
    use std::time::Duration;

    #[test]
    fn a_benchmark_gets_a_table_of_its_runs_and_a_noisy_flag() {
        let mut bench = tests_record();
        bench.samples = [100u64, 110, 150]
            .iter()
            .map(|ms| Sample {
                wall: Duration::from_millis(*ms),
                user: Duration::from_millis(*ms),
                sys: Duration::ZERO,
                peak_memory_bytes: Some(8 << 20),
                metrics: [("rps".to_owned(), 1000.0 / *ms as f64)].into(),
                free_cores: None,
            })
            .collect();
        let mut page = String::new();
        output_html(&mut page, &Ok(bench), Expectation::Success, "wall");
        assert!(page.contains("<caption>3 counted runs</caption>"), "{page}");
        // The resources line gives the medians, as the table does, not
        // the last run's 150 ms.
        assert!(
            page.contains("<p class=\"resources\">median of 3 runs: 110 ms · 100% CPU · 8 MiB peak · measured "),
            "{page}"
        );
        // Folded, the headline figure in the summary.
        assert!(
            page.contains(
                "<details class=\"bench-runs\">\n<summary>3 counted runs: median wall time "
            ),
            "{page}"
        );
        assert!(
            page.contains(
                "<tr><th scope=\"row\">wall time</th><td>110 ms</td><td>100 ms</td><td>150 ms</td>"
            ),
            "{page}"
        );
        assert!(
            page.contains("<th scope=\"row\" title=\"rps\">rps</th><td>9.09</td>"),
            "{page}"
        );
        assert!(
            page.contains("run-status noisy\">noisy: wall time varied 22% (<abbr title=\"coefficient of variation"),
            "{page}"
        );
        assert!(
            page.contains("<th scope=\"col\"><abbr title=\"coefficient"),
            "{page}"
        );
    }

    #[test]
    fn a_single_run_shows_each_value_once_and_reported_names_read_as_words() {
        let mut bench = tests_record();
        bench.samples = vec![Sample {
            wall: Duration::from_millis(150),
            user: Duration::from_millis(150),
            sys: Duration::ZERO,
            peak_memory_bytes: Some(8 << 20),
            metrics: [("thread_speedup".to_owned(), 0.97)].into(),
            free_cores: None,
        }];
        let mut page = String::new();
        output_html(&mut page, &Ok(bench), Expectation::Success, "wall");
        assert!(page.contains("<caption>1 counted run</caption>"), "{page}");
        assert!(
            page.contains("<th scope=\"col\">figure</th><th scope=\"col\">value</th></tr>"),
            "{page}"
        );
        assert!(!page.contains(">min<") && !page.contains("CV"), "{page}");
        assert!(
            page.contains("<tr><th scope=\"row\">wall time</th><td>150 ms</td></tr>"),
            "{page}"
        );
        assert!(
            page.contains(
                "<tr><th scope=\"row\" title=\"thread_speedup\">thread speedup</th><td>0.97</td></tr>"
            ),
            "{page}"
        );
    }

    fn tests_record() -> RunRecord {
        RunRecord {
            wall: Duration::from_millis(150),
            user: Duration::from_millis(150),
            sys: Duration::ZERO,
            peak_memory_bytes: Some(8 << 20),
            ..crate::execute::record::test_record()
        }
    }
}
