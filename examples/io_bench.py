# ANCHOR: whole
"""I/O-bound benchmark: the same HTTP requests made five ways, at scale.

Run it:
    python3 examples/io_bench.py                      # defaults: 2,000 requests,
                                                      # 1,000 in flight, 50 ms delay
    python3 examples/io_bench.py --requests 10000 --variants threads asyncio uvloop
    python3 examples/io_bench.py --delay 0 --concurrency 100 --requests 5000 \
        --variants asyncio uvloop                     # event-loop overhead only

Or import it and time one variant, as the guide's benchmark chapter does:
    from io_bench import run
    run("asyncio")                                    # or run("asyncio", requests=500)

What it measures:
    Every variant starts from a fresh HTTP server in a separate process, on
    127.0.0.1 with a port the OS picks. The server waits --delay seconds
    before it answers each request, like a slow upstream service. The client
    then fetches the same --requests URLs:

      sequential  one request after another (urllib)
      processes   a ProcessPoolExecutor with --processes workers (urllib)
      threads     a ThreadPoolExecutor with --concurrency threads (urllib)
      asyncio     one event loop, --concurrency requests in flight
                  (asyncio streams; --client aiohttp uses aiohttp instead)
      uvloop      the same asyncio client on uvloop's event loop (if installed)

    The client uses the standard library by default so that the variants
    differ only in how they wait, not in which HTTP library they import.
    For each variant it prints requests per second, the median (p50) and 99th
    percentile (p99) latency of one request (from sending it to the end of
    the answer), the CPU time the client spent per request (its own plus that
    of the worker processes it reaped) and its CPU utilisation (CPU time /
    wall time; 100% = one core busy). Only the fetching is timed: interpreter
    start-up, imports and the server's start are not. The sequential and
    process-pool clients fetch at most --slow-requests URLs (they would take
    minutes for thousands); a rate is a rate. Two tables; --json adds one
    JSON line per variant for tools.

    Thousands of connections in flight need as many file descriptors: the
    script raises its soft limit (ulimit -n) to what it needs, and says so
    if the hard limit is too low.
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import resource
import sys
import time
import types
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


# ANCHOR: server
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 3\r\nConnection: close\r\n\r\nok\n")


class DelayedAnswer(asyncio.Protocol):
    """Answers one HTTP request `delay` seconds after its headers arrive,
    then closes: a slow upstream service. A protocol with a timer, not a
    coroutine per connection, so the server stays cheap and the client,
    which is what is measured, is the busier side."""

    def __init__(self, delay):
        self.delay, self.received = delay, b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.received += data
        if b"\r\n\r\n" in self.received:  # request line and headers are in
            asyncio.get_running_loop().call_later(self.delay, self.answer)

    def answer(self):
        if not self.transport.is_closing():
            self.transport.write(RESPONSE)
            self.transport.close()


async def serve_async(delay, port_pipe):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: DelayedAnswer(delay), "127.0.0.1", 0,
                                      backlog=4096)
    port_pipe.send(server.sockets[0].getsockname()[1])  # port 0: the OS picks
    async with server:
        await server.serve_forever()


def serve(delay, port_pipe):
    """Body of the server process: on uvloop when it is installed, the same
    server for every client variant."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve_async(delay, port_pipe))
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve_async(delay, port_pipe))


@contextlib.contextmanager
def delay_server(delay):
    """A server process of its own, so it never competes with the client for
    the client's GIL; yields its port and stops it afterwards."""
    receive_port, send_port = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(delay, send_port), daemon=True)
    server.start()
    try:
        yield receive_port.recv()
    finally:
        server.terminate()
        server.join()
# ANCHOR_END: server


