//! The theme: tera templates and static assets, the default theme's embedded
//! in the binary, any of them overridden by a file of the same name in the
//! book's theme folder.
//!
//! Layout of a theme folder: `templates/*.html` (tera), `static/**` (copied
//! to `static/` in the site); any other file is copied to the same path in
//! the site, which is how an mdBook theme's `css/`, `fonts/` and images
//! arrive. mdBook's handlebars templates (`*.hbs`) cannot be used: each one
//! is named in a warning.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use tera::Tera;
use walkdir::WalkDir;

use crate::diag::{Diagnostic, Span};
use crate::fsutil;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Files of a book's theme folder that are copied into the site (besides
/// everything under `static/`): what a theme's CSS, scripts, fonts and
/// images are made of. Anything else there (notes, sources) stays private.
const ASSET_EXTENSIONS: &[&str] = &[
    "css", "js", "mjs", "map", "woff", "woff2", "ttf", "otf", "eot", "svg", "png", "jpg", "jpeg",
    "gif", "webp", "avif", "ico",
];

/// Where the embedded default theme's files are said to come from in messages.
const DEFAULT_THEME_LABEL: &str = "<default theme>";

pub struct Theme {
    pub tera: Tera,
    /// Files copied into the site, by path relative to the site root.
    pub assets: BTreeMap<PathBuf, Cow<'static, [u8]>>,
    /// The templates' names and text: what a page rendered with this theme
    /// depends on (assets are copied, never read by a page).
    pub templates_key: crate::digest::Key,
}

/// A template file, remembered so template errors can name the file.
struct TemplateSource {
    name: String,
    file: PathBuf,
    text: String,
}

/// Loads the default theme with `book_theme`'s overrides. Fails with
/// diagnostics when a template does not parse.
pub fn load(book_theme: Option<&Path>) -> Result<(Theme, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut warnings = Vec::new();
    let mut templates: BTreeMap<String, TemplateSource> = BTreeMap::new();
    let mut assets: BTreeMap<PathBuf, Cow<'static, [u8]>> = BTreeMap::new();

    for file in embedded_files(&DEFAULT_THEME) {
        let path = file.path();
        if let Ok(name) = path.strip_prefix("templates") {
            let name = name.to_string_lossy().replace('\\', "/");
            let text = String::from_utf8_lossy(file.contents()).into_owned();
            let file = Path::new(DEFAULT_THEME_LABEL).join(path);
            templates.insert(name.clone(), TemplateSource { name, file, text });
        } else if path.file_name().is_some_and(|n| n != "README.md") {
            assets.insert(path.to_owned(), Cow::Borrowed(file.contents()));
        }
    }

    if let Some(dir) = book_theme {
        if !dir.is_dir() {
            return Err(vec![
                Diagnostic::error(
                    format!("theme folder {} does not exist", dir.display()),
                    None,
                )
                .with_help("fix `theme` under [output.html] in book.toml, or create the folder"),
            ]);
        }
        // Hidden files and folders (.git, editor state) are never theme
        // files; neither is anything but templates, static/ and web assets.
        let walk = WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walk.filter_map(Result::ok) {
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap_or(entry.path())
                .to_owned();
            if rel.extension().is_some_and(|e| e == "hbs") {
                warnings.push(
                    Diagnostic::warning(
                        format!("mdBook template `{}` is not used: proofbook's templates are tera, not handlebars", rel.display()),
                        Some(Span::file(entry.path())),
                    )
                    .with_help("port it to templates/*.html (see the default theme's README), or remove it"),
                );
                continue;
            }
            let read = |p: &Path| {
                fsutil::read(p)
                    .map_err(|e| vec![Diagnostic::error(e.to_string(), Some(Span::file(p)))])
            };
            if let Ok(name) = rel.strip_prefix("templates") {
                let name = name.to_string_lossy().replace('\\', "/");
                let text = String::from_utf8_lossy(&read(entry.path())?).into_owned();
                templates.insert(
                    name.clone(),
                    TemplateSource {
                        name,
                        file: entry.path().to_owned(),
                        text,
                    },
                );
            } else if rel.starts_with("static")
                || rel
                    .extension()
                    .is_some_and(|e| ASSET_EXTENSIONS.iter().any(|a| e.eq_ignore_ascii_case(a)))
            {
                assets.insert(rel, Cow::Owned(read(entry.path())?));
            }
        }
    }

    let mut tera = Tera::default();
    // Tera's default escaping also turns `/` into `&#x2F;`, which is legal
    // but makes every URL in a page unreadable; these five are what HTML
    // text and quoted attributes need.
    tera.set_escape_fn(crate::html::escape);
    seal(&mut tera);
    let sources: Vec<(&str, &str)> = templates
        .values()
        .map(|t| (t.name.as_str(), t.text.as_str()))
        .collect();
    let templates_key = crate::digest::Key::of(&sources);
    if let Err(e) = tera.add_raw_templates(sources) {
        return Err(vec![template_error(&e, |name| {
            templates.get(name).map(|t| t.file.clone())
        })]);
    }
    Ok((
        Theme {
            tera,
            assets,
            templates_key,
        },
        warnings,
    ))
}

