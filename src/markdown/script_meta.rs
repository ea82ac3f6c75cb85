//! Inline script metadata (PEP 723) in an example's program: the
//! `# /// script` comment block that `uv run` and `pipx run` read, naming
//! the packages the script needs and the Pythons it runs on (#28).
//!
//! The block is found by PEP 723's rule: an opening line `# /// TYPE`, then
//! comment lines (`#` alone or `# ` and text), closed by the last `# ///`
//! of that run of comments. Only the `script` type means anything here;
//! two of them is an error (the PEP says so), and so is a block that never
//! closes or whose TOML is malformed, each at its line: an example whose
//! packages were silently ignored would run against the wrong ones.

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use serde::Deserialize;

/// What a script's metadata asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ScriptMeta {
    /// PEP 508 requirement strings, as written (pip checks them).
    pub dependencies: Vec<String>,
    /// `requires-python`, parsed.
    pub requires_python: Option<VersionSpecifiers>,
    /// The opening line's number in the program (from 1).
    pub line: usize,
}

/// A problem with the block, at a line of the program (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaError {
    pub line: usize,
    pub message: String,
    pub help: &'static str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawMeta {
    #[serde(default)]
    dependencies: Vec<String>,
    requires_python: Option<String>,
    /// Tools' own tables (`[tool.uv]`): theirs, not ours.
    #[allow(dead_code)]
    tool: Option<toml::Table>,
}

const HELP: &str = "write the block as PEP 723 says: `# /// script`, TOML lines each starting \
                    with `# `, then `# ///` (see README: Packages for one example)";

/// The `script` block of `program`, if it has one.
pub fn parse(program: &str) -> Result<Option<ScriptMeta>, MetaError> {
    let lines: Vec<&str> = program.lines().collect();
    let mut found: Option<(usize, Vec<String>)> = None;
    let mut i = 0;
    while i < lines.len() {
        let Some(kind) = lines[i].strip_prefix("# /// ") else {
            i += 1;
            continue;
        };
        if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            i += 1;
            continue;
        }
        let opening = i;
        // The run of comment lines after the opening; it closes at its
        // last `# ///`.
        let run_end = (opening + 1..lines.len())
            .find(|&j| !is_content(lines[j]))
            .unwrap_or(lines.len());
        let Some(closing) = (opening + 1..run_end).rev().find(|&j| lines[j] == "# ///") else {
            return Err(MetaError {
                line: opening + 1,
                message: format!("the `# /// {kind}` block is not closed by a line `# ///`"),
                help: HELP,
            });
        };
        if kind == "script" {
            if let Some((first, _)) = &found {
                return Err(MetaError {
                    line: opening + 1,
                    message: format!(
                        "a second `# /// script` block (the first is at line {})",
                        first + 1
                    ),
                    help: "keep one block of script metadata per example",
                });
            }
            let content = lines[opening + 1..closing]
                .iter()
                .map(|l| l.strip_prefix("# ").unwrap_or(&l[1..]).to_owned())
                .collect();
            found = Some((opening, content));
        }
        i = closing + 1;
    }
    let Some((opening, content)) = found else {
        return Ok(None);
    };
    meta_of(opening, &content).map(Some)
}

/// `#` alone or `# ` and text: a line of a metadata block.
fn is_content(line: &str) -> bool {
    line == "#" || line.starts_with("# ")
}

fn meta_of(opening: usize, content: &[String]) -> Result<ScriptMeta, MetaError> {
    let toml_text = content.join("\n");
    let raw: RawMeta = toml::from_str(&toml_text).map_err(|e| {
        // The TOML's line, counted from the line after the opening.
        let at = e
            .span()
            .map_or(0, |s| toml_text[..s.start].matches('\n').count());
        MetaError {
            line: opening + 2 + at,
            message: format!("the script metadata is not valid: {}", e.message()),
            help: HELP,
        }
    })?;
    if let Some(empty) = raw.dependencies.iter().find(|d| d.trim().is_empty()) {
        return Err(MetaError {
            line: opening + 1,
            message: format!("`dependencies` holds an empty requirement `{empty}`"),
            help: "each entry is a requirement such as \"requests>=2.31\"",
        });
    }
    let requires_python = match raw.requires_python {
        None => None,
        Some(text) => Some(VersionSpecifiers::from_str(&text).map_err(|e| MetaError {
            line: opening + 1,
            message: format!("`requires-python = \"{text}\"` is not a version specifier: {e}"),
            help: "write it as pip does, e.g. \">=3.12\" or \">=3.11,<3.14\"",
        })?),
    };
    Ok(ScriptMeta {
        dependencies: raw.dependencies,
        requires_python,
        line: opening + 1,
    })
}

impl ScriptMeta {
    /// Whether an interpreter of `version` ("3.13.5") meets
    /// `requires-python`; an unreadable version meets nothing.
    pub fn runs_on(&self, version: &str) -> bool {
        match (&self.requires_python, Version::from_str(version)) {
            (None, _) => true,
            (Some(spec), Ok(v)) => spec.contains(&v),
            (Some(_), Err(_)) => false,
        }
    }

