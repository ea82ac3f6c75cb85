//! Whole builds driven by recorded runs: groups, quoted figures, claims and
//! pages, without starting Python.

use std::sync::Arc;
use std::time::Duration;

use super::super::{BuildOptions, build};
use crate::config::Config;
use crate::execute::RunRecord;
use crate::execute::machine::test_machine;
use crate::execute::record::{Chunk, Sample, Stream, test_record};
use crate::execute::runner::Recorded;
use crate::execute::secret::Secret;

const CHAPTER: &str = "\
# A

```python id=slow repeat=2 group=g baseline
print('slow')
```

```python id=fast repeat=2 group=g
print('fast')
```

The fast one made {{#measure fast items}} items.

```claim id=more
says: The fast one makes more items than the slow one
fast items > slow items
```
";

/// A benchmark's record: two counted runs of `wall_ms` each, reporting
/// `items`.
fn bench(text: &str, wall_ms: u64, items: f64) -> RunRecord {
    let wall = Duration::from_millis(wall_ms);
    let metrics = [("items".to_owned(), items)].into_iter().collect();
    let sample = Sample {
        wall,
        user: wall,
        sys: Duration::ZERO,
        peak_memory_bytes: Some(1 << 20),
        metrics: std::collections::BTreeMap::clone(&metrics),
        free_cores: None,
    };
    RunRecord {
        output: vec![Chunk {
            stream: Stream::Stdout,
            text: text.into(),
        }],
        wall,
        user: wall,
        metrics,
        samples: vec![sample.clone(), sample],
        ..test_record()
    }
}

fn recorded() -> Recorded {
    let mut recorded = Recorded::new("policy", test_machine());
    recorded.cache_secret = Some(Secret::for_tests(3));
    recorded.insert("print('slow')\n", bench("slow\n", 200, 10.0));
    recorded.insert("print('fast')\n", bench("fast\n", 100, 30.0));
    recorded
}

/// A book of one chapter, `CHAPTER`, in a temp folder, with its config.
fn book() -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("book.toml"), "[book]\ntitle = \"T\"\n").unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("SUMMARY.md"), "- [A](a.md)\n").unwrap();
    std::fs::write(content.join("a.md"), CHAPTER).unwrap();
    let (config, _) = Config::load(dir.path()).unwrap();
    (dir, config)
}

fn with(recorded: Recorded) -> BuildOptions {
    BuildOptions {
        recorded: Some(Arc::new(recorded)),
        ..BuildOptions::default()
    }
}

#[test]
fn a_group_a_quoted_figure_and_a_claim_come_from_recorded_runs() {
    let (_dir, config) = book();
    let report = build(&config, &with(recorded())).unwrap();
    assert_eq!((report.examples.ran, report.examples.cached), (2, 0));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let page = std::fs::read_to_string(report.dest.join("a.html")).unwrap();
    // The whole chapter, exact (the records fix every figure): each run's
    // panel, the comparison (fast ran in half the baseline's time, round by
    // round), the quoted figure and the claim reading the records' own
    // metric, and the machine they ran on.
    insta::assert_snapshot!("recorded_article", article(&page));

    // Built again, the cache answers both members, and the page drawn
    // from the cached records is the same.
    let again = build(&config, &with(recorded())).unwrap();
    assert_eq!((again.examples.ran, again.examples.cached), (0, 2));
    let cached = std::fs::read_to_string(again.dest.join("a.html")).unwrap();
    assert_eq!(article(&cached), article(&page));
}

#[test]
fn a_claim_the_records_contradict_is_a_warning_at_its_block() {
    let (_dir, config) = book();
    let mut records = recorded();
    records.insert("print('fast')\n", bench("fast\n", 100, 5.0));
    let report = build(&config, &with(records)).unwrap();
    let [warning] = &report.warnings[..] else {
        panic!("expected one warning, got {:?}", report.warnings);
    };
    assert_eq!(
        warning.message,
        "this claim does not hold in this build: fast items = 5 > slow items = 10"
    );
    assert_eq!(warning.span.as_ref().map(|s| s.line), Some(13));
    let page = std::fs::read_to_string(report.dest.join("a.html")).unwrap();
    let claim = &page[page.find("<div class=\"claim").expect("a claim box")..];
    let claim = &claim[..claim.find("</div>").unwrap() + "</div>".len()];
    insta::assert_snapshot!("recorded_failed_claim", claim);
}

/// The page's `<article>`: the chapter without the site's chrome.
fn article(page: &str) -> &str {
    let start = page.find("<article").expect("an <article>");
    let end = page.rfind("</article>").expect("a </article>") + "</article>".len();
    &page[start..end]
}
