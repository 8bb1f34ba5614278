"""Rules 8 and 17-22: the day's end, one clock, inactive and absent doctors,
corrections, and "in the hall means today"."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from opd_tui.domain.enums import TokenStatus
from opd_tui.engine import AllocationEngine
from opd_tui.errors import (
    ClockAhead,
    DoctorInactive,
    DuplicateBooking,
    InvalidInput,
    InvalidTransition,
    NoSeat,
)

from clinic import BEFORE_OPD, DAY, NEXT_DAY, at, make_clinic
from invariants import check_invariants

# -- rule 8: call next takes today's tokens, emergencies at once ---------------


def test_a_patient_left_checked_in_yesterday_is_not_called_today(engine: AllocationEngine) -> None:
    today = make_clinic(engine, 2, code="AR")
    tomorrow = [
        engine.add_slot(today.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 2)
    ]
    yesterday_patient = today.book(0, "PAID", name="Left Waiting")
    engine.check_in(yesterday_patient.id, now=at(9, 5))
    fresh = engine.book(tomorrow[0].id, "Next Morning", "WALKIN", now=at(8, day=NEXT_DAY))
    engine.check_in(fresh.id, now=at(9, 1, day=NEXT_DAY))

    called = engine.call_next(today.doctor.id, now=at(9, 2, day=NEXT_DAY))

    assert called is not None and called.id == fresh.id
    engine.advance(at(9, 3, day=NEXT_DAY))
    assert engine.token(yesterday_patient.id).status == TokenStatus.UNSEEN


def test_without_advance_yesterdays_patient_is_still_never_called(
    engine: AllocationEngine,
) -> None:
    clinic = make_clinic(engine, 2)
    left = clinic.book(0, "PAID")
    engine.check_in(left.id, now=at(9, 5))
    assert engine.call_next(clinic.doctor.id, now=at(9, 0, day=NEXT_DAY)) is None


def test_an_emergency_booked_in_the_lunch_break_is_called_at_once(
    engine: AllocationEngine,
) -> None:
    doctor = engine.add_doctor("Doctor Lunch", "LN")
    engine.add_slot(doctor.id, at(12), at(13), 4)
    afternoon = engine.add_slot(doctor.id, at(14), at(15), 4)
    emergency = engine.emergency(doctor.id, "Chest Pain", now=at(13, 10), in_hall=True)
    assert emergency.slot_id == afternoon.id
    assert emergency.status == TokenStatus.CHECKED_IN

    called = engine.call_next(doctor.id, now=at(13, 11))

    assert called is not None and called.id == emergency.id
    assert called.status == TokenStatus.IN_CONSULTATION


def test_a_checked_in_non_emergency_waits_for_its_slot(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2, 2)
    later = clinic.book(1, "PAID")
    engine.check_in(later.id, now=at(9, 5))
    assert engine.call_next(clinic.doctor.id, now=at(9, 10)) is None
    called = engine.call_next(clinic.doctor.id, now=at(9, 30))
    assert called is not None and called.id == later.id


# -- rule 17: the end of the day ------------------------------------------------


def test_advance_past_midnight_finalises_every_live_token(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 1, 1)
    booked = clinic.book(0, "ONLINE", name="Never Came")
    waiting = clinic.book(0, "WALKIN", name="On Waitlist")
    in_hall = clinic.book(1, "PAID", name="In Hall")
    engine.check_in(in_hall.id, now=at(9))
    with_doctor = engine.emergency(clinic.doctor.id, "With Doctor", clinic.slots[1].id,
                                   now=at(9, 31))
    engine.check_in(with_doctor.id, now=at(9, 31))
    assert engine.call_next(clinic.doctor.id, now=at(9, 32)).id == with_doctor.id
    assert engine.token(waiting.id).status == TokenStatus.WAITLISTED

    events = engine.advance(at(0, 5, day=NEXT_DAY))

    assert {(e.token_id, e.kind) for e in events} >= {
        (booked.id, "NO_SHOW"),
        (in_hall.id, "UNSEEN"),
        (with_doctor.id, "COMPLETED"),
        (waiting.id, "EXPIRED"),
    }
    assert engine.token(booked.id).status == TokenStatus.NO_SHOW
    assert engine.token(in_hall.id).status == TokenStatus.UNSEEN
    assert engine.token(with_doctor.id).status == TokenStatus.COMPLETED
    assert engine.token(waiting.id).status == TokenStatus.EXPIRED
    assert engine.advance(at(0, 6, day=NEXT_DAY)) == []  # idempotent
    check_invariants(engine, now=at(0, 6, day=NEXT_DAY))


def test_finish_day_is_refused_while_a_slot_is_still_to_end(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(1, "ONLINE")
    with pytest.raises(InvalidTransition, match="not over"):
        engine.finish_day(DAY, now=at(9, 45))
    assert engine.token(token.id).status == TokenStatus.BOOKED

    events = engine.finish_day(DAY, now=at(10, 1))

    assert [(e.token_id, e.kind) for e in events] == [(token.id, "NO_SHOW")]
    assert engine.finish_day(DAY, now=at(10, 2)) == []


def test_finish_day_rejects_what_is_not_a_day(engine: AllocationEngine) -> None:
    with pytest.raises(InvalidInput):
        engine.finish_day("garbage")  # type: ignore[arg-type]


# -- rule 18: one clock for the hospital -----------------------------------------


def _future(minutes: int) -> datetime:
    return datetime.now().replace(microsecond=0) + timedelta(minutes=minutes)


def _today_clinic(engine: AllocationEngine):
    """A slot under way on the real clock, lasting long enough to push the clock
    ahead inside it."""
    if datetime.now().time() > time(21, 0):
        pytest.skip("too late in the day for a slot of today that outlasts the test")
    now = datetime.now().replace(second=0, microsecond=0)
    start = max(now - timedelta(hours=1), datetime.combine(now.date(), time(0)))
    end = min(now + timedelta(hours=11), datetime.combine(now.date(), time(23, 59)))
    doctor = engine.add_doctor("Doctor Clock", "CK")
    return doctor, engine.add_slot(doctor.id, start, end, 50)


def test_a_clock_pushed_ahead_is_refused_with_both_times_then_reset(
    backend_engine: AllocationEngine,
) -> None:
    """On PostgreSQL the hospital's clock is the server's `now()`; on SQLite, this
    computer's: both are this machine's clock here."""
    engine = backend_engine
    doctor, slot = _today_clinic(engine)
    pushed = _future(120)
    engine.book(slot.id, "Far Future", "WALKIN", now=pushed)
    before = engine.last_event_id()

    with pytest.raises(ClockAhead) as refused:
        engine.book(slot.id, "Next Patient", "WALKIN")
    for takes_now in (lambda: engine.set_doctor_active(doctor.id, False),
                      lambda: engine.ensure_days(datetime.now().date()),
                      lambda: engine.advance()):
        with pytest.raises(ClockAhead):
            takes_now()

    assert f"{pushed:%Y-%m-%d %H:%M}" in str(refused.value)
    assert f"{datetime.now():%Y-%m-%d}" in str(refused.value)
    assert engine.last_event_id() == before
    assert engine.clock_reading().ahead

    reset_to = engine.reset_clock()

    assert abs(reset_to - datetime.now()) < timedelta(minutes=1)
    reset = engine.events(after_id=before)
    assert [e.kind for e in reset] == ["CLOCK_RESET"]
    token = engine.book(slot.id, "Next Patient", "WALKIN")
    assert token.status == TokenStatus.BOOKED
    assert not engine.clock_reading().ahead


def test_a_small_step_back_is_absorbed(backend_engine: AllocationEngine) -> None:
    engine = backend_engine
    doctor, slot = _today_clinic(engine)
    engine.book(slot.id, "Slightly Ahead", "WALKIN", now=_future(5))
    token = engine.book(slot.id, "Next Patient", "WALKIN")
    assert token.status == TokenStatus.BOOKED


def test_the_hospital_zone_decides_on_postgresql(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OPD_TIMEZONE names the hospital's zone: the server's instant read there."""
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("OPD_TIMEZONE", "Asia/Kolkata")
    with AllocationEngine.open(pg_url) as engine:
        reading = engine.clock_reading()
    kolkata = datetime.now(ZoneInfo("Asia/Kolkata")).replace(tzinfo=None)
    assert abs(reading.reference - kolkata) < timedelta(minutes=1)


