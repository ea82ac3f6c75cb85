//! Expected output: does what an example printed match the ```` ```output ````
//! block written after it?
//!
//! The comparison is line by line over everything the program printed
//! (stdout and stderr in the order they came), ignoring trailing white
//! space and trailing blank lines. A few wildcards cover what legitimately
//! changes from run to run:
//!
//! | in the block | matches |
//! |---|---|
//! | a line that is just `...` | any number of lines, none included |
//! | `...` inside a line | any text on that line |
//! | `{int}` | a whole number, such as a PID or a count: `-?[0-9]+` |
//! | `{num}` | a number: `12`, `-0.5`, `1.2e-3` |
//! | `{hex}` | a hexadecimal address: `0x7f3a9c` |
//! | `{duration}` | a number and a unit of time: `0.43 s`, `12ms`, `3 µs` |
//!
//! Anything else is literal. A mismatch comes with a unified diff, capped
//! and neutralised (`terminal_text`): it quotes what the example printed.

use regex::Regex;

/// A line of the expected block, compiled.
enum Pattern {
    AnyLines,
    Line(Regex),
    /// A line too long for a regex of wildcards: compared as written.
    Literal(String),
}

/// Compares `actual` with the `expected` block; `Err` holds a unified diff
/// (expected → actual), its first `SHOWN_LINES` lines, safe to print.
pub fn compare(expected: &str, actual: &str) -> Result<(), String> {
    let patterns: Vec<Pattern> = lines(expected).into_iter().map(compile).collect();
    let got = lines(actual);
    if matches(&patterns, &got) {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header("expected (the output block)", "actual (what it printed)")
        .to_string();
    Err(crate::terminal_text::head(
        &diff,
        crate::terminal_text::SHOWN_LINES,
    ))
}

fn lines(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text.lines().map(str::trim_end).collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

fn compile(line: &str) -> Pattern {
    if line.trim() == "..." {
        return Pattern::AnyLines;
    }
    let mut re = String::from("^");
    let mut rest = line;
    while !rest.is_empty() {
        let next = [
            ("...", ".*"),
            ("{int}", "-?[0-9]+"),
            ("{num}", "-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"),
            ("{hex}", "0[xX][0-9a-fA-F]+"),
            (
                "{duration}",
                "[0-9]+(?:\\.[0-9]+)?\\s*(?:ns|µs|us|ms|s|min|h)",
            ),
        ]
        .iter()
        .filter_map(|(token, pattern)| rest.find(token).map(|at| (at, *token, *pattern)))
        .min_by_key(|(at, token, _)| (*at, std::cmp::Reverse(token.len())));
        match next {
            Some((at, token, pattern)) => {
                re.push_str(&regex::escape(&rest[..at]));
                re.push_str(pattern);
                rest = &rest[at + token.len()..];
            }
            None => {
                re.push_str(&regex::escape(rest));
                rest = "";
            }
        }
    }
    re.push('$');
    // Escaped text and fixed patterns always make a valid regex, but a very
    // long line of wildcards can exceed the compiled-size limit.
    match Regex::new(&re) {
        Ok(r) => Pattern::Line(r),
        Err(_) => Pattern::Literal(line.to_owned()),
    }
}

/// Whether `lines` match `patterns`, with `...` lines taking any run of
/// lines (the usual glob matching, over lines instead of characters).
fn matches(patterns: &[Pattern], lines: &[&str]) -> bool {
    // can[i][j]: patterns[i..] match lines[j..].
    let (n, m) = (patterns.len(), lines.len());
    let mut can = vec![vec![false; m + 1]; n + 1];
    can[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            can[i][j] = match &patterns[i] {
                Pattern::AnyLines => can[i + 1][j] || (j < m && can[i][j + 1]),
                Pattern::Line(re) => j < m && re.is_match(lines[j]) && can[i + 1][j + 1],
                Pattern::Literal(text) => j < m && lines[j] == text && can[i + 1][j + 1],
            };
        }
    }
    can[0][0]
}

/// The output block rewritten to say what the program printed (`check
/// --bless`): the block's lines that still match a printed line are kept
/// as written, wildcards and all, and a `...` line stays where it can
/// cover printed lines the block did not spell out; every other printed
/// line comes in literally. The lines are aligned to keep as many of the
/// block's lines as possible (a longest common subsequence where "common"
/// means "matches"). `None` when the result would still not match (printed
/// text that reads as a wildcard, `{int}` say).
pub fn bless(expected: &str, actual: &str) -> Option<String> {
    let written = lines(expected);
    let patterns: Vec<Pattern> = written.iter().map(|l| compile(l)).collect();
    let got = lines(actual);
    let (n, m) = (patterns.len(), got.len());
    let any = |i: usize| matches!(patterns[i], Pattern::AnyLines);
    let fits = |i: usize, j: usize| match &patterns[i] {
        Pattern::AnyLines => false,
        Pattern::Line(re) => re.is_match(got[j]),
        Pattern::Literal(text) => got[j] == text,
    };
    // kept[i][j]: the best for patterns[i..] and got[j..], counting a
    // block line kept as `w`, a block line replaced by the printed line in
    // its place as 2 and a printed line a `...` covers as 1: lines kept
    // come first, then a changed line is written where it was rather than
    // swallowed by a `...` beside it. cover[i][j]: the same once the `...`
    // at i is kept (it may take got[j], and more, or nothing).
    let w = 2 * m + 1;
    let mut kept = vec![vec![0usize; m + 1]; n + 1];
    let mut cover = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            let mut best = kept[i + 1][j]; // the block's line goes
            if j < m {
                best = best.max(kept[i][j + 1]); // a printed line comes in
                if fits(i, j) {
                    best = best.max(kept[i + 1][j + 1] + w);
                } else if !any(i) {
                    best = best.max(kept[i + 1][j + 1] + 2);
                }
            }
            if any(i) {
                cover[i][j] = match j < m {
                    true => kept[i + 1][j].max(cover[i][j + 1] + 1),
                    false => kept[i + 1][j],
                };
                best = best.max(cover[i][j] + w);
            }
            kept[i][j] = best;
        }
    }
    let mut out: Vec<&str> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i == n {
            out.push(got[j]);
            j += 1;
            continue;
        }
        let here = kept[i][j];
        if any(i) && cover[i][j] + w == here {
            out.push(written[i]);
            // It takes every line it can without losing a kept line after.
            while j < m && cover[i][j + 1] + 1 == cover[i][j] {
                j += 1;
            }
            i += 1;
        } else if j < m && fits(i, j) && kept[i + 1][j + 1] + w == here {
            out.push(written[i]);
            i += 1;
            j += 1;
        } else if j < m && !any(i) && !fits(i, j) && kept[i + 1][j + 1] + 2 == here {
            out.push(got[j]);
            i += 1;
            j += 1;
        } else if j < m && kept[i][j + 1] == here {
            out.push(got[j]);
            j += 1;
        } else {
            i += 1;
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    compare(&text, actual).is_ok().then_some(text)
}

