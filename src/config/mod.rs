//! Config stage: `book.toml` → checked `Config` (+ warnings).
//!
//! Two steps, as ripgrep splits low- and high-level arguments: `raw` mirrors
//! the file (every mdBook key, typos rejected with a span), then `Config::load`
//! resolves paths, applies defaults and collects a warning for each known key
//! proofbook does not act on yet. Later stages never re-check the config.
//! Runtime choices (destination override, serve mode) are not config: they
//! travel in `BuildOptions`.

mod build_dir;
mod collect;
mod env;
mod html;
pub mod interpreters;
mod keys;
pub mod raw;
mod run;

use std::path::{Path, PathBuf};

use crate::confine::Confined;
use crate::diag::{Diagnostic, Severity, Span};
use crate::fsutil;
use html::resolve_html;
pub use html::{HtmlOptions, SearchOptions};
pub use interpreters::{NamedInterpreter, Want};
pub use raw::TextDirection;
use raw::{LinkSeverity, RawConfig};
pub use run::{Asks, Examples, Limits, OPEN_FILES_RANGE, PROCESSES_RANGE, Protection, RunConfig};
use run::{check_run, resolve_run};

/// Name of the configuration file in a book's root.
pub const CONFIG_FILE: &str = "book.toml";

/// The folder of standalone programs beside book.toml: mounted read-only in
/// the sandbox (importable), and published at the same path in the site for
/// readers to download.
pub const EXAMPLES_DIR: &str = "examples";

/// The book's cache folder beside book.toml: virtual environments, run
/// results, the preview site. Never published, never watched.
pub const CACHE_DIR: &str = ".proofbook-cache";

/// The source folder of a book in proofbook's layout when `[book] src` is
/// not set (mdBook's layout keeps its `src/`).
pub const DEFAULT_SRC: &str = "content";

/// The build folder when `[build] build-dir` is not set (mdBook's too).
pub const DEFAULT_BUILD_DIR: &str = "book";

/// The checked configuration of one book. All paths are absolute.
#[derive(Debug, Clone)]
pub struct Config {
    /// The book's root folder (holds book.toml).
    pub root: PathBuf,
    pub book: BookMeta,
    /// Folder with SUMMARY.md and the chapters.
    pub src: PathBuf,
    /// What the book may read: its own folder, links resolved, and the
    /// outside files `[proofbook] allow-outside` lists (see `confine`).
    pub confine: Confined,
    /// Where `build` writes: the site itself, or its parent when
    /// `html_in_subfolder` is set.
    pub build_dir: PathBuf,
    /// Whether `build` makes the HTML site: mdBook's rule, so unless
    /// book.toml names other renderers but no `[output.html]`.
    pub render_html: bool,
    /// mdBook writes each renderer's output into `build-dir/NAME/` when a
    /// book has more than one renderer; the HTML then lives in `html/`.
    pub html_in_subfolder: bool,
    /// The other renderers (`[output.NAME]`), in name order, run after the
    /// HTML by `build` (not by `serve` or `check`).
    pub renderers: Vec<RendererSpec>,
    pub html: HtmlOptions,
    /// Whether a link to a missing page or `#anchor` fails the build.
    pub broken_links: Severity,
    /// Whether `build` creates a chapter SUMMARY.md names but that does not
    /// exist (`[build] create-missing`, on by default as in mdBook).
    pub create_missing: bool,
    /// External preprocessors (mdBook's `links` and `index` are built in).
    pub preprocessors: Vec<PreprocessorSpec>,
    /// How long one preprocessor may run (default 120 s).
    pub preprocessor_timeout: std::time::Duration,
    /// How Python examples run.
    pub run: RunConfig,
    /// book.toml as JSON, for the context handed to preprocessors.
    pub as_json: serde_json::Value,
}

/// One `[preprocessor.NAME]` table that names an external program.
#[derive(Debug, Clone)]
pub struct PreprocessorSpec {
    pub name: String,
    /// The command line (default `mdbook-NAME`), split like a shell would.
    pub command: String,
    /// Renderers it runs for; `None` means "ask it with `supports html`".
    pub renderers: Option<Vec<String>>,
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// A missing optional preprocessor is a warning, not an error.
    pub optional: bool,
    /// The table's header in book.toml.
    pub span: Option<Span>,
}

/// One `[output.NAME]` table other than html: a program run over mdBook's
/// renderer protocol.
#[derive(Debug, Clone)]
pub struct RendererSpec {
    pub name: String,
    /// The command line (default `mdbook-NAME`), split like a shell would.
    pub command: String,
    /// A missing optional renderer is a warning, not an error.
    pub optional: bool,
    /// The table's header in book.toml.
    pub span: Option<Span>,
}

