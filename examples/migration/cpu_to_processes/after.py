"""Recipe 3, after: the same CPU-bound jobs on a ProcessPoolExecutor.

Run it:
    python3 examples/migration/cpu_to_processes/after.py [--jobs 16] [--steps 200000]

What it shows:
    The jobs from before.py, spread over one worker process per usable core.
    The checksum must match before.py's; compare the wall times.
"""

import argparse
import functools
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor


def simulate(seed, steps):
    """One independent job: pure Python, so it holds the GIL throughout."""
    rng = random.Random(seed)
    position = peak = 0
    for _ in range(steps):
        position += 1 if rng.random() < 0.5 else -1
        peak = max(peak, abs(position))
    return peak


# ANCHOR: main
def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=200_000)
    args = parser.parse_args()

    workers = len(os.sched_getaffinity(0))  # the cores we may use, not the host's
    job = functools.partial(simulate, steps=args.steps)  # picklable, unlike a lambda
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        chunksize = max(1, args.jobs // (4 * workers))  # a few chunks per worker
        peaks = list(pool.map(job, range(args.jobs), chunksize=chunksize))
    elapsed = time.perf_counter() - t0
    print(f"{args.jobs} jobs, checksum {sum(peaks)}, max peak {max(peaks)}")
    print(f"wall time {elapsed:.3f} s with {workers} processes")


if __name__ == "__main__":  # workers may import this file: never start pools on import
    main()
# ANCHOR_END: main
