//! A decision checklist: a ```` ```checklist ```` block of TOML (usually
//! `{{#include checklist.toml}}` inside the fence) → questions, answers and
//! recommendations, checked as a whole, and the HTML that shows them.
//!
//! ```toml
//! [[question]]
//! id = "waiting"
//! ask = "Is the program mostly **waiting** on I/O?"
//! answer = [
//!   { label = "Yes, on many sockets at once", then = "asyncio" },
//!   { label = "No, it computes", then = "cpu" },
//! ]
//!
//! [[recommendation]]
//! id = "asyncio"
//! title = "asyncio"
//! summary = "One thread, one event loop, thousands of waits."
//! read = "[asyncio](asyncio.md#when-asyncio-is-the-right-choice)"
//! evidence = [
//!   { says = "{{#measure io-bench asyncio_req_per_s median int}} requests/s", claim = "io-concurrency-wins" },
//! ]
//! ```
//!
//! The text fields are Markdown, rendered by `parse` like the page around
//! them, so their links are checked and their `{{#measure}}` quotes are
//! resolved with the book's other figures. A `claim = ID` shows that claim's
//! verdict from this build (`Block::Verdict`).
//!
//! The HTML works as it is: every question lists its answers as links to
//! the question or recommendation they lead to. The theme's script turns
//! the same markup into a chooser that shows one step at a time.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::html::escape;

/// A checklist whose every `then` leads somewhere, with no loops and
/// nothing that cannot be reached from the first question.
#[derive(Debug, Clone, PartialEq)]
pub struct Checklist {
    /// The index of the first question.
    pub start: usize,
    pub questions: Vec<Question>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub ask: Text,
    pub help: Option<Text>,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub label: Text,
    pub then: Target,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Question(usize),
    Recommendation(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub id: String,
    pub title: Text,
    pub summary: Option<Text>,
    pub read: Option<Text>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub says: Option<Text>,
    /// A claim's id, and where it is written.
    pub claim: Option<(String, Range<usize>)>,
}

/// A Markdown field, and where its text starts in the block.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    pub offset: usize,
}

/// A problem at a byte range of the block.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub message: String,
    pub help: String,
    pub range: Range<usize>,
}

