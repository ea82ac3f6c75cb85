//! Build-time syntax highlighting with syntect, into a small set of CSS
//! classes.
//!
//! syntect parses each line into a stack of scopes; a token's class is the
//! entry of `CLASSES` whose selector matches that stack best (syntect's own
//! theme matching does the work: a generated theme whose "colour" for each
//! selector is the class's index). Tokens get flat, short spans
//! (`<span class="hl-k">def</span>`), never nested, so a line is always a
//! balanced piece of HTML and the pages stay small. Colours live in a
//! generated stylesheet (`css()`: a light palette, and a dark one scoped to
//! the dark theme), never inline.
//!
//! Python, the language whose examples proofbook runs, uses a compact
//! grammar of our own (`syntaxes/Python.sublime-syntax`, about six times
//! faster than the stock one, which dominated build time); every other
//! language uses syntect's stock set. Both load from precompiled dumps: no
//! `.sublime-syntax` file is parsed when a book is built.

use std::str::FromStr;

use syntect::highlighting::{
    Color, FontStyle, HighlightIterator, HighlightState, Highlighter as ThemeMatcher,
    ScopeSelectors, StyleModifier, Theme, ThemeItem, ThemeSet, ThemeSettings,
};
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::line_memo::{Grammar, LineMemo, LineState};
use crate::markdown::code::CodeLine;

/// Token classes: the CSS class (after `hl-`), the scope selector that picks
/// it, and the scope whose colour in a real theme becomes its colour.
const CLASSES: &[(&str, &str, &str)] = &[
    ("c", "comment", "comment.line"),
    ("s", "string", "string.quoted.double"),
    (
        "se",
        "constant.character.escape",
        "constant.character.escape",
    ),
    ("k", "keyword", "keyword.control"),
    ("o", "keyword.operator", "keyword.operator"),
    ("kd", "storage", "storage.type"),
    ("m", "constant.numeric", "constant.numeric"),
    ("kc", "constant.language", "constant.language"),
    (
        "cn",
        "constant.other, variable.other.constant",
        "constant.other",
    ),
    ("nf", "entity.name.function", "entity.name.function"),
    (
        "nd",
        "entity.name.function.decorator, meta.annotation, punctuation.definition.annotation",
        "entity.name.function.decorator",
    ),
    (
        "nc",
        "entity.name.class, entity.name.type, entity.name.struct, entity.name.enum",
        "entity.name.class",
    ),
    (
        "nb",
        "support.function, support.type, support.class, support.constant",
        "support.function",
    ),
    ("mc", "support.macro, entity.name.macro", "support.macro"),
    (
        "v",
        "variable.language, variable.parameter",
        "variable.language",
    ),
    ("t", "entity.name.tag", "entity.name.tag"),
    (
        "at",
        "entity.other.attribute-name",
        "entity.other.attribute-name",
    ),
    ("mh", "markup.heading", "markup.heading"),
    ("ins", "markup.inserted", "markup.inserted"),
    ("del", "markup.deleted", "markup.deleted"),
];

const LIGHT_THEME: &str = "InspiredGitHub";
const DARK_THEME: &str = "base16-ocean.dark";

/// The backgrounds the default theme paints code blocks on (`--code-bg` in
/// its main.css, checked by a test): colours are made readable on these,
/// not on the syntect themes' own backgrounds, which the page never shows.
pub(crate) const LIGHT_CODE_BG: Color = Color {
    r: 0xf6,
    g: 0xf8,
    b: 0xfa,
    a: 255,
};
pub(crate) const DARK_CODE_BG: Color = Color {
    r: 0x1a,
    g: 0x1e,
    b: 0x24,
    a: 255,
};

/// The compiled dump of `syntaxes/`, refreshed by the `syntax_dump_is_fresh`
/// test (`UPDATE_SYNTAX_DUMP=1 cargo test syntax_dump`).
static OWN_SYNTAXES: &[u8] = include_bytes!("syntaxes/own.packdump");

pub struct Highlighter {
    stock: SyntaxSet,
    own: SyntaxSet,
    /// Maps scope stacks to class indices (see the module docs).
    classes: Theme,
}

