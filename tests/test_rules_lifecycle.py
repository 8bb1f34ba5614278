"""SPEC §3 rules 5-9 and 16, the event log and the clock rule.

Written from the spec, through the public API only. Every command gets an explicit
`now`; the OPD day is Monday 4 March 2030 and the clinic opens at 09:00.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from opd_tui.domain.models import Token
from opd_tui.engine import AllocationEngine
from opd_tui.errors import InvalidTransition, NotFound, OPDError, SlotNotBookable

from clinic import BEFORE_OPD, Clinic, at, make_clinic
from invariants import check_invariants


@pytest.fixture
def clinic(engine: AllocationEngine) -> Clinic:
    """Dr AR with three half-hour slots of three seats from 09:00."""
    return make_clinic(engine, 3, 3, 3)


def drive_to(engine: AllocationEngine, clinic: Clinic, token: Token, status: str) -> datetime:
    """Bring a token of slot 0 to `status` with ordinary commands; returns the time used."""
    now = at(9, 5)
    if status == "BOOKED":
        return BEFORE_OPD
    if status == "WAITLISTED":
        raise AssertionError("book a waitlisted token directly")
    if status == "CANCELLED":
        engine.cancel(token.id, now=now)
    elif status == "NO_SHOW":
        engine.no_show(token.id, now=now)
    elif status == "EXPIRED":
        raise AssertionError("expire a token directly")
    else:
        engine.check_in(token.id, now=now)
        if status in ("IN_CONSULTATION", "COMPLETED"):
            assert engine.call_next(clinic.doctor.id, now=now).id == token.id
        if status == "COMPLETED":
            engine.complete(token.id, now=now)
    assert engine.token(token.id).status == status
    return now


def expired_token(engine: AllocationEngine) -> tuple[Clinic, Token]:
    """A waitlisted patient whose only slot of the day ended: EXPIRED by advance()."""
    clinic = make_clinic(engine, 1, code="EX")
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.advance(at(9, 30))
    assert engine.token(waiting.id).status == "EXPIRED"
    return clinic, waiting


def assert_refused(engine: AllocationEngine, token: Token, action, error=InvalidTransition) -> None:
    """`action()` raises `error`, and neither the token nor the log changed."""
    before_events = engine.events()
    before = engine.token(token.id)
    with pytest.raises(error):
        action()
    assert engine.token(token.id) == before
    assert engine.events() == before_events


# -- rule 5: cancel -----------------------------------------------------------


@pytest.mark.parametrize("status", ["BOOKED", "CHECKED_IN"])
def test_cancelling_a_seated_patient_frees_the_seat(engine, clinic, status):
    """A BOOKED or CHECKED_IN patient can cancel; the slot has one seat more."""
    token = clinic.book(0, "WALKIN")
    now = drive_to(engine, clinic, token, status)
    cancelled = engine.cancel(token.id, now=now)
    assert cancelled.status == "CANCELLED"
    assert engine.token(token.id).status == "CANCELLED"
    assert clinic.view(0, now=now).occupancy == 0


def test_cancelling_a_waitlisted_patient_takes_them_off_the_waitlist(engine):
    """A waiting patient can cancel; the waitlist shrinks and the seated are untouched."""
    clinic = make_clinic(engine, 1)
    seated = clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    assert engine.cancel(waiting.id, now=BEFORE_OPD).status == "CANCELLED"
    view = clinic.view(0)
    assert view.waitlist == []
    assert [t.id for t in view.seated] == [seated.id]


@pytest.mark.parametrize("status", ["IN_CONSULTATION", "COMPLETED", "CANCELLED", "NO_SHOW"])
def test_cancel_is_refused_from_any_other_status(engine, clinic, status):
    """A patient with the doctor, done, cancelled or absent cannot be cancelled."""
    token = clinic.book(0, "WALKIN")
    now = drive_to(engine, clinic, token, status)
    assert_refused(engine, token, lambda: engine.cancel(token.id, now=now))


def test_cancel_is_refused_for_an_expired_token(engine):
    """An EXPIRED token cannot be cancelled."""
    _, token = expired_token(engine)
    assert_refused(engine, token, lambda: engine.cancel(token.id, now=at(9, 30)))


def test_cancel_of_an_unknown_token_is_not_found(engine, clinic):
    """A token id that does not exist is reported as not found."""
    with pytest.raises(NotFound):
        engine.cancel(9999, now=BEFORE_OPD)


# -- rule 6: no-show ----------------------------------------------------------


def test_no_show_once_the_slot_has_started_frees_the_seat(engine, clinic):
    """From the slot's start on, an absent BOOKED patient can be marked NO_SHOW."""
    token = clinic.book(0, "WALKIN")
    result = engine.no_show(token.id, now=at(9))
    assert result.status == "NO_SHOW"
    assert clinic.view(0, now=at(9)).occupancy == 0


