use super::*;

const GOOD: &str = r#"
[[question]]
id = "waiting"
ask = "Is it mostly *waiting*?"
answer = [
  { label = "Yes", then = "how-many" },
  { label = "No", then = "processes" },
]

[[question]]
id = "how-many"
ask = "How many at once?"
help = """
Count the waits in flight.
"""
answer = [
  { label = "Thousands", then = "asyncio" },
  { label = "A few", then = "threads" },
]

[[recommendation]]
id = "asyncio"
title = "asyncio"
summary = "An event loop."
read = "[asyncio](asyncio.md)"
evidence = [{ says = "fast", claim = "io-wins" }]

[[recommendation]]
id = "threads"
title = "Threads"

[[recommendation]]
id = "processes"
title = "Processes"
"#;

/// Renders fields as `[text]` and verdicts as `<claim>`, to see the shape.
struct Plain;

impl Render for Plain {
    fn field(&mut self, text: &Text, shape: Shape) -> String {
        match shape {
            Shape::Inline => format!("[{}]", text.text),
            Shape::Blocks => format!("[[{}]]", text.text.trim()),
        }
    }
    fn verdict(&mut self, id: &str, _: &Range<usize>) -> String {
        format!("<{id}>")
    }
}

fn problems(toml: &str) -> Vec<Problem> {
    parse(toml).expect_err("the checklist should not parse")
}

/// The text at a problem's range.
fn at<'t>(toml: &'t str, p: &Problem) -> &'t str {
    &toml[p.range.clone()]
}

#[test]
fn a_good_checklist_parses_with_its_targets_resolved() {
    let list = parse(GOOD).unwrap();
    assert_eq!(list.start, 0);
    assert_eq!(list.questions.len(), 2);
    assert_eq!(list.questions[0].answers[0].then, Target::Question(1));
    assert_eq!(list.questions[0].answers[1].then, Target::Recommendation(2));
    let evidence = &list.recommendations[0].evidence[0];
    assert_eq!(evidence.claim.as_ref().unwrap().0, "io-wins");
    assert_eq!(
        &GOOD[evidence.claim.as_ref().unwrap().1.clone()],
        "\"io-wins\""
    );
}

#[test]
fn a_field_knows_where_its_text_starts() {
    let list = parse(GOOD).unwrap();
    let ask = &list.questions[0].ask;
    assert!(GOOD[ask.offset..].starts_with("Is it mostly"));
    // Past the triple quote and the newline TOML drops after it.
    let help = list.questions[1].help.as_ref().unwrap();
    assert!(GOOD[help.offset..].starts_with("Count the waits"));
    assert_eq!(help.text, "Count the waits in flight.\n");
}

#[test]
fn start_may_name_a_later_question() {
    let toml = GOOD.replace(
        "[[question]]\nid = \"waiting\"",
        "start = \"how-many\"\n[[question]]\nid = \"waiting\"",
    );
    // `waiting` is then reached by nothing, and neither is `processes`.
    let found = problems(&toml);
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "no answer leads to question `waiting`",
            "no answer leads to recommendation `processes`"
        ]
    );
    assert_eq!(at(&toml, &found[0]), "\"waiting\"");
}

#[test]
fn unknown_targets_and_ids_used_twice_are_named_where_written() {
    let toml = GOOD
        .replace("then = \"threads\"", "then = \"thread\"")
        .replace("id = \"processes\"", "id = \"asyncio\"");
    let found = problems(&toml);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].message, "the id `asyncio` is used twice");
    assert_eq!(at(&toml, &found[0]), "\"asyncio\"");
    // The renamed recommendation is gone, so its answer leads nowhere.
    assert!(
        found[1]
            .message
            .contains("`then = \"processes\"` names no question")
    );
    assert!(
        found[2]
            .message
            .contains("`then = \"thread\"` names no question")
    );
    assert_eq!(at(&toml, &found[2]), "\"thread\"");
}

#[test]
fn a_loop_between_questions_is_refused() {
    let toml = GOOD.replace("then = \"threads\"", "then = \"waiting\"");
    let found = problems(&toml);
    assert!(
        found[0]
            .message
            .contains("leads back to question `waiting`"),
        "{found:?}"
    );
    assert_eq!(at(&toml, &found[0]), "\"waiting\"");
    // Threads is then reached by nothing.
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("recommendation `threads`"))
    );
}