#[cfg(test)]
mod tests {
    use super::{bless, compare};

    #[test]
    fn bless_keeps_the_wildcards_that_still_match_and_takes_the_rest_literally() {
        let block = "pid {int}\ntotal 3\n...\nend at {duration}\n";
        let printed = "pid 77\ntotal 4\nstep 1\nstep 2\nend at 0.5 s\n";
        assert_eq!(
            bless(block, printed).unwrap(),
            "pid {int}\ntotal 4\n...\nend at {duration}\n"
        );
        // A wildcard that no longer matches goes; a changed line comes in.
        assert_eq!(
            bless("took {duration}\nok\n", "took forever\nok\n").unwrap(),
            "took forever\nok\n"
        );
        // Lines added after the end, and lines gone.
        assert_eq!(bless("a\nb\nc\n", "a\nc\nd\n").unwrap(), "a\nc\nd\n");
        assert_eq!(bless("", "x\n").unwrap(), "x\n");
        // The result always matches what was printed.
        for (block, printed) in [("...\nz", "a\nb"), ("{hex} {int}", "0x1 2\n3"), ("...", "")] {
            let new = bless(block, printed).unwrap();
            assert!(compare(&new, printed).is_ok(), "{block:?} → {new:?}");
        }
        // Printed text that would read as a wildcard cannot be written.
        assert_eq!(bless("a", "{int}"), None);
    }

    #[test]
    fn literal_lines_ignore_trailing_space_and_blank_lines() {
        assert!(compare("a\nb\n", "a  \nb\n\n\n").is_ok());
        assert!(compare("a\nb", "a\nc").is_err());
        assert!(
            compare("a (1+1)*[x]", "a (1+1)*[x]").is_ok(),
            "regex characters are literal"
        );
    }

    #[test]
    fn wildcards_match_what_varies() {
        assert!(compare("pid {int}, took {duration}", "pid 4021, took 0.43 s").is_ok());
        assert!(compare("at {hex}", "at 0x7f3a9c00").is_ok());
        assert!(compare("speed-up {num}x", "speed-up 1.87x").is_ok());
        assert!(compare("speed-up {num}x", "speed-up fast").is_err());
        assert!(
            compare(
                "Traceback ...\nValueError: bad",
                "Traceback (most recent call last):\nValueError: bad"
            )
            .is_ok()
        );
        assert!(compare("start\n...\nend", "start\nend").is_ok());
        assert!(compare("start\n...\nend", "start\n1\n2\n3\nend").is_ok());
        assert!(compare("start\n...\nend", "start\n1\nnot the end").is_err());
        assert!(compare("...\nlast", "a\nb\nlast").is_ok());
    }

    #[test]
    fn a_huge_line_of_wildcards_is_compared_as_written_instead_of_failing() {
        let line = "a...".repeat(10_000);
        assert!(compare(&line, &line).is_ok());
        assert!(compare(&line, "a").is_err());
    }

    #[test]
    fn a_mismatch_is_a_unified_diff() {
        let diff = compare("one\ntwo\nthree\n", "one\n2\nthree\n").unwrap_err();
        assert!(diff.contains("-two"), "{diff}");
        assert!(diff.contains("+2"), "{diff}");
        assert!(diff.contains("expected (the output block)"), "{diff}");
    }

    #[test]
    fn a_long_or_hostile_diff_is_capped_and_inert() {
        let printed: String = (0..100).map(|i| format!("\x1b[2J::error::{i}\n")).collect();
        let diff = compare("one\n", &printed).unwrap_err();
        assert!(diff.lines().count() <= 13, "{diff}");
        assert!(diff.ends_with("more lines"), "{diff}");
        assert!(!diff.contains('\x1b'), "{diff}");
        assert!(diff.contains("+\\x1b[2J::error::0"), "{diff}");
    }
}
