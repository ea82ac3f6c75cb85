//! A shard's results bundle (#24): the records one `--shard K/N` run
//! produced, with what `merge` needs to trust them together: the book's
//! state, the plan, the machine and proofbook's version.
//!
//! The file is one header line, `proofbook-results FORMAT SHA256`, then
//! the JSON body the digest covers. The digest is a check against a
//! truncated or damaged upload (CI artifact stores do lose bytes), not a
//! signature: a bundle is as trusted as the CI job that made it, and its
//! records are re-signed with this user's key when they seed the cache.
//!
//! **API boundary:** the format; `FORMAT` changes when the body does.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::RunRecord;
use super::machine::Fingerprint;

const MAGIC: &str = "proofbook-results";
/// The body's layout; a bundle of another layout is refused by name.
pub const FORMAT: u32 = 1;

/// One example's result as the shard found it: a record, or why it could
/// not run (a program file that could not be read, a sandbox error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledRun {
    /// `lookup::identity`: which example, stable across edits.
    pub identity: String,
    /// What the book says of it (`pipeline::shard::book_keys`): the
    /// program and its options, the same on every machine.
    pub key: String,
    /// Its result cache key on the shard's machine (the sandbox's policy
    /// included), under which the record seeds a cache.
    pub cache_key: String,
    pub result: Result<RunRecord, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The proofbook version that ran the shard.
    pub proofbook: String,
    /// A digest of every example's cache key in book order: two shards
    /// of one book state agree on it.
    pub book: String,
    /// The plan's digest (`shard::Plan::digest`).
    pub plan: String,
    pub shard: usize,
    pub shards: usize,
    /// Every example in the book, so merge can name the missing ones.
    pub examples: usize,
    pub machine: Fingerprint,
    /// When the shard finished, in seconds since the epoch.
    pub finished_unix: u64,
    pub runs: Vec<BundledRun>,
}

#[derive(Debug)]
pub enum BundleError {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Damaged {
        path: PathBuf,
        why: String,
    },
    OtherFormat {
        path: PathBuf,
        found: String,
    },
    OtherVersion {
        path: PathBuf,
        found: String,
    },
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundleError::Io { path, source } => {
                write!(f, "cannot use the bundle {}: {source}", path.display())
            }
            BundleError::Damaged { path, why } => write!(
                f,
                "the bundle {} is damaged or truncated ({why}); download it again or re-run its shard",
                path.display()
            ),
            BundleError::OtherFormat { path, found } => write!(
                f,
                "{} is not a results bundle this proofbook reads ({found}); \
                 re-run its shard with this version",
                path.display()
            ),
            BundleError::OtherVersion { path, found } => write!(
                f,
                "the bundle {} was made by proofbook {found}, this is {}; \
                 run every shard and the merge with one version",
                path.display(),
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

impl std::error::Error for BundleError {}

/// The book's state as a digest of its examples' cache keys, in order.
pub fn book_digest(keys: &[String]) -> String {
    crate::digest::Key::of(&keys).to_string()
}

impl Bundle {
    /// Writes the bundle whole (a temp file beside it, then a rename).
    pub fn write(&self, path: &Path) -> Result<(), BundleError> {
        let io = |source| BundleError::Io {
            path: path.to_owned(),
            source,
        };
        let body = serde_json::to_vec(self).map_err(|e| io(std::io::Error::other(e)))?;
        let digest = hex(&Sha256::digest(&body));
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        writeln!(tmp, "{MAGIC} {FORMAT} {digest}").map_err(io)?;
        tmp.write_all(&body).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// Reads and checks a bundle: its header, its digest, its version.
    pub fn read(path: &Path) -> Result<Bundle, BundleError> {
        let bytes = crate::fsutil::read(path).map_err(|e| BundleError::Io {
            path: path.to_owned(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let damaged = |why: &str| BundleError::Damaged {
            path: path.to_owned(),
            why: why.to_owned(),
        };
        let newline = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| damaged("no header line"))?;
        let header = std::str::from_utf8(&bytes[..newline]).map_err(|_| damaged("header"))?;
        let mut fields = header.split(' ');
        if fields.next() != Some(MAGIC) {
            return Err(BundleError::OtherFormat {
                path: path.to_owned(),
                found: "it does not start with `proofbook-results`".into(),
            });
        }
        let format = fields.next().unwrap_or_default();
        if format != FORMAT.to_string() {
            return Err(BundleError::OtherFormat {
                path: path.to_owned(),
                found: format!("format {format}, this proofbook reads format {FORMAT}"),
            });
        }
        let body = &bytes[newline + 1..];
        if fields.next() != Some(hex(&Sha256::digest(body)).as_str()) {
            return Err(damaged(
                "its contents do not match the digest in its header",
            ));
        }
        let bundle: Bundle = serde_json::from_slice(body).map_err(|e| damaged(&e.to_string()))?;
        if bundle.proofbook != env!("CARGO_PKG_VERSION") {
            return Err(BundleError::OtherVersion {
                path: path.to_owned(),
                found: bundle.proofbook,
            });
        }
        Ok(bundle)
    }

    /// Where a shard writes its bundle when `--bundle` is not given.
    pub fn default_path(shard: usize, shards: usize) -> PathBuf {
        PathBuf::from(format!("shard-{shard}-of-{shards}.proofbook-results"))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::machine::test_machine;

    fn bundle() -> Bundle {
        Bundle {
            proofbook: env!("CARGO_PKG_VERSION").into(),
            book: book_digest(&["k1".into(), "k2".into()]),
            plan: "p".into(),
            shard: 1,
            shards: 2,
            examples: 2,
            machine: test_machine(),
            finished_unix: 1_700_000_000,
            runs: vec![BundledRun {
                identity: "a.md#0#e".into(),
                key: "k1".into(),
                cache_key: "c1".into(),
                result: Err("the program file is missing".into()),
            }],
        }
    }

    #[test]
    fn a_bundle_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.proofbook-results");
        bundle().write(&path).unwrap();
        assert_eq!(Bundle::read(&path).unwrap(), bundle());
    }

    #[test]
    fn damage_truncation_and_other_versions_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.proofbook-results");
        bundle().write(&path).unwrap();
        let good = std::fs::read(&path).unwrap();

        std::fs::write(&path, &good[..good.len() - 10]).unwrap();
        let err = Bundle::read(&path).unwrap_err().to_string();
        assert!(err.contains("damaged or truncated"), "{err}");
        assert!(err.contains("s.proofbook-results"), "{err}");

        let mut flipped = good.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(matches!(
            Bundle::read(&path),
            Err(BundleError::Damaged { .. })
        ));

        std::fs::write(&path, b"{\"not\": \"a bundle\"}\n").unwrap();
        assert!(matches!(
            Bundle::read(&path),
            Err(BundleError::OtherFormat { .. })
        ));

        let mut old = bundle();
        old.proofbook = "0.0.1".into();
        old.write(&path).unwrap();
        let err = Bundle::read(&path).unwrap_err().to_string();
        assert!(err.contains("proofbook 0.0.1"), "{err}");
    }
}
