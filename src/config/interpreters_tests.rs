use std::path::Path;

use super::*;
use crate::config::Config;

const HEAD: &str = "[book]\ntitle = \"t\"\n\n[proofbook.python.interpreters]\n";

fn load(table: &str) -> Result<Config, ConfigError> {
    load_in(table, Path::new("/books/b"))
}

fn load_in(table: &str, root: &Path) -> Result<Config, ConfigError> {
    let text = format!("{HEAD}{table}");
    Config::from_str(&text, root, &root.join("book.toml")).map(|(c, _)| c)
}

/// Every error of a config that must fail: (message, line, help).
fn errors(table: &str) -> Vec<(String, u32, String)> {
    let e = load(table).expect_err("this book.toml must be refused");
    let all = match e {
        ConfigError::Several(all) => all,
        one => vec![one],
    };
    all.into_iter()
        .map(|e| match e {
            ConfigError::Invalid {
                message,
                span,
                help,
            } => (message, span.line, help.unwrap_or_default()),
            other => panic!("expected an invalid-config error, got {other:?}"),
        })
        .collect()
}

#[test]
fn a_book_without_the_table_names_no_interpreters() {
    let (config, _) =
        Config::from_str("", Path::new("/books/b"), Path::new("/books/b/book.toml")).unwrap();
    assert!(config.run.interpreters.is_empty());
    assert_eq!(config.run.interpreter, "python3");
}

#[test]
fn entries_are_read_with_their_lines() {
    let config = load(
        "\"3.12\" = { version = \"3.12\" }\n\"3.13t\" = { version = \"3.13\", free-threaded = true, optional = true }\nsys = { path = \"/bin/sh\" }\n",
    )
    .unwrap();
    let named = &config.run.interpreters;
    let names: Vec<&str> = named.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["3.12", "3.13t", "sys"]);
    assert_eq!(named[0].want.version, Some((3, 12)));
    // A version entry that does not ask for free-threading wants the GIL
    // build, so "3.13" is never quietly a 3.13t.
    assert_eq!(named[0].want.free_threaded, Some(false));
    assert_eq!(named[0].want.command().as_deref(), Some("python3.12"));
    assert_eq!(named[0].span.line, 5);
    assert_eq!(named[1].want.command().as_deref(), Some("python3.13t"));
    assert!(named[1].optional && !named[0].optional);
    assert_eq!(named[1].span.line, 6);
    assert_eq!(named[2].want.path.as_deref(), Some(Path::new("/bin/sh")));
    assert_eq!(named[2].want.free_threaded, None);
    assert_eq!(named[2].want.command(), None);
}

#[test]
fn a_misspelt_key_is_refused_with_the_nearest_name() {
    let found = errors("\"3.13t\" = { version = \"3.13\", free-thread = true }\n");
    assert_eq!(found.len(), 1, "{found:?}");
    let (message, line, help) = &found[0];
    assert!(message.contains("unknown field `free-thread`"), "{message}");
    assert_eq!(*line, 5);
    assert!(help.starts_with("did you mean `free-threaded`?"), "{help}");
}

#[test]
fn a_misspelt_table_name_is_refused_with_the_nearest_name() {
    let text = "[proofbook.python.interpeters]\n\"3.12\" = { version = \"3.12\" }\n";
    let e = Config::from_str(text, Path::new("/books/b"), Path::new("/books/b/book.toml"))
        .expect_err("a misspelt table must be refused");
    let ConfigError::Invalid { message, help, .. } = e else {
        panic!("expected one invalid-config error, got {e:?}");
    };
    assert!(message.contains("unknown field `interpeters`"), "{message}");
    assert!(help.unwrap().starts_with("did you mean `interpreters`?"));
}

#[test]
fn every_bad_entry_is_reported_at_its_line() {
    let found = errors(
        "a = { version = \"3.13t\" }\nb = { version = \"three\" }\n\"c,d\" = { version = \"3.12\" }\ne = { optional = true }\nf = { version = \"3.12\", free-threaded = true }\n",
    );
    let lines: Vec<u32> = found.iter().map(|(_, line, _)| *line).collect();
    assert_eq!(lines, [5, 6, 7, 8, 9], "{found:?}");
    assert!(
        found[0].2.contains("free-threaded = true"),
        "{:?}",
        found[0]
    );
    assert!(
        found[1].0.contains("not a CPython version"),
        "{:?}",
        found[1]
    );
    assert!(
        found[2].0.contains("only letters, digits"),
        "{:?}",
        found[2]
    );
    assert!(
        found[3].0.contains("neither `version` nor `path`"),
        "{:?}",
        found[3]
    );
    assert!(
        found[4].0.contains("no free-threaded build"),
        "{:?}",
        found[4]
    );
}