# ANCHOR: clients
# ANCHOR: sync_clients
def fetch(url):
    """One blocking request with the standard library: (body size, seconds)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        size = len(response.read())
    return size, time.perf_counter() - start


def run_sequential(urls, opts):
    return [fetch(url) for url in urls]


def run_threads(urls, opts):
    with ThreadPoolExecutor(max_workers=opts.concurrency) as pool:
        return list(pool.map(fetch, urls))


def run_processes(urls, opts):
    # Pool start-up is inside the measured time: a real program pays it too.
    with ProcessPoolExecutor(max_workers=opts.processes) as pool:
        return list(pool.map(fetch, urls))
# ANCHOR_END: sync_clients


# ANCHOR: async_clients
async def fetch_streams(url, limit):
    """One request with asyncio streams only (no third-party client)."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    async with limit:  # at most --concurrency requests in flight
        start = time.perf_counter()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()  # the server closes after the body
        writer.close()
        await writer.wait_closed()
    return len(data.partition(b"\r\n\r\n")[2]), time.perf_counter() - start


async def fetch_all_streams(urls, concurrency):
    limit = asyncio.Semaphore(concurrency)
    return await asyncio.gather(*(fetch_streams(u, limit) for u in urls))


async def fetch_all_aiohttp(urls, concurrency):
    import aiohttp  # imported only when asked for: its import alone takes a while

    connector = aiohttp.TCPConnector(limit=concurrency)  # the in-flight cap
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url):
            start = time.perf_counter()
            async with session.get(url) as response:
                return len(await response.read()), time.perf_counter() - start

        return await asyncio.gather(*(one(u) for u in urls))


def async_client(urls, opts):
    if opts.client == "aiohttp":
        return fetch_all_aiohttp(urls, opts.concurrency)
    return fetch_all_streams(urls, opts.concurrency)


def run_asyncio(urls, opts):
    return asyncio.run(async_client(urls, opts))


def run_uvloop(urls, opts):
    import uvloop

    # asyncio.Runner accepts a loop factory from 3.11 on; uvloop.run() is the same.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(async_client(urls, opts))
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


