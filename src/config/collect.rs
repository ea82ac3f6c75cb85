//! Every problem in book.toml in one run. serde stops at the first unknown
//! key or wrong type, so fixing a book.toml used to take one build per
//! mistake. Here the key at fault is taken out of a copy of the file and the
//! copy read again, until it reads cleanly; each error keeps the place of its
//! key in the file as the user wrote it.

use std::path::Path;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

use super::{ConfigError, invalid, keys};
use crate::diag::Span;

/// Beyond this many, the rest are not worth reading before fixing these.
const MAX_ERRORS: usize = 20;

/// Deserializes `text` (the book.toml at `file`) as `T`, or returns every
/// key-level error found (`ConfigError::Several` when there is more than
/// one). A syntax error stops at once: the rest of the file cannot be read.
pub(super) fn parse_all<T: DeserializeOwned>(text: &str, file: &Path) -> Result<T, ConfigError> {
    let first = match toml::from_str::<T>(text) {
        Ok(value) => return Ok(value),
        Err(e) => e,
    };
    let mut errors = vec![invalid(file, text, &first)];
    let (Ok(mut copy), Ok(original)) =
        (text.parse::<toml_edit::DocumentMut>(), DeTable::parse(text))
    else {
        return Err(errors.remove(0));
    };
    let original = original.get_ref();
    let mut current = text.to_owned();
    let mut err = first;
    while errors.len() < MAX_ERRORS {
        // The key the error is about, found in the copy it was read from.
        let removed = err
            .span()
            .and_then(|r| path_at(&current, r.start))
            .is_some_and(|path| remove(&mut copy, &path));
        if !removed {
            break;
        }
        current = copy.to_string();
        err = match toml::from_str::<T>(&current) {
            Ok(_) => break,
            Err(e) => e,
        };
        let Some(next_path) = err.span().and_then(|r| path_at(&current, r.start)) else {
            break;
        };
        let names: Vec<&str> = next_path.iter().map(String::as_str).collect();
        let span = keys::key_span(original, text, file, &names).unwrap_or_else(|| Span::file(file));
        let message = err.message().trim().to_owned();
        errors.push(ConfigError::Invalid {
            message: format!("invalid {}: {message}", super::CONFIG_FILE),
            span,
            help: keys::suggest_for_unknown_field(&message),
        });
    }
    if errors.len() == 1 {
        return Err(errors.remove(0));
    }
    // Found in the order serde met them, which follows its fields; the
    // user reads the file top to bottom.
    errors.sort_by_key(|e| match e {
        ConfigError::Invalid { span, .. } => (span.line, span.col),
        _ => (u32::MAX, 0),
    });
    Err(ConfigError::Several(errors))
}

/// The path of keys to whatever sits at byte `offset` of `text`: a key, or
/// a value that is not a table.
fn path_at(text: &str, offset: usize) -> Option<Vec<String>> {
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    find(doc.get_ref(), offset, &mut path).then_some(path)
}

fn find(table: &DeTable<'_>, offset: usize, path: &mut Vec<String>) -> bool {
    for (key, value) in table {
        path.push(key.get_ref().to_string());
        if key.span().contains(&offset) {
            return true;
        }
        match value.get_ref() {
            DeValue::Table(inner) if find(inner, offset, path) => return true,
            DeValue::Table(_) => {}
            _ if value.span().contains(&offset) => return true,
            _ => {}
        }
        path.pop();
    }
    false
}

/// Removes the key at `path` from `doc`; false when it is not there (then
/// reading again would find the same error).
fn remove(doc: &mut toml_edit::DocumentMut, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut table: &mut dyn toml_edit::TableLike = doc.as_table_mut();
    for name in parents {
        match table
            .get_mut(name)
            .and_then(|item| item.as_table_like_mut())
        {
            Some(inner) => table = inner,
            None => return false,
        }
    }
    table.remove(last).is_some()
}