#[test]
fn a_path_must_be_an_executable_file() {
    // The book is in `book/`; the paths lead beside it, on the machine.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    std::fs::create_dir(&book).unwrap();
    let plain = dir.path().join("python-not-executable");
    std::fs::write(&plain, "").unwrap();
    let table = format!(
        "folder = {{ path = {:?} }}\nmissing = {{ path = \"../nowhere/python3\" }}\nplain = {{ path = \"../python-not-executable\" }}\n",
        dir.path().display().to_string()
    );
    let e = load_in(&table, &book).expect_err("these paths must be refused");
    let ConfigError::Several(all) = e else {
        panic!("expected three errors, got {e:?}");
    };
    let found: Vec<(String, u32)> = all
        .iter()
        .map(|e| match e {
            ConfigError::Invalid { message, span, .. } => (message.clone(), span.line),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(found[0].0.contains("is not a file"), "{found:?}");
    assert_eq!(found[0].1, 5);
    // Relative paths are relative to book.toml's folder.
    let missing = book.join("../nowhere/python3");
    assert!(
        found[1].0.contains(&missing.display().to_string()),
        "{found:?}"
    );
    assert_eq!(found[1].1, 6);
    assert!(found[2].0.contains("is not executable"), "{found:?}");
    assert_eq!(found[2].1, 7);
}

/// A book with an executable `tools/python3` and a link `tools/link` to it,
/// and a link `outside` from the book to the machine's /bin/sh.
fn book_with_program() -> (tempfile::TempDir, std::path::PathBuf) {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    std::fs::create_dir_all(book.join("tools")).unwrap();
    let program = book.join("tools/python3");
    std::fs::write(&program, "#!/bin/sh\necho ran > ran\n").unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A link from outside into the book: where it leads is what counts.
    symlink(&program, dir.path().join("elsewhere")).unwrap();
    symlink("/bin/sh", book.join("outside")).unwrap();
    (dir, book)
}

#[test]
fn a_path_into_the_book_is_refused_at_its_line() {
    let (dir, book) = book_with_program();
    let table = format!(
        "rel = {{ path = \"tools/python3\" }}\nabs = {{ path = {:?} }}\nlinked = {{ path = {:?} }}\n",
        book.join("tools/python3").display().to_string(),
        dir.path().join("elsewhere").display().to_string(),
    );
    let e = load_in(&table, &book).expect_err("the book's programs must be refused");
    let ConfigError::Several(all) = e else {
        panic!("expected three errors, got {e:?}");
    };
    let mut lines = Vec::new();
    for e in &all {
        let ConfigError::Invalid {
            message,
            span,
            help,
        } = e
        else {
            panic!("{e:?}");
        };
        assert!(message.contains("is inside the book"), "{message}");
        let help = help.as_deref().unwrap();
        assert!(help.contains("never of the book"), "{help}");
        lines.push(span.line);
    }
    lines.sort();
    assert_eq!(lines, [5, 6, 7]);
    // A link in the book that leads out to the machine's program is the
    // machine's.
    let config = load_in("sh = { path = \"outside\" }\n", &book).unwrap();
    assert_eq!(
        config.run.interpreters[0].want.path,
        Some(book.join("outside"))
    );
}

#[test]
fn a_default_interpreter_in_the_book_is_refused_at_its_line() {
    let (dir, book) = book_with_program();
    let load_default = |value: &str| {
        let text =
            format!("[book]\ntitle = \"t\"\n\n[proofbook.python]\ninterpreter = {value:?}\n");
        Config::from_str(&text, &book, &book.join("book.toml")).map(|(c, _)| c)
    };
    for value in [
        "./tools/python3".to_owned(),
        "tools/python3".to_owned(),
        dir.path().join("elsewhere").display().to_string(),
    ] {
        match load_default(&value) {
            Err(ConfigError::Invalid {
                message,
                span,
                help,
            }) => {
                assert!(message.contains("inside the book"), "{message}");
                assert_eq!(span.line, 5);
                assert!(help.unwrap().contains("never of the book"));
            }
            other => panic!("{value}: expected a refusal, got {other:?}"),
        }
    }
    // A bare name is looked up on PATH when examples run; a path outside
    // the book is kept, made absolute from book.toml's folder.
    assert_eq!(
        load_default("python3.12").unwrap().run.interpreter,
        "python3.12"
    );
    assert_eq!(
        load_default("../../usr/bin/python3")
            .unwrap()
            .run
            .interpreter,
        book.join("../../usr/bin/python3").display().to_string()
    );
}
