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
    let not_git = |e: &walkdir::DirEntry| e.file_name() != ".git";
    for f in copies_under(&config.src, &config.src, not_git) {
        if f.path.extension().is_none_or(|e| e != "md") {
            add(f, &mut files);
        }
    }
    // The standalone programs, for readers to download and run by hand,
    // without caches or hidden files.
    // A folder that leads out of the book, or holds a link out of it or a
    // special file, is refused whole (`Confined::tree_problems`).
    let examples = config.root.join(crate::config::EXAMPLES_DIR);
    let refused = config.confine.tree_problems(&examples);
    let examples_ok = refused.is_empty();
    diags.extend(refused);
    let published = |e: &walkdir::DirEntry| {
        let name = e.file_name().to_string_lossy();
        e.depth() == 0 || !(name.starts_with('.') || name == "__pycache__")
    };
    if examples_ok {
        for f in copies_under(&examples, &config.root, published) {
            add(f, &mut files);
        }
    }
    for extra in config
        .html
        .additional_css
        .iter()
        .chain(&config.html.additional_js)
    {
        // book.toml's checks refused a path out of the book; resolving again
        // copies exactly the file that was judged.
        let from = match config.confine.resolve(extra, &config.root) {
            Ok(from) => from,
            Err(e) if e.is_missing() => config.root.join(extra),
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        e.to_string(),
                        Some(Span::file(config.root.join("book.toml"))),
                    )
                    .with_help(e.help()),
                );
                continue;
            }
        };
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

/// Every regular file under `dir` (in name order; a folder `keep` refuses
/// is skipped whole), to be copied to its path relative to `base`. Symbolic
/// links are not followed: they could point anywhere.
fn copies_under(
    dir: &Path,
    base: &Path,
    keep: impl FnMut(&walkdir::DirEntry) -> bool,
) -> impl Iterator<Item = SiteFile> {
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(keep)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(move |e| SiteFile {
            path: e.path().strip_prefix(base).unwrap_or(e.path()).to_owned(),
            content: Content::CopyOf(e.path().to_owned()),
        })
}