def test_no_show_after_the_slot_ended_is_allowed(engine, clinic):
    """A patient who never came can still be marked NO_SHOW after the slot's end."""
    token = clinic.book(0, "WALKIN")
    assert engine.no_show(token.id, now=at(9, 45)).status == "NO_SHOW"


def test_no_show_before_the_slot_starts_is_refused(engine, clinic):
    """Nobody is marked absent before their slot has begun."""
    token = clinic.book(0, "WALKIN")
    assert_refused(engine, token, lambda: engine.no_show(token.id, now=at(8, 59)), OPDError)


@pytest.mark.parametrize("status", ["CHECKED_IN", "IN_CONSULTATION", "COMPLETED", "CANCELLED"])
def test_no_show_is_refused_unless_booked(engine, clinic, status):
    """A patient who checked in, was seen or cancelled is never a no-show."""
    token = clinic.book(0, "WALKIN")
    now = drive_to(engine, clinic, token, status)
    assert_refused(engine, token, lambda: engine.no_show(token.id, now=now))


def test_no_show_is_refused_for_a_waitlisted_patient(engine):
    """A waiting patient holds no seat, so cannot be a no-show."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    assert_refused(engine, waiting, lambda: engine.no_show(waiting.id, now=at(9, 5)))


# -- rule 7: check-in ---------------------------------------------------------


@pytest.mark.parametrize("now", [BEFORE_OPD, at(9, 10), at(11)])
def test_check_in_works_at_any_time(engine, clinic, now):
    """A BOOKED patient can check in early, during or after the slot; the seat stays theirs."""
    token = clinic.book(0, "WALKIN")
    result = engine.check_in(token.id, now=now)
    assert (result.status, result.slot_id) == ("CHECKED_IN", clinic.slots[0].id)
    view = clinic.view(0, now=now)
    assert view.occupancy == 1
    assert [t.id for t in view.seated] == [token.id]


@pytest.mark.parametrize(
    "status", ["CHECKED_IN", "IN_CONSULTATION", "COMPLETED", "CANCELLED", "NO_SHOW"]
)
def test_check_in_is_refused_unless_booked(engine, clinic, status):
    """Only a BOOKED patient can check in."""
    token = clinic.book(0, "WALKIN")
    now = drive_to(engine, clinic, token, status)
    assert_refused(engine, token, lambda: engine.check_in(token.id, now=now))


def test_check_in_is_refused_for_a_waitlisted_patient(engine):
    """A waiting patient has no seat yet, so cannot check in."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    assert_refused(engine, waiting, lambda: engine.check_in(waiting.id, now=BEFORE_OPD))


# -- rule 8: call next --------------------------------------------------------


