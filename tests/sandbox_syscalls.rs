//! What the kernel refuses an example, seen from inside: every call of the
//! seccomp policy tried through ctypes (EPERM; ENOSYS for clone3; a foreign
//! ABI refused or killed), ordinary concurrency still working, and socket
//! buffers held within (and counted in) the memory limit.
//!
//! The arguments of each call are chosen so that, without the filter, the
//! kernel would answer something else (success, EBADF, EFAULT, EINVAL,
//! ENOSYS): run without it, 42 of the 55 calls here do, and the other 13
//! (mount-like calls, swap, reboot, acct, syslog, settimeofday, vhangup)
//! meet a capability check first; the floods held ~450 MiB.

#![cfg(target_arch = "x86_64")]

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use proofbook::config::Limits;
use proofbook::execute::{Outcome, Probe, Program, RunRecord, Sandbox, seccomp};

struct Env {
    sandbox: Sandbox,
    small: Sandbox,
}

/// Memory limit of the small sandbox: socket floods aim far past it.
const SMALL_MEMORY: u64 = 256 << 20;

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let python = support::guide_python();
        let probe = Probe::detect();
        let make = |limits| {
            Sandbox::new(
                PathBuf::from(env!("CARGO_BIN_EXE_proofbook")),
                python.clone(),
                None,
                limits,
                &probe,
                &[],
            )
            .expect("every protection is available on the test machine")
        };
        Env {
            sandbox: make(Limits::default()),
            small: make(Limits {
                memory_bytes: SMALL_MEMORY,
                ..Limits::default()
            }),
        }
    })
}

/// One run at a time: the socket floods are measured by their cgroup.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn run_in(sandbox: &Sandbox, code: &str) -> RunRecord {
    let record = sandbox
        .run(&Program {
            code,
            timeout: Duration::from_secs(60),
            files: &[],
            venv: None,
            python: None,
            asks: Default::default(),
        })
        .expect("the sandbox starts");
    assert_eq!(
        record.outcome,
        Outcome::Exited(0),
        "stdout:\n{}\nstderr:\n{}",
        record.stdout(),
        record.stderr()
    );
    record
}

/// Each refused call as Python: its name, then the call's number and
/// arguments (`P` is a pointer to a harmless buffer, `ME` this pid).
const CALLS: &[(&str, &str)] = &[
    ("clone", "56, 0x10000000 | 17, 0, 0, 0, 0"),
    ("unshare", "272, 0x10000000"),
    ("setns", "308, -1, 0"),
    ("bpf", "321, 0, 0, 0"),
    ("keyctl", "250, 0, -3, 0"),
    ("add_key", "248, 0, 0, 0, 0, 0"),
    ("request_key", "249, 0, 0, 0, 0"),
    ("perf_event_open", "298, 0, 0, -1, -1, 0"),
    ("userfaultfd", "323, 1"),
    ("io_uring_setup", "425, 0, 0"),
    ("io_uring_enter", "426, -1, 0, 0, 0, 0, 0"),
    ("io_uring_register", "427, -1, 0, 0, 0"),
    ("ptrace", "101, 0, 0, 0, 0"),
    ("process_vm_readv", "310, ME, 0, 0, 0, 0, 0"),
    ("process_vm_writev", "311, ME, 0, 0, 0, 0, 0"),
    ("kcmp", "312, ME, ME, 0, 0, 0"),
    ("pidfd_getfd", "438, -1, 0, 0"),
    ("init_module", "175, 0, 0, 0"),
    ("finit_module", "313, -1, 0, 0"),
    ("delete_module", "176, 0, 0"),
    ("kexec_load", "246, 0, 0, 0, 0"),
    ("kexec_file_load", "320, -1, -1, 0, 0, 0"),
    ("mount", "165, 0, 0, 0, 0, 0"),
    ("umount2", "166, P, 0"),
    ("pivot_root", "155, P, P"),
    ("move_mount", "429, -1, 0, -1, 0, 0"),
    ("open_tree", "428, -1, 0, 0"),
    ("fsopen", "430, 0, 0"),
    ("fsmount", "432, -1, 0, 0"),
    ("fsconfig", "431, -1, 0, 0, 0, 0"),
    ("fspick", "433, -1, 0, 0"),
    ("mount_setattr", "442, -1, 0, 0, 0, 0"),
    ("swapon", "167, 0, 0"),
    ("swapoff", "168, 0"),
    ("reboot", "169, 0, 0, 0, 0"),
    ("acct", "163, 0"),
    ("settimeofday", "164, 0, 0"),
    ("clock_settime", "227, 0, 0"),
    ("clock_adjtime", "305, 0, 0"),
    ("adjtimex", "159, 0"),
    ("syslog", "103, 10, 0, 0"),
    ("open_by_handle_at", "304, -1, 0, 0"),
    ("name_to_handle_at", "303, -100, P, 0, 0, 0"),
    ("lookup_dcookie", "212, 0, 0, 0"),
    ("quotactl", "179, 0, 0, 0, 0"),
    ("quotactl_fd", "443, -1, 0, 0, 0"),
    ("vhangup", "153"),
    ("personality", "135, 0x0040000"),
    ("iopl", "172, 3"),
    ("ioperm", "173, 0, 1, 1"),
    ("uselib", "134, 0"),
    ("ustat", "136, 0, 0"),
    ("sysfs", "139, 3"),
    ("clone3", "435, 0, 0"),
    // x32's getpid: the x32 ABI is refused as a whole.
    ("x32 getpid", "0x40000000 + 39"),
];

