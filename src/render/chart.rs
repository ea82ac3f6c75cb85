//! A comparison group → a figure with an SVG bar chart and a table.
//!
//! The chart is drawn at build time as plain SVG text: one bar per member
//! (median wall time), a whisker from its fastest to its slowest run, and
//! the speed-up over the baseline at the end of the row. It draws with
//! `currentColor` and theme variables, so it follows light and dark mode;
//! the table under it says the same in text, for screen readers and for
//! anyone who prefers numbers. No script draws anything.

use crate::measure::compare::Comparison;
use crate::render::escape_html;
use crate::render::run::seconds;

const WIDTH: f64 = 640.0;
const LABEL_W: f64 = 150.0;
const VALUE_W: f64 = 150.0;
const ROW_H: f64 = 30.0;
const TOP: f64 = 8.0;

pub fn comparison_html(c: &Comparison) -> String {
    let name = escape_html(&c.name);
    let base = c
        .members
        .iter()
        .find(|m| m.baseline)
        .map_or_else(String::new, |m| escape_html(&m.label));
    let mut out = format!("<figure class=\"comparison\" id=\"group-{name}\">\n");
    out.push_str(&svg(c));
    out.push_str(&format!(
        "<figcaption>Comparison <code>{name}</code>: median wall time of the counted runs (whiskers: fastest to slowest run); speed-up over {base}, the median of the ratios taken round by round.</figcaption>\n"
    ));
    out.push_str("<table class=\"comparison-table\">\n<thead><tr><th scope=\"col\">variant</th><th scope=\"col\">median wall</th><th scope=\"col\">fastest – slowest</th><th scope=\"col\">speed-up</th><th scope=\"col\">runs</th></tr></thead>\n<tbody>\n");
    for m in &c.members {
        out.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"#example-{}\">{}</a></th><td>{}</td><td>{} – {}</td><td>{}</td><td>{}</td></tr>\n",
            escape_html(&m.id),
            escape_html(&m.label),
            seconds(m.wall.median),
            seconds(m.wall.min),
            seconds(m.wall.max),
            speedup_text(m.speedup.median, m.speedup.min, m.speedup.max, m.baseline),
            m.wall.n
        ));
    }
    out.push_str("</tbody>\n</table>\n</figure>\n");
    out
}

fn speedup_text(median: f64, min: f64, max: f64, baseline: bool) -> String {
    if baseline {
        "1.00× (baseline)".to_owned()
    } else {
        format!("{median:.2}× ({min:.2}–{max:.2})")
    }
}

fn svg(c: &Comparison) -> String {
    let height = TOP * 2.0 + ROW_H * c.members.len() as f64;
    let longest = c
        .members
        .iter()
        .map(|m| m.wall.max)
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let plot = WIDTH - LABEL_W - VALUE_W;
    let x = |secs: f64| LABEL_W + plot * secs / longest;
    let title = format!("Comparison {}: wall time and speed-up", c.name);
    let mut desc = Vec::new();
    for m in &c.members {
        desc.push(format!(
            "{}: {} median, {}",
            m.label,
            seconds(m.wall.median),
            speedup_text(m.speedup.median, m.speedup.min, m.speedup.max, m.baseline)
        ));
    }
    let mut out = format!(
        "<svg class=\"chart-svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-labelledby=\"chart-{0}-title chart-{0}-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"chart-{0}-title\">{1}</title>\n<desc id=\"chart-{0}-desc\">{2}</desc>\n",
        escape_html(&c.name),
        escape_html(&title),
        escape_html(&desc.join("; ")),
    );
    for (i, m) in c.members.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let mid = y + ROW_H / 2.0;
        let class = if m.baseline { "bar baseline" } else { "bar" };
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"currentColor\">{}</text>\n",
            LABEL_W - 8.0,
            mid,
            escape_html(&m.label)
        ));
        out.push_str(&format!(
            "<rect class=\"{class}\" x=\"{LABEL_W:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"2\"/>\n",
            y + 6.0,
            (x(m.wall.median) - LABEL_W).max(1.0),
            ROW_H - 12.0
        ));
        out.push_str(&format!(
            "<path class=\"whisker\" d=\"M{0:.1} {1:.1}H{2:.1}M{0:.1} {3:.1}V{4:.1}M{2:.1} {3:.1}V{4:.1}\" stroke=\"currentColor\" fill=\"none\"/>\n",
            x(m.wall.min),
            mid,
            x(m.wall.max),
            mid - 5.0,
            mid + 5.0
        ));
        out.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" dominant-baseline=\"middle\" fill=\"currentColor\">{} · {}</text>\n",
            WIDTH - VALUE_W + 8.0,
            mid,
            seconds(m.wall.median),
            if m.baseline {
                "baseline".to_owned()
            } else {
                format!("{:.2}×", m.speedup.median)
            }
        ));
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::compare::Member;
    use crate::measure::stats::Stats;

    fn member(id: &str, label: &str, walls: &[f64], speedups: &[f64], baseline: bool) -> Member {
        Member {
            id: id.into(),
            label: label.into(),
            baseline,
            wall: Stats::of(walls).unwrap(),
            speedup: Stats::of(speedups).unwrap(),
        }
    }

    #[test]
    fn the_chart_of_a_fixed_result_set() {
        let c = Comparison {
            name: "cpu".into(),
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
        insta::assert_snapshot!(comparison_html(&c));
    }
}