def test_setup_commands_are_never_refused_for_the_clock(engine: AllocationEngine) -> None:
    doctor, slot = _today_clinic(engine)
    engine.book(slot.id, "Far Future", "WALKIN", now=_future(120))
    other = engine.add_doctor("Doctor Setup", "SU")
    tomorrow = datetime.combine(datetime.now().date() + timedelta(days=1), time(9))
    engine.add_slot(other.id, tomorrow, tomorrow + timedelta(hours=1), 4)
    added = [e for e in engine.events() if e.kind in ("DOCTOR_ADDED", "SLOT_ADDED")]
    assert added[-1].at >= added[0].at  # stamped with the stored clock: still in order


# -- rule 19: inactive doctors take nothing new ----------------------------------


def test_an_inactive_doctors_slots_take_nothing_new(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2, 2)
    other = make_clinic(engine, 2, code="OT")
    held = clinic.book(0, "ONLINE")
    elsewhere = other.book(0, "ONLINE", name="Elsewhere")
    engine.set_doctor_active(clinic.doctor.id, False, now=BEFORE_OPD)
    before = engine.last_event_id()

    attempts = [
        lambda: clinic.book(1, "PAID"),
        lambda: engine.emergency(clinic.doctor.id, "Em Patient", now=BEFORE_OPD),
        lambda: engine.book_earliest(clinic.doctor.id, "Walk In", now=BEFORE_OPD),
        lambda: engine.move(elsewhere.id, clinic.slots[1].id, now=BEFORE_OPD),
        lambda: engine.set_capacity(clinic.slots[1].id, 5, now=BEFORE_OPD),
        lambda: engine.close_slot(clinic.slots[1].id, now=BEFORE_OPD),
        lambda: engine.delay_doctor(clinic.doctor.id, 15, now=BEFORE_OPD),
    ]
    later_today = lambda: engine.emergency(clinic.doctor.id, "Em Late", now=at(23))  # noqa: E731
    for attempt in [*attempts, later_today]:
        with pytest.raises(DoctorInactive):
            attempt()
    assert engine.last_event_id() == before

    # What the doctor already held goes on: checked in, called.
    engine.check_in(held.id, now=at(9))
    assert engine.call_next(clinic.doctor.id, now=at(9, 1)).id == held.id

    engine.set_doctor_active(clinic.doctor.id, True, now=BEFORE_OPD)
    assert clinic.book(1, "PAID").status == TokenStatus.BOOKED


