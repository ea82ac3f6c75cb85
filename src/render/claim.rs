//! A checked claim → the box (a `div` with the role `note`: an `aside`
//! inside `main` would be a landmark of its own) that replaces its ```` ```claim ```` block:
//! the verdict, the claim in words, the comparison with this build's
//! numbers, and where it applies.

use crate::render::escape_html;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    Fails,
    /// Its `when` does not hold on this machine.
    Skipped,
}

impl Verdict {
    /// Its CSS class and its words on the page.
    fn shown(self) -> (&'static str, &'static str) {
        match self {
            Verdict::Holds => ("verified", "✓ Verified in this build"),
            Verdict::Fails => ("failed", "✗ Does not hold in this build"),
            Verdict::Skipped => ("skipped", "– Not checked on this machine"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimView {
    pub id: Option<String>,
    pub says: Option<String>,
    /// `cpu-procs speedup = 1.83× ≥ 1.5 × cpu-threads speedup = 1.5 × 0.92×`
    pub comparison: String,
    pub when: Vec<String>,
    /// The conditions this machine does not meet.
    pub unmet: Vec<String>,
    /// `2 usable cores, Python 3.11.7`
    pub machine: String,
    pub verdict: Verdict,
    /// For a failed claim: when and where it was judged.
    pub judged: Option<Judged>,
}

/// When and where a failed claim was judged, said in its box with what
/// happens next, so a reader (and the author) can tell one unlucky round
/// on one machine from the book's last word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The UTC date and time of the runs (`2026-12-06 03:10 UTC`, or a
    /// range).
    pub runs: String,
    /// The machine, as the page's "ran on" footer names it.
    pub machine: String,
}

/// A claim cited elsewhere (a checklist's evidence): its verdict, what it
/// says and its numbers in one line, linked to the claim at `href`.
pub fn verdict_html(c: &ClaimView, href: &str) -> String {
    let (class, status) = c.verdict.shown();
    let says = c
        .says
        .as_ref()
        .map_or_else(String::new, |s| format!(": {}", escape_html(s)));
    // The comparison, with its raw figure names, folds away: the evidence
    // around it already quotes the numbers in words.
    format!(
        "<span class=\"verdict {class}\"><a href=\"{}\">{status}</a>{says}</span> <details class=\"verdict-check\"><summary>How it was checked</summary><code>{}</code></details>",
        escape_html(href),
        escape_html(&c.comparison)
    )
}

/// A cited claim before claims are checked (examples off, or not run yet).
pub fn unchecked_html(id: &str) -> String {
    format!(
        "<span class=\"verdict unchecked\">Claim <code>{}</code>: not checked in this build</span>",
        escape_html(id)
    )
}

pub fn claim_html(c: &ClaimView) -> String {
    let (class, status) = c.verdict.shown();
    let id = c.id.as_ref().map_or_else(String::new, |id| {
        format!(" id=\"claim-{}\"", escape_html(id))
    });
    let mut out = format!(
        "<div class=\"claim {class}\" role=\"note\"{id}>\n<p class=\"claim-status\">{status}</p>\n"
    );
    if let Some(says) = &c.says {
        out.push_str(&format!(
            "<p class=\"claim-says\">{}</p>\n",
            escape_html(says)
        ));
    }
    out.push_str(&format!(
        "<p class=\"claim-check\"><code>{}</code></p>\n",
        escape_html(&c.comparison)
    ));
    if let Some(j) = &c.judged {
        out.push_str(&format!(
            "<p class=\"claim-judged\">Failed on the runs of {} on {}; the next build runs its examples again.</p>\n",
            escape_html(&j.runs),
            escape_html(&j.machine)
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
            escape_html(&c.when.join(" and ")),
            escape_html(&c.machine),
            escape_html(&unmet)
        ));
    }
    out.push_str("</div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(verdict: Verdict, judged: Option<Judged>) -> ClaimView {
        ClaimView {
            id: None,
            says: None,
            comparison: "a wall n = 3 > 3".into(),
            when: Vec::new(),
            unmet: Vec::new(),
            machine: "2 usable cores, Python 3.11.7".into(),
            verdict,
            judged,
        }
    }

    #[test]
    fn a_failed_claim_says_when_and_where_its_runs_were() {
        let judged = Judged {
            runs: "2026-12-06 03:10 UTC".into(),
            machine: "CPU <X>, 2 usable of 2 logical cores".into(),
        };
        let html = claim_html(&view(Verdict::Fails, Some(judged)));
        assert!(
            html.contains(
                "<p class=\"claim-judged\">Failed on the runs of 2026-12-06 03:10 UTC on \
                 CPU &lt;X&gt;, 2 usable of 2 logical cores; the next build runs its examples again.</p>"
            ),
            "{html}"
        );
        assert!(!claim_html(&view(Verdict::Holds, None)).contains("claim-judged"));
    }
}
