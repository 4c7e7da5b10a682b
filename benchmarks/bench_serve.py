"""Load test of writesmooth-web: many people writing at once against the same people one after
another, on a real ``writesmooth serve`` on 127.0.0.1 (loopback only; bounded in requests and
time).

The server is started as a user starts it (a subprocess, the bundled model, default limits)
on a free port of 127.0.0.1. After one warm-up request, the same ``--clients`` requests (each
one sentence of its own, ``POST /api/write`` with a fixed seed, default options) are sent

1. one after another, each as soon as the one before it is answered, and
2. all at once, one thread per client.

For each: every answer's status (all must be 200), the wall time, requests per second, and the
median (p50) and 95th percentile (p95) latency; then how many times the second is faster than
the first, and how many requests each batch of the server's writing held (``/api/health``). The server batches the writing of requests that arrive together (one network batch,
docs/web.md), which is what the ratio measures. Each request has a time limit of ``--timeout``
seconds; the run stops by itself.

    python benchmarks/bench_serve.py              # a few minutes on a 2-core CPU
    python benchmarks/bench_serve.py --clients 8
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

SENTENCES = [
    "The kettle sang while we packed the car.",
    "Please bring two pencils and a ruler.",
    "My sister plants beans every spring.",
    "We missed the bus but caught the train.",
    "The library opens at nine on Monday.",
    "A small dog waited by the garden gate.",
    "Remember to water the plants tonight.",
    "The river was cold and very clear.",
    "He drew a map of the old harbour.",
    "Lunch is soup and bread at noon.",
    "She reads a chapter before she sleeps.",
    "The wind moved the washing on the line.",
    "Our class visited the science museum.",
    "Thank you for the kind birthday card.",
    "The piano lesson was moved to Friday.",
    "Bring a warm coat for the walk home.",
    "The baker sold out of bread by ten.",
    "We counted stars from the back garden.",
    "The painter mixed blue with a little red.",
    "Grandad told us about his first bicycle.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "writesmooth", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "serving on" in line:
            return proc
        if not line:
            break
    proc.kill()
    raise SystemExit("the server did not start")


def ask(url: str, text: str, seed: int, timeout: float) -> tuple[int, float]:
    body = json.dumps({"text": text, "seed": seed}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return status, time.perf_counter() - t


def report(name: str, results: list[tuple[int, float]], wall: float) -> None:
    lat = sorted(s for _, s in results)
    ok = sum(1 for code, _ in results if code == 200)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
    print(f"{name:<14} {ok}/{len(results)} ok  wall {wall:7.2f} s  "
          f"{len(results) / wall:6.2f} req/s  p50 {statistics.median(lat):6.2f} s  "
          f"p95 {p95:6.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20, help="requests in each phase (max 20)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a request may take")
    args = ap.parse_args()
    n = max(1, min(args.clients, len(SENTENCES)))
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/write"
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {n} clients; 127.0.0.1:{port}")
    proc = start(port)
    try:
        ask(url, "warm up", 1, args.timeout)
        t = time.perf_counter()
        one_by_one = [ask(url, SENTENCES[k], k, args.timeout) for k in range(n)]
        seq_wall = time.perf_counter() - t
        together: list = [None] * n

        def client(k: int) -> None:
            together[k] = ask(url, SENTENCES[k], k, args.timeout)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(n)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        con_wall = time.perf_counter() - t
        with urllib.request.urlopen(url.replace("write", "health"), timeout=30) as r:
            batches = json.load(r)["batches"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report("one by one", one_by_one, seq_wall)
    report("all at once", together, con_wall)
    print(f"{n} requests at once took {con_wall / seq_wall:.2f} times the time of "
          f"{n} one after another ({seq_wall / con_wall:.2f} times the throughput)")
    print(f"requests per writing batch, warm-up first: {batches}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if any(code != 200 for code, _ in one_by_one + together):
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
