//! A comparison group → a figure with an SVG bar chart and a table.
//!
//! The chart is drawn at build time as plain SVG text: one bar per member
//! (the median of the compared figure), a whisker from its lowest to its
//! highest run, and at the end of the row the speed-up over the baseline (a
//! time) or the ratio to it (any other figure). Members that differ by more
//! than `LOG_SPAN` times (memory: a task vs a process) are drawn on a log
//! scale with a gridline per power of ten, so the small ones stay visible.
//! It draws with `currentColor` and theme variables, so it follows light
//! and dark mode; the table under it says the same in text, for screen
//! readers and for anyone who prefers numbers. No script draws anything.

use crate::html::escape;
use crate::measure::compare::{Comparison, Member};
use crate::render::format::{figure_label, format_value, number, ratio};

/// One member's row: its label and value on a line, the bar under them.
const ROW_H: f64 = 40.0;
/// Where the label and value text sits in a row (its baseline).
const TEXT_Y: f64 = 13.0;
/// The bar's top and height within a row.
const BAR_Y: f64 = 19.0;
const BAR_H: f64 = 14.0;
const TOP: f64 = 4.0;
/// Height of the log scale's axis labels under the bars.
const AXIS_H: f64 = 16.0;
/// The share of the width the longest bar or whisker may take, in percent:
/// a whisker's end cap at the very edge would be cut in half.
const PLOT_PCT: f64 = 99.0;
/// Above this ratio of the largest value to the smallest, bars are drawn
/// on a log scale: on a linear one the small bars would be a pixel wide.
const LOG_SPAN: f64 = 30.0;

/// How values map to the plot's width.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scale {
    /// 0 to `max`.
    Linear { max: f64 },
    /// 10^`lo` to 10^`hi`, whole powers of ten.
    Log { lo: i32, hi: i32 },
}

impl Scale {
    fn of(members: &[Member]) -> Scale {
        let max = members.iter().map(|m| m.value.max).fold(0.0f64, f64::max);
        let min = members
            .iter()
            .map(|m| m.value.min)
            .fold(f64::INFINITY, f64::min);
        if min > 0.0 && max / min > LOG_SPAN {
            // The axis starts a power of ten below the smallest value, so
            // even the smallest bar has a length.
            let lo = min.log10().ceil() as i32 - 1;
            Scale::Log {
                lo,
                hi: (max.log10().ceil() as i32).max(lo + 1),
            }
        } else {
            Scale::Linear { max: max.max(1e-9) }
        }
    }

    /// Where `value` falls, from 0 (the left of the plot) to 1.
    fn fraction(self, value: f64) -> f64 {
        match self {
            Scale::Linear { max } => value / max,
            Scale::Log { lo, hi } => {
                ((value.log10() - f64::from(lo)) / f64::from(hi - lo)).clamp(0.0, 1.0)
            }
        }
    }
}

pub fn comparison_html(c: &Comparison) -> String {
    let name = escape(&c.name);
    let base = c
        .members
        .iter()
        .find(|m| m.baseline)
        .map_or_else(String::new, |m| escape(&m.label));
    let scale = Scale::of(&c.members);
    let figure = escape(&figure_label(&c.figure));
    let mut out = format!("<figure class=\"comparison\" id=\"group-{name}\">\n");
    out.push_str(&svg(c, scale));
    let (versus, range) = if c.compares_time() {
        (format!("speed-up over {base}"), ("fastest", "slowest"))
    } else {
        (format!("the ratio to {base}"), ("lowest", "highest"))
    };
    let log_note = if matches!(scale, Scale::Log { .. }) {
        " Log scale: each gridline is ten times the one before."
    } else {
        ""
    };
    out.push_str(&format!(
        "<figcaption>Comparison <code>{name}</code>: median {figure} of the counted runs (whiskers: {} to {} run); {versus}, the median of the ratios taken round by round.{log_note}</figcaption>\n",
        range.0, range.1
    ));
    let ratio_header = if c.compares_time() {
        "speed-up".to_owned()
    } else {
        format!("× {base}")
    };
    out.push_str(&format!("<table class=\"comparison-table\">\n<thead><tr><th scope=\"col\">variant</th><th scope=\"col\">median {figure}</th><th scope=\"col\" class=\"range\">{} – {}</th><th scope=\"col\">{ratio_header}</th><th scope=\"col\">runs</th></tr></thead>\n<tbody>\n", range.0, range.1));
    for m in &c.members {
        let v = |x: f64| escape(&format_value(x, c.unit));
        out.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"#example-{}\">{}</a></th><td>{}</td><td class=\"range\">{} – {}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&m.id),
            escape(&m.label),
            v(m.value.median),
            v(m.value.min),
            v(m.value.max),
            ratio_text(c, m),
            m.value.n
        ));
    }
    out.push_str("</tbody>\n</table>\n</figure>\n");
    out
}

