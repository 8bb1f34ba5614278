"""A desk killed in the middle of its bookings (power cut, kill -9) loses nothing
that was committed and leaves nothing half-done.

A spawned child books (and now and then cancels) as fast as it can on a SQLite
file, or on PostgreSQL, and is killed with SIGKILL at a random moment, five
times over on the same database. After every kill a SQLite file passes `PRAGMA
integrity_check` and `PRAGMA foreign_key_check`, every invariant of SPEC §3
holds when it is reopened (so no booking is half-written: a token without its
event, or a number counted without its token), and booking goes on where it
stopped.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from opd_tui.engine import AllocationEngine

import _proc_workers as workers
from invariants import check_invariants

KILLS = 5


def _last_numbers(eng: AllocationEngine) -> dict[str, int]:
    """The highest token number handed out per doctor code."""
    last: dict[str, int] = {}
    for e in eng.events():
        if e.token_id is not None and "number" in e.detail:
            code, n = e.detail["number"].rsplit("-", 1)
            last[code] = max(last.get(code, 0), int(n))
    return last


@pytest.mark.slow
def test_sigkill_mid_stream_leaves_a_sound_database(backend_url: str) -> None:
    url = backend_url
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
    plan = workers.prepare_day(url, bookings=0, capacity=30)
    ctx = multiprocessing.get_context("spawn")
    rng = random.Random()
    events_before = 0
    for kill in range(1, KILLS + 1):
        ready = ctx.Event()
        committed = ctx.Queue()
        child = ctx.Process(target=workers.stream, args=(url, plan, ready, committed),
                            daemon=True)
        child.start()
        assert ready.wait(timeout=60), "the booking child never started"
        delay = rng.uniform(0.15, 0.9)
        # What the child reports before the kill was committed before it.
        reported: dict[int, str] = {}
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            try:
                token_id, status = committed.get(timeout=left)
            except queue.Empty:
                break
            reported[token_id] = status
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join(timeout=10)
        where = f"kill {kill} after {delay:.3f} s"
        assert child.exitcode == -signal.SIGKILL, f"{where}: the child had stopped by itself"

        if path is not None:
            raw = sqlite3.connect(path)
            try:
                assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)], where
                assert raw.execute("PRAGMA foreign_key_check").fetchall() == [], where
            finally:
                raw.close()

        eng = AllocationEngine.open(url)
        try:
            check_invariants(eng, workers.NOW)
            events = eng.events()
            assert len(events) > events_before, f"{where}: the child booked nothing"
            assert reported, f"{where}: the child reported nothing"
            for token_id, status in reported.items():
                # Committed means kept: the token is there (bumps and promotions
                # may have moved it since), and a cancel stays a cancel.
                found = eng.token(token_id)
                if status == "CANCELLED":
                    assert found.status == "CANCELLED", f"{where}: cancel of {token_id} undone"
            last = _last_numbers(eng)
            # Booking goes on: the next number follows the last committed one.
            slot_id, _doctor_id = plan["slots"][kill % len(plan["slots"])]
            token = eng.book(slot_id, "After The Crash", "PAID", now=workers.NOW)
            code, n = token.number.split("-")
            assert int(n) == last.get(code, 0) + 1, f"{where}: {token.number} after {last}"
            check_invariants(eng, workers.NOW)
            events_before = len(eng.events())
        finally:
            eng.close()