/// mdBook's built-in preprocessors, which proofbook performs itself.
pub const BUILTIN_PREPROCESSORS: [&str; 2] = ["index", "links"];

#[derive(Debug, Clone)]
pub struct BookMeta {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub description: Option<String>,
    pub language: String,
    pub text_direction: TextDirection,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Read(#[from] fsutil::FsError),
    /// The file is not valid TOML or has a wrong key, type or value.
    #[error("{message}")]
    Invalid {
        message: String,
        span: Span,
        help: Option<String>,
    },
    /// More than one problem, each with its own place, all reported at once.
    #[error("{} problems in book.toml", .0.len())]
    Several(Vec<ConfigError>),
}

impl ConfigError {
    /// One diagnostic per problem, in the order found.
    pub fn to_diagnostics(&self) -> Vec<Diagnostic> {
        match self {
            ConfigError::Several(all) => all.iter().flat_map(ConfigError::to_diagnostics).collect(),
            one => vec![one.to_diagnostic()],
        }
    }

    fn to_diagnostic(&self) -> Diagnostic {
        match self {
            ConfigError::Several(all) => Diagnostic::error(
                self.to_string(),
                all.first().and_then(|e| e.to_diagnostic().span),
            ),
            ConfigError::Read(e) => Diagnostic::error(e.to_string(), Some(Span::file(&e.path))),
            ConfigError::Invalid {
                message,
                span,
                help,
            } => {
                let d = Diagnostic::error(message.clone(), Some(span.clone()));
                match help {
                    Some(h) => d.with_help(h.clone()),
                    None => d,
                }
            }
        }
    }
}

impl Config {
    /// Reads `root/book.toml` (a missing file means all defaults, as in
    /// mdBook) and returns the checked config plus warnings.
    pub fn load(root: &Path) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        let root = std::path::absolute(root)
            .map_err(|e| fsutil::FsError::new("cannot resolve", root, e))?;
        let file = root.join(CONFIG_FILE);
        let text = if file.exists() {
            fsutil::read_to_string(&file)?
        } else {
            String::new()
        };
        let (overridden, env_diags) = env::apply(&text, &file, std::env::vars());
        if let Some(bad) = env_diags.iter().find(|d| d.severity == Severity::Error) {
            return Err(ConfigError::Invalid {
                message: bad.message.clone(),
                span: Span::file(&file),
                help: bad.help.clone(),
            });
        }
        let text = overridden.unwrap_or(text);
        let (config, mut warnings) = Config::from_str(&text, &root, &file)?;
        warnings.splice(0..0, env_diags);
        Ok((config, warnings))
    }

    /// Parses `text` as the book.toml at `file` of the book in `root`.
    pub fn from_str(
        text: &str,
        root: &Path,
        file: &Path,
    ) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        // Three views of one text: typed (`RawConfig`, where typos and wrong
        // types fail with a span), spanned keys (`DeTable`, for warnings that
        // point at a line) and plain JSON (for preprocessors).
        let raw: RawConfig = collect::parse_all(text, file)?;
        let doc = toml::de::DeTable::parse(text).map_err(|e| invalid(file, text, &e))?;
        let doc = doc.get_ref();
        check_run(&raw.proofbook, &|path| {
            keys::key_span(doc, text, file, path).unwrap_or_else(|| Span::file(file))
        })?;
        let mut warnings = keys::unused_key_warnings(doc, text, file);
        let build_dir_outside = raw.proofbook.allow_build_dir_outside;
        let (confine, missing) = Confined::new(root, &raw.proofbook.allow_outside);
        if let Some((entry, e)) = missing.first() {
            return Err(ConfigError::Invalid {
                message: format!("`allow-outside` names {}, which cannot be found: {e}", entry.display()),
                span: keys::key_span(doc, text, file, &["proofbook", "allow-outside"])
                    .unwrap_or_else(|| Span::file(file)),
                help: Some("paths in allow-outside are relative to the folder of book.toml; fix or remove the entry".into()),
            });
        }
        let named = interpreters::resolve(
            &raw.proofbook.python.interpreters,
            &confine,
            &|path| keys::key_span(doc, text, file, path),
            file,
        )?;
        let default = interpreters::default_interpreter(
            raw.proofbook.python.interpreter.as_deref(),
            &confine,
            &|| {
                keys::key_span(doc, text, file, &["proofbook", "python", "interpreter"])
                    .unwrap_or_else(|| Span::file(file))
            },
        )?;
        let mut config = resolve(raw, root, confine, &mut warnings, &|path| {
            keys::key_span(doc, text, file, path)
        });
        config.run.interpreters = named;
        config.run.interpreter = default;
        let table: toml::Table = toml::from_str(text).map_err(|e| invalid(file, text, &e))?;
        config.as_json = serde_json::to_value(&table).unwrap_or_default();
        let span_of = |path: &[&str]| {
            keys::key_span(doc, text, file, path).unwrap_or_else(|| Span::file(file))
        };
        check_places(&config, &span_of)?;
        build_dir::check(&config, build_dir_outside, &span_of)?;
        Ok((config, warnings))
    }
}