/// Templates see the data proofbook hands them and nothing of the host.
/// Tera registers `get_env` whatever its features, and it cannot be
/// removed, so it is replaced by a function that fails with a message
/// (a book's template that reads `HOME` or a CI token is an error, not a
/// leak). The other host-reading built-ins (`now`, `get_random`, the `date`
/// filter) exist only with tera's `builtins` feature, which is off; and
/// `{% include %}` only names templates loaded here, never a file.
fn seal(tera: &mut Tera) {
    for name in HOST_FUNCTIONS {
        tera.register_function(name, move |_: &std::collections::HashMap<String, tera::Value>| {
            Err(tera::Error::msg(format!(
                "`{name}` is disabled: templates cannot read the environment, the clock or the host; \
                 put the value in book.toml or the page instead"
            )))
        });
    }
}

/// Functions tera has, or had, that read the host.
const HOST_FUNCTIONS: [&str; 3] = ["get_env", "now", "get_random"];

fn embedded_files(dir: &'static Dir<'static>) -> Vec<&'static include_dir::File<'static>> {
    let mut out: Vec<_> = dir.files().collect();
    for sub in dir.dirs() {
        out.extend(embedded_files(sub));
    }
    out
}

/// A diagnostic for a tera error: the whole cause chain as the message, and
/// the template file and line when tera names them.
pub fn template_error(err: &tera::Error, file_of: impl Fn(&str) -> Option<PathBuf>) -> Diagnostic {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        message.push_str(": ");
        message.push_str(&e.to_string());
        source = e.source();
    }
    let name = message.split('\'').nth(1).unwrap_or("").to_owned();
    let (line, col) = pest_position(&message).unwrap_or((1, 1));
    let span = file_of(&name).map(|file| Span::new(file, line, col, 1));
    Diagnostic::error(format!("template error: {}", message.trim()), span).with_help(
        "fix the template; the default theme's README lists the variables a template can use",
    )
}

/// The `--> line:col` position in a tera parse error, if any.
fn pest_position(message: &str) -> Option<(u32, u32)> {
    let after = &message[message.find("--> ")? + 4..];
    let (line, rest) = after.split_once(':')?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.trim().parse().ok()?, col.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn default_theme_has_the_templates_and_assets_pages_need() {
        let (theme, warnings) = load(None).unwrap();
        assert!(warnings.is_empty());
        let names: Vec<&str> = theme.tera.get_template_names().collect();
        for t in ["page.html", "404.html"] {
            assert!(names.contains(&t), "missing {t}: {names:?}");
        }
        assert!(theme.assets.contains_key(Path::new("static/css/main.css")));
        assert!(theme.assets.contains_key(Path::new("static/js/main.js")));
        // Every page links it; without one, browsers ask for /favicon.ico
        // and log a 404 on every page of a static host.
        assert!(theme.assets.contains_key(Path::new("favicon.svg")));
    }

    #[test]
    fn book_theme_overrides_by_name_and_warns_about_handlebars() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("templates")).unwrap();
        fs::create_dir_all(dir.path().join("static/css")).unwrap();
        fs::create_dir_all(dir.path().join("css")).unwrap();
        fs::write(
            dir.path().join("templates/404.html"),
            "custom {{ page.title }}",
        )
        .unwrap();
        fs::write(dir.path().join("static/css/main.css"), "body{}").unwrap();
        fs::write(dir.path().join("css/general.css"), "p{}").unwrap();
        fs::write(dir.path().join("index.hbs"), "{{title}}").unwrap();
        fs::write(dir.path().join("notes.txt"), "private").unwrap();
        fs::create_dir_all(dir.path().join(".git")).unwrap();
        fs::write(dir.path().join(".git/config"), "secret").unwrap();
        let (theme, warnings) = load(Some(dir.path())).unwrap();
        assert_eq!(&*theme.assets[Path::new("static/css/main.css")], b"body{}");
        assert_eq!(&*theme.assets[Path::new("css/general.css")], b"p{}");
        assert!(!theme.assets.contains_key(Path::new("index.hbs")));
        assert!(
            !theme.assets.contains_key(Path::new("notes.txt")),
            "only web assets are published"
        );
        assert!(
            !theme.assets.contains_key(Path::new(".git/config")),
            "hidden folders are skipped"
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("`index.hbs`"));
        let mut ctx = tera::Context::new();
        ctx.insert("page", &serde_json::json!({"title": "T"}));
        assert_eq!(theme.tera.render("404.html", &ctx).unwrap(), "custom T");
    }

    #[test]
    fn broken_template_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("templates")).unwrap();
        fs::write(
            dir.path().join("templates/page.html"),
            "<p>\n{% if x %}\nno end\n",
        )
        .unwrap();
        let errors = load(Some(dir.path())).err().unwrap();
        let span = errors[0].span.as_ref().unwrap();
        assert!(span.file.ends_with("templates/page.html"), "{span}");
        assert!(span.line >= 2, "{span}");
        assert!(errors[0].message.contains("page.html"));
    }
}
