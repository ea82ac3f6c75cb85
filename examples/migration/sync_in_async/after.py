"""Recipe 2, after: the blocking calls moved off the event loop.

Run it:
    python3 examples/migration/sync_in_async/after.py [--orders 6]

What it shows:
    The same service as before.py. The blocking client call now runs in a
    ThreadPoolExecutor and the CPU-heavy step in a ProcessPoolExecutor, both
    through loop.run_in_executor, so the event loop keeps running: compare the
    wall time and the longest heartbeat gap with before.py's.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


# Library code we cannot change: the same in before.py and after.py.
def fetch_price(sku):
    """A blocking client call (think: a synchronous database driver)."""
    time.sleep(0.1)
    return 100 + sum(map(ord, sku)) % 50


def checksum(text, rounds=150_000):
    """CPU-heavy pure Python: holds the GIL while it runs."""
    value = 0
    for i in range(rounds):
        value = (value * 31 + ord(text[i % len(text)])) % 1_000_003
    return value


async def heartbeat(gaps, period=0.01):
    last = time.perf_counter()
    while True:
        await asyncio.sleep(period)
        now = time.perf_counter()
        gaps.append(now - last - period)
        last = now


def report(**figures):
    """Hands figures to proofbook (it sets PROOFBOOK_METRICS); a no-op otherwise."""
    if path := os.environ.get("PROOFBOOK_METRICS"):
        with open(path, "a") as f:
            print(json.dumps(figures), file=f)


# ANCHOR: service
async def handle(sku, io_pool, cpu_pool):
    loop = asyncio.get_running_loop()
    price = await loop.run_in_executor(io_pool, fetch_price, sku)
    signature = await loop.run_in_executor(cpu_pool, checksum, f"{sku}:{price}")
    return sku, price, signature


async def main(orders):
    gaps = []
    beat = asyncio.create_task(heartbeat(gaps))
    t0 = time.perf_counter()
    # forkserver, not fork: by the time the process pool starts its workers the
    # I/O pool has threads running, and forking a process with threads is unsafe
    cpu_context = multiprocessing.get_context("forkserver")
    with (ThreadPoolExecutor(max_workers=16) as io_pool,
          ProcessPoolExecutor(max_workers=len(os.sched_getaffinity(0)),
                              mp_context=cpu_context) as cpu_pool):
        results = await asyncio.gather(
            *(handle(f"sku-{n}", io_pool, cpu_pool) for n in range(orders)))
    elapsed = time.perf_counter() - t0
    await asyncio.sleep(0.03)  # let the heartbeat notice the last stall
    beat.cancel()
    for sku, price, signature in results:
        print(f"{sku}: price {price}, signature {signature}")
    print(f"{orders} orders in {elapsed:.3f} s; "
          f"longest heartbeat gap {max(gaps, default=0) * 1000:.0f} ms")
    report(orders_ms=elapsed * 1000, longest_gap_ms=max(gaps, default=0) * 1000)


if __name__ == "__main__":  # required: the process pool may re-import this file
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=6)
    asyncio.run(main(parser.parse_args().orders))
# ANCHOR_END: service