def test_a_patient_in_the_hall_is_booked_and_checked_in_at_once(engine):
    """The desk's walk-ins and emergencies and the kiosk's tokens: a seat, and waiting."""
    clinic = make_clinic(engine, 1, 1)
    mark = engine.last_event_id()
    walk_in = engine.book(clinic.slots[0].id, "Ravi Kumar", "WALKIN", now=BEFORE_OPD,
                          in_hall=True)
    assert walk_in.status == "CHECKED_IN"
    assert [e.kind for e in engine.events(mark)] == ["BOOKED", "CHECKED_IN"]
    # No seat: waiting on the list, not in the hall's queue.
    waiting = engine.book(clinic.slots[0].id, "Asha Verma", "WALKIN", now=BEFORE_OPD,
                          in_hall=True)
    assert waiting.status == "WAITLISTED"
    emergency = engine.emergency(clinic.doctor.id, "Kiran Rao", slot_id=clinic.slots[0].id,
                                 now=BEFORE_OPD, in_hall=True)
    assert (emergency.status, emergency.overbooked) == ("CHECKED_IN", True)
    kiosk = engine.book_earliest(clinic.doctor.id, "Meena Iyer", now=BEFORE_OPD, in_hall=True)
    assert (kiosk.status, kiosk.slot_id) == ("CHECKED_IN", clinic.slots[1].id)
    check_invariants(engine)
    assert engine.call_next(clinic.doctor.id, now=at(9)).id == emergency.id


def test_call_next_with_nobody_checked_in_returns_none(engine, clinic):
    """Calling with an empty hall returns nothing and changes nothing."""
    clinic.book(0, "WALKIN")
    before = engine.events()
    assert engine.call_next(clinic.doctor.id, now=at(9, 5)) is None
    assert engine.events() == before


def test_call_next_calls_a_checked_in_patient_in(engine, clinic):
    """The doctor's next checked-in patient goes IN_CONSULTATION and is returned."""
    token = clinic.book(0, "WALKIN")
    engine.check_in(token.id, now=at(8, 50))
    called = engine.call_next(clinic.doctor.id, now=at(9, 5))
    assert called is not None
    assert (called.id, called.status) == (token.id, "IN_CONSULTATION")
    assert engine.token(token.id).status == "IN_CONSULTATION"


def test_call_next_completes_the_patient_being_seen(engine, clinic):
    """Calling the next patient completes the one with the doctor; the last call returns none."""
    first = clinic.book(0, "PAID", name="Lakshmi Menon")
    second = clinic.book(0, "WALKIN", name="Sunil Das")
    for token in (first, second):
        engine.check_in(token.id, now=at(8, 50))
    assert engine.call_next(clinic.doctor.id, now=at(9)).id == first.id
    assert engine.call_next(clinic.doctor.id, now=at(9, 10)).id == second.id
    assert engine.token(first.id).status == "COMPLETED"
    assert engine.call_next(clinic.doctor.id, now=at(9, 20)) is None
    assert engine.token(second.id).status == "COMPLETED"


def test_booked_but_not_checked_in_patients_are_not_called(engine, clinic):
    """Only patients present in the hall (checked in) are called."""
    clinic.book(0, "PAID", name="Lakshmi Menon")
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.check_in(walkin.id, now=at(8, 50))
    assert engine.call_next(clinic.doctor.id, now=at(9)).id == walkin.id
    assert engine.call_next(clinic.doctor.id, now=at(9, 10)) is None


def test_patients_of_slots_not_yet_started_are_not_called(engine, clinic):
    """A checked-in patient of the 09:30 slot is not called at 09:10."""
    later = clinic.book(1, "PAID")
    engine.check_in(later.id, now=at(9, 5))
    assert engine.call_next(clinic.doctor.id, now=at(9, 10)) is None
    assert engine.call_next(clinic.doctor.id, now=at(9, 30)).id == later.id


