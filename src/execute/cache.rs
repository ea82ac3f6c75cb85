//! The result cache: a run's `RunRecord` stored under a key that covers
//! everything that can change it, so an unchanged example never runs again.
//!
//! The key (`cache_key`) hashes the program as it runs (includes expanded,
//! hidden lines unmarked), its timeout, the interpreter and its virtual
//! environment, the sandbox policy (limits, mounts, environment, which
//! protections were missing), the helper modules it imports from
//! `examples/`, and this runner's version. Entries are files
//! `results/KEY.json` in the book's cache folder, written to a temporary
//! file and renamed, so two builds at once never see half an entry; each
//! carries a checksum of its record, so a damaged entry is noticed,
//! reported and run again instead of trusted.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::execute::RunRecord;

/// Changes whenever the sandbox or the record format changes meaning, so
/// older results are not reused.
const RUNNER_VERSION: &str = concat!("proofbook-runner-1/", env!("CARGO_PKG_VERSION"));

const FORMAT: u32 = 1;

#[derive(Debug, Clone)]
pub struct ResultCache {
    dir: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    format: u32,
    key: String,
    /// When the run happened, in seconds since the Unix epoch.
    created_unix: u64,
    /// Where it ran (`Fingerprint::summary`).
    machine: String,
    record: RunRecord,
    /// SHA-256 of the record's JSON.
    checksum: String,
}

/// A record found in the cache, with when and where it was made.
#[derive(Debug, Clone)]
pub struct Cached {
    pub record: RunRecord,
    pub created_unix: u64,
    pub machine: String,
}

/// What `load` found.
#[derive(Debug)]
pub enum Lookup {
    Hit(Box<Cached>),
    Miss,
    /// An entry exists but cannot be trusted; the reason says why.
    Corrupt(String),
}

impl ResultCache {
    pub fn new(cache_dir: &Path) -> ResultCache {
        ResultCache {
            dir: cache_dir.join("results"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    pub fn load(&self, key: &str) -> Lookup {
        let path = self.path(key);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return Lookup::Corrupt(format!("cannot read {}: {e}", path.display())),
        };
        let entry: Entry = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            Err(e) => {
                return Lookup::Corrupt(format!("{} is not a cache entry: {e}", path.display()));
            }
        };
        if entry.format != FORMAT || entry.key != key {
            return Lookup::Corrupt(format!(
                "{} belongs to another key or format",
                path.display()
            ));
        }
        if checksum(&entry.record) != entry.checksum {
            return Lookup::Corrupt(format!("{} fails its checksum", path.display()));
        }
        Lookup::Hit(Box::new(Cached {
            record: entry.record,
            created_unix: entry.created_unix,
            machine: entry.machine,
        }))
    }

    /// Stores `record` under `key`, atomically.
    pub fn store(
        &self,
        key: &str,
        record: &RunRecord,
        created_unix: u64,
        machine: &str,
    ) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let entry = Entry {
            format: FORMAT,
            key: key.to_owned(),
            created_unix,
            machine: machine.to_owned(),
            record: record.clone(),
            checksum: checksum(record),
        };
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        serde_json::to_writer(&mut file, &entry)?;
        file.as_file().sync_data()?;
        file.persist(self.path(key)).map_err(|e| e.error)?;
        Ok(())
    }
}

impl ResultCache {
    fn latest_path(&self, example: &str) -> PathBuf {
        // Beside the results, not among them: that folder holds entries only.
        self.dir
            .with_file_name("latest")
            .join(&hex(&Sha256::digest(example.as_bytes()))[..32])
    }

    /// Remembers `key` as the newest result of `example` (a name that
    /// stays when its program changes: its page and id or place).
    pub fn set_latest(&self, example: &str, key: &str) -> std::io::Result<()> {
        let path = self.latest_path(example);
        if std::fs::read_to_string(&path).is_ok_and(|k| k == key) {
            return Ok(());
        }
        let dir = path.parent().expect("the path has a folder");
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut file, key.as_bytes())?;
        file.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// The newest result `example` had, whatever its program was then.
    pub fn latest(&self, example: &str) -> Option<RunRecord> {
        let key = std::fs::read_to_string(self.latest_path(example)).ok()?;
        match self.load(key.trim()) {
            Lookup::Hit(c) => Some(c.record),
            _ => None,
        }
    }
}

fn checksum(record: &RunRecord) -> String {
    let json = serde_json::to_vec(record).expect("records serialize");
    hex(&Sha256::digest(&json))
}

