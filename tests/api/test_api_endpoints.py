"""Every endpoint of SPEC §7 over HTTP, on a real server over a SQLite file and over
PostgreSQL: the seed's paths and answers, a token's whole day, slots, doctors,
events (long polling), the report, the simulation, the board and health."""

from __future__ import annotations

import json
import random
import string
import threading
import time
from datetime import datetime, timedelta

import pytest

from opd_tui.simulation import SimulationConfig, simulate_day

from .server import Server, last_event_id, today_day, tomorrow_day

# Real uvicorn servers per test worker: a proof for `.ci/run`'s second step, not
# the quick run.
pytestmark = pytest.mark.slow


def test_health_and_board_need_no_key(server: Server) -> None:
    with server.client() as anyone:
        health = anyone.get("/health")
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "ok"
        assert body["database"] in ("sqlite", "postgresql")
        assert abs(datetime.fromisoformat(body["clock"]) - datetime.now()) < timedelta(minutes=5)
        assert anyone.get("/board").status_code == 200
        assert anyone.get("/doctors").status_code == 401


def test_openapi_and_docs_show_every_endpoint_with_an_example(server: Server) -> None:
    with server.client() as anyone:
        assert anyone.get("/docs").status_code == 200
        spec = anyone.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/doctors", "/slots", "/tokens/book", "/tokens/cancel/{token_id}",
                 "/simulate/day", "/tokens/emergency", "/tokens/{token_id}/check-in",
                 "/tokens/{token_id}/no-show", "/tokens/{token_id}/move",
                 "/tokens/{token_id}/complete", "/doctors/{doctor_id}/call-next",
                 "/tokens/{token_id}", "/slots/{slot_id}", "/events", "/reports/day",
                 "/board", "/health"):
        assert path in paths, path
    schemas = spec["components"]["schemas"]
    for path, methods in paths.items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
                assert schemas[ref].get("examples"), f"{method} {path}: no request example"
            ok = next(v for k, v in op["responses"].items() if k.startswith("2"))
            shown = ok.get("content", {}).get("application/json", {}).get("schema", {})
            ref = shown.get("$ref") or shown.get("items", {}).get("$ref")
            if ref:
                assert schemas[ref.rsplit("/", 1)[-1]].get("examples"), \
                    f"{method} {path}: no response example"
    # camelCase on the wire, from one alias generator
    assert "patientName" in schemas["BookIn"]["properties"]
    assert "bumpedToken" in schemas["BookingOut"]["properties"]


