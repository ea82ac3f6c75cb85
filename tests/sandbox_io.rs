//! What the sandbox's own machinery does with what an example leaves
//! behind, tried as an attacker would: the metrics file swapped for
//! something root should never open, stdout handed to a process outside
//! the sandbox, and two examples at once looking for a shared uid.
//!
//! Each attack runs against the real launcher and CPython; the asserts are
//! on what the example could observe and on what proofbook reports.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use proofbook::config::Limits;
use proofbook::execute::{Outcome, Probe, Program, RunRecord, Sandbox, python};

/// A root-only file inside the examples folder (so it is mounted in the
/// sandbox), shaped like a metrics line: were init to read it as root,
/// its figure would come back as the example's.
const ROOT_ONLY: &str = "root-only.jsonl";
const ROOT_SECRET: &str = "{\"leaked_secret\": 271828}\n";

struct Env {
    python: python::PythonEnv,
    examples: tempfile::TempDir,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let python = support::guide_python();
        let examples = tempfile::tempdir().unwrap();
        // Examples run as another uid: the folder must be open to it.
        std::fs::set_permissions(examples.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let secret = examples.path().join(ROOT_ONLY);
        std::fs::write(&secret, ROOT_SECRET).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        Env { python, examples }
    })
}

fn sandbox(slots: usize) -> Sandbox {
    let mut sandbox = Sandbox::new(
        PathBuf::from(env!("CARGO_BIN_EXE_proofbook")),
        env().python.clone(),
        Some(env().examples.path()),
        Limits::default(),
        &Probe::detect(),
        &[],
    )
    .expect("every protection is available on the test machine");
    sandbox.plan_slots(slots);
    sandbox
}

/// Tests that share the examples folder's sockets run one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn run(sandbox: &Sandbox, code: &str) -> RunRecord {
    sandbox
        .run(&Program {
            code,
            timeout: Duration::from_secs(30),
            files: &[],
            venv: None,
            python: None,
            asks: Default::default(),
        })
        .expect("the sandbox starts")
}

/// Everything of a record an author or a reader could see, as text.
fn visible(r: &RunRecord) -> String {
    format!(
        "{}\n{}\n{:?}\n{:?}",
        r.stdout(),
        r.stderr(),
        r.metrics,
        r.metrics_error
    )
}

// ---------- the metrics file ----------

/// An example that swaps its metrics file for `replacement` (Python code
/// that makes `path`) after writing a genuine figure.
fn swap_metrics(replacement: &str) -> RunRecord {
    let code = format!(
        r#"
import json, os
path = os.environ["PROOFBOOK_METRICS"]
with open(path, "a") as f:
    print(json.dumps({{"genuine": 1}}), file=f)
os.remove(path)
{replacement}
print("swapped", os.path.exists(path) or os.path.islink(path))
"#
    );
    let r = run(&sandbox(1), &code);
    assert_eq!(r.outcome, Outcome::Exited(0), "{}", visible(&r));
    assert_eq!(r.stdout(), "swapped True\n", "{}", visible(&r));
    r
}

#[track_caller]
fn assert_tampered(r: &RunRecord, found: &str) {
    let error = r.metrics_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("tampered with its metrics") && error.contains(found),
        "{}",
        visible(r)
    );
    assert!(r.metrics.is_empty(), "{:?}", r.metrics);
}

#[test]
fn a_fifo_in_place_of_the_metrics_file_is_tampering_not_a_hang() {
    let _s = serial();
    // Opening a FIFO for reading blocks until a writer comes: a helper
    // that opened it would wait until the time limit, every run.
    let r = swap_metrics("os.mkfifo(path)");
    assert_tampered(&r, "a FIFO");
}

#[test]
fn a_link_to_a_root_only_file_is_never_read() {
    let _s = serial();
    let secret = env().examples.path().join(ROOT_ONLY);
    // The example itself cannot read the file...
    let own = run(
        &sandbox(1),
        &format!(
            "try:\n    open({secret:?}).read()\n    print('READ')\nexcept OSError as e:\n    print('denied', type(e).__name__)\n"
        ),
    );
    assert_eq!(
        own.stdout(),
        "denied PermissionError\n",
        "{}",
        visible(&own)
    );
    // ...so it asks root to, through its metrics file: directly, through
    // a second link, and by a relative path.
    for replacement in [
        format!("os.symlink({secret:?}, path)"),
        format!("os.symlink({secret:?}, '/tmp/hop')\nos.symlink('/tmp/hop', path)"),
        "os.symlink('../etc/shadow', path)".to_owned(),
    ] {
        let r = swap_metrics(&replacement);
        assert_tampered(&r, "a symbolic link");
        let seen = visible(&r);
        assert!(
            !seen.contains("271828") && !seen.contains("leaked_secret"),
            "{seen}"
        );
    }
}

#[test]
fn proc_kmsg_in_place_of_the_metrics_file_is_not_read_as_root() {
    let _s = serial();
    // /proc/kmsg blocks when the kernel log is empty and hands its lines
    // to the first reader: a hang, or the host's log published.
    let r = swap_metrics("os.symlink('/proc/kmsg', path)");
    assert_tampered(&r, "a symbolic link");
    assert!(!visible(&r).contains("kernel"), "{}", visible(&r));
}

