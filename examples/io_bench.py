# ANCHOR: whole
"""I/O-bound benchmark: the same HTTP requests made five ways.

Run it:
    python3 examples/io_bench.py                      # defaults: a few seconds
    python3 examples/io_bench.py --requests 2000 --delay 0.1 --concurrency 1000 \
        --variants threads asyncio uvloop             # many more in flight
    python3 examples/io_bench.py --delay 0 --variants asyncio uvloop
                                                      # event-loop overhead only

What it measures:
    The script starts its own HTTP server in a separate process, on 127.0.0.1
    with a port the OS picks. The server waits --delay seconds before it answers
    each request, like a slow upstream service. The client then fetches URLs:

      sequential  one request after another (urllib), --few URLs
      processes   a ProcessPoolExecutor with --processes workers (urllib), --few URLs
      threads     a ThreadPoolExecutor with --concurrency threads (urllib)
      asyncio     one event loop, --concurrency requests in flight
                  (aiohttp if it is installed, else asyncio streams)
      uvloop      the same asyncio client on uvloop's event loop (if installed)

    The concurrent variants fetch --requests URLs; sequential and processes,
    which keep at most a handful of requests in flight, fetch only --few so the
    run stays short. Compare them by requests per second, not by wall time.
    For each variant it prints wall time, requests per second, the CPU time the
    client spent per request (its own plus that of the worker processes it
    reaped) and the CPU utilisation (CPU time / wall time; 100% = one core
    busy). Two tables; --json adds one JSON line per variant for tools.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import sys
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

try:
    import aiohttp
except ImportError:  # the stdlib client below is used instead
    aiohttp = None

try:
    import uvloop
except ImportError:
    uvloop = None


# ANCHOR: server
async def handle(reader, writer, delay):
    """Answer one HTTP request after `delay` seconds, then close."""
    await reader.readuntil(b"\r\n\r\n")  # request line and headers
    await asyncio.sleep(delay)  # the slow upstream
    body = b"ok\n"
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )
    await writer.drain()
    writer.close()


async def serve_async(delay, port_pipe):
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, delay), "127.0.0.1", 0, backlog=4096
    )
    port_pipe.send(server.sockets[0].getsockname()[1])  # port 0: the OS picks
    async with server:
        await server.serve_forever()


def serve(delay, port_pipe):
    """Body of the server process."""
    asyncio.run(serve_async(delay, port_pipe))
# ANCHOR_END: server


# ANCHOR: clients
# ANCHOR: sync_clients
def fetch(url):
    """One blocking request with the standard library."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return len(response.read())


def run_sequential(urls, args):
    return [fetch(url) for url in urls]


def run_threads(urls, args):
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        return list(pool.map(fetch, urls))


def run_processes(urls, args):
    # Pool start-up is inside the measured time: a real program pays it too.
    with ProcessPoolExecutor(max_workers=args.processes) as pool:
        return list(pool.map(fetch, urls))
# ANCHOR_END: sync_clients


# ANCHOR: async_clients
async def fetch_streams(url, limit):
    """One request with asyncio streams only (no third-party client)."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    async with limit:  # at most --concurrency requests in flight
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()  # the server closes after the body
        writer.close()
        await writer.wait_closed()
    return len(data.partition(b"\r\n\r\n")[2])


async def fetch_all_streams(urls, concurrency):
    limit = asyncio.Semaphore(concurrency)
    return await asyncio.gather(*(fetch_streams(u, limit) for u in urls))


async def fetch_all_aiohttp(urls, concurrency):
    connector = aiohttp.TCPConnector(limit=concurrency)  # the in-flight cap
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url):
            async with session.get(url) as response:
                return len(await response.read())

        return await asyncio.gather(*(one(u) for u in urls))


def async_client(urls, args):
    if args.client == "aiohttp":
        return fetch_all_aiohttp(urls, args.concurrency)
    return fetch_all_streams(urls, args.concurrency)


def run_asyncio(urls, args):
    return asyncio.run(async_client(urls, args))


def run_uvloop(urls, args):
    # asyncio.Runner accepts a loop factory from 3.11 on; uvloop.run() is the same.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(async_client(urls, args))
# ANCHOR_END: async_clients
# ANCHOR_END: clients


VARIANTS = {
    "sequential": run_sequential,
    "processes": run_processes,
    "threads": run_threads,
    "asyncio": run_asyncio,
    "uvloop": run_uvloop,
}


# ANCHOR: measure
def cpu_seconds():
    """CPU time (user + system) of this process and of the children it reaped."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def measure(name, urls, args):
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    sizes = VARIANTS[name](urls, args)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    assert len(sizes) == len(urls) and all(sizes), "a request failed"
    return {"requests": len(urls), "wall_s": wall, "req_per_s": len(urls) / wall,
            "cpu_ms_per_req": 1000 * cpu / len(urls), "cpu_util_pct": 100 * cpu / wall}
