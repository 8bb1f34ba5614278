"""Child-process bodies for the multi-process proofs (spawned, so importable here).

`desk` is one booking terminal of the concurrency test: it books, calls
emergencies and cancels its own tokens into a shared set of slots and reports
every answer. The same workload runs over the project's engine setup or over a
naive SQLAlchemy engine (`ENGINE_SETUPS`), which is how the benchmark and
test_concurrency measure why every write starts with BEGIN IMMEDIATE.
`stream` books until it is killed (test_crash); `open_fresh` opens a brand-new
database (test_migrations); `generate` calls ensure_days (test_rosters);
`clerk` mixes bookings with corrections and reassignment (test_concurrency).
"""

from __future__ import annotations

import multiprocessing
import random
import time
import traceback
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, event

from opd_tui.db.connect import connect
from opd_tui.engine import AllocationEngine

#: Sources a desk books from, weighted roughly as an OPD morning.
SOURCE_MIX = ["WALKIN"] * 6 + ["ONLINE"] * 5 + ["FOLLOWUP"] * 4 + ["PAID"] * 3 + ["EMERGENCY"]


def _naive_sqlite(url: str, begin: str | None) -> Engine:
    """A SQLite engine set up the way the SQLAlchemy docs' first example would be.

    begin=None: SQLAlchemy's default (pysqlite opens a transaction only at the
    first INSERT/UPDATE, so a booking's reads run outside it). begin="BEGIN": a
    plain deferred transaction around everything. WAL and a generous busy
    timeout in both, so what goes wrong is the transaction start and nothing else.
    """
    connect_args: dict[str, Any] = {"timeout": 10}
    if begin is not None:
        connect_args["isolation_level"] = None
    engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    if begin is not None:

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            connection.exec_driver_sql(begin)

    return engine


#: How a desk's engine talks to the database: the project's way and two naive ones.
ENGINE_SETUPS = {
    "project": lambda url: connect(url),  # BEGIN IMMEDIATE for writes
    "sqlalchemy-default": lambda url: _naive_sqlite(url, None),
    "deferred-begin": lambda url: _naive_sqlite(url, "BEGIN"),
}