/// The member against the baseline, with its spread over the rounds.
fn ratio_text(c: &Comparison, m: &Member) -> String {
    let r = if c.compares_time() {
        m.speedup
    } else {
        m.ratio
    };
    if m.baseline {
        format!("{}× (baseline)", ratio(1.0))
    } else {
        format!("{}× ({}–{})", ratio(r.median), ratio(r.min), ratio(r.max))
    }
}

/// The short form at the end of a bar.
fn ratio_short(c: &Comparison, m: &Member) -> String {
    if m.baseline {
        return "baseline".to_owned();
    }
    let r = if c.compares_time() {
        m.speedup
    } else {
        m.ratio
    };
    format!("{}×", ratio(r.median))
}

/// A log axis's label for the power of ten `v`: counts of a thousand and
/// more are written `10k`, `1M`, so seven decades' labels fit a phone's
/// width without running into each other.
fn axis_label(v: f64, unit: crate::measure::Unit) -> String {
    if !matches!(unit, crate::measure::Unit::Number) || v < 1e3 {
        return format_value(v, unit);
    }
    let (scaled, suffix) = if v >= 1e9 {
        (v / 1e9, "G")
    } else if v >= 1e6 {
        (v / 1e6, "M")
    } else {
        (v / 1e3, "k")
    };
    format!("{}{suffix}", number(scaled.round()))
}

