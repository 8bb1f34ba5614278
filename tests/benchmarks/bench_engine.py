"""Benchmark of the allocation engine (issue 2, section Benchmark).

    python tests/benchmarks/bench_engine.py [--quick] [--profile] [--no-postgres]

Prints ONE JSON object on stdout (progress goes to stderr):

- ``sqlite_single_process``: bookings/s in one process on a SQLite file, with a
  realistic mix (20 doctors x 16 slots of capacity 6, sources drawn with desk-like
  weights, ~4 % emergencies, morning slots and some doctors more wanted than
  others), and the share of outcomes (booked / waitlisted / bumped).
- ``sqlite_scaling``: the per-booking cost of the same fixed batch of bookings on a
  database holding ~1k and ~1M earlier tokens, and their ratio. The history is
  written with direct SQL (sqlite3 executemany and INSERT ... SELECT into the real
  schema that `AllocationEngine.open` created), the batches through the engine.
- ``sqlite_4_processes``: bookings/s across 4 processes (multiprocessing spawn),
  each with its own `AllocationEngine` on one SQLite file, all booking into the
  same few doctors' slots; errors counted and SPEC §3's invariants checked.
- ``postgres``: the single-process mix and the 4-process run on PostgreSQL when
  OPD_TEST_PG_URL is set (a database of this run's own, dropped at the end).
- ``raw_sqlite3``: the ceiling of a booking-like transaction written by hand with
  the `sqlite3` module on a file of the same schema and pragmas (BEGIN IMMEDIATE;
  count a slot's seat holders; insert a token; bump a counter; COMMIT), and the
  same for the full statement set the engine issues per booking.
- ``statements``: SQL statements per booking (a before_cursor_execute listener),
  by outcome, and the statements of one free-seat booking.
- ``engine_vs_raw``: the engine's bookings/s beside the raw booking-like
  transaction's rate measured in the same run, and their ratio (issue 12).
- ``headless_day``: a 100-doctor simulated day (as `opd-tui simulate --headless`
  runs it) beside the time raw sqlite3 takes for as many minimal transactions as
  the day's engine commands wrote (issue 12).
- ``machine``: python, sqlite, cpu count, load average; ``targets``: issue 2's
  and issue 12's.

Wall-clock figures on a shared machine are noisy: each figure is the best of a few
runs and the process CPU time is reported beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import json
import multiprocessing as mp
import os
import platform
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from itertools import accumulate as itertools_accumulate
from pathlib import Path
from typing import Any, Self

import sqlalchemy
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

import opd_tui
from opd_tui.db import schema
from opd_tui.domain.enums import Source
from opd_tui.engine import AllocationEngine

try:
    from opd_tui.domain.inputs import patient_key
except ImportError:  # an engine from before references were compared without case
    patient_key = None

ROOT = Path(__file__).resolve().parents[2]
PG_ENV = "OPD_TEST_PG_URL"

#: Where the desk's bookings come from (weights), and how often each kind of
#: patient gives a hospital number (patient_ref).
SOURCE_WEIGHTS = {"WALKIN": 38, "ONLINE": 30, "FOLLOWUP": 16, "PAID": 12, "EMERGENCY": 4}
REF_SHARE = {"WALKIN": 0.3, "ONLINE": 1.0, "FOLLOWUP": 1.0, "PAID": 1.0, "EMERGENCY": 0.2}
FIRST_NAMES = [
    "Asha",
    "Ravi",
    "Meena",
    "Arjun",
    "Fatima",
    "Joseph",
    "Lakshmi",
    "Imran",
    "Priya",
    "Suresh",
    "Kavya",
    "Anil",
    "राधा",
    "मोहन",
    "சுப்பிரமணியம்",
    "கவிதா",
    "Deepa",
    "Vikram",
]
LAST_NAMES = [
    "Rao",
    "Sharma",
    "Iyer",
    "Khan",
    "Das",
    "Menon",
    "Patel",
    "Reddy",
    "Nair",
    "Singh",
    "गुप्ता",
    "முருகன்",
    "Fernandes",
    "Bose",
]
SEAT_HOLDING = ("BOOKED", "CHECKED_IN", "IN_CONSULTATION", "COMPLETED")

#: A booking planned before the clock starts: (slot_id, patient_name, source, patient_ref).
Booking = tuple[int, str, str, "str | None"]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- workload --------------------------------------------------------------------


@dataclass
class Params:
    mix_doctors: int
    mix_bookings: int
    mix_runs: int
    scale_small: int
    scale_large: int
    scale_batch: int
    scale_repeats: int
    mp_processes: int
    mp_per_process: int
    mp_runs: int
    raw_transactions: int
    pg_mix_bookings: int
    pg_per_process: int
    day_doctors: int


FULL = Params(
    mix_doctors=20,
    mix_bookings=2000,
    mix_runs=3,
    scale_small=1_000,
    scale_large=1_000_000,
    scale_batch=400,
    scale_repeats=3,
    mp_processes=4,
    mp_per_process=300,
    mp_runs=2,
    raw_transactions=3000,
    pg_mix_bookings=1000,
    pg_per_process=150,
    day_doctors=100,
)
QUICK = Params(
    mix_doctors=10,
    mix_bookings=1000,
    mix_runs=1,
    scale_small=1_000,
    scale_large=100_000,
    scale_batch=200,
    scale_repeats=2,
    mp_processes=4,
    mp_per_process=100,
    mp_runs=1,
    raw_transactions=1000,
    pg_mix_bookings=500,
    pg_per_process=60,
    day_doctors=20,
)

DAY = date(2031, 3, 3)  # a Monday well after any clock a test leaves behind
OPENING = datetime.combine(DAY, clock_time(7, 0))  # `now` of every booking of the day


def _patient(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def plan_bookings(
    rng: random.Random,
    slot_grid: list[list[int]],
    count: int,
    refs: Callable[[], str],
) -> list[Booking]:
    """`count` bookings over a doctors x slots grid: some doctors and the morning
    slots are wanted more, sources drawn with the desk's weights."""
    doctor_weights = [1.0 / (1.0 + 0.12 * i) for i in range(len(slot_grid))]
    sources = list(SOURCE_WEIGHTS)
    source_weights = list(SOURCE_WEIGHTS.values())
    plan: list[Booking] = []
    for _ in range(count):
        slots = rng.choices(slot_grid, doctor_weights)[0]
        slot_weights = [max(0.2, 1.6 - 0.07 * j) for j in range(len(slots))]
        slot_id = rng.choices(slots, slot_weights)[0]
        source = rng.choices(sources, source_weights)[0]
        ref = refs() if rng.random() < REF_SHARE[source] else None
        plan.append((slot_id, _patient(rng), source, ref))
    return plan


