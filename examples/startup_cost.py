# ANCHOR: whole
"""What processes cost before they do any work: start-up and IPC.

Run it:
    python3 examples/startup_cost.py                 # defaults: a few seconds
    python3 examples/startup_cost.py --starts 20 --items 100000
    python3 examples/startup_cost.py --parts startup ipc   # skip the tiny tasks

Or import it and time the tiny tasks one way, as the guide's benchmark
chapter does:
    from startup_cost import tiny
    tiny("loop")                    # or tiny("pool"), tiny("pool", chunksize=1)

What it measures:
    1. start-up: the median time to start a process that does nothing and wait
       for it to exit, for each start method (fork, forkserver, spawn), next to
       starting and joining a thread.
    2. IPC round trip: a ProcessPoolExecutor worker receives a bytes payload
       and returns it (pickle, pipe, unpickle, both ways), for several payload
       sizes, next to the same call made in-process.
    3. tiny tasks: --items calls of a trivial function, run in a loop in this
       process, and through a ProcessPoolExecutor with chunksize 1 and with a
       large chunksize. This is the case where processes are slower.
    A table per part; --json adds one JSON line per measurement for tools.
"""

import argparse
import functools
import json
import multiprocessing
import os
import statistics
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


def median_seconds(fn, repeat):
    """The median of `repeat` timed calls: one slow call on a busy machine
    moves a mean, not a median."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ANCHOR: core
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

    return median_seconds(once, repeat)
# ANCHOR_END: round_trip


# ANCHOR: tiny_tasks
def tiny_loop(numbers, workers, chunksize):
    return [square(x) for x in numbers]


def tiny_pool(numbers, workers, chunksize):
    with ProcessPoolExecutor(max_workers=workers) as pool:  # start-up included
        return list(pool.map(square, numbers, chunksize=chunksize))


def large_chunks(items, workers):
    return max(1, items // (4 * workers))  # a few chunks per worker


def tiny_tasks(items, workers):
    numbers = range(items)
    rows = []
    for name, runner, chunksize in [
        ("in-process loop", tiny_loop, None),
        ("pool, chunksize=1", tiny_pool, 1),
        (f"pool, chunksize={large_chunks(items, workers)}", tiny_pool,
         large_chunks(items, workers)),
    ]:
        t0 = time.perf_counter()
        assert runner(numbers, workers, chunksize) == [x * x for x in numbers]
        rows.append((name, time.perf_counter() - t0))
    return rows
# ANCHOR_END: tiny_tasks
# ANCHOR_END: core


def report(figures):
    """Hands figures to proofbook when it runs this script (it sets
    PROOFBOOK_METRICS); does nothing when you run it yourself."""
    path = os.environ.get("PROOFBOOK_METRICS")
    if path:
        with open(path, "a") as f:
            print(json.dumps(figures), file=f)


# ANCHOR: tiny
def tiny(variant, items=4000, workers=None, chunksize=None):
    """Run the tiny tasks one way, print one line, report the time: what the
    guide's comparison members call. variant: "loop" or "pool"; a pool sends
    large chunks unless chunksize is given."""
    workers = workers or len(os.sched_getaffinity(0))
    if variant == "pool" and chunksize is None:
        chunksize = large_chunks(items, workers)
    runner = {"loop": tiny_loop, "pool": tiny_pool}[variant]
    t0 = time.perf_counter()
    result = runner(range(items), workers, chunksize)
    seconds = time.perf_counter() - t0
    assert result == [x * x for x in range(items)]
    how = "in-process loop" if variant == "loop" else \
        f"pool of {workers}, chunksize={chunksize}"
    print(f"{items} tiny tasks, {how}: {seconds * 1000:.1f} ms")
    report({"tasks_ms": seconds * 1000})
# ANCHOR_END: tiny


def main(argv=None):
    cores = len(os.sched_getaffinity(0))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10,
                        help="processes started per method (default 10)")
    parser.add_argument("--trips", type=int, default=20,
                        help="round trips per payload size (default 20)")
    parser.add_argument("--items", type=int, default=10000,
                        help="tiny tasks (default 10000)")
    parser.add_argument("--workers", type=int, default=cores,
                        help="pool size (default: cores)")
    parser.add_argument("--parts", nargs="+", choices=["startup", "ipc", "tiny"],
                        default=["startup", "ipc", "tiny"],
                        help="which measurements to make (default: all three)")
    parser.add_argument("--json", action="store_true",
                        help="also print one JSON line per measurement, for tools")
    args = parser.parse_args(argv)
    out = []
    figures = {}  # for proofbook: milliseconds, by name
    print(f"Python {sys.version.split()[0]}, {cores} usable cores\n"
          f"default start method: {multiprocessing.get_start_method()}")

    if "startup" in args.parts:
        startup_part(args, figures, out)
    if "ipc" in args.parts:
        ipc_part(args, figures, out)
    if "tiny" in args.parts:
        tiny_part(args, figures, out)
    if args.json:
        print()
        for row in out:
            print(json.dumps({"bench": "startup",
                              **{k: round(v, 4) if isinstance(v, float) else v
                                 for k, v in row.items()}}))
    report(figures)


def startup_part(args, figures, out):
    print(f"\n1. start and join, ms (median of {args.starts})")
    start_thread()  # warm-up, as for the processes
    rows = [("thread", median_seconds(start_thread, args.starts))]
    figures["thread_start_ms"] = rows[0][1] * 1000
    for method in ("fork", "forkserver", "spawn"):
        seconds = median_seconds(start_process(method), args.starts)
        rows.append((f"process ({method})", seconds))
        figures[f"{method}_start_ms"] = seconds * 1000
    for name, seconds in rows:
        print(f"   {name:<22}{seconds * 1000:>9.2f}")
        out.append({"part": "startup", "what": name, "ms": seconds * 1000})


def ipc_part(args, figures, out):
    print(f"\n2. round trip, ms (median of {args.trips})")
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(nothing).result()  # the worker is running before we time
        print(f"   {'payload':<9}{'in-process':>12}{'via worker':>12}")
        for size in (1 << 10, 64 << 10, 4 << 20):
            payload = os.urandom(size)
            local = median_seconds(functools.partial(echo, payload), args.trips)
            remote = round_trip(pool, payload, args.trips)
            label = f"{size >> 10} KiB"
            print(f"   {label:<9}{local * 1000:>12.4f}{remote * 1000:>12.3f}")
            figures[f"ipc_{size >> 10}kib_ms"] = remote * 1000
            out.append({"part": "ipc", "what": label, "in_process_ms": local * 1000,
                        "worker_ms": remote * 1000})


def tiny_part(args, figures, out):
    print(f"\n3. {args.items} tiny tasks (x * x), {args.workers} workers,\n"
          "   pool start-up included")
    loop, chunk_1, chunked = tiny_tasks(args.items, args.workers)
    for name, seconds in (loop, chunk_1, chunked):
        print(f"   {name:<22}{seconds * 1000:>9.2f} ms")
        out.append({"part": "tiny_tasks", "what": name, "ms": seconds * 1000})
    figures.update(tiny_loop_ms=loop[1] * 1000, tiny_pool_chunksize_1_ms=chunk_1[1] * 1000,
                   tiny_pool_chunked_ms=chunked[1] * 1000)


if __name__ == "__main__":
    main()
# ANCHOR_END: whole
