"""Bad input over HTTP: wrong types, missing fields, huge bodies, unknown ids,
malformed JSON and names holding markup or control characters. Each gets a clear
4xx in SPEC §7's JSON, never a traceback, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .server import Server, last_event_id, tomorrow_day

# Real uvicorn servers per test worker: a proof for `.ci/run`'s second step, not
# the quick run.
pytestmark = pytest.mark.slow

NOBODY = 2_147_000_000


@pytest.fixture
def desk(server: Server) -> Iterator[httpx.Client]:
    with server.client("desk") as client:
        yield client


def _refused(r: httpx.Response, status: int, error: str, *words: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "message"}, body
    assert body["error"] == error, body
    assert "Traceback" not in r.text and 'File "' not in r.text
    for word in words:
        assert word in body["message"], body


def test_wrong_types_and_missing_fields(server: Server, desk: httpx.Client) -> None:
    with server.client("admin") as admin:
        day = tomorrow_day(admin, [2])
    slot = day.slot_id()
    before = last_event_id(desk)
    good = {"slotId": slot, "patientName": "Good Name", "source": "ONLINE"}
    for field, value in [("slotId", str(slot)), ("slotId", float(slot)), ("slotId", True),
                         ("patientName", 123), ("patientName", None), ("source", 5),
                         ("age", "40"), ("inHall", "yes"), ("patientRef", 9876543210),
                         ("sex", ["F"])]:
        _refused(desk.post("/tokens/book", json={**good, field: value}), 422, "InvalidInput",
                 f"{field}:")
    _refused(desk.post("/tokens/book", json={}), 422, "InvalidInput",
             "slotId: required", "patientName: required", "source: required")
    _refused(desk.post("/tokens/book", json=[good]), 422, "InvalidInput")
    _refused(desk.post("/tokens/book", json="slotId"), 422, "InvalidInput")
    _refused(desk.post("/tokens/book"), 422, "InvalidInput", "JSON body is required")
    _refused(desk.post("/tokens/emergency", json={"doctorId": day.doctor_id,
                                                  "patientName": "Extra", "colour": "red"}),
             422, "InvalidInput", "colour: is not a field")
    # Limits of SPEC §4, named as the client spells the field.
    _refused(desk.post("/tokens/book", json={**good, "patientName": "x" * 81}), 422,
             "InvalidInput", "patientName:")
    _refused(desk.post("/tokens/book", json={**good, "age": 200}), 422, "InvalidInput", "age:")
    _refused(desk.post("/tokens/book", json={**good, "source": "VIP"}), 422, "InvalidInput",
             "source:")
    _refused(desk.post("/tokens/book", json={**good, "patientRef": "!!"}), 422, "InvalidInput",
             "patientRef:")
    _refused(desk.post(f"/slots/{slot}/capacity", json={"capacity": 0}), 422, "InvalidInput",
             "capacity:")
    _refused(desk.get("/slots", params={"day": "yesterday"}), 422, "InvalidInput", "day:")
    _refused(desk.get("/events", params={"after": -1, "wait": 0}), 422, "InvalidInput", "after:")
    assert last_event_id(desk) == before


def test_malformed_json_and_huge_bodies(server: Server, desk: httpx.Client) -> None:
    with server.client("admin") as admin:
        day = tomorrow_day(admin, [2])
    before = last_event_id(desk)
    json_headers = {"content-type": "application/json"}
    _refused(desk.post("/tokens/book", content=b'{"slotId": 1,', headers=json_headers), 422,
             "InvalidInput", "not valid JSON")
    _refused(desk.post("/tokens/book", content=b"\xff\xfe{}", headers=json_headers), 422,
             "InvalidInput")
    _refused(desk.post("/tokens/book", content=b"slotId=1", headers={
        "content-type": "application/x-www-form-urlencoded"}), 422, "InvalidInput")

    padding = "x" * (70 * 1024)
    huge = {"slotId": day.slot_id(), "patientName": "Huge", "source": "ONLINE", "pad": padding}
    _refused(desk.post("/tokens/book", json=huge), 413, "PayloadTooLarge", "64 KiB")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"slotId": %d, "patientName": "Huge", "source": "ONLINE", "pad": "' % day.slot_id()
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    _refused(desk.post("/tokens/book", content=chunks(), headers=json_headers), 413,
             "PayloadTooLarge")
    _refused(desk.post("/tokens/book", content=b"x" * (4 * 1024 * 1024), headers=json_headers),
             413, "PayloadTooLarge")
    # Just under the limit is read (and refused for what it says, not its size).
    small = {**huge, "slotId": "one", "pad": "x" * (60 * 1024)}
    _refused(desk.post("/tokens/book", json=small), 422, "InvalidInput", "slotId:")
    assert last_event_id(desk) == before


def test_unknown_ids_paths_and_methods(server: Server, desk: httpx.Client) -> None:
    before = last_event_id(desk)
    _refused(desk.get(f"/tokens/{NOBODY}"), 404, "NotFound", str(NOBODY))
    _refused(desk.get(f"/slots/{NOBODY}"), 404, "NotFound", str(NOBODY))
    _refused(desk.get(f"/doctors/{NOBODY}"), 404, "NotFound", str(NOBODY))
    _refused(desk.get("/slots", params={"doctorId": NOBODY}), 404, "NotFound")
    _refused(desk.post(f"/tokens/cancel/{NOBODY}"), 404, "NotFound")
    _refused(desk.post("/tokens/book", json={"slotId": NOBODY, "patientName": "Nobody",
                                             "source": "ONLINE"}), 404, "NotFound")
    for bad in ("99999999999", "abc", "-1", "0", "1.5"):
        _refused(desk.get(f"/tokens/{bad}"), 422, "InvalidInput")
    _refused(desk.get("/no/such/endpoint"), 404, "NotFound", "/docs")
    _refused(desk.delete("/slots"), 405, "MethodNotAllowed")
    assert last_event_id(desk) == before


@pytest.mark.parametrize("name", ["[bold red]X", "[@click=app.quit]x", "Smith [/b] Jr",
                                  "Rao [/", "<script>alert('x')</script> Devi",
                                  "राम प्रसाद", "Ōno \"Quote\" \\ Back"])
def test_markup_in_a_name_is_kept_literally(server: Server, desk: httpx.Client,
                                            name: str) -> None:
    with server.client("admin") as admin:
        day = tomorrow_day(admin, [5])
    r = desk.post("/tokens/book", json={"slotId": day.slot_id(), "patientName": name,
                                        "source": "WALKIN"})
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    token_id = r.json()["token"]["id"]
    assert r.json()["token"]["patientName"] == name
    assert desk.get(f"/tokens/{token_id}").json()["patientName"] == name
    view = desk.get(f"/slots/{day.slot_id()}").json()
    assert [t["patientName"] for t in view["seated"]] == [name]


@pytest.mark.parametrize("name", ["\x1b[31mRed", "Ram\u202eDevi", "Line\nBreak", "\x00Nul",
                                  "   ", "12345"])
def test_hidden_characters_in_a_name_are_refused(server: Server, desk: httpx.Client,
                                                 name: str) -> None:
    with server.client("admin") as admin:
        day = tomorrow_day(admin, [5])
    before = last_event_id(desk)
    _refused(desk.post("/tokens/book", json={"slotId": day.slot_id(), "patientName": name,
                                             "source": "WALKIN"}), 422, "InvalidInput",
             "patientName:")
    assert last_event_id(desk) == before
