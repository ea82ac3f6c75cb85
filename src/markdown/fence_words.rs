//! The words of a fence's info string, and the option values that are
//! sandbox limits (`processes=`, `open-files=`), checked against the same
//! ranges as book.toml's.

use crate::config::{OPEN_FILES_RANGE, PROCESSES_RANGE};

/// A problem with one option: what is wrong, what to do, and the byte
/// offset of the option in the info string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    pub message: String,
    pub help: String,
    pub offset: usize,
}

/// The value of `processes=N` or `open-files=N`: a whole number in the
/// range book.toml accepts for the key; else the message and what to do.
pub(super) fn ask_limit(key: &str, value: &str) -> Result<u64, (String, String)> {
    let (min, max) = if key == "processes" {
        PROCESSES_RANGE
    } else {
        OPEN_FILES_RANGE
    };
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            (
                format!("`{key}={value}` is not a whole number from {min} to {max}"),
                format!("write e.g. `{key}={}`: the example's own limit, which it gets alone if the book's share is smaller", if key == "processes" { 2000 } else { 2048 }),
            )
        })
}

/// Words of `info` with their byte offsets: split on spaces and commas
/// outside double quotes; quotes are removed from values.
pub(super) fn tokens(info: &str) -> Result<Vec<(usize, String)>, OptionError> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = None;
    let mut quote_at = None;
    for (i, c) in info.char_indices() {
        match c {
            '"' if quote_at.is_none() => {
                quote_at = Some(i);
                start.get_or_insert(i);
            }
            '"' => quote_at = None,
            c if quote_at.is_none() && (c == ',' || c.is_whitespace()) => {
                if let Some(s) = start.take() {
                    out.push((s, std::mem::take(&mut current)));
                }
            }
            c => {
                start.get_or_insert(i);
                current.push(c);
            }
        }
    }
    if let Some(q) = quote_at {
        return Err(OptionError {
            message: "unclosed quote in the code block's options".into(),
            help: "close the `\"`".into(),
            offset: q,
        });
    }
    if let Some(s) = start {
        out.push((s, current));
    }
    Ok(out)
}