def test_the_seeds_requests_and_answers(server: Server) -> None:
    with server.client("admin") as admin, server.client("desk") as desk:
        # POST /doctors as the seed sent it: no code, `specialization`.
        surname = "Q" + "".join(random.choices(string.ascii_uppercase, k=4))
        base = f"Dr Anjali {surname.title()}"
        first = admin.post("/doctors", json={"name": base, "specialization": "Cardiology"})
        assert first.status_code == 201, first.text
        second = admin.post("/doctors", json={"name": base, "specialization": "Cardiology"})
        assert first.json()["department"] == "Cardiology"
        assert first.json()["specialization"] == "Cardiology"
        assert first.json()["code"] == surname
        assert second.json()["code"] == surname + "2"
        doctor_id = first.json()["id"]

        # POST /slots as the seed sent it: HH:MM on `day`, maxCapacity.
        day = (datetime.now() + timedelta(days=1)).date()
        r = admin.post("/slots", json={"doctorId": doctor_id, "startTime": "09:00",
                                       "endTime": "09:30", "maxCapacity": 1,
                                       "day": day.isoformat()})
        assert r.status_code == 201, r.text
        slot = r.json()
        assert slot["start"] == f"{day}T09:00:00" and slot["capacity"] == 1
        later = admin.post("/slots", json={"doctorId": doctor_id, "startTime": "09:30",
                                           "endTime": "10:00", "maxCapacity": 1,
                                           "day": day.isoformat()}).json()

        # POST /tokens/book: the client's priority is ignored, doctorId is checked.
        walkin = desk.post("/tokens/book", json={
            "slotId": slot["id"], "patientName": "Walk In", "source": "walkin",
            "priority": 1, "doctorId": doctor_id})
        assert walkin.status_code == 201, walkin.text
        assert walkin.json()["status"] == "ALLOCATED"
        assert walkin.json()["token"]["priority"] == 5
        assert walkin.json()["bumpedToken"] is None
        assert set(walkin.json()["token"]) == {
            "id", "number", "patientName", "patientRef", "source", "priority", "status",
            "slotId", "doctorId", "seq", "overbooked"}
        paid = desk.post("/tokens/book", json={"slotId": slot["id"], "patientName": "Paid One",
                                               "source": "PAID"}).json()
        assert paid["status"] == "ALLOCATED_BY_BUMPING"
        assert paid["bumpedToken"] == walkin.json()["token"]["id"]
        moved = desk.get(f"/tokens/{paid['bumpedToken']}").json()
        assert moved["slotId"] == later["id"] and moved["status"] == "BOOKED"
        waiting = desk.post("/tokens/book", json={"slotId": slot["id"], "patientName": "Late",
                                                  "source": "ONLINE"}).json()
        assert waiting["status"] == "WAITLISTED"
        wrong = desk.post("/tokens/book", json={"slotId": slot["id"], "patientName": "X",
                                                "source": "ONLINE", "doctorId": doctor_id + 1})
        assert wrong.status_code == 422 and "doctorId" in wrong.json()["message"]

        # GET /slots?doctorId=&day=: occupancy, status, waitlist length.
        listed = desk.get("/slots", params={"doctorId": doctor_id, "day": day.isoformat()}).json()
        assert [(s["id"], s["occupancy"], s["waitlisted"], s["status"]) for s in listed] == [
            (slot["id"], 1, 1, "FULL"), (later["id"], 1, 0, "FULL")]

        # POST /tokens/cancel/{tokenId}: the waitlist's head takes the seat.
        cancelled = desk.post(f"/tokens/cancel/{paid['token']['id']}")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "CANCELLED_AND_REALLOCATED"
        assert cancelled.json()["reallocatedToken"] == waiting["token"]["id"]
        assert cancelled.json()["token"]["status"] == "CANCELLED"
        again = desk.post(f"/tokens/cancel/{waiting['token']['id']}").json()
        assert again["status"] == "CANCELLED_NO_WAITLIST" and again["reallocatedToken"] is None


def test_a_token_through_its_day(server: Server) -> None:
    with server.client("admin") as admin, server.client("desk") as desk:
        day = today_day(admin, [2, 2])
        now_slot, later = day.slot_id(0), day.slot_id(1)
        asha = f"Asha {day.doctor['code']}"
        r = desk.post("/tokens/book", json={"slotId": now_slot, "patientName": asha,
                                            "source": "FOLLOWUP", "patientRef": "98765 43210",
                                            "age": 40, "sex": "f"})
        token = r.json()["token"]
        assert token["patientRef"] == "+919876543210"
        detail = desk.get(f"/tokens/{token['id']}").json()
        assert detail["eta"] is not None
        assert desk.post(f"/tokens/{token['id']}/check-in").json()["status"] == "CHECKED_IN"
        undone = desk.post(f"/tokens/{token['id']}/undo-check-in", json={"reason": "mis-key"})
        assert undone.json()["status"] == "BOOKED"
        assert desk.post(f"/tokens/{token['id']}/check-in").json()["status"] == "CHECKED_IN"

        called = desk.post(f"/doctors/{day.doctor_id}/call-next").json()
        assert called["token"]["id"] == token["id"]
        assert called["token"]["status"] == "IN_CONSULTATION"
        board = server.client().get("/board").json()
        row = next(d for d in board["doctors"] if d["doctorCode"] == day.doctor["code"])
        assert row["inConsultation"] == token["number"]
        assert "Asha" not in json.dumps(board)  # numbers only on the hall's screen
        requeued = desk.post(f"/tokens/{token['id']}/requeue", json={"reason": "not there"})
        assert requeued.json()["status"] == "BOOKED"
        desk.post(f"/tokens/{token['id']}/check-in")
        desk.post(f"/doctors/{day.doctor_id}/call-next")
        done = desk.post(f"/tokens/{token['id']}/complete").json()
        assert done["status"] == "COMPLETED"
        assert desk.post(f"/doctors/{day.doctor_id}/call-next").json() == {"token": None}

        absent = desk.post("/tokens/book", json={"slotId": now_slot, "patientName": "Absent",
                                                 "source": "PAID"}).json()["token"]
        assert desk.post(f"/tokens/{absent['id']}/no-show").json()["status"] == "NO_SHOW"
        back = desk.post(f"/tokens/{absent['id']}/reinstate", json={"reason": "came late"})
        assert back.json()["status"] == "BOOKED"
        moved = desk.post(f"/tokens/{absent['id']}/move", json={"slotId": later}).json()
        assert moved["slotId"] == later and moved["number"] == absent["number"]

        emergency = desk.post("/tokens/emergency", json={"doctorId": day.doctor_id,
                                                         "patientName": "Ravi Kumar"})
        assert emergency.status_code == 201, emergency.text
        assert emergency.json()["status"] == "ALLOCATED_EMERGENCY"
        assert emergency.json()["token"]["slotId"] == now_slot
        assert emergency.json()["token"]["source"] == "EMERGENCY"
        # EMERGENCY through the seed's book: rule 2 on the named slot, over capacity.
        second = desk.post("/tokens/book", json={"slotId": now_slot, "patientName": "Urgent",
                                                 "source": "EMERGENCY"}).json()
        assert second["status"] == "ALLOCATED_EMERGENCY"
        assert second["token"]["overbooked"] is True

        found = desk.get("/tokens", params={"q": asha}).json()
        assert [t["id"] for t in found] == [token["id"]]


