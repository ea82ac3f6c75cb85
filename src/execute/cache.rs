//! The result cache: a run's `RunRecord` stored under a key that covers
//! everything that can change it, so an unchanged example never runs again.
//!
//! The key (`cache_key`) hashes the program as it runs (includes expanded,
//! hidden lines unmarked), its timeout, the interpreter and its virtual
//! environment, the sandbox policy (limits, mounts, environment, which
//! protections were missing), the helper modules it imports from
//! `examples/`, and this runner's version. Entries are files
//! `results/KEY.json` in the book's cache folder, written to a temporary
//! file and renamed, so two builds at once never see half an entry.
//!
//! That folder is inside the book, so a book can bring entries of its own
//! making. Each entry is therefore signed: its first line is
//! `proofbook-result/2 HMAC` where HMAC is an HMAC-SHA256, under the user's
//! secret (`secret.rs`, kept outside every book), of the entry's name and
//! of every byte after that line. An entry that is unsigned, edited,
//! renamed, or signed with another user's secret is not trusted: `load`
//! says why, the build warns and runs the example again. Nothing of an
//! entry is parsed before its signature holds.
//!
//! For the same reason the folders are not trusted to be folders: the
//! cache refuses a `.proofbook-cache`, `results`, `latest` or `python`
//! (the virtual environment's) that is a symbolic link (its writes would land wherever the book points), and
//! reads an entry without following a link or blocking on a FIFO, and never
//! more than `ENTRY_MAX` bytes (a link to `/dev/zero` is a file too).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::execute::RunRecord;
use crate::execute::secret::{Secret, SecretError};
use crate::fsutil::read_capped;

/// Changes whenever the sandbox or the record format changes meaning, so
/// older results are not reused. (2: entries became signed; the keys of
/// unsigned entries are never looked up, so an upgrade warns about none.)
const RUNNER_VERSION: &str = concat!("proofbook-runner-2/", env!("CARGO_PKG_VERSION"));

/// The first word of an entry: what follows is signed as described above.
const MAGIC: &str = "proofbook-result/2";

/// No entry proofbook writes is larger: a record holds at most the output
/// limit of its run, a few MiB by default. A larger file is not read.
const ENTRY_MAX: u64 = 256 << 20;

/// A `latest/` pointer is a key and a signature.
const POINTER_MAX: u64 = 1024;

/// Why the cache cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(
        "{path} is a symbolic link or not a folder; proofbook writes its cache only into a real folder of the book"
    )]
    NotAFolder { path: PathBuf },
}

