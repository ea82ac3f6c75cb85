//! `serve::watch` on the real file system: which edits make which batches.
//!
//! Every test waits up to 5 s for a batch it expects, and asserts silence
//! over 500 ms only where a second batch (or any batch) would be a bug.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use proofbook::serve::watch::{Change, WatchSet, Watcher};
use tempfile::TempDir;

/// Long enough that a test thread descheduled mid-burst does not split it.
const DEBOUNCE: Duration = Duration::from_millis(150);
const WAIT: Duration = Duration::from_secs(5);
const SILENCE: Duration = Duration::from_millis(500);

/// A book with a source, theme and examples folder, an output folder and a
/// cache folder, and a watcher on it.
struct Book {
    _dir: TempDir,
    root: PathBuf,
    watcher: Watcher,
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn layout(root: &Path) {
    write(&root.join("book.toml"), "[book]\ntitle = \"t\"\n");
    write(&root.join("requirements.txt"), "numpy\n");
    write(&root.join("src/SUMMARY.md"), "- [X](x.md)\n");
    write(&root.join("src/x.md"), "# X\n");
    write(&root.join("theme/css/extra.css"), "body {}\n");
    write(&root.join("examples/helper.py"), "X = 1\n");
    write(&root.join("book/index.html"), "<p>old</p>\n");
    write(&root.join(".proofbook-cache/results/a.json"), "{}\n");
}

fn watch_set(root: &Path, src: &str) -> WatchSet {
    WatchSet {
        root: root.to_owned(),
        src: root.join(src),
        theme: Some(root.join("theme")),
        examples: Some(root.join("examples")),
        data: false,
        requirements: Some(root.join("requirements.txt")),
        ignore: vec![root.join("book"), root.join(".proofbook-cache")],
    }
}

fn book() -> Book {
    book_with_src("src")
}

fn book_with_src(src: &str) -> Book {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    layout(&root);
    let watcher = Watcher::start(watch_set(&root, src), DEBOUNCE).unwrap();
    Book {
        _dir: dir,
        root,
        watcher,
    }
}

impl Book {
    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn batch(&self) -> BTreeSet<Change> {
        let batch = self.watcher.next_batch_timeout(WAIT);
        let errors = self.watcher.take_errors();
        assert!(errors.is_empty(), "{errors:?}");
        batch.expect("a batch within 5 s")
    }

    fn silence(&self) {
        assert_eq!(self.watcher.next_batch_timeout(SILENCE), None);
        assert!(!self.watcher.is_stopped());
    }