#[test]
fn a_metrics_file_replaced_by_another_file_or_a_folder_is_tampering() {
    let _s = serial();
    // Written beside it and moved over it: a forged file in its place.
    let r = swap_metrics(
        "open(path + '.new', 'w').write('{\"forged\": 1}\\n')\nos.rename(path + '.new', path)",
    );
    assert_tampered(&r, "another file");
    let r = swap_metrics("os.mkdir(path)");
    assert_tampered(&r, "a folder");
}

// ---------- output held open from outside ----------

/// A Unix socket in the examples folder, as a host service would have:
/// the example can connect to it from inside the sandbox.
struct HostService {
    listener: UnixListener,
    path: PathBuf,
}

impl HostService {
    fn new(name: &str) -> HostService {
        let path = env().examples.path().join(name);
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
        HostService { listener, path }
    }
}

impl Drop for HostService {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[test]
fn stdout_handed_to_a_process_outside_does_not_stall_the_run() {
    let _s = serial();
    let service = HostService::new("held.sock");
    // A daemonised grandchild hands the example's stdout and stderr to the
    // host service and leaves them there, unread: the kernel keeps them
    // open as long as the service's socket lives, whatever the sandbox
    // kills.
    let r = run(
        &sandbox(1),
        &format!(
            r#"
import os, socket, sys, time
print("before", flush=True)
handed, told = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        s = socket.socket(socket.AF_UNIX)
        s.connect({path:?})
        socket.send_fds(s, [b"x"], [1, 2])
        os.write(told, b"k")
        time.sleep(600)
    os._exit(0)
os.close(told)
os.wait()
assert os.read(handed, 1) == b"k"
print("after", flush=True)
"#,
            path = service.path.display().to_string()
        ),
    );
    assert_eq!(r.outcome, Outcome::Exited(0), "{}", visible(&r));
    assert!(r.output_cut, "the run did not say its output may be cut");
    assert_eq!(r.stdout(), "before\nafter\n", "{}", visible(&r));
    // The descriptors really were held outside: the service has them.
    let (conn, _) = service.listener.accept().unwrap();
    let mut buf = [0u8; 1];
    let mut fds = [0i32; 2];
    let got = recv_fds(&conn, &mut buf, &mut fds);
    assert_eq!(got, 2, "the service got no descriptors");
}

/// Receives up to `fds.len()` descriptors; returns how many came.
fn recv_fds(conn: &std::os::unix::net::UnixStream, buf: &mut [u8], fds: &mut [i32]) -> usize {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    use std::os::fd::AsRawFd;
    let mut iov = [std::io::IoSliceMut::new(buf)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 2]);
    let msg = recvmsg::<()>(
        conn.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::empty(),
    )
    .unwrap();
    let mut n = 0;
    for c in msg.cmsgs().unwrap() {
        if let ControlMessageOwned::ScmRights(raw) = c {
            for fd in raw {
                fds[n] = fd;
                n += 1;
                // SAFETY: a descriptor we just received and own.
                unsafe { libc::close(fd) };
            }
        }
    }
    n
}

#[test]
fn output_that_ends_with_the_program_is_not_marked_cut() {
    let _s = serial();
    let r = run(
        &sandbox(1),
        "import subprocess\nsubprocess.Popen(['sleep', '600'])\nprint('bye')\n",
    );
    assert_eq!(r.stdout(), "bye\n");
    assert!(!r.output_cut);
}

// ---------- a uid per slot ----------

#[test]
fn two_examples_at_once_run_under_different_host_uids() {
    let _s = serial();
    let sandbox = sandbox(2);
    let service = HostService::new("meet.sock");
    // Each example tells the service its uid map, then waits until the
    // service has heard from both: they are running at the same time.
    let code = format!(
        r#"
import os, socket
line = open("/proc/self/uid_map").read().split()
s = socket.socket(socket.AF_UNIX)
s.settimeout(25)
s.connect({path:?})
s.sendall((" ".join(line) + "\n").encode())
assert s.recv(2) == b"go"
print(os.getuid(), line[1])
"#,
        path = service.path.display().to_string()
    );
    let meeting = std::thread::spawn({
        let listener = service.listener.try_clone().unwrap();
        move || {
            let mut conns = Vec::new();
            for _ in 0..2 {
                let (conn, _) = listener.accept().unwrap();
                let mut line = String::new();
                BufReader::new(&conn).read_line(&mut line).unwrap();
                conns.push((conn, line));
            }
            for (conn, _) in &mut conns {
                conn.write_all(b"go").unwrap();
            }
            conns.into_iter().map(|(_, l)| l).collect::<Vec<_>>()
        }
    });
    let records: Vec<RunRecord> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| run(&sandbox, &code)))
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let seen = meeting.join().unwrap();
    let uids: Vec<u32> = records
        .iter()
        .map(|r| {
            assert_eq!(r.outcome, Outcome::Exited(0), "{}", visible(r));
            let out = r.stdout();
            let mut f = out.split_whitespace();
            assert_eq!(f.next(), Some("1000"), "{out}");
            f.next().unwrap().parse().unwrap()
        })
        .collect();
    assert_ne!(
        uids[0], uids[1],
        "both examples ran as host uid {}",
        uids[0]
    );
    for uid in &uids {
        assert!(proofbook::execute::slot_ids::range().contains(uid), "{uid}");
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    let policy = sandbox.slot_policy();
    assert_eq!(policy.uids, Ok(proofbook::execute::slot_ids::range()));
    assert_eq!(policy.budget.slots, 2);
}
