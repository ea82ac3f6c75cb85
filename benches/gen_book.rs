//! Generates a synthetic book for benchmarks: `cargo run --release --example
//! gen-book -- DIR CHAPTERS`. Each chapter has prose, a table, lists, links
//! to other chapters (with anchors) and three 30-line Python blocks marked
//! not to run. The layout is mdBook's (`src/SUMMARY.md`), with `book.toml`
//! setting only the title, so `mdbook build` and `proofbook build` read the
//! very same files.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: gen-book DIR CHAPTERS");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("CHAPTERS must be a number");
    if let Err(e) = generate(Path::new(&dir), n) {
        eprintln!("gen-book: {e}");
        std::process::exit(1);
    }
}

fn generate(dir: &Path, n: usize) -> std::io::Result<()> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src)?;
    std::fs::write(
        dir.join("book.toml"),
        "[book]\ntitle = \"Synthetic book\"\n",
    )?;
    let mut summary = String::from("# Summary\n\n[Introduction](intro.md)\n\n");
    std::fs::write(
        src.join("intro.md"),
        "# Introduction\n\nA generated book for benchmarks.\n",
    )?;
    for i in 0..n {
        // Ten chapters per part, nested one level under a part chapter.
        let folder = format!("part{:03}", i / 10);
        std::fs::create_dir_all(src.join(&folder))?;
        let indent = if i % 10 == 0 { "" } else { "    " };
        writeln!(summary, "{indent}- [Chapter {i}]({folder}/ch{i:04}.md)").unwrap();
        std::fs::write(
            src.join(&folder).join(format!("ch{i:04}.md")),
            chapter(i, n),
        )?;
    }
    std::fs::write(src.join("SUMMARY.md"), summary)
}

fn chapter(i: usize, n: usize) -> String {
    let next = (i + 1) % n;
    let mut s = format!("# Chapter {i}\n\n");
    for section in 0..3 {
        writeln!(s, "## Section {section} of chapter {i}\n").unwrap();
        // About 330 words of prose per section, a thousand per chapter: the
        // size of a typical documentation page.
        for paragraph in 0..4 {
            writeln!(
                s,
                "Paragraph {paragraph}: concurrency in Python is a matter of *choosing* the model that fits \
                 the work at hand. **Threads** suit blocking calls into libraries that release the GIL, \
                 `asyncio` suits many concurrent waits on sockets and timers, and processes suit \
                 CPU-bound pure Python, sized to the cores the machine really has. Measure before \
                 deciding: the numbers on one laptop say little about a container with a CPU quota, \
                 and start-up, pickling and memory per worker all change the answer. See \
                 [the next chapter](../part{:03}/ch{next:04}.md#section-1-of-chapter-{next}) and \
                 [this section](#section-{section}-of-chapter-{i}) for the measurements behind it.\n",
                next / 10
            )
            .unwrap();
        }
        s.push_str("| model | best for | cost |\n|:--|:--|--:|\n| threads | blocking I/O | low |\n| asyncio | many waits | lowest |\n| processes | CPU work | high |\n\n");
        s.push_str("- first point, with `code`\n- second point\n  - nested point\n\n1. step one\n2. step two\n\n");
        s.push_str("```python norun\n");
        // Fifteen two-line functions: 30 lines, different in every chapter
        // so no cache of identical blocks can flatter the figures.
        for f in 0..15 {
            writeln!(s, "def work_{i}_{section}_{f}(items, factor={f}):\n    return [x * factor for x in items if x % 3 != {f} % 3]  # chapter {i}").unwrap();
        }
        s.push_str("```\n\n");
    }
    s
}
