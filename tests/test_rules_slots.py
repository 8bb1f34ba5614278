"""SPEC §3 rules 10-14: capacity, moves, closing a slot, doctor delay, slot end.

Written from the spec, through the public API only. Every command gets an explicit
`now`; the OPD day is Monday 4 March 2030 and the clinic opens at 09:00.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest

from opd_tui.domain.models import Token
from opd_tui.engine import AllocationEngine
from opd_tui.errors import (
    CapacityBelowOccupancy,
    CloseRefused,
    DelayRefused,
    DuplicateBooking,
    InvalidTransition,
    NoSeat,
    NotFound,
    OPDError,
    SlotNotBookable,
)

from clinic import BEFORE_OPD, NEXT_DAY, at, make_clinic
from invariants import check_invariants


def where(engine: AllocationEngine, token: Token) -> tuple[str, int]:
    now = engine.token(token.id)
    return (now.status, now.slot_id)


class Unchanged:
    """Snapshot of the log, some tokens and some slots, to prove a refusal changed nothing."""

    def __init__(self, engine: AllocationEngine, tokens=(), slots=(), now: datetime = BEFORE_OPD):
        self.engine, self.now = engine, now
        self.token_ids = [t.id for t in tokens]
        self.slot_ids = [s.id for s in slots]
        self.before = self._state()

    def _state(self):
        return (
            self.engine.events(),
            [self.engine.token(t) for t in self.token_ids],
            [self.engine.slot_view(s, now=self.now) for s in self.slot_ids],
        )

    def check(self) -> None:
        assert self._state() == self.before


# -- rule 10: capacity --------------------------------------------------------


def test_raising_capacity_adds_seats_and_promotes_the_waitlist(engine):
    """Adding a seat immediately seats the first waiting patient."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    slot = engine.set_capacity(clinic.slots[0].id, 2, now=at(8, 10))
    assert slot.capacity == 2
    assert where(engine, online) == ("BOOKED", clinic.slots[0].id)
    assert where(engine, walkin) == ("WAITLISTED", clinic.slots[0].id)
    view = clinic.view(0, now=at(8, 10))
    assert (view.capacity, view.occupancy, view.status) == (2, 2, "FULL")


def test_lowering_capacity_to_the_occupancy_is_allowed(engine):
    """Capacity can be cut down to exactly the seats in use; the slot becomes FULL."""
    clinic = make_clinic(engine, 3)
    clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "WALKIN", name="Meena Iyer")
    assert engine.set_capacity(clinic.slots[0].id, 2, now=at(8, 10)).capacity == 2
    assert clinic.view(0, now=at(8, 10)).status == "FULL"


def test_lowering_capacity_below_the_occupancy_is_refused(engine):
    """Seats already given cannot be taken away by lowering capacity; nothing changes."""
    clinic = make_clinic(engine, 3)
    first = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "WALKIN", name="Meena Iyer")
    engine.check_in(first.id, now=at(8, 5))
    unchanged = Unchanged(engine, slots=clinic.slots, now=at(8, 10))
    with pytest.raises(CapacityBelowOccupancy):
        engine.set_capacity(clinic.slots[0].id, 1, now=at(8, 10))
    unchanged.check()


def test_completed_patients_count_when_lowering_capacity(engine):
    """A seat used by a finished consultation is still a seat: capacity cannot go below it."""
    clinic = make_clinic(engine, 2)
    token = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "WALKIN", name="Meena Iyer")
    engine.check_in(token.id, now=at(9))
    engine.call_next(clinic.doctor.id, now=at(9))
    engine.complete(token.id, now=at(9, 5))
    with pytest.raises(CapacityBelowOccupancy):
        engine.set_capacity(clinic.slots[0].id, 1, now=at(9, 6))