/// Tries each call in a child process of its own (so a call that went
/// through changes nothing for the next) and prints `name errno` lines.
const TRY_CALLS: &str = r#"
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
P = ctypes.cast(ctypes.create_string_buffer(b"/"), ctypes.c_void_p).value
ME = os.getpid()
def attempt(name, nr, *args):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        me = os.getpid()
        ctypes.set_errno(0)
        rc = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        if rc == 0 and os.getpid() != me:
            os._exit(0)  # the clone's own child, had the call gone through
        os.write(w, (errno.errorcode.get(ctypes.get_errno(), "OK") if rc < 0 else "OK").encode())
        os._exit(0)
    os.close(w)
    answer = os.read(r, 100).decode() or "no answer"
    os.waitpid(pid, 0)
    print(name, answer)
CALLS
print("seccomp mode", [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")][0])
print("personality query", libc.syscall(135, ctypes.c_long(0xffffffff)))
"#;

#[test]
fn every_refused_call_answers_eperm_and_clone3_enosys() {
    let _s = serial();
    let calls: String = CALLS
        .iter()
        .map(|(name, args)| format!("attempt({name:?}, {args})\n"))
        .collect();
    let out = run_in(&env().sandbox, &TRY_CALLS.replace("CALLS\n", &calls)).stdout();
    let answers: BTreeMap<&str, &str> = out.lines().filter_map(|l| l.rsplit_once(' ')).collect();
    // Every call of the policy is tried here: a call added to the filter
    // without a line above fails this test.
    for name in seccomp::refused_calls() {
        assert!(CALLS.iter().any(|(n, _)| *n == name), "{name} is not tried");
    }
    for (name, _) in CALLS {
        let expected = if *name == "clone3" { "ENOSYS" } else { "EPERM" };
        assert_eq!(answers.get(name), Some(&expected), "{name}:\n{out}");
    }
    assert_eq!(answers.get("seccomp mode"), Some(&"2"), "{out}");
    // The query and the default personality are still allowed.
    assert_eq!(answers.get("personality query"), Some(&"0"), "{out}");
}

#[test]
fn the_i386_abi_kills_the_process() {
    let _s = serial();
    // `mov eax, 20; int 0x80; ret`: getpid through the 32-bit entry.
    let out = run_in(
        &env().sandbox,
        r#"
import ctypes, mmap, os, signal
code = bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3])
pid = os.fork()
if pid == 0:
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(code)
    address = ctypes.addressof(ctypes.c_char.from_buffer(page))
    ctypes.CFUNCTYPE(ctypes.c_int)(address)()
    os._exit(0)
_, status = os.waitpid(pid, 0)
print("signal", os.WTERMSIG(status) if os.WIFSIGNALED(status) else None)
"#,
    )
    .stdout();
    // SIGSYS is 31 on x86_64.
    assert_eq!(out.trim(), "signal 31", "{out}");
}

