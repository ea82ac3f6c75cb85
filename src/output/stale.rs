//! Temp folders a killed build left beside its destination.
//!
//! An interrupted build removes its own staging folder (`crate::interrupt`);
//! one killed with SIGKILL cannot. Its temp folders carry its pid
//! (`.book.new-PID-XXXXXX`, `.book.old-PID-XXXXXX`, see
//! `atomic::temp_prefix`), so the next build, or `proofbook clean`,
//! removes those whose process is gone, and only those: a concurrent
//! build's folders are alive, and a folder of another name is not ours.

use std::path::Path;

use crate::output::atomic::keep_aside;

use crate::output::manifest::{self, Ownership};

/// Removes the temp folders of dead builds beside `dest`; one line for
/// each, saying what was done.
pub fn remove_stale(dest: &Path) -> Vec<String> {
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some((kind, owner)) = leftover_of(&name, &file_name) else {
            continue;
        };
        let path = entry.path();
        // A real folder only: a link of that name is not one we made.
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir || crate::interrupt::process_alive(owner) {
            continue;
        }
        lines.push(match remove_leftover(&path, kind, dest) {
            Ok(line) => format!("{line} (left by proofbook process {owner}, which is gone)"),
            Err(e) => format!("cannot remove {}: {e}", path.display()),
        });
    }
    lines
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A site being written: all of it proofbook's.
    New,
    /// The site being replaced, inside as `site`: deleted only if it is
    /// still proofbook's as written.
    Old,
}

/// `(kind, pid)` when `file_name` is a temp folder of the site `name`.
fn leftover_of(name: &str, file_name: &str) -> Option<(Kind, i32)> {
    let rest = file_name.strip_prefix(&format!(".{name}."))?;
    let (kind, rest) = if let Some(r) = rest.strip_prefix("new-") {
        (Kind::New, r)
    } else {
        (Kind::Old, rest.strip_prefix("old-")?)
    };
    let (pid, random) = rest.split_once('-')?;
    if random.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((kind, pid.parse().ok()?))
}

fn remove_leftover(path: &Path, kind: Kind, dest: &Path) -> Result<String, String> {
    if kind == Kind::Old {
        let site = path.join("site");
        if let Ownership::Foreign(_) = manifest::ownership(&site) {
            let kept = keep_aside(&site, dest).map_err(|e| e.to_string())?;
            std::fs::remove_dir(path).map_err(|e| e.to_string())?;
            return Ok(format!(
                "kept a replaced folder that was not proofbook's as {}",
                kept.display()
            ));
        }
    }
    std::fs::remove_dir_all(path).map_err(|e| e.to_string())?;
    Ok(format!(
        "removed {}, an unfinished {}",
        path.display(),
        match kind {
            Kind::New => "site",
            Kind::Old => "swap",
        }
    ))
}

/// Removes the store of print.html's and the search index's parts that
/// proofbook kept in the book's cache before their places were recorded
/// in the site itself (`spans`): nothing reads it any more. A link of that
/// name is left alone, as is anything else in the cache.
pub fn remove_parts_store(cache_dir: &Path) {
    let store = cache_dir.join("parts");
    if std::fs::symlink_metadata(&store).is_ok_and(|m| m.is_dir()) {
        let _ = std::fs::remove_dir_all(&store);
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn only_a_dead_builds_folders_of_this_site_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        // A pid that cannot be running: above the kernel's pid_max.
        let dead = 1 << 23;
        let me = std::process::id();
        let folders = [
            format!(".book.new-{dead}-abc123"),
            format!(".book.new-{me}-abc123"),
            format!(".other.new-{dead}-abc123"),
            ".book.new-xyz".to_owned(),
        ];
        for f in &folders {
            fs::create_dir_all(dir.path().join(f).join("sub")).unwrap();
            fs::write(dir.path().join(f).join("sub/page.html"), "x").unwrap();
        }
        let lines = remove_stale(&dest);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(&folders[0]), "{lines:?}");
        assert!(!dir.path().join(&folders[0]).exists());
        for kept in &folders[1..] {
            assert!(dir.path().join(kept).exists(), "{kept} is kept");
        }
    }

    #[test]
    fn an_old_site_that_is_not_ours_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("book");
        let dead = 1 << 23;
        let old = dir.path().join(format!(".book.old-{dead}-q1w2e3"));
        fs::create_dir_all(old.join("site")).unwrap();
        fs::write(old.join("site/thesis.tex"), "precious").unwrap();
        let lines = remove_stale(&dest);
        assert!(lines[0].contains("kept"), "{lines:?}");
        assert!(!old.exists());
        let kept: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            fs::read_to_string(kept[0].join("thesis.tex")).unwrap(),
            "precious"
        );
    }

    #[test]
    fn leftover_names_are_read_strictly() {
        assert_eq!(leftover_of("book", ".book.new-12-x"), Some((Kind::New, 12)));
        assert_eq!(leftover_of("book", ".book.old-12-x"), Some((Kind::Old, 12)));
        assert_eq!(leftover_of("book", ".book.new-12-"), None);
        assert_eq!(leftover_of("book", ".book.new-x-12"), None);
        assert_eq!(leftover_of("book", ".books.new-12-x"), None);
        assert_eq!(leftover_of("book", "book.new-12-x"), None);
    }
}