def test_raising_capacity_of_an_overbooked_slot_promotes_only_below_capacity(engine):
    """Extra seats first absorb the emergency overbooking; only then is the waitlist seated."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "EMERGENCY", name="Kiran Rao")
    engine.set_capacity(clinic.slots[0].id, 2, now=at(8, 10))
    assert where(engine, waiting)[0] == "WAITLISTED"
    engine.set_capacity(clinic.slots[0].id, 3, now=at(8, 20))
    assert where(engine, waiting) == ("BOOKED", clinic.slots[0].id)


def test_an_overbooked_slot_may_be_raised_while_it_stays_overbooked(engine):
    """Raising is never refused: 1 -> 2 with three seated (two emergencies) is allowed,
    the slot stays OVERBOOKED, and lowering it again below its occupancy is refused."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "EMERGENCY", name="Kiran Rao")
    clinic.book(0, "EMERGENCY", name="Asha Pillai")
    assert engine.set_capacity(clinic.slots[0].id, 2, now=at(8, 10)).capacity == 2
    view = clinic.view(0, now=at(8, 10))
    assert (view.capacity, view.occupancy, view.status) == (2, 3, "OVERBOOKED")
    assert engine.events()[-1].kind == "CAPACITY_CHANGED"
    unchanged = Unchanged(engine, slots=clinic.slots, now=at(8, 20))
    with pytest.raises(CapacityBelowOccupancy, match="cannot go below 2"):
        engine.set_capacity(clinic.slots[0].id, 1, now=at(8, 20))
    unchanged.check()


def test_capacity_change_is_logged(engine):
    """A capacity change logs CAPACITY_CHANGED for the slot, then any promotion."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    mark = engine.events()[-1].id
    engine.set_capacity(clinic.slots[0].id, 2, now=at(8, 10))
    events = engine.events(mark)
    assert [(e.kind, e.slot_id) for e in events][0] == ("CAPACITY_CHANGED", clinic.slots[0].id)
    assert [(e.kind, e.token_id) for e in events[1:]] == [("PROMOTED", waiting.id)]


def test_capacity_of_an_unknown_slot_is_not_found(engine):
    """Changing the capacity of a slot that does not exist is reported as not found."""
    make_clinic(engine, 1)
    with pytest.raises(NotFound):
        engine.set_capacity(9999, 2, now=BEFORE_OPD)


# -- rule 11: move ------------------------------------------------------------


def test_moving_a_booked_patient_keeps_everything_but_the_slot(engine):
    """A moved patient keeps source, priority, seq and the number printed on the slip."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(0, "FOLLOWUP", name="Ajay Singh", ref="MRN-1001")
    moved = engine.move(token.id, clinic.slots[1].id, now=at(8, 10))
    assert (moved.status, moved.slot_id) == ("BOOKED", clinic.slots[1].id)
    assert (moved.source, moved.priority, moved.seq, moved.number) == (
        token.source, token.priority, token.seq, token.number,
    )
    assert (moved.patient_name, moved.patient_ref) == ("Ajay Singh", "MRN1001")
    assert clinic.view(0, now=at(8, 10)).occupancy == 0
    assert [t.id for t in clinic.view(1, now=at(8, 10)).seated] == [token.id]


def test_moving_to_another_doctor_keeps_the_number(engine):
    """A patient moved to another doctor's slot now belongs to that doctor, same slip number."""
    asha = make_clinic(engine, 2, code="AR")
    bina = make_clinic(engine, 2, code="BK")
    token = asha.book(0, "ONLINE", name="Meena Iyer")
    moved = engine.move(token.id, bina.slots[0].id, now=at(8, 10))
    assert (moved.status, moved.slot_id) == ("BOOKED", bina.slots[0].id)
    assert moved.doctor_id == bina.doctor.id
    assert moved.number == token.number == "AR-001"
    assert moved.seq == token.seq


def test_moving_a_waitlisted_patient_into_a_free_seat_books_them(engine):
    """A waiting patient moved to a slot with room is BOOKED there and leaves the old waitlist."""
    clinic = make_clinic(engine, 1, 2)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    moved = engine.move(waiting.id, clinic.slots[1].id, now=at(8, 10))
    assert (moved.status, moved.slot_id) == ("BOOKED", clinic.slots[1].id)
    assert clinic.view(0, now=at(8, 10)).waitlist == []


def test_a_move_that_would_only_waitlist_is_refused(engine):
    """Moving into a full slot without outranking anyone is refused; the patient stays put."""
    clinic = make_clinic(engine, 2, 1)
    token = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(1, "PAID", name="Lakshmi Menon")
    unchanged = Unchanged(engine, tokens=[token], slots=clinic.slots, now=at(8, 10))
    with pytest.raises(NoSeat):
        engine.move(token.id, clinic.slots[1].id, now=at(8, 10))
    unchanged.check()


