"""What processes cost before they do any work: start-up and IPC.

Run it:
    python3 examples/startup_cost.py                 # defaults: a few seconds
    python3 examples/startup_cost.py --starts 20 --items 100000

What it measures:
    1. start-up: the mean time to start a process that does nothing and wait
       for it to exit, for each start method (fork, forkserver, spawn), next to
       starting and joining a thread.
    2. IPC round trip: a ProcessPoolExecutor worker receives a bytes payload
       and returns it (pickle, pipe, unpickle, both ways), for several payload
       sizes, next to the same call made in-process.
    3. tiny tasks: --items calls of a trivial function, run in a loop in this
       process, and through a ProcessPoolExecutor with chunksize 1 and with a
       large chunksize. This is the case where processes are slower.
    A table per part, then one JSON line per measurement.
"""

import argparse
import functools
import json
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def nothing():
    pass


def echo(payload):
    return payload


def square(x):
    return x * x


def mean_seconds(fn, repeat):
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


# ANCHOR: startup
def start_process(method):
    ctx = multiprocessing.get_context(method)

    def once():
        p = ctx.Process(target=nothing)
        p.start()
        p.join()

    once()  # warm-up: forkserver starts its server process on first use
    return once


def start_thread():
    t = threading.Thread(target=nothing)
    t.start()
    t.join()
# ANCHOR_END: startup


# ANCHOR: round_trip
def round_trip(pool, payload, repeat):
    def once():
        assert len(pool.submit(echo, payload).result()) == len(payload)

    return mean_seconds(once, repeat)
# ANCHOR_END: round_trip


# ANCHOR: tiny_tasks
def tiny_tasks(items, workers):
    numbers = range(items)
    rows = []
    t0 = time.perf_counter()
    expected = [square(x) for x in numbers]
    rows.append(("in-process loop", time.perf_counter() - t0))
    for chunksize in (1, max(1, items // (4 * workers))):
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            assert list(pool.map(square, numbers, chunksize=chunksize)) == expected
        rows.append((f"pool, chunksize={chunksize}", time.perf_counter() - t0))
    return rows
# ANCHOR_END: tiny_tasks


def main():
    cores = len(os.sched_getaffinity(0))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5,
                        help="processes started per method (default 5)")
    parser.add_argument("--trips", type=int, default=20,
                        help="round trips per payload size (default 20)")
    parser.add_argument("--items", type=int, default=10000,
                        help="tiny tasks (default 10000)")
    parser.add_argument("--workers", type=int, default=cores,
                        help="pool size (default: cores)")
    args = parser.parse_args()
    out = []
    print(f"Python {sys.version.split()[0]}, {cores} usable cores, "
          f"default start method: {multiprocessing.get_start_method()}")

    print(f"\n1. start and join one worker (mean of {args.starts})")
    start_thread()  # warm-up, as for the processes
    rows = [("thread", mean_seconds(start_thread, args.starts))]
    for method in ("fork", "forkserver", "spawn"):
        seconds = mean_seconds(start_process(method), args.starts)
        rows.append((f"process ({method})", seconds))
    for name, seconds in rows:
        print(f"   {name:<22}{seconds * 1000:>9.2f} ms")
        out.append({"part": "startup", "what": name, "ms": seconds * 1000})

    print(f"\n2. round trip of a payload (mean of {args.trips})")
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(nothing).result()  # the worker is running before we time
        for size in (1 << 10, 64 << 10, 4 << 20):
            payload = os.urandom(size)
            local = mean_seconds(functools.partial(echo, payload), args.trips)
            remote = round_trip(pool, payload, args.trips)
            label = f"{size >> 10} KiB"
            print(f"   {label:<10} in-process {local * 1000:>9.4f} ms"
                  f"   via worker {remote * 1000:>9.3f} ms")
            out.append({"part": "ipc", "what": label, "in_process_ms": local * 1000,
                        "worker_ms": remote * 1000})

    print(f"\n3. {args.items} tiny tasks (x * x), {args.workers} workers, "
          "pool start-up included")
    for name, seconds in tiny_tasks(args.items, args.workers):
        print(f"   {name:<22}{seconds * 1000:>9.2f} ms")
        out.append({"part": "tiny_tasks", "what": name, "ms": seconds * 1000})

    print()
    for row in out:
        print(json.dumps({"bench": "startup",
                          **{k: round(v, 4) if isinstance(v, float) else v
                             for k, v in row.items()}}))


if __name__ == "__main__":
    main()
