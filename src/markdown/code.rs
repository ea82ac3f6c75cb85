//! Fenced code blocks: the info string and hidden lines.
//!
//! The info string is split the way mdBook splits it (on commas and white
//! space, case kept), so `rust,ignore` and `python id=x norun` both work:
//! the first word is the language, the rest are attributes.

/// The parsed info string of a fence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CodeInfo {
    pub lang: Option<String>,
    pub attrs: Vec<String>,
}

impl CodeInfo {
    pub fn parse(info: &str) -> CodeInfo {
        let mut words = info
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty());
        let lang = words.next().map(str::to_owned);
        CodeInfo {
            lang,
            attrs: words.map(str::to_owned).collect(),
        }
    }

    /// Whether the fence is a ```` ```claim ```` block.
    pub fn is_claim(&self) -> bool {
        self.lang.as_deref() == Some("claim")
    }

    /// A claim's `id=` (checked at parse time: valid, given at most once).
    pub fn claim_id(&self) -> Option<&str> {
        self.attrs.iter().find_map(|a| a.strip_prefix("id="))
    }

    /// mdBook's `hidelines=PREFIX`: lines starting with PREFIX are hidden,
    /// in any language, instead of the language's own rule.
    pub fn hidelines(&self) -> Option<&str> {
        self.attrs
            .iter()
            .find_map(|a| a.strip_prefix("hidelines="))
            .filter(|p| !p.is_empty())
    }

    /// The block's lines, hidden ones marked by `hidelines=` or its language.
    pub fn lines<'a>(&self, code: &'a str) -> Vec<CodeLine<'a>> {
        match self.hidelines() {
            Some(prefix) => code.lines().map(|l| prefixed_line(l, prefix)).collect(),
            None => lines(self.lang.as_deref(), code),
        }
    }
}

/// A line hidden by a `hidelines=` prefix keeps its indent, as in mdBook.
fn prefixed_line<'a>(line: &'a str, prefix: &str) -> CodeLine<'a> {
    let trimmed = line.trim_start();
    match trimmed.strip_prefix(prefix) {
        Some(rest) => CodeLine {
            text: format!("{}{rest}", &line[..line.len() - trimmed.len()]).into(),
            hidden: true,
        },
        None => CodeLine {
            text: line.into(),
            hidden: false,
        },
    }
}

/// One line of a code block as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLine<'a> {
    /// The text shown (with the hiding prefix removed), without newline.
    pub text: std::borrow::Cow<'a, str>,
    /// Set-up lines that run but are folded away on the page.
    pub hidden: bool,
}

/// Splits `code` into lines and marks the hidden ones for `lang`:
/// Rust hides `# ` lines (and shows `##` as `#`) as rustdoc does; Python
/// hides lines that start with `#! ` (or are just `#!`), which stay valid
/// Python comments when the file is run outside proofbook.
pub fn lines<'a>(lang: Option<&str>, code: &'a str) -> Vec<CodeLine<'a>> {
    code.lines()
        .map(|line| match lang {
            Some("rust") => rust_line(line),
            Some("python" | "py" | "python3") => python_line(line),
            _ => CodeLine {
                text: line.into(),
                hidden: false,
            },
        })
        .collect()
}

fn rust_line(line: &str) -> CodeLine<'_> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    if trimmed == "#" {
        CodeLine {
            text: "".into(),
            hidden: true,
        }
    } else if let Some(rest) = trimmed.strip_prefix("# ") {
        CodeLine {
            text: format!("{indent}{rest}").into(),
            hidden: true,
        }
    } else if let Some(rest) = trimmed.strip_prefix("##") {
        CodeLine {
            text: format!("{indent}#{rest}").into(),
            hidden: false,
        }
    } else {
        CodeLine {
            text: line.into(),
            hidden: false,
        }
    }
}

fn python_line(line: &str) -> CodeLine<'_> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    if trimmed == "#!" {
        CodeLine {
            text: "".into(),
            hidden: true,
        }
    } else if let Some(rest) = trimmed.strip_prefix("#! ") {
        CodeLine {
            text: format!("{indent}{rest}").into(),
            hidden: true,
        }
    } else {
        CodeLine {
            text: line.into(),
            hidden: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_strings_split_like_mdbook() {
        let info = |s| CodeInfo::parse(s);
        assert_eq!(
            info("rust,ignore"),
            CodeInfo {
                lang: Some("rust".into()),
                attrs: vec!["ignore".into()]
            }
        );
        assert_eq!(info("rust ,ignore"), info("rust,ignore"));
        assert_eq!(info("rust, editable").attrs, ["editable"]);
        assert_eq!(info("python id=x norun").attrs, ["id=x", "norun"]);
        assert_eq!(info("Rust").lang.as_deref(), Some("Rust"));
        assert_eq!(info(""), CodeInfo::default());
    }

    #[test]
    fn rust_and_python_hidden_lines() {
        let shown = |lang, code| {
            lines(Some(lang), code)
                .iter()
                .map(|l| format!("{}{}", if l.hidden { "~" } else { "" }, l.text))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shown(
                "rust",
                "# use x;\n#\nfn f() {\n    # let a = 1;\n    ##[derive]\n#[test]\n}"
            ),
            [
                "~use x;",
                "~",
                "fn f() {",
                "~    let a = 1;",
                "    #[derive]",
                "#[test]",
                "}"
            ]
        );
        assert_eq!(
            shown(
                "python",
                "#!/usr/bin/env python3\n#! import helper\nprint(1)  # ok\n    #! x = 1"
            ),
            [
                "#!/usr/bin/env python3",
                "~import helper",
                "print(1)  # ok",
                "~    x = 1"
            ]
        );
        assert_eq!(shown("text", "# not hidden"), ["# not hidden"]);
    }

    #[test]
    fn hidelines_prefix_hides_in_any_language() {
        let shown = |info, code| {
            CodeInfo::parse(info)
                .lines(code)
                .iter()
                .map(|l| format!("{}{}", if l.hidden { "~" } else { "" }, l.text))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shown(
                "python,hidelines=!!!",
                "!!!setup()\nrun()\n  !!!x = 1\n#! kept"
            ),
            ["~setup()", "run()", "~  x = 1", "#! kept"]
        );
        assert_eq!(shown("text hidelines=%", "%a\nb"), ["~a", "b"]);
        assert_eq!(shown("rust,hidelines=", "# a"), ["~a"]);
    }
}
