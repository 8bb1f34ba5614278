"""8 HTTP clients and 2 engine processes booking into the same slots at once, on a
SQLite file and on PostgreSQL. Afterwards SPEC §3's invariants hold, nobody saw an
error, and every token a successful answer named exists exactly once (an
idempotent retry under load included)."""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opd_tui.engine import AllocationEngine

from . import _workers
from .server import PG_ENV, Server, private_postgres, start_server
from invariants import check_invariants

# Real uvicorn servers per test worker: a proof for `.ci/run`'s second step, not
# the quick run.
pytestmark = pytest.mark.slow

CLIENTS = 8
ENGINES = 2
REQUESTS_PER_CLIENT = 40
BOOKINGS_PER_ENGINE = 60
SOURCES = ["WALKIN", "ONLINE", "FOLLOWUP", "PAID", "ONLINE", "EMERGENCY"]


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'opd.sqlite3'}"
        return
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    with private_postgres() as url:
        yield url


def _prepare(url: str) -> list[tuple[int, int]]:
    """Two doctors, two small slots each, tomorrow: every desk books into these four."""
    engine = AllocationEngine.open(url)
    day = datetime.combine(datetime.now().date() + timedelta(days=1), datetime.min.time())
    slots = []
    for code in ("CONA", "CONB"):
        doctor = engine.add_doctor(f"Dr {code.title()}", code)
        for k in range(2):
            start = day.replace(hour=9) + timedelta(minutes=30 * k)
            slot = engine.add_slot(doctor.id, start, start + timedelta(minutes=30), 15)
            slots.append((slot.id, doctor.id))
    engine.close()
    return slots


def _http_client(server: Server, number: int, slots: list[tuple[int, int]],
                 start: threading.Barrier, reports: list[dict[str, Any]]) -> None:
    scope = "portal" if number % 4 == 0 else "desk"
    report: dict[str, Any] = {"desk": f"http-{number}", "tokens": [], "cancelled": [],
                              "errors": []}
    rng = random.Random(number)
    mine: list[int] = []
    with server.client(scope) as client:
        start.wait()
        for n in range(REQUESTS_PER_CLIENT):
            slot_id, _ = rng.choice(slots)
            if mine and rng.random() < 0.1:
                r = client.post(f"/tokens/cancel/{mine.pop(rng.randrange(len(mine)))}")
                if r.status_code == 200:
                    report["cancelled"].append(r.json()["token"]["id"])
                else:
                    report["errors"].append(f"cancel {r.status_code}: {r.text}")
                continue
            source = "ONLINE" if scope == "portal" else rng.choice(SOURCES)
            body = {"slotId": slot_id, "patientName": f"Http{number} Patient {n}",
                    "source": source}
            headers = {"Idempotency-Key": str(uuid.uuid4())}
            answers = [client.post("/tokens/book", json=body, headers=headers)]
            if rng.random() < 0.2:  # a portal that timed out and tried again
                answers.append(client.post("/tokens/book", json=body, headers=headers))
            for r in answers:
                if r.status_code != 201:
                    report["errors"].append(f"book {r.status_code}: {r.text}")
            if answers[0].status_code == 201:
                token = answers[0].json()["token"]
                assert all(a.json()["token"] == token for a in answers[1:]
                           if a.status_code == 201), "a retry answered another token"
                report["tokens"].append([token["id"], token["number"]])
                mine.append(token["id"])
    reports.append(report)


@pytest.mark.slow
def test_http_clients_and_engine_processes_book_the_same_slots(
    database: str, tmp_path: Path
) -> None:
    slots = _prepare(database)
    server = start_server(database, tmp_path)
    try:
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(ENGINES)
        results = ctx.Queue()
        processes = [
            ctx.Process(target=_workers.engine_desk,
                        args=(database, n, slots, BOOKINGS_PER_ENGINE, barrier, results),
                        daemon=True)
            for n in range(ENGINES)
        ]
        for p in processes:
            p.start()
        reports: list[dict[str, Any]] = []
        start = threading.Barrier(CLIENTS)
        threads = [threading.Thread(target=_http_client, args=(server, n, slots, start, reports))
                   for n in range(CLIENTS)]
        for t in threads:
            t.start()
        reports.extend(results.get(timeout=180) for _ in processes)
        for t in threads:
            t.join(timeout=180)
        for p in processes:
            p.join(timeout=30)
    finally:
        server.stop()

    assert len(reports) == CLIENTS + ENGINES
    errors = {r["desk"]: r["errors"][:3] for r in reports if r["errors"]}
    assert not errors, f"desks saw errors: {errors}"
    answered = [tuple(t) for r in reports for t in r["tokens"]]
    assert len(answered) >= CLIENTS * REQUESTS_PER_CLIENT * 0.7
    ids = Counter(token_id for token_id, _ in answered)
    assert max(ids.values()) == 1, "one token was answered to two bookings"

    engine = AllocationEngine.open(database)
    try:
        checked = check_invariants(engine)
        assert set(checked.tokens) == set(ids), "tokens in the database differ from the answers"
        for token_id, number in answered:
            assert checked.tokens[token_id].number == number
        cancelled = {i for r in reports for i in r["cancelled"]}
        assert {t for t, tok in checked.tokens.items() if tok.status == "CANCELLED"} == cancelled
    finally:
        engine.close()
