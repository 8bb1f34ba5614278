"""Schema migrations: an older database opened by the current code keeps its data
and works; the migrated schema is exactly the models'; opening is idempotent and
safe when two desks start on a brand-new database at the same moment.
"""

from __future__ import annotations

import json
import multiprocessing
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from opd_tui.db.connect import connect
from opd_tui.db.migrate import current_revision, head_revision, upgrade
from opd_tui.db.schema import Base
from opd_tui.engine import AllocationEngine

import _proc_workers as workers
from invariants import check_invariants

DAY = datetime(2026, 3, 2)
NOW = DAY.replace(hour=8)


def _wipe(url: str) -> None:
    """An empty database: nothing of this run's earlier tests, no alembic_version."""
    if make_url(url).get_backend_name() != "postgresql":
        return  # every SQLite test gets a file of its own
    eng = create_engine(make_url(url))
    with eng.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


def _write_old_day(engine: Engine) -> None:
    """A day as revision 0001 stored it, written with plain SQL: doctor OLD with two
    slots, two tokens filling the first (capacity 2), their events and counter."""
    rows = {
        "doctors": [
            {"id": 1, "name": "Dr Old Timer", "code": "OLD", "department": "Medicine",
             "room": "4", "consult_minutes": 12},
        ],
        "slots": [
            {"id": 1, "doctor_id": 1, "day": DAY.date(), "start": DAY.replace(hour=9),
             "end": DAY.replace(hour=10), "capacity": 2, "closed": False},
            {"id": 2, "doctor_id": 1, "day": DAY.date(), "start": DAY.replace(hour=10),
             "end": DAY.replace(hour=11), "capacity": 2, "closed": False},
        ],
        "doctor_days": [{"doctor_id": 1, "day": DAY.date(), "last_number": 2, "delay_minutes": 0}],
        "tokens": [
            {"id": 1, "number": "OLD-001", "patient_name": "Meena Iyer", "patient_ref": "MRN-7",
             "patient_key": "MRN-7", "source": "PAID", "priority": 2, "status": "BOOKED",
             "slot_id": 1, "doctor_id": 1, "overbooked": False, "created_at": NOW},
            {"id": 2, "number": "OLD-002", "patient_name": "राम प्रसाद",
             "patient_ref": "098765-43210", "patient_key": "098765-43210", "source": "WALKIN",
             "priority": 5, "status": "BOOKED",
             "slot_id": 1, "doctor_id": 1, "overbooked": False, "created_at": NOW},
        ],
    }
    events = [
        ("DOCTOR_ADDED", None, None, {"doctor_id": 1, "code": "OLD"}),
        ("SLOT_ADDED", None, 1, {"doctor_id": 1, "capacity": 2}),
        ("SLOT_ADDED", None, 2, {"doctor_id": 1, "capacity": 2}),
        ("BOOKED", 1, 1, {"status": "BOOKED", "slot_id": 1, "number": "OLD-001"}),
        ("BOOKED", 2, 1, {"status": "BOOKED", "slot_id": 1, "number": "OLD-002"}),
    ]
    with engine.begin() as conn:
        for table, values in rows.items():
            for row in values:
                columns = ", ".join(f'"{c}"' for c in row)
                params = ", ".join(f":{c}" for c in row)
                conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), row)
        for n, (kind, token_id, slot_id, detail) in enumerate(events, start=1):
            conn.execute(
                text("INSERT INTO events (id, at, kind, token_id, slot_id, detail) "
                     "VALUES (:id, :at, :kind, :token_id, :slot_id, :detail)"),
                {"id": n, "at": NOW, "kind": kind, "token_id": token_id, "slot_id": slot_id,
                 "detail": json.dumps(detail)},
            )
        conn.execute(text("UPDATE engine_clock SET now = :now WHERE id = 1"), {"now": NOW})
        if conn.dialect.name == "postgresql":  # ids written by hand: move the sequences on
            for table in ("doctors", "slots", "tokens", "events"):
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                ))


