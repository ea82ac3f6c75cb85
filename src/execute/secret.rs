//! The per-user secret that signs result-cache entries.
//!
//! The result cache lives inside the book (`.proofbook-cache/`), so a book
//! can arrive with entries already in it: a downloaded book or a pull
//! request could carry "results" that were never run and claim any figure.
//! An entry is therefore trusted only when it carries an HMAC made with a
//! key the book cannot know: 32 random bytes kept in the user's own cache
//! folder, `$XDG_CACHE_HOME/proofbook/key` (or `~/.cache/proofbook/key`),
//! outside every book.
//!
//! The key is made once, atomically (written to a temporary file, then
//! linked into place without replacing what another build made at the same
//! moment), readable by its owner only, in a folder only its owner can
//! enter. A key or folder that is a symbolic link, belongs to someone else,
//! or can be read by others is refused rather than used: a key someone else
//! could read or choose signs nothing.

use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How long the key is, in bytes.
const KEY_LEN: usize = 32;

/// The key that signs and checks cache entries.
#[derive(Clone)]
pub struct Secret {
    key: [u8; KEY_LEN],
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key itself, not even in a debug dump.
        f.write_str("Secret(..)")
    }
}

/// Why the key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "neither XDG_CACHE_HOME (an absolute path) nor HOME is set, so there is no place for the key that signs cached results"
    )]
    NoHome,
    #[error(
        "{path} is a symbolic link; the key that signs cached results is never read through one"
    )]
    Symlink { path: PathBuf },
    #[error("{path} is not a {wanted}")]
    WrongKind { path: PathBuf, wanted: &'static str },
    #[error("{path} belongs to uid {owner}, not to this user (uid {me})")]
    NotMine { path: PathBuf, owner: u32, me: u32 },
    #[error("{path} has loose permissions ({mode:o}): others could read or change it")]
    Loose { path: PathBuf, mode: u32 },
    #[error("{path} holds {len} bytes, not a {KEY_LEN}-byte key")]
    Damaged { path: PathBuf, len: u64 },
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the system gave no random bytes for a new key: {0}")]
    Random(String),
}

impl SecretError {
    /// What the user can do about it.
    pub fn help(&self) -> String {
        match self {
            SecretError::NoHome => "set XDG_CACHE_HOME to a folder of your own".into(),
            SecretError::Symlink { path }
            | SecretError::WrongKind { path, .. }
            | SecretError::NotMine { path, .. }
            | SecretError::Damaged { path, .. } => format!(
                "remove {} (proofbook makes a new key; cached results are then run once again)",
                path.display()
            ),
            SecretError::Loose { path, .. } => format!(
                "check that nobody else used it, then `chmod go= {}`; or remove it to get a new key",
                path.display()
            ),
            SecretError::Io { .. } | SecretError::Random(_) => {
                "make the user's cache folder writable, or set XDG_CACHE_HOME to one that is".into()
            }
        }
    }
}

impl Secret {
    /// The user's key, made on first use.
    pub fn load_or_create() -> Result<Secret, SecretError> {
        let home = key_folder()?;
        Secret::in_folder(&home)
    }

    /// Where the user's key is (or will be made).
    pub fn key_path() -> Result<PathBuf, SecretError> {
        Ok(key_folder()?.join("key"))
    }

    /// The key kept in `folder` (made with it when missing).
    pub fn in_folder(folder: &Path) -> Result<Secret, SecretError> {
        ensure_private_folder(folder)?;
        let path = folder.join("key");
        match read_key(&path) {
            Err(SecretError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                create_key(folder, &path)
            }
            other => other,
        }
    }

    /// A fixed key, for tests.
    #[cfg(test)]
    pub(crate) fn for_tests(byte: u8) -> Secret {
        Secret {
            key: [byte; KEY_LEN],
        }
    }

    /// HMAC-SHA256 of `parts`, each length-prefixed so that two different
    /// lists never feed the same bytes.
    pub fn sign(&self, parts: &[&[u8]]) -> [u8; 32] {
        self.mac(parts).finalize().into_bytes().into()
    }

    /// Whether `tag` is the signature of `parts`, compared in constant time.
    pub fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        self.mac(parts).verify_slice(tag).is_ok()
    }

    fn mac(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac
    }
}

/// The user's own proofbook folder, outside every book, shared by every
/// book on the machine: the key is there, and the interpreters built from
/// source (`interpreters::builds_dir`).
pub fn user_folder() -> Result<PathBuf, SecretError> {
    key_folder()
}

/// Whether `folder` exists as the user's private folder (a folder, not a
/// link, owned by the user and closed to others), without making it: what
/// is read from it is run as the user, so one others could write is not
/// used.
pub fn is_private_folder(folder: &Path) -> Result<(), SecretError> {
    let meta = std::fs::symlink_metadata(folder).map_err(io(folder))?;
    if meta.file_type().is_symlink() {
        return Err(SecretError::Symlink {
            path: folder.to_owned(),
        });
    }
    if !meta.is_dir() {
        return Err(SecretError::WrongKind {
            path: folder.to_owned(),
            wanted: "folder",
        });
    }
    check_owner_and_mode(folder, &meta)
}

/// `$XDG_CACHE_HOME/proofbook`, or `$HOME/.cache/proofbook`. A relative
/// XDG_CACHE_HOME is ignored, as the XDG specification asks.
fn key_folder() -> Result<PathBuf, SecretError> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = match xdg {
        Some(p) => p,
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .ok_or(SecretError::NoHome)?
            .join(".cache"),
    };
    Ok(base.join("proofbook"))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SecretError + '_ {
    move |source| SecretError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Makes `folder` (mode 0700) when missing; refuses one that is a link,
