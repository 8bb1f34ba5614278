"""A PostgreSQL database that goes away under a running desk (SPEC §4).

The server ends the desk's connection (`pg_terminate_backend`, as an
administrator or a restart would): between commands, in the middle of one, at
every try, while committing. The desk either gets its answer on a fresh
connection or a `DatabaseUnavailable` naming the database, never a raw driver
error, and nothing is written twice or half-way. A row lock held elsewhere is
waited for within the busy budget. A refused port is refused at open.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from opd_tui.db import connect
from opd_tui.engine import AllocationEngine
from opd_tui.errors import DatabaseBusy, DatabaseError, DatabaseUnavailable

pytestmark = pytest.mark.postgres

DAY = datetime(2030, 3, 4)
NOW = DAY.replace(hour=8)


@pytest.fixture
def admin(pg_url: str) -> Iterator[Engine]:
    """A connection of the database's administrator, beside the desk's."""
    engine = create_engine(make_url(pg_url), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def desk(pg_url: str) -> Iterator[AllocationEngine]:
    eng = AllocationEngine.open(pg_url)
    doctor = eng.add_doctor("Asha Rao", "RAO")
    eng.add_slot(doctor.id, DAY.replace(hour=9), DAY.replace(hour=12), 40)
    yield eng
    eng.close()


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()


def _state(admin: Engine) -> tuple[list[tuple], list[tuple]]:
    with admin.connect() as conn:
        tokens = conn.execute(text("SELECT id, status, slot_id FROM tokens ORDER BY id")).all()
        events = conn.execute(text("SELECT id, kind, token_id FROM events ORDER BY id")).all()
    return [tuple(r) for r in tokens], [tuple(r) for r in events]


def _kill_on(desk: AllocationEngine, admin: Engine, statement: str, times: int) -> list[int]:
    """End the desk's own connection right before it sends `statement`, `times` times."""
    killed: list[int] = []

    @event.listens_for(desk._engine, "before_cursor_execute")
    def _kill(conn, cursor, sql, parameters, context, executemany) -> None:  # noqa: ANN001
        if sql.startswith(statement) and len(killed) < times:
            pid = conn.connection.driver_connection.info.backend_pid
            killed.append(pid)
            _terminate(admin, pid)

    return killed


def _plain(error: DatabaseError, url: str) -> None:
    """One line naming the database, no password, no driver's text or chain."""
    message = str(error)
    assert make_url(url).render_as_string(hide_password=True) in message
    assert "\n" not in message and "psycopg." not in message and "[SQL" not in message
    shown = "".join(traceback.format_exception(error))
    assert "direct cause" not in shown and "During handling" not in shown


def test_a_connection_ended_between_commands_is_replaced_unseen(
    desk: AllocationEngine, admin: Engine
) -> None:
    with desk._engine.connect() as conn:
        pids = {conn.connection.driver_connection.info.backend_pid}
    with admin.connect() as conn:  # every connection of the desk, pooled or not
        for pid in conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )).scalars():
            pids.add(pid)
    for pid in pids:
        _terminate(admin, pid)
    token = desk.book(1, "Meena Iyer", "WALKIN", now=NOW)
    assert token.number == "RAO-001"
    assert desk.slot_view(1, now=NOW).occupancy == 1


def test_a_connection_ended_mid_command_is_retried_once_and_books_once(
    desk: AllocationEngine, admin: Engine
) -> None:
    killed = _kill_on(desk, admin, "INSERT INTO tokens", times=1)
    token = desk.book(1, "Meena Iyer", "WALKIN", now=NOW)
    assert len(killed) == 1
    assert token.number == "RAO-001"
    tokens, events = _state(admin)
    assert tokens == [(token.id, "BOOKED", 1)]
    assert [kind for _, kind, token_id in events if token_id] == ["BOOKED"]


def test_a_connection_ended_at_every_try_is_unavailable_and_writes_nothing(
    desk: AllocationEngine, admin: Engine, pg_url: str
) -> None:
    before = _state(admin)
    killed = _kill_on(desk, admin, "INSERT INTO tokens", times=100)
    with pytest.raises(DatabaseUnavailable) as caught:
        desk.book(1, "Meena Iyer", "WALKIN", now=NOW)
    assert len(killed) == 2  # the command, and one more try on a fresh connection
    assert "lost" in str(caught.value) and "nothing was changed" in str(caught.value)
    _plain(caught.value, pg_url)
    assert _state(admin) == before


def test_a_connection_ended_while_committing_is_not_tried_again(
    desk: AllocationEngine, admin: Engine, pg_url: str
) -> None:
    """The change may have been made: saying so beats booking the patient twice."""
    before = _state(admin)
    killed: list[int] = []

    @event.listens_for(desk._engine, "commit")
    def _kill(conn) -> None:  # noqa: ANN001
        if not killed:
            pid = conn.connection.driver_connection.info.backend_pid
            killed.append(pid)
            _terminate(admin, pid)

    with pytest.raises(DatabaseUnavailable) as caught:
        desk.book(1, "Meena Iyer", "WALKIN", now=NOW)
    assert len(killed) == 1
    assert "may or may not have been made" in str(caught.value)
    _plain(caught.value, pg_url)
    assert _state(admin) == before  # here it was not: the server ended it first


def test_slot_rows_locked_elsewhere_are_waited_for_within_the_budget(
    desk: AllocationEngine, admin: Engine, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connect, "BUSY_BUDGET_SECONDS", 1.0)
    before = _state(admin)
    holder = create_engine(make_url(pg_url))
    try:
        with holder.begin() as conn:
            conn.execute(text("SELECT id FROM slots FOR UPDATE")).all()
            with pytest.raises(DatabaseBusy) as caught:
                desk.book(1, "Meena Iyer", "WALKIN", now=NOW)
        _plain(caught.value, pg_url)
    finally:
        holder.dispose()
    assert _state(admin) == before
    assert desk.book(1, "Meena Iyer", "WALKIN", now=NOW).number == "RAO-001"


def test_postgres_engines_hide_parameters(desk: AllocationEngine) -> None:
    assert desk._engine.hide_parameters is True
