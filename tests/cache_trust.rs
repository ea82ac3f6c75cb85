//! A result-cache entry is trusted only if proofbook wrote it for this
//! user: the cache folder travels with the book, so a book can bring
//! "results" that never ran. Each test plays the book's author trying to
//! get a figure of their choosing onto the page without running it.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use support::BookTest;

const CHAPTER: &str = "# Answer\n\n```python\nprint(6 * 7)\n```\n";

/// The one entry under `.proofbook-cache/results/`.
fn entry(b: &BookTest) -> PathBuf {
    let results = b.root().join(".proofbook-cache/results");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&results)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries.pop().unwrap()
}

fn counts(run: &support::Run) -> (usize, usize) {
    run.example_counts()
}

fn copy_results(from: &BookTest, to: &BookTest) {
    let dest = to.root().join(".proofbook-cache/results");
    std::fs::create_dir_all(&dest).unwrap();
    let src = entry(from);
    std::fs::copy(&src, dest.join(src.file_name().unwrap())).unwrap();
}

#[test]
fn an_edited_figure_is_discarded_with_a_warning_and_the_true_one_shown() {
    let b = BookTest::one_chapter(CHAPTER);
    b.build().success();
    assert!(b.read("book/chapter.html").contains("<pre>42</pre>"));
    let path = entry(&b);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"42\\n\""), "{text}");
    std::fs::write(&path, text.replace("\"42\\n\"", "\"99\\n\"")).unwrap();

    let run = b.build();
    assert_eq!(counts(run.success()), (1, 0), "it ran again");
    let err = run.stderr();
    assert!(
        err.contains("the cached result of the example cannot be trusted, so it runs again"),
        "{err}"
    );
    // The warning names the entry it threw away.
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(err.contains(name), "{err}");
    let page = b.read("book/chapter.html");
    assert!(
        page.contains("<pre>42</pre>") && !page.contains("<pre>99</pre>"),
        "{page}"
    );
    // Stored again, signed: the next build trusts it.
    assert_eq!(counts(b.build().success()), (0, 1));
}

#[test]
fn an_entry_without_its_signature_line_is_not_trusted() {
    // A forger who copies the format but cannot sign: the body alone, as
    // entries were before they were signed.
    let b = BookTest::one_chapter(CHAPTER);
    b.build().success();
    let path = entry(&b);
    let text = std::fs::read_to_string(&path).unwrap();
    let body = text.split_once('\n').unwrap().1;
    std::fs::write(&path, body.replace("\"42\\n\"", "\"99\\n\"")).unwrap();
    let run = b.build();
    assert_eq!(counts(run.success()), (1, 0));
    assert!(
        run.stderr().contains("cannot be trusted"),
        "{}",
        run.stderr()
    );
    assert!(!b.read("book/chapter.html").contains("<pre>99</pre>"));
}

#[test]
fn an_entry_from_another_users_cache_is_discarded() {
    let theirs = BookTest::one_chapter(CHAPTER);
    theirs.build().success();
    // The same book, built by someone else: their entry is shipped along.
    let mine = BookTest::one_chapter(CHAPTER);
    copy_results(&theirs, &mine);
    let run = mine.build();
    assert_eq!(counts(run.success()), (1, 0), "{}", run.stderr());
    assert!(
        run.stderr().contains("cannot be trusted"),
        "{}",
        run.stderr()
    );
    // Their own cache still trusts it.
    assert_eq!(counts(theirs.build().success()), (0, 1));
}

/// Makes `cache_home/proofbook/` private, as proofbook would.
fn key_folder(b: &BookTest) -> PathBuf {
    let folder = b.cache_home.path().join("proofbook");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).unwrap();
    folder
}

/// An author's build, and a reader's copy of the book that brings the
/// author's cached result along.
fn shipped_book() -> (BookTest, BookTest) {
    let author = BookTest::one_chapter(CHAPTER);
    author.build().success();
    let reader = BookTest::one_chapter(CHAPTER);
    copy_results(&author, &reader);
    (author, reader)
}

/// The key a book's author built with, planted in the book itself.
fn plant_key(from: &BookTest, into: &Path) -> PathBuf {
    let planted = into.join("planted-key");
    std::fs::copy(from.cache_home.path().join("proofbook/key"), &planted).unwrap();
    std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o600)).unwrap();
    planted
}

#[test]
fn a_key_that_is_a_symbolic_link_is_refused_even_two_links_deep() {
    // The author ships a book with their entry and the key that signed it,
    // and gets the reader's key file to point at it.
    let (author, reader) = shipped_book();
    let planted = plant_key(&author, reader.root());
    let folder = key_folder(&reader);
    std::os::unix::fs::symlink(&planted, folder.join("key")).unwrap();

    refused_as_a_link(&reader);

    // A link to a link to it, the same.
    std::fs::remove_file(folder.join("key")).unwrap();
    let hop = reader.root().join("hop");
    std::os::unix::fs::symlink(&planted, &hop).unwrap();
    std::os::unix::fs::symlink(&hop, folder.join("key")).unwrap();
    refused_as_a_link(&reader);
}

#[test]
fn a_key_folder_that_is_a_link_into_the_book_is_refused() {
    let (author, reader) = shipped_book();
    // The book carries a whole key folder; the reader's points at it.
    let shipped = reader.root().join("keys");
    std::fs::create_dir(&shipped).unwrap();
    std::fs::set_permissions(&shipped, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::rename(plant_key(&author, reader.root()), shipped.join("key")).unwrap();
    std::os::unix::fs::symlink(&shipped, reader.cache_home.path().join("proofbook")).unwrap();
    refused_as_a_link(&reader);
}

/// The build stops before any example, naming the link.
#[track_caller]
fn refused_as_a_link(b: &BookTest) {
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("the result cache cannot be used"), "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert!(!b.root().join("book/chapter.html").exists());
}

#[test]
fn a_key_others_can_read_is_refused_with_what_to_do() {
    let b = BookTest::one_chapter(CHAPTER);
    b.build().success();
    let key = b.cache_home.path().join("proofbook/key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("has loose permissions (644)"), "{err}");
    assert!(err.contains("chmod go="), "{err}");
}

#[test]
fn an_entry_that_links_to_an_endless_file_is_not_read() {
    // Shipped as a link to /dev/zero under the name the reader's build
    // will look up: reading it whole would never end.
    let b = BookTest::one_chapter(CHAPTER);
    b.build().success();
    let path = entry(&b);
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let run = b.build();
    assert_eq!(counts(run.success()), (1, 0));
    assert!(
        run.stderr().contains("it is a symbolic link"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_results_folder_that_links_out_of_the_book_is_refused_and_left_alone() {
    let b = BookTest::one_chapter(CHAPTER);
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(b.root().join(".proofbook-cache")).unwrap();
    std::os::unix::fs::symlink(outside.path(), b.root().join(".proofbook-cache/results")).unwrap();
    let run = b.build();
    run.failure();
    let err = run.stderr();
    assert!(err.contains("is a symbolic link or not a folder"), "{err}");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}