def test_a_waitlisted_patient_stays_waitlisted_when_a_move_is_refused(engine):
    """A refused move of a waiting patient leaves them on their original waitlist."""
    clinic = make_clinic(engine, 1, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(1, "WALKIN", name="Meena Iyer")
    unchanged = Unchanged(engine, tokens=[waiting], slots=clinic.slots, now=at(8, 10))
    with pytest.raises(NoSeat):
        engine.move(waiting.id, clinic.slots[1].id, now=at(8, 10))
    unchanged.check()


def test_a_move_can_bump_a_lower_priority_patient(engine):
    """A PAID patient moved into a slot full of walk-ins takes a seat; the walk-in is bumped on."""
    clinic = make_clinic(engine, 2, 1, 1)
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    walkin = clinic.book(1, "WALKIN", name="Sunil Das")
    engine.move(paid.id, clinic.slots[1].id, now=at(8, 10))
    assert where(engine, paid) == ("BOOKED", clinic.slots[1].id)
    assert where(engine, walkin) == ("BOOKED", clinic.slots[2].id)


def test_the_target_is_placed_before_the_old_seat_is_released(engine):
    """A victim bumped by a move cannot take the mover's old seat: it is freed only afterwards."""
    clinic = make_clinic(engine, 1, 1, 1)
    walkin = clinic.book(1, "WALKIN", name="Sunil Das")
    paid = clinic.book(2, "PAID", name="Lakshmi Menon")
    engine.move(paid.id, clinic.slots[1].id, now=at(8, 10))
    assert where(engine, paid) == ("BOOKED", clinic.slots[1].id)
    assert where(engine, walkin) == ("WAITLISTED", clinic.slots[1].id)
    assert clinic.view(2, now=at(8, 10)).occupancy == 0


def test_the_seat_a_move_frees_promotes_its_own_waitlist(engine):
    """After a move, the old slot's first waiting patient gets the freed seat."""
    clinic = make_clinic(engine, 1, 1)
    mover = clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.move(mover.id, clinic.slots[1].id, now=at(8, 10))
    assert where(engine, waiting) == ("BOOKED", clinic.slots[0].id)


def test_moving_an_emergency_into_a_full_slot_overbooks_it(engine):
    """An emergency moved into a full slot is seated beyond capacity (rule 2), bumping nobody."""
    clinic = make_clinic(engine, 1, 1)
    emergency = clinic.book(0, "EMERGENCY", name="Kiran Rao")
    walkin = clinic.book(1, "WALKIN", name="Sunil Das")
    moved = engine.move(emergency.id, clinic.slots[1].id, now=at(8, 10))
    assert (moved.status, moved.slot_id, moved.overbooked) == ("BOOKED", clinic.slots[1].id, True)
    assert where(engine, walkin) == ("BOOKED", clinic.slots[1].id)
    assert clinic.view(1, now=at(8, 10)).status == "OVERBOOKED"
    assert [e.slot_id for e in engine.events() if e.kind == "OVERBOOKED"] == [clinic.slots[1].id]


def test_moving_out_of_an_ended_slot_promotes_nobody_there(engine):
    """A seat freed in a slot that has already ended is not given to anyone waiting on it."""
    clinic = make_clinic(engine, 1, 2)
    late = clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.move(late.id, clinic.slots[1].id, now=at(9, 35))
    assert where(engine, late) == ("BOOKED", clinic.slots[1].id)
    after = engine.token(waiting.id)
    assert not (after.status == "BOOKED" and after.slot_id == clinic.slots[0].id)


@pytest.mark.parametrize("status", ["CHECKED_IN", "CANCELLED"])
def test_only_booked_or_waitlisted_patients_can_be_moved(engine, status):
    """A checked-in or cancelled patient cannot be moved."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(0, "WALKIN", name="Sunil Das")
    if status == "CHECKED_IN":
        engine.check_in(token.id, now=at(8, 5))
    else:
        engine.cancel(token.id, now=at(8, 5))
    unchanged = Unchanged(engine, tokens=[token], slots=clinic.slots, now=at(8, 10))
    with pytest.raises(InvalidTransition):
        engine.move(token.id, clinic.slots[1].id, now=at(8, 10))
    unchanged.check()


def test_a_patient_in_consultation_cannot_be_moved(engine):
    """The patient with the doctor cannot be moved to another slot."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.check_in(token.id, now=at(9))
    engine.call_next(clinic.doctor.id, now=at(9))
    with pytest.raises(InvalidTransition):
        engine.move(token.id, clinic.slots[1].id, now=at(9, 5))
    assert where(engine, token) == ("IN_CONSULTATION", clinic.slots[0].id)


@pytest.mark.parametrize("target", ["ended", "closed"])
def test_moving_into_an_ended_or_closed_slot_is_refused(engine, target):
    """Nobody is moved into a slot that has ended or was closed."""
    clinic = make_clinic(engine, 2, 2, 2)
    token = clinic.book(2, "WALKIN", name="Sunil Das")
    if target == "closed":
        engine.close_slot(clinic.slots[1].id, now=at(8, 5))
        dest, now = clinic.slots[1], at(8, 10)
    else:
        dest, now = clinic.slots[0], at(9, 30)
    unchanged = Unchanged(engine, tokens=[token], slots=clinic.slots, now=now)
    with pytest.raises(SlotNotBookable):
        engine.move(token.id, dest.id, now=now)
    unchanged.check()


def test_a_move_to_an_unknown_slot_is_not_found(engine):
    """Moving to a slot id that does not exist is reported as not found."""
    clinic = make_clinic(engine, 2)
    token = clinic.book(0, "WALKIN")
    with pytest.raises(NotFound):
        engine.move(token.id, 9999, now=at(8, 10))
    assert where(engine, token) == ("BOOKED", clinic.slots[0].id)


def test_a_move_stays_within_its_day(engine):
    """Team decision (HELPERS.md): a token is not moved to another day; the number is per day."""
    clinic = make_clinic(engine, 2)
    tomorrow = engine.add_slot(clinic.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 2)
    token = clinic.book(0, "WALKIN")
    with pytest.raises(OPDError):
        engine.move(token.id, tomorrow.id, now=at(8, 10))
    assert where(engine, token) == ("BOOKED", clinic.slots[0].id)


def test_a_move_within_the_same_doctor_is_not_a_duplicate(engine):
    """Moving a patient's own token to another slot of the same doctor is not a duplicate."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(0, "WALKIN", ref="MRN-1001")
    assert engine.move(token.id, clinic.slots[1].id, now=at(8, 10)).slot_id == clinic.slots[1].id


def test_a_move_cannot_give_a_patient_two_tokens_with_one_doctor(engine):
    """Receptionist's reading of rule 15: no move to a doctor already holding the patient."""
    asha = make_clinic(engine, 2, code="AR")
    bina = make_clinic(engine, 2, 2, code="BK")
    token = asha.book(0, "WALKIN", ref="MRN-1001")
    bina.book(1, "WALKIN", ref="MRN-1001")
    with pytest.raises(DuplicateBooking):
        engine.move(token.id, bina.slots[0].id, now=at(8, 10))
    assert where(engine, token) == ("BOOKED", asha.slots[0].id)


def test_a_move_logs_one_event_with_the_new_slot(engine):
    """A move logs one event for the patient holding the new status and slot."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(0, "WALKIN")
    mark = engine.events()[-1].id
    engine.move(token.id, clinic.slots[1].id, now=at(8, 10))
    events = [e for e in engine.events(mark) if e.token_id == token.id]
    assert [e.kind for e in events] == ["MOVED"]
    detail = events[0].detail
    assert (detail["status"], detail["slot_id"]) == ("BOOKED", clinic.slots[1].id)


# -- rule 12: close slot ------------------------------------------------------


def test_closing_an_empty_slot_stops_bookings(engine):
    """A closed slot shows CLOSED, is logged, and refuses further bookings."""
    clinic = make_clinic(engine, 2, 2)
    mark = engine.events()[-1].id
    closed = engine.close_slot(clinic.slots[0].id, now=at(8, 10))
    assert closed.id == clinic.slots[0].id
    assert clinic.view(0, now=at(8, 10)).status == "CLOSED"
    logged = [(e.kind, e.slot_id) for e in engine.events(mark)]
    assert logged == [("SLOT_CLOSED", clinic.slots[0].id)]
    with pytest.raises(SlotNotBookable):
        clinic.book(0, "WALKIN", now=at(8, 15))


def test_closing_re_places_live_patients_in_priority_order(engine):
    """A closed slot's patients go, by priority, to the earliest later free seat, else wait."""
    clinic = make_clinic(engine, 3, 2, 1)
    already = clinic.book(1, "WALKIN", name="Xavier Dsouza")
    walkin_1 = clinic.book(0, "WALKIN", name="Sunil Das")
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    walkin_2 = clinic.book(0, "WALKIN", name="Ajay Singh")
    assert where(engine, walkin_2)[0] == "WAITLISTED"
    engine.check_in(online.id, now=at(8, 5))
    engine.close_slot(clinic.slots[0].id, now=at(8, 10))
    assert where(engine, paid) == ("BOOKED", clinic.slots[1].id)
    assert where(engine, online) == ("CHECKED_IN", clinic.slots[2].id)
    assert where(engine, walkin_1) == ("WAITLISTED", clinic.slots[1].id)
    assert where(engine, walkin_2) == ("WAITLISTED", clinic.slots[1].id)
    assert where(engine, already) == ("BOOKED", clinic.slots[1].id)
    second = clinic.view(1, now=at(8, 10))
    assert [t.id for t in second.waitlist] == [walkin_1.id, walkin_2.id]
    first = clinic.view(0, now=at(8, 10))
    assert (first.status, first.occupancy, first.waitlist) == ("CLOSED", 0, [])
    for token in (walkin_1, online, paid, walkin_2):
        after = engine.token(token.id)
        assert (after.number, after.seq) == (token.number, token.seq)
    check_invariants(engine, at(8, 10))


def test_closing_puts_emergencies_into_the_earliest_later_slot_even_if_full(engine):
    """An emergency of a closed slot goes to the next slot even when it is full (overbooking)."""
    clinic = make_clinic(engine, 1, 1, 1)
    emergency = clinic.book(0, "EMERGENCY", name="Kiran Rao")
    walkin = clinic.book(1, "WALKIN", name="Sunil Das")
    engine.close_slot(clinic.slots[0].id, now=at(8, 10))
    after = engine.token(emergency.id)
    assert (after.status, after.slot_id, after.overbooked) == ("BOOKED", clinic.slots[1].id, True)
    assert where(engine, walkin) == ("BOOKED", clinic.slots[1].id)
    assert clinic.view(1, now=at(8, 10)).occupancy == 2
    assert [e.slot_id for e in engine.events() if e.kind == "OVERBOOKED"] == [clinic.slots[1].id]


def test_a_checked_in_patient_without_a_later_seat_waits_after_a_closure(engine):
    """A checked-in patient finding no free seat after a closure waits on the next slot."""
    clinic = make_clinic(engine, 1, 1)
    checked_in = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(1, "PAID", name="Lakshmi Menon")
    engine.check_in(checked_in.id, now=at(8, 5))
    engine.close_slot(clinic.slots[0].id, now=at(8, 10))
    assert where(engine, checked_in) == ("WAITLISTED", clinic.slots[1].id)
    assert [t.id for t in clinic.view(1, now=at(8, 10)).waitlist] == [checked_in.id]


def test_closing_a_running_slot_is_allowed(engine):
    """The doctor can be called away mid-slot: its waiting patients go to the next slot."""
    clinic = make_clinic(engine, 1, 2)
    token = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.close_slot(clinic.slots[0].id, now=at(9, 10))
    assert where(engine, token) == ("BOOKED", clinic.slots[1].id)


def test_closing_leaves_finished_patients_where_they_were(engine):
    """Completed, cancelled and absent patients stay recorded in the closed slot."""
    clinic = make_clinic(engine, 3)
    done = clinic.book(0, "PAID", name="Lakshmi Menon")
    cancelled = clinic.book(0, "ONLINE", name="Meena Iyer")
    absent = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.cancel(cancelled.id, now=at(9))
    engine.no_show(absent.id, now=at(9))
    engine.check_in(done.id, now=at(9))
    engine.call_next(clinic.doctor.id, now=at(9))
    engine.complete(done.id, now=at(9, 5))
    engine.close_slot(clinic.slots[0].id, now=at(9, 10))
    assert where(engine, done) == ("COMPLETED", clinic.slots[0].id)
    assert where(engine, cancelled) == ("CANCELLED", clinic.slots[0].id)
    assert where(engine, absent) == ("NO_SHOW", clinic.slots[0].id)


def test_closing_is_refused_while_a_patient_is_with_the_doctor(engine):
    """A slot with a patient in consultation cannot be closed."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(0, "WALKIN", name="Sunil Das")
    other = clinic.book(0, "WALKIN", name="Meena Iyer")
    engine.check_in(token.id, now=at(9))
    engine.call_next(clinic.doctor.id, now=at(9))
    unchanged = Unchanged(engine, tokens=[token, other], slots=clinic.slots, now=at(9, 5))
    with pytest.raises(CloseRefused):
        engine.close_slot(clinic.slots[0].id, now=at(9, 5))
    unchanged.check()


def test_closing_is_refused_when_live_patients_have_nowhere_to_go(engine):
    """The last slot of the day cannot be closed while it still has live patients."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(1, "WALKIN", name="Sunil Das")
    unchanged = Unchanged(engine, tokens=[token], slots=clinic.slots, now=at(8, 10))
    with pytest.raises(CloseRefused):
        engine.close_slot(clinic.slots[1].id, now=at(8, 10))
    unchanged.check()


def test_closing_is_refused_when_the_only_later_slot_is_closed_or_tomorrow(engine):
    """A closed later slot or tomorrow's slot does not count as somewhere to re-place patients."""
    clinic = make_clinic(engine, 2, 2)
    engine.add_slot(clinic.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 5)
    engine.close_slot(clinic.slots[1].id, now=at(8, 5))
    token = clinic.book(0, "WALKIN", name="Sunil Das", now=at(8, 10))
    unchanged = Unchanged(engine, tokens=[token], slots=clinic.slots, now=at(8, 10))
    with pytest.raises(CloseRefused):
        engine.close_slot(clinic.slots[0].id, now=at(8, 10))
    unchanged.check()


def test_closing_the_last_slot_with_no_live_patients_is_allowed(engine):
    """A last slot holding only cancelled patients can be closed."""
    clinic = make_clinic(engine, 2)
    token = clinic.book(0, "WALKIN")
    engine.cancel(token.id, now=at(8, 5))
    engine.close_slot(clinic.slots[0].id, now=at(8, 10))
    assert clinic.view(0, now=at(8, 10)).status == "CLOSED"


@pytest.mark.parametrize("state", ["ended", "closed"])
def test_closing_an_ended_or_closed_slot_is_refused(engine, state):
    """A slot already over or already closed cannot be closed (again)."""
    clinic = make_clinic(engine, 2, 2)
    if state == "closed":
        engine.close_slot(clinic.slots[0].id, now=at(8, 5))
        now = at(8, 10)
    else:
        now = at(9, 30)
    unchanged = Unchanged(engine, slots=clinic.slots, now=now)
    with pytest.raises((CloseRefused, SlotNotBookable)):
        engine.close_slot(clinic.slots[0].id, now=now)
    unchanged.check()


def test_closing_logs_each_re_placed_patient(engine):
    """Every patient re-placed by a closure gets one event naming their new status and slot."""
    clinic = make_clinic(engine, 2, 1)
    seated = clinic.book(0, "PAID", name="Lakshmi Menon")
    bumped_to_wait = clinic.book(0, "WALKIN", name="Sunil Das")
    mark = engine.events()[-1].id
    engine.close_slot(clinic.slots[0].id, now=at(8, 10))
    events = engine.events(mark)
    assert ("SLOT_CLOSED", clinic.slots[0].id) in [(e.kind, e.slot_id) for e in events]
    for token, status in ((seated, "BOOKED"), (bumped_to_wait, "WAITLISTED")):
        mine = [e for e in events if e.token_id == token.id]
        assert len(mine) == 1
        assert (mine[0].detail["status"], mine[0].detail["slot_id"]) == (status, clinic.slots[1].id)


def test_closing_an_unknown_slot_is_not_found(engine):
    """Closing a slot that does not exist is reported as not found."""
    make_clinic(engine, 2)
    with pytest.raises(NotFound):
        engine.close_slot(9999, now=at(8))


# -- rule 13: doctor delay ----------------------------------------------------


def test_delay_shifts_only_the_doctors_slots_not_yet_started_today(engine):
    """Running 15 minutes late moves today's upcoming slots; the running one and others stay."""
    clinic = make_clinic(engine, 2, 2, 2)
    tomorrow = engine.add_slot(clinic.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 2)
    other = make_clinic(engine, 2, code="BK")
    shifted = engine.delay_doctor(clinic.doctor.id, 15, now=at(9, 10))
    assert {s.id: (s.start, s.end) for s in shifted} == {
        clinic.slots[1].id: (at(9, 45), at(10, 15)),
        clinic.slots[2].id: (at(10, 15), at(10, 45)),
    }
    running = clinic.view(0, now=at(9, 10))
    assert (running.start, running.end) == (at(9), at(9, 30))
    later = engine.slot_view(tomorrow.id, now=at(9, 10))
    assert (later.start, later.end) == (at(9, day=NEXT_DAY), at(10, day=NEXT_DAY))
    theirs = engine.slot_view(other.slots[0].id, now=at(9, 10))
    assert (theirs.start, theirs.end) == (at(9), at(9, 30))


def test_a_slot_starting_right_now_has_started_and_is_not_delayed(engine):
    """At exactly 09:30 the 09:30 slot is running, so a delay leaves it alone."""
    clinic = make_clinic(engine, 2, 2, 2)
    shifted = engine.delay_doctor(clinic.doctor.id, 10, now=at(9, 30))
    assert [s.id for s in shifted] == [clinic.slots[2].id]
    assert clinic.view(1, now=at(9, 30)).start == at(9, 30)


def test_delay_keeps_patients_in_their_slots_and_moves_their_estimates(engine):
    """Patients stay in the delayed slot; their estimated time moves with it."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(1, "WALKIN")
    assert engine.eta(token.id, now=at(8)) == at(9, 30)
    engine.delay_doctor(clinic.doctor.id, 20, now=at(8, 10))
    assert where(engine, token) == ("BOOKED", clinic.slots[1].id)
    assert engine.eta(token.id, now=at(8, 10)) == at(9, 50)


def test_delay_may_end_a_slot_exactly_at_midnight_but_not_after(engine):
    """A delay pushing the last slot past midnight is refused; up to midnight is fine."""
    doctor = engine.add_doctor("Night Doctor", "ND")
    slot = engine.add_slot(doctor.id, at(23), at(23, 30), 2)
    unchanged = Unchanged(engine, slots=[slot], now=at(20))
    with pytest.raises(DelayRefused):
        engine.delay_doctor(doctor.id, 31, now=at(20))
    unchanged.check()
    [shifted] = engine.delay_doctor(doctor.id, 30, now=at(20))
    assert (shifted.start, shifted.end) == (at(23, 30), datetime.combine(NEXT_DAY, time(0)))
    with pytest.raises(DelayRefused):
        engine.delay_doctor(doctor.id, 1, now=at(20, 5))


def test_a_refused_delay_moves_no_slot_at_all(engine):
    """If any slot would pass midnight, none of the doctor's slots is shifted."""
    doctor = engine.add_doctor("Night Doctor", "ND")
    early = engine.add_slot(doctor.id, at(20), at(21), 2)
    late = engine.add_slot(doctor.id, at(23), at(23, 50), 2)
    unchanged = Unchanged(engine, slots=[early, late], now=at(19))
    with pytest.raises(DelayRefused):
        engine.delay_doctor(doctor.id, 15, now=at(19))
    unchanged.check()


def test_delay_is_logged(engine):
    """A delay logs DOCTOR_DELAYED."""
    clinic = make_clinic(engine, 2, 2)
    mark = engine.events()[-1].id
    engine.delay_doctor(clinic.doctor.id, 10, now=at(8))
    kinds = [e.kind for e in engine.events(mark)]
    assert kinds and set(kinds) == {"DOCTOR_DELAYED"}


def test_delay_for_an_unknown_doctor_is_not_found(engine):
    """Delaying a doctor that does not exist is reported as not found."""
    make_clinic(engine, 2)
    with pytest.raises(NotFound):
        engine.delay_doctor(9999, 10, now=at(8))


# -- rule 14: slot end (rollover) ---------------------------------------------


def test_waiting_patients_of_an_ended_slot_roll_into_the_next_slot(engine):
    """When a slot ends, its waiting patient takes a free seat in the doctor's next slot."""
    clinic = make_clinic(engine, 1, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    mark = engine.events()[-1].id
    events = engine.advance(at(9, 30))
    after = engine.token(waiting.id)
    assert (after.status, after.slot_id) == ("BOOKED", clinic.slots[1].id)
    assert (after.seq, after.number) == (waiting.seq, waiting.number)
    mine = [e for e in engine.events(mark) if e.token_id == waiting.id]
    assert len(mine) == 1
    assert (mine[0].detail["status"], mine[0].detail["slot_id"]) == ("BOOKED", clinic.slots[1].id)
    assert [e.id for e in events] == [e.id for e in engine.events(mark)]


def test_booked_patients_of_an_ended_slot_stay_as_they_are(engine):
    """A slot's end does not touch its seated patients."""
    clinic = make_clinic(engine, 1, 1)
    seated = clinic.book(0, "PAID", name="Lakshmi Menon")
    engine.advance(at(9, 30))
    assert where(engine, seated) == ("BOOKED", clinic.slots[0].id)


def test_rollover_never_bumps(engine):
    """A rolled-over PAID patient waits on the next slot rather than bumping a walk-in there."""
    clinic = make_clinic(engine, 1, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "PAID", name="Farah Khan")
    walkin = clinic.book(1, "WALKIN", name="Sunil Das")
    engine.advance(at(9, 30))
    assert where(engine, waiting) == ("WAITLISTED", clinic.slots[1].id)
    assert where(engine, walkin) == ("BOOKED", clinic.slots[1].id)


def test_rollover_takes_all_ended_slots_in_one_priority_order(engine):
    """Waiting patients of several ended slots share the next seats by priority, then arrival."""
    clinic = make_clinic(engine, 1, 1, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(1, "PAID", name="Farah Khan")
    online = clinic.book(1, "ONLINE", name="Meena Iyer")
    engine.advance(at(10))
    assert where(engine, online) == ("BOOKED", clinic.slots[2].id)
    assert where(engine, walkin) == ("WAITLISTED", clinic.slots[2].id)


def test_rolled_over_patients_join_the_waitlist_in_priority_order(engine):
    """A rolled-over ONLINE patient waits ahead of a later slot's own WALKIN waiter."""
    clinic = make_clinic(engine, 1, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    clinic.book(1, "PAID", name="Farah Khan")
    walkin = clinic.book(1, "WALKIN", name="Sunil Das")
    engine.advance(at(9, 30))
    waitlist = clinic.view(1, now=at(9, 30)).waitlist
    assert [t.id for t in waitlist] == [online.id, walkin.id]


def test_rollover_skips_a_closed_next_slot(engine):
    """Waiting patients go to the doctor's next bookable slot: a closed one is skipped."""
    clinic = make_clinic(engine, 1, 1, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.close_slot(clinic.slots[1].id, now=at(8, 10))
    engine.advance(at(9, 35))
    assert where(engine, waiting) == ("BOOKED", clinic.slots[2].id)


def test_waiting_patients_expire_when_the_day_has_no_slot_left(engine):
    """With no bookable slot left today (tomorrow does not count), waiting patients EXPIRE."""
    clinic = make_clinic(engine, 1)
    engine.add_slot(clinic.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 5)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.advance(at(9, 30))
    assert where(engine, waiting) == ("EXPIRED", clinic.slots[0].id)
    assert clinic.view(0, now=at(9, 30)).waitlist == []


def test_advance_is_idempotent(engine):
    """Running the slot-end step twice at the same time changes nothing the second time."""
    clinic = make_clinic(engine, 1, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "ONLINE", name="Meena Iyer")
    assert engine.advance(at(9, 30))
    unchanged = Unchanged(engine, slots=clinic.slots, now=at(9, 30))
    assert engine.advance(at(9, 30)) == []
    unchanged.check()


def test_advance_dated_earlier_runs_at_the_latest_time(engine):
    """A slot-end step sent with an older clock still ends the slots over by the latest clock."""
    clinic = make_clinic(engine, 1, 2)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(1, "ONLINE", name="Meena Iyer", now=at(9, 35))
    engine.advance(at(8))
    assert where(engine, waiting) == ("BOOKED", clinic.slots[1].id)


def test_advance_before_any_slot_ends_does_nothing(engine):
    """Before a slot ends, its waiting patients stay where they are."""
    clinic = make_clinic(engine, 1, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    assert engine.advance(at(9, 29)) == []
    assert where(engine, waiting) == ("WAITLISTED", clinic.slots[0].id)


def test_rollover_keeps_each_doctors_patients_with_their_doctor(engine):
    """Slot end moves a doctor's waiting patients only into that same doctor's slots."""
    asha = make_clinic(engine, 1, code="AR")
    bina = make_clinic(engine, 1, 5, code="BK")
    asha.book(0, "PAID", name="Lakshmi Menon")
    waiting = asha.book(0, "WALKIN", name="Sunil Das")
    engine.advance(at(9, 30))
    after = engine.token(waiting.id)
    assert (after.status, after.doctor_id) == ("EXPIRED", asha.doctor.id)
    assert bina.view(1, now=at(9, 30)).occupancy == 0