def test_call_order_is_priority_then_arrival_within_a_slot(engine, clinic):
    """Within a slot, PAID is called before FOLLOWUP before WALKIN; ties by arrival."""
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    followup_1 = clinic.book(0, "FOLLOWUP", name="Meena Iyer")
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    for token in (walkin, followup_1, paid):
        engine.check_in(token.id, now=at(8, 50))
    order = [engine.call_next(clinic.doctor.id, now=at(9, m)).id for m in (0, 10, 20)]
    assert order == [paid.id, followup_1.id, walkin.id]


def test_call_order_breaks_equal_priority_by_arrival(engine, clinic):
    """Two ONLINE patients of one slot are called in the order they booked."""
    first = clinic.book(0, "ONLINE", name="Meena Iyer")
    second = clinic.book(0, "ONLINE", name="Sunil Das")
    engine.check_in(second.id, now=at(8, 50))
    engine.check_in(first.id, now=at(8, 55))
    assert engine.call_next(clinic.doctor.id, now=at(9)).id == first.id
    assert engine.call_next(clinic.doctor.id, now=at(9, 10)).id == second.id


def test_earlier_slot_is_called_before_higher_priority_of_a_later_slot(engine, clinic):
    """A 09:00 WALKIN is called before a 09:30 PAID patient once both slots have started."""
    paid_later = clinic.book(1, "PAID", name="Lakshmi Menon")
    walkin_early = clinic.book(0, "WALKIN", name="Sunil Das")
    for token in (paid_later, walkin_early):
        engine.check_in(token.id, now=at(8, 50))
    assert engine.call_next(clinic.doctor.id, now=at(9, 35)).id == walkin_early.id
    assert engine.call_next(clinic.doctor.id, now=at(9, 40)).id == paid_later.id


def test_emergencies_are_called_first_even_from_a_later_slot(engine, clinic):
    """A checked-in emergency of the running slot goes before a waiting earlier-slot patient."""
    walkin_early = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.check_in(walkin_early.id, now=at(8, 50))
    emergency = engine.emergency(
        clinic.doctor.id, "Kiran Rao", slot_id=clinic.slots[1].id, now=at(9, 32)
    )
    engine.check_in(emergency.id, now=at(9, 33))
    assert engine.call_next(clinic.doctor.id, now=at(9, 35)).id == emergency.id
    assert engine.call_next(clinic.doctor.id, now=at(9, 45)).id == walkin_early.id


def test_call_next_is_per_doctor(engine):
    """Calling for one doctor neither calls nor completes another doctor's patients."""
    asha = make_clinic(engine, 2, code="AR")
    bina = make_clinic(engine, 2, code="BK")
    a_first = asha.book(0, "WALKIN", name="Sunil Das")
    b_first = bina.book(0, "WALKIN", name="Meena Iyer")
    b_second = bina.book(0, "WALKIN", name="Ajay Singh")
    for token in (a_first, b_first, b_second):
        engine.check_in(token.id, now=at(8, 50))
    assert engine.call_next(bina.doctor.id, now=at(9)).id == b_first.id
    assert engine.call_next(asha.doctor.id, now=at(9, 5)).id == a_first.id
    assert engine.token(b_first.id).status == "IN_CONSULTATION"
    assert engine.token(b_second.id).status == "CHECKED_IN"


def test_call_next_for_an_unknown_doctor_is_not_found(engine, clinic):
    """A doctor id that does not exist is reported as not found."""
    with pytest.raises(NotFound):
        engine.call_next(9999, now=at(9))


# -- rule 9: complete ---------------------------------------------------------


def test_complete_finishes_a_consultation_and_keeps_the_seat(engine):
    """A completed patient still counts as a seat holder, so nobody is promoted into it."""
    clinic = make_clinic(engine, 1)
    token = clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.check_in(token.id, now=at(9))
    engine.call_next(clinic.doctor.id, now=at(9))
    done = engine.complete(token.id, now=at(9, 10))
    assert done.status == "COMPLETED"
    view = clinic.view(0, now=at(9, 10))
    assert view.occupancy == 1
    assert [t.id for t in view.seated] == [token.id]
    assert engine.token(waiting.id).status == "WAITLISTED"