def test_set_doctor_active_takes_only_a_real_bool(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2)
    engine.set_doctor_active(clinic.doctor.id, False, now=BEFORE_OPD)
    with pytest.raises(InvalidInput):
        engine.set_doctor_active(clinic.doctor.id, "false")  # type: ignore[arg-type]
    assert not engine.doctor(clinic.doctor.id).active


# -- rule 20: an absent doctor's day ---------------------------------------------


def test_reassign_hands_the_day_over_in_priority_order(engine: AllocationEngine) -> None:
    absent = make_clinic(engine, 2, 2, code="AB")
    colleague = make_clinic(engine, 2, 1, code="CO")
    colleague.book(0, "ONLINE", name="Already There")
    walkin = absent.book(0, "WALKIN", name="Walk In")
    paid = absent.book(0, "PAID", name="Paid Patient")
    engine.check_in(paid.id, now=BEFORE_OPD)
    online = absent.book(1, "ONLINE", name="Online One")
    emergency = engine.emergency(absent.doctor.id, "Em Case", absent.slots[1].id, now=BEFORE_OPD)

    moved = engine.reassign(absent.doctor.id, colleague.doctor.id, DAY, now=BEFORE_OPD)

    by_id = {t.id: engine.token(t.id) for t in moved}
    assert set(by_id) == {walkin.id, paid.id, online.id, emergency.id}
    # (priority, seq): the emergency first, then paid, online, walk-in.
    assert [t.id for t in moved] == [emergency.id, paid.id, online.id, walkin.id]
    assert by_id[paid.id].slot_id == colleague.slots[0].id
    assert by_id[paid.id].status == TokenStatus.CHECKED_IN  # keeps its status
    assert by_id[paid.id].number == paid.number  # and its number
    assert by_id[emergency.id].slot_id == colleague.slots[1].id
    # The 09:30 slot (capacity 1) went to the emergency, so the online
    # token finds no seat at or after its start and waits there; the walk-in's own
    # start (09:00) has no seat left either, nor has any later slot.
    assert by_id[online.id].status == TokenStatus.WAITLISTED
    assert by_id[online.id].slot_id == colleague.slots[1].id
    assert by_id[walkin.id].status == TokenStatus.WAITLISTED
    assert by_id[walkin.id].slot_id == colleague.slots[0].id
    assert all(t.doctor_id == colleague.doctor.id for t in by_id.values())
    assert {e.kind for e in engine.events() if e.token_id in by_id} >= {"REASSIGNED"}
    check_invariants(engine, now=BEFORE_OPD)


