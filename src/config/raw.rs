//! `RawConfig`: book.toml as the user wrote it, before any checking.
//!
//! Every key mdBook documents is here, so an mdBook book parses unchanged;
//! `deny_unknown_fields` turns a typo into an error with a span. Defaults
//! follow mdBook 0.5 where mdBook has the key. Nothing here touches the disk.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    pub book: RawBook,
    pub build: RawBuild,
    pub rust: RawRust,
    pub output: RawOutput,
    /// `[preprocessor.NAME]` tables.
    pub preprocessor: BTreeMap<String, RawPreprocessor>,
    /// proofbook's own settings; mdBook has no such table.
    pub proofbook: RawProofbook,
}

/// A `[preprocessor.NAME]` table: mdBook's keys, and any others, which
/// belong to the preprocessor itself.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawPreprocessor {
    pub command: Option<String>,
    pub renderers: Option<Vec<String>>,
    pub before: Vec<String>,
    pub after: Vec<String>,
    pub optional: bool,
    #[serde(flatten)]
    pub settings: toml::Table,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawProofbook {
    /// `[build] build-dir` may lie outside the book's root.
    pub allow_build_dir_outside: bool,
    /// How a link to a missing page or anchor is reported.
    pub broken_links: Option<LinkSeverity>,
    /// Seconds an external preprocessor may run before it is stopped.
    pub preprocessor_timeout: Option<u64>,
    /// `[proofbook.python]`: the interpreter examples run with.
    pub python: RawPython,
    /// `[proofbook.run]`: whether examples run, and their limits.
    pub run: RawRun,
    /// `[proofbook.sandbox]`: protections the book may run without.
    pub sandbox: RawSandbox,
    /// Files (or folders) outside the book it may read, relative to its root.
    pub allow_outside: Vec<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawPython {
    /// A command on PATH or a path (default `python3`).
    pub interpreter: Option<String>,
    /// A pip requirements file, relative to the book's root.
    pub requirements: Option<PathBuf>,
    /// Let an example's PEP 723 packages be built from source (sdists),
    /// which runs their build scripts as the user, outside the sandbox.
    pub source_builds: bool,
    /// `[proofbook.python.interpreters]`: NAME → where to find it, beside
    /// the default `interpreter` (see `config::interpreters`).
    pub interpreters: BTreeMap<String, RawInterpreter>,
}

/// One named interpreter: a `version` to look for, a `path` to use, or both
/// (then the path must be that version).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawInterpreter {
    /// `"3.12"`: major and minor only; the newest patch found is used.
    pub version: Option<String>,
    /// The free-threaded build (`python3.13t`, `Py_GIL_DISABLED`).
    pub free_threaded: Option<bool>,
    /// An interpreter on this machine, absolute or relative to book.toml.
    pub path: Option<PathBuf>,
    /// Missing on this machine is a warning, not an error.
    pub optional: bool,
    /// This interpreter's own requirements file (relative to book.toml),
    /// instead of `[proofbook.python] requirements`.
    pub requirements: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawRun {
    /// Whether Python blocks run unless marked `norun` (default: yes, but
    /// no for mdBook-layout books).
    pub examples: Option<bool>,
    /// Default wall-clock limit of an example, in seconds.
    pub timeout: Option<f64>,
    pub memory_mib: Option<u64>,
    pub processes: Option<u64>,
    pub cpu_seconds: Option<u64>,
    pub open_files: Option<u64>,
    pub file_size_mib: Option<u64>,
    pub output_kib: Option<u64>,
    pub tmpfs_mib: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawSandbox {
    /// Protections examples may run without when this machine lacks them.
    pub allow_missing: Vec<RawProtection>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawProtection {
    Cgroups,
    Landlock,
    Seccomp,
    SocketMemory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkSeverity {
    Error,
    Warn,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawBook {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub description: Option<String>,
    /// `None` means "src/ if it holds a SUMMARY.md, else content/".
    pub src: Option<PathBuf>,
    pub language: Option<String>,
    pub text_direction: Option<TextDirection>,
    /// Accepted for old mdBook books (0.4 had it); unused.
    pub multilingual: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum TextDirection {
    #[default]
    #[serde(rename = "ltr")]
    LeftToRight,
    #[serde(rename = "rtl")]
    RightToLeft,
}

impl TextDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            TextDirection::LeftToRight => "ltr",
            TextDirection::RightToLeft => "rtl",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawBuild {
    pub build_dir: Option<PathBuf>,
    pub create_missing: Option<bool>,
    pub use_default_preprocessors: Option<bool>,
    pub extra_watch_dirs: Vec<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawRust {
    pub edition: Option<RustEdition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RustEdition {
    #[serde(rename = "2015")]
    E2015,
    #[serde(rename = "2018")]
    E2018,
    #[serde(rename = "2021")]
    E2021,
    #[serde(rename = "2024")]
    E2024,
}

impl RustEdition {
    /// Every edition, oldest first.
    pub const ALL: [RustEdition; 4] = [
        RustEdition::E2015,
        RustEdition::E2018,
        RustEdition::E2021,
        RustEdition::E2024,
    ];

    /// The class mdBook gives a block of this edition (`edition2021`).
    pub fn class(self) -> &'static str {
        match self {
            RustEdition::E2015 => "edition2015",
            RustEdition::E2018 => "edition2018",
            RustEdition::E2021 => "edition2021",
            RustEdition::E2024 => "edition2024",
        }
    }
}

/// `[output]`: the html renderer is ours; any other `[output.NAME]` is a
/// renderer program run over mdBook's protocol (`crate::renderer`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawOutput {
    pub html: Option<RawHtml>,
    #[serde(flatten)]
    pub others: BTreeMap<String, RawRenderer>,
}

/// An `[output.NAME]` table other than html: mdBook's keys, and any others,
/// which belong to the renderer itself.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawRenderer {
    pub command: Option<String>,
    pub optional: bool,
    #[serde(flatten)]
    pub settings: toml::Table,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawHtml {
    pub theme: Option<PathBuf>,
    pub default_theme: Option<ThemeChoice>,
    pub preferred_dark_theme: Option<String>,
    pub smart_punctuation: Option<bool>,
    /// mdBook 0.4's name for smart-punctuation.
    pub curly_quotes: Option<bool>,
    pub definition_lists: Option<bool>,
    pub admonitions: Option<bool>,
    pub mathjax_support: Option<bool>,
    pub additional_css: Vec<PathBuf>,
    pub additional_js: Vec<PathBuf>,
    pub no_section_label: Option<bool>,
    pub git_repository_url: Option<String>,
    pub git_repository_icon: Option<String>,
    pub edit_url_template: Option<String>,
    pub site_url: Option<String>,
    pub cname: Option<String>,
    pub input_404: Option<String>,
    pub hash_files: Option<bool>,
    pub sidebar_header_nav: Option<bool>,
    pub live_reload_endpoint: Option<String>,
    /// mdBook 0.4 keys kept for old books.
    pub copy_fonts: Option<bool>,
    pub google_analytics: Option<String>,
    pub print: RawPrint,
    pub fold: RawFold,
    #[serde(alias = "playpen")]
    pub playground: RawPlayground,
    pub code: RawCode,
    pub search: Option<RawSearch>,
    pub redirect: BTreeMap<String, String>,
}

/// `default-theme`: ours (`auto`, `light`, `dark`) and mdBook's theme names,
/// which map to the nearest of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    Auto,
    Light,
    Dark,
    Rust,
    Coal,
    Navy,
    Ayu,
}

impl ThemeChoice {
    /// The value of `<html data-theme>` before the reader picks one.
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeChoice::Auto => "auto",
            ThemeChoice::Light | ThemeChoice::Rust => "light",
            ThemeChoice::Dark | ThemeChoice::Coal | ThemeChoice::Navy | ThemeChoice::Ayu => "dark",
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawPrint {
    pub enable: Option<bool>,
    pub page_break: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawFold {
    pub enable: Option<bool>,
    pub level: Option<u8>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawPlayground {
    pub editable: Option<bool>,
    pub copyable: Option<bool>,
    pub copy_js: Option<bool>,
    pub line_numbers: Option<bool>,
    pub runnable: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawCode {
    pub hidelines: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawSearch {
    pub enable: Option<bool>,
    pub limit_results: Option<u32>,
    pub teaser_word_count: Option<u32>,
    pub use_boolean_and: Option<bool>,
    pub boost_title: Option<u8>,
    pub boost_hierarchy: Option<u8>,
    pub boost_paragraph: Option<u8>,
    pub expand: Option<bool>,
    pub heading_split_level: Option<u8>,
    pub copy_js: Option<bool>,
    pub chapter: BTreeMap<String, RawSearchChapter>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawSearchChapter {
    pub enable: Option<bool>,
}