@pytest.mark.parametrize("status", ["BOOKED", "CHECKED_IN", "COMPLETED", "CANCELLED", "NO_SHOW"])
def test_complete_is_refused_unless_in_consultation(engine, clinic, status):
    """Only the patient with the doctor can be completed."""
    token = clinic.book(0, "WALKIN")
    now = drive_to(engine, clinic, token, status)
    assert_refused(engine, token, lambda: engine.complete(token.id, now=now))


# -- rule 16: estimated time --------------------------------------------------


def test_eta_of_the_first_patient_is_the_slot_start(engine, clinic):
    """Before the slot starts, the first patient in order is expected at the slot's start."""
    token = clinic.book(1, "WALKIN")
    assert engine.eta(token.id, now=BEFORE_OPD) == at(9, 30)


def test_eta_is_never_in_the_past(engine, clinic):
    """Once the slot is running, the first patient's estimate is now, not the slot start."""
    token = clinic.book(0, "WALKIN")
    assert engine.eta(token.id, now=at(9, 12)) == at(9, 12)


def test_eta_follows_consultation_order(engine, clinic):
    """Estimates step by consult_minutes in order: PAID, then ONLINE, then WALKIN."""
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    assert engine.eta(paid.id, now=BEFORE_OPD) == at(9)
    assert engine.eta(online.id, now=BEFORE_OPD) == at(9, 10)
    assert engine.eta(walkin.id, now=BEFORE_OPD) == at(9, 20)


def test_eta_puts_emergencies_first(engine, clinic):
    """An emergency is expected first; everybody else moves back one consultation."""
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    emergency = clinic.book(0, "EMERGENCY", name="Kiran Rao")
    assert engine.eta(emergency.id, now=BEFORE_OPD) == at(9)
    assert engine.eta(paid.id, now=BEFORE_OPD) == at(9, 10)


def test_eta_uses_the_doctors_consult_minutes(engine):
    """A doctor with 15-minute consultations spaces estimates 15 minutes apart."""
    clinic = make_clinic(engine, 3, consult_minutes=15)
    first = clinic.book(0, "PAID", name="Lakshmi Menon")
    second = clinic.book(0, "WALKIN", name="Sunil Das")
    assert engine.eta(first.id, now=BEFORE_OPD) == at(9)
    assert engine.eta(second.id, now=BEFORE_OPD) == at(9, 15)


def test_eta_counts_the_patient_in_consultation_and_not_the_completed(engine, clinic):
    """The patient with the doctor delays everyone by one consultation; finished ones do not."""
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.check_in(paid.id, now=at(9))
    engine.check_in(online.id, now=at(9))
    engine.call_next(clinic.doctor.id, now=at(9, 5))
    assert engine.eta(paid.id, now=at(9, 5)) == at(9, 5)
    assert engine.eta(online.id, now=at(9, 5)) == at(9, 15)
    assert engine.eta(walkin.id, now=at(9, 5)) == at(9, 25)
    engine.complete(paid.id, now=at(9, 14))
    assert engine.eta(online.id, now=at(9, 14)) == at(9, 14)
    assert engine.eta(walkin.id, now=at(9, 14)) == at(9, 24)


def test_eta_ignores_cancelled_patients_and_other_slots(engine, clinic):
    """A cancelled patient ahead, or patients of another slot, do not delay the estimate."""
    ahead = clinic.book(0, "PAID", name="Lakshmi Menon")
    clinic.book(1, "PAID", name="Farah Khan")
    token = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.cancel(ahead.id, now=at(8, 10))
    assert engine.eta(token.id, now=at(8, 10)) == at(9)