def test_slot_commands_and_views(server: Server) -> None:
    with server.client("admin") as admin, server.client("desk") as desk:
        day = today_day(admin, [1, 2])
        first, later = day.slot_id(0), day.slot_id(1)
        seated = desk.post("/tokens/book", json={"slotId": first, "patientName": "Seated",
                                                 "source": "PAID"}).json()["token"]
        queued = desk.post("/tokens/book", json={"slotId": first, "patientName": "Queued",
                                                 "source": "WALKIN"}).json()["token"]
        view = desk.get(f"/slots/{first}").json()
        assert [t["id"] for t in view["seated"]] == [seated["id"]]
        assert [t["id"] for t in view["waitlist"]] == [queued["id"]]
        assert view["status"] == "FULL" and view["waitlisted"] == 1

        raised = desk.post(f"/slots/{first}/capacity", json={"capacity": 2})
        assert raised.json()["capacity"] == 2
        assert desk.get(f"/tokens/{queued['id']}").json()["status"] == "BOOKED"
        cut = desk.post(f"/slots/{first}/capacity", json={"capacity": 1})
        assert cut.status_code == 409 and cut.json()["error"] == "CapacityBelowOccupancy"

        closed = desk.post(f"/slots/{first}/close")
        assert closed.status_code == 200, closed.text
        assert desk.get(f"/tokens/{seated['id']}").json()["slotId"] == later
        assert desk.get(f"/slots/{first}").json()["status"] == "CLOSED"
        refused = desk.post("/tokens/book", json={"slotId": first, "patientName": "Too Late",
                                                  "source": "PAID"})
        assert refused.status_code == 409 and refused.json()["error"] == "SlotNotBookable"
        reopened = desk.post(f"/slots/{first}/reopen", json={"reason": "closed by mistake"})
        assert reopened.status_code == 200
        assert desk.get(f"/slots/{first}").json()["bookable"] is True

        delayed = desk.post(f"/doctors/{day.doctor_id}/delay", json={"minutes": 5})
        assert delayed.status_code == 200, delayed.text
        assert [s["id"] for s in delayed.json()] == [later]
        shifted = datetime.fromisoformat(delayed.json()[0]["start"])
        assert shifted == datetime.fromisoformat(day.slots[1]["start"]) + timedelta(minutes=5)


