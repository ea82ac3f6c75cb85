//! Which destinations a build may replace.
//!
//! Replacing a folder deletes what was in it, so proofbook only replaces a
//! folder that is empty, that it made itself (it holds `MARKER_FILE`), or
//! that mdBook made (its tell-tale files are there). The root of the file
//! system, the home folder, the book itself and its source folder are
//! refused whatever they hold.

use std::path::Path;

use crate::output::{MARKER_FILE, OutputError};

/// Files that mark a folder as mdBook's output (0.4 and 0.5).
const MDBOOK_OUTPUT_SIGNS: &[&str] = &["toc.js", "searchindex.js", "book.js", ".nojekyll"];

/// `inputs` are the folders and files the book reads (its source folder
/// first, then its theme folder and additional files): the destination may
/// be neither inside one of them nor hold one, since replacing it would
/// delete them.
pub fn check_destination(
    dest: &Path,
    book_root: &Path,
    inputs: &[&Path],
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
    if !canon.exists() {
        return Ok(());
    }
    if !canon.is_dir() {
        return refuse("it is a file, not a folder");
    }
    let mut entries = match std::fs::read_dir(&canon) {
        Ok(e) => e,
        Err(e) => return refuse(&format!("it cannot be read ({e})")),
    };
    if entries.next().is_none()
        || canon.join(MARKER_FILE).is_file()
        || (canon.join("index.html").is_file()
            && MDBOOK_OUTPUT_SIGNS.iter().any(|f| canon.join(f).exists()))
    {
        return Ok(());
    }
    refuse(
        "it is not empty and was not made by proofbook or mdBook; empty it or choose another folder with --dest-dir",
    )
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
            reason(check_destination(Path::new("/"), &root, &[&src]))
                .contains("root of the file system")
        );
        assert!(reason(check_destination(&root, &root, &[&src])).contains("the book itself"));
        assert!(reason(check_destination(dir.path(), &root, &[&src])).contains("the book itself"));
        assert!(
            reason(check_destination(&src.join("out"), &root, &[&src]))
                .contains("which the book reads")
        );
        // A site folder that holds the source (docs/ for GitHub Pages with
        // src = "docs/src") would take the source with it when replaced.
        let shared = dir.path().join("shared");
        std::fs::create_dir_all(shared.join("src")).unwrap();
        std::fs::write(shared.join(MARKER_FILE), "").unwrap();
        assert!(
            reason(check_destination(&shared, &root, &[&shared.join("src")]))
                .contains("replacing the site would delete it")
        );
        if let Some(home) = std::env::home_dir() {
            assert!(reason(check_destination(&home, &root, &[&src])).contains("home folder"));
        }
    }

    #[test]
    fn foreign_non_empty_folder_is_refused_but_ours_and_mdbooks_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bookroot");
        let src = root.join("content");
        fs::create_dir_all(&src).unwrap();
        let out = root.join("book");
        assert!(
            check_destination(&out, &root, &[&src]).is_ok(),
            "missing is fine"
        );
        fs::create_dir_all(&out).unwrap();
        assert!(
            check_destination(&out, &root, &[&src]).is_ok(),
            "empty is fine"
        );
        fs::write(out.join("thesis.tex"), "precious").unwrap();
        assert!(reason(check_destination(&out, &root, &[&src])).contains("not empty"));
        fs::write(out.join(MARKER_FILE), "").unwrap();
        assert!(check_destination(&out, &root, &[&src]).is_ok());
        let mdbook_out = root.join("mdbook-out");
        fs::create_dir_all(&mdbook_out).unwrap();
        fs::write(mdbook_out.join("index.html"), "").unwrap();
        fs::write(mdbook_out.join("toc.js"), "").unwrap();
        assert!(check_destination(&mdbook_out, &root, &[&src]).is_ok());
    }
}