#[test]
fn ordinary_concurrency_still_works() {
    let _s = serial();
    let out = run_in(
        &env().sandbox,
        r#"
import asyncio, multiprocessing as mp, subprocess, sys, threading
def square(x):
    return x * x
async def serve_once():
    async def echo(reader, writer):
        writer.write(await reader.readline()); await writer.drain(); writer.close()
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping\n"); await writer.drain()
    line = await reader.readline()
    writer.close(); server.close(); await server.wait_closed()
    return line.decode().strip()
if __name__ == "__main__":
    seen = []
    threads = [threading.Thread(target=lambda i=i: seen.append(i)) for i in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("threads", len(seen))
    for method in ["fork", "spawn", "forkserver"]:
        with mp.get_context(method).Pool(2) as pool:
            print(method, sum(pool.map(square, range(10))))
    print("asyncio", asyncio.run(serve_once()))
    print("subprocess", subprocess.run([sys.executable, "-c", "print(6 * 7)"],
                                       capture_output=True, text=True, check=True).stdout.strip())
"#,
    )
    .stdout();
    for line in [
        "threads 8",
        "fork 285",
        "spawn 285",
        "forkserver 285",
        "asyncio ping",
        "subprocess 42",
    ] {
        assert!(out.contains(line), "{line}:\n{out}");
    }
}

/// Runs a socket flood in the small sandbox, which prints how many bytes
/// it got the kernel to hold: they stay under the memory limit, and the
/// reported peak counts them.
fn flood(code: &str) {
    let record = run_in(&env().small, code);
    let held: u64 = record
        .stdout()
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{}", record.stdout()));
    let peak = record.peak_memory_bytes.expect("the cgroup reports a peak");
    assert!(held > 0);
    assert!(held < SMALL_MEMORY, "held {} MiB", held >> 20);
    // Buffers take more than their payload, so half is a safe floor.
    assert!(
        peak >= held / 2,
        "peak {} MiB, {} MiB held",
        peak >> 20,
        held >> 20
    );
}

#[test]
fn tcp_buffers_on_loopback_stay_within_the_memory_limit_and_count_in_the_peak() {
    let _s = serial();
    // Unbounded, 120 connections hold ~450 MiB here (measured with the
    // cgroup's socket limit unset), far past the 256 MiB limit.
    flood(
        r#"
import socket
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(512)
kept, held, chunk = [], 0, b"x" * 65536
for _ in range(120):
    try:
        c = socket.create_connection(listener.getsockname(), timeout=2)
        a, _ = listener.accept()
    except OSError:
        break
    c.setblocking(False)
    kept += [c, a]
    while True:
        try:
            held += c.send(chunk)
        except OSError:
            break
print(held)
"#,
    );
}

#[test]
fn udp_buffers_on_loopback_stay_within_the_memory_limit_and_count_in_the_peak() {
    let _s = serial();
    // Datagrams sent to sockets nobody reads wait in their receive queues
    // (the kernel's own count, /proc/net/udp, is what is held).
    flood(
        r#"
import socket
kept = []
for _ in range(60):
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 30)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setblocking(False)
    kept += [r, s]
    for _ in range(200):
        try:
            s.sendto(b"x" * 60000, r.getsockname())
        except OSError:
            break
held = 0
for line in open("/proc/net/udp").readlines()[1:]:
    held += int(line.split()[4].split(":")[1], 16)
print(held)
"#,
    );
}

#[test]
fn a_kernel_without_seccomp_or_socket_accounting_refuses_unless_allowed() {
    use proofbook::config::Protection;
    let _s = serial();
    let python = env().sandbox.python().clone();
    let launcher = PathBuf::from(env!("CARGO_BIN_EXE_proofbook"));
    for (protection, name) in [
        (Protection::Seccomp, "seccomp"),
        (Protection::SocketMemory, "socket-memory"),
    ] {
        let mut probe = Probe::detect();
        let pretend = Err("pretend the kernel has none".to_owned());
        match protection {
            Protection::Seccomp => probe.seccomp = pretend,
            _ => probe.socket_memory = pretend,
        }
        let make = |allow: &[Protection]| {
            Sandbox::new(
                launcher.clone(),
                python.clone(),
                None,
                Limits::default(),
                &probe,
                allow,
            )
        };
        let refused = make(&[]).unwrap_err().to_string();
        assert!(refused.contains(name), "{refused}");
        let record = run_in(
            &make(&[protection]).unwrap(),
            "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('Seccomp:')][0])",
        );
        assert_eq!(record.missing, [name]);
        let seccomp_mode = if name == "seccomp" { "0\n" } else { "2\n" };
        assert_eq!(record.stdout(), seccomp_mode);
    }
}
