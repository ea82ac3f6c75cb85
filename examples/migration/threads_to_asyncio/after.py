"""Recipe 1, after: the health checker from before.py, moved to asyncio.

Run it (needs aiohttp: pip install -r requirements.txt):
    python3 examples/migration/threads_to_asyncio/after.py [--endpoints 40]

What it shows:
    The same local stand-in service and the same checks as before.py, made
    from one event loop with aiohttp; the connector's limit plays the role
    the pool size played. It prints how many endpoints are up and the wall time.
"""

import argparse
import asyncio
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp


# The service being checked: the same in before.py and after.py.
class SlowService(BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(0.05)
        body = json.dumps({"path": self.path, "status": "up"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the output quiet
        pass


class Service(ThreadingHTTPServer):
    request_queue_size = 128  # listen backlog: the default of 5 drops bursts


def start_service():
    server = Service(("127.0.0.1", 0), SlowService)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                 daemon=True).start()
    return server


def report(**figures):
    """Hands figures to proofbook (it sets PROOFBOOK_METRICS); a no-op otherwise."""
    if path := os.environ.get("PROOFBOOK_METRICS"):
        with open(path, "a") as f:
            print(json.dumps(figures), file=f)


# ANCHOR: client
async def check(session, url):
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
        return (await response.json())["status"]


async def check_all(urls, limit):
    connector = aiohttp.TCPConnector(limit=limit)
    async with aiohttp.ClientSession(connector=connector) as session:
        statuses = await asyncio.gather(*(check(session, url) for url in urls))
    return dict(zip(urls, statuses))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=40)
    parser.add_argument("--limit", type=int, default=20, help="checks in flight")
    args = parser.parse_args()
    server = start_service()
    port = server.server_address[1]
    urls = [f"http://127.0.0.1:{port}/svc/{i}" for i in range(args.endpoints)]

    t0 = time.perf_counter()
    statuses = asyncio.run(check_all(urls, args.limit))
    elapsed = time.perf_counter() - t0
    up = sum(status == "up" for status in statuses.values())
    print(f"{up}/{len(urls)} endpoints up, checked in {elapsed:.3f} s (asyncio)")
    report(checked_ms=elapsed * 1000)
    server.shutdown()
# ANCHOR_END: client


if __name__ == "__main__":
    main()
