//! Where book.toml may send the site.
//!
//! Building replaces the build folder, so a book (a stranger's, in a pull
//! request) must not be able to aim it at the reader's files: `build-dir`
//! must resolve inside the book's root, symbolic links followed (a book
//! can ship `book` as a link to `~/Documents`). A book that really
//! publishes elsewhere (`../docs` for GitHub Pages) says so with
//! `allow-build-dir-outside = true` under `[proofbook]`. `--dest-dir` on
//! the command line is the reader's own choice and is not limited here.

use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError};
use crate::diag::Span;

pub fn check(
    config: &Config,
    allowed: bool,
    span_of: &dyn Fn(&[&str]) -> Span,
) -> Result<(), ConfigError> {
    if allowed {
        return Ok(());
    }
    let dest = resolve(&config.build_dir);
    let root = resolve(&config.root);
    if dest.starts_with(&root) {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        message: format!(
            "the build folder {} is outside the book ({})",
            config.build_dir.display(),
            if dest == crate::fsutil::normalize(&config.build_dir) {
                "building replaces that folder".to_owned()
            } else {
                format!(
                    "through a symbolic link it is {}, which building would replace",
                    dest.display()
                )
            }
        ),
        span: span_of(&["build", "build-dir"]),
        help: Some(
            "keep `build-dir` inside the book's folder; if the book really publishes outside it, \
             add `allow-build-dir-outside = true` under [proofbook], or pass `--dest-dir` when building"
                .into(),
        ),
    })
}

/// `path` with `..` resolved and the symbolic links of its longest
/// existing part followed (the rest does not exist yet, so it cannot be
/// a link).
fn resolve(path: &Path) -> PathBuf {
    let path = crate::fsutil::normalize(path);
    let mut rest = Vec::new();
    let mut at = path.as_path();
    loop {
        if let Ok(real) = at.canonicalize() {
            return rest.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                at = parent;
            }
            _ => return path,
        }
    }
}
