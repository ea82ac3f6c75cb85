//! The book's `examples/` folder is published with the site, and a code
//! block that shows a program from it (`file=`) links to the whole file.

mod support;

use support::{BookTest, broken_internal_links, main_of};

fn book_with_examples() -> BookTest {
    let b = BookTest::empty();
    b.write("book.toml", "[book]\nsrc = \"content\"\n\n[proofbook.run]\nexamples = false\n")
        .write("content/SUMMARY.md", "# Summary\n\n- [Top](top.md)\n- [Deep](part/deep.md)\n")
        .write("content/top.md", "# Top\n\n```python file=../examples/demo.py:core\n```\n")
        .write(
            "content/part/deep.md",
            "# Deep\n\n```python norun file=../../examples/demo.py\n```\n\n```python\nprint('inline: no link')\n```\n",
        )
        .write(
            "examples/demo.py",
            "\"\"\"Run me: python demo.py\"\"\"\nimport helper\n# ANCHOR: core\nprint(helper.twice(2))\n# ANCHOR_END: core\n",
        )
        .write("examples/helper.py", "def twice(x):\n    return 2 * x\n")
        .write("examples/__pycache__/helper.cpython-311.pyc", "bytecode")
        .write("examples/.notes", "private");
    b
}

#[test]
fn the_examples_folder_is_published_and_file_blocks_link_to_their_program() {
    let b = book_with_examples();
    // A link, even one that stays in the book, is not published (a link
    // out of the book fails the build: tests/exposure.rs).
    #[cfg(unix)]
    std::os::unix::fs::symlink("demo.py", b.root().join("examples/link.py")).unwrap();
    b.build().success();
    let site = b.root().join("book");
    // Every program and helper, byte for byte; no caches, hidden files or links.
    assert_eq!(b.read("book/examples/demo.py"), b.read("examples/demo.py"));
    assert_eq!(
        b.read("book/examples/helper.py"),
        b.read("examples/helper.py")
    );
    assert!(!site.join("examples/__pycache__").exists());
    assert!(!site.join("examples/.notes").exists());
    assert!(!site.join("examples/link.py").exists());

    // The link is relative to each page, and survives the print page.
    insta::assert_snapshot!("top_main", main_of(&b.read("book/top.html")));
    let deep = b.read("book/part/deep.html");
    let main = main_of(&deep);
    insta::assert_snapshot!("deep_main", main);
    assert_eq!(
        main.matches("code-download").count(),
        1,
        "an inline block has no link: {main}"
    );
    let print = b.read("book/print.html");
    assert_eq!(
        print.matches("href=\"examples/demo.py\" download").count(),
        2
    );
    assert_eq!(broken_internal_links(&site), Vec::<String>::new());
}

#[test]
fn a_program_outside_the_examples_folder_gets_no_link() {
    let b = book_with_examples();
    b.write("content/local.py", "print('next to the chapter')\n")
        .write("content/top.md", "# Top\n\n```python file=local.py\n```\n");
    b.build().success();
    let top = b.read("book/top.html");
    assert!(!top.contains("code-download"), "{}", main_of(&top));
}
