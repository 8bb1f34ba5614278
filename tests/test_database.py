"""How the engine sets up its databases (issue 2, "Database").

SQLite: a private file (0600) in the user's data directory unless a URL is
given, WAL, synchronous=NORMAL, foreign keys on, a busy timeout of at least
5 s, writes in BEGIN IMMEDIATE and reads in a plain BEGIN; an in-memory
database shared by every thread. PostgreSQL: READ COMMITTED.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from opd_tui.db.connect import connect, default_url
from opd_tui.engine import AllocationEngine

from invariants import check_invariants

DAY = datetime(2026, 3, 2)
NOW = DAY.replace(hour=8)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _pragmas(dbapi_connection: object) -> dict[str, object]:
    """The settings of one pooled DB-API connection (read outside any transaction)."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    try:
        return {
            name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    finally:
        cursor.close()


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine sends while the test runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        seen.append(statement.strip())

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def test_a_new_database_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "clinic" / "opd.sqlite3"
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        doctor = eng.add_doctor("Dr Private", "PRIV")
        slot = eng.add_slot(doctor.id, DAY.replace(hour=9), DAY.replace(hour=10), 2)
        eng.book(slot.id, "Lakshmi Devi", "WALKIN", now=NOW)
        assert _mode(path) == 0o600
        wal = path.with_name(path.name + "-wal")
        assert wal.exists() and _mode(wal) == 0o600  # the log holds patient names too
    finally:
        eng.close()


def test_sqlite_connections_use_wal_normal_sync_foreign_keys_and_a_busy_timeout(
    tmp_path: Path,
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'opd.sqlite3'}")
    raw = engine.raw_connection()
    try:
        pragmas = _pragmas(raw)
    finally:
        raw.close()
        engine.dispose()
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["synchronous"] == 1  # NORMAL
    assert pragmas["foreign_keys"] == 1
    assert pragmas["busy_timeout"] >= 5000


def test_every_pooled_connection_gets_the_settings(tmp_path: Path) -> None:
    """Not just the first: two connections open at once both have them."""
    engine = connect(f"sqlite:///{tmp_path / 'opd.sqlite3'}")
    one, two = engine.raw_connection(), engine.raw_connection()
    try:
        for raw in (one, two):
            pragmas = _pragmas(raw)
            assert (pragmas["journal_mode"], pragmas["synchronous"], pragmas["foreign_keys"]) == (
                "wal", 1, 1)
            assert pragmas["busy_timeout"] >= 5000
    finally:
        one.close()
        two.close()
        engine.dispose()


def test_writes_begin_immediate_and_reads_begin_deferred(
    tmp_path: Path, statements: list[str]
) -> None:
    eng = AllocationEngine.open(f"sqlite:///{tmp_path / 'opd.sqlite3'}")
    try:
        doctor = eng.add_doctor("Dr Lock", "LOCK")
        slot = eng.add_slot(doctor.id, DAY.replace(hour=9), DAY.replace(hour=10), 2)
        statements.clear()
        eng.book(slot.id, "Farhan Ali", "ONLINE", now=NOW)
        assert statements[0].upper() == "BEGIN IMMEDIATE", statements[:3]
        assert not any(s.upper() == "BEGIN" for s in statements)
        statements.clear()
        eng.slot_view(slot.id, now=NOW)
        assert statements[0].upper() == "BEGIN", statements[:3]
        assert not any("IMMEDIATE" in s.upper() for s in statements)
    finally:
        eng.close()


def test_the_default_database_lives_in_the_user_data_directory() -> None:
    home = Path(os.environ["XDG_DATA_HOME"])  # a temporary directory (tests/conftest.py)
    expected = home / "opd-tui" / "opd.sqlite3"
    assert default_url() == f"sqlite:///{expected}"
    assert not expected.exists()
    eng = AllocationEngine.open()
    try:
        eng.add_doctor("Dr Default", "DFLT")
    finally:
        eng.close()
    assert expected.exists()
    assert _mode(expected) == 0o600
    assert _mode(expected.parent) & 0o077 == 0  # a new directory is private too
    again = AllocationEngine.open()
    try:
        assert [d.code for d in again.doctors()] == ["DFLT"]
    finally:
        again.close()


def test_an_in_memory_database_is_one_database_for_every_thread() -> None:
    eng = AllocationEngine.open("sqlite:///:memory:")
    try:
        doctor = eng.add_doctor("Dr Shared", "SHR")
        slot = eng.add_slot(doctor.id, DAY.replace(hour=9), DAY.replace(hour=10), 40)
        seen_in_worker: dict[str, object] = {}

        def worker() -> None:
            seen_in_worker["doctors"] = [d.code for d in eng.doctors()]
            seen_in_worker["token"] = eng.book(slot.id, "Worker Patient", "PAID", now=NOW)

        t = threading.Thread(target=worker)
        t.start()
        t.join(timeout=30)
        assert seen_in_worker["doctors"] == ["SHR"]  # the main thread's data, seen there
        token = seen_in_worker["token"]
        assert eng.token(token.id).patient_name == "Worker Patient"  # and back here

        # Several threads at once: every booking lands, nothing is over-filled.
        errors: list[BaseException] = []

        def desk(n: int) -> None:
            try:
                for i in range(15):
                    eng.book(slot.id, f"Thread{n} Patient {i}", "WALKIN",
                             now=NOW + timedelta(seconds=i))
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=desk, args=(n,)) for n in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        assert errors == []
        view = eng.slot_view(slot.id, now=NOW)
        assert view.occupancy == 40 and len(view.waitlist) == 1 + 4 * 15 - 40
        check_invariants(eng, NOW)
    finally:
        eng.close()


