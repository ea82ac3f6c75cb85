//! Text that reaches a terminal or a CI log, made inert.
//!
//! What an example prints (a stderr tail, an output diff) and what a book
//! says (a title, an id, a file name) is quoted in proofbook's messages.
//! Printed raw, it could act instead of being read: an escape sequence can
//! recolour or rewrite the terminal, clear the screen, set the window title
//! or (on some terminals) answer back; `\r` can print a line over the one
//! before it, so a failure reads as a success; a line such as
//! `::error::…`, `::add-mask::…` or `::stop-commands::TOKEN` is a workflow
//! command to GitHub Actions, which can fake annotations or silence
//! proofbook's own; GitLab folds its log at `section_start:…` markers made
//! of `\r` and ESC.
//!
//! `neutralise` keeps line breaks and printable text as they are and
//! changes only what could act:
//!
//! - C0 control characters and DEL are shown as `\xNN` (ESC as `\x1b`),
//!   `\r` as `\r`; a tab stays a tab (it moves the cursor forward only);
//! - C1 control characters (U+0080 to U+009F, such as U+009B, a one-byte
//!   CSI to some terminals) are shown as `\u{9b}`;
//! - Unicode bidirectional controls (U+061C, U+200E, U+200F, U+202A to
//!   U+202E, U+2066 to U+2069) are shown as `\u{202e}`: in a log they can
//!   make a line read in another order than it says ("Trojan Source"), and
//!   quoted program output has no need of them; the line and paragraph
//!   separators U+2028 and U+2029 likewise, as some viewers break lines
//!   there. Other characters (accents, CJK, emoji and their joiners) pass;
//! - a line that GitHub Actions would take as a command (`::` after leading
//!   white space, as its runner trims) gets a `\` before the `::`; the
//!   older `##[command]` form and Azure's `##vso[`, which the runners find
//!   anywhere in a line, become `##\[` and `##\vso[`;
//!
//! `tail` and `head`, for quoting what an example printed, also cap it: at
//! most `SHOWN_LINES` lines, each cut after `LINE_CHARS` characters, and
//! say how much they left out.
//!
//! A backslash is not escaped: tracebacks quote Windows paths and regular
//! expressions, and doubling every backslash would make them hard to read.
//! So a program that prints the four characters `\x1b` looks the same as
//! one that prints ESC; that is harmless (neither acts) and the raw output
//! is in the page. Because nothing it produces can be changed again,
//! `neutralise` is idempotent: text neutralised where it is quoted and again
//! where it is printed comes out the same.

/// How many lines of a stderr tail or an output diff are shown.
pub const SHOWN_LINES: usize = 12;

/// How many characters of one line are shown.
pub const LINE_CHARS: usize = 300;

/// `text` with everything that could act on a terminal or a CI log shown
/// visibly instead (see the module documentation). Line breaks stay.
pub fn neutralise(text: &str) -> String {
    neutralise_lines(text, usize::MAX)
}

fn neutralise_lines(text: &str, line_chars: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        neutralise_line(line, line_chars, &mut out);
    }
    out
}

/// The last `n` lines of `text`, neutralised, after a line saying how many
/// came before them.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let skipped = lines.len().saturating_sub(n);
    let mut out = String::new();
    if skipped > 0 {
        out.push_str(&format!("… {} earlier {}\n", skipped, lines_word(skipped)));
    }
    out.push_str(&neutralise_lines(&lines[skipped..].join("\n"), LINE_CHARS));
    out
}

/// The first `n` lines of `text`, neutralised, and a line saying how many
/// more there were.
pub fn head(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = neutralise_lines(&lines[..lines.len().min(n)].join("\n"), LINE_CHARS);
    let more = lines.len().saturating_sub(n);
    if more > 0 {
        out.push_str(&format!("\n… {} more {}", more, lines_word(more)));
    }
    out
}

/// `text` as the message of a GitHub annotation (`::error …::MESSAGE`):
/// neutralised, then `%`, `\r` and `\n` escaped as the runner unescapes
/// them, so the whole message stays on the annotation's one line.
pub fn github_message(text: &str) -> String {
    escape_for_github(&neutralise(text), &[])
}

/// `text` as a property of a GitHub annotation (`file=…,line=…`): as a
/// message, and `:` and `,` escaped too, so a file name cannot end the
/// properties or add one.
pub fn github_property(text: &str) -> String {
    escape_for_github(&neutralise(text), &[(':', "%3A"), (',', "%2C")])
}

fn escape_for_github(text: &str, extra: &[(char, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => match extra.iter().find(|(e, _)| *e == c) {
                Some((_, escaped)) => out.push_str(escaped),
                None => out.push(c),
            },
        }
    }
    out
}

fn lines_word(n: usize) -> &'static str {
    if n == 1 { "line" } else { "lines" }
}

fn neutralise_line(line: &str, line_chars: usize, out: &mut String) {
    let start = out.len();
    let mut chars = line.chars();
    for c in chars.by_ref().take(line_chars) {
        push_visible(c, out);
    }
    let more = chars.count();
    if more > 0 {
        out.push_str(&format!(" … ({more} more characters)"));
    }
    defuse_commands(out, start);
}