def test_doctors_rosters_leave_and_reassign(server: Server) -> None:
    with server.client("admin") as admin, server.client("desk") as desk, \
            server.client("portal") as portal:
        away = today_day(admin, [2], name="Dr Away")
        cover = today_day(admin, [2], name="Dr Cover")
        patient = desk.post("/tokens/book", json={"slotId": away.slot_id(), "patientName": "P",
                                                  "source": "ONLINE"}).json()["token"]
        moved = desk.post(f"/doctors/{away.doctor_id}/reassign",
                          json={"toDoctorId": cover.doctor_id})
        assert moved.status_code == 200, moved.text
        assert [t["id"] for t in moved.json()] == [patient["id"]]
        assert moved.json()[0]["doctorId"] == cover.doctor_id

        changed = admin.patch(f"/doctors/{away.doctor_id}",
                              json={"room": "14", "consultMinutes": 12, "active": False})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["room"], changed.json()["consultMinutes"],
                changed.json()["active"]) == ("14", 12, False)
        assert portal.get(f"/doctors/{away.doctor_id}").json()["active"] is False
        assert away.doctor_id not in [d["id"] for d in
                                      portal.get("/doctors", params={"activeOnly": True}).json()]
        inactive = desk.post("/tokens/book", json={"slotId": away.slot_id(), "patientName": "Q",
                                                   "source": "ONLINE"})
        assert inactive.status_code == 409 and inactive.json()["error"] == "DoctorInactive"

        roster = admin.put(f"/doctors/{cover.doctor_id}/roster/0",
                           json={"sessions": [["09:00", "13:00"]], "slotMinutes": 30,
                                 "capacity": 6})
        assert roster.status_code == 200, roster.text
        assert roster.json()["sessions"] == [["09:00:00", "13:00:00"]]
        assert desk.get(f"/doctors/{cover.doctor_id}/roster").json() == [roster.json()]
        leave_day = (datetime.now() + timedelta(days=30)).date().isoformat()
        leave = admin.put(f"/doctors/{cover.doctor_id}/leave/{leave_day}")
        assert leave.json() == {"doctorId": cover.doctor_id, "day": leave_day, "onLeave": True}
        back = admin.delete(f"/doctors/{cover.doctor_id}/leave/{leave_day}")
        assert back.json()["onLeave"] is False


def test_events_are_long_polled(server: Server) -> None:
    with server.client("admin") as admin, server.client("desk") as desk:
        day = tomorrow_day(admin, [5])
        last = last_event_id(desk)

        started = time.monotonic()
        quiet = desk.get("/events", params={"after": last + 10_000, "wait": 0.3}).json()
        assert quiet == {"events": [], "last": last + 10_000}
        assert 0.25 < time.monotonic() - started < 5

        answer: dict[str, object] = {}

        def follow() -> None:
            with server.client("desk") as display:
                begun = time.monotonic()
                answer["body"] = display.get("/events", params={"after": last, "wait": 20}).json()
                answer["seconds"] = time.monotonic() - begun

        follower = threading.Thread(target=follow)
        follower.start()
        time.sleep(0.5)  # the follower is waiting by now
        booked = desk.post("/tokens/book", json={"slotId": day.slot_id(), "patientName": "News",
                                                 "source": "ONLINE"}).json()["token"]
        follower.join(timeout=20)
        body = answer["body"]
        assert isinstance(body, dict)
        kinds = [(e["kind"], e["tokenId"]) for e in body["events"]]
        assert ("BOOKED", booked["id"]) in kinds
        assert body["last"] == body["events"][-1]["id"]
        seconds = answer["seconds"]
        assert isinstance(seconds, float)
        assert seconds < 5  # woken by the booking, not by the 20 s timeout
        event = next(e for e in body["events"] if e["tokenId"] == booked["id"])
        assert event["detail"] == {"status": "BOOKED", "slotId": day.slot_id(),
                                   "number": booked["number"]}


def test_day_report_as_json_and_csv(server: Server) -> None:
    with server.client("desk") as desk:
        report = desk.get("/reports/day")
        assert report.status_code == 200, report.text
        body = report.json()
        assert {"day", "doctors", "sources", "total"} <= set(body)
        assert "noShows" in body["total"]
        csv = desk.get("/reports/day", headers={"Accept": "text/csv"})
        assert csv.status_code == 200
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0].startswith("day,group,key,name,tokens")


def test_simulate_day_answers_the_headless_json(server: Server) -> None:
    if "postgresql" in server.db_url:
        pytest.skip("the simulation runs in memory whatever the server's database: once is enough")
    with server.client("admin") as admin:
        r = admin.post("/simulate/day", json={"seed": 5, "doctors": 1})
        assert r.status_code == 200, r.text
        expected = json.loads(simulate_day(SimulationConfig(seed=5, doctors=1)).to_json())
        assert r.json() == expected
        for key in ("doctors", "slotsCreated", "tokensBooked", "emergencies", "cancellations",
                    "noShows", "bumped", "promoted", "waitlistedRemaining", "expired",
                    "overbookedSlots"):
            assert key in r.json()
        too_many = admin.post("/simulate/day", json={"doctors": 5000})
        assert too_many.status_code == 422
