"""Several desks on one database at once (SPEC §3: "under concurrency").

Four spawned processes each book at least 100 patients (every source, some
emergencies, some cancels of their own tokens) into the same four slots of two
doctors, on a SQLite file and on PostgreSQL. Nothing may be lost, doubled or
over-filled, and no desk may see an error: a busy database is waited for.

On PostgreSQL the desks must also never deadlock: each deadlock stalls them
for a second before the engine's retry.

Then why BEGIN IMMEDIATE: two desks are interleaved deterministically (desk A
stops right before its first write, desk B books meanwhile) over the
project's setup and over two naive SQLAlchemy setups on the same file.
tests/benchmarks/bench_begin_immediate.py measures the same under the
four-desk workload.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import event

from opd_tui.engine import AllocationEngine

import _proc_workers as workers
from invariants import check_invariants

DESKS = 4
BOOKINGS_PER_DESK = 110


@pytest.mark.slow
def test_four_desks_lose_nothing_and_never_overfill(backend_url: str) -> None:
    plan = workers.prepare_day(backend_url, BOOKINGS_PER_DESK)
    reports = workers.run_desks(backend_url, "project", plan, desks=DESKS)

    errors = {r["desk"]: r["errors"] for r in reports if r["errors"]}
    assert not errors, f"desks saw errors: {errors}"
    for r in reports:
        answered = len(r["bookings"]) + len(r["cancelled"])
        assert r["requests"] == answered, (
            f"desk {r['desk']}: {r['requests']} asked, {answered} answered")
        assert len(r["bookings"]) == BOOKINGS_PER_DESK
    booked = [b for r in reports for b in r["bookings"]]
    assert len(booked) == DESKS * BOOKINGS_PER_DESK

    # seq is the id, unique; numbers are unique and count 1, 2, 3 ... per doctor.
    seqs = [b["seq"] for b in booked]
    assert all(b["seq"] == b["id"] for b in booked)
    assert len(set(seqs)) == len(seqs)
    numbers = [b["number"] for b in booked]
    assert len(set(numbers)) == len(numbers), "a token number was handed out twice"
    per_doctor: dict[str, list[int]] = defaultdict(list)
    for number in numbers:
        code, n = re.fullmatch(r"([A-Z0-9]+)-(\d{3,})", number).groups()  # type: ignore[union-attr]
        per_doctor[code].append(int(n))
    for code, ns in per_doctor.items():
        assert sorted(ns) == list(range(1, len(ns) + 1)), f"{code} numbers have gaps or repeats"

    eng = AllocationEngine.open(backend_url)
    try:
        check_invariants(eng, workers.NOW)  # capacity, waitlists, replay of the log
        events = eng.events()
        in_database = {e.token_id for e in events if e.token_id is not None}
        assert in_database == {b["id"] for b in booked}, "tokens lost or made up"
        for r in reports:
            for token_id in r["cancelled"]:
                assert eng.token(token_id).status == "CANCELLED"
        # The slots really were contended: full, with waitlists and bumps.
        kinds = {e.kind for e in events}
        assert {"WAITLISTED", "BUMPED", "PROMOTED", "OVERBOOKED"} <= kinds, kinds
    finally:
        eng.close()
    if backend_url.startswith("sqlite"):
        locked = sum(r["locked"] for r in reports)
        assert locked == 0, f"BEGIN IMMEDIATE desks hit 'database is locked' {locked} times"


@pytest.mark.slow
def test_four_desks_racing_for_three_seats_never_overfill(backend_url: str) -> None:
    """The tightest race: no emergencies, no cancels, three seats a slot. Every
    desk's seat count must be read after it holds the slot's lock, never from a
    snapshot taken while it waited for another desk to commit."""
    plan = workers.prepare_day(backend_url, 60, capacity=3)
    plan["emergency_rate"] = 0.0
    plan["cancel_rate"] = 0.0
    plan["sources"] = ["WALKIN", "ONLINE", "FOLLOWUP", "PAID"]
    reports = workers.run_desks(backend_url, "project", plan, desks=DESKS)
    assert not [e for r in reports for e in r["errors"]]
    eng = AllocationEngine.open(backend_url)
    try:
        for slot_id, _doctor in plan["slots"]:
            view = eng.slot_view(slot_id, now=workers.NOW)
            assert view.occupancy <= view.capacity, (
                f"slot {slot_id}: {view.occupancy} seated, capacity {view.capacity}"
            )
        check_invariants(eng, workers.NOW)
    finally:
        eng.close()


@pytest.mark.slow
def test_postgres_desks_never_deadlock(pg_url: str) -> None:
    """Commands lock what they touch in one order, so desks queue instead of
    deadlocking: every deadlock PostgreSQL breaks costs its desks a stall of
    deadlock_timeout (1 s by default) before the engine's retry, however short
    the booking. Emergencies without a slot (the engine picks the current slot)
    and bookings into the same doctor's slots must not lock in opposite orders."""
    plan = workers.prepare_day(pg_url, 40)
    plan["emergency_rate"] = 0.25  # half of them without a slot
    reports = workers.run_desks(pg_url, "project", plan, desks=DESKS)
    assert not [e for r in reports for e in r["errors"]]
    deadlocks = sum(r["deadlocks"] for r in reports)
    seconds = max(r["seconds"] for r in reports)
    assert deadlocks == 0, (
        f"{deadlocks} deadlocks among {DESKS} desks x 40 bookings; "
        f"{DESKS * 40 / seconds:.0f} bookings/s"
    )