/// someone else's, or open to others.
fn ensure_private_folder(folder: &Path) -> Result<(), SecretError> {
    if let Some(parent) = folder.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(folder) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(folder)(e)),
    }
    is_private_folder(folder)
}

fn check_owner_and_mode(path: &Path, meta: &std::fs::Metadata) -> Result<(), SecretError> {
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return Err(SecretError::NotMine {
            path: path.to_owned(),
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SecretError::Loose {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

/// Reads the key without following a link, and without blocking on a FIFO
/// left in its place.
fn read_key(path: &Path) -> Result<Secret, SecretError> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            // O_NOFOLLOW on a link fails with ELOOP.
            if e.raw_os_error() == Some(libc::ELOOP) {
                SecretError::Symlink {
                    path: path.to_owned(),
                }
            } else {
                io(path)(e)
            }
        })?;
    let meta = file.metadata().map_err(io(path))?;
    if !meta.is_file() {
        return Err(SecretError::WrongKind {
            path: path.to_owned(),
            wanted: "regular file",
        });
    }
    check_owner_and_mode(path, &meta)?;
    if meta.len() != KEY_LEN as u64 {
        return Err(SecretError::Damaged {
            path: path.to_owned(),
            len: meta.len(),
        });
    }
    let mut key = [0u8; KEY_LEN];
    file.read_exact(&mut key).map_err(io(path))?;
    Ok(Secret { key })
}

/// A new key, written whole to a temporary file (0600) and linked into
/// place only if no other build made one meanwhile; then theirs is used.
fn create_key(folder: &Path, path: &Path) -> Result<Secret, SecretError> {
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| SecretError::Random(e.to_string()))?;
    let mut file = tempfile::Builder::new()
        .prefix(".key-")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(folder)
        .map_err(io(folder))?;
    std::io::Write::write_all(&mut file, &key).map_err(io(folder))?;
    file.as_file().sync_all().map_err(io(folder))?;
    match file.persist_noclobber(path) {
        Ok(_) => Ok(Secret { key }),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => read_key(path),
        Err(e) => Err(io(path)(e.error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("cache/proofbook");
        (dir, folder)
    }

    #[test]
    fn a_key_is_made_private_once_and_read_back() {
        let (_dir, folder) = home();
        let first = Secret::in_folder(&folder).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&folder.join("key")), 0o600);
        let again = Secret::in_folder(&folder).unwrap();
        assert_eq!(first.key, again.key);
        assert_ne!(first.key, [0u8; KEY_LEN], "the key is random");
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn builds_that_start_at_once_agree_on_one_key() {
        let (_dir, folder) = home();
        let keys: Vec<[u8; KEY_LEN]> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| Secret::in_folder(&folder).unwrap().key))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]));
        assert_eq!(std::fs::read(folder.join("key")).unwrap(), keys[0]);
    }

    #[test]
    fn a_key_that_is_a_symbolic_link_is_refused() {
        let (dir, folder) = home();
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).unwrap();
        // A key the attacker knows, linked into place.
        let chosen = dir.path().join("chosen");
        std::fs::write(&chosen, [7u8; KEY_LEN]).unwrap();
        std::fs::set_permissions(&chosen, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&chosen, folder.join("key")).unwrap();
        let err = Secret::in_folder(&folder).unwrap_err();
        assert!(matches!(err, SecretError::Symlink { .. }), "{err}");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        // A dangling link is refused too, not replaced by a new key.
        std::fs::remove_file(&chosen).unwrap();
        assert!(matches!(
            Secret::in_folder(&folder),
            Err(SecretError::Symlink { .. })
        ));
    }

    #[test]
    fn a_folder_that_is_a_link_or_open_to_others_is_refused() {
        let (dir, folder) = home();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::create_dir_all(folder.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &folder).unwrap();
        assert!(matches!(
            Secret::in_folder(&folder),
            Err(SecretError::Symlink { .. })
        ));
        std::fs::remove_file(&folder).unwrap();
        std::fs::create_dir(&folder).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = Secret::in_folder(&folder).unwrap_err();
        assert!(
            matches!(err, SecretError::Loose { mode: 0o755, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_readable_short_or_fifo_key_is_refused_without_hanging() {
        let (_dir, folder) = home();
        Secret::in_folder(&folder).unwrap();
        let key = folder.join("key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Secret::in_folder(&folder),
            Err(SecretError::Loose { .. })
        ));
        std::fs::write(&key, b"short").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            Secret::in_folder(&folder),
            Err(SecretError::Damaged { len: 5, .. })
        ));
        std::fs::remove_file(&key).unwrap();
        nix::unistd::mkfifo(&key, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        assert!(matches!(
            Secret::in_folder(&folder),
            Err(SecretError::WrongKind { .. })
        ));
    }

    #[test]
    fn signatures_depend_on_the_key_and_on_how_the_parts_are_split() {
        let a = Secret::for_tests(1);
        let b = Secret::for_tests(2);
        let tag = a.sign(&[b"one", b"two"]);
        assert!(a.verify(&[b"one", b"two"], &tag));
        assert!(!b.verify(&[b"one", b"two"], &tag));
        assert!(!a.verify(&[b"onet", b"wo"], &tag));
        assert!(!a.verify(&[b"one", b"two"], &tag[..31]));
    }
}