    fn source(&self, rel: &str) -> Change {
        Change::Source(self.path(rel))
    }
}

fn set<const N: usize>(changes: [Change; N]) -> BTreeSet<Change> {
    changes.into_iter().collect()
}

#[test]
fn editing_a_chapter_is_one_source_batch() {
    let b = book();
    write(&b.path("src/x.md"), "# X edited\n");
    assert_eq!(b.batch(), set([b.source("src/x.md")]));
    b.silence();
}

#[test]
fn book_toml_is_config() {
    let b = book();
    write(&b.path("book.toml"), "[book]\ntitle = \"u\"\n");
    assert_eq!(b.batch(), set([Change::Config]));
}

#[test]
fn summary_is_summary() {
    let b = book();
    write(&b.path("src/SUMMARY.md"), "- [X](x.md)\n- [Y](y.md)\n");
    assert_eq!(b.batch(), set([Change::Summary]));
}

#[test]
fn requirements_file_is_requirements() {
    let b = book();
    write(&b.path("requirements.txt"), "numpy\nscipy\n");
    assert_eq!(b.batch(), set([Change::Requirements]));
}

#[test]
fn example_file_is_example() {
    let b = book();
    write(&b.path("examples/helper.py"), "X = 2\n");
    assert_eq!(
        b.batch(),
        set([Change::Example(b.path("examples/helper.py"))])
    );
}

#[test]
fn theme_file_is_theme() {
    let b = book();
    write(&b.path("theme/css/extra.css"), "body { color: red }\n");
    assert_eq!(
        b.batch(),
        set([Change::Theme(b.path("theme/css/extra.css"))])
    );
}

#[test]
fn output_cache_and_tool_folders_make_no_batch() {
    let b = book();
    for rel in [
        "book/index.html",
        "book/new/page.html",
        ".proofbook-cache/results/b.json",
        "target/debug/x",
        ".git/index",
        "node_modules/x/index.js",
        "notes.md",
    ] {
        write(&b.path(rel), "x");
    }
    fs::remove_dir_all(b.path("book")).unwrap();
    b.silence();
    // The watcher still works, and none of the above leaked into the batch.
    write(&b.path("src/x.md"), "# X edited\n");
    assert_eq!(b.batch(), set([b.source("src/x.md")]));
}

#[test]
fn editor_temp_files_make_no_batch() {
    let b = book();
    for name in [
        ".#x.md",
        "x.md~",
        ".x.md.swp",
        ".x.md.swx",
        "x.md.swo",
        "4913",
        "x.md.tmp",
        "x.md.kate-swp",
        "#x.md#",
        ".DS_Store",
        ".hidden.md",
        "x.md___jb_tmp___",
    ] {
        write(&b.path("src").join(name), "x");
    }
    b.silence();
}

#[test]
fn metadata_only_change_makes_no_batch() {
    use std::os::unix::fs::PermissionsExt;
    let b = book();
    let x = b.path("src/x.md");
    fs::set_permissions(&x, fs::Permissions::from_mode(0o600)).unwrap();
    b.silence();
}

#[test]
fn vim_save_is_one_batch_with_only_the_chapter() {
    use std::os::unix::fs::PermissionsExt;
    let b = book();
    let src = b.path("src");
    write(&src.join(".x.md.swp"), "swap");
    write(&src.join("4913"), "");
    fs::remove_file(src.join("4913")).unwrap();
    fs::rename(src.join("x.md"), src.join("x.md~")).unwrap();
    write(&src.join("x.md"), "# X saved by vim\n");
    fs::set_permissions(src.join("x.md"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::remove_file(src.join("x.md~")).unwrap();
    write(&src.join(".x.md.swp"), "swap 2");
    fs::remove_file(src.join(".x.md.swp")).unwrap();
    assert_eq!(b.batch(), set([b.source("src/x.md")]));
    b.silence();
}

#[test]
fn atomic_rename_over_save_is_source() {
    let b = book();
    let src = b.path("src");
    write(&src.join(".x.md.tmp4821"), "# X saved atomically\n");
    fs::rename(src.join(".x.md.tmp4821"), src.join("x.md")).unwrap();
    assert_eq!(b.batch(), set([b.source("src/x.md")]));
    b.silence();
}

#[test]
fn burst_of_writes_is_one_batch() {
    let b = book();
    for i in 0..20 {
        write(&b.path("src/x.md"), &format!("# X {i}\n"));
    }
    assert_eq!(b.batch(), set([b.source("src/x.md")]));
    b.silence();
}

#[test]
fn edits_to_several_files_come_together() {
    let b = book();
    write(&b.path("src/x.md"), "# X edited\n");
    write(&b.path("src/SUMMARY.md"), "- [X](x.md)\n- [Y](y.md)\n");
    write(&b.path("src/y.md"), "# Y\n");
    assert_eq!(
        b.batch(),
        set([Change::Summary, b.source("src/x.md"), b.source("src/y.md")])
    );
    b.silence();
}

#[test]
fn new_chapter_folder_is_watched() {
    let b = book();
    write(&b.path("src/part/one.md"), "# One\n");
    let first = b.batch();
    assert!(first.contains(&b.source("src/part/one.md")), "{first:?}");
    write(&b.path("src/part/one.md"), "# One edited\n");
    assert_eq!(b.batch(), set([b.source("src/part/one.md")]));
}

#[test]
fn deleting_a_chapter_is_source() {
    let b = book();
    fs::remove_file(b.path("src/x.md")).unwrap();
    assert_eq!(b.batch(), set([b.source("src/x.md")]));
}

#[test]
fn theme_folder_renamed_away_and_back_is_watched_again() {
    let b = book();
    fs::rename(b.path("theme"), b.path("theme-old")).unwrap();
    let away = b.batch();
    assert!(away.contains(&Change::Theme(b.path("theme"))), "{away:?}");
    // Edits in the renamed folder are not the theme's any more.
    write(&b.path("theme-old/css/extra.css"), "body { color: blue }\n");
    b.silence();
    fs::rename(b.path("theme-old"), b.path("theme")).unwrap();
    let back = b.batch();
    assert!(back.contains(&Change::Theme(b.path("theme"))), "{back:?}");
    assert!(
        back.contains(&Change::Theme(b.path("theme/css/extra.css"))),
        "{back:?}"
    );
    write(&b.path("theme/css/extra.css"), "body { color: green }\n");
    assert_eq!(
        b.batch(),
        set([Change::Theme(b.path("theme/css/extra.css"))])
    );
}

#[test]
fn theme_folder_deleted_and_recreated_is_watched_again() {
    let b = book();
    fs::remove_dir_all(b.path("theme")).unwrap();
    let gone = b.batch();
    assert!(gone.contains(&Change::Theme(b.path("theme"))), "{gone:?}");
    write(&b.path("theme/index.hbs"), "x");
    let back = b.batch();
    assert!(
        back.contains(&Change::Theme(b.path("theme/index.hbs"))),
        "{back:?}"
    );
    write(&b.path("theme/index.hbs"), "y");
    assert_eq!(b.batch(), set([Change::Theme(b.path("theme/index.hbs"))]));
}

#[test]
fn source_folder_at_the_root_skips_the_output() {
    // mdBook allows `src = "."`; the output and cache folders then lie
    // inside the source folder.
    let b = book_with_src(".");
    write(&b.path("book/index.html"), "<p>new</p>");
    write(&b.path(".proofbook-cache/results/b.json"), "{}");
    write(&b.path(".git/index"), "x");
    b.silence();
    write(&b.path("chapter.md"), "# C\n");
    assert_eq!(b.batch(), set([b.source("chapter.md")]));
    write(&b.path("book.toml"), "[book]\n");
    assert_eq!(b.batch(), set([Change::Config]));
    // A folder made after the start is watched too.
    write(&b.path("part/one.md"), "# One\n");
    let first = b.batch();
    assert!(first.contains(&b.source("part/one.md")), "{first:?}");
    write(&b.path("part/one.md"), "# One edited\n");
    assert_eq!(b.batch(), set([b.source("part/one.md")]));
}

#[test]
fn paths_are_canonical() {
    // Start from a path with a symlink and a `..` in it; the changes name
    // the canonical path.
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().canonicalize().unwrap().join("real");
    fs::create_dir(&real).unwrap();
    layout(&real);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let through = link.join("src/..");
    let watcher = Watcher::start(watch_set(&through, "src"), DEBOUNCE).unwrap();
    write(&real.join("src/x.md"), "# X edited\n");
    let batch = watcher.next_batch_timeout(WAIT).expect("a batch");
    assert_eq!(batch, set([Change::Source(real.join("src/x.md"))]));
}

#[test]
fn missing_root_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nope");
    let err = match Watcher::start(watch_set(&root, "src"), DEBOUNCE) {
        Ok(_) => panic!("started on a missing root"),
        Err(e) => e,
    };
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn stop_ends_a_waiting_next_batch() {
    fn is_sync<T: Sync + Send>() {}
    is_sync::<Watcher>();
    let b = book();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| b.watcher.next_batch());
        std::thread::sleep(Duration::from_millis(100));
        b.watcher.stop();
        assert_eq!(waiter.join().unwrap(), None);
    });
    assert!(b.watcher.is_stopped());
    assert_eq!(b.watcher.next_batch_timeout(SILENCE), None);
}

