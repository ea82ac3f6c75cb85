use std::path::Path;

use super::*;

fn load(text: &str) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
    Config::from_str(text, Path::new("/books/b"), Path::new("/books/b/book.toml"))
}

fn error_of(text: &str) -> (String, u32, u32, Option<String>) {
    match load(text) {
        Err(ConfigError::Invalid {
            message,
            span,
            help,
        }) => (message, span.line, span.col, help),
        other => panic!("expected an invalid-config error, got {other:?}"),
    }
}

#[test]
fn empty_file_gives_defaults() {
    let (config, warnings) = load("").unwrap();
    assert_eq!(config.src, Path::new("/books/b/content"));
    assert_eq!(config.build_dir, Path::new("/books/b/book"));
    assert_eq!(config.book.language, "en");
    assert!(config.html.smart_punctuation);
    assert!(config.html.print_enable);
    assert!(!config.html_in_subfolder);
    assert!(warnings.is_empty());
}

#[test]
fn paths_are_relative_to_the_book_root() {
    let (config, _) = load("[book]\nsrc = \"pages\"\n[build]\nbuild-dir = \"out/site\"\n").unwrap();
    assert_eq!(config.src, Path::new("/books/b/pages"));
    assert_eq!(config.build_dir, Path::new("/books/b/out/site"));
}

#[test]
fn unknown_key_names_line_column_and_nearest_key() {
    let (message, line, col, help) = error_of("[book]\ntitle = \"x\"\nauthor = [\"me\"]\n");
    assert!(message.contains("unknown field `author`"), "{message}");
    assert_eq!((line, col), (3, 1));
    let help = help.unwrap();
    assert!(help.starts_with("did you mean `authors`?"), "{help}");
}

#[test]
fn unknown_table_is_an_error() {
    let (message, line, _, help) =
        error_of("[book]\ntitle = \"x\"\n\n[bulid]\nbuild-dir = \"b\"\n");
    assert!(message.contains("unknown field `bulid`"), "{message}");
    assert_eq!(line, 4);
    assert!(help.unwrap().contains("`build`"));
}

#[test]
fn wrong_type_points_at_the_value() {
    let (message, line, col, _) = error_of("[output.html]\nno-section-label = \"yes\"\n");
    assert!(message.contains("invalid type"), "{message}");
    assert_eq!((line, col), (2, 20));
}

#[test]
fn bad_enum_value_lists_the_allowed_values() {
    let (message, line, _, _) = error_of("[book]\ntext-direction = \"up\"\n");
    assert!(
        message.contains("`ltr`") && message.contains("`rtl`"),
        "{message}"
    );
    assert_eq!(line, 2);
}

#[test]
fn default_theme_accepts_mdbook_names_and_rejects_others() {
    assert_eq!(
        load("[output.html]\ndefault-theme = \"navy\"\n")
            .unwrap()
            .0
            .html
            .default_theme,
        "dark"
    );
    assert_eq!(
        load("[output.html]\ndefault-theme = \"rust\"\n")
            .unwrap()
            .0
            .html
            .default_theme,
        "light"
    );
    let (message, line, _, _) = error_of("[output.html]\ndefault-theme = \"purple\"\n");
    assert!(
        message.contains("`auto`") && message.contains("`navy`"),
        "{message}"
    );
    assert_eq!(line, 2);
}

#[test]
fn toml_syntax_error_has_a_line() {
    let (_, line, _, _) = error_of("[book]\ntitle = \"unterminated\n");
    assert_eq!(line, 2);
}

