//! Declared data files: an example's `deps=PATH[,PATH…]` → the book's files
//! it may read (#28).
//!
//! Paths are relative to the book's root (where book.toml is), as the
//! example sees them from its working folder; a glob (`data/*.csv`,
//! `data/**`) names every file it matches. Each must lie inside the book:
//! `allow-outside` does not apply, since the file is mounted into the
//! sandbox and its path there is its path in the book. A missing file, a
//! glob that matches nothing, a folder or a path leaving the book is an
//! error at the option: an example whose data silently went missing would
//! print something else than the page says.
//!
//! Nothing here reads a file's content: `execute::data_files` hashes them
//! into the cache key and the sandbox mounts them read-only.

use std::path::{Component, Path, PathBuf};

use globset::GlobBuilder;

use crate::confine::Confined;

/// One declared file.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct DataFile {
    /// Its path relative to the book's root: where the example finds it,
    /// relative to its working folder.
    pub rel: PathBuf,
    /// The file itself (links followed, inside the book).
    pub path: PathBuf,
}

/// Why a `deps=` value was refused: the message and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepsError {
    pub message: String,
    pub help: String,
}

fn error(message: String, help: &str) -> DepsError {
    DepsError {
        message,
        help: help.to_owned(),
    }
}

/// Folders never searched by a glob: proofbook's own and the repository's.
const SKIPPED: &[&str] = &[".git", crate::config::CACHE_DIR];

/// The files `patterns` name, sorted, each once.
pub fn resolve(confine: &Confined, patterns: &[String]) -> Result<Vec<DataFile>, DepsError> {
    let mut out = Vec::new();
    for pattern in patterns {
        let rel = relative(pattern)?;
        if is_glob(pattern) {
            let found = glob(confine, pattern, &rel)?;
            if found.is_empty() {
                return Err(error(
                    format!("`deps={pattern}` matches no file in the book"),
                    "check the pattern; paths are relative to the book's root (where book.toml is)",
                ));
            }
            out.extend(found);
        } else {
            out.push(one(confine, pattern, rel)?);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The pattern as a clean relative path, or why it leaves the book.
fn relative(pattern: &str) -> Result<PathBuf, DepsError> {
    let path = Path::new(pattern);
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(error(
            format!("`deps={pattern}` leaves the book"),
            "name a file inside the book, relative to its root (no `/` at the start, no `..`); copy outside data into the book",
        ));
    }
    let clean: PathBuf = path
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    if clean.as_os_str().is_empty() {
        return Err(error(
            "`deps=` names no file".into(),
            "write `deps=data/prices.csv` (paths relative to the book's root)",
        ));
    }
    Ok(clean)
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '{'])
}

/// A plain path: it must be a file inside the book.
fn one(confine: &Confined, pattern: &str, rel: PathBuf) -> Result<DataFile, DepsError> {
    let root = confine.root();
    let path = confine.resolve(&rel, root).map_err(|e| {
        if e.is_missing() {
            error(
                format!("`deps={pattern}`: no such file in the book"),
                "check the path; it is relative to the book's root (where book.toml is)",
            )
        } else {
            error(
                format!("`deps={pattern}`: {e}"),
                "name a file inside the book; copy outside data into the book",
            )
        }
    })?;
    if !within(&path, root) {
        return Err(error(
            format!("`deps={pattern}` leads outside the book"),
            "name a file inside the book; `allow-outside` does not apply to data files",
        ));
    }
    if !path.is_file() {
        return Err(error(
            format!("`deps={pattern}` is not a file"),
            "name files; for every file of a folder write a glob, e.g. `deps=data/**`",
        ));
    }
    Ok(DataFile { rel, path })
}

/// Whether `path` (as `Confined::resolve` returns it) is below the root
/// rather than an `allow-outside` entry.
fn within(path: &Path, root: &Path) -> bool {
    path.starts_with(root)
}

/// Every file below the glob's fixed leading folders that it matches.
fn glob(confine: &Confined, pattern: &str, rel: &Path) -> Result<Vec<DataFile>, DepsError> {
    let matcher = GlobBuilder::new(&rel.to_string_lossy())
        .literal_separator(true)
        .build()
        .map_err(|e| {
            error(
                format!("`deps={pattern}` is not a valid glob: {}", e.kind()),
                "use `*` within a folder, `**` across folders, `?`, `[abc]` or `{a,b}`",
            )
        })?
        .compile_matcher();
    let fixed: PathBuf = rel
        .components()
        .take_while(|c| !is_glob(&c.as_os_str().to_string_lossy()))
        .collect();
    let root = confine.root();
    let base = root.join(&fixed);
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(&base)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !SKIPPED.iter().any(|s| e.file_name() == *s));
    for entry in walk.flatten() {
        let Ok(found) = entry.path().strip_prefix(root) else {
            continue;
        };
        if entry.file_type().is_dir() || !matcher.is_match(found) {
            continue;
        }
        // A link is followed only when it stays inside the book.
        match confine.resolve(found, root) {
            Ok(path) if within(&path, root) && path.is_file() => out.push(DataFile {
                rel: found.to_owned(),
                path,
            }),
            Ok(_) | Err(_) => {
                return Err(error(
                    format!(
                        "`deps={pattern}` matches `{}`, which leads outside the book or is not a file",
                        found.display()
                    ),
                    "narrow the pattern, or replace the link by the file itself",
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data/sub")).unwrap();
        std::fs::write(dir.path().join("data/a.csv"), "a").unwrap();
        std::fs::write(dir.path().join("data/b.csv"), "b").unwrap();
        std::fs::write(dir.path().join("data/sub/c.csv"), "c").unwrap();
        std::fs::write(dir.path().join("data/notes.txt"), "n").unwrap();
        dir
    }

    fn rels(found: &[DataFile]) -> Vec<String> {
        found.iter().map(|f| f.rel.display().to_string()).collect()
    }

    fn run(dir: &Path, patterns: &[&str]) -> Result<Vec<DataFile>, DepsError> {
        let confine = Confined::new(dir, &[]).0;
        let patterns: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        resolve(&confine, &patterns)
    }

    #[test]
    fn plain_paths_and_globs_name_files_once_sorted() {
        let dir = book();
        let found = run(dir.path(), &["data/b.csv", "data/*.csv", "./data/a.csv"]).unwrap();
        assert_eq!(rels(&found), ["data/a.csv", "data/b.csv"]);
        let all = run(dir.path(), &["data/**"]).unwrap();
        assert_eq!(
            rels(&all),
            [
                "data/a.csv",
                "data/b.csv",
                "data/notes.txt",
                "data/sub/c.csv"
            ]
        );
        assert!(all.iter().all(|f| f.path.is_file()));
    }

    #[test]
    fn bad_values_are_refused_with_what_to_do() {
        let dir = book();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("data/link"))
            .unwrap();
        let message = |p: &str| run(dir.path(), &[p]).unwrap_err().message;
        assert!(message("data/missing.csv").contains("no such file"));
        assert!(message("data/*.json").contains("matches no file"));
        assert!(message("../x.csv").contains("leaves the book"));
        assert!(message("/etc/passwd").contains("leaves the book"));
        assert!(message("data").contains("not a file"));
        assert!(message("data/link").contains("outside the book"));
        assert!(message("data/l*").contains("leads outside the book"));
        assert!(message("data/[a").contains("not a valid glob"));
    }
}
