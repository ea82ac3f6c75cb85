# ANCHOR: whole
"""I/O-bound benchmark: the same HTTP requests made five ways.

Run it:
    python3 examples/io_bench.py                      # defaults: a few seconds
    python3 examples/io_bench.py --requests 2000 --delay 0.1 --concurrency 1000 \
        --variants threads asyncio uvloop             # many more in flight
    python3 examples/io_bench.py --delay 0 --requests 5000 --variants asyncio uvloop
                                                      # event-loop overhead only

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
    For each variant it prints wall time, requests per second, the CPU time the
    client spent per request (its own plus that of the worker processes it
    reaped) and the CPU utilisation (CPU time / wall time; 100% = one core
    busy). Two tables; --json adds one JSON line per variant for tools.
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
    """One blocking request with the standard library."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return len(response.read())


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
    import aiohttp  # imported only when asked for: its import alone takes a while

    connector = aiohttp.TCPConnector(limit=concurrency)  # the in-flight cap
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(url):
            async with session.get(url) as response:
                return len(await response.read())

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


def measure(name, urls, opts):
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    sizes = VARIANTS[name](urls, opts)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    assert len(sizes) == len(urls) and all(sizes), "a request failed"
    in_flight = {"sequential": 1, "processes": opts.processes}.get(name, opts.concurrency)
    return {"bench": "io", "variant": name, "in_flight": min(in_flight, len(urls)),
            "delay_s": opts.delay, "requests": len(urls), "wall_s": wall,
            "req_per_s": len(urls) / wall, "cpu_ms_per_req": 1000 * cpu / len(urls),
            "cpu_util_pct": 100 * cpu / wall}
# ANCHOR_END: measure


def options(requests=30, delay=0.02, concurrency=100, processes=None, client="streams"):
    cores = len(os.sched_getaffinity(0))
    return types.SimpleNamespace(requests=requests, delay=delay, concurrency=concurrency,
                                 processes=processes or 2 * cores, client=client)


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
    """Time one variant against a server of its own, print one line, report
    its figures. Settings: requests, delay, concurrency, processes, client."""
    opts = options(**settings)
    with delay_server(opts.delay) as port:
        row = measure(variant, urls_for(port, opts.requests), opts)
    print(f"{variant}: {row['requests']} requests, {row['in_flight']} in flight, "
          f"{row['wall_s']:.3f} s\n{row['req_per_s']:.0f} req/s, "
          f"{row['cpu_ms_per_req']:.2f} ms CPU per request")
    report({"req_per_s": row["req_per_s"], "cpu_ms_per_req": row["cpu_ms_per_req"]})
    return row
# ANCHOR_END: run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30,
                        help="URLs every variant fetches (default 30)")
    parser.add_argument("--delay", type=float, default=0.02,
                        help="server delay per response in seconds (default 0.02)")
    parser.add_argument("--concurrency", type=int, default=100,
                        help="threads, or asyncio requests in flight (default 100)")
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
                   args.client)

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
            rows.append(measure(name, urls_for(port, opts.requests), opts))

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


if __name__ == "__main__":
    main()
# ANCHOR_END: whole
