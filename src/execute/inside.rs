//! What a program sees inside the sandbox: the host folders mounted
//! read-only (system programs and libraries, the interpreter's, the book's
//! `examples/`), its whole environment, and the few files of its `/etc`.
//! `Sandbox::new` decides them once; `launcher` builds them for each run.

use std::path::{Path, PathBuf};

use crate::execute::python::PythonEnv;
use crate::execute::spec::WORK_DIR;

/// What the sandbox mounts read-only (the system's programs and
/// libraries, the interpreter's folders, `examples/`) and the program's
/// whole environment.
pub(crate) fn mounts_and_env(
    python: &PythonEnv,
    examples: Option<&Path>,
) -> (Vec<PathBuf>, Vec<(String, String)>) {
    let mut read_only: Vec<PathBuf> = [
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
    ]
    .iter()
    .chain(&[
        "/etc/ld.so.cache",
        "/etc/ld.so.conf",
        "/etc/ld.so.conf.d",
        "/etc/localtime",
        "/etc/ssl",
        "/etc/protocols",
        "/etc/services",
        "/etc/mime.types",
    ])
    .map(PathBuf::from)
    .filter(|p| p.symlink_metadata().is_ok())
    .collect();
    read_only.extend(python.mounts.iter().cloned());
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), search_path(python)),
        ("HOME".into(), WORK_DIR.into()),
        ("LANG".into(), "C.UTF-8".into()),
        ("TMPDIR".into(), "/tmp".into()),
        ("PYTHONUNBUFFERED".into(), "1".into()),
        ("PYTHONDONTWRITEBYTECODE".into(), "1".into()),
        ("PROOFBOOK".into(), "1".into()),
        (
            crate::execute::spec::METRICS_ENV.into(),
            crate::execute::spec::METRICS_FILE.into(),
        ),
    ];
    if let Some(dir) = examples.and_then(|d| d.canonicalize().ok()) {
        env.push(("PYTHONPATH".into(), dir.display().to_string()));
        read_only.push(dir);
    }
    (read_only, env)
}

/// The environment of a program run by the named interpreter `python`:
/// its `bin` first on `PATH` instead of the default interpreter's.
pub(crate) fn with_python(env: &[(String, String)], python: &PythonEnv) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| match k.as_str() {
            "PATH" => (k.clone(), search_path(python)),
            _ => (k.clone(), v.clone()),
        })
        .collect()
}

/// `PATH` inside the sandbox: the interpreter's `bin`, then the system's.
fn search_path(python: &PythonEnv) -> String {
    format!(
        "{}:/usr/local/bin:/usr/bin:/bin",
        python.bin_dir().display()
    )
}

/// The environment of a program run by the venv `dir`'s interpreter: its
/// `bin` first on `PATH` (so its console scripts are found), the rest as is.
pub(crate) fn with_venv(env: &[(String, String)], dir: &Path) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| match k.as_str() {
            "PATH" => (k.clone(), format!("{}:{v}", dir.join("bin").display())),
            _ => (k.clone(), v.clone()),
        })
        .collect()
}

/// The sandbox's `/etc`: names resolve locally, and the program's user
/// has a name.
pub(crate) fn etc_files() -> Vec<(String, String)> {
    vec![
        (
            "hosts".into(),
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tsandbox\n"
                .into(),
        ),
        (
            "passwd".into(),
            "root:x:0:0:root:/:/usr/sbin/nologin\nsandbox:x:1000:1000:proofbook example:/sandbox:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".into(),
        ),
        (
            "group".into(),
            "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n".into(),
        ),
        (
            "nsswitch.conf".into(),
            "passwd: files\ngroup: files\nhosts: files\n".into(),
        ),
        ("hostname".into(), "sandbox\n".into()),
    ]
}