def percentile(sorted_values, fraction):
    """The value below which `fraction` of them lie (nearest rank)."""
    rank = max(1, round(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def measure(name, urls, opts):
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    answers = VARIANTS[name](urls, opts)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    assert len(answers) == len(urls) and all(size for size, _ in answers), "a request failed"
    latencies = sorted(seconds for _, seconds in answers)
    return {"bench": "io", "variant": name, "in_flight": min(in_flight(name, opts), len(urls)),
            "delay_s": opts.delay, "requests": len(urls), "wall_s": wall,
            "req_per_s": len(urls) / wall, "cpu_ms_per_req": 1000 * cpu / len(urls),
            "cpu_util_pct": 100 * cpu / wall,
            "p50_ms": 1000 * percentile(latencies, 0.50),
            "p99_ms": 1000 * percentile(latencies, 0.99)}
# ANCHOR_END: measure


def options(requests=2000, delay=0.05, concurrency=1000, processes=None,
            client="streams", slow_requests=20):
    cores = len(os.sched_getaffinity(0))
    return types.SimpleNamespace(requests=requests, delay=delay, concurrency=concurrency,
                                 processes=processes or 2 * cores, client=client,
                                 slow_requests=slow_requests)


def requests_for(variant, opts):
    """One request at a time (or one per worker process) is slow: those
    clients fetch fewer URLs, enough for a steady rate."""
    if variant in ("sequential", "processes"):
        return min(opts.requests, opts.slow_requests)
    return opts.requests


def in_flight(variant, opts):
    return {"sequential": 1, "processes": opts.processes}.get(variant, opts.concurrency)


def allow_open_files(in_flight_at_most):
    """Each request in flight holds a socket: raise the soft limit on open
    files to what that many need, up to the hard limit."""
    needed = in_flight_at_most + 32  # the sockets, plus files, pipes, the loop's own
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            sys.exit(f"{in_flight_at_most} requests in flight need about {needed} open "
                     f"files, but the hard limit is {hard}: raise it (ulimit -Hn) "
                     f"or lower --concurrency")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def urls_for(port, count):
    return [f"http://127.0.0.1:{port}/item/{i}" for i in range(count)]


def report(figures):
    """Hands figures to proofbook when it runs this script (it sets
    PROOFBOOK_METRICS); does nothing when you run it yourself."""
    path = os.environ.get("PROOFBOOK_METRICS")
    if path:
        with open(path, "a") as f:
            print(json.dumps(figures), file=f)


# ANCHOR: run
def run(variant, **settings):
    """Time one variant against a server of its own, print two lines, report
    its figures. Settings: requests, delay, concurrency, processes, client,
    slow_requests."""
    opts = options(**settings)
    allow_open_files(in_flight(variant, opts))
    with delay_server(opts.delay) as port:
        row = measure(variant, urls_for(port, requests_for(variant, opts)), opts)
    print(f"{variant}: {row['requests']} requests, {row['in_flight']} in flight, "
          f"{row['wall_s']:.3f} s, {row['req_per_s']:.0f} req/s\n"
          f"latency p50 {row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms; "
          f"{row['cpu_ms_per_req']:.3f} ms CPU per request, {row['cpu_util_pct']:.0f}% CPU")
    report({k: row[k] for k in ("req_per_s", "cpu_ms_per_req", "cpu_util_pct",
                                "p50_ms", "p99_ms")})
    return row
# ANCHOR_END: run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000,
                        help="URLs the concurrent variants fetch (default 2000)")
    parser.add_argument("--slow-requests", type=int, default=20,
                        help="URLs the sequential and process clients fetch (default 20)")
    parser.add_argument("--delay", type=float, default=0.05,
                        help="server delay per response in seconds (default 0.05)")
    parser.add_argument("--concurrency", type=int, default=1000,
                        help="threads, or asyncio requests in flight (default 1000)")
    parser.add_argument("--processes", type=int, default=None,
                        help="worker processes (default: 2 per usable core)")
    parser.add_argument("--client", choices=["streams", "aiohttp"], default="streams",
                        help="asyncio HTTP client (default: asyncio streams)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS),
                        default=list(VARIANTS))
    parser.add_argument("--json", action="store_true",
                        help="also print one JSON line per variant, for tools")
    args = parser.parse_args()
    opts = options(args.requests, args.delay, args.concurrency, args.processes,
                   args.client, args.slow_requests)
    allow_open_files(max(in_flight(name, opts) for name in args.variants))

    print(f"Python {sys.version.split()[0]}, "
          f"{len(os.sched_getaffinity(0))} usable cores\n"
          f"server delay {opts.delay * 1000:g} ms, client: {opts.client}")
    rows = []
    for name in args.variants:
        try:
            if name == "uvloop":
                import uvloop  # noqa: F401
            if opts.client == "aiohttp" and name in ("asyncio", "uvloop"):
                import aiohttp  # noqa: F401
        except ImportError as e:
            print(f"{name}: {e.name} is not installed, skipped (pip install {e.name})")
            continue
        with delay_server(opts.delay) as port:  # a fresh server, as run() does
            rows.append(measure(name, urls_for(port, requests_for(name, opts)), opts))

    # Two narrow tables rather than one wide one: they fit a phone's screen.
    print(f"\n{'variant':<11}{'in flight':>10}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}")
    for r in rows:
        print(f"{r['variant']:<11}{r['in_flight']:>10}{r['req_per_s']:>7.0f}"
              f"{r['p50_ms']:>8.0f}{r['p99_ms']:>8.0f}")
    print(f"\n{'variant':<11}{'requests':>9}{'wall s':>8}{'CPU ms/req':>11}{'CPU %':>7}")
    for r in rows:
        print(f"{r['variant']:<11}{r['requests']:>9}{r['wall_s']:>8.3f}"
              f"{r['cpu_ms_per_req']:>11.3f}{r['cpu_util_pct']:>7.0f}")
    if args.json:
        for r in rows:
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                              for k, v in r.items()}))


if __name__ == "__main__":
    main()
# ANCHOR_END: whole