#[test]
fn known_but_unused_keys_warn_once_each_with_their_line() {
    let text = "[output.html.playground]\nline-numbers = true\n\n[output.html]\nmathjax-support = true\n\n[output.html.fold]\nenable = true\nlevel = 1\n";
    let (_, warnings) = load(text).unwrap();
    let lines: Vec<(String, u32)> = warnings
        .iter()
        .map(|w| {
            (
                w.message.split('`').nth(1).unwrap().to_owned(),
                w.span.as_ref().unwrap().line,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("output.html.playground.line-numbers".to_owned(), 2),
            ("output.html.mathjax-support".to_owned(), 5),
            ("output.html.fold".to_owned(), 7),
        ]
    );
}

#[test]
fn every_mdbook_html_key_is_accepted() {
    let text = r#"
[book]
title = "T"
authors = ["A"]
description = "D"
language = "fr"
text-direction = "rtl"
src = "src"
[build]
build-dir = "out"
create-missing = false
use-default-preprocessors = true
extra-watch-dirs = ["x"]
[rust]
edition = "2024"
[output.html]
theme = "my-theme"
default-theme = "light"
preferred-dark-theme = "navy"
smart-punctuation = false
definition-lists = true
admonitions = true
mathjax-support = false
additional-css = ["a.css"]
additional-js = ["a.js"]
no-section-label = true
git-repository-url = "https://example.org/r"
git-repository-icon = "fab-github"
edit-url-template = "https://example.org/r/edit/{path}"
site-url = "/b/"
cname = "b.example.org"
hash-files = true
sidebar-header-nav = true
[output.html.print]
enable = false
page-break = true
[output.html.fold]
enable = false
level = 0
[output.html.playpen]
editable = false
copyable = true
copy-js = true
line-numbers = false
runnable = true
[output.html.code.hidelines]
python = "~"
[output.html.search]
enable = true
limit-results = 30
teaser-word-count = 30
use-boolean-and = true
boost-title = 2
boost-hierarchy = 1
boost-paragraph = 1
expand = true
heading-split-level = 3
copy-js = true
[output.html.search.chapter]
"appendix" = { enable = false }
[output.html.redirect]
"/old.html" = "new.html"
[output.linkcheck]
follow-web-links = false
[preprocessor.admonish]
command = "mdbook-admonish"
assets_version = "3.0.2"
"#;
    let (config, warnings) = load(text).unwrap();
    assert_eq!(config.book.text_direction, TextDirection::RightToLeft);
    assert_eq!(config.book.language, "fr");
    assert!(!config.html.smart_punctuation);
    assert!(config.html.no_section_label);
    assert!(!config.html.print_enable);
    assert_eq!(
        config.html.theme_dir.as_deref(),
        Some(Path::new("/books/b/my-theme"))
    );
    assert_eq!(config.html.redirects["/old.html"], "new.html");
    // Another renderer is run, beside the HTML, each in its own folder.
    assert!(config.render_html && config.html_in_subfolder);
    assert_eq!(config.renderers.len(), 1);
    assert_eq!(config.renderers[0].name, "linkcheck");
    assert_eq!(config.renderers[0].command, "mdbook-linkcheck");
    assert!(
        !warnings
            .iter()
            .any(|w| w.message.contains("output.linkcheck"))
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.message.contains("output.html.playpen"))
    );
}

#[test]
fn a_theme_folder_that_holds_the_book_or_leaves_it_is_refused() {
    let (message, line, _, help) = error_of("[output.html]\ntheme = \".\"\n");
    assert!(message.contains("holds the book itself"), "{message}");
    assert_eq!(line, 2);
    assert!(help.unwrap().contains("folder of theme files"));
    let (message, ..) = error_of("[output.html]\ntheme = \"/etc\"\n");
    assert!(message.contains("outside the book"), "{message}");
    let (message, ..) = error_of("[output.html]\ntheme = \"../../x\"\n");
    assert!(message.contains("outside the book"), "{message}");
}

#[test]
fn cname_must_be_a_host_name() {
    assert!(load("[output.html]\ncname = \"book.example.org\"\n").is_ok());
    let (message, line, ..) = error_of("[output.html]\ncname = \"evil\\n<script>\"\n");
    assert!(message.contains("is not a host name"), "{message}");
    assert_eq!(line, 2);
}

