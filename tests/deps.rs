//! `deps=`: an example's declared data files are mounted read-only at their
//! path in the book and their content joins its cache key, so editing one
//! re-runs exactly the examples that declared it; a file in the book that
//! was not declared is named in the failure with the option to add.

mod support;

use support::{BookTest, main_of};

const CHAPTER: &str = "# Data\n\n\
```python id=one deps=data/a.csv\nprint('one', open('data/a.csv').read().strip())\n```\n\n\
```python id=all deps=data/*.csv,notes/n.txt\nimport pathlib\nfor p in sorted(pathlib.Path('data').iterdir()):\n    print('all', p, p.read_text().strip())\nprint('notes', open('notes/n.txt').read().strip())\n```\n\n\
```python id=none\nprint('none')\n```\n";

fn book() -> BookTest {
    let b = BookTest::one_chapter(CHAPTER);
    b.write("data/a.csv", "a1\n")
        .write("data/b.csv", "b1\n")
        .write("data/skip.txt", "never mounted\n")
        .write("notes/n.txt", "n1\n");
    b
}

#[test]
fn editing_a_declared_file_reruns_exactly_the_examples_that_declared_it() {
    let b = book();
    assert_eq!(b.build().success().example_counts(), (3, 0));
    let page = b.read("book/chapter.html");
    let main = main_of(&page);
    assert!(main.contains("one a1"), "{main}");
    // Only the declared files are there: the glob's two, not skip.txt.
    assert!(main.contains("all data/a.csv a1"), "{main}");
    assert!(main.contains("all data/b.csv b1"), "{main}");
    assert!(!main.contains("skip.txt"), "{main}");
    assert!(main.contains("notes n1"), "{main}");

    assert_eq!(b.build().success().example_counts(), (0, 3));
    b.write("data/b.csv", "b2\n");
    assert_eq!(b.build().success().example_counts(), (1, 2));
    assert!(b.read("book/chapter.html").contains("all data/b.csv b2"));
    b.write("data/a.csv", "a2\n");
    assert_eq!(b.build().success().example_counts(), (2, 1));
    let page = b.read("book/chapter.html");
    assert!(page.contains("one a2") && page.contains("all data/a.csv a2"));
    // A file nobody declared changes nothing.
    b.write("data/skip.txt", "still never mounted\n");
    assert_eq!(b.build().success().example_counts(), (0, 3));
}

#[test]
fn declared_files_are_read_only_in_the_sandbox() {
    let b = BookTest::one_chapter(
        "# W\n\n```python deps=data/a.csv\ntry:\n    open('data/a.csv', 'a').write('x')\nexcept OSError as e:\n    print('refused', type(e).__name__)\n```\n",
    );
    b.write("data/a.csv", "a\n");
    b.build().success();
    assert!(b.read("book/chapter.html").contains("refused"));
    assert_eq!(b.read("data/a.csv"), "a\n");
}

#[test]
fn a_file_in_the_book_that_was_not_declared_is_named_with_the_option_to_add() {
    let b = BookTest::one_chapter(
        "# D\n\n```python\nimport csv\nprint(open('data/prices.csv').read())\n```\n",
    );
    b.write("data/prices.csv", "x,1\n");
    let err = b.build().failure().stderr();
    assert!(err.contains("FileNotFoundError"), "{err}");
    assert!(
        err.contains(
            "`data/prices.csv` is in the book but not declared: add `deps=data/prices.csv`"
        ),
        "{err}"
    );
    // A path that is not in the book gets no such hint.
    let b = BookTest::one_chapter("# D\n\n```python\nopen('data/nothere.csv')\n```\n");
    let err = b.build().failure().stderr();
    assert!(err.contains("FileNotFoundError"), "{err}");
    assert!(!err.contains("not declared"), "{err}");
}

#[test]
fn bad_declarations_are_errors_at_the_option() {
    for (option, says) in [
        ("deps=data/missing.csv", "no such file in the book"),
        ("deps=data/*.json", "matches no file"),
        ("deps=../outside.csv", "leaves the book"),
        ("deps=/etc/passwd", "leaves the book"),
        ("deps=data", "is not a file"),
    ] {
        let b = BookTest::one_chapter(&format!("# B\n\n```python {option}\nprint(1)\n```\n"));
        b.write("data/a.csv", "a\n");
        let err = b.build().failure().stderr();
        assert!(err.contains(says), "{option}: {err}");
        assert!(err.contains("chapter.md:3"), "{option}: {err}");
    }
}