impl Default for Highlighter {
    fn default() -> Self {
        Highlighter {
            stock: SyntaxSet::load_defaults_newlines(),
            own: syntect::dumps::from_reader(OWN_SYNTAXES)
                .expect("the bundled syntax dump is valid"),
            classes: class_theme(),
        }
    }
}

impl Highlighter {
    /// The inner HTML of a `<code>` element for `lines`: highlighted when the
    /// language is known, escaped text otherwise; hidden lines wrapped in
    /// `<span class="hidden-line">`.
    pub fn highlight(&self, lang: Option<&str>, lines: &[CodeLine<'_>]) -> String {
        self.highlight_marked(lang, lines, None)
    }

    /// `highlight`, with line `failing` (1-based) wrapped in
    /// `<mark class="failing-line">`: where the example's traceback ended.
    pub fn highlight_marked(
        &self,
        lang: Option<&str>,
        lines: &[CodeLine<'_>],
        failing: Option<u32>,
    ) -> String {
        let source: String = lines.iter().map(|l| format!("{}\n", l.text)).collect();
        let rendered = match lang.and_then(|l| self.find(l)) {
            Some((syntax, set)) => self.classed_lines(&source, syntax, set),
            None => None,
        };
        let rendered = rendered.unwrap_or_else(|| lines.iter().map(|l| escape(&l.text)).collect());
        join(lines, rendered, failing.map(|n| n as usize))
    }

    fn find(&self, lang: &str) -> Option<(&SyntaxReference, &SyntaxSet)> {
        if let Some(s) = self.own.find_syntax_by_token(lang) {
            return Some((s, &self.own));
        }
        self.stock
            .find_syntax_by_token(lang)
            .map(|s| (s, &self.stock))
    }

    /// One HTML string per line; `None` if the grammar fails on the input.
    /// A line met before in the same state comes from `LineMemo`.
    fn classed_lines(
        &self,
        source: &str,
        syntax: &SyntaxReference,
        set: &SyntaxSet,
    ) -> Option<Vec<String>> {
        let matcher = ThemeMatcher::new(&self.classes);
        let grammar: Grammar = (std::ptr::eq(set, &self.own), syntax.name.clone());
        let mut state: LineState = (
            ParseState::new(syntax),
            HighlightState::new(&matcher, ScopeStack::new()),
        );
        let mut out = Vec::new();
        for line in LinesWithEndings::from(source) {
            if let Some((html, end)) = LineMemo::get(&grammar, &state, line) {
                if let Some(end) = end {
                    state = end;
                }
                out.push(html);
                continue;
            }
            let start = state.clone();
            let html = classed_line(line, set, &matcher, &mut state)?;
            LineMemo::put(&grammar, &start, line, &html, &state);
            out.push(html);
        }
        Some(out)
    }

    /// The stylesheet for the classes `highlight` emits: the light palette
    /// by default; the dark one when `<html data-theme="dark">`, or when the
    /// reader's system prefers dark and no theme was chosen.
    pub fn css() -> String {
        let themes = ThemeSet::load_defaults();
        let mut css = String::from("/* Generated by proofbook from syntect's themes. */\n");
        let (light, dark) = (&themes.themes[LIGHT_THEME], &themes.themes[DARK_THEME]);
        css.push_str(&palette(light, LIGHT_CODE_BG, ""));
        css.push_str(&palette(dark, DARK_CODE_BG, "html[data-theme=\"dark\"] "));
        css.push_str("@media (prefers-color-scheme: dark) {\n");
        css.push_str(&palette(
            dark,
            DARK_CODE_BG,
            "html:not([data-theme=\"light\"]) ",
        ));
        css.push_str("}\n");
        css
    }
}

/// `line` as HTML, from and into `state`; `None` if the grammar fails.
fn classed_line(
    line: &str,
    set: &SyntaxSet,
    matcher: &ThemeMatcher<'_>,
    (parse, highlight): &mut LineState,
) -> Option<String> {
    let ops = parse.parse_line(line, set).ok()?;
    let mut html = String::with_capacity(line.len() * 2);
    let mut open: Option<u8> = None;
    for (style, text) in HighlightIterator::new(highlight, &ops, line, matcher) {
        let text = text.trim_end_matches('\n');
        if text.is_empty() {
            continue;
        }
        // White space takes the class of what surrounds it, so `a  b` does
        // not split into three spans.
        let class = if text.trim().is_empty() {
            open
        } else {
            Some(style.foreground.r).filter(|c| *c > 0)
        };
        if class != open {
            if open.is_some() {
                html.push_str("</span>");
            }
            if let Some(c) = class {
                html.push_str("<span class=\"hl-");
                html.push_str(CLASSES[c as usize - 1].0);
                html.push_str("\">");
            }
            open = class;
        }
        crate::html::push_text(&mut html, text);
    }
    if open.is_some() {
        html.push_str("</span>");
    }
    Some(html)
}

/// A theme whose foreground "colour" for each class selector is the class's
/// index (1-based; 0 means no class).
fn class_theme() -> Theme {
    let scopes = CLASSES
        .iter()
        .enumerate()
        .map(|(i, (_, selector, _))| ThemeItem {
            scope: ScopeSelectors::from_str(selector).expect("class selectors are valid"),
            style: StyleModifier {
                foreground: Some(Color {
                    r: i as u8 + 1,
                    g: 0,
                    b: 0,
                    a: 255,
                }),
                ..StyleModifier::default()
            },
        })
        .collect();
    Theme {
        settings: ThemeSettings {
            foreground: Some(Color {
                r: 0,
                g: 0,
                b: 0,
                a: 255,
            }),
            ..ThemeSettings::default()
        },
        scopes,
        ..Theme::default()
    }
}

/// CSS rules giving each class the colour `theme` gives its scope, made
/// darker or lighter where needed to reach WCAG AA contrast (4.5:1) on the
/// theme's background: stock themes have a few pale comment and number
/// colours below it.
fn palette(theme: &Theme, bg: Color, prefix: &str) -> String {
    let matcher = ThemeMatcher::new(theme);
    let hex = |c: Color| format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
    let mut css = String::new();
    let fg = readable(theme.settings.foreground.unwrap_or(Color::BLACK), bg);
    css.push_str(&format!(
        "{prefix}.hl-code {{ color: {}; background: {}; }}\n",
        hex(fg),
        hex(bg)
    ));
    for (class, _, scope) in CLASSES {
        let style = matcher.style_for_stack(&[Scope::new(scope).expect("class scopes are valid")]);
        let mut rule = format!("color: {};", hex(readable(style.foreground, bg)));
        if style.font_style.contains(FontStyle::ITALIC) {
            rule.push_str(" font-style: italic;");
        }
        if style.font_style.contains(FontStyle::BOLD) {
            rule.push_str(" font-weight: bold;");
        }
        css.push_str(&format!("{prefix}.hl-{class} {{ {rule} }}\n"));
    }
    css
}

/// `fg`, moved toward black or white (whichever is further from `bg`) in
/// small steps until its contrast with `bg` is at least 4.5:1.
pub(crate) fn readable(fg: Color, bg: Color) -> Color {
    let target = if luminance(bg) > 0.5 {
        Color::BLACK
    } else {
        Color {
            r: 255,
            g: 255,
            b: 255,
            a: 255,
        }
    };
    let mix = |a: u8, b: u8, t: f64| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    (0..=20)
        .map(|step| {
            let t = step as f64 / 20.0;
            Color {
                r: mix(fg.r, target.r, t),
                g: mix(fg.g, target.g, t),
                b: mix(fg.b, target.b, t),
                a: 255,
            }
        })
        .find(|c| contrast(*c, bg) >= 4.5)
        .unwrap_or(target)
}

/// WCAG contrast ratio of two colours.
pub(crate) fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// WCAG relative luminance.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

fn join(lines: &[CodeLine<'_>], rendered: Vec<String>, failing: Option<usize>) -> String {
    let mut out = String::new();
    for (i, (line, mut html)) in lines.iter().zip(rendered).enumerate() {
        if failing == Some(i + 1) {
            html = format!(
                "<mark class=\"failing-line\" title=\"the traceback ended on this line\">{html}</mark>"
            );
        }
        if line.hidden {
            out.push_str("<span class=\"hidden-line\">");
            out.push_str(&html);
            out.push_str("\n</span>");
        } else {
            out.push_str(&html);
            out.push('\n');
        }
    }
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::html::push_text(&mut out, s);
    out
}

#[cfg(test)]
#[path = "highlight_tests.rs"]
mod tests;