def test_reassign_to_an_inactive_doctor_is_refused(engine: AllocationEngine) -> None:
    absent = make_clinic(engine, 2, code="AB")
    colleague = make_clinic(engine, 2, code="CO")
    token = absent.book(0, "ONLINE")
    engine.set_doctor_active(colleague.doctor.id, False, now=BEFORE_OPD)
    with pytest.raises(DoctorInactive):
        engine.reassign(absent.doctor.id, colleague.doctor.id, DAY, now=BEFORE_OPD)
    assert engine.token(token.id).doctor_id == absent.doctor.id


def test_reassign_to_a_doctor_without_an_open_slot_is_refused(engine: AllocationEngine) -> None:
    absent = make_clinic(engine, 2, code="AB")
    colleague = make_clinic(engine, 2, code="CO", day=NEXT_DAY)
    absent.book(0, "ONLINE")
    with pytest.raises(NoSeat):
        engine.reassign(absent.doctor.id, colleague.doctor.id, DAY, now=BEFORE_OPD)


# -- rule 21: corrections ----------------------------------------------------------


def test_reinstate_brings_a_cancelled_checked_in_patient_back_in_the_hall(
    engine: AllocationEngine,
) -> None:
    clinic = make_clinic(engine, 2)
    token = clinic.book(0, "ONLINE")
    engine.check_in(token.id, now=at(9))
    engine.cancel(token.id, now=at(9, 1))

    back = engine.reinstate(token.id, "cancelled the wrong patient", now=at(9, 2))

    assert back.status == TokenStatus.CHECKED_IN
    assert (back.number, back.seq, back.slot_id) == (token.number, token.seq, token.slot_id)
    last = engine.events()[-1]
    assert last.kind == "REINSTATED"
    assert last.detail["reason"] == "cancelled the wrong patient"


def test_reinstate_of_an_ended_slot_goes_to_the_next_open_slot_and_can_bump(
    engine: AllocationEngine,
) -> None:
    clinic = make_clinic(engine, 1, 1, 1)
    token = clinic.book(0, "PAID", name="Marked Absent")
    engine.no_show(token.id, now=at(9, 20))
    walkin = clinic.book(1, "WALKIN", name="Walk In", now=at(9, 20))

    back = engine.reinstate(token.id, "was in the hall after all", now=at(9, 35))

    assert back.status == TokenStatus.BOOKED and back.slot_id == clinic.slots[1].id
    assert engine.token(walkin.id).slot_id == clinic.slots[2].id  # bumped on
    check_invariants(engine, now=at(9, 35))