@pytest.mark.slow
def test_desks_correcting_and_reassigning_while_others_book(backend_url: str) -> None:
    """Four desks book, cancel, reinstate (rule 21) and hand a doctor's day to the
    other doctor (rule 20) on the same slots at once. No request is lost or fails,
    the invariants hold (the log replays to every token), a cancel that was not
    taken back stays a cancel, a reinstated token is live, and tokens handed over
    keep their numbers (unique per doctor code and day)."""
    plan = workers.prepare_day(backend_url, 50, capacity=8)
    reports = workers.run_clerks(backend_url, plan, desks=DESKS)

    errors = {r["desk"]: r["errors"] for r in reports if r["errors"]}
    assert not errors, f"desks saw errors: {errors}"
    for r in reports:
        assert r["requests"] == r["answers"], f"desk {r['desk']}: a request went unanswered"
    assert sum(len(r["reinstated"]) for r in reports) > 0, "no desk reinstated anyone"
    assert sum(r["reassigned"] for r in reports) > 0, "no reassign moved anyone"
    booked = [b for r in reports for b in r["bookings"]]
    numbers = [b["number"] for b in booked]
    assert len(set(numbers)) == len(numbers), "a token number was handed out twice"

    eng = AllocationEngine.open(backend_url)
    try:
        checked = check_invariants(eng, workers.NOW)
        assert set(checked.tokens) == {b["id"] for b in booked}, "tokens lost or made up"
        for b in booked:  # a reassigned token keeps its number
            assert checked.tokens[b["id"]].number == b["number"]
        for r in reports:
            for token_id in r["cancelled"]:
                assert checked.tokens[token_id].status == "CANCELLED"
            still_reinstated = set(r["reinstated"]) - set(r["cancelled"])
            for token_id in still_reinstated:
                assert checked.tokens[token_id].status in ("BOOKED", "WAITLISTED")
        kinds = {e.kind for e in checked.events}
        assert {"REINSTATED", "REASSIGNED", "WAITLISTED", "PROMOTED"} <= kinds, kinds
        moved_doctor = [t for t in checked.tokens.values()
                        if not t.number.startswith(_code_of(eng, t.doctor_id))]
        assert moved_doctor, "no token sits with the other doctor after reassign"
    finally:
        eng.close()
    if backend_url.startswith("postgresql"):
        deadlocks = sum(r["deadlocks"] for r in reports)
        assert deadlocks == 0, f"{deadlocks} deadlocks between booking and reassigning desks"


def _code_of(eng: AllocationEngine, doctor_id: int) -> str:
    return eng.doctor(doctor_id).code + "-"


# -- why every write starts with BEGIN IMMEDIATE ---------------------------------