def count_locked(engine: Engine, seen: dict[str, int]) -> None:
    """Count "database is locked" failures and PostgreSQL deadlocks, even those
    the engine retries (each deadlock first stalls its desks for PostgreSQL's
    deadlock_timeout, 1 s by default)."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context) -> None:
        error = context.original_exception
        if "locked" in str(error).lower():
            seen["locked"] = seen.get("locked", 0) + 1
        if getattr(error, "sqlstate", None) == "40P01":
            seen["deadlocks"] = seen.get("deadlocks", 0) + 1


def desk(url: str, setup: str, desk_no: int, plan: dict[str, Any], barrier: Any,
         results: Any) -> None:
    """Book `plan["bookings"]` patients, some emergencies, cancel some of them."""
    report: dict[str, Any] = {
        "desk": desk_no, "requests": 0, "bookings": [], "cancelled": [], "errors": [],
        "locked": 0, "deadlocks": 0, "seconds": 0.0,
    }
    seen = {"locked": 0, "deadlocks": 0}
    try:
        engine = ENGINE_SETUPS[setup](url)
        count_locked(engine, seen)
        eng = AllocationEngine(engine)
        rng = random.Random(desk_no)
        now: datetime = plan["now"]
        slots: list[tuple[int, int]] = plan["slots"]  # (slot id, doctor id)
        mine: list[int] = []
        barrier.wait(timeout=60)
        started = time.perf_counter()
        n = 0
        while n < plan["bookings"]:
            report["requests"] += 1
            try:
                if mine and rng.random() < plan.get("cancel_rate", 0.12):
                    token = eng.cancel(mine.pop(rng.randrange(len(mine))), now=now)
                    assert token.status == "CANCELLED", token
                    report["cancelled"].append(token.id)
                    continue
                n += 1
                slot_id, doctor_id = rng.choice(slots)
                name = f"Desk{desk_no} Patient {n}"
                if rng.random() < plan.get("emergency_rate", 0.05):
                    token = eng.emergency(doctor_id, name, slot_id=rng.choice([slot_id, None]),
                                          now=now)
                else:
                    token = eng.book(slot_id, name, rng.choice(plan.get("sources", SOURCE_MIX)),
                                     now=now)
                report["bookings"].append(
                    {"id": token.id, "seq": token.seq, "number": token.number,
                     "status": str(token.status), "slot_id": token.slot_id}
                )
                mine.append(token.id)
            except Exception as error:  # noqa: BLE001 - every failure is reported
                report["errors"].append(f"{type(error).__name__}: {error}")
        report["seconds"] = time.perf_counter() - started
        eng.close()
    except Exception:  # noqa: BLE001
        report["errors"].append(traceback.format_exc())
    report["locked"] = seen["locked"]
    report["deadlocks"] = seen["deadlocks"]
    results.put(report)


def stream(url: str, plan: dict[str, Any], ready: Any, committed: Any) -> None:
    """Book (and now and then cancel) as fast as possible until killed; the id of
    every token a committed command returned goes to `committed`."""
    eng = AllocationEngine.open(url)
    rng = random.Random()
    slots: list[tuple[int, int]] = plan["slots"]
    mine: list[int] = []
    ready.set()
    while True:
        slot_id, doctor_id = rng.choice(slots)
        if mine and rng.random() < 0.1:
            token = eng.cancel(mine.pop(rng.randrange(len(mine))), now=plan["now"])
        elif rng.random() < 0.05:
            token = eng.emergency(doctor_id, "Crash Emergency", slot_id, now=plan["now"])
            mine.append(token.id)
        else:
            token = eng.book(slot_id, "Crash Patient", rng.choice(SOURCE_MIX), now=plan["now"])
            mine.append(token.id)
        committed.put((token.id, str(token.status)))


def open_fresh(url: str, barrier: Any, results: Any) -> None:
    """Open a database no one has created yet, at the same moment as another process."""
    try:
        barrier.wait(timeout=60)
        AllocationEngine.open(url).close()
        results.put({"ok": True})
    except Exception:  # noqa: BLE001
        results.put({"ok": False, "error": traceback.format_exc()})


def generate(url: str, until: date, now: datetime, barrier: Any, results: Any) -> None:
    """Generate the rostered days up to `until` at the same moment as other desks."""
    report: dict[str, Any] = {"ok": True, "made": []}
    try:
        eng = AllocationEngine.open(url)
        barrier.wait(timeout=60)
        made = eng.ensure_days(until, now=now)
        report["made"] = [(s.doctor_id, s.start.isoformat()) for s in made]
        eng.close()
    except Exception:  # noqa: BLE001 - every failure is reported
        report = {"ok": False, "error": traceback.format_exc(), "made": []}
    results.put(report)


def clerk(url: str, desk_no: int, plan: dict[str, Any], barrier: Any, results: Any) -> None:
    """A desk's morning with its mistakes: books (some emergencies), cancels its own
    tokens, reinstates some of them (rule 21), and now and then hands one doctor's
    day to the other (rule 20), all at once with the other desks."""
    report: dict[str, Any] = {
        "desk": desk_no, "requests": 0, "answers": 0, "bookings": [], "cancelled": [],
        "reinstated": [], "reassigned": 0, "errors": [], "deadlocks": 0,
    }
    seen = {"locked": 0, "deadlocks": 0}
    try:
        engine = connect(url)
        count_locked(engine, seen)
        eng = AllocationEngine(engine)
        rng = random.Random(1000 + desk_no)
        now: datetime = plan["now"]
        slots: list[tuple[int, int]] = plan["slots"]
        doctors = sorted({d for _, d in slots})
        live: list[int] = []
        cancelled: list[int] = []
        barrier.wait(timeout=60)
        n = 0
        while n < plan["bookings"]:
            report["requests"] += 1
            roll = rng.random()
            try:
                if roll < plan.get("reassign_rate", 0.04):
                    absent, colleague = rng.sample(doctors, 2)
                    moved = eng.reassign(absent, colleague, now.date(), now=now)
                    report["reassigned"] += len(moved)
                elif roll < 0.16 and live:
                    token = eng.cancel(live.pop(rng.randrange(len(live))), now=now)
                    assert token.status == "CANCELLED", token
                    cancelled.append(token.id)
                elif roll < 0.26 and cancelled:
                    token_id = cancelled.pop(rng.randrange(len(cancelled)))
                    token = eng.reinstate(token_id, f"desk {desk_no} cancelled the wrong one",
                                          now=now)
                    assert token.status in ("BOOKED", "WAITLISTED"), token
                    report["reinstated"].append(token.id)
                    live.append(token.id)
                else:
                    n += 1
                    slot_id, doctor_id = rng.choice(slots)
                    name = f"Desk{desk_no} Patient {n}"
                    if rng.random() < 0.05:
                        token = eng.emergency(doctor_id, name, slot_id=slot_id, now=now)
                    else:
                        token = eng.book(slot_id, name, rng.choice(SOURCE_MIX[:-1]), now=now)
                    report["bookings"].append({"id": token.id, "number": token.number})
                    live.append(token.id)
                report["answers"] += 1
            except Exception as error:  # noqa: BLE001 - every failure is reported
                report["errors"].append(f"{type(error).__name__}: {error}")
        report["cancelled"] = cancelled
        eng.close()
    except Exception:  # noqa: BLE001
        report["errors"].append(traceback.format_exc())
    report["deadlocks"] = seen["deadlocks"]
    results.put(report)


# -- the parent's side -----------------------------------------------------------

DAY = datetime(2026, 3, 2)
NOW = DAY.replace(hour=8)


def prepare_day(url: str, bookings: int, capacity: int = 20) -> dict[str, Any]:
    """Two doctors with two slots each: the few slots every desk books into."""
    eng = AllocationEngine.open(url)
    slots = []
    for code in ("CARD", "ORTH"):
        doctor = eng.add_doctor(f"Dr {code.title()}", code)
        for k in range(2):
            start = DAY.replace(hour=9) + timedelta(minutes=30 * k)
            slot = eng.add_slot(doctor.id, start, start + timedelta(minutes=30), capacity)
            slots.append((slot.id, doctor.id))
    eng.close()
    return {"now": NOW, "slots": slots, "bookings": bookings}


def run_desks(url: str, setup: str, plan: dict[str, Any], desks: int = 4,
              timeout: float = 180) -> list[dict[str, Any]]:
    """Start `desks` spawned desks at once; their reports, by desk number."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(desks)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=desk, args=(url, setup, n, plan, barrier, results), daemon=True)
        for n in range(desks)
    ]
    for p in procs:
        p.start()
    try:
        reports = [results.get(timeout=timeout) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return sorted(reports, key=lambda r: r["desk"])


def audit(url: str, reports: list[dict[str, Any]]) -> dict[str, Any]:
    """What the desks' run left behind, measured through the public API."""
    from invariants import check_invariants  # the tests' own helper

    eng = AllocationEngine.open(url)
    try:
        events = eng.events()
        token_ids = sorted({e.token_id for e in events if e.token_id is not None})
        slot_ids = sorted({e.slot_id for e in events if e.kind == "SLOT_ADDED"})
        over = 0
        for slot_id in slot_ids:
            view = eng.slot_view(slot_id, now=NOW)
            emergencies = sum(1 for t in view.seated if t.overbooked and t.source == "EMERGENCY")
            over += max(0, view.occupancy - view.capacity - emergencies)
        numbers = [eng.token(t).number for t in token_ids]
        try:
            check_invariants(eng, NOW)
            broken = None
        except AssertionError as error:
            broken = str(error) or "invariant failed"
    finally:
        eng.close()
    booked = [b for r in reports for b in r["bookings"]]
    return {
        "requests": sum(r["requests"] for r in reports),
        "bookings_answered": len(booked),
        "cancels_answered": sum(len(r["cancelled"]) for r in reports),
        "errors": sum(len(r["errors"]) for r in reports),
        "first_errors": [e for r in reports for e in r["errors"]][:3],
        "locked_seen": sum(r["locked"] for r in reports),
        "deadlocks": sum(r["deadlocks"] for r in reports),
        "tokens_in_database": len(token_ids),
        "seats_over_capacity": over,
        "duplicate_numbers": len(numbers) - len(set(numbers)),
        "invariant_broken": broken,
        "seconds": max((r["seconds"] for r in reports), default=0.0),
    }


def _spawn_all(target: Any, argsets: list[tuple[Any, ...]], timeout: float) -> list[Any]:
    """Start one spawned process per argument tuple (each gets the shared barrier and
    results queue appended), and collect one report from each."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(argsets))
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results), daemon=True)
             for args in argsets]
    for p in procs:
        p.start()
    try:
        return [results.get(timeout=timeout) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()


def run_ensure_days(url: str, until: date, now: datetime, processes: int = 3,
                    timeout: float = 120) -> list[dict[str, Any]]:
    """`processes` desks calling ensure_days(until) at the same moment."""
    return _spawn_all(generate, [(url, until, now)] * processes, timeout)


def run_clerks(url: str, plan: dict[str, Any], desks: int = 4,
               timeout: float = 180) -> list[dict[str, Any]]:
    """`desks` clerks at once; their reports, by desk number."""
    reports = _spawn_all(clerk, [(url, n, plan) for n in range(desks)], timeout)
    return sorted(reports, key=lambda r: r["desk"])