/// The cache key of one run. `policy` is the sandbox's own description
/// (`Sandbox::policy_key`); `examples` is the folder helper modules are
/// imported from.
pub fn cache_key(program: &str, timeout_ns: u128, policy: &str, examples: Option<&Path>) -> String {
    let mut h = Sha256::new();
    for part in [RUNNER_VERSION, policy, program] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(timeout_ns.to_le_bytes());
    if let Some(dir) = examples {
        for (name, content) in imported_helpers(program, dir) {
            h.update((name.len() as u64).to_le_bytes());
            h.update(name.as_bytes());
            h.update((content.len() as u64).to_le_bytes());
            h.update(&content);
        }
    }
    hex(&h.finalize())
}

/// The helper modules of `examples/` that `program` imports at top level
/// (`import x`, `from x import y`), with their bytes: a change to one
/// re-runs exactly the examples that import it. A package's whole folder
/// counts.
fn imported_helpers(program: &str, dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<&str> = Vec::new();
    for line in program.lines() {
        let line = line.trim_start();
        let rest = match line.split_once(char::is_whitespace) {
            Some(("import", rest)) | Some(("from", rest)) => rest,
            _ => continue,
        };
        for part in rest.split(',') {
            let name = part
                .trim()
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
            if line.starts_with("from") {
                break; // `from x import a, b`: only x is a module
            }
        }
    }
    names.sort_unstable();
    let mut out = Vec::new();
    for name in names {
        let file = dir.join(format!("{name}.py"));
        let package = dir.join(name);
        if let Ok(bytes) = std::fs::read(&file) {
            out.push((name.to_owned(), bytes));
        } else if package.is_dir() {
            let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&package)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .collect();
            files.sort();
            for f in files {
                if let Ok(bytes) = std::fs::read(&f) {
                    out.push((f.display().to_string(), bytes));
                }
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::record::{Chunk, Stream};

    fn record() -> RunRecord {
        RunRecord {
            output: vec![Chunk {
                stream: Stream::Stdout,
                text: "1\n".into(),
            }],
            protections: vec!["Landlock".into()],
            ..crate::execute::record::test_record()
        }
    }

    #[test]
    fn stored_records_come_back_and_damage_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::new(dir.path());
        assert!(matches!(cache.load("k"), Lookup::Miss));
        cache
            .store("k", &record(), 1_700_000_000, "test machine")
            .unwrap();
        match cache.load("k") {
            Lookup::Hit(c) => {
                assert_eq!(c.record, record());
                assert_eq!(c.created_unix, 1_700_000_000);
                assert_eq!(c.machine, "test machine");
            }
            other => panic!("{other:?}"),
        }
        let path = cache.dir().join("k.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"1\\n\"", "\"2\\n\"")).unwrap();
        assert!(matches!(cache.load("k"), Lookup::Corrupt(m) if m.contains("checksum")));
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert!(matches!(cache.load("k"), Lookup::Corrupt(m) if m.contains("not a cache entry")));
        // An entry renamed to another key is not trusted either.
        std::fs::write(cache.dir().join("other.json"), &text).unwrap();
        assert!(matches!(cache.load("other"), Lookup::Corrupt(_)));
    }

    #[test]
    fn the_key_changes_with_the_program_its_limits_and_imported_helpers() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("helper.py"), "X = 1\n").unwrap();
        std::fs::write(dir.path().join("other.py"), "Y = 1\n").unwrap();
        let key = |program: &str, timeout: u128, policy: &str| {
            cache_key(program, timeout, policy, Some(dir.path()))
        };
        let base = key("import helper\nprint(helper.X)\n", 1, "p");
        assert_eq!(base, key("import helper\nprint(helper.X)\n", 1, "p"));
        assert_ne!(base, key("import helper\nprint(helper.X) \n", 1, "p"));
        assert_ne!(base, key("import helper\nprint(helper.X)\n", 2, "p"));
        assert_ne!(base, key("import helper\nprint(helper.X)\n", 1, "q"));
        // Editing a helper it imports changes the key; another does not.
        std::fs::write(dir.path().join("other.py"), "Y = 2\n").unwrap();
        assert_eq!(base, key("import helper\nprint(helper.X)\n", 1, "p"));
        std::fs::write(dir.path().join("helper.py"), "X = 2\n").unwrap();
        assert_ne!(base, key("import helper\nprint(helper.X)\n", 1, "p"));
        let from = key("from other import Y\nprint(Y)\n", 1, "p");
        std::fs::write(dir.path().join("other.py"), "Y = 3\n").unwrap();
        assert_ne!(from, key("from other import Y\nprint(Y)\n", 1, "p"));
    }
}
