"""Keys and scopes over HTTP: every endpoint under every scope, what a portal key may
never see, keys made, listed and revoked from the command line, idempotent retries,
and the request log, which never holds a patient's name, phone or reference."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from opd_tui.api.keys import KeyStore
from opd_tui.db import schema
from opd_tui.engine import AllocationEngine

from .server import OPD_TUI, Server, last_event_id, today_day, tomorrow_day

# Real uvicorn servers per test worker: a proof for `.ci/run`'s second step, not
# the quick run.
pytestmark = pytest.mark.slow

NOBODY = 2_147_000_000  # an id no test makes
RANK = {None: 0, "portal": 1, "desk": 2, "admin": 3}
SOON = (datetime.now() + timedelta(days=400)).date().isoformat()

#: (method, path, body, the least scope that may call it); with an id that does not
#: exist, an allowed call is refused for that (404/422) and changes nothing.
ENDPOINTS: list[tuple[str, str, dict[str, object] | None, str | None]] = [
    ("GET", "/health", None, None),
    ("GET", "/board", None, None),
    ("GET", "/doctors", None, "portal"),
    ("GET", f"/doctors/{NOBODY}", None, "portal"),
    ("GET", f"/doctors/{NOBODY}/roster", None, "portal"),
    ("POST", "/doctors", {"name": " "}, "admin"),
    ("PATCH", f"/doctors/{NOBODY}", {"room": "1"}, "admin"),
    ("POST", f"/doctors/{NOBODY}/call-next", None, "desk"),
    ("POST", f"/doctors/{NOBODY}/delay", {"minutes": 5}, "desk"),
    ("POST", f"/doctors/{NOBODY}/reassign", {"toDoctorId": NOBODY - 1}, "desk"),
    ("PUT", f"/doctors/{NOBODY}/roster/0",
     {"sessions": [["09:00", "10:00"]], "slotMinutes": 30, "capacity": 2}, "admin"),
    ("PUT", f"/doctors/{NOBODY}/leave/{SOON}", None, "admin"),
    ("DELETE", f"/doctors/{NOBODY}/leave/{SOON}", None, "admin"),
    ("GET", "/slots", None, "portal"),
    ("GET", f"/slots/{NOBODY}", None, "portal"),
    ("POST", "/slots", {"doctorId": NOBODY, "start": f"{SOON}T09:00",
                        "end": f"{SOON}T10:00", "capacity": 2}, "admin"),
    ("POST", f"/slots/{NOBODY}/capacity", {"capacity": 3}, "desk"),
    ("POST", f"/slots/{NOBODY}/close", None, "desk"),
    ("POST", f"/slots/{NOBODY}/reopen", {"reason": "test"}, "desk"),
    ("POST", "/tokens/book", {"slotId": NOBODY, "patientName": "Nobody",
                              "source": "ONLINE"}, "portal"),
    ("POST", "/tokens/emergency", {"doctorId": NOBODY, "patientName": "Nobody"}, "desk"),
    ("GET", "/tokens", None, "desk"),
    ("POST", f"/tokens/{NOBODY}/check-in", None, "desk"),
    ("POST", f"/tokens/{NOBODY}/no-show", None, "desk"),
    ("POST", f"/tokens/{NOBODY}/complete", None, "desk"),
    ("POST", f"/tokens/{NOBODY}/move", {"slotId": NOBODY}, "desk"),
    ("POST", f"/tokens/{NOBODY}/reinstate", {"reason": "test"}, "desk"),
    ("POST", f"/tokens/{NOBODY}/undo-check-in", {"reason": "test"}, "desk"),
    ("POST", f"/tokens/{NOBODY}/requeue", {"reason": "test"}, "desk"),
    ("GET", "/events?wait=0", None, "desk"),
    ("GET", "/reports/day", None, "desk"),
    ("POST", "/simulate/day", {"doctors": 0}, "admin"),
]


def test_every_endpoint_under_every_scope(server: Server) -> None:
    with server.client("desk") as desk:
        before = last_event_id(desk)
    clients = {scope: server.client(scope) for scope in (None, "portal", "desk", "admin")}
    seen = []
    for method, path, body, needed in ENDPOINTS:
        for scope, client in clients.items():
            r = client.request(method, path, json=body)
            error = r.json().get("error") if r.status_code >= 400 else None
            if needed is not None and scope is None:
                expected = (401, "Unauthorized")
            elif RANK[scope] < RANK[needed]:
                expected = (403, "Forbidden")
            else:
                assert r.status_code not in (401, 403, 500), (method, path, scope, r.text)
                continue
            seen.append((method, path, scope, r.status_code, error))
            assert (r.status_code, error) == expected, (method, path, scope, r.text)
    for client in clients.values():
        client.close()
    with server.client("desk") as desk:
        assert last_event_id(desk) == before  # refusals and not-founds changed nothing
    assert len(seen) > 40


def test_a_key_must_be_valid(server: Server) -> None:
    for header in ("Bearer opd_000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                   f"Bearer {server.keys['admin']}x", "Basic dXNlcjpwYXNz",
                   f"bearer{server.keys['admin']}", "Bearer"):
        with server.client(Authorization=header) as client:
            r = client.get("/doctors")
            assert r.status_code == 401, header
            assert r.json()["error"] == "Unauthorized"
            assert r.headers["www-authenticate"] == "Bearer"


def _second_portal(server: Server) -> str:
    engine = AllocationEngine.open(server.db_url)
    try:
        return KeyStore(engine).create(f"portal-b-{uuid.uuid4().hex[:6]}", "portal")[1]
    finally:
        engine.close()


def test_a_portal_key_never_sees_another_patient(server: Server) -> None:
    other_portal = _second_portal(server)
    with server.client("admin") as admin, server.client("desk") as desk, \
            server.client("portal") as portal, \
            server.client(Authorization=f"Bearer {other_portal}") as other:
        day = today_day(admin, [1, 1])
        slot = day.slot_id(0)
        walkin = desk.post("/tokens/book", json={"slotId": slot, "patientName": "Desk Patient",
                                                 "source": "WALKIN", "patientRef": "MRN-77"})
        walkin_id = walkin.json()["token"]["id"]
        mine = portal.post("/tokens/book", json={"slotId": slot, "patientName": "Portal Patient",
                                                 "source": "online"})
        assert mine.status_code == 201, mine.text
        # The portal's booking bumped the desk's walk-in: it learns the id, nothing more.
        assert mine.json()["status"] == "ALLOCATED_BY_BUMPING"
        assert mine.json()["bumpedToken"] == walkin_id
        mine_id = mine.json()["token"]["id"]
        before = last_event_id(desk)

        assert portal.get(f"/tokens/{mine_id}").status_code == 200
        for r in (portal.get(f"/tokens/{walkin_id}"), portal.post(f"/tokens/cancel/{walkin_id}"),
                  other.get(f"/tokens/{mine_id}"), other.post(f"/tokens/cancel/{mine_id}"),
                  portal.get(f"/tokens/{NOBODY}"), portal.get("/tokens", params={"q": "Desk"}),
                  portal.get("/events", params={"wait": 0}), portal.get("/reports/day"),
                  portal.post(f"/tokens/{mine_id}/check-in"),
                  portal.post("/tokens/emergency", json={"doctorId": day.doctor_id,
                                                         "patientName": "X"}),
                  portal.post("/tokens/book", json={"slotId": slot, "patientName": "Paid",
                                                    "source": "PAID"}),
                  portal.post("/tokens/book", json={"slotId": slot, "patientName": "Hall",
                                                    "source": "ONLINE", "inHall": True})):
            assert r.status_code == 403, (r.request.url, r.text)
            assert "Desk Patient" not in r.text and "MRN" not in r.text
        view = portal.get(f"/slots/{slot}").json()
        assert view["seated"] is None and view["waitlist"] is None
        assert view["occupancy"] == 1
        listed = portal.get("/slots", params={"doctorId": day.doctor_id}).json()
        assert "Desk Patient" not in str(listed) and "Portal Patient" not in str(listed)
        assert last_event_id(desk) == before  # nothing the refusals asked for was done

        cancelled = portal.post(f"/tokens/cancel/{mine_id}")
        assert cancelled.status_code == 200
        assert cancelled.json()["token"]["status"] == "CANCELLED"


def test_keys_from_the_command_line(server: Server) -> None:
    if "postgresql" in server.db_url:
        pytest.skip("the command line's keys are the same code on both databases (the "
                    "server's keys are made on each): once is enough")
    name = f"cli-{uuid.uuid4().hex[:6]}"
    run = [*OPD_TUI, "api-key"]
    made = subprocess.run([*run, "create", name, "--scope", "portal", "--db", server.db_url],
                          capture_output=True, text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("opd_") and "shown only now" in made.stderr
    with server.client(Authorization=f"Bearer {key}") as client:
        assert client.get("/doctors").status_code == 200

        listed = subprocess.run([*OPD_TUI, "--db", server.db_url, "api-key", "list", "--json"],
                                capture_output=True, text=True, timeout=60, check=False)
        assert name in listed.stdout and key not in listed.stdout
        secret = key.split("_", 2)[2]
        sql = create_engine(make_url(server.db_url))
        with sql.connect() as conn:
            rows = [tuple(map(str, r)) for r in conn.execute(select(schema.api_keys)).all()]
        sql.dispose()
        assert rows and not any(secret in cell for row in rows for cell in row)

        revoked = subprocess.run([*run, "revoke", name, "--db", server.db_url],
                                 capture_output=True, text=True, timeout=60, check=False)
        assert revoked.returncode == 0, revoked.stderr
        deadline = time.monotonic() + 5
        while client.get("/doctors").status_code == 200:
            assert time.monotonic() < deadline, "a revoked key still works after 5 s"
            time.sleep(0.2)
        assert client.get("/doctors").json()["error"] == "Unauthorized"


# -- idempotent retries -------------------------------------------------------------


def test_a_retried_booking_books_once(server: Server) -> None:
    with server.client("admin") as admin, server.client("desk") as desk:
        day = tomorrow_day(admin, [3])
        tag = uuid.uuid4().hex[:8]
        name = f"Alpha {tag}"
        body = {"slotId": day.slot_id(), "patientName": name, "source": "ONLINE"}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = desk.post("/tokens/book", json=body, headers=key)
        assert first.status_code == 201
        again = desk.post("/tokens/book", json=body, headers=key)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert len(desk.get("/tokens", params={"q": name}).json()) == 1

        other = desk.post("/tokens/book", json={**body, "patientName": f"Bravo {tag}"},
                          headers=key)
        assert other.status_code == 409 and other.json()["error"] == "IdempotencyConflict"
        assert desk.get("/tokens", params={"q": f"Bravo {tag}"}).json() == []
        # Keys belong to the API key that sent them.
        with server.client("admin") as admin_books:
            separate = admin_books.post("/tokens/book", json=body, headers=key)
        assert separate.status_code == 201
        assert separate.json()["token"]["id"] != first.json()["token"]["id"]

        emergency = {"doctorId": day.doctor_id, "patientName": f"Echo {tag}",
                     "slotId": day.slot_id()}
        e_key = {"Idempotency-Key": str(uuid.uuid4())}
        e1 = desk.post("/tokens/emergency", json=emergency, headers=e_key)
        e2 = desk.post("/tokens/emergency", json=emergency, headers=e_key)
        assert e1.status_code == e2.status_code == 201 and e1.json() == e2.json()
        assert len(desk.get("/tokens", params={"q": f"Echo {tag}"}).json()) == 1

        bad = desk.post("/tokens/book", json=body, headers={"Idempotency-Key": "x" * 300})
        assert bad.status_code == 422 and "Idempotency-Key" in bad.json()["message"]


def test_a_refused_booking_is_refused_again_on_retry(server: Server) -> None:
    with server.client("admin") as admin, server.client("desk") as desk:
        day = today_day(admin, [2, 2])
        desk.post(f"/slots/{day.slot_id()}/close")
        body = {"slotId": day.slot_id(), "patientName": "Closed Out", "source": "PAID"}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = desk.post("/tokens/book", json=body, headers=key)
        assert first.status_code == 409 and first.json()["error"] == "SlotNotBookable"
        desk.post(f"/slots/{day.slot_id()}/reopen", json={"reason": "test"})
        again = desk.post("/tokens/book", json=body, headers=key)
        assert (again.status_code, again.json()) == (409, first.json())
        assert again.headers["idempotent-replayed"] == "true"


def test_retries_racing_each_other_book_once(server: Server) -> None:
    with server.client("admin") as admin:
        day = tomorrow_day(admin, [20])
    name = f"Racer {uuid.uuid4().hex[:8]}"  # the search finds names holding every word
    body = {"slotId": day.slot_id(), "patientName": name, "source": "ONLINE"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    answers: list[tuple[int, dict[str, object]]] = []
    start = threading.Barrier(8)

    def retry() -> None:
        with server.client("portal") as portal:
            start.wait()
            r = portal.post("/tokens/book", json=body, headers=key)
            answers.append((r.status_code, r.json()))

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with server.client("desk") as desk:
        booked = desk.get("/tokens", params={"q": name}).json()
    assert len(booked) == 1
    for status, answer in answers:
        if status == 201:
            assert answer["token"]["id"] == booked[0]["id"]  # type: ignore[index]
        else:
            assert (status, answer["error"]) == (409, "IdempotencyConflict")
    assert any(status == 201 for status, _ in answers)


# -- the request log --------------------------------------------------------------------


def test_the_request_log_holds_no_patient_data(server: Server) -> None:
    name, phone = "Zebulon Quixote", "98111 22233"
    with server.client("admin") as admin, server.client("desk") as desk:
        day = tomorrow_day(admin, [2])
        desk.post("/tokens/book", json={"slotId": day.slot_id(), "patientName": name,
                                        "source": "ONLINE", "patientRef": phone})
        desk.get("/tokens", params={"q": name})
        desk.get("/tokens", params={"q": phone})
        desk.post("/tokens/book", json={"slotId": "bad", "patientName": name,
                                        "patientRef": phone})
        desk.get(f"/{name}/{phone}")
        desk.get("/slots", params={"doctorId": day.doctor_id, "day": name})
        desk.post("/tokens/book", content=f'{{"patientName": "{name}"', headers={
            "content-type": "application/json"})
    time.sleep(0.3)
    log = server.log()
    desk_key = next(k for k in log.split() if k.startswith("key=test-desk-"))
    assert "POST /tokens/book 201 " in log and desk_key in log
    assert "GET /tokens 200 " in log
    assert "GET (unknown path) 404 " in log
    assert "POST /tokens/book 422 " in log
    # The server's log is shared with the other tests of this worker: find this
    # test's booking by its key, not by being first.
    assert any("POST /tokens/book 201 " in x and "ms key=" in x and x.endswith(desk_key)
               for x in log.splitlines())
    for secret in ("Zebulon", "Quixote", "98111", "22233", "9811122233"):
        assert secret not in log