impl Problem {
    fn new(message: impl Into<String>, help: impl Into<String>, range: Range<usize>) -> Problem {
        Problem {
            message: message.into(),
            help: help.into(),
            range,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChecklist {
    start: Option<Spanned<String>>,
    #[serde(default)]
    question: Vec<Spanned<RawQuestion>>,
    #[serde(default)]
    recommendation: Vec<Spanned<RawRecommendation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    ask: Spanned<String>,
    help: Option<Spanned<String>>,
    #[serde(default)]
    answer: Vec<Spanned<RawAnswer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswer {
    label: Spanned<String>,
    then: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecommendation {
    id: Spanned<String>,
    title: Spanned<String>,
    summary: Option<Spanned<String>>,
    read: Option<Spanned<String>>,
    #[serde(default)]
    evidence: Vec<Spanned<RawEvidence>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    says: Option<Spanned<String>>,
    claim: Option<Spanned<String>>,
}

const HELP: &str = "see README: Decision checklists";

/// Parses and checks the TOML of a checklist block; every problem found.
pub fn parse(toml_text: &str) -> Result<Checklist, Vec<Problem>> {
    let raw: RawChecklist = toml::from_str(toml_text).map_err(|e| {
        vec![Problem::new(
            format!("this checklist is not valid: {}", e.message()),
            HELP,
            e.span().unwrap_or(0..0),
        )]
    })?;
    let mut problems = Vec::new();
    let text = |s: &Spanned<String>| Text {
        text: s.get_ref().clone(),
        offset: value_start(toml_text, s.span()),
    };

    // Every id, questions first, so `then` can name either kind.
    let mut ids: Vec<(&Spanned<String>, Target)> = Vec::new();
    let questions = raw.question.iter().map(|q| &q.get_ref().id);
    let recommendations = raw.recommendation.iter().map(|r| &r.get_ref().id);
    for (i, id) in questions.enumerate() {
        ids.push((id, Target::Question(i)));
    }
    for (i, id) in recommendations.enumerate() {
        ids.push((id, Target::Recommendation(i)));
    }
    for (n, (id, _)) in ids.iter().enumerate() {
        if !valid_id(id.get_ref()) {
            problems.push(Problem::new(
                format!("`{}` is not a usable id", id.get_ref()),
                "use lower-case letters, digits and `-`, as in `many-waits`",
                id.span(),
            ));
        } else if ids[..n]
            .iter()
            .any(|(other, _)| other.get_ref() == id.get_ref())
        {
            problems.push(Problem::new(
                format!("the id `{}` is used twice", id.get_ref()),
                "every question and recommendation needs an id of its own",
                id.span(),
            ));
        }
    }
    let find = |name: &Spanned<String>| {
        ids.iter()
            .find(|(id, _)| id.get_ref() == name.get_ref())
            .map(|(_, t)| *t)
    };

    if raw.question.is_empty() || raw.recommendation.is_empty() {
        problems.push(Problem::new(
            "a checklist needs at least one `[[question]]` and one `[[recommendation]]`",
            HELP,
            0..0,
        ));
    }

    let mut out = Checklist {
        start: 0,
        questions: Vec::new(),
        recommendations: Vec::new(),
    };
    for q in &raw.question {
        let (span, q) = (q.span(), q.get_ref());
        if q.answer.len() < 2 {
            problems.push(Problem::new(
                format!("question `{}` has {} answer(s)", q.id.get_ref(), q.answer.len()),
                "a question needs two answers or more: `answer = [{ label = \"…\", then = \"ID\" }, …]`",
                span,
            ));
        }
        let mut answers = Vec::new();
        for a in &q.answer {
            let a = a.get_ref();
            match find(&a.then) {
                Some(then) => answers.push(Answer {
                    label: text(&a.label),
                    then,
                }),
                None => problems.push(Problem::new(
                    format!("`then = \"{}\"` names no question or recommendation", a.then.get_ref()),
                    "name the `id` of a question (the next one to ask) or a recommendation (where this answer ends)",
                    a.then.span(),
                )),
            }
        }
        out.questions.push(Question {
            id: q.id.get_ref().clone(),
            ask: text(&q.ask),
            help: q.help.as_ref().map(text),
            answers,
        });
    }
    for r in &raw.recommendation {
        let r = r.get_ref();
        let mut evidence = Vec::new();
        for e in &r.evidence {
            let (span, e) = (e.span(), e.get_ref());
            if e.says.is_none() && e.claim.is_none() {
                problems.push(Problem::new(
                    "this evidence says nothing",
                    "give it `says = \"…{{#measure ID FIGURE}}…\"`, `claim = \"ID\"`, or both",
                    span,
                ));
            }
            evidence.push(Evidence {
                says: e.says.as_ref().map(text),
                claim: e.claim.as_ref().map(|c| (c.get_ref().clone(), c.span())),
            });
        }
        out.recommendations.push(Recommendation {
            id: r.id.get_ref().clone(),
            title: text(&r.title),
            summary: r.summary.as_ref().map(text),
            read: r.read.as_ref().map(text),
            evidence,
        });
    }
    match &raw.start {
        Some(name) => match find(name) {
            Some(Target::Question(i)) => out.start = i,
            _ => problems.push(Problem::new(
                format!("`start = \"{}\"` names no question", name.get_ref()),
                "name the `id` of the question to ask first, or leave `start` out to begin with the first question",
                name.span(),
            )),
        },
        None => out.start = 0,
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    check_paths(&out, &raw, &mut problems);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Every path from the first question must end at a recommendation, and
/// every question and recommendation must be on one.
fn check_paths(list: &Checklist, raw: &RawChecklist, problems: &mut Vec<Problem>) {
    // 0: not seen, 1: on the current path, 2: done.
    let mut state = vec![0u8; list.questions.len()];
    let mut reached = vec![false; list.recommendations.len()];
    // An explicit stack (question, next answer), so a long chain cannot
    // overflow the real one.
    let mut stack = vec![(list.start, 0usize)];
    state[list.start] = 1;
    while let Some(&mut (q, ref mut next)) = stack.last_mut() {
        let Some(answer) = list.questions[q].answers.get(*next) else {
            state[q] = 2;
            stack.pop();
            continue;
        };
        *next += 1;
        match answer.then {
            Target::Recommendation(r) => reached[r] = true,
            Target::Question(t) if state[t] == 1 => {
                let at = &raw.question[q].get_ref().answer[*next - 1];
                problems.push(Problem::new(
                    format!(
                        "this answer leads back to question `{}`, so the chooser could go round for ever",
                        list.questions[t].id
                    ),
                    "every answer must lead to a later question or to a recommendation",
                    at.get_ref().then.span(),
                ));
            }
            Target::Question(t) if state[t] == 0 => {
                state[t] = 1;
                stack.push((t, 0));
            }
            Target::Question(_) => {}
        }
    }
    for (q, s) in state.iter().enumerate() {
        if *s == 0 {
            problems.push(Problem::new(
                format!("no answer leads to question `{}`", list.questions[q].id),
                "point an answer's `then` at it, or remove it",
                raw.question[q].get_ref().id.span(),
            ));
        }
    }
    for (r, seen) in reached.iter().enumerate() {
        if !seen {
            problems.push(Problem::new(
                format!(
                    "no answer leads to recommendation `{}`",
                    list.recommendations[r].id
                ),
                "point an answer's `then` at it, or remove it",
                raw.recommendation[r].get_ref().id.span(),
            ));
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Where a string value's text starts, given the span of the value (with
/// its quotes): past the quotes, and past the newline that TOML drops right
/// after an opening triple quote.
fn value_start(toml_text: &str, span: Range<usize>) -> usize {
    let value = toml_text.get(span.clone()).unwrap_or("");
    let quotes = if value.starts_with("\"\"\"") || value.starts_with("'''") {
        3
    } else if value.starts_with('"') || value.starts_with('\'') {
        1
    } else {
        0
    };
    let after = &value[quotes..];
    let newline = if quotes == 3 {
        if after.starts_with("\r\n") {
            2
        } else {
            usize::from(after.starts_with('\n'))
        }
    } else {
        0
    };
    span.start + quotes + newline
}

/// How a field is shown: inline (in a line of its own, no paragraph) or
/// as blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Inline,
    Blocks,
}

/// The id of a question's or recommendation's element.
pub fn element_id(target: Target, list: &Checklist) -> String {
    match target {
        Target::Question(i) => format!("checklist-q-{}", list.questions[i].id),
        Target::Recommendation(i) => format!("checklist-r-{}", list.recommendations[i].id),
    }
}

/// How the page renders what a checklist holds.
pub trait Render {
    /// A Markdown field as HTML (with markers for its quoted figures).
    fn field(&mut self, text: &Text, shape: Shape) -> String;
    /// What stands for the verdict of the claim `id`, written at `range`.
    fn verdict(&mut self, id: &str, range: &Range<usize>) -> String;
}

/// The checklist's HTML; recommendation titles are headings of `level`.
/// Returns the HTML and the ids it gives elements.
pub fn html(list: &Checklist, level: u8, render: &mut dyn Render) -> (String, Vec<String>) {
    let mut ids = vec!["checklist".to_owned()];
    let start = element_id(Target::Question(list.start), list);
    let mut out = format!(
        "<div class=\"checklist\" id=\"checklist\" data-start=\"{}\">\n<ol class=\"checklist-questions\">\n",
        escape(&start)
    );
    // Questions in the order a reader meets them, so "question 2" is the
    // second one asked on some path.
    let order = question_order(list);
    let number = |q: usize| order.iter().position(|&o| o == q).map_or(0, |p| p + 1);
    for &q in &order {
        let question = &list.questions[q];
        let id = element_id(Target::Question(q), list);
        out.push_str(&format!(
            "<li class=\"checklist-question\" id=\"{}\">\n<p class=\"checklist-ask\">{}</p>\n",
            escape(&id),
            render.field(&question.ask, Shape::Inline)
        ));
        ids.push(id);
        if let Some(help) = &question.help {
            out.push_str(&format!(
                "<div class=\"checklist-help\">{}</div>\n",
                render.field(help, Shape::Blocks)
            ));
        }
        out.push_str("<ul class=\"checklist-answers\">\n");
        for answer in &question.answers {
            let then = match answer.then {
                Target::Question(t) => format!("question {}", number(t)),
                Target::Recommendation(r) => plain(&list.recommendations[r].title.text),
            };
            out.push_str(&format!(
                "<li><a class=\"checklist-answer\" href=\"#{}\">{}</a> <span class=\"checklist-then\">→ {}</span></li>\n",
                escape(&element_id(answer.then, list)),
                render.field(&answer.label, Shape::Inline),
                escape(&then)
            ));
        }
        out.push_str("</ul>\n</li>\n");
    }
    out.push_str("</ol>\n<div class=\"checklist-recommendations\">\n");
    let level = level.clamp(2, 6);
    for (r, rec) in list.recommendations.iter().enumerate() {
        let id = element_id(Target::Recommendation(r), list);
        out.push_str(&format!(
            "<section class=\"checklist-recommendation\" id=\"{id}\" aria-labelledby=\"{id}-title\">\n<h{level} class=\"checklist-title\" id=\"{id}-title\">{}</h{level}>\n",
            render.field(&rec.title, Shape::Inline),
            id = escape(&id),
        ));
        ids.push(format!("{id}-title"));
        ids.push(id);
        if let Some(summary) = &rec.summary {
            out.push_str(&format!(
                "<div class=\"checklist-summary\">{}</div>\n",
                render.field(summary, Shape::Blocks)
            ));
        }
        if let Some(read) = &rec.read {
            out.push_str(&format!(
                "<p class=\"checklist-read\">Read: {}</p>\n",
                render.field(read, Shape::Inline)
            ));
        }
        if !rec.evidence.is_empty() {
            out.push_str("<p class=\"checklist-evidence-title\">Measured in this build:</p>\n<ul class=\"checklist-evidence\">\n");
            for e in &rec.evidence {
                out.push_str("<li>");
                if let Some(says) = &e.says {
                    out.push_str(&render.field(says, Shape::Inline));
                }
                if let Some((claim, range)) = &e.claim {
                    if e.says.is_some() {
                        out.push(' ');
                    }
                    out.push_str(&render.verdict(claim, range));
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</section>\n");
    }
    out.push_str("</div>\n</div>\n");
    (out, ids)
}

/// Questions breadth-first from the first one: the order they are listed
/// and numbered in.
fn question_order(list: &Checklist) -> Vec<usize> {
    let mut order = vec![list.start];
    let mut i = 0;
    while let Some(&q) = order.get(i) {
        for a in &list.questions[q].answers {
            if let Target::Question(t) = a.then
                && !order.contains(&t)
            {
                order.push(t);
            }
        }
        i += 1;
    }
    order
}

/// Markdown as plain text, for the "→ title" hint after an answer.
fn plain(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let mut s = String::new();
    for e in Parser::new(markdown) {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(&t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s
}

#[cfg(test)]
#[path = "checklist_tests.rs"]
mod tests;