fn push_visible(c: char, out: &mut String) {
    match c {
        '\t' => out.push('\t'),
        '\r' => out.push_str("\\r"),
        '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
        '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' => {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
        c if is_bidi_control(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Makes the line written from byte `start` of `out` on inert as a CI
/// workflow command.
fn defuse_commands(out: &mut String, start: usize) {
    let line = &out[start..];
    // GitHub's runner trims leading white space (any Unicode kind) before
    // it looks for `::`.
    let lead = line.len() - line.trim_start().len();
    if line[lead..].starts_with("::") {
        out.insert(start + lead, '\\');
    }
    for (form, inert) in [("##[", "##\\["), ("##vso[", "##\\vso[")] {
        if out[start..].contains(form) {
            let fixed = out[start..].replace(form, inert);
            out.truncate(start);
            out.push_str(&fixed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_carriage_returns_are_shown_not_sent() {
        assert_eq!(
            neutralise("\x1b[31mred\x1b[0m ok\rFAILED"),
            "\\x1b[31mred\\x1b[0m ok\\rFAILED"
        );
        // A title set through OSC, ended by BEL; a NUL; DEL.
        assert_eq!(
            neutralise("\x1b]0;pwned\x07\0\x7f"),
            "\\x1b]0;pwned\\x07\\x00\\x7f"
        );
        // Line breaks and tabs stay; CRLF keeps its visible \r.
        assert_eq!(neutralise("a\tb\nc\r\n"), "a\tb\nc\\r\n");
    }

    #[test]
    fn esc_inside_multibyte_text_is_escaped_and_the_text_around_it_kept() {
        assert_eq!(neutralise("é\x1b[2Jé日本\x1b語"), "é\\x1b[2Jé日本\\x1b語");
        assert_eq!(neutralise("👍🏽\u{200d}\x1b"), "👍🏽\u{200d}\\x1b");
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_shown_as_code_points() {
        // U+009B is CSI on terminals that read C1 controls: `\u{9b}2J`.
        assert_eq!(neutralise("a\u{9b}2Jb\u{85}"), "a\\u{9b}2Jb\\u{85}");
        assert_eq!(
            neutralise("ok \u{202e}deliaf\u{202c} \u{2066}x\u{2069}"),
            "ok \\u{202e}deliaf\\u{202c} \\u{2066}x\\u{2069}"
        );
        assert_eq!(neutralise("a\u{2028}b"), "a\\u{2028}b");
        // Ordinary non-ASCII text is not touched.
        assert_eq!(neutralise("naïve — ½ µs"), "naïve — ½ µs");
    }

    #[test]
    fn workflow_commands_are_made_inert_wherever_the_runners_look() {
        assert_eq!(neutralise("::error::fake"), "\\::error::fake");
        assert_eq!(neutralise("  ::stop-commands::x"), "  \\::stop-commands::x");
        // Unicode white space is trimmed by the runner too.
        assert_eq!(
            neutralise("\u{3000}::add-mask::a"),
            "\u{3000}\\::add-mask::a"
        );
        // A tab before it is still white space after escaping: defused.
        assert_eq!(neutralise("\t::warning::w"), "\t\\::warning::w");
        assert_eq!(
            neutralise("x ##[group]a ##[endgroup]"),
            "x ##\\[group]a ##\\[endgroup]"
        );
        assert_eq!(
            neutralise("##vso[task.setvariable]"),
            "##\\vso[task.setvariable]"
        );
        // `::` later in a line is no command and stays.
        assert_eq!(neutralise("a::b"), "a::b");
        // A control character cannot hide the `::` from the check: it is
        // escaped first and is then no white space.
        assert_eq!(neutralise("\x0b::error::v"), "\\x0b::error::v");
    }

    #[test]
    fn neutralising_twice_changes_nothing() {
        let hostile = "\x1b[1m::error::x\r\n##[group]\u{9b}\u{202e}\n  ::debug::d";
        let once = neutralise(hostile);
        assert_eq!(neutralise(&once), once);
        for line in once.lines() {
            assert!(!line.trim_start().starts_with("::"), "{line}");
            assert!(!line.contains("##["), "{line}");
            assert!(!line.chars().any(char::is_control) || line.contains('\t'));
        }
    }

    #[test]
    fn quoted_long_lines_are_cut_and_say_by_how_much() {
        let line = "x".repeat(LINE_CHARS + 5);
        let shown = tail(&line, 12);
        assert!(shown.starts_with(&"x".repeat(LINE_CHARS)));
        assert!(shown.ends_with(" … (5 more characters)"), "{shown}");
        assert_eq!(head(&"y".repeat(LINE_CHARS), 1), "y".repeat(LINE_CHARS));
        // A command past the cut is gone; one before it still defused.
        let long = format!("::error::{}", "z".repeat(2 * LINE_CHARS));
        assert!(head(&long, 1).starts_with("\\::error::"));
        // Cut once where quoted, not again where printed.
        assert_eq!(neutralise(&shown), shown);
    }

    #[test]
    fn tails_and_heads_are_capped_and_count_what_they_left_out() {
        let text: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let t = tail(&text, 12);
        assert_eq!(t.lines().count(), 13);
        assert!(t.starts_with("… 8 earlier lines\nline 9\n"), "{t}");
        assert!(t.ends_with("line 20"), "{t}");
        let h = head(&text, 12);
        assert!(h.starts_with("line 1\n"), "{h}");
        assert!(h.ends_with("line 12\n… 8 more lines"), "{h}");
        assert_eq!(tail("a\nb", 12), "a\nb");
        assert_eq!(head("a\nb", 2), "a\nb");
        assert_eq!(head("a\nb\nc", 2), "a\nb\n… 1 more line");
        assert_eq!(tail("\x1b[2J", 12), "\\x1b[2J");
    }

    #[test]
    fn github_messages_and_properties_stay_on_one_line() {
        assert_eq!(
            github_message("50%\n::stop-commands::t\r"),
            "50%25%0A\\::stop-commands::t\\r"
        );
        assert_eq!(github_property("a,line=1::b.md"), "a%2Cline=1%3A%3Ab.md");
    }
}
