"""Benchmark of the HTTP API (issue 10): bookings per second over HTTP against the
engine called directly, in the same run, on the same kind of database.

    python tests/benchmarks/bench_api.py [--bookings N] [--postgres]

Each measurement starts from a fresh database with the same day (20 doctors x 16
slots of 6 seats, tomorrow) and books N patients into random slots with a
desk-like mix of sources:

- ``engine``: `AllocationEngine.book` called in this process, by 1 thread and by 8
  threads sharing one engine (as the server's worker threads do).
- ``http``: `opd-tui serve` in a subprocess (uvicorn, one process), called by 1 and
  by 8 HTTP clients (threads here, keep-alive connections) with a desk key; and
  ``http_portal``: a portal key sending an `Idempotency-Key` with every booking
  (what an online portal does: two more small writes per booking).

Printed: bookings/s, HTTP/engine ratio at the same concurrency, and latency per
request (median, 99th percentile). Targets: HTTP at least half the direct rate
with 8 clients, p99 under 100 ms on SQLite. The machine is shared and noisy: each
figure is the best of `--runs` runs. One JSON object goes to stdout, the table to
stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/: the API tests' server helper

from opd_tui.engine import AllocationEngine  # noqa: E402

from api.server import private_postgres, start_server  # noqa: E402 - after the path

DOCTORS, SLOTS, CAPACITY = 20, 16, 6
SOURCES = ["WALKIN"] * 6 + ["ONLINE"] * 5 + ["FOLLOWUP"] * 4 + ["PAID"] * 3


def prepare(url: str) -> list[int]:
    engine = AllocationEngine.open(url)
    day = datetime.combine(datetime.now().date() + timedelta(days=1), datetime.min.time())
    slots = []
    for d in range(DOCTORS):
        doctor = engine.add_doctor(f"Dr Bench {d}", f"B{d:02d}")
        for s in range(SLOTS):
            start = day.replace(hour=8) + timedelta(minutes=30 * s)
            slots.append(engine.add_slot(doctor.id, start, start + timedelta(minutes=30),
                                         CAPACITY).id)
    engine.close()
    return slots


def run_threads(clients: int, bookings: int,
                book: Callable[[int, random.Random], None]) -> dict[str, float]:
    """`bookings` calls of `book` spread over `clients` threads started together."""
    per = bookings // clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        rng = random.Random(n)
        start.wait()
        for i in range(per):
            began = time.perf_counter()
            book(n * per + i, rng)
            latencies[n].append(time.perf_counter() - began)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    return _figures(sorted(x for part in latencies for x in part), seconds)


def _figures(every: list[float], seconds: float) -> dict[str, float]:
    return {
        "bookings": len(every),
        "per_second": round(len(every) / seconds, 1),
        "median_ms": round(statistics.median(every) * 1000, 2),
        "p99_ms": round(every[max(0, int(len(every) * 0.99) - 1)] * 1000, 2),
    }


def measure_engine(url: str, clients: int, bookings: int) -> dict[str, float]:
    slots = prepare(url)
    engine = AllocationEngine.open(url)
    try:
        def book(i: int, rng: random.Random) -> None:
            engine.book(rng.choice(slots), f"Patient {i}", rng.choice(SOURCES))

        return run_threads(clients, bookings, book)
    finally:
        engine.close()


def _http_client(base_url: str, key: str, slots: list[int], first: int, count: int,
                 portal: bool, barrier: Any, results: Any) -> None:
    """One HTTP client (a process of its own, as a portal or a HIS would be)."""
    import httpx

    rng = random.Random(first)
    latencies = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"},
                      timeout=60) as client:
        client.get("/doctors")  # connected before the clock starts
        barrier.wait()
        for i in range(first, first + count):
            headers = {"Idempotency-Key": str(uuid.uuid4())} if portal else None
            began = time.perf_counter()
            r = client.post("/tokens/book", headers=headers, json={
                "slotId": rng.choice(slots), "patientName": f"Patient {i}",
                "source": "ONLINE" if portal else rng.choice(SOURCES)})
            latencies.append(time.perf_counter() - began)
            if r.status_code != 201:
                raise RuntimeError(f"{r.status_code}: {r.text}")
    results.put(latencies)


def measure_http(url: str, workdir: Path, clients: int, bookings: int,
                 *, portal: bool) -> dict[str, float]:
    slots = prepare(url)
    server = start_server(url, workdir)
    try:
        warm = server.client("desk")  # the first answers pay for imports and caches
        for _ in range(20):
            warm.get("/doctors")
        warm.close()
        ctx = mp.get_context("spawn")
        barrier = ctx.Barrier(clients + 1)
        results = ctx.Queue()
        per = bookings // clients
        key = server.keys["portal" if portal else "desk"]
        processes = [ctx.Process(target=_http_client, daemon=True, args=(
            server.base_url, key, slots, n * per, per, portal, barrier, results))
            for n in range(clients)]
        for p in processes:
            p.start()
        barrier.wait(timeout=120)
        began = time.perf_counter()
        every = sorted(x for _ in processes for x in results.get(timeout=600))
        seconds = time.perf_counter() - began
        for p in processes:
            p.join(timeout=30)
        return _figures(every, seconds)
    finally:
        server.stop()


def best(runs: int, measure: Callable[[], dict[str, float]]) -> dict[str, float]:
    results = [measure() for _ in range(runs)]
    return max(results, key=lambda r: r["per_second"])


def bench(backend: str, url_for: Callable[[], Any], bookings: int, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for clients in (1, 8):
        def engine_run(c: int = clients) -> dict[str, float]:
            with url_for() as (url, _):
                return measure_engine(url, c, bookings)

        def http_run(c: int = clients, portal: bool = False) -> dict[str, float]:
            with url_for() as (url, workdir):
                return measure_http(url, workdir, c, bookings, portal=portal)

        engine = best(runs, engine_run)
        http = best(runs, http_run)
        portal = best(runs, lambda c=clients: http_run(c, portal=True))
        out[f"{clients}_clients"] = {
            "engine": engine, "http": http, "http_portal": portal,
            "ratio_http_to_engine": round(http["per_second"] / engine["per_second"], 2),
            "ratio_portal_to_engine": round(portal["per_second"] / engine["per_second"], 2),
        }
        print(f"{backend:8} {clients} client(s): engine {engine['per_second']:7.1f}/s "
              f"(p99 {engine['p99_ms']:6.1f} ms) | http {http['per_second']:7.1f}/s "
              f"(median {http['median_ms']:5.1f}, p99 {http['p99_ms']:6.1f} ms) "
              f"ratio {http['per_second'] / engine['per_second']:.2f} | portal+idempotency "
              f"{portal['per_second']:7.1f}/s (p99 {portal['p99_ms']:6.1f} ms) "
              f"ratio {portal['per_second'] / engine['per_second']:.2f}",
              file=sys.stderr, flush=True)
    return out


class _SqliteFile:
    def __enter__(self) -> tuple[str, Path]:
        self._dir = tempfile.TemporaryDirectory()
        path = Path(self._dir.name)
        return f"sqlite:///{path / 'bench.sqlite3'}", path

    def __exit__(self, *_: object) -> None:
        self._dir.cleanup()


class _Postgres:
    def __enter__(self) -> tuple[str, Path]:
        self._db = private_postgres()
        self._dir = tempfile.TemporaryDirectory()
        return self._db.__enter__(), Path(self._dir.name)

    def __exit__(self, *exc: object) -> None:
        self._db.__exit__(None, None, None)
        self._dir.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--bookings", type=int, default=800,
                        help="bookings per measurement (default 800)")
    parser.add_argument("--runs", type=int, default=2, help="runs per figure; the best counts")
    parser.add_argument("--postgres", action="store_true",
                        help="also on PostgreSQL at $OPD_TEST_PG_URL (a database of its own)")
    args = parser.parse_args()
    result: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load": [round(x, 2) for x in os.getloadavg()]},
        "bookings_per_measurement": args.bookings,
        "targets": {"ratio_8_clients_at_least": 0.5, "p99_ms_sqlite_below": 100},
    }
    result["sqlite"] = bench("sqlite", _SqliteFile, args.bookings, args.runs)
    if args.postgres:
        if not os.environ.get("OPD_TEST_PG_URL"):
            parser.error("--postgres needs OPD_TEST_PG_URL")
        result["postgres"] = bench("postgres", _Postgres, args.bookings, args.runs)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