def unique_refs(prefix: str) -> Callable[[], str]:
    counter = iter(range(1, 10**9))
    return lambda: f"{prefix}{next(counter):07d}"


def open_day(
    eng: AllocationEngine,
    codes: list[str],
    day: date,
    slot_minutes: int = 30,
    capacity: int = 6,
    doctor_ids: list[int] | None = None,
) -> tuple[list[int], list[list[int]]]:
    """Doctors (added unless given) with a 09:00-17:00 session cut into slots that day."""
    if doctor_ids is None:
        doctor_ids = [
            eng.add_doctor(f"Dr {code}", code, department="General", room=f"R{i + 1}").id
            for i, code in enumerate(codes)
        ]
    grid = [
        [
            s.id
            for s in eng.generate_slots(
                d, day, clock_time(9), clock_time(17), slot_minutes, capacity
            )
        ]
        for d in doctor_ids
    ]
    return doctor_ids, grid


def run_plan(eng: AllocationEngine, plan: list[Booking], now: datetime) -> None:
    """Book every planned booking; an error stops the benchmark (none is expected)."""
    for slot_id, name, source, ref in plan:
        eng.book(slot_id, name, source, ref, now=now)


def outcome_shares(
    eng: AllocationEngine, after_event: int, bookings: int, slot_ids: set[int] | None = None
) -> dict[str, Any]:
    """What the bookings did, read back from the event log they wrote."""
    kinds = Counter(
        str(e.kind)
        for e in eng.events(after_id=after_event)
        if slot_ids is None or e.slot_id in slot_ids
    )
    booked, waitlisted, bumped = kinds["BOOKED"], kinds["WAITLISTED"], kinds["BUMPED"]
    return {
        "booked": round(booked / bookings, 4),
        "waitlisted": round(waitlisted / bookings, 4),
        "bumped": round(bumped / bookings, 4),
        "note": "booked = got a seat (includes those that bumped someone); bumped = "
        "bookings that displaced a lower-priority patient; waitlisted = no seat",
        "events": dict(sorted(kinds.items())),
    }


class Stopwatch:
    def __enter__(self) -> Self:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


@contextmanager
def fresh_sqlite(tmp: Path, name: str) -> Iterator[str]:
    path = tmp / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    yield f"sqlite:///{path}"


# -- single process mix ----------------------------------------------------------


def mix_run(
    url: str,
    doctors: int,
    bookings: int,
    seed: int,
    label: str,
    profile: cProfile.Profile | None = None,
) -> dict[str, Any]:
    eng = AllocationEngine.open(url)
    try:
        codes = [f"M{i + 1:02d}" for i in range(doctors)]
        _, grid = open_day(eng, codes, DAY)
        rng = random.Random(seed)
        plan = plan_bookings(rng, grid, bookings, unique_refs(f"{label}-"))
        first_event = eng.last_event_id()
        if profile is not None:
            profile.enable()
        with Stopwatch() as sw:
            run_plan(eng, plan, OPENING)
        if profile is not None:
            profile.disable()
        return {
            "count": len(plan),
            "seconds": round(sw.wall, 3),
            "cpu_seconds": round(sw.cpu, 3),
            "bookings_per_s": round(len(plan) / sw.wall, 1),
            # Load from other users stretches the wall clock, much less this process's
            # own CPU time: bookings per CPU second is the steadier figure.
            "bookings_per_cpu_s": round(len(plan) / sw.cpu, 1),
            "ms_per_booking": round(1000 * sw.wall / len(plan), 3),
            "cpu_ms_per_booking": round(1000 * sw.cpu / len(plan), 3),
            "outcomes": outcome_shares(eng, first_event, len(plan)),
        }
    finally:
        eng.close()


def bench_mix(
    make_url_: Callable[[int], Any], doctors: int, bookings: int, runs: int, label: str
) -> dict[str, Any]:
    results = []
    for run in range(runs):
        with make_url_(run) as url:
            results.append(mix_run(url, doctors, bookings, seed=1000 + run, label=f"M{run}"))
        log(f"{label} run {run + 1}/{runs}: {results[-1]['bookings_per_s']} bookings/s")
    best = max(results, key=lambda r: r["bookings_per_s"])
    return {
        **best,
        "runs_bookings_per_s": [r["bookings_per_s"] for r in results],
        "workload": f"{doctors} doctors x 16 slots (30 min, capacity 6) on one day, "
        f"{bookings} bookings via book(), sources {SOURCE_WEIGHTS}, "
        "best of the runs (wall clock)",
    }


# -- cost at 1k and 1M tokens ----------------------------------------------------


