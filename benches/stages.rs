//! Per-stage benchmarks on generated input (no CPython, no disk writes):
//! `cargo bench --bench stages`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use proofbook::markdown::code::lines;
use proofbook::markdown::{MarkdownOptions, ParseContext, parse_chapter};
use proofbook::render::Highlighter;

fn python_block(n: usize) -> String {
    (0..15)
        .map(|f| format!("def work_{n}_{f}(items, factor={f}):\n    return [x * factor for x in items if x % 3 != {f} % 3]  # chapter {n}\n"))
        .collect()
}

fn chapter_text(n: usize) -> String {
    let mut s = format!("# Chapter {n}\n\n");
    for section in 0..3 {
        s.push_str(&format!(
            "## Section {section}\n\nProse with *emphasis*, `code` and a [link](other.md#section-1).\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n- one\n- two\n\n```python norun\n{}```\n\n",
            python_block(n)
        ));
    }
    s
}

fn stages(c: &mut Criterion) {
    let highlighter = Highlighter::default();
    let code = python_block(7);
    c.bench_function("highlight 30-line python block", |b| {
        b.iter(|| highlighter.highlight(Some("python"), &lines(Some("python"), &code)))
    });

    let pages: HashMap<PathBuf, PathBuf> = [("ch.md", "ch.html"), ("other.md", "other.html")]
        .into_iter()
        .map(|(a, b)| (PathBuf::from(a), PathBuf::from(b)))
        .collect();
    let confine = proofbook::confine::Confined::new(Path::new("/nonexistent"), &[]).0;
    let ctx = ParseContext {
        options: MarkdownOptions {
            smart_punctuation: true,
            definition_lists: true,
            admonitions: true,
            playground: Default::default(),
        },
        confine: &confine,
        src: Path::new("/nonexistent/src"),
        pages: &pages,
        expand_includes: true,
        hidelines: &Default::default(),
        interpreters: &[],
    };
    let text = chapter_text(3);
    c.bench_function("parse chapter (3 sections, no highlighting)", |b| {
        b.iter(|| parse_chapter(&ctx, Path::new("ch.md"), &text))
    });

    let summary: String = (0..1000)
        .map(|i| format!("- [Chapter {i}](part/ch{i}.md)\n"))
        .collect();
    c.bench_function("parse SUMMARY.md with 1000 entries", |b| {
        b.iter(|| proofbook::book::summary::parse_summary(&summary))
    });
}

criterion_group!(benches, stages);
criterion_main!(benches, parts);

fn syntect_parts(c: &mut Criterion) {
    use syntect::parsing::{ParseState, SyntaxSet};
    let ss = SyntaxSet::load_defaults_newlines();
    let syntax = ss.find_syntax_by_token("python").unwrap();
    let code = python_block(7);
    c.bench_function(
        "stock syntect grammar, parse only, 30-line python block",
        |b| {
            b.iter(|| {
                let mut state = ParseState::new(syntax);
                for line in code.split_inclusive('\n') {
                    std::hint::black_box(state.parse_line(line, &ss).unwrap());
                }
            })
        },
    );
}

criterion_group!(parts, syntect_parts);
