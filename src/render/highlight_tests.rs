use super::*;
use crate::markdown::code::lines;

fn hl(lang: &str, code: &str) -> String {
    Highlighter::default().highlight(Some(lang), &lines(Some(lang), code))
}

#[test]
fn python_tokens_get_short_flat_classes() {
    let html = hl(
        "python",
        "#! import os\n@cache\ndef f(x=1):\n    return \"a\\nb\" if x else None  # done\n",
    );
    insta::assert_snapshot!(html);
    assert!(!html.contains("style="), "no inline colours");
    assert!(
        !html.contains("<span class=\"hl-k\"><span"),
        "spans are never nested"
    );
}

#[test]
fn other_languages_use_syntects_stock_grammars() {
    let html = hl("rust", "fn main() { let x = 1; }\n");
    assert!(html.starts_with("<span class=\"hl-kd\">fn"), "{html}");
    assert!(html.contains("<span class=\"hl-nf\">main</span>"), "{html}");
    assert!(html.contains("<span class=\"hl-m\">1</span>"), "{html}");
}

#[test]
fn unknown_language_is_escaped_plain_text() {
    let html = Highlighter::default().highlight(Some("no-such-lang"), &lines(None, "a < b && c\n"));
    assert_eq!(html, "a &lt; b &amp;&amp; c\n");
}

#[test]
fn every_line_is_balanced_so_hidden_lines_can_be_wrapped() {
    let h = Highlighter::default();
    let (syntax, set) = h.find("python").unwrap();
    let lines = h
        .classed_lines("x = \"\"\"multi\nline\"\"\"\nprint(x)\n", syntax, set)
        .unwrap();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert_eq!(
            line.matches("<span").count(),
            line.matches("</span>").count(),
            "{line}"
        );
    }
    assert_eq!(
        lines[1], "<span class=\"hl-s\">line\"\"\"</span>",
        "the string goes on across the line break"
    );
}

#[test]
fn css_has_a_light_palette_and_a_scoped_dark_one() {
    let css = Highlighter::css();
    assert!(css.contains(".hl-k { color: #"), "{css}");
    assert!(css.contains("html[data-theme=\"dark\"] .hl-code {"));
    assert!(css.contains("@media (prefers-color-scheme: dark)"));
    assert!(css.contains("html:not([data-theme=\"light\"]) .hl-s {"));
    for (class, _, _) in CLASSES {
        assert!(
            css.contains(&format!(".hl-{class} {{")),
            "missing a rule for {class}"
        );
    }
}

#[test]
fn every_class_reaches_aa_contrast_in_both_palettes() {
    let themes = ThemeSet::load_defaults();
    for (name, bg) in [(LIGHT_THEME, LIGHT_CODE_BG), (DARK_THEME, DARK_CODE_BG)] {
        let theme = &themes.themes[name];
        let matcher = ThemeMatcher::new(theme);
        for (class, _, scope) in CLASSES {
            let raw = matcher
                .style_for_stack(&[Scope::new(scope).unwrap()])
                .foreground;
            let shown = readable(raw, bg);
            assert!(
                contrast(shown, bg) >= 4.5,
                "{name} hl-{class}: {:.2}",
                contrast(shown, bg)
            );
            if contrast(raw, bg) >= 4.5 {
                assert_eq!(
                    shown, raw,
                    "{name} hl-{class}: a readable colour is kept as the theme has it"
                );
            }
        }
    }
}

#[test]
fn code_backgrounds_match_the_default_themes_css() {
    let css = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/css/main.css"),
    )
    .unwrap();
    let hex = |c: Color| format!("--code-bg: #{:02x}{:02x}{:02x};", c.r, c.g, c.b);
    assert!(
        css.contains(&hex(LIGHT_CODE_BG)),
        "main.css's light --code-bg changed: update LIGHT_CODE_BG"
    );
    assert!(
        css.contains(&hex(DARK_CODE_BG)),
        "main.css's dark --code-bg changed: update DARK_CODE_BG"
    );
}

