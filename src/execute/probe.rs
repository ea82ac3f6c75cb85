//! `Probe`: which protections this machine offers (cgroups, Landlock,
//! seccomp, socket-memory accounting), found once per build and read by
//! `Sandbox::new`, which refuses what is missing unless book.toml allows it,
//! and by `doctor`'s table.

use crate::config::Protection;
use crate::execute::cgroup::CgroupRoot;

/// What this machine offers, found once.
#[derive(Debug, Clone)]
pub struct Probe {
    pub cgroups: Result<CgroupRoot, String>,
    /// The Landlock ABI version, or why there is none.
    pub landlock: Result<u32, String>,
    /// What the seccomp filter can do here, or why it cannot be applied.
    pub seccomp: Result<String, String>,
    /// How socket buffers are limited and counted, or why they are not.
    pub socket_memory: Result<String, String>,
}

impl Probe {
    pub fn detect() -> Probe {
        let cgroups = CgroupRoot::detect();
        let socket_memory = match &cgroups {
            Ok(root) => root.socket_memory(),
            Err(_) => Err("there are no cgroups to count them".into()),
        };
        Probe {
            cgroups,
            landlock: landlock_abi(),
            seccomp: crate::execute::seccomp::probe(),
            socket_memory,
        }
    }

    pub fn missing(&self) -> Vec<(Protection, String)> {
        let mut out = Vec::new();
        if let Err(e) = &self.cgroups {
            out.push((Protection::Cgroups, e.clone()));
        }
        if let Err(e) = &self.landlock {
            out.push((Protection::Landlock, e.clone()));
        }
        if let Err(e) = &self.seccomp {
            out.push((Protection::Seccomp, e.clone()));
        }
        // Without cgroups this follows from their absence: allowing
        // `cgroups` allows it too.
        if let (Ok(_), Err(e)) = (&self.cgroups, &self.socket_memory) {
            out.push((Protection::SocketMemory, e.clone()));
        }
        out
    }
}

fn landlock_abi() -> Result<u32, String> {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute and this flag the syscall only
    // returns the ABI version.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if v > 0 {
        Ok(v as u32)
    } else {
        Err(format!(
            "the kernel has no Landlock ({}); it needs Linux 5.13+ with `landlock` in the boot's lsm= list",
            std::io::Error::last_os_error()
        ))
    }
}