impl CacheError {
    /// What the user can do about it.
    pub fn help(&self) -> String {
        match self {
            CacheError::Secret(e) => e.help(),
            CacheError::NotAFolder { path } => format!(
                "remove {} (a book should not ship its cache); proofbook makes a new one",
                path.display()
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResultCache {
    dir: PathBuf,
    secret: Secret,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: String,
    /// When the run happened, in seconds since the Unix epoch.
    created_unix: u64,
    /// Where it ran (`Fingerprint::summary`).
    machine: String,
    record: RunRecord,
    /// The claim (`file:line`) that failed on this result: the next build
    /// runs it again rather than let one unlucky round stand as the page's
    /// verdict (`load_for_build`). Absent in entries written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failed_claim: Option<String>,
}

/// A record found in the cache, with when and where it was made.
#[derive(Debug, Clone)]
pub struct Cached {
    pub record: RunRecord,
    pub created_unix: u64,
    pub machine: String,
    /// The claim that failed on it, when one did.
    pub failed_claim: Option<String>,
}

/// What `load` found.
#[derive(Debug)]
pub enum Lookup {
    Hit(Box<Cached>),
    Miss,
    /// An entry exists but cannot be trusted; the reason names the entry
    /// and says why.
    Untrusted(String),
    /// An entry exists, but a claim (`file:line`) failed on it, so it runs
    /// again (`load_for_build`).
    Doubted(String),
}

impl ResultCache {
    /// The cache in `cache_dir`, signed with the user's own secret.
    pub fn open(cache_dir: &Path) -> Result<ResultCache, CacheError> {
        for dir in [
            cache_dir.to_owned(),
            cache_dir.join("results"),
            cache_dir.join("latest"),
            cache_dir.join("python"),
            // `envs::ENVS_DIR`, spelt here as envs imports this file.
            cache_dir.join("envs"),
        ] {
            if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
                return Err(CacheError::NotAFolder { path: dir });
            }
        }
        Ok(ResultCache::with_secret(
            cache_dir,
            Secret::load_or_create()?,
        ))
    }

    pub fn with_secret(cache_dir: &Path, secret: Secret) -> ResultCache {
        ResultCache {
            dir: cache_dir.join("results"),
            secret,
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
        let shown = path.display();
        let bytes = match read_capped(&path, ENTRY_MAX) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return Lookup::Untrusted(format!("cannot read {shown}: {e}")),
        };
        let Some(body) = self.verified_body(key, &bytes) else {
            return Lookup::Untrusted(format!(
                "{shown} is not signed by proofbook for this user (edited, copied from \
                 elsewhere, or damaged)"
            ));
        };
        let entry: Entry = match serde_json::from_slice(body) {
            Ok(e) => e,
            Err(e) => return Lookup::Untrusted(format!("{shown} is not a cache entry: {e}")),
        };
        if entry.key != key {
            return Lookup::Untrusted(format!("{shown} belongs to another key"));
        }
        Lookup::Hit(Box::new(Cached {
            record: entry.record,
            created_unix: entry.created_unix,
            machine: entry.machine,
            failed_claim: entry.failed_claim,
        }))
    }

    /// `load` for a build: an entry a claim failed on is `Doubted` (so it
    /// runs again) unless `keep_failed`, the user's pin.
    pub fn load_for_build(&self, key: &str, keep_failed: bool) -> Lookup {
        match self.load(key) {
            Lookup::Hit(c) if !keep_failed && c.failed_claim.is_some() => {
                Lookup::Doubted(c.failed_claim.unwrap_or_default())
            }
            other => other,
        }
    }

    /// Marks the entry of `key` as judged by the failed claim `claim`, or
    /// clears the mark with `None`; rewritten (signed, atomically) only
    /// when that changes it. A missing or untrusted entry is left alone:
    /// it runs again anyway.
    pub fn mark_failed_claim(&self, key: &str, claim: Option<&str>) -> std::io::Result<()> {
        let Lookup::Hit(c) = self.load(key) else {
            return Ok(());
        };
        if c.failed_claim.as_deref() == claim {
            return Ok(());
        }
        self.write(&Entry {
            key: key.to_owned(),
            created_unix: c.created_unix,
            machine: c.machine,
            record: c.record,
            failed_claim: claim.map(str::to_owned),
        })
    }

    /// The signed part of an entry file, when its first line signs it for
    /// `key`.
    fn verified_body<'b>(&self, key: &str, bytes: &'b [u8]) -> Option<&'b [u8]> {
        let newline = bytes.iter().position(|&b| b == b'\n')?;
        let (header, body) = (&bytes[..newline], &bytes[newline + 1..]);
        let header = std::str::from_utf8(header).ok()?;
        let tag = unhex(header.strip_prefix(MAGIC)?.strip_prefix(' ')?)?;
        self.secret
            .verify(&[MAGIC.as_bytes(), key.as_bytes(), body], &tag)
            .then_some(body)
    }

    /// Stores `record` under `key`, atomically; a fresh result carries no
    /// failed claim's mark.
    pub fn store(
        &self,
        key: &str,
        record: &RunRecord,
        created_unix: u64,
        machine: &str,
    ) -> std::io::Result<()> {
        self.write(&Entry {
            key: key.to_owned(),
            created_unix,
            machine: machine.to_owned(),
            record: record.clone(),
            failed_claim: None,
        })
    }

    /// Writes `entry`, signed, to a temporary file renamed over its name.
    fn write(&self, entry: &Entry) -> std::io::Result<()> {
        let key = entry.key.as_str();
        std::fs::create_dir_all(&self.dir)?;
        let body = serde_json::to_vec(entry)?;
        let tag = self.secret.sign(&[MAGIC.as_bytes(), key.as_bytes(), &body]);
        let mut file = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut file, format!("{MAGIC} {}\n", hex(&tag)).as_bytes())?;
        std::io::Write::write_all(&mut file, &body)?;
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
        let line = format!("{key} {}", hex(&self.latest_tag(example, key)));
        if std::fs::read_to_string(&path).is_ok_and(|k| k == line) {
            return Ok(());
        }
        let dir = path.parent().expect("the path has a folder");
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        std::io::Write::write_all(&mut file, line.as_bytes())?;
        file.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// The newest result `example` had, whatever its program was then.
    pub fn latest(&self, example: &str) -> Option<RunRecord> {
        let line = read_capped(&self.latest_path(example), POINTER_MAX).ok()?;
        let line = String::from_utf8(line).ok()?;
        // Signed too, so a book cannot point one example at another's result.
        let (key, tag) = line.trim().split_once(' ')?;
        if !self.secret.verify(
            &[b"latest", example.as_bytes(), key.as_bytes()],
            &unhex(tag)?,
        ) {
            return None;
        }
        match self.load(key) {
            Lookup::Hit(c) => Some(c.record),
            _ => None,
        }
    }
}

impl ResultCache {
    fn latest_tag(&self, example: &str, key: &str) -> [u8; 32] {
        self.secret
            .sign(&[b"latest", example.as_bytes(), key.as_bytes()])
    }
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

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
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

    fn untrusted(lookup: Lookup, why: &str) {
        match lookup {
            Lookup::Untrusted(m) => assert!(m.contains(why), "{m}"),
            other => panic!("expected an untrusted entry, got {other:?}"),
        }
    }

