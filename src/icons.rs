//! Font Awesome icons as mdBook 0.5 shows them: inline SVG from Font
//! Awesome Free 6 (built into the binary by `font-awesome-as-a-crate`), so
//! a page that uses one loads nothing.
//!
//! Two ways in: an empty `<i class="fa fa-NAME">` in a chapter's HTML
//! (`fa`/`fa-regular`, `fas`/`fa-solid` and `fab`/`fa-brands` choose the
//! style) and `[output.html] git-repository-icon = "fab-github"` (the
//! prefix before the first `-` chooses it).

use std::sync::LazyLock;

use font_awesome_as_a_crate as fa;
use regex::Regex;

/// An icon's SVG, or why there is none, in words that name the icon.
pub fn svg(style: &str, name: &str) -> Result<&'static str, String> {
    let kind = match style {
        "solid" => fa::Type::Solid,
        "brands" => fa::Type::Brands,
        _ => fa::Type::Regular,
    };
    fa::svg(kind, name).map_err(|_| {
        format!(
            "Font Awesome has no {style} icon `{name}`; check the name and the style (fas- solid, fab- brands, fa- or far- regular) at https://fontawesome.com/v6/search?m=free"
        )
    })
}

/// `git-repository-icon`'s value (`fab-github`) as style and name.
pub fn parse_setting(value: &str) -> (&'static str, &str) {
    let (prefix, name) = value.split_once('-').unwrap_or(("fa", value));
    let style = match prefix {
        "fas" => "solid",
        "fab" => "brands",
        _ => "regular",
    };
    (style, name)
}

/// An icon `<i>` that `replace_in` could not draw: its style and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub style: &'static str,
    pub name: String,
}

static EMPTY_I: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"<i(\s[^<>]*)>\s*</i>"#).expect("the pattern is valid"));
static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')"#)
        .expect("the pattern is valid")
});

/// `html` with each empty `<i>` whose class names a Font Awesome icon
/// replaced by `<span class="fa-svg OTHER-CLASSES" OTHER-ATTRS>SVG</span>`,
/// as mdBook does; an `<i>` with content is left alone. The icons that do
/// not exist are left as written and returned.
pub fn replace_in(html: &str) -> (Option<String>, Vec<Unknown>) {
    if !html.contains("<i") {
        return (None, Vec::new());
    }
    let mut unknown = Vec::new();
    let mut changed = false;
    let out = EMPTY_I.replace_all(html, |caps: &regex::Captures<'_>| {
        let whole = caps[0].to_owned();
        let attrs = &caps[1];
        let mut style = "regular";
        let mut icon = None;
        let mut classes = vec!["fa-svg".to_owned()];
        let mut others = String::new();
        for a in ATTR.captures_iter(attrs) {
            let value = a.get(2).or(a.get(3)).map_or("", |m| m.as_str());
            if !a[1].eq_ignore_ascii_case("class") {
                others.push_str(&format!(" {}", &a[0]));
                continue;
            }
            for class in value.split_whitespace() {
                match class {
                    "fa" | "fa-regular" | "far" => style = "regular",
                    "fas" | "fa-solid" => style = "solid",
                    "fab" | "fa-brands" => style = "brands",
                    c => match c.strip_prefix("fa-") {
                        Some(name) => icon = Some(name.to_owned()),
                        None => classes.push(c.to_owned()),
                    },
                }
            }
        }
        let Some(name) = icon else {
            return whole;
        };
        match svg(style, &name) {
            Ok(svg) => {
                changed = true;
                format!(
                    "<span class=\"{}\"{others}>{svg}</span>",
                    crate::html::escape(&classes.join(" "))
                )
            }
            Err(_) => {
                unknown.push(Unknown { style, name });
                whole
            }
        }
    });
    (changed.then(|| out.into_owned()), unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_i_tags_become_inline_svg_keeping_other_classes_and_attributes() {
        let (out, unknown) = replace_in(
            r#"<p><i id="h" class="fas fa-heart extra"></i> <i class="fa fa-user"></i> <i class="fab fa-github">text</i> <i class="fa fa-no-such-icon"></i></p>"#,
        );
        let out = out.unwrap();
        assert!(
            out.starts_with(r#"<p><span class="fa-svg extra" id="h"><svg"#),
            "{out}"
        );
        assert!(out.contains(r#"<span class="fa-svg"><svg"#), "{out}");
        // With content, or unknown: as written.
        assert!(
            out.contains(r#"<i class="fab fa-github">text</i>"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<i class="fa fa-no-such-icon"></i>"#),
            "{out}"
        );
        assert_eq!(
            unknown,
            [Unknown {
                style: "regular",
                name: "no-such-icon".into()
            }]
        );
        assert_eq!(replace_in("<p><i>plain</i> <img></p>"), (None, Vec::new()));
    }

    #[test]
    fn the_setting_names_style_and_icon() {
        assert_eq!(parse_setting("fab-github"), ("brands", "github"));
        assert_eq!(parse_setting("fas-code-branch"), ("solid", "code-branch"));
        assert_eq!(parse_setting("fa-github"), ("regular", "github"));
        assert!(svg("brands", "github").is_ok());
        let err = svg("regular", "github").unwrap_err();
        assert!(err.contains("no regular icon `github`"), "{err}");
    }
}
