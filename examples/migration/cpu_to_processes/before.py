"""Recipe 3, before: a CPU-bound loop in one process.

Run it:
    python3 examples/migration/cpu_to_processes/before.py [--jobs 16] [--steps 200000]

What it shows:
    --jobs independent simulations (a pure-Python random walk each) run one
    after another in a plain for loop, so one core does all the work. It
    prints a checksum of the results and the wall time. after.py spreads the
    same jobs over a ProcessPoolExecutor.
"""

import argparse
import random
import time


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

    t0 = time.perf_counter()
    peaks = [simulate(seed, args.steps) for seed in range(args.jobs)]
    elapsed = time.perf_counter() - t0
    print(f"{args.jobs} jobs, checksum {sum(peaks)}, max peak {max(peaks)}")
    print(f"wall time {elapsed:.3f} s with 1 process")


main()
# ANCHOR_END: main
