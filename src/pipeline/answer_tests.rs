//! The answering step driven by recorded runs: what the cache answers, what
//! runs, and what is stored, without starting Python.

use std::path::Path;

use super::*;
use crate::execute::RunRecord;
use crate::execute::machine::test_machine;
use crate::execute::record::{Chunk, Outcome, Stream, test_record};
use crate::execute::runner::Recorded;
use crate::execute::secret::Secret;

/// A book of one chapter, `text`, in a temp folder, with its config.
fn book(text: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"T\"\n").unwrap();
    write_chapter(dir.path(), text);
    let (config, _) = Config::load(dir.path()).unwrap();
    (dir, config)
}

fn write_chapter(root: &Path, text: &str) {
    let content = root.join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("SUMMARY.md"), "- [A](a.md)\n").unwrap();
    std::fs::write(content.join("a.md"), text).unwrap();
}

/// The book's documents, parsed as a build parses them.
fn docs(config: &Config) -> Vec<Document> {
    let mut diags = Vec::new();
    let (mut book, expanded) =
        super::super::load_book(config, &Default::default(), false, &mut diags).unwrap();
    let sources = book.take_page_sources();
    let chapters = super::super::page_chapters(&book);
    let pages = super::super::page_map(&chapters);
    let ctx = super::super::parse_context(config, &pages, expanded);
    let docs = super::super::parse_docs(&ctx, &book, &chapters, sources, config, None, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    // Parsed without a store: every document is whole in memory.
    docs.outlines().to_vec()
}

/// A run that printed `text` and ended with `code`.
fn printed(text: &str, code: i32) -> RunRecord {
    RunRecord {
        outcome: Outcome::Exited(code),
        output: vec![Chunk {
            stream: Stream::Stdout,
            text: text.into(),
        }],
        ..test_record()
    }
}

struct Answer {
    counts: ExampleCounts,
    results: Vec<RunResult>,
    diags: Vec<Diagnostic>,
}

impl Answer {
    fn stdout(&self, i: usize) -> String {
        let record = self.results[i].as_ref().expect("a record");
        record.output.iter().map(|c| c.text.as_str()).collect()
    }

    fn cached_flags(&self) -> Vec<bool> {
        self.results
            .iter()
            .map(|r| r.as_ref().is_ok_and(|r| r.from_cache))
            .collect()
    }
}

/// Answers the book's examples from its cache (signed with a fixed test
/// secret) and `recorded`.
fn answer(config: &Config, options: &BuildOptions, recorded: &Recorded) -> Answer {
    let docs = docs(config);
    let jobs: Vec<Job<'_>> = execute::jobs(&docs, &config.run.limits)
        .into_iter()
        .map(|j| j.unwrap())
        .collect();
    let cache = ResultCache::with_secret(&config.run.cache_dir, Secret::for_tests(7));
    let at = Answering {
        config,
        options,
        cache: &cache,
    };
    let mut diags = Vec::new();
    let answers = answer_with(Runner::Recorded(recorded), &at, &jobs, &mut diags);
    assert_eq!(answers.results.is_empty(), answers.machine.is_none());
    assert_eq!(answers.keys.len(), answers.results.len());
    Answer {
        counts: answers.counts,
        results: answers.results,
        diags,
    }
}

fn counts(ran: usize, cached: usize) -> ExampleCounts {
    ExampleCounts {
        ran,
        cached,
        ..ExampleCounts::default()
    }
}

const GROUP: &str = "\
# A

```python id=slow repeat=2 group=g baseline
print('slow')
```

```python id=fast repeat=2 group=g
print('fast')
```

```python id=alone
print('alone')
```
";

#[test]
fn a_comparison_group_is_answered_from_records_then_from_the_cache_and_runs_again_whole() {
    let (dir, config) = book(GROUP);
    let mut recorded = Recorded::new("policy 1", test_machine());
    recorded.insert("print('slow')\n", printed("slow\n", 0));
    recorded.insert("print('fast')\n", printed("fast\n", 0));
    recorded.insert("print('alone')\n", printed("alone\n", 0));
    let options = BuildOptions::default();

    let first = answer(&config, &options, &recorded);
    assert!(first.diags.is_empty(), "{:?}", first.diags);
    assert_eq!(first.counts, counts(3, 0));
    assert_eq!(
        [first.stdout(0), first.stdout(1), first.stdout(2)],
        ["slow\n", "fast\n", "alone\n"]
    );
    assert_eq!(first.cached_flags(), [false, false, false]);

    let second = answer(&config, &options, &recorded);
    assert_eq!(second.counts, counts(0, 3));
    assert_eq!(second.cached_flags(), [true, true, true]);
    assert_eq!(second.stdout(1), "fast\n");

    // A changed member changes the group's key: both members run again,
    // since their ratios are taken round by round; the lone example is
    // still answered from the cache.
    write_chapter(
        dir.path(),
        &GROUP.replace("print('fast')", "print('faster')"),
    );
    recorded.insert("print('faster')\n", printed("faster\n", 0));
    let third = answer(&config, &options, &recorded);
    assert_eq!(third.counts, counts(2, 1));
    assert_eq!(third.cached_flags(), [false, false, true]);
    assert_eq!(third.stdout(1), "faster\n");

    // Asked to run one member again, the group runs whole.
    let rerun = BuildOptions {
        rerun: Rerun::Ids(vec!["slow".into()]),
        ..BuildOptions::default()
    };
    let fourth = answer(&config, &rerun, &recorded);
    assert_eq!(fourth.counts, counts(2, 1));
    assert_eq!(fourth.cached_flags(), [false, false, true]);
}

#[test]
fn a_cached_result_answers_until_the_policy_changes_or_a_rerun_is_asked_for() {
    let (_dir, config) = book("# A\n\n```python id=one\nprint(1)\n```\n");
    let options = BuildOptions::default();
    let mut recorded = Recorded::new("python 3.12", test_machine());
    recorded.insert("print(1)\n", printed("first\n", 0));
    let first = answer(&config, &options, &recorded);
    assert_eq!(
        (first.counts, first.stdout(0)),
        (counts(1, 0), "first\n".into())
    );

    // The record changes, but the cache answers: nothing that makes the
    // key changed.
    recorded.insert("print(1)\n", printed("second\n", 0));
    let cached = answer(&config, &options, &recorded);
    assert_eq!(
        (cached.counts, cached.stdout(0)),
        (counts(0, 1), "first\n".into())
    );
    assert_eq!(cached.cached_flags(), [true]);

    let rerun = BuildOptions {
        rerun: Rerun::Ids(vec!["one".into()]),
        ..BuildOptions::default()
    };
    let fresh = answer(&config, &rerun, &recorded);
    assert_eq!(
        (fresh.counts, fresh.stdout(0)),
        (counts(1, 0), "second\n".into())
    );

    // Another interpreter (or other limits) is another policy: it runs.
    let mut other = recorded.clone();
    other.policy = "python 3.13".into();
    other.insert("print(1)\n", printed("third\n", 0));
    let moved = answer(&config, &options, &other);
    assert_eq!(
        (moved.counts, moved.stdout(0)),
        (counts(1, 0), "third\n".into())
    );
}

#[test]
fn a_result_that_fails_its_example_is_not_kept_so_the_fix_runs() {
    let (_dir, config) = book("# A\n\n```python\nraise SystemExit(3)\n```\n");
    let options = BuildOptions::default();
    let mut recorded = Recorded::new("p", test_machine());
    recorded.insert("raise SystemExit(3)\n", printed("", 3));
    assert_eq!(answer(&config, &options, &recorded).counts, counts(1, 0));
    assert_eq!(answer(&config, &options, &recorded).counts, counts(1, 0));
}

#[test]
fn offline_results_name_each_example_the_cache_cannot_answer() {
    let (_dir, config) = book("# A\n\n```python id=one\nprint(1)\n```\n");
    let options = BuildOptions {
        offline_results: true,
        ..BuildOptions::default()
    };
    let recorded = Recorded::new("p", test_machine());
    let answered = answer(&config, &options, &recorded);
    assert!(answered.results.is_empty());
    assert_eq!(answered.diags.len(), 1, "{:?}", answered.diags);
    let d = &answered.diags[0];
    assert!(d.is_error());
    assert_eq!(d.message, "example `one` has no cached result");
    assert_eq!(d.span.as_ref().map(|s| s.line), Some(3));
}