def test_eta_is_none_for_patients_without_a_seat_or_done(engine):
    """Waiting, cancelled, completed, absent and expired patients have no estimated time."""
    clinic = make_clinic(engine, 2, 2)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    clinic.book(0, "PAID", name="Farah Khan")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    cancelled = clinic.book(1, "WALKIN", name="Meena Iyer")
    engine.cancel(cancelled.id, now=BEFORE_OPD)
    assert engine.eta(waiting.id, now=BEFORE_OPD) is None
    assert engine.eta(cancelled.id, now=BEFORE_OPD) is None
    done = clinic.book(1, "FOLLOWUP", name="Ajay Singh")
    absent = clinic.book(1, "ONLINE", name="Gita Bose")
    engine.check_in(done.id, now=at(9, 30))
    engine.call_next(clinic.doctor.id, now=at(9, 30))
    engine.complete(done.id, now=at(9, 35))
    engine.no_show(absent.id, now=at(9, 35))
    assert engine.eta(done.id, now=at(9, 35)) is None
    assert engine.eta(absent.id, now=at(9, 35)) is None


def test_eta_is_none_for_an_expired_token(engine):
    """An expired patient has no estimated time."""
    _, token = expired_token(engine)
    assert engine.eta(token.id, now=at(9, 30)) is None


def test_eta_of_an_unknown_token_is_not_found(engine, clinic):
    """Asking for the estimate of a token that does not exist is reported as not found."""
    with pytest.raises(NotFound):
        engine.eta(9999, now=BEFORE_OPD)


# -- events -------------------------------------------------------------------


def new_events(engine: AllocationEngine, mark: int):
    return [
        (e.kind, e.token_id, e.detail.get("status"), e.detail.get("slot_id"))
        for e in engine.events(mark)
    ]


def test_each_step_of_a_visit_appends_one_event_with_status_and_slot(engine, clinic):
    """Book, check in, call and complete each log one event holding the new status and slot."""
    slot_id = clinic.slots[0].id
    mark = engine.events()[-1].id
    token = clinic.book(0, "WALKIN")
    assert new_events(engine, mark) == [("BOOKED", token.id, "BOOKED", slot_id)]
    mark = engine.events()[-1].id
    engine.check_in(token.id, now=at(8, 50))
    assert new_events(engine, mark) == [("CHECKED_IN", token.id, "CHECKED_IN", slot_id)]
    mark = engine.events()[-1].id
    engine.call_next(clinic.doctor.id, now=at(9))
    assert new_events(engine, mark) == [("CALLED", token.id, "IN_CONSULTATION", slot_id)]
    mark = engine.events()[-1].id
    engine.complete(token.id, now=at(9, 10))
    assert new_events(engine, mark) == [("COMPLETED", token.id, "COMPLETED", slot_id)]


def test_call_next_logs_the_completion_and_the_call(engine, clinic):
    """Calling the next patient logs COMPLETED for the previous one, then CALLED."""
    first = clinic.book(0, "PAID", name="Lakshmi Menon")
    second = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.check_in(first.id, now=at(8, 50))
    engine.check_in(second.id, now=at(8, 50))
    engine.call_next(clinic.doctor.id, now=at(9))
    mark = engine.events()[-1].id
    engine.call_next(clinic.doctor.id, now=at(9, 10))
    slot_id = clinic.slots[0].id
    assert new_events(engine, mark) == [
        ("COMPLETED", first.id, "COMPLETED", slot_id),
        ("CALLED", second.id, "IN_CONSULTATION", slot_id),
    ]


def test_waitlisting_cancel_and_no_show_are_logged(engine):
    """WAITLISTED, CANCELLED and NO_SHOW each log one event for the token."""
    clinic = make_clinic(engine, 1, 1)
    slot_id = clinic.slots[0].id
    seated = clinic.book(0, "PAID", name="Lakshmi Menon")
    mark = engine.events()[-1].id
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    assert new_events(engine, mark) == [("WAITLISTED", waiting.id, "WAITLISTED", slot_id)]
    mark = engine.events()[-1].id
    engine.cancel(waiting.id, now=at(8, 10))
    assert new_events(engine, mark) == [("CANCELLED", waiting.id, "CANCELLED", slot_id)]
    mark = engine.events()[-1].id
    engine.no_show(seated.id, now=at(9, 5))
    assert new_events(engine, mark) == [("NO_SHOW", seated.id, "NO_SHOW", slot_id)]