#[test]
fn an_explicit_input_404_must_exist_inside_the_book() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(dir.path().join("content/missing-page.md"), "# Gone\n").unwrap();
    let load_in = |text: &str| Config::from_str(text, dir.path(), &dir.path().join("book.toml"));
    assert!(load_in("[output.html]\ninput-404 = \"missing-page.md\"\n").is_ok());
    for (text, expected) in [
        ("[output.html]\ninput-404 = \"typo.md\"\n", "does not exist"),
        (
            "[output.html]\ninput-404 = \"../../../../etc/passwd\"\n",
            "outside the book",
        ),
    ] {
        match load_in(text) {
            Err(ConfigError::Invalid { message, span, .. }) => {
                assert!(message.contains(expected), "{message}");
                assert_eq!(span.line, 2);
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

#[test]
fn search_is_on_by_default_and_off_with_enable_false() {
    let (config, _) = load("").unwrap();
    assert_eq!(config.html.search, Some(SearchOptions::default()));
    let (config, warnings) = load("[output.html.search]\nenable = false\n").unwrap();
    assert_eq!(config.html.search, None);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn search_keys_are_acted_on_and_only_copy_js_warns() {
    let text = "[output.html.search]\nlimit-results = 5\nteaser-word-count = 12\nuse-boolean-and = false\n\
                boost-title = 4\nboost-hierarchy = 3\nboost-paragraph = 2\nexpand = false\nheading-split-level = 2\n\
                copy-js = true\n[output.html.search.chapter]\n\"appendix\" = { enable = false }\n\"kept.md\" = { enable = true }\n";
    let (config, warnings) = load(text).unwrap();
    let search = config.html.search.unwrap();
    assert_eq!(
        search,
        SearchOptions {
            limit_results: 5,
            teaser_word_count: 12,
            use_boolean_and: false,
            boost_title: 4,
            boost_hierarchy: 3,
            boost_paragraph: 2,
            expand: false,
            heading_split_level: 2,
            excluded: vec![PathBuf::from("appendix")],
        }
    );
    let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`output.html.search.copy-js` is accepted but has no effect: the theme's search script is always copied when search is on"
        ]
    );
    assert_eq!(warnings[0].span.as_ref().unwrap().line, 10);
}

#[test]
fn every_key_level_problem_is_reported_at_once_in_file_order() {
    let text = "[book]\ntittle = \"x\"\n\n[build]\nbuild-dri = \"b\"\n\n[proofbook.run]\nexamples = \"yes\"\ntimeuot = 5\n";
    let Err(ConfigError::Several(all)) = load(text) else {
        panic!("expected several errors");
    };
    let found: Vec<(u32, String)> = all
        .iter()
        .flat_map(ConfigError::to_diagnostics)
        .map(|d| (d.span.unwrap().line, d.help.unwrap_or_default()))
        .collect();
    let lines: Vec<u32> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 5, 8, 9], "{found:?}");
    assert!(found[0].1.starts_with("did you mean `title`?"), "{found:?}");
    assert!(
        found[1].1.starts_with("did you mean `build-dir`?"),
        "{found:?}"
    );
    assert!(
        found[3].1.starts_with("did you mean `timeout`?"),
        "{found:?}"
    );
}

#[test]
fn a_syntax_error_is_reported_alone() {
    let (message, line, _, _) = error_of("[book]\ntitle = \"x\nsrc = 3\n[build]\nbogus = 1\n");
    assert!(message.contains("invalid book.toml"), "{message}");
    assert_eq!(line, 2);
}

#[test]
fn a_build_dir_outside_the_book_is_refused_at_its_line() {
    let (message, line, _, help) =
        error_of("[book]\ntitle = \"x\"\n[build]\nbuild-dir = \"../../home/me\"\n");
    assert!(message.contains("outside the book"), "{message}");
    assert_eq!(line, 4);
    assert!(help.unwrap().contains("allow-build-dir-outside"));
    error_of("[build]\nbuild-dir = \"/tmp/site\"\n");
    error_of("[build]\nbuild-dir = \"out/../../b2\"\n");
    let (config, _) =
        load("[build]\nbuild-dir = \"../docs\"\n[proofbook]\nallow-build-dir-outside = true\n")
            .unwrap();
    assert_eq!(config.build_dir, Path::new("/books/b/../docs"));
    load("[build]\nbuild-dir = \"out/../site\"\n").unwrap();
}

#[test]
fn a_build_dir_that_leaves_the_book_through_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    let elsewhere = dir.path().join("Documents");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    // The default `book/` too: a book can ship it as a link.
    std::os::unix::fs::symlink(&elsewhere, root.join("book")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, root.join("link")).unwrap();
    for text in ["", "[build]\nbuild-dir = \"link/site\"\n"] {
        match Config::from_str(text, &root, &root.join("book.toml")) {
            Err(ConfigError::Invalid { message, .. }) => {
                assert!(message.contains("symbolic link"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn source_builds_for_example_packages_are_off_unless_the_book_opts_in() {
    let (config, _) = load("").unwrap();
    assert!(!config.run.source_builds);
    let (config, _) = load("[proofbook.python]\nsource-builds = true\n").unwrap();
    assert!(config.run.source_builds);
}

#[test]
fn playground_settings_and_the_rust_edition_are_read() {
    let (config, warnings) =
        load("[rust]\nedition = \"2024\"\n\n[output.html.playground]\nrunnable = false\neditable = true\ncopyable = false\n")
            .unwrap();
    assert_eq!(config.html.rust_edition, Some("edition2024"));
    assert!(!config.html.code_copyable);
    assert!(!config.html.playground_runnable);
    assert!(config.html.playground_editable);
    assert!(warnings.is_empty(), "{warnings:?}");
    let (config, _) = load("").unwrap();
    assert!(config.html.playground_runnable && !config.html.playground_editable);
    assert!(config.html.code_copyable);
    assert_eq!(config.html.rust_edition, None);
}
