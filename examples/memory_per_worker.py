# ANCHOR: whole
"""Memory per concurrent wait: threads vs asyncio tasks vs processes.

Run it (Linux: it reads /proc):
    python3 examples/memory_per_worker.py                   # defaults: a few seconds
    python3 examples/memory_per_worker.py --waits 10000 --processes 8

What it measures:
    Each variant runs in a fresh Python process (this script started again
    with --child), so one variant's leftovers cannot inflate the next one:

      threads         --waits threads, each blocked in threading.Event.wait()
      tasks           --waits asyncio tasks, each suspended in asyncio.Event.wait()
      processes-fork  --processes processes started with the 'fork' method,
      processes-spawn and with 'spawn', each blocked reading a pipe

    While every worker is waiting, it reads resident memory (VmRSS) and
    virtual memory (VmSize) from /proc. For threads and tasks it reports the
    growth of the one process divided by the number of waits. For processes it
    reports each child's own RSS and its PSS (proportional set size: pages
    shared with the parent are split between the processes sharing them,
    which is the fair per-process cost of a forked child). The figure the
    variants are compared on, "KiB per worker", is what one more worker
    costs the machine: the RSS growth per thread or task, the PSS per
    process. It also prints how long starting all the workers took. Two
    tables; --json adds one JSON line per variant for tools.

    bench(VARIANT) measures one variant in the calling process and reports
    its figures to proofbook; the guide's memory comparison runs it once per
    variant and round.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time


# ANCHOR: proc_status
def status_kib(field, pid="self"):
    """A field such as VmRSS from /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def pss_kib(pid):
    """Proportional set size of a process (shared pages split fairly), or
    None where /proc cannot say. smaps_rollup (Linux 4.14+) sums it for us;
    older kernels list it per mapping in smaps."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/smaps") as f:
            return sum(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except OSError:
        return None
# ANCHOR_END: proc_status


# ANCHOR: waits
# ANCHOR: threads
def measure_threads(n):
    release = threading.Event()
    rss0, vm0 = status_kib("VmRSS"), status_kib("VmSize")
    t0 = time.perf_counter()
    # Daemon threads, never released: waking 10,000 threads at once sends
    # them all after the GIL together, and on a busy machine that stampede
    # burnt over two minutes of CPU time. They end with the process.
    workers = [threading.Thread(target=release.wait, daemon=True) for _ in range(n)]
    for w in workers:
        w.start()
    started = time.perf_counter() - t0
    rss, vm = status_kib("VmRSS") - rss0, status_kib("VmSize") - vm0
    return {"start_s": started, "rss_kib_per_worker": rss / n,
            "virtual_kib_per_worker": vm / n}
# ANCHOR_END: threads


# ANCHOR: tasks
def measure_tasks(n):
    async def main():
        release = asyncio.Event()
        rss0, vm0 = status_kib("VmRSS"), status_kib("VmSize")
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(release.wait()) for _ in range(n)]
        await asyncio.sleep(0)  # let every task start and block in wait()
        started = time.perf_counter() - t0
        rss, vm = status_kib("VmRSS") - rss0, status_kib("VmSize") - vm0
        release.set()
        await asyncio.gather(*tasks)
        return {"start_s": started, "rss_kib_per_worker": rss / n,
                "virtual_kib_per_worker": vm / n}

    return asyncio.run(main())
# ANCHOR_END: tasks


def child_wait(conn):
    conn.send("ready")
    conn.recv()  # blocks until the parent sends something


# ANCHOR: processes
def measure_processes(n, method):
    ctx = multiprocessing.get_context(method)
    t0 = time.perf_counter()
    pipes, procs = [], []
    for _ in range(n):
        parent_end, child_end = ctx.Pipe()
        p = ctx.Process(target=child_wait, args=(child_end,))
        p.start()
        pipes.append(parent_end)
        procs.append(p)
    for conn in pipes:  # every child has started once it says so
        conn.recv()
    started = time.perf_counter() - t0
    rss = [status_kib("VmRSS", p.pid) for p in procs]
    vm = [status_kib("VmSize", p.pid) for p in procs]
    pss = [pss_kib(p.pid) for p in procs]
    for conn in pipes:
        conn.send(None)
    for p in procs:
        p.join()
    row = {"start_s": started, "rss_kib_per_worker": sum(rss) / n,
           "virtual_kib_per_worker": sum(vm) / n}
    if None not in pss:
        row["pss_kib_per_worker"] = sum(pss) / n
    return row
# ANCHOR_END: processes
# ANCHOR_END: waits


def measure(variant, waits, processes):
    """One variant's figures, measured in this process. `kib_per_worker` is
    what one more worker costs: RSS growth per thread or task, PSS per
    process (RSS where the kernel cannot tell PSS)."""
    if variant == "threads":
        row = measure_threads(waits)
    elif variant == "tasks":
        row = measure_tasks(waits)
    else:
        waits = processes
        row = measure_processes(processes, variant.split("-")[1])
    row["kib_per_worker"] = row.get("pss_kib_per_worker", row["rss_kib_per_worker"])
    return {"variant": variant, "workers": waits, **row}


def child_main(variant, waits, processes):
    print(json.dumps({"bench": "memory", **measure(variant, waits, processes)}))


def bench(variant, waits=1000, processes=4):
    """Measures one variant here, prints it, and reports its figures to
    proofbook. Call it under `if __name__ == "__main__":` (spawned children
    import the calling program again)."""
    row = measure(variant, waits, processes)
    cost = "PSS" if "pss_kib_per_worker" in row else "RSS"
    if variant in ("threads", "tasks"):
        cost = "RSS growth"
    # Two short lines rather than one long one: they fit a phone's screen.
    print(f"{row['workers']} {variant} waiting: {row['kib_per_worker']:.1f} KiB each ({cost})")
    print(f"virtual {row['virtual_kib_per_worker']:.0f} KiB each, all started in {row['start_s']:.3f} s")
    report({k: v for k, v in row.items() if isinstance(v, float)})


def report(figures):
    """Hands figures to proofbook when it runs this script (it sets
    PROOFBOOK_METRICS); does nothing when you run it yourself."""
    path = os.environ.get("PROOFBOOK_METRICS")
    if path:
        with open(path, "a") as f:
            print(json.dumps(figures), file=f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waits", type=int, default=1000,
                        help="threads / tasks waiting at once (default 1000)")
    parser.add_argument("--processes", type=int, default=4,
                        help="processes per start method (default 4)")
    parser.add_argument("--json", action="store_true",
                        help="also print one JSON line per variant, for tools")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.waits, args.processes)
        return

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n"
          f"{args.waits} threads and tasks,\n"
          f"{args.processes} processes per start method")
    rows = []
    for variant in ("threads", "tasks", "processes-fork", "processes-spawn"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", variant,
             "--waits", str(args.waits), "--processes", str(args.processes)],
            check=True, capture_output=True, text=True,
        ).stdout
        rows.append(json.loads(out))

    # Two narrow tables rather than one wide one: they fit a phone's screen.
    print(f"\n{'KiB per worker':<15}{'RSS':>9}{'PSS':>7}{'virtual':>8}")
    for r in rows:
        pss = f"{r['pss_kib_per_worker']:.0f}" if "pss_kib_per_worker" in r else "-"
        print(f"{r['variant']:<15}{r['rss_kib_per_worker']:>9.1f}{pss:>7}"
              f"{r['virtual_kib_per_worker']:>8.0f}")
    print(f"\n{'variant':<15}{'workers':>8}{'start s':>9}")
    for r in rows:
        print(f"{r['variant']:<15}{r['workers']:>8}{r['start_s']:>9.3f}")
    if args.json:
        for r in rows:
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                              for k, v in r.items()}))
    figures = {}
    for r in rows:
        name = r["variant"].replace("-", "_")
        figures[f"{name}_rss_kib_per_worker"] = r["rss_kib_per_worker"]
        if "pss_kib_per_worker" in r:  # processes only, where /proc has smaps_rollup
            figures[f"{name}_pss_kib_per_worker"] = r["pss_kib_per_worker"]
    report(figures)


if __name__ == "__main__":
    main()
# ANCHOR_END: whole
