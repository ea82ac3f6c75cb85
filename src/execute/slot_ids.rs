//! A host uid of its own for each job slot, so examples running at the
//! same time share no budget the kernel keeps per user: `RLIMIT_NPROC`,
//! keyrings, inotify watches and instances, POSIX message queue bytes.
//!
//! The uids come from a high range that no distribution hands out
//! (`FIRST`, just below 2^31, is above systemd's container ranges and
//! below the ids that break signed 32-bit code), skipping any the host's
//! `/etc/passwd` names. A slot claims its uid with an exclusive `flock` on
//! a file named after it in a root-only folder, so two builds at once on
//! one machine never pick the same uid; the kernel drops the lock when the
//! build ends, however it ends. Only a build run as root can switch uids:
//! otherwise examples run as the user, in a user namespace, and there is
//! nothing to claim.

use std::collections::BTreeSet;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::Mutex;

/// The first uid (and gid) of the range.
pub const FIRST: u32 = (1 << 31) - 65536;
/// How many uids the range holds.
pub const COUNT: u32 = 65536;
/// Where the claims are kept: a folder only root can write.
const CLAIMS: &str = "/run/proofbook/slot-uids";

/// The range slot uids come from, for `doctor` and the tests.
pub fn range() -> std::ops::Range<u32> {
    FIRST..FIRST + COUNT
}

/// One slot's uid, claimed until this is dropped.
#[derive(Debug)]
pub struct SlotId {
    pub id: u32,
    /// The locked claim file; `None` when claims cannot be shared with
    /// other builds (no writable `/run`), and the id is only unique here.
    claim: Option<File>,
}

/// Ids taken in this process when claims cannot be shared.
static LOCAL: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

impl Drop for SlotId {
    fn drop(&mut self) {
        if self.claim.is_none() {
            LOCAL
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.id);
        }
    }
}

/// Whether claims are shared with other builds on this machine.
pub fn shared() -> bool {
    claims_dir().is_ok()
}

/// Claims the lowest free uid of the range.
pub fn claim() -> Result<SlotId, String> {
    let named = named_ids(&std::fs::read_to_string("/etc/passwd").unwrap_or_default());
    let free = range().filter(|id| !named.contains(id));
    match claims_dir() {
        Ok(dir) => {
            for id in free {
                if let Some(file) = try_lock(&dir.join(id.to_string()))? {
                    return Ok(SlotId {
                        id,
                        claim: Some(file),
                    });
                }
            }
            Err(format!(
                "every uid from {FIRST} to {} is taken by other builds (claims in {CLAIMS})",
                FIRST + COUNT - 1
            ))
        }
        Err(_) => {
            let mut local = LOCAL.lock().unwrap_or_else(|e| e.into_inner());
            let id = free
                .into_iter()
                .find(|id| !local.contains(id))
                .ok_or("every uid of the slot range is taken")?;
            local.insert(id);
            Ok(SlotId { id, claim: None })
        }
    }
}

/// The claims folder, made if missing; refused unless it is a real
/// folder owned by root that no one else can write.
fn claims_dir() -> Result<&'static Path, String> {
    let dir = Path::new(CLAIMS);
    if !nix::unistd::Uid::effective().is_root() {
        return Err("not root".into());
    }
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir);
    let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("{CLAIMS}: {e}"))?;
    if !meta.is_dir() || meta.uid() != 0 || meta.mode() & 0o022 != 0 {
        return Err(format!("{CLAIMS} is not a folder only root can write"));
    }
    Ok(dir)
}

/// The claim file at `path`, locked; `None` when another build holds it.
fn try_lock(path: &Path) -> Result<Option<File>, String> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| format!("cannot claim a slot uid at {}: {e}", path.display()))?;
    // SAFETY: flock on a descriptor we own.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(Some(file));
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(None)
    } else {
        Err(format!("cannot lock {}: {e}", path.display()))
    }
}

/// The uids and gids `/etc/passwd` names (third and fourth fields).
fn named_ids(passwd: &str) -> BTreeSet<u32> {
    passwd
        .lines()
        .flat_map(|l| l.split(':').skip(2).take(2))
        .filter_map(|f| f.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_stays_below_two_to_the_31() {
        assert_eq!(FIRST, 2_147_418_112);
        assert!(range().end <= 1 << 31);
    }

    #[test]
    fn ids_of_named_users_are_found() {
        let ids = named_ids("root:x:0:0::/root:/bin/sh\nodd:x:2147418112:7::/:/bin/sh\nbroken\n");
        assert!(ids.contains(&0) && ids.contains(&2_147_418_112) && ids.contains(&7));
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn two_claims_at_once_get_two_uids() {
        let a = claim().unwrap();
        let b = claim().unwrap();
        assert_ne!(a.id, b.id);
        assert!(range().contains(&a.id) && range().contains(&b.id));
        drop(a);
        // b is still held: whatever comes next is another uid.
        assert_ne!(claim().unwrap().id, b.id);
    }
}
