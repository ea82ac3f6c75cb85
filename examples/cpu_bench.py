# ANCHOR: whole
"""CPU-bound benchmark: pure-Python work and GIL-releasing work, three ways.

Run it:
    python3 examples/cpu_bench.py                  # defaults: a few seconds
    python3 examples/cpu_bench.py --tasks 16 --size 80000 --workers 4

Or import it and time one run, as the guide's benchmark chapter does:
    from cpu_bench import run
    run("python", "processes")                     # or run("hashlib", "threads")

What it measures:
    Two workloads, each split into --tasks tasks:

      python   count the primes in consecutive ranges of --size numbers by
               trial division: pure Python bytecode, so the thread running
               it holds the GIL throughout
      hashlib  SHA-256 over a --mib MiB buffer, --rounds times: hashlib
               releases the GIL while it hashes data larger than 2 KiB

    The python workload runs sequentially, in a ThreadPoolExecutor and in a
    ProcessPoolExecutor; the hashlib workload sequentially and in a
    ThreadPoolExecutor. Pools get --workers workers (default: the cores this
    process may use). For each run it prints wall time, CPU time (this process
    plus the worker processes it reaped), CPU utilisation (CPU time / wall
    time: 100% is one core busy) and the speed-up over the sequential run of
    the same workload. A table; --json adds one JSON line per run for tools.
"""

import argparse
import hashlib
import json
import os
import resource
import sys
import time
import types
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


# ANCHOR: core
# ANCHOR: workloads
def count_primes(start, stop):
    """Pure Python: holds the GIL for the whole call."""
    found = 0
    for n in range(max(start, 2), stop):
        for d in range(2, int(n**0.5) + 1):
            if n % d == 0:
                break
        else:
            found += 1
    return found


def digest_rounds(data, rounds):
    """hashlib releases the GIL while it hashes a large buffer."""
    h = hashlib.sha256()
    for _ in range(rounds):
        h.update(data)
    return h.hexdigest()
# ANCHOR_END: workloads


def python_tasks(args):
    step = args.size
    return [(i * step, (i + 1) * step) for i in range(args.tasks)]


def hashlib_tasks(args):
    data = bytes(range(256)) * (args.mib * 4096)  # args.mib MiB
    return [(data, args.rounds)] * args.tasks


# ANCHOR: runners
def sequential(fn, tasks, workers):
    return [fn(*t) for t in tasks]


def threads(fn, tasks, workers):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, *zip(*tasks)))


def processes(fn, tasks, workers):
    with ProcessPoolExecutor(max_workers=workers) as pool:  # start-up included
        return list(pool.map(fn, *zip(*tasks)))
# ANCHOR_END: runners
# ANCHOR_END: core


def cpu_seconds():
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


WORKLOADS = {"python": (count_primes, python_tasks),
             "hashlib": (digest_rounds, hashlib_tasks)}
RUNNERS = {"sequential": sequential, "threads": threads, "processes": processes}


def settings(tasks=8, size=40000, mib=4, rounds=16, workers=None):
    return types.SimpleNamespace(tasks=tasks, size=size, mib=mib, rounds=rounds,
                                 workers=workers or len(os.sched_getaffinity(0)))


def measure(workload, variant, args):
    fn, make_tasks = WORKLOADS[workload]
    tasks = make_tasks(args)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    result = RUNNERS[variant](fn, tasks, args.workers)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    return result, {"bench": "cpu", "workload": workload, "variant": variant,
                    "workers": 1 if variant == "sequential" else args.workers,
                    "wall_s": wall, "cpu_s": cpu, "cpu_util_pct": 100 * cpu / wall}


def answer(workload, result):
    """What the run computed, short enough to print: the same for every variant."""
    if workload == "python":
        return f"{sum(result)} primes"
    return f"digest {result[0][:12]}…"


def report(figures):
    """Hands figures to proofbook when it runs this script (it sets
    PROOFBOOK_METRICS); does nothing when you run it yourself."""
    path = os.environ.get("PROOFBOOK_METRICS")
    if path:
        with open(path, "a") as f:
            print(json.dumps(figures), file=f)


# ANCHOR: run
def run(workload, variant, **options):
    """Time one workload run one way, print one line, report its figures.
    Options: tasks, size, mib, rounds, workers."""
    result, row = measure(workload, variant, settings(**options))
    workers = "1 worker" if row["workers"] == 1 else f"{row['workers']} workers"
    print(f"{workload} {variant}: {len(result)} tasks on {workers}, "
          f"{row['wall_s']:.3f} s\n{row['cpu_util_pct']:.0f}% CPU, "
          f"{answer(workload, result)}")
    report({"cpu_pct": row["cpu_util_pct"]})
    return row
# ANCHOR_END: run


def main():
    defaults = settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=defaults.tasks,
                        help=f"tasks per workload (default {defaults.tasks})")
    parser.add_argument("--size", type=int, default=defaults.size,
                        help=f"numbers per prime-counting task (default {defaults.size})")
    parser.add_argument("--mib", type=int, default=defaults.mib,
                        help=f"MiB hashed per round (default {defaults.mib})")
    parser.add_argument("--rounds", type=int, default=defaults.rounds,
                        help=f"hash rounds per task (default {defaults.rounds})")
    parser.add_argument("--workers", type=int, default=defaults.workers,
                        help="pool size (default: usable cores)")
    parser.add_argument("--json", action="store_true",
                        help="also print one JSON line per run, for tools")
    args = parser.parse_args()

    print(f"Python {sys.version.split()[0]}, {len(os.sched_getaffinity(0))} usable "
          f"cores\n{args.workers} workers, {args.tasks} tasks per workload")
    rows = []
    for workload, variants in [("python", ("sequential", "threads", "processes")),
                               ("hashlib", ("sequential", "threads"))]:
        baseline = expected = None
        for variant in variants:
            result, row = measure(workload, variant, args)
            if expected is None:
                expected, baseline = result, row["wall_s"]
            assert result == expected, f"{workload}/{variant}: different answer"
            row["speedup"] = baseline / row["wall_s"]
            rows.append(row)

    # Narrow enough for a phone's screen; --json has every field.
    print(f"\n{'workload variant':<18}{'wall s':>7}{'CPU %':>6}{'speedup':>8}")
    for r in rows:
        run_name = f"{r['workload']} {r['variant']}"
        print(f"{run_name:<18}{r['wall_s']:>7.3f}{r['cpu_util_pct']:>6.0f}"
              f"{r['speedup']:>7.2f}x")
    if args.json:
        for r in rows:
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                              for k, v in r.items()}))


if __name__ == "__main__":
    main()
# ANCHOR_END: whole
