//! Rust code blocks that the Rust playground can run, as mdBook decides
//! it: a `rust` fence that is not `ignore`, `noplayground` or `noplaypen`
//! while `[output.html.playground] runnable` is on (the default), or one
//! marked `mdbook-runnable`. Such a block gets the page's Run button
//! (`static/js/playground.js`, which reaches the playground service only
//! when the reader presses it), an edition (its own `edition20XX`, else
//! `[rust] edition`), and unless it is editable or has a `fn main`, the
//! hidden lines that wrap it in one, as mdBook adds them.

use crate::markdown::code::CodeInfo;

/// `[output.html.playground]` and `[rust] edition`, as the parser needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlaygroundOptions {
    pub runnable: bool,
    pub editable: bool,
    /// `[rust] edition`, as a class (`edition2021`).
    pub edition: Option<&'static str>,
}

impl Default for PlaygroundOptions {
    fn default() -> PlaygroundOptions {
        PlaygroundOptions {
            runnable: true,
            editable: false,
            edition: None,
        }
    }
}

/// How a runnable block is shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Playground {
    /// A class to add (`edition2021`) when the fence names no edition.
    pub edition: Option<&'static str>,
    /// Whether the code is wrapped in hidden `fn main() {` … `}` lines.
    pub wrap_main: bool,
}

/// A stored playground read back (`pipeline::parse_cache`). By hand, as
/// its edition is one of the static classes `[rust] edition` gives
/// (`config::raw::RustEdition::class`): a stored class that is none of
/// them is damage, not a new class.
impl<'de> serde::Deserialize<'de> for Playground {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Playground, D::Error> {
        #[derive(serde::Deserialize)]
        struct Stored {
            edition: Option<String>,
            wrap_main: bool,
        }
        let stored = Stored::deserialize(d)?;
        let edition = match stored.edition {
            None => None,
            Some(c) => Some(
                crate::config::raw::RustEdition::ALL
                    .into_iter()
                    .map(|e| e.class())
                    .find(|k| *k == c)
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!("unknown edition class {c}"))
                    })?,
            ),
        };
        Ok(Playground {
            edition,
            wrap_main: stored.wrap_main,
        })
    }
}

/// The block's playground, or `None` when it is not runnable.
pub fn classify(info: &CodeInfo, code: &str, options: PlaygroundOptions) -> Option<Playground> {
    if info.lang.as_deref() != Some("rust") {
        return None;
    }
    let has = |a: &str| info.attrs.iter().any(|x| x == a);
    let runnable = options.runnable && !has("ignore") && !has("noplayground") && !has("noplaypen");
    if !runnable && !has("mdbook-runnable") {
        return None;
    }
    let edition = match info.attrs.iter().any(|a| a.starts_with("edition")) {
        true => None,
        false => options.edition,
    };
    let editable = options.editable && has("editable");
    Some(Playground {
        edition,
        wrap_main: !editable && !code.contains("fn main") && !code.contains("quick_main!"),
    })
}

/// `code` inside hidden `#![allow(unused)]` and `fn main() {` … `}` lines,
/// its own inner attributes (`#![…]` lines at the top) kept before them.
pub fn wrap_main(code: &str) -> String {
    let mut split = 0;
    for line in code.split_inclusive('\n') {
        let t = line.trim();
        if t.is_empty() || t.starts_with("#![") {
            split += line.len();
        } else {
            break;
        }
    }
    let (attrs, body) = code.split_at(split);
    let newline = if body.is_empty() || body.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("# #![allow(unused)]\n{attrs}# fn main() {{\n{body}{newline}# }}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_playground_reads_back_only_with_a_known_edition_class() {
        for class in crate::config::raw::RustEdition::ALL.map(|e| e.class()) {
            let p = Playground {
                edition: Some(class),
                wrap_main: true,
            };
            let bytes = postcard::to_allocvec(&p).unwrap();
            assert_eq!(postcard::from_bytes::<Playground>(&bytes).unwrap(), p);
        }
        let forged = postcard::to_allocvec(&Playground {
            edition: Some("edition1999"),
            wrap_main: false,
        })
        .unwrap();
        assert!(postcard::from_bytes::<Playground>(&forged).is_err());
    }

    fn check(info: &str, code: &str, options: PlaygroundOptions) -> Option<Playground> {
        classify(&CodeInfo::parse(info), code, options)
    }

    #[test]
    fn rust_blocks_are_runnable_unless_marked_or_turned_off() {
        let on = PlaygroundOptions::default();
        let main = Some(Playground {
            edition: None,
            wrap_main: true,
        });
        assert_eq!(check("rust", "let x = 1;", on), main);
        assert_eq!(check("rust,ignore", "x", on), None);
        assert_eq!(check("rust,noplayground", "x", on), None);
        assert_eq!(check("python", "x", on), None);
        let off = PlaygroundOptions {
            runnable: false,
            ..on
        };
        assert_eq!(check("rust", "x", off), None);
        assert!(check("rust,mdbook-runnable", "x", off).is_some());
        // A fn main of its own, or an editable block, is not wrapped.
        assert!(!check("rust", "fn main() {}", on).unwrap().wrap_main);
        let editable = PlaygroundOptions {
            editable: true,
            ..on
        };
        assert!(!check("rust,editable", "x", editable).unwrap().wrap_main);
        assert!(check("rust,editable", "x", on).unwrap().wrap_main);
    }

    #[test]
    fn the_book_edition_applies_unless_the_fence_names_one() {
        let options = PlaygroundOptions {
            edition: Some("edition2021"),
            ..PlaygroundOptions::default()
        };
        assert_eq!(
            check("rust", "x", options).unwrap().edition,
            Some("edition2021")
        );
        assert_eq!(
            check("rust,edition2024", "x", options).unwrap().edition,
            None
        );
    }

    #[test]
    fn wrapping_keeps_inner_attributes_first() {
        assert_eq!(
            wrap_main("let x = 1;"),
            "# #![allow(unused)]\n# fn main() {\nlet x = 1;\n# }"
        );
        assert_eq!(
            wrap_main("#![feature(x)]\nlet y = 2;\n"),
            "# #![allow(unused)]\n#![feature(x)]\n# fn main() {\nlet y = 2;\n# }"
        );
    }
}
