//! The results page: every figure of every example that ran, one row each,
//! in a table that works as it is and that `main.js` makes sortable.

use crate::html::escape;
use crate::measure::results::BookResults;
use crate::render::format::{date_time, format_value, percent};

pub fn results_html(r: &BookResults) -> String {
    let mut out = String::from(
        "<h1 id=\"measurements\"><a class=\"header\" href=\"#measurements\">Measurements</a></h1>\n",
    );
    out.push_str(&format!(
        "<p>Every figure measured in this build, on {}. Event loop: {}. The same data, with every counted run, is in <a href=\"results.json\">results.json</a> (schema <code>{}</code>).</p>\n",
        escape(&r.machine.summary()),
        escape(&r.machine.event_loop),
        escape(r.schema)
    ));
    out.push_str("<table class=\"results sortable\">\n<thead><tr>");
    for h in [
        "example", "page", "figure", "median", "min", "max", "CV", "runs", "measured",
    ] {
        out.push_str(&format!("<th scope=\"col\">{h}</th>"));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for e in &r.examples {
        let name = e.id.clone().unwrap_or_else(|| e.source.clone());
        let href = match &e.id {
            Some(id) => format!("{}#example-{}", e.page, id),
            None => e.page.clone(),
        };
        for f in &e.figures {
            let cell = |x: f64| {
                format!(
                    "<td data-sort=\"{x}\">{}</td>",
                    escape(&format_value(x, f.unit))
                )
            };
            out.push_str(&format!(
                "<tr><th scope=\"row\"><a href=\"{}\">{}</a></th><td>{}</td><td>{}</td>{}{}{}<td data-sort=\"{}\">{}</td><td data-sort=\"{}\">{}</td><td data-sort=\"{}\">{}{}</td></tr>\n",
                escape(&href),
                escape(&name),
                escape(&e.page),
                escape(&f.name),
                cell(f.stats.median),
                cell(f.stats.min),
                cell(f.stats.max),
                f.stats.cv,
                percent(f.stats.cv),
                f.stats.n,
                f.stats.n,
                e.measured_unix,
                escape(&date_time(e.measured_unix)),
                if e.cached { " (cached)" } else { "" }
            ));
        }
    }
    out.push_str("</tbody>\n</table>\n");
    out
}