/// Folders and files book.toml names must make sense where they are: the
/// theme folder is published, so it may not hold the book itself nor lie
/// outside the book's repository; `cname` must be a host name.
fn check_places(config: &Config, span_of: &dyn Fn(&[&str]) -> Span) -> Result<(), ConfigError> {
    let invalid = |message: String, key: &[&str], help: &str| ConfigError::Invalid {
        message,
        span: span_of(key),
        help: Some(help.to_owned()),
    };
    // Every file or folder book.toml names is read as the user: each must
    // lead, links followed, into the book (or be allowed by allow-outside).
    // One that does not exist is left to the checks that say so.
    let confined = |path: &Path, key: &[&str]| -> Result<(), ConfigError> {
        match config.confine.resolve(path, &config.root) {
            Err(e) if !e.is_missing() => Err(ConfigError::Invalid {
                message: format!("`{}`: {e}", key.join(".")),
                span: span_of(key),
                help: Some(e.help()),
            }),
            _ => Ok(()),
        }
    };
    confined(&config.src, &["book", "src"])?;
    // mdBook fails on an icon it cannot draw; so does proofbook, at the key.
    if let Some(icon) = &config.html.git_repository_icon {
        let (style, name) = crate::icons::parse_setting(icon);
        if let Err(why) = crate::icons::svg(style, name) {
            return Err(invalid(
                format!("`git-repository-icon = \"{icon}\"`: {why}"),
                &["output", "html", "git-repository-icon"],
                "name an icon with its style prefix, such as \"fab-github\" or \"fas-code-branch\"",
            ));
        }
    }
    if let Some(theme) = &config.html.theme_dir {
        let theme = crate::fsutil::normalize(theme);
        if config.src.starts_with(&theme) || config.root.starts_with(&theme) {
            return Err(invalid(
                format!("the theme folder {} holds the book itself", theme.display()),
                &["output", "html", "theme"],
                "point `theme` at a folder of theme files (templates/, static/, CSS, fonts), such as `theme`",
            ));
        }
        if !theme.starts_with(&config.root) && !config.confine.contains(&theme) {
            return Err(invalid(
                format!("the theme folder {} is outside the book", theme.display()),
                &["output", "html", "theme"],
                "its files are published with the site; keep the theme inside the book's folder",
            ));
        }
        confined(&theme, &["output", "html", "theme"])?;
    }
    for css in &config.html.additional_css {
        confined(css, &["output", "html", "additional-css"])?;
    }
    for js in &config.html.additional_js {
        confined(js, &["output", "html", "additional-js"])?;
    }
    if let Some(file) = &config.run.requirements {
        confined(file, &["proofbook", "python", "requirements"])?;
    }
    for named in &config.run.interpreters {
        if let Some(file) = &named.requirements {
            confined(
                file,
                &[
                    "proofbook",
                    "python",
                    "interpreters",
                    &named.name,
                    "requirements",
                ],
            )?;
        }
    }
    if let Some(input) = &config.html.input_404 {
        let file = crate::fsutil::normalize(&config.src.join(input));
        if !file.starts_with(&config.root) && !config.confine.contains(&file) {
            return Err(invalid(
                format!("`input-404 = {input:?}` is outside the book"),
                &["output", "html", "input-404"],
                "name a Markdown file in the source folder, such as `404.md`",
            ));
        }
        if !file.is_file() {
            return Err(invalid(
                format!("`input-404 = {input:?}`: {} does not exist", file.display()),
                &["output", "html", "input-404"],
                "create it, fix the name, or remove the key to use the built-in page",
            ));
        }
        confined(&file, &["output", "html", "input-404"])?;
    }
    if let Some(cname) = &config.html.cname {
        let host = !cname.is_empty()
            && cname.len() <= 253
            && cname.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !host {
            return Err(invalid(
                format!("`cname = {cname:?}` is not a host name"),
                &["output", "html", "cname"],
                "write the domain the site is served at, such as `book.example.org`",
            ));
        }
    }
    Ok(())
}

