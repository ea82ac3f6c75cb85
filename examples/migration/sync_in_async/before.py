"""Recipe 2, before: an async service that calls blocking code directly.

Run it:
    python3 examples/migration/sync_in_async/before.py [--orders 6]

What it shows:
    Each order needs a call to a blocking client library (stood in for by
    time.sleep) and a CPU-heavy pure-Python step. Both run inside coroutines,
    so they stop the event loop. A heartbeat task that should tick every 10 ms
    records the longest gap it saw. It prints the results, the wall time and
    that worst gap. after.py moves both calls off the loop.
"""

import argparse
import asyncio
import json
import os
import time


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
async def handle(sku):
    price = fetch_price(sku)  # blocks the event loop
    signature = checksum(f"{sku}:{price}")  # so does this
    return sku, price, signature


async def main(orders):
    gaps = []
    beat = asyncio.create_task(heartbeat(gaps))
    t0 = time.perf_counter()
    results = await asyncio.gather(*(handle(f"sku-{n}") for n in range(orders)))
    elapsed = time.perf_counter() - t0
    await asyncio.sleep(0.03)  # let the heartbeat notice the last stall
    beat.cancel()
    for sku, price, signature in results:
        print(f"{sku}: price {price}, signature {signature}")
    print(f"{orders} orders in {elapsed:.3f} s; "
          f"longest heartbeat gap {max(gaps, default=0) * 1000:.0f} ms")
    report(orders_ms=elapsed * 1000, longest_gap_ms=max(gaps, default=0) * 1000)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=6)
    asyncio.run(main(parser.parse_args().orders))
# ANCHOR_END: service
