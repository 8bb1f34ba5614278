"""A SQLite database that fails under a running desk (SPEC §3 Invariants, §4).

Each fault is made to happen: another process holds the file with BEGIN
EXCLUSIVE, the file can be read but not written, the disk fills up, the file
gets damaged. The desk gets the `DatabaseError` that says so (naming the
database, never a patient), and nothing is half-written.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import event

from opd_tui.db import connect
from opd_tui.engine import AllocationEngine
from opd_tui.errors import (
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseError,
    DatabaseReadOnly,
    DatabaseUnavailable,
)

from invariants import check_invariants

DAY = datetime(2030, 3, 4)
NOW = DAY.replace(hour=8)
SECRET_NAME, SECRET_REF = "Secretname Patient", "9876543210"

_HOLDER = """
import sqlite3, sys
raw = sqlite3.connect(sys.argv[1], isolation_level=None)
raw.execute("BEGIN EXCLUSIVE")
print("holding", flush=True)
sys.stdin.readline()
raw.execute("ROLLBACK")
"""


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A database with one doctor and a slot of 40 seats."""
    path = tmp_path / "opd.sqlite3"
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        doctor = eng.add_doctor("Asha Rao", "RAO")
        eng.add_slot(doctor.id, DAY.replace(hour=9), DAY.replace(hour=12), 40)
        eng.book(1, "Meena Iyer", "WALKIN", now=NOW)
    finally:
        eng.close()
    return path


def _state(path: Path) -> tuple[list[tuple], list[tuple]]:
    """Every token and event in the file, read past the engine."""
    with sqlite3.connect(path) as raw:
        tokens = raw.execute("SELECT id, status, slot_id FROM tokens ORDER BY id").fetchall()
        events = raw.execute("SELECT id, kind, token_id FROM events ORDER BY id").fetchall()
    return tokens, events


def _names_nobody(error: DatabaseError) -> None:
    """No patient in the message, its repr or the traceback shown for it."""
    shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for text in shown:
        assert SECRET_NAME.split()[0] not in text
        assert SECRET_REF not in text
    assert "[SQL" not in shown[2]  # no statement either: the driver's error is not chained


@contextmanager
def held_by_another_process(path: Path) -> Iterator[None]:
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)


# -- busy -----------------------------------------------------------------------------


def test_a_file_locked_by_another_process_is_waited_for_then_busy(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connect, "BUSY_BUDGET_SECONDS", 1.0)
    before = _state(path)
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        with held_by_another_process(path):
            started = time.monotonic()
            with pytest.raises(DatabaseBusy) as caught:
                eng.book(1, SECRET_NAME, "WALKIN", patient_ref=SECRET_REF, now=NOW)
            waited = time.monotonic() - started
            assert 0.9 <= waited < 2.0, waited
            assert f"sqlite:///{path}" in str(caught.value)
            assert "nothing was changed" in str(caught.value)
            _names_nobody(caught.value)
            assert eng.slot_view(1, now=NOW).occupancy == 1  # reads go on beside the lock
        assert _state(path) == before
        assert eng.book(1, "Farhan Ali", "WALKIN", now=NOW).number == "RAO-002"
    finally:
        eng.close()


@pytest.mark.slow
def test_a_locked_file_is_waited_for_fifteen_seconds_in_all(path: Path) -> None:
    """The busy timeout and the retries share one budget (it was 124 s)."""
    before = _state(path)
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        with held_by_another_process(path):
            started = time.monotonic()
            with pytest.raises(DatabaseBusy, match="15 seconds"):
                eng.book(1, "Farhan Ali", "WALKIN", now=NOW)
            waited = time.monotonic() - started
        # The budget is 15 s; a loaded machine may wake the last retry a little late.
        assert 14.0 <= waited <= 18.0, waited
        assert _state(path) == before
    finally:
        eng.close()


