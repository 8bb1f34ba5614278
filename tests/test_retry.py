"""A busy database is waited for and retried, never shown to the desk as an error,
up to the busy budget (15 s in all, SPEC §3); then DatabaseBusy, nothing changed."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime

import pytest
from sqlalchemy import event

from opd_tui.db import connect
from opd_tui.engine import AllocationEngine
from opd_tui.errors import DatabaseBusy

NOW = datetime(2030, 3, 4, 8, 0)


def _fail_token_inserts(eng: AllocationEngine, times: int) -> list[int]:
    """Make the next `times` token inserts fail the way a locked SQLite file does."""
    failures = [0]

    @event.listens_for(eng._engine, "before_cursor_execute")
    def _locked(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.startswith("INSERT INTO tokens") and failures[0] < times:
            failures[0] += 1
            raise sqlite3.OperationalError("database is locked")

    return failures


@pytest.fixture
def desk(sqlite_url: str) -> AllocationEngine:
    eng = AllocationEngine.open(sqlite_url)
    doctor = eng.add_doctor("Asha Rao", "RAO")
    eng.add_slot(doctor.id, datetime(2030, 3, 4, 9), datetime(2030, 3, 4, 10), 2)
    return eng


def test_a_booking_that_meets_a_locked_database_is_retried_and_lands_once(
    desk: AllocationEngine,
) -> None:
    """The receptionist gets the token; the failed attempts left nothing behind."""
    failures = _fail_token_inserts(desk, times=2)
    token = desk.book(1, "Meena Iyer", "WALKIN", now=NOW)
    assert failures[0] == 2
    assert token.number == "RAO-001"
    assert [e.kind for e in desk.events() if e.token_id] == ["BOOKED"]
    assert desk.slot_view(1, now=NOW).occupancy == 1


def test_a_database_busy_through_every_retry_is_reported_and_changes_nothing(
    desk: AllocationEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the budget the desk is told to try again; nothing was written."""
    monkeypatch.setattr(connect, "BUSY_BUDGET_SECONDS", 1.0)
    before = desk.events()
    _fail_token_inserts(desk, times=10_000)
    started = time.monotonic()
    with pytest.raises(DatabaseBusy, match="try again") as caught:
        desk.book(1, "Meena Iyer", "WALKIN", now=NOW)
    assert 0.9 <= time.monotonic() - started < 1.5
    assert desk.url in str(caught.value)
    assert desk.events() == before
    assert desk.slot_view(1, now=NOW).occupancy == 0


def test_every_wait_for_a_lock_fits_in_what_is_left_of_the_budget(
    desk: AllocationEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry late in the budget waits for SQLite's lock only as long as is left."""
    monkeypatch.setattr(connect, "BUSY_BUDGET_SECONDS", 1.0)
    timeouts: list[int] = []

    @event.listens_for(desk._engine, "before_cursor_execute")
    def _locked(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.startswith("INSERT INTO tokens"):
            raw = conn.connection.driver_connection
            timeouts.append(raw.execute("PRAGMA busy_timeout").fetchone()[0])
            raise sqlite3.OperationalError("database is locked")

    with pytest.raises(DatabaseBusy):
        desk.book(1, "Meena Iyer", "WALKIN", now=NOW)
    assert len(timeouts) >= 3
    assert timeouts[0] <= 1000 and timeouts == sorted(timeouts, reverse=True)
    monkeypatch.setattr(connect, "BUSY_BUDGET_SECONDS", 15.0)
    assert desk.slot_view(1, now=NOW).occupancy == 0  # the next command has it all again
    raw = desk._engine.raw_connection()
    try:
        assert raw.driver_connection.execute("PRAGMA busy_timeout").fetchone()[0] == 15_000
    finally:
        raw.close()
