//! A checked claim → the box (a `div` with the role `note`: an `aside`
//! inside `main` would be a landmark of its own) that replaces its ```` ```claim ```` block:
//! the verdict, the claim in words, the comparison with this build's
//! numbers, and where it applies.

use crate::html::escape;
use crate::measure::evidence::Cited;
use crate::measure::verdict::{CheckedClaim, Verdict};
use crate::render::format::{claim_comparison, claim_machine, runs_between};

/// A verdict's CSS class and its words on the page.
fn shown(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Holds => ("verified", "✓ Verified in this build"),
        Verdict::Fails => ("failed", "✗ Does not hold in this build"),
        Verdict::Skipped => ("skipped", "– Not checked on this machine"),
    }
}

/// A claim cited elsewhere (a checklist's evidence): its verdict, what it
/// says and its numbers in one line, linked to the claim at `href`.
pub fn verdict_html(cited: &Cited) -> String {
    let (c, href) = (&cited.claim, cited.href.as_str());
    let (class, status) = shown(c.verdict);
    let says = c
        .says
        .as_ref()
        .map_or_else(String::new, |s| format!(": {}", escape(s)));
    // The comparison, with its raw figure names, folds away: the evidence
    // around it already quotes the numbers in words.
    format!(
        "<span class=\"verdict {class}\"><a href=\"{}\">{status}</a>{says}</span> <details class=\"verdict-check\"><summary>How it was checked</summary><code>{}</code></details>",
        escape(href),
        escape(&claim_comparison(c))
    )
}

/// A cited claim before claims are checked (examples off, or not run yet).
pub fn unchecked_html(id: &str) -> String {
    format!(
        "<span class=\"verdict unchecked\">Claim <code>{}</code>: not checked in this build</span>",
        escape(id)
    )
}

pub fn claim_html(c: &CheckedClaim) -> String {
    let (class, mut status) = shown(c.verdict);
    // Skipped for load, not for what the machine is: the next build may
    // judge it.
    if c.verdict == Verdict::Skipped
        && c.free_cores.is_some()
        && c.unmet.iter().all(|u| u.starts_with("free-cores"))
    {
        status = "– Not judged in this build: other work took the cores it needs";
    }
    let id =
        c.id.as_ref()
            .map_or_else(String::new, |id| format!(" id=\"claim-{}\"", escape(id)));
    let mut out = format!(
        "<div class=\"claim {class}\" role=\"note\"{id}>\n<p class=\"claim-status\">{status}</p>\n"
    );
    if let Some(says) = &c.says {
        out.push_str(&format!("<p class=\"claim-says\">{}</p>\n", escape(says)));
    }
    out.push_str(&format!(
        "<p class=\"claim-check\"><code>{}</code></p>\n",
        escape(&claim_comparison(c))
    ));
    if let Some(j) = &c.judged {
        out.push_str(&format!(
            "<p class=\"claim-judged\">Failed on the runs of {} on {}; the next build runs its examples again.</p>\n",
            escape(&runs_between(j.runs)),
            escape(&j.machine)
        ));
    }
    if c.when.is_empty() && !c.unmet.is_empty() {
        out.push_str(&format!(
            "<p class=\"claim-when\">{}</p>\n",
            escape(&c.unmet.join("; "))
        ));
    }
    if !c.when.is_empty() {
        let unmet = if c.unmet.is_empty() {
            String::new()
        } else {
            format!("; not met here: {}", c.unmet.join(", "))
        };
        out.push_str(&format!(
            "<p class=\"claim-when\">Applies when {} (this machine: {}{})</p>\n",
            escape(&c.when.join(" and ")),
            escape(&claim_machine(c)),
            escape(&unmet)
        ));
    }
    out.push_str("</div>\n");
    out
}

/// A claim in a book whose examples are off: what it says, not checked.
pub fn off_html(says: Option<&str>) -> String {
    let says = says.map_or_else(String::new, |s| {
        format!("<p class=\"claim-says\">{}</p>\n", escape(s))
    });
    format!(
        "<div class=\"claim skipped\" role=\"note\">\n<p class=\"claim-status\">– Not checked: this book's examples are off</p>\n{says}</div>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::verdict::{Judged, Shown};

    fn claim(verdict: Verdict, judged: Option<Judged>) -> CheckedClaim {
        CheckedClaim {
            doc: 0,
            block: 0,
            span: None,
            id: None,
            says: None,
            left: Shown::Number { x: 3.0, unit: None },
            op: ">",
            right: Shown::Number { x: 3.0, unit: None },
            when: Vec::new(),
            unmet: Vec::new(),
            usable_cores: 2,
            measures_free: false,
            free_cores: None,
            python_version: "3.11.7".into(),
            verdict,
            judged,
            examples: Vec::new(),
        }
    }

    #[test]
    fn a_failed_claim_says_when_and_where_its_runs_were() {
        let judged = Judged {
            runs: Some((1_796_526_600, 1_796_526_600)),
            machine: "CPU <X>, 2 usable of 2 logical cores".into(),
        };
        let html = claim_html(&claim(Verdict::Fails, Some(judged)));
        assert!(
            html.contains(
                "<p class=\"claim-judged\">Failed on the runs of 2026-12-06 03:10 UTC on \
                 CPU &lt;X&gt;, 2 usable of 2 logical cores; the next build runs its examples again.</p>"
            ),
            "{html}"
        );
        assert!(!claim_html(&claim(Verdict::Holds, None)).contains("claim-judged"));
    }

    #[test]
    fn a_claim_skipped_for_load_says_so_with_what_was_measured() {
        let busy = CheckedClaim {
            when: vec!["free-cores >= 1.8".into()],
            unmet: vec!["free-cores >= 1.8".into()],
            measures_free: true,
            free_cores: Some(1.14),
            ..claim(Verdict::Skipped, None)
        };
        let html = claim_html(&busy);
        assert!(
            html.contains("Not judged in this build: other work took the cores it needs"),
            "{html}"
        );
        assert!(html.contains("1.14 free while its examples ran"), "{html}");
        let small = CheckedClaim {
            when: vec!["cores >= 4".into()],
            unmet: vec!["cores >= 4".into()],
            ..claim(Verdict::Skipped, None)
        };
        let html = claim_html(&small);
        assert!(html.contains("Not checked on this machine"), "{html}");
        assert!(!html.contains("free while"), "{html}");
        // Where nothing measured the cores, no load is blamed.
        let unmeasured = CheckedClaim {
            free_cores: None,
            ..busy
        };
        let html = claim_html(&unmeasured);
        assert!(html.contains("Not checked on this machine"), "{html}");
        assert!(html.contains("free cores not measured"), "{html}");
    }
}