#[test]
fn a_question_needs_two_answers_and_evidence_must_say_something() {
    let toml = GOOD
        .replace("  { label = \"A few\", then = \"threads\" },\n", "")
        .replace(
            "evidence = [{ says = \"fast\", claim = \"io-wins\" }]",
            "evidence = [{}]",
        )
        .replace(
            "title = \"Threads\"",
            "title = \"Threads\"\nevidence = [{ says = \"x\" }]",
        );
    let found = problems(&toml);
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "question `how-many` has 1 answer(s)",
            "this evidence says nothing"
        ]
    );
}

#[test]
fn unknown_keys_and_bad_ids_are_errors() {
    let toml = GOOD.replace(
        "ask = \"How many at once?\"",
        "ask = \"How many?\"\nasks = \"typo\"",
    );
    let found = problems(&toml);
    assert!(
        found[0].message.contains("unknown field `asks`"),
        "{found:?}"
    );
    assert!(at(&toml, &found[0]).contains("asks"));

    let toml = GOOD
        .replace("id = \"threads\"", "id = \"Threads!\"")
        .replace("then = \"threads\"", "then = \"Threads!\"");
    let found = problems(&toml);
    assert_eq!(found[0].message, "`Threads!` is not a usable id");
}

#[test]
fn an_empty_checklist_is_an_error() {
    let found = problems("");
    assert!(found[0].message.contains("at least one `[[question]]`"));
}

#[test]
fn the_html_links_every_answer_to_where_it_leads() {
    let list = parse(GOOD).unwrap();
    let (html, ids) = html(&list, 3, &mut Plain);
    assert!(html.starts_with(
        "<div class=\"checklist\" id=\"checklist\" data-start=\"checklist-q-waiting\">"
    ));
    assert!(html.contains(
        "<a class=\"checklist-answer\" href=\"#checklist-q-how-many\">[Yes]</a> <span class=\"checklist-then\">→ question 2</span>"
    ));
    assert!(html.contains(
        "<a class=\"checklist-answer\" href=\"#checklist-r-processes\">[No]</a> <span class=\"checklist-then\">→ Processes</span>"
    ));
    assert!(
        html.contains(
            "<h3 class=\"checklist-title\" id=\"checklist-r-asyncio-title\">[asyncio]</h3>"
        )
    );
    assert!(html.contains("<div class=\"checklist-help\">[[Count the waits in flight.]]</div>"));
    assert!(html.contains("<li>[fast] <io-wins></li>"));
    assert!(html.contains("<p class=\"checklist-read\">Read: [[asyncio](asyncio.md)]</p>"));
    // A recommendation without evidence has no empty list.
    let threads = &html[html.find("id=\"checklist-r-threads\"").unwrap()..];
    let threads = &threads[..threads.find("</section>").unwrap()];
    assert!(!threads.contains("checklist-evidence"), "{threads}");
    for id in [
        "checklist",
        "checklist-q-waiting",
        "checklist-r-threads",
        "checklist-r-threads-title",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
    }
}

#[test]
fn questions_are_numbered_in_the_order_they_are_asked() {
    // `later` is listed first but asked second.
    let toml = r#"
start = "first"
[[question]]
id = "later"
ask = "B"
answer = [{ label = "x", then = "r1" }, { label = "y", then = "r2" }]
[[question]]
id = "first"
ask = "A"
answer = [{ label = "x", then = "later" }, { label = "y", then = "r2" }]
[[recommendation]]
id = "r1"
title = "R1"
[[recommendation]]
id = "r2"
title = "R2"
"#;
    let list = parse(toml).unwrap();
    let (html, _) = html(&list, 2, &mut Plain);
    let first = html.find("id=\"checklist-q-first\"").unwrap();
    let later = html.find("id=\"checklist-q-later\"").unwrap();
    assert!(first < later);
    assert!(html.contains("→ question 2"));
    // Levels stay within h2..h6.
    let (deep, _) = super::html(&list, 9, &mut Plain);
    assert!(deep.contains("<h6 class=\"checklist-title\""));
}