SCALE_DOCTORS = 20
#: The engine finds a patient's tokens by `patient_key` where the schema has one.
HAS_KEY = "patient_key" in schema.tokens.c and patient_key is not None
BATCH_DOCTORS = 5
CHUNK = 50
HISTORY_STATUSES = ["COMPLETED"] * 80 + ["NO_SHOW"] * 8 + ["CANCELLED"] * 8 + ["EXPIRED"] * 4


def _stored(at: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (the engine reads it back)."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def build_history(url: str, tokens: int, seed: int) -> dict[str, Any]:
    """`tokens` earlier tokens over past days (20 doctors x 16 slots of 6 a day),
    with their slots, day counters and two events each, written straight into the
    schema the engine created: `sqlite3` executemany for slots, counters and
    tokens, then one INSERT ... SELECT for the events. Returns the patient refs
    used (each ~2 visits)."""
    rng = random.Random(seed)
    eng = AllocationEngine.open(url)
    doctor_ids = [
        eng.add_doctor(f"Dr S{i + 1:02d}", f"S{i + 1:02d}").id for i in range(SCALE_DOCTORS)
    ]
    eng.close()
    ref_pool = [f"H{i:07d}" for i in range(max(1, int(tokens * 0.7 / 2)))]
    sources = list(SOURCE_WEIGHTS)
    weights = list(itertools_accumulate(SOURCE_WEIGHTS.values()))
    names = [f"{a} {b}" for a in FIRST_NAMES for b in LAST_NAMES]
    started = time.perf_counter()
    conn = _raw_connection(Path(url.removeprefix("sqlite:///")))
    conn.execute("BEGIN IMMEDIATE")
    slot_id = conn.execute("SELECT coalesce(max(id), 0) FROM slots").fetchone()[0]
    token_id = conn.execute("SELECT coalesce(max(id), 0) FROM tokens").fetchone()[0]
    first_token = token_id + 1
    slots: list[tuple[Any, ...]] = []
    days: list[tuple[Any, ...]] = []
    toks: list[tuple[Any, ...]] = []
    made = 0
    day = DAY - timedelta(days=1)
    while made < tokens:
        for d, doctor in enumerate(doctor_ids):
            if made >= tokens:
                break
            number = 0
            for j in range(16):
                slot_id += 1
                start = datetime.combine(day, clock_time(9)) + timedelta(minutes=30 * j)
                slots.append((slot_id, doctor, day.isoformat(), _stored(start),
                              _stored(start + timedelta(minutes=30)), 6, 0))
                created = _stored(start - timedelta(hours=2))
                for _ in range(6):
                    if made >= tokens:
                        break
                    made += 1
                    token_id += 1
                    number += 1
                    source = rng.choices(sources, cum_weights=weights)[0]
                    ref = rng.choice(ref_pool) if rng.random() < 0.7 else None
                    toks.append((
                        token_id, f"S{d + 1:02d}-{number:03d}", rng.choice(names), ref,
                        (patient_key(ref) if ref else None) if HAS_KEY else None,
                        source, Source(source).priority, rng.choice(HISTORY_STATUSES),
                        slot_id, doctor, 0, created,
                    ))
            days.append((doctor, day.isoformat(), number, 0))
        day -= timedelta(days=1)
    conn.executemany("INSERT INTO slots (id, doctor_id, day, start, \"end\", capacity, closed) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", slots)
    conn.executemany("INSERT INTO doctor_days (doctor_id, day, last_number, delay_minutes) "
                     "VALUES (?, ?, ?, ?)", days)
    conn.executemany(
        "INSERT INTO tokens (id, number, patient_name, patient_ref, patient_key, source, "
        "priority, status, slot_id, doctor_id, overbooked, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        toks,
    )
    # Each token's BOOKED event, then the one of its final status, in time order
    # per token (the log's order across tokens does not matter here).
    for kind, offset in (("'BOOKED'", "0 minutes"), ("t.status", "+140 minutes")):
        conn.execute(
            "INSERT INTO events (at, kind, token_id, slot_id, detail) "
            f"SELECT strftime('%Y-%m-%d %H:%M:%f000', t.created_at, '{offset}'), {kind}, "
            f"t.id, t.slot_id, json_object('status', {kind}, 'slot_id', t.slot_id, "
            "'number', t.number) FROM tokens t WHERE t.id >= ? ORDER BY t.id",
            (first_token,),
        )
    conn.execute("COMMIT")
    events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    return {
        "doctor_ids": doctor_ids,
        "ref_pool": ref_pool,
        "tokens": made,
        "slots": len(slots),
        "events": events,
        "doctor_days": len(days),
        "build_seconds": round(time.perf_counter() - started, 2),
    }


def _size(n: int) -> str:
    return f"{n // 1_000_000}m" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def bench_scaling(tmp: Path, p: Params) -> dict[str, Any]:
    """The same batch of bookings on a database with ~1k and with ~1M tokens."""
    sizes = {"small": p.scale_small, "large": p.scale_large}
    engines: dict[str, AllocationEngine] = {}
    info: dict[str, dict[str, Any]] = {}
    grids: dict[str, list[list[list[int]]]] = {}
    try:
        for key, n in sizes.items():
            url = f"sqlite:///{tmp / f'scale_{key}.sqlite3'}"
            log(f"scaling: building a database with {n} tokens (direct SQL)")
            info[key] = build_history(url, n, seed=7)
            eng = engines[key] = AllocationEngine.open(url)
            doctors = info[key]["doctor_ids"][:BATCH_DOCTORS]
            # Day 0 warms the engine up; days 1..R hold the timed batches.
            grids[key] = [
                open_day(eng, [], DAY + timedelta(days=r), doctor_ids=doctors)[1]
                for r in range(p.scale_repeats + 1)
            ]
            info[key]["file_mb"] = round(
                Path(url.removeprefix("sqlite:///")).stat().st_size / 2**20, 1
            )
        # The same bookings on both databases, 50 at a time, alternating which goes
        # first: load from other users then falls on both alike, and each pair of
        # chunks gives a ratio; the median of those ratios is the figure.
        walls: dict[str, list[float]] = {k: [] for k in sizes}
        cpus: dict[str, list[float]] = {k: [] for k in sizes}
        pair_ratios: list[float] = []
        for r in range(p.scale_repeats + 1):
            plans = {}
            for key in sizes:
                pool = info[key]["ref_pool"]
                refs = iter(random.Random(200 + r).sample(pool, len(pool)))
                plans[key] = plan_bookings(
                    random.Random(100 + r),
                    grids[key][r],
                    p.scale_batch if r else 50,
                    lambda it=refs: next(it),
                )
            for c, at in enumerate(range(0, len(plans["small"]), CHUNK)):
                chunk_wall = {}
                for key in ("small", "large") if c % 2 == 0 else ("large", "small"):
                    with Stopwatch() as sw:
                        run_plan(engines[key], plans[key][at : at + CHUNK], OPENING)
                    chunk_wall[key] = sw.wall
                    if r:  # day 0 only warms up
                        walls[key].append(sw.wall)
                        cpus[key].append(sw.cpu)
                if r:
                    pair_ratios.append(chunk_wall["large"] / chunk_wall["small"])
            if r:
                log(
                    f"scaling day {r}: median large/small so far "
                    f"{statistics.median(pair_ratios):.3f}"
                )
    finally:
        for eng in engines.values():
            eng.close()
    booked = p.scale_repeats * p.scale_batch

    def summary(key: str) -> dict[str, Any]:
        return {
            "existing_tokens": info[key]["tokens"],
            "history_doctor_days": info[key]["doctor_days"],
            "slots": info[key]["slots"] + (p.scale_repeats + 1) * BATCH_DOCTORS * 16,
            "events": info[key]["events"],
            "file_mb": info[key]["file_mb"],
            "build_seconds": info[key]["build_seconds"],
            "ms_per_booking": round(1000 * sum(walls[key]) / booked, 4),
            "cpu_ms_per_booking": round(1000 * sum(cpus[key]) / booked, 4),
        }

    small, large = summary("small"), summary("large")
    big = _size(p.scale_large)
    return {
        "build": "direct SQL: sqlite3 executemany of slots, doctor_days and tokens, "
        "then 2 events per token by INSERT ... SELECT, into the schema that "
        "AllocationEngine.open created; ~70% of tokens carry a patient_ref, "
        "each ref ~2 earlier visits. No ANALYZE (as the engine never runs it).",
        "batch": f"{p.scale_repeats} days x {p.scale_batch} book() calls into a fresh day of "
        f"{BATCH_DOCTORS} doctors x 16 slots of 6, the same slots/sources/names on "
        "both databases, refs drawn from each database's earlier patients; run in "
        f"chunks of {CHUNK} alternating between the databases (after a warm-up day)",
        "at_1k": small,
        f"at_{big}": large,
        "ratio_large_vs_1k": round(statistics.median(pair_ratios), 3),
        "ratio_note": f"median over chunk pairs of wall({big})/wall(1k); the totals' "
        "ratios follow",
        "ratio_of_totals": round(large["ms_per_booking"] / small["ms_per_booking"], 3),
        "ratio_cpu": round(large["cpu_ms_per_booking"] / small["cpu_ms_per_booking"], 3),
    }


# -- several processes -----------------------------------------------------------


def _mp_worker(
    url: str,
    warmup: list[Booking],
    plan: list[Booking],
    now: datetime,
    barrier: Any,
    queue: Any,
    index: int,
) -> None:
    """One desk: its own engine on the shared database, booking its plan."""
    ok, errors, samples = 0, 0, []
    try:
        eng = AllocationEngine.open(url)
        # Compile the statements and fill the caches before the clock starts, on
        # a warm-up doctor the figures leave out.
        run_plan(eng, warmup, now)
    except Exception as error:  # noqa: BLE001
        barrier.abort()
        queue.put((index, 0, len(plan), [f"warm-up: {error!r}"], time.monotonic(), 0.0))
        return
    barrier.wait(timeout=300)
    cpu0 = time.process_time()
    for slot_id, name, source, ref in plan:
        try:
            eng.book(slot_id, name, source, ref, now=now)
            ok += 1
        except Exception as error:  # noqa: BLE001 - every failure is counted
            errors += 1
            if len(samples) < 5:
                samples.append(repr(error)[:300])
    end = time.monotonic()
    cpu = time.process_time() - cpu0
    eng.close()
    queue.put((index, ok, errors, samples, end, cpu))


def bench_processes(url: str, processes: int, per_process: int, label: str) -> dict[str, Any]:
    """`processes` desks booking at once into the same 4 doctors' slots."""
    eng = AllocationEngine.open(url)
    prefix = label[:2].upper()
    codes = [f"{prefix}{i + 1}" for i in range(4)]
    _, grid = open_day(eng, codes, DAY, slot_minutes=15, capacity=8)
    _, warm_grid = open_day(eng, [f"{prefix}W"], DAY, capacity=20)
    seats = sum(len(row) for row in grid) * 8
    first_event = eng.last_event_id()
    plans = [
        plan_bookings(random.Random(500 + i), grid, per_process, unique_refs(f"P{i}-"))
        for i in range(processes)
    ]
    warmups = [
        plan_bookings(random.Random(600 + i), warm_grid, 20, unique_refs(f"W{i}-"))
        for i in range(processes)
    ]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(processes + 1)
    queue = ctx.Queue()
    workers = [
        ctx.Process(target=_mp_worker, args=(url, warmups[i], plans[i], OPENING, barrier, queue, i))
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    try:
        barrier.wait(timeout=300)
    except Exception as error:  # noqa: BLE001 - a worker failed to warm up
        log(f"{label}: a process did not start ({error!r}); its report says why")
    start = time.monotonic()
    reports = [queue.get(timeout=900) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    elapsed = max(r[4] for r in reports) - start
    ok = sum(r[1] for r in reports)
    errors = sum(r[2] for r in reports)
    samples = [s for r in reports for s in r[3]][:5]

    # Every request answered with a token, no slot over-filled, the log replays.
    tokens = eng._read(  # a count for the check, nothing more
        lambda conn: conn.execute(
            select(func.count())
            .select_from(schema.tokens)
            .where(
                schema.tokens.c.doctor_id.in_(
                    select(schema.doctors.c.id).where(schema.doctors.c.code.in_(codes))
                )
            )
        ).scalar_one()
    )
    invariants = "ok"
    try:
        sys.path.insert(0, str(ROOT / "tests"))
        from invariants import check_invariants  # type: ignore[import-not-found]

        check_invariants(eng, OPENING)
    except AssertionError as error:
        invariants = f"FAILED: {error}"
    except ImportError as error:
        invariants = f"not checked: {error}"
    outcomes = outcome_shares(eng, first_event, max(1, ok), {s for row in grid for s in row})
    eng.close()
    return {
        "processes": processes,
        "count": ok + errors,
        "errors": errors,
        "error_samples": samples,
        "tokens_written": tokens,
        "every_request_got_a_token": tokens == ok and errors == 0,
        "invariants": invariants,
        "seconds": round(elapsed, 3),
        "bookings_per_s": round(ok / elapsed, 1) if elapsed > 0 else None,
        "cpu_ms_per_booking_per_process": [
            round(1000 * r[5] / max(1, r[1] + r[2]), 3) for r in sorted(reports)
        ],
        "outcomes": outcomes,
        "workload": f"{processes} spawned processes x {per_process} book() calls into the "
        f"same 4 doctors x 32 slots (15 min, capacity 8: {seats} seats), each "
        "process its own AllocationEngine and 20 warm-up bookings on another "
        "doctor (not counted); wall time from a common barrier to the last "
        "process done",
    }


def best_of_process_runs(
    make_url_: Callable[[int], Any], p: Params, label: str, per_process: int | None = None
) -> dict[str, Any]:
    """The multi-process run `p.mp_runs` times on fresh databases: the best rate,
    and the errors and invariant checks of every run."""
    runs = []
    for run in range(p.mp_runs):
        with make_url_(run) as url:
            runs.append(
                bench_processes(url, p.mp_processes, per_process or p.mp_per_process, label)
            )
        log(
            f"{label} {p.mp_processes} processes run {run + 1}/{p.mp_runs}: "
            f"{runs[-1]['bookings_per_s']} bookings/s, {runs[-1]['errors']} errors"
        )
    best = max(runs, key=lambda r: r["bookings_per_s"] or 0)
    return {
        **best,
        "errors": sum(r["errors"] for r in runs),
        "invariants": "ok"
        if all(r["invariants"] == "ok" for r in runs)
        else [r["invariants"] for r in runs],
        "every_request_got_a_token": all(r["every_request_got_a_token"] for r in runs),
        "runs_bookings_per_s": [r["bookings_per_s"] for r in runs],
    }


# -- raw sqlite3 ceiling ---------------------------------------------------------


def _raw_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def _raw_fixture(
    tmp: Path, name: str, transactions: int, doctors: int = 20
) -> tuple[Path, list[Booking], int]:
    """A file with the engine's schema and one day of `doctors`, and the mix's plan
    (the same seed as the single-process mix's first run) on it."""
    path = tmp / f"{name}.sqlite3"
    eng = AllocationEngine.open(f"sqlite:///{path}")
    _, grid = open_day(eng, [f"W{i + 1:02d}" for i in range(doctors)], DAY)
    eng.close()
    plan = plan_bookings(random.Random(1000), grid, transactions, unique_refs("RAW"))
    return path, plan, len(grid)


def raw_minimal(tmp: Path, transactions: int, name: str) -> dict[str, Any]:
    """The issue's booking-like transaction written by hand with sqlite3, on a file of
    the engine's schema and pragmas: BEGIN IMMEDIATE; count a slot's seat holders;
    insert a token; bump the day's counter; COMMIT."""
    seat_holding = ",".join(f"'{s}'" for s in SEAT_HOLDING)
    now = OPENING.isoformat(sep=" ")
    path, plan, _ = _raw_fixture(tmp, name, min(transactions, 3000))
    plan = [plan[i % len(plan)] for i in range(transactions)]
    conn = _raw_connection(path)
    slot_doctor = dict(conn.execute("SELECT id, doctor_id FROM slots").fetchall())
    day = DAY.isoformat()
    with Stopwatch() as sw:
        for slot_id, name_, source, ref in plan:
            doctor = slot_doctor[slot_id]
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                f"SELECT count(*) FROM tokens WHERE slot_id = ? AND status IN ({seat_holding})",
                (slot_id,),
            ).fetchone()
            conn.execute(
                "INSERT INTO tokens (number, patient_name, patient_ref, source, priority, "
                "status, slot_id, doctor_id, overbooked, created_at) "
                "VALUES (?, ?, ?, ?, ?, 'BOOKED', ?, ?, 0, ?)",
                ("X-001", name_, ref, source, 4, slot_id, doctor, now),
            )
            conn.execute(
                "UPDATE doctor_days SET last_number = last_number + 1 "
                "WHERE doctor_id = ? AND day = ?",
                (doctor, day),
            )
            conn.execute("COMMIT")
    conn.close()
    return {
        "count": len(plan),
        "seconds": round(sw.wall, 3),
        "cpu_seconds": round(sw.cpu, 3),
        "transactions_per_s": round(len(plan) / sw.wall, 1),
        "transactions_per_cpu_s": round(len(plan) / sw.cpu, 1),
        "ms_per_transaction": round(1000 * sw.wall / len(plan), 4),
        "statements": "BEGIN IMMEDIATE; SELECT count(*) seat holders; INSERT token; "
        "UPDATE counter; COMMIT",
    }


def bench_raw_sqlite(tmp: Path, p: Params) -> dict[str, Any]:
    # 1. The minimal booking-like transaction of the issue.
    minimal = raw_minimal(tmp, p.raw_transactions, "raw_min")

    # 2. The engine's own statements, replayed: the mix is booked through the engine
    #    on one copy of the fixture while a listener records every statement with
    #    its driver-level parameters, then the recording is replayed with plain
    #    sqlite3 on an identical copy. The difference to the engine's time is what
    #    Python, pydantic and SQLAlchemy add around the database's own work.
    recording, booked = _record_engine_statements(tmp, p.mix_bookings, p.mix_doctors)
    path, _, _ = _raw_fixture(tmp, "raw_replay", p.mix_bookings, p.mix_doctors)
    conn = _raw_connection(path)
    with Stopwatch() as sw:
        for statement, parameters, many in recording:
            if statement is None:
                conn.execute("COMMIT")
            elif many:
                conn.executemany(statement, parameters)
            else:
                conn.execute(statement, parameters).fetchall()
    conn.close()
    replay = {
        "count": booked,
        "statements_replayed": sum(1 for r in recording if r[0] is not None),
        "seconds": round(sw.wall, 3),
        "transactions_per_s": round(booked / sw.wall, 1),
        "ms_per_transaction": round(1000 * sw.wall / booked, 4),
        "statements": "every statement the engine sent for the single-process mix (recorded "
        "with a before_cursor_execute listener), replayed with sqlite3 on an identical "
        "copy of the database, each booking's COMMIT included",
    }
    return {
        "pragmas": "journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout=10000",
        "schema": "the engine's (created by AllocationEngine.open), 20 doctors x 16 slots",
        "minimal": minimal,
        "engine_statements_replayed": replay,
    }


def _record_engine_statements(
    tmp: Path, transactions: int, doctors: int
) -> tuple[list[tuple[str | None, Any, bool]], int]:
    """Book the raw fixture's plan through the engine; every statement it sent (and
    a None for each commit), as the driver received them."""
    path, plan, _ = _raw_fixture(tmp, "raw_record", transactions, doctors)
    eng = AllocationEngine.open(f"sqlite:///{path}")
    recording: list[tuple[str | None, Any, bool]] = []

    def on_execute(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        recording.append((statement, parameters, many))

    def on_commit(_conn: Any) -> None:
        recording.append((None, None, False))

    db = eng._engine  # the listeners need the SQLAlchemy engine
    event.listen(db, "before_cursor_execute", on_execute)
    event.listen(db, "commit", on_commit)
    try:
        run_plan(eng, plan, OPENING)
    finally:
        eng.close()
    return recording, len(plan)


# -- statements per booking ------------------------------------------------------


def bench_statements(tmp: Path) -> dict[str, Any]:
    """Count the SQL each booking sends, by what the booking did."""
    with fresh_sqlite(tmp, "statements") as url:
        eng = AllocationEngine.open(url)
        try:
            _, grid = open_day(eng, [f"C{i + 1:02d}" for i in range(10)], DAY)
            plan = plan_bookings(random.Random(3), grid, 1100, unique_refs("C"))
            current: list[str] = []
            commits = [0]

            def on_execute(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
                current.append(" ".join(statement.split()))

            def on_commit(_conn: Any) -> None:
                commits[0] += 1

            db = eng._engine  # the listeners need the SQLAlchemy engine
            event.listen(db, "before_cursor_execute", on_execute)
            event.listen(db, "commit", on_commit)
            by_kind: dict[str, list[int]] = {}
            example: dict[str, list[str]] = {}
            for slot_id, name, source, ref in plan:
                current.clear()
                token = eng.book(slot_id, name, source, ref, now=OPENING)
                bumped = any(s.startswith("UPDATE tokens") for s in current)
                if token.status == "WAITLISTED":
                    kind = "waitlisted"
                elif bumped:
                    kind = "bumped_someone"
                elif source == "EMERGENCY":
                    kind = "emergency"
                else:
                    kind = "free_seat_with_ref" if ref else "free_seat_no_ref"
                by_kind.setdefault(kind, []).append(len(current))
                example[kind] = [s[:160] for s in current]  # the latest: caches are warm
            event.remove(db, "before_cursor_execute", on_execute)
            event.remove(db, "commit", on_commit)
        finally:
            eng.close()
    total = sum(sum(v) for v in by_kind.values())
    return {
        "per_booking_mean": round(total / len(plan), 2),
        "commits_per_booking": round(commits[0] / len(plan), 2),
        "by_outcome": {
            k: {"bookings": len(v), "mean": round(statistics.mean(v), 2), "max": max(v)}
            for k, v in sorted(by_kind.items())
        },
        "free_seat_with_ref": example.get("free_seat_with_ref", []),
        "bumped_someone": example.get("bumped_someone", []),
        "note": "cursor executions (BEGIN IMMEDIATE included; COMMIT is a DBAPI call, "
        "counted separately)",
    }


# -- a headless simulated day ---------------------------------------------------


def bench_headless_day(tmp: Path, doctors: int) -> dict[str, Any]:
    """A default simulated day (seed 1) of `doctors` doctors on a private in-memory
    database, as `opd-tui simulate --headless` runs it, timed from the engine's
    opening to the summary; then raw sqlite3's minimal transaction as many times
    as the day wrote (BEGIN IMMEDIATE ... COMMIT), on a file."""
    from opd_tui.simulation import Simulation, SimulationConfig
    from opd_tui.simulation.runner import MEMORY_URL

    writes = [0]

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            writes[0] += 1

    with Stopwatch() as sw:
        eng = AllocationEngine.open(MEMORY_URL)
        event.listen(eng._engine, "before_cursor_execute", on_execute)
        summary = Simulation(SimulationConfig(seed=1, doctors=doctors), eng).run()
    eng.close()
    log(f"headless day of {doctors} doctors: {sw.wall:.2f} s, {writes[0]} write transactions")
    raw = raw_minimal(tmp, writes[0], "raw_day")
    return {
        "doctors": doctors,
        "seconds": round(sw.wall, 3),
        "cpu_seconds": round(sw.cpu, 3),
        "write_transactions": writes[0],
        "tokens": summary.tokens_booked,
        "raw_sqlite3_seconds": raw["seconds"],
        "raw_sqlite3_cpu_seconds": raw["cpu_seconds"],
        "times_raw": round(sw.wall / raw["seconds"], 2),
        "times_raw_cpu": round(sw.cpu / raw["cpu_seconds"], 2),
        "note": "the day on :memory: (as the simulation runs it), the raw transactions "
        "on a WAL file with the engine's pragmas, both in this run",
    }


# -- profile ---------------------------------------------------------------------


def bench_profile(tmp: Path, p: Params) -> dict[str, Any]:
    """cProfile over the single-process mix: where a booking's time goes."""
    profile = cProfile.Profile()
    with fresh_sqlite(tmp, "profile") as url:
        result = mix_run(
            url, p.mix_doctors, p.mix_bookings, seed=1000, label="prof", profile=profile
        )
    n = result["count"]
    stats = pstats.Stats(profile)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
    print(out.getvalue(), file=sys.stderr)

    def label(func_key: tuple[str, int, str]) -> str:
        filename, line, name = func_key
        short = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        return f"{short}:{line}({name})"

    rows = stats.stats  # type: ignore[attr-defined]
    by_cum = sorted(rows.items(), key=lambda kv: kv[1][3], reverse=True)
    by_tot = sorted(rows.items(), key=lambda kv: kv[1][2], reverse=True)
    return {
        "bookings": n,
        "note": "cProfile inflates Python-heavy code; read the shares, not the absolute times",
        "top_cumulative_us_per_booking": {
            label(k): round(1e6 * v[3] / n, 1) for k, v in by_cum[:25]
        },
        "top_self_us_per_booking": {label(k): round(1e6 * v[2] / n, 1) for k, v in by_tot[:20]},
    }


# -- PostgreSQL ------------------------------------------------------------------


@contextmanager
def pg_database(base: str) -> Iterator[str]:
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    name = f"opd_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_postgres(p: Params) -> dict[str, Any]:
    base = os.environ.get(PG_ENV)
    if not base:
        return {"skipped": f"{PG_ENV} is not set"}
    try:
        server = create_engine(make_url(base))
        with server.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
        server.dispose()
    except Exception as error:  # noqa: BLE001
        return {"skipped": f"PostgreSQL at {PG_ENV} is not usable: {error}"}
    result: dict[str, Any] = {"server_version": version}
    runs = max(1, p.mix_runs - 1)

    @contextmanager
    def fresh_pg(_run: int) -> Iterator[str]:
        with pg_database(base) as url:
            yield url

    result["single_process"] = bench_mix(
        fresh_pg, p.mix_doctors // 2, p.pg_mix_bookings, runs, "postgres mix"
    )
    result["processes"] = best_of_process_runs(
        fresh_pg, p, "postgres", per_process=p.pg_per_process
    )
    return result


# -- machine ---------------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(
                ["git", "-C", str(ROOT), *args],
                capture_output=True,
                text=True,
                check=True,
                timeout=10,
            ).stdout.strip()
        except Exception:  # noqa: BLE001
            return None

    try:
        import psycopg

        psycopg_version: str | None = psycopg.__version__
    except ImportError:
        psycopg_version = None
    engine_source = Path(opd_tui.__file__).resolve().parent
    in_repo = engine_source.is_relative_to(ROOT)
    dirty = (
        git(
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "opd_tui/engine",
            "opd_tui/db",
            "opd_tui/domain",
        )
        if in_repo
        else None
    )
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg_version,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "engine_source": str(engine_source),
        "git_head": git("rev-parse", "--short", "HEAD") if in_repo else None,
        "engine_uncommitted_changes": bool(dirty) if dirty is not None else None,
    }


def targets(out: dict[str, Any]) -> dict[str, Any]:
    """Issues 2 and 12's targets on wall-clock figures; beside them the same judged
    on CPU time, which load from other users on a shared machine moves less."""
    single = out["sqlite_single_process"]
    scaling = out["sqlite_scaling"]
    ratio = scaling["ratio_large_vs_1k"]
    procs = out["sqlite_4_processes"]
    versus = out["engine_vs_raw"]
    found = {
        "single_process_sqlite_bookings_per_s>=2000": {
            "value": single["bookings_per_s"],
            "met": single["bookings_per_s"] >= 2000,
            "per_cpu_second": single["bookings_per_cpu_s"],
            "met_on_cpu_time": single["bookings_per_cpu_s"] >= 2000,
        },
        "engine_vs_raw_sqlite3_ratio>=0.15": {
            "value": versus["ratio"],
            "met": versus["ratio"] >= 0.15,
            "cpu_ratio": versus["ratio_cpu"],
            "met_on_cpu_time": versus["ratio_cpu"] >= 0.15,
        },
        f"cost_at_{_size(out['params']['scale_large'])}<=1.2x_cost_at_1k": {
            "value": ratio,
            "met": ratio <= 1.2,
            "cpu_ratio": scaling["ratio_cpu"],
            "met_on_cpu_time": scaling["ratio_cpu"] <= 1.2,
        },
        "4_processes_sqlite_bookings_per_s>=1000_with_0_errors": {
            "value": procs["bookings_per_s"],
            "errors": procs["errors"],
            "met": (procs["bookings_per_s"] or 0) >= 1000
            and procs["errors"] == 0
            and procs["invariants"] == "ok",
        },
    }
    day = out.get("headless_day")
    if day is not None:
        found[f"headless_day_{day['doctors']}_doctors<=7x_raw_sqlite3"] = {
            "value": day["times_raw"],
            "met": day["times_raw"] <= 7,
            "cpu_value": day["times_raw_cpu"],
            "met_on_cpu_time": day["times_raw_cpu"] <= 7,
        }
    return found


def headline(out: dict[str, Any]) -> dict[str, Any]:
    """Issue 12's figures in one place."""
    versus, scaling = out["engine_vs_raw"], out["sqlite_scaling"]
    big = _size(out["params"]["scale_large"])
    figures = {
        "engine_bookings_per_s": versus["engine_bookings_per_s"],
        "raw_sqlite3_transactions_per_s": versus["raw_sqlite3_transactions_per_s"],
        "ratio (target >= 0.15)": versus["ratio"],
        "ratio_cpu": versus["ratio_cpu"],
        "statements_per_booking": versus["statements_per_booking"],
        "ms_per_booking_at_1k": scaling["at_1k"]["ms_per_booking"],
        f"ms_per_booking_at_{big}": scaling[f"at_{big}"]["ms_per_booking"],
        f"cost_{big}_vs_1k (target <= 1.2)": scaling["ratio_large_vs_1k"],
        f"build_{big}_tokens_seconds": scaling[f"at_{big}"]["build_seconds"],
    }
    day = out.get("headless_day")
    if day is not None:
        figures |= {
            f"headless_day_{day['doctors']}_doctors_seconds": day["seconds"],
            "raw_sqlite3_same_transactions_seconds": day["raw_sqlite3_seconds"],
            "day_times_raw (target <= 7)": day["times_raw"],
            "day_times_raw_cpu": day["times_raw_cpu"],
        }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (about a minute)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile the single-process mix (cProfile to stderr)",
    )
    parser.add_argument("--no-postgres", action="store_true", help=f"ignore {PG_ENV}")
    parser.add_argument("--no-day", action="store_true", help="skip the headless day")
    args = parser.parse_args(argv)
    p = QUICK if args.quick else FULL
    started = time.perf_counter()
    out: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "command": "python tests/benchmarks/bench_engine.py" + (" --quick" if args.quick else ""),
        "machine": machine_facts(),
        "params": dataclasses.asdict(p),
    }
    with tempfile.TemporaryDirectory(prefix="opd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        log("sqlite single process mix")
        out["sqlite_single_process"] = bench_mix(
            lambda run: fresh_sqlite(tmp, f"mix{run}"),
            p.mix_doctors,
            p.mix_bookings,
            p.mix_runs,
            "sqlite mix",
        )
        log("raw sqlite3 ceiling")
        out["raw_sqlite3"] = bench_raw_sqlite(tmp, p)
        log("statements per booking")
        out["statements"] = bench_statements(tmp)
        out["sqlite_scaling"] = bench_scaling(tmp, p)
        out["sqlite_4_processes"] = best_of_process_runs(
            lambda run: fresh_sqlite(tmp, f"processes{run}"), p, "sqlite"
        )
        out["postgres"] = {"skipped": "--no-postgres"} if args.no_postgres else bench_postgres(p)
        if not args.no_day:
            log("a headless simulated day")
            out["headless_day"] = bench_headless_day(tmp, p.day_doctors)
        if args.profile:
            log("profiling the single-process mix")
            out["profile"] = bench_profile(tmp, p)
    single, minimal = out["sqlite_single_process"], out["raw_sqlite3"]["minimal"]
    out["engine_vs_raw"] = {
        "engine_bookings_per_s": single["bookings_per_s"],
        "raw_sqlite3_transactions_per_s": minimal["transactions_per_s"],
        "ratio": round(single["bookings_per_s"] / minimal["transactions_per_s"], 3),
        "ratio_cpu": round(single["bookings_per_cpu_s"] / minimal["transactions_per_cpu_s"], 3),
        "statements_per_booking": out["statements"]["per_booking_mean"],
        "engine_ms_per_booking": single["ms_per_booking"],
        "raw_minimal_ms": minimal["ms_per_transaction"],
        "raw_engine_statements_replayed_ms": out["raw_sqlite3"]["engine_statements_replayed"][
            "ms_per_transaction"
        ],
        "note": "ratio: engine bookings/s over raw sqlite3 booking-like transactions/s, "
        "both measured in this run (ratio_cpu: the same per CPU second)",
    }
    out["targets"] = targets(out)
    out = {"headline": headline(out), **out}
    for key, value in out["headline"].items():
        log(f"{key}: {value}")
    out["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out["total_seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