def test_a_database_from_the_first_migration_opens_with_its_data(backend_url: str) -> None:
    _wipe(backend_url)
    old = connect(backend_url)
    upgrade(old, "0001")
    assert current_revision(old) == "0001"
    assert "active" not in {c["name"] for c in inspect(old).get_columns("doctors")}
    _write_old_day(old)
    old.dispose()

    eng = AllocationEngine.open(backend_url)
    try:
        doctor = eng.doctor(1)
        assert (doctor.name, doctor.code, doctor.department, doctor.room,
                doctor.consult_minutes) == ("Dr Old Timer", "OLD", "Medicine", "4", 12)
        assert doctor.active is True  # the column 0002 added, on an existing row
        first = eng.token(1)
        assert (first.number, first.patient_name, first.patient_ref, first.source,
                first.status, first.slot_id, first.seq) == (
            "OLD-001", "Meena Iyer", "MRN7", "PAID", "BOOKED", 1, 1)
        # Rule 23: stored references are migrated to their normal form.
        assert eng.token(2).patient_name == "राम प्रसाद"
        assert eng.token(2).patient_ref == "+919876543210"
        assert [t.id for t in eng.search("9876543210")] == [2]
        view = eng.slot_view(1, now=NOW)
        assert (view.start, view.end, view.capacity, view.occupancy, view.status) == (
            DAY.replace(hour=9), DAY.replace(hour=10), 2, 2, "FULL")
        assert [e.kind for e in eng.events()] == [
            "DOCTOR_ADDED", "SLOT_ADDED", "SLOT_ADDED", "BOOKED", "BOOKED"]
        assert eng.clock(datetime(2000, 1, 1)) == NOW
        check_invariants(eng, NOW)

        # The engine carries on with the old day: numbers continue, rules apply.
        follow_up = eng.book(1, "Kavya Nair", "FOLLOWUP", now=NOW)
        assert (follow_up.number, follow_up.status, follow_up.seq) == ("OLD-003", "BOOKED", 3)
        bumped = eng.token(2)
        assert (bumped.status, bumped.slot_id) == ("BOOKED", 2)  # bumped to the later slot
        assert eng.book(2, "Arun", "ONLINE", now=NOW).number == "OLD-004"
        with pytest.raises(Exception, match="already holds"):
            eng.book(2, "Meena Iyer", "ONLINE", patient_ref="MRN-7", now=NOW)  # rule 15
        check_invariants(eng, NOW)
    finally:
        eng.close()


def _schema_differences(url: str) -> list[object]:
    engine = create_engine(make_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": False})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_models_schema(backend_url: str) -> None:
    _wipe(backend_url)
    AllocationEngine.open(backend_url).close()
    assert _schema_differences(backend_url) == []


def test_upgrading_from_the_first_migration_gives_the_same_schema(backend_url: str) -> None:
    _wipe(backend_url)
    engine = connect(backend_url)
    upgrade(engine, "0001")
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert _schema_differences(backend_url) == []


def test_opening_an_up_to_date_database_changes_nothing(backend_url: str) -> None:
    eng = AllocationEngine.open(backend_url)
    doctor = eng.add_doctor("Dr Twice", "TWICE")
    eng.close()

    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        again = AllocationEngine.open(backend_url)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    try:
        writes = [s for s in statements
                  if s.lstrip().split(None, 1)[0].upper() in ("CREATE", "ALTER", "DROP", "INSERT",
                                                               "UPDATE", "DELETE")]
        assert writes == [], f"opening an up-to-date database wrote: {writes}"
        assert again.doctor(doctor.id).code == "TWICE"
        assert [e.kind for e in again.events()] == ["DOCTOR_ADDED"]
    finally:
        again.close()


@pytest.mark.parametrize(
    "round_", [0, *(pytest.param(n, marks=pytest.mark.slow) for n in (1, 2))])
def test_two_desks_opening_a_new_sqlite_file_at_once_both_succeed(
    tmp_path: Path, round_: int
) -> None:
    url = f"sqlite:///{tmp_path / f'new{round_}.sqlite3'}"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [ctx.Process(target=workers.open_fresh, args=(url, barrier, results), daemon=True)
             for _ in range(2)]
    for p in procs:
        p.start()
    answers = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    failures = [a["error"] for a in answers if not a["ok"]]
    assert not failures, "\n".join(failures)

    engine = create_engine(make_url(url))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
                (head_revision(),)
            ]
            assert conn.execute(text("SELECT count(*) FROM engine_clock")).scalar() == 1
    finally:
        engine.dispose()
    assert _schema_differences(url) == []
    eng = AllocationEngine.open(url)
    try:
        doctor = eng.add_doctor("Dr New", "NEW")
        slot = eng.add_slot(doctor.id, DAY.replace(hour=9), DAY.replace(hour=10), 1)
        assert eng.book(slot.id, "First Patient", "WALKIN", now=NOW).number == "NEW-001"
    finally:
        eng.close()