def test_expiry_is_logged(engine):
    """A waitlisted token that expires at the end of the day logs EXPIRED."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    mark = engine.events()[-1].id
    returned = engine.advance(at(9, 30))
    assert new_events(engine, mark) == [("EXPIRED", waiting.id, "EXPIRED", clinic.slots[0].id)]
    assert [e.id for e in returned] == [e.id for e in engine.events(mark)]


def test_overbooked_is_logged_once_per_crossing(engine):
    """Going over capacity logs OVERBOOKED once; only a new crossing logs it again."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "WALKIN", name="Sunil Das")

    def overbooked_count() -> int:
        return sum(1 for e in engine.events() if e.kind == "OVERBOOKED")

    first = clinic.book(0, "EMERGENCY", name="Kiran Rao")
    assert overbooked_count() == 1
    [event] = [e for e in engine.events() if e.kind == "OVERBOOKED"]
    assert event.slot_id == clinic.slots[0].id
    second = clinic.book(0, "EMERGENCY", name="Latha Nair")
    assert overbooked_count() == 1
    engine.cancel(first.id, now=at(8, 10))
    assert overbooked_count() == 1
    engine.cancel(second.id, now=at(8, 20))
    assert clinic.view(0, now=at(8, 20)).status == "FULL"
    clinic.book(0, "EMERGENCY", name="Mohan Pillai", now=at(8, 30))
    assert overbooked_count() == 2


def test_slot_and_doctor_changes_are_logged(engine):
    """Adding a doctor or slot, changing capacity, closing and delaying each log their event."""
    doctor = engine.add_doctor("Asha Rao", "AR")
    first = engine.add_slot(doctor.id, at(9), at(9, 30), 2)
    second = engine.add_slot(doctor.id, at(9, 30), at(10), 2)
    engine.set_capacity(first.id, 3, now=BEFORE_OPD)
    engine.close_slot(first.id, now=at(8, 10))
    engine.delay_doctor(doctor.id, 15, now=at(8, 20))
    events = engine.events()
    assert [e.kind for e in events[:5]] == [
        "DOCTOR_ADDED", "SLOT_ADDED", "SLOT_ADDED", "CAPACITY_CHANGED", "SLOT_CLOSED",
    ]
    delayed = events[5:]
    assert delayed, "the delay was not logged"
    assert all(e.kind == "DOCTOR_DELAYED" for e in delayed)
    assert [e.slot_id for e in events[1:5]] == [first.id, second.id, first.id, first.id]
    assert events[3].detail.get("capacity") == 3