# -- read-only --------------------------------------------------------------------------


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """The file cannot be written, by root either (chmod alone does not stop root)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o600)
        return
    path.chmod(0o444)
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True,
                      check=False).returncode:
        pytest.skip("chattr +i is not available here: cannot stop root from writing")
    try:
        with pytest.raises(PermissionError):
            path.open("ab").close()
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o600)


@pytest.mark.parametrize("how", ["uri-mode-ro", "file-not-writable"])
def test_a_read_only_database_refuses_a_booking_and_tells_no_patient(
    path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    # SQLAlchemy logs every statement at INFO: the parameters must not be in it.
    caplog.set_level(logging.INFO, logger="sqlalchemy")
    before = _state(path)
    if how == "uri-mode-ro":
        url, locked = f"sqlite:///file:{path}?mode=ro&uri=true", None
    else:
        url, locked = f"sqlite:///{path}", immutable(path)
    if locked is not None:
        locked.__enter__()
    try:
        eng = AllocationEngine.open(url)
        try:
            assert eng.slot_view(1, now=NOW).occupancy == 1  # it still reads
            with pytest.raises(DatabaseReadOnly) as caught:
                eng.book(1, SECRET_NAME, "WALKIN", patient_ref=SECRET_REF, now=NOW)
        finally:
            eng.close()
    finally:
        if locked is not None:
            locked.__exit__(None, None, None)
    error = caught.value
    assert str(path) in str(error) and "read-only" in str(error)
    _names_nobody(error)
    assert "parameters hidden" in caplog.text  # the log was on, its parameters not
    assert SECRET_NAME.split()[0] not in caplog.text and SECRET_REF not in caplog.text
    assert _state(path) == before


# -- disk full ---------------------------------------------------------------------------


def test_a_full_disk_stops_bookings_whole(path: Path) -> None:
    """The file may not grow (SQLite's max_page_count stands in for the disk)."""
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        with sqlite3.connect(path) as raw:
            pages = raw.execute("PRAGMA page_count").fetchone()[0]

        @event.listens_for(eng._engine, "connect")
        def _small_disk(dbapi_connection, _record) -> None:  # noqa: ANN001
            dbapi_connection.execute(f"PRAGMA max_page_count={pages + 1}")

        eng._engine.dispose()  # every connection from now on has the small disk
        booked = 0
        with pytest.raises(DatabaseUnavailable) as caught:
            for n in range(5000):
                before = _state(path)
                eng.book(1, f"Patient Number{n}", "WALKIN", now=NOW)
                booked += 1
        assert booked > 0
        assert "full" in str(caught.value) and f"sqlite:///{path}" in str(caught.value)
        assert _state(path) == before  # the booking that did not fit left nothing
        check_invariants(eng, NOW)
    finally:
        eng.close()


# -- damaged under a running desk ------------------------------------------------------------


def test_a_file_damaged_under_a_running_desk_is_corrupt_for_reads_and_commands(
    path: Path,
) -> None:
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        with sqlite3.connect(path) as raw:
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            page_size = raw.execute("PRAGMA page_size").fetchone()[0]
            root = raw.execute(
                "SELECT rootpage FROM sqlite_master WHERE name = 'tokens'").fetchone()[0]
        with path.open("r+b") as file:
            file.seek((root - 1) * page_size)
            file.write(b"\xff" * 64)
        eng._engine.dispose()  # no page of it left in a cache
        with pytest.raises(DatabaseCorrupt, match="backup"):
            eng.token(1)
        with pytest.raises(DatabaseCorrupt) as caught:
            eng.book(1, SECRET_NAME, "WALKIN", patient_ref=SECRET_REF, now=NOW)
        assert f"sqlite:///{path}" in str(caught.value)
        _names_nobody(caught.value)
    finally:
        eng.close()


# -- every engine hides parameters --------------------------------------------------------------


def test_every_engine_hides_statement_parameters(tmp_path: Path) -> None:
    for url in ("sqlite:///:memory:", f"sqlite:///{tmp_path / 'opd.sqlite3'}"):
        eng = AllocationEngine.open(url)
        try:
            assert eng._engine.hide_parameters is True
        finally:
            eng.close()
