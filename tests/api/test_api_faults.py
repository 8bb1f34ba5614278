"""Faults, in process (httpx over ASGI, no sockets): a busy or vanished database is a
503 with Retry-After, an unexpected failure a 500 that names nothing of it, and an
idempotent booking that met a busy database books on its retry. Then the real
server over PostgreSQL when its database is taken away."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from opd_tui.api import ApiSettings, create_app
from opd_tui.api.keys import ApiKey, KeyStore, Scope
from opd_tui.api.routes.doctors import code_from_name, unique_code
from opd_tui.db import schema
from opd_tui.engine import AllocationEngine
from opd_tui.errors import (
    ClockAhead,
    DatabaseBusy,
    DatabaseReadOnly,
    DatabaseUnavailable,
    InvalidInput,
    InvalidTransition,
    NotFound,
)

from .server import PG_ENV, drop_postgres, private_postgres, start_server

# Real uvicorn servers per test worker: a proof for `.ci/run`'s second step, not
# the quick run.
pytestmark = pytest.mark.slow

PATIENT = "Ram Prasad +919876543210"


class Desk:
    def __init__(self, engine: AllocationEngine, client: httpx.AsyncClient, slot_id: int,
                 api_key_id: int) -> None:
        self.engine, self.client, self.slot_id, self.api_key_id = (
            engine, client, slot_id, api_key_id)

    def booking(self, name: str = "Asha Devi") -> dict[str, Any]:
        return {"slotId": self.slot_id, "patientName": name, "source": "ONLINE"}


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    engine = AllocationEngine.open(f"sqlite:///{tmp_path / 'opd.sqlite3'}")
    info, key = KeyStore(engine).create("faults-desk", "desk")
    doctor = engine.add_doctor("Dr Fault", "FLT")
    start = datetime.combine(datetime.now().date() + timedelta(days=1), datetime.min.time())
    slot = engine.add_slot(doctor.id, start.replace(hour=9), start.replace(hour=10), 4)
    app = create_app(engine, ApiSettings(advance_seconds=0))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api",
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        yield Desk(engine, client, slot.id, info.id)
    engine.close()


@pytest.mark.parametrize(("fault", "status", "retry_after"), [
    (DatabaseBusy("The database x stayed busy for 15 seconds; nothing was changed."), 503, "2"),
    (DatabaseUnavailable("Cannot reach the database x: the server refused the connection."),
     503, "10"),
    (DatabaseReadOnly("The database x is read-only; nothing was changed."), 503, "10"),
    (ClockAhead("The stored clock 10:40 is ahead of the hospital's clock 10:10."), 409, None),
])
async def test_database_faults_are_answered_in_the_specs_json(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, fault: Exception, status: int,
    retry_after: str | None,
) -> None:
    def failing(*_args: object, **_kwargs: object) -> None:
        raise fault

    monkeypatch.setattr(desk.engine, "book", failing)
    r = await desk.client.post("/tokens/book", json=desk.booking())
    assert r.status_code == status
    assert r.json() == {"error": type(fault).__name__, "message": str(fault)}
    assert r.headers.get("retry-after") == retry_after


async def test_an_unexpected_failure_names_nothing_of_it(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"could not seat {PATIENT}")

    monkeypatch.setattr(desk.engine, "book", broken)
    with caplog.at_level(logging.INFO, logger="opd_tui.api"):
        r = await desk.client.post("/tokens/book", json=desk.booking(PATIENT.split(" +")[0]))
    assert r.status_code == 500
    assert r.json()["error"] == "InternalError"
    assert "Ram" not in r.text and "Traceback" not in r.text
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "RuntimeError" in logged and "POST /tokens/book 500" in logged
    assert "Ram" not in logged and "9876543210" not in logged


async def test_a_booking_that_met_a_busy_database_books_on_its_retry(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_book = desk.engine.book
    calls = {"n": 0}

    def busy_once(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise DatabaseBusy("The database x stayed busy; nothing was changed.")
        return real_book(*args, **kwargs)

    monkeypatch.setattr(desk.engine, "book", busy_once)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await desk.client.post("/tokens/book", json=desk.booking(), headers=key)
    assert first.status_code == 503
    retry = await desk.client.post("/tokens/book", json=desk.booking(), headers=key)
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    replay = await desk.client.post("/tokens/book", json=desk.booking(), headers=key)
    assert replay.json() == retry.json() and replay.headers["idempotent-replayed"] == "true"
    assert calls["n"] == 2


async def test_a_booking_whose_fate_is_unknown_is_not_booked_again(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection was lost while the booking was being saved: it may have been
    made. The retry is told to look it up, and books nothing."""
    def lost(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailable("The connection to the database x was lost while a change "
                                  "was being saved; it may or may not have been made.")

    monkeypatch.setattr(desk.engine, "book", lost)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await desk.client.post("/tokens/book", json=desk.booking(), headers=key)
    assert first.status_code == 503
    retry = await desk.client.post("/tokens/book", json=desk.booking(), headers=key)
    assert retry.status_code == 409 and "look the booking up" in retry.json()["message"]


async def test_a_claim_never_answered_is_not_booked_again(desk: Desk) -> None:
    """The server stopped between booking and storing the answer: a retry must look
    the booking up, never book a second time."""
    from opd_tui.api.idempotency import fingerprint
    from opd_tui.api.schemas import BookIn

    body = desk.booking()
    claimed = {"api_key_id": desk.api_key_id, "key": "cut-off",
               "request_hash": fingerprint("POST", "/tokens/book", BookIn(**body)),
               "status_code": None, "response": None, "created_at": datetime.now()}
    desk.engine.write_own(lambda conn: conn.execute(insert(schema.api_idempotency).values(**claimed)))
    r = await desk.client.post("/tokens/book", json=body, headers={"Idempotency-Key": "cut-off"})
    assert r.status_code == 409 and r.json()["error"] == "IdempotencyConflict"
    assert "look the booking up" in r.json()["message"]
    assert desk.engine.search("Asha") == []


def test_keys_are_named_once_and_revoked_once(tmp_path: Path) -> None:
    engine = AllocationEngine.open(f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    try:
        store = KeyStore(engine)
        info, key = store.create("his-main", "DESK")
        assert info.scope == "desk" and store.authenticate(key) == ApiKey(
            id=info.id, name="his-main", scope=Scope.DESK)
        for name, scope, field in [("his-main", "desk", "name"), ("two words", "desk", "name"),
                                   ("", "desk", "name"), ("x\x1b[31m", "desk", "name"),
                                   ("other", "root", "scope")]:
            with pytest.raises(InvalidInput) as refused:
                store.create(name, scope)
            assert refused.value.field == field
        assert [k.name for k in store.list()] == ["his-main"]
        assert store.revoke("his-main").revoked_at is not None
        with pytest.raises(InvalidTransition):
            store.revoke("his-main")
        with pytest.raises(NotFound):
            store.revoke("nobody")
        assert KeyStore(engine).authenticate(key) is None  # a fresh cache reads the row
        assert store.authenticate(key.replace("_", "-")) is None
    finally:
        engine.close()


def test_doctor_codes_from_names() -> None:
    assert code_from_name("Dr Anjali Rao") == "RAO"
    assert code_from_name("Dr. M. S. Swaminathan") == "SWAMIN"
    assert code_from_name("Prof Zoë Ng") == "NG"
    assert code_from_name("डॉ राम") == "DR"
    assert unique_code("RAO", {"RAO"}) == "RAO2"
    assert unique_code("RAO", {"RAO", "RAO2"}) == "RAO3"
    assert unique_code("SWAMIN", {"SWAMIN"}) == "SWAMI2"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    with private_postgres() as url:
        yield url


def test_the_server_answers_503_when_its_database_is_gone(
    postgres_url: str, tmp_path: Path
) -> None:
    server = start_server(postgres_url, tmp_path)
    try:
        with server.client("desk") as desk:
            assert desk.get("/doctors").status_code == 200
            drop_postgres(postgres_url)
            for r in (desk.get("/health"), desk.get("/doctors"),
                      desk.post("/tokens/book", json={"slotId": 1, "patientName": "Gone",
                                                      "source": "ONLINE"}),
                      desk.get("/board")):
                assert r.status_code == 503, r.text
                assert r.json()["error"] == "DatabaseUnavailable"
                assert int(r.headers["retry-after"]) > 0
                assert "Traceback" not in r.text
    finally:
        server.stop()
    assert "Traceback" not in server.log()