def test_events_after_an_id_returns_only_later_events_in_order(engine, clinic):
    """A desk polling with the last id it saw gets exactly the newer events, oldest first."""
    first = clinic.book(0, "WALKIN", name="Sunil Das")
    mark = engine.events()[-1].id
    second = clinic.book(0, "WALKIN", name="Meena Iyer")
    engine.check_in(first.id, now=at(8, 10))
    later = engine.events(mark)
    assert [(e.kind, e.token_id) for e in later] == [
        ("BOOKED", second.id),
        ("CHECKED_IN", first.id),
    ]
    assert all(e.id > mark for e in later)
    ids = [e.id for e in engine.events()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert engine.events(later[-1].id) == []


def test_a_refused_command_logs_nothing(engine, clinic):
    """A refused command leaves no trace in the log."""
    token = clinic.book(0, "WALKIN")
    before = engine.events()
    with pytest.raises(OPDError):
        engine.complete(token.id, now=at(8, 10))
    with pytest.raises(OPDError):
        engine.set_capacity(clinic.slots[0].id, 0, now=at(8, 10))
    assert engine.events() == before


def test_replaying_the_log_gives_every_tokens_status_and_slot(engine):
    """The last event of each token states exactly where and in what status it is."""
    clinic = make_clinic(engine, 1, 1, 1)
    tokens = [
        clinic.book(0, "WALKIN", name="Sunil Das"),
        clinic.book(0, "PAID", name="Lakshmi Menon"),
        clinic.book(0, "EMERGENCY", name="Kiran Rao"),
        clinic.book(1, "ONLINE", name="Meena Iyer"),
        clinic.book(1, "FOLLOWUP", name="Ajay Singh"),
        clinic.book(2, "WALKIN", name="Gita Bose"),
    ]
    engine.cancel(tokens[1].id, now=at(8, 10))
    engine.move(tokens[3].id, clinic.slots[2].id, now=at(8, 20))
    engine.set_capacity(clinic.slots[2].id, 3, now=at(8, 30))
    engine.close_slot(clinic.slots[1].id, now=at(8, 40))
    engine.check_in(tokens[2].id, now=at(9))
    engine.call_next(clinic.doctor.id, now=at(9))
    engine.advance(at(10, 30))
    last: dict[int, dict] = {}
    for event in engine.events():
        if event.token_id is not None:
            last[event.token_id] = event.detail
    for token in tokens:
        now = engine.token(token.id)
        assert (last[token.id]["status"], last[token.id]["slot_id"]) == (now.status, now.slot_id)
    check_invariants(engine, at(10, 30))


# -- the clock ----------------------------------------------------------------


def test_a_command_dated_earlier_runs_at_the_latest_time(engine, clinic):
    """A booking sent with an older clock into a slot that has since ended is refused."""
    clinic.book(1, "WALKIN", now=at(9, 40))
    before = engine.events()
    with pytest.raises(SlotNotBookable):
        clinic.book(0, "WALKIN", name="Meena Iyer", now=at(8))
    assert engine.events() == before


def test_a_no_show_dated_before_the_slot_counts_once_the_clock_passed_the_start(engine, clinic):
    """A no-show sent with an older clock is judged at the latest clock, after the slot start."""
    token = clinic.book(0, "WALKIN")
    clinic.book(1, "WALKIN", name="Meena Iyer", now=at(9, 5))
    assert engine.no_show(token.id, now=at(8)).status == "NO_SHOW"


def test_an_unnamed_emergency_dated_earlier_goes_to_the_slot_running_at_the_latest_time(
    engine, clinic
):
    """An emergency sent with an older clock goes to the slot current at the latest time."""
    clinic.book(2, "WALKIN", now=at(9, 40))
    token = engine.emergency(clinic.doctor.id, "Kiran Rao", now=at(8))
    assert token.slot_id == clinic.slots[1].id


def test_events_carry_the_effective_time_which_never_goes_back(engine, clinic):
    """The log's times never run backwards, even when a command carries an older time."""
    clinic.book(0, "WALKIN", now=at(8, 30))
    clinic.book(0, "WALKIN", name="Meena Iyer", now=at(8, 10))
    token_events = [e for e in engine.events() if e.token_id is not None]
    assert [e.at for e in token_events] == [at(8, 30), at(8, 30)]


def test_setting_up_later_never_logs_a_time_before_the_clock(engine, clinic):
    """Adding a slot or doctor after the day has run logs it no earlier than the latest clock."""
    clinic.book(0, "WALKIN", now=at(8, 30))
    engine.add_slot(clinic.doctor.id, at(11), at(11, 30), 2)
    engine.add_doctor("Bina Kaur", "BK")
    times = [e.at for e in engine.events()]
    assert times == sorted(times)
    assert times[-1] >= at(8, 30)