/// Turns a toml/serde error into one with a span and, for an unknown key,
/// the nearest valid name.
fn invalid(file: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let span = match err.span() {
        Some(r) => Span::from_offset(file, text, r.start, r.end.saturating_sub(r.start)),
        None => Span::file(file),
    };
    let message = err.message().trim().to_owned();
    let help = keys::suggest_for_unknown_field(&message);
    ConfigError::Invalid {
        message: format!("invalid {CONFIG_FILE}: {message}"),
        span,
        help,
    }
}

fn resolve(
    raw: RawConfig,
    root: &Path,
    confine: Confined,
    warnings: &mut Vec<Diagnostic>,
    span_of: &dyn Fn(&[&str]) -> Option<Span>,
) -> Config {
    // mdBook's default is src/; ours is content/. A book that has
    // src/SUMMARY.md is an mdBook book and keeps building unchanged.
    let mdbook_layout = raw.book.src.is_none() && root.join("src").join("SUMMARY.md").is_file();
    let src = match raw.book.src {
        Some(src) => root.join(src),
        None if mdbook_layout => root.join("src"),
        None => root.join(DEFAULT_SRC),
    };
    // mdBook does not check links, so existing mdBook books often carry a
    // few dead anchors; they still build (with warnings) unless the book
    // asks for strictness. proofbook's own books fail on them.
    let broken_links = match raw.proofbook.broken_links {
        Some(LinkSeverity::Error) => Severity::Error,
        Some(LinkSeverity::Warn) => Severity::Warning,
        None if mdbook_layout => Severity::Warning,
        None => Severity::Error,
    };
    let preprocessors = raw
        .preprocessor
        .into_iter()
        .filter(|(name, _)| !BUILTIN_PREPROCESSORS.contains(&name.as_str()))
        .map(|(name, p)| PreprocessorSpec {
            command: p.command.unwrap_or_else(|| format!("mdbook-{name}")),
            renderers: p.renderers,
            before: p.before,
            after: p.after,
            optional: p.optional,
            span: span_of(&["preprocessor", &name]),
            name,
        })
        .collect();
    // Examples: proofbook's layout runs them; mdBook's layout (source
    // folder `src/`, named or not) waits for a sign of intent.
    let examples = match raw.proofbook.run.examples {
        Some(true) => Examples::On,
        Some(false) => Examples::Off,
        None if src != root.join("src") => Examples::On,
        None if span_of(&["proofbook"]).is_some() => Examples::On,
        None => Examples::Auto,
    };
    let create_missing = raw.build.create_missing.unwrap_or(true);
    let build_dir = root.join(
        raw.build
            .build_dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_BUILD_DIR)),
    );
    // mdBook's rule: the HTML renderer runs when book.toml names it or
    // names no renderer at all.
    let render_html = raw.output.html.is_some() || raw.output.others.is_empty();
    let html_in_subfolder = raw.output.others.len() + usize::from(render_html) > 1;
    let html = raw.output.html.unwrap_or_default();
    let mut renderers = Vec::new();
    for (name, r) in raw.output.others {
        if name == "markdown" {
            // mdBook's built-in debugging renderer (the chapters' Markdown
            // after preprocessing), not a program: not ours to run.
            warnings.push(Diagnostic::warning(
                "renderer `output.markdown` (mdBook's Markdown dump) is not run by proofbook"
                    .to_owned(),
                span_of(&["output", &name]),
            ));
            continue;
        }
        renderers.push(RendererSpec {
            command: r.command.unwrap_or_else(|| format!("mdbook-{name}")),
            optional: r.optional,
            span: span_of(&["output", &name]),
            name,
        });
    }
    Config {
        root: root.to_owned(),
        book: BookMeta {
            title: raw.book.title,
            authors: raw.book.authors,
            description: raw.book.description,
            language: raw.book.language.unwrap_or_else(|| "en".to_owned()),
            text_direction: raw.book.text_direction.unwrap_or_default(),
        },
        confine,
        src,
        build_dir,
        render_html,
        html_in_subfolder,
        renderers,
        html: HtmlOptions {
            redirect_spans: html
                .redirect
                .keys()
                .filter_map(|k| Some((k.clone(), span_of(&["output", "html", "redirect", k])?)))
                .collect(),
            rust_edition: raw.rust.edition.map(|e| e.class()),
            ..resolve_html(html, root)
        },
        broken_links,
        create_missing,
        preprocessors,
        preprocessor_timeout: std::time::Duration::from_secs(
            raw.proofbook.preprocessor_timeout.unwrap_or(120),
        ),
        run: resolve_run(&raw.proofbook, root, examples),
        as_json: serde_json::Value::Null,
    }
}

#[cfg(test)]
mod tests;
