//! No function in `src/pipeline/` or `src/execute/` runs past 80 lines,
//! from its signature to its closing brace (the same reading as
//! `scripts/long-functions`), so the named steps the refactor made stay
//! named steps. Unit tests are left out: a test may be as long as its
//! case needs.

use std::path::Path;

const LIMIT: usize = 80;
const FOLDERS: [&str; 2] = ["src/pipeline", "src/execute"];

/// A function's name, if `line` opens one (`pub`, `pub(crate)`, `const`,
/// `unsafe` and `async` allowed in front), with the line's indent.
fn opens_fn(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start();
    let indent = &line[..line.len() - rest.len()];
    let mut rest = rest;
    if let Some(after) = rest.strip_prefix("pub") {
        rest = match after.strip_prefix('(') {
            Some(scope) => scope.split_once(')')?.1,
            None => after,
        };
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        rest = rest.trim_start();
    }
    loop {
        let before = rest;
        for word in ["const ", "unsafe ", "async "] {
            if let Some(after) = rest.strip_prefix(word) {
                rest = after.trim_start();
            }
        }
        if rest == before {
            break;
        }
    }
    let name = rest.strip_prefix("fn ")?.trim_start();
    let end = name
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(name.len());
    (end > 0).then(|| (indent, &name[..end]))
}

/// `(lines, "file:line name")` of each function in `text` longer than
/// `limit`, up to the file's `#[cfg(test)]` module.
fn long_functions(rel: &str, text: &str, limit: usize) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let Some((indent, name)) = opens_fn(line) else {
            continue;
        };
        // A declaration without a body (in a trait), or a body on the
        // signature's line, is one line.
        let one_line = line.trim_end().ends_with(';')
            || (line.contains('{') && line.trim_end().ends_with('}'));
        let end = if one_line {
            i
        } else {
            let close = format!("{indent}}}");
            (i..lines.len())
                .find(|&j| lines[j] == close)
                .unwrap_or(lines.len() - 1)
        };
        let length = end - i + 1;
        if length > limit {
            found.push((length, format!("{rel}:{} {name}", i + 1)));
        }
    }
    found
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy();
        if name.ends_with(".rs") && !name.ends_with("_tests.rs") && name != "tests.rs" {
            out.push(path);
        }
    }
}

#[test]
fn no_function_in_pipeline_or_execute_passes_the_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for folder in FOLDERS {
        let mut files = Vec::new();
        sources(&root.join(folder), &mut files);
        assert!(!files.is_empty(), "no sources under {folder}");
        for path in files {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy();
            let text = std::fs::read_to_string(&path).unwrap();
            found.extend(long_functions(&rel, &text, LIMIT));
        }
    }
    found.sort_by(|a, b| b.cmp(a));
    let listed: Vec<String> = found.iter().map(|(n, at)| format!("{n:5} {at}")).collect();
    assert!(
        found.is_empty(),
        "functions over {LIMIT} lines; split each into named steps with one job each \
         (scripts/long-functions lists them):\n{}",
        listed.join("\n")
    );
}

/// The reading itself: a long function is found and measured from its
/// signature to its brace, a short one and one in the test module are not.
#[test]
fn the_reading_finds_a_long_function_and_skips_tests() {
    let body = "    let x = 1;\n".repeat(5);
    let text = format!(
        "pub(super) fn long(\n    a: u8,\n) {{\n{body}}}\n\nfn short() {{}}\n\n\
         impl X {{\n    pub async fn method() {{\n{body}    }}\n}}\n\n\
         #[cfg(test)]\nmod tests {{\n    fn in_test() {{\n{body}    }}\n}}\n"
    );
    let found = long_functions("f.rs", &text, 4);
    assert_eq!(
        found,
        vec![
            (9, "f.rs:1 long".to_owned()),
            (7, "f.rs:14 method".to_owned())
        ]
    );
    assert!(opens_fn("    fn declared(&self) -> u8;").is_some());
    assert_eq!(opens_fn("let fnord = 1;"), None);
    assert_eq!(opens_fn("pubfn x() {"), None);
}