/// The chart has no `viewBox`: every horizontal position is a percentage
/// of its width, so it fills a phone's column or a desktop's alike and its
/// text stays at the page's size, never shrunk with the drawing. That is why
/// each label sits above its bar rather than beside it.
fn svg(c: &Comparison, scale: Scale) -> String {
    let axis = if matches!(scale, Scale::Log { .. }) {
        AXIS_H
    } else {
        0.0
    };
    let rows_h = ROW_H * c.members.len() as f64;
    let height = TOP * 2.0 + rows_h + axis;
    let x = |v: f64| PLOT_PCT * scale.fraction(v);
    let figure = figure_label(&c.figure);
    let versus = if c.compares_time() {
        "speed-up"
    } else {
        "ratio to the baseline"
    };
    let title = format!("Comparison {}: {figure} and {versus}", c.name);
    let desc: Vec<String> = c
        .members
        .iter()
        .map(|m| {
            format!(
                "{}: {} median, {}",
                m.label,
                format_value(m.value.median, c.unit),
                ratio_text(c, m)
            )
        })
        .collect();
    let mut out = format!(
        "<svg class=\"chart-svg\" width=\"100%\" height=\"{height}\" role=\"img\" aria-labelledby=\"chart-{0}-title chart-{0}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"chart-{0}-title\">{1}</title>\n<desc id=\"chart-{0}-desc\">{2}</desc>\n",
        escape(&c.name),
        escape(&title),
        escape(&desc.join("; ")),
    );
    if let Scale::Log { lo, hi } = scale {
        for e in lo..=hi {
            let v = 10f64.powi(e);
            let gx = x(v);
            // The first and last labels align inward so neither is cut off.
            let anchor = if e == lo {
                "start"
            } else if e == hi {
                "end"
            } else {
                "middle"
            };
            out.push_str(&format!(
                "<line class=\"gridline\" x1=\"{gx:.2}%\" x2=\"{gx:.2}%\" y1=\"{TOP:.1}\" y2=\"{:.1}\" stroke=\"currentColor\"/>\n<text class=\"axis\" x=\"{gx:.2}%\" y=\"{:.1}\" text-anchor=\"{anchor}\" fill=\"currentColor\">{}</text>\n",
                TOP + rows_h,
                TOP + rows_h + AXIS_H - 2.0,
                escape(&axis_label(v, c.unit))
            ));
        }
    }
    for (i, m) in c.members.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let mid = y + BAR_Y + BAR_H / 2.0;
        let class = if m.baseline { "bar baseline" } else { "bar" };
        out.push_str(&format!(
            "<text class=\"label\" x=\"0\" y=\"{:.1}\" fill=\"currentColor\">{}</text>\n",
            y + TEXT_Y,
            escape(&m.label)
        ));
        out.push_str(&format!(
            "<text class=\"value\" x=\"{PLOT_PCT}%\" y=\"{:.1}\" text-anchor=\"end\" fill=\"currentColor\">{} · {}</text>\n",
            y + TEXT_Y,
            escape(&format_value(m.value.median, c.unit)),
            escape(&ratio_short(c, m))
        ));
        out.push_str(&format!(
            "<rect class=\"{class}\" x=\"0\" y=\"{:.1}\" width=\"{:.2}%\" height=\"{BAR_H:.1}\" rx=\"2\"/>\n",
            y + BAR_Y,
            x(m.value.median).max(0.2),
        ));
        let (lo, hi) = (x(m.value.min), x(m.value.max));
        out.push_str(&format!(
            "<g class=\"whisker\" stroke=\"currentColor\"><line x1=\"{lo:.2}%\" x2=\"{hi:.2}%\" y1=\"{mid:.1}\" y2=\"{mid:.1}\"/><line x1=\"{lo:.2}%\" x2=\"{lo:.2}%\" y1=\"{:.1}\" y2=\"{:.1}\"/><line x1=\"{hi:.2}%\" x2=\"{hi:.2}%\" y1=\"{:.1}\" y2=\"{:.1}\"/></g>\n",
            mid - 5.0,
            mid + 5.0,
            mid - 5.0,
            mid + 5.0
        ));
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Unit;
    use crate::measure::stats::Stats;

    fn member(id: &str, label: &str, walls: &[f64], speedups: &[f64], baseline: bool) -> Member {
        let wall = Stats::of(walls).unwrap();
        let ratios: Vec<f64> = speedups.iter().map(|s| 1.0 / s).collect();
        Member {
            id: id.into(),
            label: label.into(),
            baseline,
            value: wall,
            ratio: Stats::of(&ratios).unwrap(),
            wall,
            speedup: Stats::of(speedups).unwrap(),
        }
    }

    #[test]
    fn the_chart_of_a_fixed_result_set() {
        let c = Comparison {
            name: "cpu".into(),
            figure: "wall".into(),
            unit: Unit::Seconds,
            members: vec![
                member(
                    "cpu-seq",
                    "sequential",
                    &[1.0, 1.1, 0.9],
                    &[1.0, 1.0, 1.0],
                    true,
                ),
                member(
                    "cpu-threads",
                    "threads",
                    &[1.05, 1.2, 1.0],
                    &[0.95, 0.92, 0.9],
                    false,
                ),
                member(
                    "cpu-procs",
                    "processes",
                    &[0.52, 0.6, 0.5],
                    &[1.92, 1.83, 1.8],
                    false,
                ),
            ],
        };
        let html = comparison_html(&c);
        assert!(
            !html.contains("gridline"),
            "times within 30x of each other are drawn linearly"
        );
        insta::assert_snapshot!(html);
    }

    /// A member compared on a reported figure: `kib` per run, its ratios
    /// to the baseline given.
    fn memory(id: &str, kib: &[f64], ratios: &[f64], baseline: bool) -> Member {
        let wall = Stats::of(&[0.2, 0.2]).unwrap();
        Member {
            id: id.into(),
            label: id.into(),
            baseline,
            value: Stats::of(kib).unwrap(),
            ratio: Stats::of(ratios).unwrap(),
            wall,
            speedup: Stats::of(&[1.0, 1.0]).unwrap(),
        }
    }

    #[test]
    fn a_wide_ranging_figure_is_drawn_on_a_log_scale() {
        let c = Comparison {
            name: "memory".into(),
            figure: "kib_per_worker".into(),
            unit: Unit::Number,
            members: vec![
                memory("threads", &[9.0, 11.0], &[1.0, 1.0], true),
                memory("tasks", &[0.9, 1.1], &[0.1, 0.1], false),
                memory("processes", &[2400.0, 2600.0], &[250.0, 260.0], false),
            ],
        };
        let scale = Scale::of(&c.members);
        assert_eq!(scale, Scale::Log { lo: -1, hi: 4 });
        // Each decade takes the same width: 1 KiB is as far from 0.1 as 10 is from 1.
        let (a, b, c10) = (
            scale.fraction(0.1),
            scale.fraction(1.0),
            scale.fraction(10.0),
        );
        assert!((b - a - (c10 - b)).abs() < 1e-12 && a == 0.0);
        let html = comparison_html(&c);
        assert_eq!(
            html.matches("class=\"gridline\"").count(),
            6,
            "a gridline per power of ten, 0.1 to 10,000"
        );
        let axis: Vec<&str> = html
            .lines()
            .filter(|l| l.starts_with("<text class=\"axis\""))
            .map(|l| l.rsplit_once("\">").unwrap().1.trim_end_matches("</text>"))
            .collect();
        assert_eq!(
            axis,
            ["0.1", "1", "10", "100", "1k", "10k"],
            "large powers of ten are written short, so they fit side by side"
        );
        assert!(
            html.contains("Log scale"),
            "the caption says the scale is not linear"
        );
        assert!(
            html.contains("median KiB per worker"),
            "the table names the compared figure"
        );
        assert!(
            html.contains("<th scope=\"col\">× threads</th>"),
            "a ratio to the baseline, not a speed-up"
        );
        assert!(html.contains("0.1× (0.1–0.1)"));
        assert!(
            html.contains("· 255×</text>"),
            "a large ratio keeps its digits"
        );
        assert!(!html.contains("speed-up"), "memory is not a speed");
        // The smallest bar is still visibly wide on a log scale.
        let tasks_bar = html
            .lines()
            .filter(|l| l.starts_with("<rect"))
            .nth(1)
            .unwrap();
        let width: f64 = tasks_bar
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('%')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(width > 10.0, "{tasks_bar}");
    }
}
