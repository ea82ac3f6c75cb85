//! The pages the preview server makes up, for `http`: "building" while the
//! site is empty, the error of a first build that failed, and "not found"
//! when the site has no 404.html. Each carries `LIVE_RELOAD_JS` and marks
//! itself `#proofbook-placeholder`, so it reloads on the next successful
//! build; a page showing an error (or none yet, while building) also holds
//! the error's JSON in `data-report`, and the script reloads it when a
//! different error or a clear arrives.

use super::events::{self, ErrorReport};
use crate::html::escape as escape_html_text;

/// While the first build runs. Its report is empty, so any error is news
/// and reloads it into the error page.
pub(crate) fn building() -> String {
    placeholder("Building the book…", "", Some(""))
}

/// When the site has no 404.html.
pub(crate) fn not_found() -> String {
    placeholder(
        "Not found",
        "<p>No page of the book has this address.</p>",
        None,
    )
}

/// The page shown while the first build has failed.
pub(crate) fn failed(report: &ErrorReport) -> String {
    let mut body = format!(
        "<p style=\"white-space:pre-wrap\">{}</p>\n",
        escape_html_text(&report.message)
    );
    if let Some(location) = &report.location {
        body.push_str(&format!(
            "<p><code>{}</code></p>\n",
            escape_html_text(location)
        ));
    }
    if let Some(excerpt) = &report.excerpt {
        body.push_str(&format!("<pre>{}</pre>\n", escape_html_text(excerpt)));
    }
    body.push_str("<p>This page reloads when the book builds.</p>");
    placeholder(
        "The build failed",
        &body,
        Some(&events::report_json(report)),
    )
}

/// A page made by the server (`body` is HTML), which reloads on the next
/// successful build. `report` is the JSON of the error it shows, if any.
fn placeholder(title: &str, body: &str, report: Option<&str>) -> String {
    let report = report.map_or(String::new(), |r| {
        format!(" data-report=\"{}\"", escape_html_text(r))
    });
    let body = if body.is_empty() {
        "<p>This page reloads when the book is built.</p>"
    } else {
        body
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · proofbook</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}\
         pre{{background:#f3f3f3;padding:1rem;overflow:auto}}</style>\n</head>\n<body>\n\
         <main id=\"proofbook-placeholder\"{report}>\n<h1>{title}</h1>\n{body}\n</main>\n\
         <script>{}</script>\n</body>\n</html>\n",
        events::LIVE_RELOAD_JS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_is_escaped_and_embedded_as_its_event_data() {
        let report = ErrorReport {
            message: "bad <tag> & \"quote\"".into(),
            location: Some("src/x.md:1:2".into()),
            excerpt: Some("1 | <b>".into()),
        };
        let page = failed(&report);
        assert!(
            page.contains("bad &lt;tag&gt; &amp; &quot;quote&quot;"),
            "{page}"
        );
        assert!(page.contains("<code>src/x.md:1:2</code>"), "{page}");
        assert!(page.contains("<pre>1 | &lt;b&gt;</pre>"), "{page}");
        let attr = format!(
            " data-report=\"{}\"",
            escape_html_text(&events::report_json(&report))
        );
        assert!(page.contains(&attr), "{page}");
        assert!(page.contains(events::LIVE_RELOAD_JS));
    }

    #[test]
    fn building_has_an_empty_report_and_not_found_none() {
        assert!(building().contains("<main id=\"proofbook-placeholder\" data-report=\"\">"));
        assert!(not_found().contains("<main id=\"proofbook-placeholder\">"));
        assert!(not_found().contains(events::LIVE_RELOAD_JS));
    }
}