def test_postgresql_runs_read_committed(pg_url: str) -> None:
    engine = connect(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
            assert conn.get_isolation_level() == "READ COMMITTED"
    finally:
        engine.dispose()
    eng = AllocationEngine.open(pg_url)
    try:
        assert eng.dialect == "postgresql"
    finally:
        eng.close()


def test_an_existing_file_others_can_read_is_made_private_and_said_once(
    tmp_path: Path,
) -> None:
    """A file copied in with 0644 (and its -wal and -shm) is tightened to 0600 on open."""
    path = tmp_path / "opd.sqlite3"
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        assert eng.notices == []  # a new file is private from the start
        eng.add_doctor("Dr Open", "OPEN")
    finally:
        eng.close()
    keeper = sqlite3.connect(path)  # keeps the -wal and -shm files in place
    try:
        keeper.execute("SELECT count(*) FROM doctors").fetchone()
        files = [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))]
        for file in files:
            file.chmod(0o644)
        eng = AllocationEngine.open(f"sqlite:///{path}")
        try:
            assert [_mode(f) for f in files] == [0o600, 0o600, 0o600]
            [notice] = eng.notices
            assert str(path) in notice and "0644 -> 0600" in notice and "\n" not in notice
            assert [d.code for d in eng.doctors()] == ["OPEN"]
        finally:
            eng.close()
    finally:
        keeper.close()
    again = AllocationEngine.open(f"sqlite:///{path}")
    try:
        assert again.notices == []
    finally:
        again.close()


def test_a_patients_live_tokens_are_found_by_the_live_token_index(sqlite_url: str) -> None:
    """Rule 15's check (a live token of this patient with this doctor today) must read
    the index of live tokens, not every token a hospital ever made: on years of
    tokens a booking would otherwise walk, and rewrite, pages of the whole history."""
    eng = AllocationEngine.open(sqlite_url)
    try:
        doctor = eng.add_doctor("Anjali Rao", "RAO")
        start = datetime(2025, 3, 10, 9, 0)
        slot = eng.add_slot(doctor.id, start, start + timedelta(hours=1), 4)
        seen: list[tuple[str, object]] = []

        @event.listens_for(eng._engine, "before_cursor_execute")
        def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
            if "patient_key" in statement and statement.lstrip().upper().startswith("SELECT"):
                seen.append((statement, parameters))

        eng.book(slot.id, "Asha Verma", "ONLINE", "H-100001", now=start)
        eng.book(slot.id, "Ravi Kumar", "WALKIN", "H-100002", now=start)
        assert seen, "the bookings never looked for the patient's live tokens"
        raw = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
        try:
            for statement, parameters in seen:
                plan = " | ".join(row[3] for row in raw.execute(
                    f"EXPLAIN QUERY PLAN {statement}", parameters))
                assert "INDEX ix_tokens_patient_key" in plan, plan
        finally:
            raw.close()
    finally:
        eng.close()
