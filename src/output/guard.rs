//! Which destinations a build may replace.
//!
//! Replacing a folder deletes what was in it, so proofbook only replaces a
//! folder that is empty or that it wrote itself, unchanged since
//! (`manifest::ownership`); any other is refused, or with `force` moved
//! aside when the site is swapped in. The root of the file system, the
//! home folder, the book itself and its source folder are refused
//! whatever they hold, `force` or not.

use std::path::Path;

use crate::output::OutputError;
use crate::output::manifest::{self, Ownership};

/// `inputs` are the folders and files the book reads (its source folder
/// first, then its theme folder and additional files): the destination may
/// be neither inside one of them nor hold one, since replacing it would
/// delete them.
pub fn check_destination(
    dest: &Path,
    book_root: &Path,
    inputs: &[&Path],
    force: bool,
) -> Result<(), OutputError> {
    let refuse = |reason: &str| {
        Err(OutputError::UnsafeDestination {
            dest: dest.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let dest = std::path::absolute(dest).unwrap_or_else(|_| dest.to_owned());
    let canon = dest.canonicalize().unwrap_or_else(|_| dest.clone());
    let canon_root = book_root
        .canonicalize()
        .unwrap_or_else(|_| book_root.to_owned());
    if canon.parent().is_none() {
        return refuse("it is the root of the file system");
    }
    if let Some(home) = std::env::home_dir() {
        let home = home.canonicalize().unwrap_or(home);
        if canon == home || home.starts_with(&canon) {
            return refuse("it is (or holds) your home folder");
        }
    }
    if canon_root.starts_with(&canon) {
        return refuse(
            "it is (or holds) the book itself; choose a folder such as `book/` inside it",
        );
    }
    for input in inputs {
        let canon_input = input.canonicalize().unwrap_or_else(|_| input.to_path_buf());
        if canon.starts_with(&canon_input) {
            return refuse(&format!(
                "it is (or is inside) {}, which the book reads (its files would be copied into the site)",
                input.display()
            ));
        }
        if canon_input.starts_with(&canon) {
            return refuse(&format!(
                "it holds {}, which the book reads; replacing the site would delete it",
                input.display()
            ));
        }
    }
    match manifest::ownership(&canon) {
        Ownership::Free | Ownership::Ours(_) => Ok(()),
        Ownership::Foreign(_) if force => Ok(()),
        Ownership::Foreign(found) => Err(OutputError::NotOurs {
            dest: dest.clone(),
            found,
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn reason(r: Result<(), OutputError>) -> String {
        match r {
            Err(OutputError::UnsafeDestination { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn dangerous_destinations_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bookroot");
        let src = root.join("content");
        fs::create_dir_all(&src).unwrap();
        assert!(
            reason(check_destination(Path::new("/"), &root, &[&src], true))
                .contains("root of the file system")
        );
        assert!(reason(check_destination(&root, &root, &[&src], true)).contains("the book itself"));
        assert!(
            reason(check_destination(dir.path(), &root, &[&src], true)).contains("the book itself")
        );
        assert!(
            reason(check_destination(&src.join("out"), &root, &[&src], true))
                .contains("which the book reads")
        );
        // A site folder that holds the source (docs/ for GitHub Pages with
        // src = "docs/src") would take the source with it when replaced.
        let shared = dir.path().join("shared");
        std::fs::create_dir_all(shared.join("src")).unwrap();
        assert!(
            reason(check_destination(
                &shared,
                &root,
                &[&shared.join("src")],
                true
            ))
            .contains("replacing the site would delete it")
        );
        if let Some(home) = std::env::home_dir() {
            assert!(reason(check_destination(&home, &root, &[&src], true)).contains("home folder"));
        }
    }

    #[test]
    fn a_foreign_folder_is_refused_unless_forced_and_ours_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bookroot");
        let src = root.join("content");
        fs::create_dir_all(&src).unwrap();
        let out = root.join("book");
        let check = |force| check_destination(&out, &root, &[&src], force);
        assert!(check(false).is_ok(), "missing is fine");
        fs::create_dir_all(&out).unwrap();
        assert!(check(false).is_ok(), "empty is fine");
        fs::write(out.join("thesis.tex"), "precious").unwrap();
        match check(false) {
            Err(e @ OutputError::NotOurs { .. }) => {
                let text = e.to_string();
                assert!(text.contains("thesis.tex"), "{text}");
                assert!(text.contains("--force"), "{text}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(check(true).is_ok(), "--force moves it aside later");
        fs::remove_file(out.join("thesis.tex")).unwrap();
        fs::write(out.join("index.html"), "").unwrap();
        manifest::write_marker(&out, None, &manifest::Written::default()).unwrap();
        assert!(check(false).is_ok());
        // mdBook's output is another tool's: refused like any other.
        let mdbook_out = root.join("mdbook-out");
        fs::create_dir_all(&mdbook_out).unwrap();
        fs::write(mdbook_out.join("index.html"), "").unwrap();
        fs::write(mdbook_out.join("toc.js"), "").unwrap();
        let e = check_destination(&mdbook_out, &root, &[&src], false).unwrap_err();
        assert!(e.to_string().contains("mdBook"), "{e}");
    }
}