def _interleave(url: str, setup: str) -> dict[str, object]:
    """Desk A reads a one-seat slot and stops before its first write; desk B books
    the same slot meanwhile (or waits for A, if A holds the write lock); A goes on."""
    plan = workers.prepare_day(url, 1, capacity=1)
    slot_id = plan["slots"][0][0]
    engines = {name: workers.ENGINE_SETUPS[setup](url) for name in ("A", "B")}
    desks = {}
    for name, engine in engines.items():
        seen = {"locked": 0, "deadlocks": 0}
        workers.count_locked(engine, seen)
        desks[name] = (AllocationEngine(engine), seen)
    locked = {}

    a_is_writing = threading.Event()
    b_finished = threading.Event()
    # Only the project's setup takes the write lock before A's first write, so only
    # there can B be waiting for A: A goes on after a second. In the naive setups B
    # never waits for A, and A waits for B to finish, however long a loaded machine
    # takes (going on earlier would let A commit first and hide what goes wrong).
    b_may_wait_for_a = setup == "project"
    hold_a = 1.0 if b_may_wait_for_a else 60.0

    @event.listens_for(engines["A"], "before_cursor_execute")
    def _stop_before_first_write(conn, cursor, statement, *args) -> None:
        writes = statement.lstrip().upper().startswith(("UPDATE", "INSERT"))
        if writes and not a_is_writing.is_set():
            a_is_writing.set()
            b_finished.wait(timeout=hold_a)

    results: dict[str, object] = {}
    finished_at: dict[str, float] = {}

    def book(name: str) -> None:
        try:
            results[name] = desks[name][0].book(slot_id, f"Patient {name}", "WALKIN",
                                                now=workers.NOW)
        except Exception as error:  # noqa: BLE001 - recorded for the assertions
            results[name] = error
        finished_at[name] = time.perf_counter()

    a = threading.Thread(target=book, args=("A",))
    a.start()
    assert a_is_writing.wait(timeout=60), "desk A never reached its first write"
    b = threading.Thread(target=book, args=("B",))
    b.start()
    b.join(timeout=0.8 if b_may_wait_for_a else hold_a)
    if not b.is_alive():
        b_finished.set()
    a.join(timeout=60)
    b.join(timeout=60)
    for name, (eng, seen) in desks.items():
        locked[name] = seen["locked"]
        eng.close()

    eng = AllocationEngine.open(url)
    try:
        view = eng.slot_view(slot_id, now=workers.NOW)
        try:
            check_invariants(eng, workers.NOW)
            broken = None
        except AssertionError as error:
            broken = str(error)
    finally:
        eng.close()
    return {
        "A": results["A"], "B": results["B"], "locked": locked,
        "seated": [t.patient_name for t in view.seated],
        "waitlist": [t.patient_name for t in view.waitlist],
        "b_waited_for_a": finished_at["B"] > finished_at["A"],
        "broken": broken,
    }


def test_begin_immediate_makes_the_second_desk_wait(tmp_path: Path) -> None:
    """The project's setup: A holds the write lock from its first read, so B waits
    for A, then finds the seat taken and joins the waitlist. No error, no retry."""
    got = _interleave(f"sqlite:///{tmp_path / 'opd.sqlite3'}", "project")
    assert got["b_waited_for_a"]
    assert got["seated"] == ["Patient A"] and got["waitlist"] == ["Patient B"]
    assert got["locked"] == {"A": 0, "B": 0}
    assert got["broken"] is None


def test_sqlalchemy_default_transactions_overfill_a_slot(tmp_path: Path) -> None:
    """SQLAlchemy's default pysqlite setup reads outside any transaction: both desks
    see the free seat and both take it. A one-seat slot ends up with two."""
    got = _interleave(f"sqlite:///{tmp_path / 'opd.sqlite3'}", "sqlalchemy-default")
    assert sorted(got["seated"]) == ["Patient A", "Patient B"], got
    assert got["broken"] and "capacity 1" in str(got["broken"])


def test_deferred_begin_fails_with_database_is_locked(tmp_path: Path) -> None:
    """A plain deferred BEGIN: A's read snapshot is stale once B commits, and its
    first write fails at once with "database is locked" (the busy timeout does not
    help). Only the engine's retry saves the booking here; without it, an error."""
    got = _interleave(f"sqlite:///{tmp_path / 'opd.sqlite3'}", "deferred-begin")
    assert got["locked"]["A"] >= 1, got
    assert got["seated"] == ["Patient B"] and got["waitlist"] == ["Patient A"], got
    assert got["broken"] is None


@pytest.mark.slow
def test_a_desk_following_the_log_misses_no_event(backend_url: str) -> None:
    """Other desks follow `events(after_id)` and move their cursor to the last id they
    saw. That is only sound if no event with a lower id becomes visible later: on
    PostgreSQL ids come from a sequence, taken before commit, so the engine must
    make events visible in id order (SPEC §3: other desks follow the log)."""
    plan = workers.prepare_day(backend_url, BOOKINGS_PER_DESK // 2)
    follower = AllocationEngine.open(backend_url)
    seen: list[int] = []
    done = threading.Event()

    start = follower.last_event_id()

    def follow() -> None:
        cursor = start
        while True:
            finished = done.is_set()  # read before the last poll: it sees every commit
            for e in follower.events(after_id=cursor):
                seen.append(e.id)
                cursor = e.id
            if finished:
                return
            time.sleep(0.001)

    reader = threading.Thread(target=follow)
    reader.start()
    try:
        reports = workers.run_desks(backend_url, "project", plan, desks=DESKS)
    finally:
        done.set()
        reader.join(timeout=60)
    try:
        assert not [r["errors"] for r in reports if r["errors"]]
        logged = [e.id for e in follower.events(after_id=start)]
        missed = sorted(set(logged) - set(seen))
        assert not missed, f"the follower never saw {len(missed)} of {len(logged)} events"
        assert seen == logged, "the follower saw events out of id order"
    finally:
        follower.close()