# ANCHOR_END: measure


def report(figures):
    """Hands figures to proofbook when it runs this script (it sets
    PROOFBOOK_METRICS); does nothing when you run it yourself."""
    path = os.environ.get("PROOFBOOK_METRICS")
    if path:
        with open(path, "a") as f:
            print(json.dumps(figures), file=f)


def main():
    cores = len(os.sched_getaffinity(0))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400,
                        help="URLs the concurrent variants fetch (default 400)")
    parser.add_argument("--few", type=int, default=24,
                        help="URLs for sequential and processes (default 24)")
    parser.add_argument("--delay", type=float, default=0.02,
                        help="server delay per response in seconds (default 0.02)")
    parser.add_argument("--concurrency", type=int, default=100,
                        help="threads, or asyncio requests in flight (default 100)")
    parser.add_argument("--processes", type=int, default=2 * cores,
                        help="worker processes (default: 2 per usable core)")
    parser.add_argument("--client", choices=["aiohttp", "streams"],
                        default="aiohttp" if aiohttp else "streams",
                        help="asyncio HTTP client (default: aiohttp if installed)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS),
                        default=list(VARIANTS))
    parser.add_argument("--json", action="store_true",
                        help="also print one JSON line per variant, for tools")
    args = parser.parse_args()
    if args.client == "aiohttp" and aiohttp is None:
        parser.error("aiohttp is not installed (pip install aiohttp)")

    # The server gets a process of its own, so it never competes with the
    # client for the client's GIL.
    receive_port, send_port = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(args.delay, send_port),
                                     daemon=True)
    server.start()
    port = receive_port.recv()
    most = max(args.requests, args.few)
    urls = [f"http://127.0.0.1:{port}/item/{i}" for i in range(most)]
    in_flight = {"sequential": 1, "processes": args.processes,
                 "threads": args.concurrency, "asyncio": args.concurrency,
                 "uvloop": args.concurrency}

    print(f"Python {sys.version.split()[0]}, {cores} usable cores\n"
          f"server delay {args.delay * 1000:g} ms, client: {args.client}")
    rows = []
    for name in args.variants:
        if name == "uvloop" and uvloop is None:
            print("uvloop: not installed, skipped (pip install uvloop)")
            continue
        count = args.few if name in ("sequential", "processes") else args.requests
        result = measure(name, urls[:count], args)
        rows.append({"bench": "io", "variant": name, "in_flight": in_flight[name],
                     "delay_s": args.delay, **result})
    server.terminate()
    server.join()

    # Two narrow tables rather than one wide one: they fit a phone's screen.
    print(f"\n{'variant':<11}{'in flight':>10}{'req/s':>7}{'CPU ms/req':>11}")
    for r in rows:
        print(f"{r['variant']:<11}{r['in_flight']:>10}{r['req_per_s']:>7.0f}"
              f"{r['cpu_ms_per_req']:>11.2f}")
    print(f"\n{'variant':<11}{'requests':>9}{'wall s':>8}{'CPU %':>7}")
    for r in rows:
        print(f"{r['variant']:<11}{r['requests']:>9}{r['wall_s']:>8.3f}"
              f"{r['cpu_util_pct']:>7.0f}")
    if args.json:
        for r in rows:
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                              for k, v in r.items()}))
    report({f"{r['variant']}_req_per_s": r["req_per_s"] for r in rows})


if __name__ == "__main__":
    main()
# ANCHOR_END: whole
