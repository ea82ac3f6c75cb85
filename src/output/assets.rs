//! The site's files that are not pages: the theme's assets, the generated
//! syntax stylesheet, the book's non-Markdown files, additional CSS/JS and
//! the CNAME file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::Config;
use crate::diag::{Diagnostic, Span};
use crate::output::{Content, SiteFile, url_of};
use crate::render::{Highlighter, Theme};

/// Every file of the site but the pages. The book's own files come first,
/// so they win over theme files of the same name.
pub fn static_files(config: &Config, theme: &Theme, diags: &mut Vec<Diagnostic>) -> Vec<SiteFile> {
    let mut files: Vec<SiteFile> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut add = |f: SiteFile, files: &mut Vec<SiteFile>| {
        if seen.insert(f.path.clone()) {
            files.push(f);
        }
    };
    // The book's own files first: they win over theme files of the same name.
    for entry in WalkDir::new(&config.src)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .filter_map(Result::ok)
    {
        let path = entry.path();
        if entry.file_type().is_file() && path.extension().is_none_or(|e| e != "md") {
            let rel = path.strip_prefix(&config.src).unwrap_or(path).to_owned();
            add(
                SiteFile {
                    path: rel,
                    content: Content::CopyOf(path.to_owned()),
                },
                &mut files,
            );
        }
    }
    // The standalone programs, for readers to download and run by hand.
    let examples = config.root.join(crate::config::EXAMPLES_DIR);
    if examples.is_dir() {
        for entry in WalkDir::new(&examples)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                e.depth() == 0 || !(name.starts_with('.') || name == "__pycache__")
            })
            .filter_map(Result::ok)
        {
            // Regular files only: a symbolic link could point anywhere.
            if entry.file_type().is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(&config.root)
                    .unwrap_or(entry.path());
                add(
                    SiteFile {
                        path: rel.to_owned(),
                        content: Content::CopyOf(entry.path().to_owned()),
                    },
                    &mut files,
                );
            }
        }
    }
    for extra in config
        .html
        .additional_css
        .iter()
        .chain(&config.html.additional_js)
    {
        let from = config.root.join(extra);
        if from.is_file() {
            add(
                SiteFile {
                    path: PathBuf::from(url_of(extra)),
                    content: Content::CopyOf(from),
                },
                &mut files,
            );
        } else {
            diags.push(
                Diagnostic::error(format!("additional file `{}` does not exist", extra.display()), Some(Span::file(config.root.join("book.toml"))))
                    .with_help("paths in additional-css and additional-js are relative to the folder of book.toml"),
            );
        }
    }
    if !theme
        .assets
        .contains_key(Path::new("static/css/syntax.css"))
    {
        add(
            SiteFile::text("static/css/syntax.css", Highlighter::css()),
            &mut files,
        );
    }
    for (path, bytes) in &theme.assets {
        // Without search the theme's search script would load for nothing.
        if config.html.search.is_none() && path == Path::new(crate::render::search::SCRIPT) {
            continue;
        }
        add(
            SiteFile {
                path: path.clone(),
                content: Content::Bytes(bytes.clone()),
            },
            &mut files,
        );
    }
    if let Some(cname) = &config.html.cname {
        add(SiteFile::text("CNAME", format!("{cname}\n")), &mut files);
    }
    // GitHub Pages would otherwise hide files whose names start with `_`.
    add(SiteFile::text(".nojekyll", String::new()), &mut files);
    files
}