def test_reinstate_is_refused_for_a_live_token_or_a_past_day(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2, 2)
    live = clinic.book(0, "ONLINE")
    with pytest.raises(InvalidTransition):
        engine.reinstate(live.id, "oops", now=at(9))
    gone = clinic.book(1, "ONLINE", name="Cancelled Yesterday")
    engine.cancel(gone.id, now=at(9))
    with pytest.raises(InvalidTransition, match="over"):
        engine.reinstate(gone.id, "too late", now=at(9, day=NEXT_DAY))
    with pytest.raises(InvalidInput):
        engine.reinstate(gone.id, "", now=at(9, 5))
    with pytest.raises(InvalidInput):
        engine.reinstate(gone.id, "x" * 201, now=at(9, 5))


def test_reinstate_respects_one_live_token_per_patient(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2, 2)
    first = clinic.book(0, "ONLINE", ref="9876543210")
    engine.cancel(first.id, now=at(8, 30))
    clinic.book(1, "ONLINE", ref="+91 98765 43210", now=at(8, 31))
    with pytest.raises(DuplicateBooking):
        engine.reinstate(first.id, "oops", now=at(8, 32))


def test_undo_check_in_and_requeue(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2)
    token = clinic.book(0, "ONLINE")
    engine.check_in(token.id, now=at(9))
    assert engine.undo_check_in(token.id, "checked in the wrong patient",
                                now=at(9, 1)).status == TokenStatus.BOOKED
    engine.check_in(token.id, now=at(9, 2))
    assert engine.call_next(clinic.doctor.id, now=at(9, 3)).id == token.id

    requeued = engine.requeue(token.id, "not here when called", now=at(9, 4))

    assert requeued.status == TokenStatus.BOOKED
    assert engine.call_next(clinic.doctor.id, now=at(9, 5)) is None  # must check in again
    engine.check_in(token.id, now=at(9, 6))
    assert engine.call_next(clinic.doctor.id, now=at(9, 7)).id == token.id
    kinds = [e.kind for e in engine.events() if e.token_id == token.id]
    assert "CHECK_IN_UNDONE" in kinds and "REQUEUED" in kinds
    with pytest.raises(InvalidTransition):
        engine.requeue(token.id, "again", now=at(9, 8, day=NEXT_DAY))


def test_reopen_slot(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2, 2)
    moved = clinic.book(0, "ONLINE")
    engine.close_slot(clinic.slots[0].id, now=BEFORE_OPD)
    with pytest.raises(InvalidTransition):
        engine.reopen_slot(clinic.slots[1].id, "not closed", now=BEFORE_OPD)

    engine.reopen_slot(clinic.slots[0].id, "doctor came after all", now=BEFORE_OPD)

    assert engine.slot_view(clinic.slots[0].id, now=BEFORE_OPD).status == "OPEN"
    assert engine.token(moved.id).slot_id == clinic.slots[1].id  # stays where it went
    assert engine.events()[-1].detail["reason"] == "doctor came after all"
    engine.close_slot(clinic.slots[0].id, now=BEFORE_OPD)
    with pytest.raises(InvalidTransition):
        engine.reopen_slot(clinic.slots[0].id, "too late", now=at(9, 30))


# -- rule 22: in the hall means today -------------------------------------------------


def test_in_hall_checks_in_only_a_booking_for_today(engine: AllocationEngine) -> None:
    today = make_clinic(engine, 2, code="TD")
    tomorrow = make_clinic(engine, 2, code="TM", day=NEXT_DAY)
    later = engine.book(tomorrow.slots[0].id, "Comes Tomorrow", "WALKIN", now=at(9),
                        in_hall=True)
    now_ = engine.book(today.slots[0].id, "Here Now", "WALKIN", now=at(9), in_hall=True)
    assert later.status == TokenStatus.BOOKED
    assert now_.status == TokenStatus.CHECKED_IN


# -- rule 23: patients -------------------------------------------------------------------


