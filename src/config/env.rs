//! `MDBOOK_*` environment variables over book.toml, as mdBook reads them:
//! `MDBOOK_BOOK__TITLE="My book"` sets `book.title`. The name after
//! `MDBOOK_` is lowercased, `__` separates tables and `_` stands for `-`
//! (`MDBOOK_OUTPUT__HTML__SITE_URL` is `output.html.site-url`). A value
//! that parses as JSON is that JSON (`MDBOOK_BUILD='{"build-dir": "alt"}'`
//! replaces the `[build]` table), else it is a string. Only names under
//! mdBook's tables (book, build, rust, output, preprocessor) count, so
//! `MDBOOK_LOG` and a script's own `MDBOOK_VERSION` are left alone.
//!
//! The override is made in book.toml's text (`toml_edit` keeps every
//! other line where it was, so messages about them keep their lines), and
//! each one is reported, since a value that is not in the file surprises.

use crate::diag::{Diagnostic, Span};

const TABLES: [&str; 5] = ["book", "build", "rust", "output", "preprocessor"];

/// `text` with the overrides in `vars` made; a warning for each, an error
/// for one that cannot be made (its key runs through a value).
pub fn apply(
    text: &str,
    file: &std::path::Path,
    vars: impl IntoIterator<Item = (String, String)>,
) -> (Option<String>, Vec<Diagnostic>) {
    let mut overrides: Vec<(String, Vec<String>, String)> = vars
        .into_iter()
        .filter_map(|(name, value)| {
            let key = name
                .strip_prefix("MDBOOK_")?
                .to_lowercase()
                .replace("__", ".")
                .replace('_', "-");
            let path: Vec<String> = key.split('.').map(str::to_owned).collect();
            TABLES
                .contains(&path[0].as_str())
                .then_some((name, path, value))
        })
        .collect();
    if overrides.is_empty() {
        return (None, Vec::new());
    }
    // The environment's order is arbitrary; a fixed one makes `MDBOOK_BUILD`
    // (the whole table) come before `MDBOOK_BUILD__X` (a key in it).
    overrides.sort();
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else {
        // The file's own error is reported when it is read.
        return (None, Vec::new());
    };
    let mut diags = Vec::new();
    for (name, path, value) in overrides {
        let key = path.join(".");
        match set(&mut doc, &path, &value) {
            Ok(()) => diags.push(
                Diagnostic::warning(
                    format!("`{key}` is set by the environment variable {name}, over book.toml"),
                    Some(Span::file(file)),
                )
                .with_help(format!("unset {name} to use book.toml's value")),
            ),
            Err(why) => diags.push(
                Diagnostic::error(
                    format!("the environment variable {name} cannot set `{key}`: {why}"),
                    Some(Span::file(file)),
                )
                .with_help(format!("unset {name}, or fix book.toml")),
            ),
        }
    }
    (Some(doc.to_string()), diags)
}

/// Sets `path` in `doc` to `value` (JSON, else a string).
fn set(doc: &mut toml_edit::DocumentMut, path: &[String], value: &str) -> Result<(), String> {
    let json: serde_json::Value =
        serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
    let item = to_item(&json)?;
    let (last, parents) = path.split_last().expect("a key has at least one part");
    let mut table: &mut dyn toml_edit::TableLike = doc.as_table_mut();
    for (i, part) in parents.iter().enumerate() {
        if !table.contains_key(part) {
            let mut new = toml_edit::Table::new();
            new.set_implicit(true);
            table.insert(part, toml_edit::Item::Table(new));
        }
        table = table
            .get_mut(part)
            .and_then(toml_edit::Item::as_table_like_mut)
            .ok_or_else(|| format!("`{}` in book.toml is not a table", path[..=i].join(".")))?;
    }
    table.insert(last, item);
    Ok(())
}

/// A JSON value as a TOML item: an object becomes a table, `null` is
/// refused (TOML has none).
fn to_item(json: &serde_json::Value) -> Result<toml_edit::Item, String> {
    if let serde_json::Value::Object(map) = json {
        let mut table = toml_edit::Table::new();
        for (k, v) in map {
            table.insert(k, to_item(v)?);
        }
        return Ok(toml_edit::Item::Table(table));
    }
    to_value(json).map(toml_edit::Item::Value)
}

fn to_value(json: &serde_json::Value) -> Result<toml_edit::Value, String> {
    Ok(match json {
        serde_json::Value::Null => return Err("TOML has no null".to_owned()),
        serde_json::Value::Bool(b) => (*b).into(),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or_default().into(),
        },
        serde_json::Value::String(s) => s.as_str().into(),
        serde_json::Value::Array(items) => {
            let mut array = toml_edit::Array::new();
            for item in items {
                array.push(to_value(item)?);
            }
            toml_edit::Value::Array(array)
        }
        serde_json::Value::Object(map) => {
            let mut table = toml_edit::InlineTable::new();
            for (k, v) in map {
                table.insert(k, to_value(v)?);
            }
            toml_edit::Value::InlineTable(table)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, vars: &[(&str, &str)]) -> (String, Vec<Diagnostic>) {
        let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let (out, diags) = apply(text, std::path::Path::new("book.toml"), vars);
        (out.unwrap_or_else(|| text.to_owned()), diags)
    }

    #[test]
    fn names_map_to_keys_and_values_to_json_or_strings() {
        let (out, diags) = run(
            "[book]\ntitle = \"File\"\n",
            &[
                ("MDBOOK_BOOK__TITLE", "Env title"),
                ("MDBOOK_OUTPUT__HTML__SITE_URL", "/x/"),
                (
                    "MDBOOK_PREPROCESSOR__CAT_TO_FILE",
                    r#"{"command": "c", "n": [1, 2]}"#,
                ),
                ("MDBOOK_LOG", "debug"),
                ("OTHER", "1"),
            ],
        );
        let table: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(table["book"]["title"].as_str(), Some("Env title"));
        assert_eq!(table["output"]["html"]["site-url"].as_str(), Some("/x/"));
        let pre = &table["preprocessor"]["cat-to-file"];
        assert_eq!(pre["command"].as_str(), Some("c"));
        assert_eq!(pre["n"].as_array().unwrap().len(), 2);
        assert!(!table.contains_key("log"));
        assert_eq!(diags.len(), 3);
        assert!(diags[0].message.contains("MDBOOK_BOOK__TITLE"), "{diags:?}");
    }

    #[test]
    fn a_whole_table_is_replaced_and_other_lines_stay() {
        let (out, _) = run(
            "[book]\ntitle = \"T\"\n\n[build]\nbuild-dir = \"out\"\ncreate-missing = false\n",
            &[("MDBOOK_BUILD", r#"{"build-dir": "alt"}"#)],
        );
        let table: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(table["build"]["build-dir"].as_str(), Some("alt"));
        assert!(
            !table["build"]
                .as_table()
                .unwrap()
                .contains_key("create-missing")
        );
        assert!(out.starts_with("[book]\ntitle = \"T\"\n"), "{out}");
    }

    #[test]
    fn a_key_through_a_value_is_an_error() {
        let (_, diags) = run("[book]\ntitle = \"T\"\n", &[("MDBOOK_BOOK__TITLE__X", "1")]);
        assert_eq!(diags[0].severity, crate::diag::Severity::Error);
        assert!(
            diags[0]
                .message
                .contains("`book.title` in book.toml is not a table"),
            "{diags:?}"
        );
    }
}
