//! The programs a book names to run as the user: mdBook's preprocessors
//! (`[preprocessor.NAME]`) and renderers (`[output.NAME]`).
//!
//! They run outside the Python sandbox, with the user's rights, as under
//! mdBook; that is what such a program is for (an EPUB or PDF backend, a
//! link checker). What the book decides is which program: a bare name is
//! looked up on PATH, as a shell would; a path with a folder in it is
//! relative to the book's root (mdBook's rule) and must lead, links
//! followed, to a file inside the book, so a book cannot point at an
//! arbitrary program elsewhere on the machine.

use std::path::Path;
use std::process::Command;

use crate::confine::{ConfineError, Confined};

/// The command line split like a shell would, its program resolved.
/// `Err` says what is wrong with it, in words that follow the table's name.
pub fn command(line: &str, confine: &Confined) -> Result<Command, String> {
    let words = shlex::split(line).ok_or_else(|| "has unbalanced quotes".to_owned())?;
    let (program, args) = words.split_first().ok_or_else(|| "is empty".to_owned())?;
    let program = Path::new(program);
    let program = if program.components().count() == 1 && program.is_relative() {
        program.to_owned()
    } else {
        match confine.resolve(program, confine.root()) {
            Ok(real) => real,
            // Not there: spawning it fails as "not found", which the caller
            // reports as a missing program (optional or not).
            Err(ConfineError::Missing { .. }) => confine.root().join(program),
            Err(e) => {
                return Err(format!(
                    "names a program outside the book: {e}; name a program on PATH by its bare name, or put it inside the book"
                ));
            }
        }
    };
    let mut cmd = Command::new(program);
    cmd.args(args);
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_like_a_shell_and_resolve_inside_the_book() {
        let book = tempfile::tempdir().unwrap();
        std::fs::create_dir(book.path().join("tools")).unwrap();
        std::fs::write(book.path().join("tools/pre"), "").unwrap();
        let (confine, _) = Confined::new(book.path(), &[]);
        let cmd = command("./tools/pre --flag 'two words'", &confine).unwrap();
        assert_eq!(cmd.get_program(), book.path().join("tools/pre"));
        assert_eq!(cmd.get_args().collect::<Vec<_>>(), ["--flag", "two words"]);
        assert_eq!(
            command("mdbook-toc", &confine).unwrap().get_program(),
            "mdbook-toc"
        );
        // A path not there is left for spawning to find missing.
        assert_eq!(
            command("tools/absent", &confine).unwrap().get_program(),
            book.path().join("tools/absent")
        );
        assert!(command("pre 'unbalanced", &confine).is_err());
        assert!(command("", &confine).is_err());
    }

    #[test]
    fn a_program_outside_the_book_is_refused() {
        let book = tempfile::tempdir().unwrap();
        let (confine, _) = Confined::new(book.path(), &[]);
        let err = command("/bin/sh -c true", &confine).unwrap_err();
        assert!(err.contains("outside the book"), "{err}");
        std::os::unix::fs::symlink("/bin/sh", book.path().join("sh")).unwrap();
        let err = command("./sh", &confine).unwrap_err();
        assert!(err.contains("outside the book"), "{err}");
        let err = command("../../bin/sh", &confine).unwrap_err();
        assert!(err.contains("outside the book"), "{err}");
    }
}