/// The inodes of every folder this process's inotify instances watch (Linux
/// lists them in /proc/self/fdinfo).
fn watched_inodes() -> BTreeSet<u64> {
    let mut inodes = BTreeSet::new();
    for entry in fs::read_dir("/proc/self/fdinfo").unwrap().flatten() {
        let Ok(info) = fs::read_to_string(entry.path()) else {
            continue;
        };
        for line in info.lines().filter(|l| l.starts_with("inotify wd:")) {
            let ino = line.split_whitespace().find_map(|w| w.strip_prefix("ino:"));
            inodes.extend(ino.and_then(|h| u64::from_str_radix(h, 16).ok()));
        }
    }
    inodes
}

fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).unwrap().ino()
}

#[test]
fn output_and_cache_folders_are_not_watched() {
    for src in ["src", "."] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        layout(&root);
        write(&root.join(".git/objects/x"), "x");
        let _watcher = Watcher::start(watch_set(&root, src), DEBOUNCE).unwrap();
        let watched = watched_inodes();
        for rel in ["", "src", "theme/css", "examples"] {
            assert!(watched.contains(&inode(&root.join(rel))), "{src}: {rel}");
        }
        for rel in [
            "book",
            ".proofbook-cache",
            ".proofbook-cache/results",
            ".git",
        ] {
            assert!(!watched.contains(&inode(&root.join(rel))), "{src}: {rel}");
        }
    }
}

#[test]
fn with_data_any_file_of_the_book_is_an_example_change_but_output_and_cache_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    layout(&root);
    write(&root.join("data/prices.csv"), "a,1\n");
    let set_with_data = WatchSet {
        data: true,
        ..watch_set(&root, "src")
    };
    let b = Book {
        watcher: Watcher::start(set_with_data, DEBOUNCE).unwrap(),
        root,
        _dir: dir,
    };
    write(&b.path("data/prices.csv"), "a,2\n");
    assert_eq!(b.batch(), set([Change::Example(b.path("data/prices.csv"))]));
    for rel in [
        "book/index.html",
        ".proofbook-cache/results/c.json",
        ".git/index",
    ] {
        write(&b.path(rel), "x");
    }
    b.silence();
    // The more specific folders keep their kinds.
    write(&b.path("src/x.md"), "# X again\n");
    assert_eq!(b.batch(), set([b.source("src/x.md")]));
}