/// The bundled dump must match `syntaxes/*.sublime-syntax`: the grammar
/// built from the YAML and the one loaded from the dump must parse a sample
/// identically. (The dump's bytes are not stable between builds, since
/// syntect serialises hash maps, so behaviour is what is compared.) Run with
/// `UPDATE_SYNTAX_DUMP=1` after editing a grammar to rewrite the dump.
#[test]
fn syntax_dump_is_fresh() {
    use syntect::parsing::ParseState;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/render/syntaxes");
    let mut builder = syntect::parsing::SyntaxSetBuilder::new();
    builder.add_from_folder(&dir, true).unwrap();
    let fresh = builder.build();
    if std::env::var_os("UPDATE_SYNTAX_DUMP").is_some() {
        std::fs::write(
            dir.join("own.packdump"),
            syntect::dumps::dump_binary(&fresh),
        )
        .unwrap();
        return;
    }
    let bundled = Highlighter::default().own;
    let names = |set: &SyntaxSet| {
        set.syntaxes()
            .iter()
            .map(|s| (s.name.clone(), s.file_extensions.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&bundled),
        names(&fresh),
        "src/render/syntaxes/own.packdump is stale: run `UPDATE_SYNTAX_DUMP=1 cargo test syntax_dump`"
    );
    let sample = "@decorator\nasync def f(self, x=0x1F, *a):\n    r\"\"\"doc \\n\"\"\"\n    s = f'{x!r}' + b\"\\x00\" # note\n    return [i ** 2 for i in range(10) if i is not None]\nclass C(Base): pass\n";
    for syntax in fresh.syntaxes() {
        let mut a = ParseState::new(syntax);
        let mut b = ParseState::new(bundled.find_syntax_by_name(&syntax.name).unwrap());
        for line in sample.split_inclusive('\n') {
            assert_eq!(
                a.parse_line(line, &fresh).unwrap(),
                b.parse_line(line, &bundled).unwrap(),
                "src/render/syntaxes/own.packdump is stale: run `UPDATE_SYNTAX_DUMP=1 cargo test syntax_dump`"
            );
        }
    }
}

/// Code whose lines repeat in and out of strings, comments and brackets.
const REPEATS: &str =
    "x = 1\ns = \"\"\"\nx = 1\n\"\"\"\nx = 1\ncall(\n    x = 1,\n)\nx = 1  # x = 1\n";

#[test]
fn a_line_met_again_in_another_state_is_highlighted_for_that_state() {
    let html = hl("python", REPEATS);
    let lines: Vec<&str> = html.lines().collect();
    assert!(!lines[0].contains("hl-s"), "code: {}", lines[0]);
    assert!(lines[2].contains("hl-s"), "inside a string: {}", lines[2]);
    assert_eq!(lines[4], lines[0], "the same line at the top level again");
}

#[test]
fn kept_lines_give_what_highlighting_afresh_gives() {
    // Highlighted with the memo off, then twice with it on: the first time
    // fills it, the second takes every line from it.
    let blocks = [
        ("python", REPEATS),
        ("python", "def f():\n    return 1\n\n\nx = 1\n"),
        ("python", "'''doc\nx = 1\n'''\nx = 1\n"),
        (
            "rust",
            "fn main() {\n    let x = 1;\n}\nfn main() {\n    let x = 1;\n}\n",
        ),
    ];
    std::thread::spawn(move || {
        super::super::line_memo::OFF.set(true);
        let afresh: Vec<String> = blocks.iter().map(|(l, c)| hl(l, c)).collect();
        super::super::line_memo::OFF.set(false);
        for _ in 0..2 {
            let again: Vec<String> = blocks.iter().map(|(l, c)| hl(l, c)).collect();
            assert_eq!(again, afresh);
        }
    })
    .join()
    .unwrap();
}