    #[test]
    fn stored_records_come_back_and_damage_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::with_secret(dir.path(), Secret::for_tests(1));
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
        assert!(text.starts_with("proofbook-result/2 "), "{text}");
        // An edited figure, a cut entry, an entry without its signature line.
        std::fs::write(&path, text.replace("\"1\\n\"", "\"2\\n\"")).unwrap();
        untrusted(cache.load("k"), "k.json is not signed");
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        untrusted(cache.load("k"), "not signed");
        let body = text.split_once('\n').unwrap().1;
        std::fs::write(&path, body).unwrap();
        untrusted(cache.load("k"), "not signed");
        // An entry renamed to another key is not trusted either.
        std::fs::write(cache.dir().join("other.json"), &text).unwrap();
        untrusted(cache.load("other"), "not signed");
    }

    #[test]
    fn an_entry_a_claim_failed_on_is_doubted_until_cleared_or_pinned() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::with_secret(dir.path(), Secret::for_tests(1));
        cache.store("k", &record(), 7, "m").unwrap();
        assert!(matches!(cache.load_for_build("k", false), Lookup::Hit(_)));
        cache.mark_failed_claim("k", Some("ch.md:3")).unwrap();
        match cache.load_for_build("k", false) {
            Lookup::Doubted(claim) => assert_eq!(claim, "ch.md:3"),
            other => panic!("{other:?}"),
        }
        // Pinned, the entry answers as it was, mark and all.
        match cache.load_for_build("k", true) {
            Lookup::Hit(c) => {
                assert_eq!((c.created_unix, c.record), (7, record()));
                assert_eq!(c.failed_claim.as_deref(), Some("ch.md:3"));
            }
            other => panic!("{other:?}"),
        }
        // The mark is signed with the entry: removing it by hand breaks it.
        let path = cache.dir().join("k.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace(",\"failed_claim\":\"ch.md:3\"", "")).unwrap();
        untrusted(cache.load_for_build("k", false), "not signed");
        std::fs::write(&path, &text).unwrap();
        cache.mark_failed_claim("k", None).unwrap();
        assert!(matches!(cache.load_for_build("k", false), Lookup::Hit(_)));
        // A fresh result replaces a marked one without its mark.
        cache.mark_failed_claim("k", Some("ch.md:3")).unwrap();
        cache.store("k", &record(), 8, "m").unwrap();
        assert!(matches!(cache.load_for_build("k", false), Lookup::Hit(_)));
        // No entry, nothing to mark.
        cache.mark_failed_claim("none", Some("ch.md:3")).unwrap();
        assert!(matches!(cache.load("none"), Lookup::Miss));
    }

    #[test]
    fn an_entry_that_is_a_link_a_fifo_or_endless_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::with_secret(dir.path(), Secret::for_tests(1));
        cache.store("real", &record(), 1, "m").unwrap();
        // A link to a real entry (of another key) is refused as a link.
        std::os::unix::fs::symlink(cache.path("real"), cache.path("link")).unwrap();
        untrusted(cache.load("link"), "symbolic link");
        // /dev/zero would be read forever; a FIFO would block the build.
        std::os::unix::fs::symlink("/dev/zero", cache.path("zero")).unwrap();
        untrusted(cache.load("zero"), "symbolic link");
        let fifo = cache.path("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        untrusted(cache.load("fifo"), "not a regular file");
        // An endless file is read no further than the cap.
        let big = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
        big.as_file().set_len(ENTRY_MAX + 1).unwrap();
        std::fs::rename(big.path(), cache.path("big")).unwrap();
        untrusted(cache.load("big"), "larger than any entry");
    }

    #[test]
    fn a_cache_folder_that_is_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let cache_dir = dir.path().join(crate::config::CACHE_DIR);
        std::fs::create_dir(&cache_dir).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), cache_dir.join("results")).unwrap();
        match ResultCache::open(&cache_dir) {
            Err(CacheError::NotAFolder { path }) => assert!(path.ends_with("results")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_entry_signed_with_another_users_secret_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let theirs = ResultCache::with_secret(dir.path(), Secret::for_tests(1));
        theirs.store("k", &record(), 1, "m").unwrap();
        theirs.set_latest("page#1", "k").unwrap();
        assert!(theirs.latest("page#1").is_some());
        let mine = ResultCache::with_secret(dir.path(), Secret::for_tests(2));
        untrusted(mine.load("k"), "not signed");
        assert!(mine.latest("page#1").is_none());
    }

    #[test]
    fn a_latest_pointer_cannot_be_moved_to_another_examples_result() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::with_secret(dir.path(), Secret::for_tests(1));
        cache.store("a", &record(), 1, "m").unwrap();
        cache.store("b", &record(), 1, "m").unwrap();
        cache.set_latest("one", "a").unwrap();
        cache.set_latest("two", "b").unwrap();
        // The pointer of `two`, copied over `one`'s: it signs `two` only.
        std::fs::copy(cache.latest_path("two"), cache.latest_path("one")).unwrap();
        assert!(cache.latest("one").is_none());
        assert!(cache.latest("two").is_some());
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
