"""Recipe 1, before: health-check many HTTP endpoints with a thread pool.

Run it:
    python3 examples/migration/threads_to_asyncio/before.py [--endpoints 40]

What it shows:
    A local stand-in service (127.0.0.1, a port the OS picks, 50 ms per
    answer) and a client that checks --endpoints URLs with urllib in a
    ThreadPoolExecutor. It prints how many endpoints are up and the wall time.
    after.py is the same program moved to asyncio.
"""

import argparse
import json
import os
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
def check(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)["status"]


def check_all(urls, limit):
    with ThreadPoolExecutor(max_workers=limit) as pool:
        return dict(zip(urls, pool.map(check, urls)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=40)
    parser.add_argument("--limit", type=int, default=20, help="checks in flight")
    args = parser.parse_args()
    server = start_service()
    port = server.server_address[1]
    urls = [f"http://127.0.0.1:{port}/svc/{i}" for i in range(args.endpoints)]

    t0 = time.perf_counter()
    statuses = check_all(urls, args.limit)
    elapsed = time.perf_counter() - t0
    up = sum(status == "up" for status in statuses.values())
    print(f"{up}/{len(urls)} endpoints up, checked in {elapsed:.3f} s (threads)")
    report(checked_ms=elapsed * 1000)
    server.shutdown()
# ANCHOR_END: client


if __name__ == "__main__":
    main()
