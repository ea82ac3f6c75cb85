//! Highlighted lines kept for the next time the same line comes in the
//! same state.
//!
//! syntect highlights a line from the state the lines before left (an open
//! string, bracket or block) and gives the state after it; for the same
//! line in the same state it gives the same HTML and the same next state.
//! Code repeats itself across a book (`import asyncio`, `return result`,
//! `if __name__ == "__main__":`, blank lines), nearly always at the top
//! level of its grammar, so a line highlighted once is looked up after
//! that: highlighting was a quarter of a large book's cold build.
//!
//! syntect's states can be compared but not hashed, so each grammar keeps
//! a short list of the states lines started or ended in (`STATES`), and a
//! line is keyed by its text and the number of its state in that list. A
//! line whose start or end state is not among them is highlighted as
//! always and not kept. Both lists are bounded, so the memo's memory is.
//!
//! A state holds regex captures that may not cross threads, so each thread
//! keeps its own memo. Grammars are named by `Grammar` (which set, and the
//! grammar's name), not by address: the sets are the binary's own, the
//! same in every `Highlighter`, so what one highlighter kept holds for the
//! next on the thread.

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use syntect::highlighting::HighlightState;
use syntect::parsing::ParseState;

/// States kept per grammar.
const STATES: usize = 8;
/// Lines kept in all.
const LINES: usize = 8192;

/// The parser's and the highlighter's state between two lines.
pub(crate) type LineState = (ParseState, HighlightState);

/// A grammar: whether it is one of proofbook's own, and its name.
pub(crate) type Grammar = (bool, String);

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

#[cfg(test)]
thread_local! {
    /// Tests compare highlighting with and without the memo.
    pub(crate) static OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread's memo is switched off (only tests do).
fn off() -> bool {
    #[cfg(test)]
    return OFF.get();
    #[cfg(not(test))]
    false
}

/// This thread's memo, for all grammars.
pub(crate) struct LineMemo;

#[derive(Default)]
struct Memo {
    grammars: FxHashMap<Grammar, GrammarMemo>,
    /// Lines kept in all.
    kept: usize,
}

/// What one grammar's lines left.
#[derive(Default)]
struct GrammarMemo {
    states: Vec<LineState>,
    /// For each start state (by its number in `states`), its lines.
    lines: Vec<Lines>,
}

/// Line → (HTML, end state's number).
type Lines = FxHashMap<Box<str>, (Box<str>, u8)>;

impl LineMemo {
    /// The HTML of `line` in grammar `syntax`, started in `state`, when it
    /// was kept, with its end state when that is another one.
    pub fn get(
        syntax: &Grammar,
        state: &LineState,
        line: &str,
    ) -> Option<(String, Option<LineState>)> {
        if off() {
            return None;
        }
        MEMO.with_borrow(|memo| {
            let g = memo.grammars.get(syntax)?;
            let start = g.states.iter().position(|s| s == state)?;
            let (html, end) = g.lines[start].get(line)?;
            let end = (*end as usize != start).then(|| g.states[*end as usize].clone());
            Some((html.to_string(), end))
        })
    }

    /// Keeps `html` as what `line` makes from `start` in grammar `syntax`,
    /// leaving `end`, while there is room.
    pub fn put(syntax: &Grammar, start: &LineState, line: &str, html: &str, end: &LineState) {
        MEMO.with_borrow_mut(|memo| {
            if off() || memo.kept >= LINES {
                return;
            }
            if !memo.grammars.contains_key(syntax) {
                memo.grammars.insert(syntax.clone(), GrammarMemo::default());
            }
            let g = memo.grammars.get_mut(syntax).expect("just added");
            let (Some(start), Some(end)) = (g.number(start), g.number(end)) else {
                return;
            };
            let lines = &mut g.lines[start as usize];
            if lines
                .insert(Box::from(line), (Box::from(html), end))
                .is_none()
            {
                memo.kept += 1;
            }
        })
    }
}

impl GrammarMemo {
    /// `state`'s number, added when there is room.
    fn number(&mut self, state: &LineState) -> Option<u8> {
        if let Some(i) = self.states.iter().position(|s| s == state) {
            return Some(i as u8);
        }
        if self.states.len() >= STATES {
            return None;
        }
        self.states.push(state.clone());
        self.lines.push(FxHashMap::default());
        Some(self.states.len() as u8 - 1)
    }
}