    /// The packages as a set: sorted, without repeats, so two examples
    /// that ask for the same ones in another order share an environment.
    pub fn package_set(&self) -> Vec<String> {
        let mut set: Vec<String> = self
            .dependencies
            .iter()
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        set.sort();
        set.dedup();
        set
    }
}

/// An example's script block, with where it is in the book.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Script {
    pub meta: ScriptMeta,
    /// Its opening line in the chapter or the `file=` program, when that
    /// can be told (else the fence).
    pub span: Option<crate::diag::Span>,
}

/// Reads the script block of `block`'s program (hidden lines included, so
/// a block readers do not see still counts; the whole file for `file=`)
/// into `block.script`; a malformed block is an error at its line.
pub fn attach(block: &mut crate::markdown::CodeBlock, diags: &mut Vec<crate::diag::Diagnostic>) {
    use crate::diag::{Diagnostic, Span};
    if !block.example.as_ref().is_some_and(|e| e.run) {
        return;
    }
    let program = match &block.program_file {
        Some(path) => match crate::fsutil::read_to_string(path) {
            Ok(text) => text,
            Err(_) => return, // the job reports a program it cannot read
        },
        None => block
            .info
            .lines(&block.code)
            .iter()
            .map(|l| format!("{}\n", l.text))
            .collect(),
    };
    let at = |line: usize| -> Option<Span> {
        match (&block.program_file, &block.code_origin) {
            (Some(file), _) => Some(Span::new(file, line as u32, 1, 1)),
            (None, Some(origin)) => {
                Some(Span::new(&origin.file, origin.line + line as u32 - 1, 1, 1))
            }
            (None, None) => block.span.clone(),
        }
    };
    match parse(&program) {
        Ok(Some(meta)) => {
            let span = at(meta.line);
            block.script = Some(Script { meta, span });
        }
        Ok(None) => {}
        Err(e) => diags.push(Diagnostic::error(e.message, at(e.line)).with_help(e.help)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "\
import sys
# /// script
# requires-python = \">=3.12\"
# dependencies = [
#   \"uvloop>=0.19\",
#   \"rich\",
# ]
#
# [tool.uv]
# exclude-newer = \"2026-01-01T00:00:00Z\"
# ///
print(sys.version)
";

    #[test]
    fn a_script_block_is_read_as_uv_reads_it() {
        let meta = parse(SCRIPT).unwrap().unwrap();
        assert_eq!(meta.line, 2);
        assert_eq!(meta.dependencies, vec!["uvloop>=0.19", "rich"]);
        assert!(meta.runs_on("3.12.1"));
        assert!(meta.runs_on("3.13.5"));
        assert!(!meta.runs_on("3.11.7"));
        assert_eq!(meta.package_set(), vec!["rich", "uvloop>=0.19"]);
    }

    #[test]
    fn no_block_and_other_types_are_nothing() {
        assert_eq!(parse("print(1)\n# a comment\n").unwrap(), None);
        let other = "# /// pyproject\n# [project]\n# ///\nprint(1)\n";
        assert_eq!(parse(other).unwrap(), None);
    }

    #[test]
    fn the_block_closes_at_the_last_closing_line_of_its_comment_run() {
        // Two closing lines in one run of comments: the block ends at the
        // second, so the first is TOML (and not valid TOML).
        let text = "# /// script\n# dependencies = [\"a\"]\n# ///\n# ///\nx = 1\n";
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("not valid"), "{err:?}");
        let text = "# /// script\n# dependencies = [\"a\"]\n# ///\n\n# /// other\n# ///\n";
        assert_eq!(parse(text).unwrap().unwrap().dependencies, vec!["a"]);
    }

    #[test]
    fn each_malformed_block_is_an_error_at_its_line() {
        let unclosed = "x = 1\n# /// script\n# dependencies = []\nprint(1)\n";
        let err = parse(unclosed).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("not closed"), "{err:?}");

        let twice = "# /// script\n# ///\nx = 1\n# /// script\n# ///\n";
        let err = parse(twice).unwrap_err();
        assert_eq!(err.line, 4);
        assert!(err.message.contains("second"), "{err:?}");

        let bad_toml = "# /// script\n# dependencies = [\"a\"]\n# requires-python = >=3\n# ///\n";
        let err = parse(bad_toml).unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");

        let typo = "# /// script\n# dependency = [\"a\"]\n# ///\n";
        let err = parse(typo).unwrap_err();
        assert!(err.message.contains("dependency"), "{err:?}");

        let spec = "# /// script\n# requires-python = \"3.12+\"\n# ///\n";
        let err = parse(spec).unwrap_err();
        assert!(err.message.contains("not a version specifier"), "{err:?}");
    }
}