def test_a_returning_patient_is_found_however_the_phone_is_typed(
    engine: AllocationEngine,
) -> None:
    clinic = make_clinic(engine, 4)
    engine.book(clinic.slots[0].id, "Kiran Ghosh", "ONLINE", patient_ref="+91 98765 43210",
                now=BEFORE_OPD, age=41, sex="f")
    for typed in ("9876543210", "09876543210", "+919876543210"):
        patient = engine.patient(typed)
        assert patient is not None
        assert (patient.ref, patient.name, patient.age, patient.sex) == (
            "+919876543210", "Kiran Ghosh", 41, "F")
    assert engine.patient("H-000001") is None


def test_the_latest_booking_updates_the_patient_and_keeps_what_it_did_not_give(
    engine: AllocationEngine,
) -> None:
    clinic = make_clinic(engine, 4, code="P1")
    other = make_clinic(engine, 4, code="P2")
    clinic.book(0, "ONLINE", name="Kiran Gosh", ref="h-187943")
    engine.book(clinic.slots[0].id, "Second Patient", "ONLINE", patient_ref="h 999",
                now=BEFORE_OPD, age=30)
    engine.book(other.slots[0].id, "Kiran Ghosh", "ONLINE", patient_ref="H187943",
                now=BEFORE_OPD, sex="M")
    patient = engine.patient("h187943")
    assert (patient.ref, patient.name, patient.age, patient.sex) == (
        "H187943", "Kiran Ghosh", None, "M")


def test_age_and_sex_are_validated(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 4)
    for bad in ({"age": 131}, {"age": -1}, {"age": True}, {"sex": "X"}):
        with pytest.raises(InvalidInput):
            engine.book(clinic.slots[0].id, "Bad Input", "ONLINE", patient_ref="9876543210",
                        now=BEFORE_OPD, **bad)
    assert engine.events()[-1].kind == "SLOT_ADDED"


# -- each command reports its own consequences -------------------------------------------


def test_consequences_are_this_threads_own_commands_only(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 1, 1)
    walkin = clinic.book(0, "WALKIN")
    with engine.consequences() as done:
        paid = clinic.book(0, "PAID", name="Paid Patient")
    assert [(e.kind, e.token_id) for e in done] == [("BUMPED", walkin.id), ("BOOKED", paid.id)]
    clinic.book(1, "PAID", name="Outside The Block")
    assert len(done) == 2


def test_a_reassign_preview_shows_where_each_lands_and_changes_nothing(
    engine: AllocationEngine,
) -> None:
    absent = make_clinic(engine, 2, code="AB")
    colleague = make_clinic(engine, 2, code="CO")
    token = absent.book(0, "ONLINE")
    before = engine.last_event_id()

    preview = engine.reassign(absent.doctor.id, colleague.doctor.id, DAY, now=BEFORE_OPD,
                              preview=True)

    assert [(t.id, t.slot_id, t.status) for t in preview] == [
        (token.id, colleague.slots[0].id, TokenStatus.BOOKED)]
    assert engine.token(token.id).slot_id == absent.slots[0].id
    assert engine.last_event_id() == before
    done = engine.reassign(absent.doctor.id, colleague.doctor.id, DAY, now=BEFORE_OPD)
    assert done == preview


def test_a_desk_whose_own_clock_runs_ahead_decides_nothing_on_postgresql(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule 18: on a shared database the server's clock decides, not the desk's."""
    import opd_tui.engine.unit as unit_module

    real = datetime.now()

    class DeskClockAhead(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return datetime.now(tz) + timedelta(hours=3)

    with AllocationEngine.open(pg_url) as engine:
        doctor, slot = _today_clinic(engine)
        monkeypatch.setattr(unit_module, "datetime", DeskClockAhead)
        token = engine.book(slot.id, "From A Fast Desk", "WALKIN")
        monkeypatch.undo()
        booked = [e for e in engine.events() if e.token_id == token.id][0]
    assert abs(booked.at - real) < timedelta(minutes=2)
