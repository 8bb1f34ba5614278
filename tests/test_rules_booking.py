"""SPEC §2 and §3 rules 1-4 and 15: booking, emergencies, bumping, the waitlist, duplicates.

Written from the spec, through the public API only. Every command gets an explicit
`now`; the OPD day is Monday 4 March 2030 and the clinic opens at 09:00.
"""

from __future__ import annotations

import pytest

from opd_tui.errors import DuplicateBooking, NotFound, OPDError, SlotNotBookable

from clinic import BEFORE_OPD, NEXT_DAY, at, make_clinic

# -- §2: numbers, seq, priorities ---------------------------------------------


@pytest.mark.parametrize(
    ("source", "priority"),
    [("EMERGENCY", 1), ("PAID", 2), ("FOLLOWUP", 3), ("ONLINE", 4), ("WALKIN", 5)],
)
def test_each_source_carries_its_fixed_priority(engine, source, priority):
    """A token's priority always follows its source: EMERGENCY 1 ... WALKIN 5."""
    clinic = make_clinic(engine, 5)
    token = clinic.book(0, source)
    assert token.source == source
    assert token.priority == priority


def test_token_numbers_count_per_doctor_per_day(engine):
    """Each doctor's slips read CODE-001, CODE-002 ... and start again at 001 each day."""
    asha = make_clinic(engine, 5, code="AR")
    bina = make_clinic(engine, 5, code="BK")
    asha_tomorrow = engine.add_slot(asha.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 5)
    first = asha.book(0, "WALKIN")
    second = asha.book(0, "ONLINE")
    other = bina.book(0, "WALKIN")
    tomorrow = engine.book(asha_tomorrow.id, "Ravi Kumar", "PAID", now=BEFORE_OPD)
    assert [first.number, second.number] == ["AR-001", "AR-002"]
    assert other.number == "BK-001"
    assert tomorrow.number == "AR-001"


def test_token_numbers_are_never_reused_after_a_cancellation(engine):
    """A cancelled slip's number is not printed again for someone else the same day."""
    clinic = make_clinic(engine, 5)
    clinic.book(0, "WALKIN")
    second = clinic.book(0, "WALKIN", name="Meena Iyer")
    engine.cancel(second.id, now=BEFORE_OPD)
    third = clinic.book(0, "WALKIN", name="Sunil Das")
    assert third.number == "AR-003"


def test_waitlisted_tokens_get_a_number_too(engine):
    """A patient put on the waitlist still gets a slip number at once."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID")
    waiting = clinic.book(0, "WALKIN", name="Meena Iyer")
    assert waiting.status == "WAITLISTED"
    assert waiting.number == "AR-002"


def test_seq_is_strictly_increasing_across_doctors(engine):
    """Arrival order (seq) is global: later bookings always have a larger seq."""
    asha = make_clinic(engine, 5, code="AR")
    bina = make_clinic(engine, 5, code="BK")
    tokens = [
        asha.book(0, "WALKIN"),
        bina.book(0, "PAID"),
        asha.book(0, "EMERGENCY"),
        bina.book(0, "ONLINE"),
    ]
    seqs = [t.seq for t in tokens]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)


def test_slot_status_is_derived_from_the_time_and_the_seats(engine):
    """A slot reads OPEN, FULL, OVERBOOKED, then ENDED at its end; CLOSED wins over ENDED."""
    clinic = make_clinic(engine, 1, 1)
    assert clinic.view(0).status == "OPEN"
    clinic.book(0, "WALKIN")
    assert clinic.view(0).status == "FULL"
    clinic.book(0, "EMERGENCY", name="Kiran Rao")
    assert clinic.view(0).status == "OVERBOOKED"
    assert clinic.view(0, now=at(9, 29)).status == "OVERBOOKED"
    assert clinic.view(0, now=at(9, 30)).status == "ENDED"
    engine.close_slot(clinic.slots[1].id, now=at(9, 30))
    assert clinic.view(1, now=at(10, 30)).status == "CLOSED"


def test_seated_patients_are_listed_in_consultation_order(engine):
    """The slot's seated list runs emergency first, then by priority, then by arrival."""
    clinic = make_clinic(engine, 6)
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    online_1 = clinic.book(0, "ONLINE", name="Meena Iyer")
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    online_2 = clinic.book(0, "ONLINE", name="Farah Khan")
    emergency = clinic.book(0, "EMERGENCY", name="Kiran Rao")
    seated = clinic.view(0).seated
    assert [t.id for t in seated] == [emergency.id, paid.id, online_1.id, online_2.id, walkin.id]


# -- rule 1: free seat --------------------------------------------------------


@pytest.mark.parametrize("source", ["PAID", "FOLLOWUP", "ONLINE", "WALKIN"])
def test_booking_a_free_seat_gives_a_booked_token(engine, source):
    """With a seat free, any non-emergency patient is BOOKED into the slot asked for."""
    clinic = make_clinic(engine, 2)
    token = clinic.book(0, source, name="Lakshmi Menon", ref="MRN-1001")
    assert token.status == "BOOKED"
    assert token.slot_id == clinic.slots[0].id
    assert token.doctor_id == clinic.doctor.id
    assert token.patient_name == "Lakshmi Menon"
    assert token.patient_ref == "MRN1001"  # rule 23: stored in its normal form
    assert token.overbooked is False
    assert engine.token(token.id) == token


def test_booking_fills_the_slot_from_open_to_full(engine):
    """The slot shows OPEN while seats remain and FULL once the last seat is taken."""
    clinic = make_clinic(engine, 2)
    assert clinic.view(0).status == "OPEN"
    first = clinic.book(0, "WALKIN")
    view = clinic.view(0)
    assert (view.occupancy, view.status) == (1, "OPEN")
    second = clinic.book(0, "ONLINE", name="Meena Iyer")
    view = clinic.view(0)
    assert (view.occupancy, view.status) == (2, "FULL")
    assert {t.id for t in view.seated} == {first.id, second.id}
    assert view.waitlist == []


def test_booking_a_slot_that_has_started_is_allowed(engine):
    """A slot already running (start <= now < end) still takes bookings."""
    clinic = make_clinic(engine, 2)
    token = clinic.book(0, "WALKIN", now=at(9, 20))
    assert token.status == "BOOKED"
    assert token.slot_id == clinic.slots[0].id


@pytest.mark.parametrize("source", ["WALKIN", "EMERGENCY"])
def test_booking_an_ended_slot_is_refused(engine, source):
    """Once a slot's end time has come (now >= end) nobody can be booked into it."""
    clinic = make_clinic(engine, 2, 2)
    before = engine.events()
    with pytest.raises(SlotNotBookable):
        clinic.book(0, source, now=at(9, 30))
    assert engine.events() == before
    assert clinic.view(0, now=at(9, 30)).occupancy == 0


@pytest.mark.parametrize("source", ["PAID", "EMERGENCY"])
def test_booking_a_closed_slot_is_refused(engine, source):
    """A slot the doctor closed takes no bookings, not even an emergency."""
    clinic = make_clinic(engine, 2, 2)
    engine.close_slot(clinic.slots[0].id, now=BEFORE_OPD)
    before = engine.events()
    with pytest.raises(SlotNotBookable):
        clinic.book(0, source)
    assert engine.events() == before


def test_booking_an_unknown_slot_is_not_found(engine):
    """A slot id that does not exist is reported as not found, not as a crash."""
    make_clinic(engine, 2)
    with pytest.raises(NotFound):
        engine.book(9999, "Ravi Kumar", "WALKIN", now=BEFORE_OPD)


# -- rule 2: emergencies ------------------------------------------------------


def test_emergency_into_a_full_slot_overbooks_it(engine):
    """An emergency is always seated in the slot named, beyond capacity if need be."""
    clinic = make_clinic(engine, 2, 2)
    clinic.fill(0, "WALKIN", "WALKIN")
    emergency = engine.emergency(
        clinic.doctor.id, "Kiran Rao", slot_id=clinic.slots[0].id, now=BEFORE_OPD
    )
    assert emergency.status == "BOOKED"
    assert emergency.slot_id == clinic.slots[0].id
    assert emergency.overbooked is True
    assert emergency.source == "EMERGENCY" and emergency.priority == 1
    view = clinic.view(0)
    assert view.occupancy == 3
    assert view.status == "OVERBOOKED"
    assert view.seated[0].id == emergency.id


def test_emergency_never_bumps_anyone(engine):
    """Seating an emergency leaves every patient already in the slot where they were."""
    clinic = make_clinic(engine, 2, 2)
    seated = clinic.fill(0, "WALKIN", "WALKIN")
    engine.emergency(clinic.doctor.id, "Kiran Rao", slot_id=clinic.slots[0].id, now=BEFORE_OPD)
    for token in seated:
        now = engine.token(token.id)
        assert (now.status, now.slot_id) == ("BOOKED", clinic.slots[0].id)
    assert clinic.view(1).occupancy == 0


def test_emergency_with_a_free_seat_is_not_overbooked(engine):
    """An emergency that found a free seat is not marked overbooked; the next one is."""
    clinic = make_clinic(engine, 2)
    clinic.book(0, "WALKIN")
    first = clinic.book(0, "EMERGENCY", name="Kiran Rao")
    second = clinic.book(0, "EMERGENCY", name="Latha Nair")
    assert (first.status, first.overbooked) == ("BOOKED", False)
    assert (second.status, second.overbooked) == ("BOOKED", True)
    assert clinic.view(0).occupancy == 3


def test_booking_with_source_emergency_behaves_as_an_emergency(engine):
    """book(..., "EMERGENCY") on a full slot seats the patient beyond capacity (rule 2)."""
    clinic = make_clinic(engine, 1, 1)
    walkin = clinic.book(0, "WALKIN")
    token = clinic.book(0, "emergency", name="Kiran Rao")
    assert token.source == "EMERGENCY"
    assert (token.status, token.overbooked, token.slot_id) == ("BOOKED", True, clinic.slots[0].id)
    assert engine.token(walkin.id).slot_id == clinic.slots[0].id


def test_emergency_without_a_slot_goes_to_the_current_slot_even_when_full(engine):
    """With no slot named, an emergency joins the slot running now, full or not."""
    clinic = make_clinic(engine, 1, 1, 1)
    clinic.book(0, "WALKIN")
    token = engine.emergency(clinic.doctor.id, "Kiran Rao", now=at(9, 10))
    assert token.slot_id == clinic.slots[0].id
    assert (token.status, token.overbooked) == ("BOOKED", True)


def test_emergency_without_a_slot_before_opd_goes_to_the_first_slot(engine):
    """Before the doctor's first slot starts, an unnamed emergency goes to that first slot."""
    clinic = make_clinic(engine, 1, 1)
    token = engine.emergency(clinic.doctor.id, "Kiran Rao", now=BEFORE_OPD)
    assert (token.status, token.slot_id) == ("BOOKED", clinic.slots[0].id)


def test_emergency_without_a_slot_between_slots_goes_to_the_next_one(engine):
    """In a gap between slots, an unnamed emergency goes to the doctor's next slot."""
    doctor = engine.add_doctor("Asha Rao", "AR")
    morning = engine.add_slot(doctor.id, at(9), at(10), 2)
    afternoon = engine.add_slot(doctor.id, at(14), at(15), 2)
    token = engine.emergency(doctor.id, "Kiran Rao", now=at(12))
    assert token.slot_id == afternoon.id
    assert engine.slot_view(morning.id, now=at(12)).occupancy == 0


def test_emergency_without_a_slot_skips_a_closed_current_slot(engine):
    """If the slot running now is closed, an unnamed emergency goes to the next bookable one."""
    clinic = make_clinic(engine, 2, 2)
    engine.close_slot(clinic.slots[0].id, now=at(9, 5))
    token = engine.emergency(clinic.doctor.id, "Kiran Rao", now=at(9, 10))
    assert token.slot_id == clinic.slots[1].id


def test_emergency_without_a_slot_after_the_last_slot_is_refused(engine):
    """When the doctor has no slot left today, an unnamed emergency is refused."""
    clinic = make_clinic(engine, 2, 2)
    before = engine.events()
    with pytest.raises(OPDError):
        engine.emergency(clinic.doctor.id, "Kiran Rao", now=at(10, 0))
    assert engine.events() == before


def test_emergency_without_a_slot_does_not_use_tomorrows_slots(engine):
    """An unnamed emergency is for today: tomorrow's slots do not count."""
    clinic = make_clinic(engine, 2)
    engine.add_slot(clinic.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 2)
    before = engine.events()
    with pytest.raises(OPDError):
        engine.emergency(clinic.doctor.id, "Kiran Rao", now=at(11))
    assert engine.events() == before


def test_emergency_for_an_unknown_doctor_is_not_found(engine):
    """An emergency for a doctor id that does not exist is reported as not found."""
    make_clinic(engine, 2)
    with pytest.raises(NotFound):
        engine.emergency(9999, "Kiran Rao", now=BEFORE_OPD)


def test_emergency_naming_another_doctors_slot_is_refused(engine):
    """Receptionist's reading: an emergency for Dr A naming Dr B's slot is a mistake, refused."""
    asha = make_clinic(engine, 2, code="AR")
    bina = make_clinic(engine, 2, code="BK")
    before = engine.events()
    with pytest.raises(OPDError):
        engine.emergency(asha.doctor.id, "Kiran Rao", slot_id=bina.slots[0].id, now=BEFORE_OPD)
    assert engine.events() == before


# -- rule 3: full slot, bumping -----------------------------------------------


def test_higher_priority_bumps_the_lowest_priority_booked_token_to_a_later_slot(engine):
    """A PAID patient takes a full slot's WALKIN seat; the walk-in moves to the next free slot."""
    clinic = make_clinic(engine, 2, 2)
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    assert (paid.status, paid.slot_id) == ("BOOKED", clinic.slots[0].id)
    bumped = engine.token(walkin.id)
    assert (bumped.status, bumped.slot_id) == ("BOOKED", clinic.slots[1].id)
    assert (bumped.seq, bumped.number, bumped.source) == (walkin.seq, walkin.number, "WALKIN")
    assert engine.token(online.id).slot_id == clinic.slots[0].id
    assert {t.id for t in clinic.view(0).seated} == {online.id, paid.id}


def test_the_victim_among_equal_priorities_is_the_latest_arrival(engine):
    """Among equal-priority patients the one who booked last is bumped first."""
    clinic = make_clinic(engine, 2, 2)
    early = clinic.book(0, "WALKIN", name="Meena Iyer")
    late = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "FOLLOWUP", name="Lakshmi Menon")
    assert engine.token(early.id).slot_id == clinic.slots[0].id
    assert engine.token(late.id).slot_id == clinic.slots[1].id


def test_bumping_takes_the_largest_priority_number_first(engine):
    """Successive PAID bookings bump WALKINs (latest first) before any ONLINE patient."""
    clinic = make_clinic(engine, 3, 3)
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    walkin_1 = clinic.book(0, "WALKIN", name="Sunil Das")
    walkin_2 = clinic.book(0, "WALKIN", name="Ajay Singh")
    clinic.book(0, "PAID", name="Lakshmi Menon")
    assert engine.token(walkin_2.id).slot_id == clinic.slots[1].id
    assert engine.token(walkin_1.id).slot_id == clinic.slots[0].id
    clinic.book(0, "PAID", name="Farah Khan")
    assert engine.token(walkin_1.id).slot_id == clinic.slots[1].id
    clinic.book(0, "PAID", name="Gita Bose")
    assert engine.token(online.id).slot_id == clinic.slots[1].id


def test_a_checked_in_patient_is_never_bumped(engine):
    """A patient already checked in keeps the seat; a BOOKED one is bumped instead."""
    clinic = make_clinic(engine, 2, 2)
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    engine.check_in(walkin.id, now=BEFORE_OPD)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    assert (engine.token(walkin.id).status, engine.token(walkin.id).slot_id) == (
        "CHECKED_IN",
        clinic.slots[0].id,
    )
    assert engine.token(online.id).slot_id == clinic.slots[1].id


def test_a_full_slot_of_checked_in_patients_waitlists_even_a_paid_patient(engine):
    """With nobody bumpable (all checked in), a higher-priority newcomer is WAITLISTED."""
    clinic = make_clinic(engine, 1, 1)
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.check_in(walkin.id, now=BEFORE_OPD)
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    assert (paid.status, paid.slot_id) == ("WAITLISTED", clinic.slots[0].id)
    assert engine.token(walkin.id).status == "CHECKED_IN"


def test_emergency_seat_holders_are_never_bumped(engine):
    """A slot full of emergencies waitlists a PAID newcomer; the emergencies stay."""
    clinic = make_clinic(engine, 1, 1)
    emergency = clinic.book(0, "EMERGENCY", name="Kiran Rao")
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    assert paid.status == "WAITLISTED"
    assert engine.token(emergency.id).slot_id == clinic.slots[0].id


@pytest.mark.parametrize(
    ("seated", "newcomer"), [("ONLINE", "ONLINE"), ("PAID", "WALKIN"), ("FOLLOWUP", "ONLINE")]
)
def test_equal_or_lower_priority_newcomer_is_waitlisted(engine, seated, newcomer):
    """Only a strictly higher priority bumps; otherwise the newcomer waits on the slot."""
    clinic = make_clinic(engine, 1, 1)
    holder = clinic.book(0, seated, name="Meena Iyer")
    token = clinic.book(0, newcomer, name="Sunil Das")
    assert (token.status, token.slot_id) == ("WAITLISTED", clinic.slots[0].id)
    assert token.overbooked is False
    assert engine.token(holder.id).status == "BOOKED"
    view = clinic.view(0)
    assert [t.id for t in view.waitlist] == [token.id]
    assert view.occupancy == 1


def test_a_bumped_patient_skips_full_later_slots_without_bumping_again(engine):
    """The victim goes to the earliest later slot with a free seat and bumps nobody there."""
    clinic = make_clinic(engine, 1, 1, 1)
    victim = clinic.book(0, "ONLINE", name="Meena Iyer")
    next_slot_walkin = clinic.book(1, "WALKIN", name="Sunil Das")
    clinic.book(0, "PAID", name="Lakshmi Menon")
    victim_now = engine.token(victim.id)
    assert (victim_now.status, victim_now.slot_id) == ("BOOKED", clinic.slots[2].id)
    walkin_now = engine.token(next_slot_walkin.id)
    assert (walkin_now.status, walkin_now.slot_id) == ("BOOKED", clinic.slots[1].id)


def test_a_bumped_patient_with_no_later_seat_is_waitlisted_on_the_original_slot(engine):
    """When no later slot has a free seat, the victim waits on its own slot, keeping its seq."""
    clinic = make_clinic(engine, 1, 1)
    victim = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(1, "WALKIN", name="Meena Iyer")
    mark = engine.events()[-1].id
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    [bump] = [e for e in engine.events(mark) if e.token_id == victim.id]
    assert (bump.kind, bump.detail["status"], bump.detail["slot_id"]) == (
        "BUMPED",
        "WAITLISTED",
        clinic.slots[0].id,
    )
    after = engine.token(victim.id)
    assert (after.status, after.slot_id) == ("WAITLISTED", clinic.slots[0].id)
    assert (after.seq, after.number) == (victim.seq, victim.number)
    view = clinic.view(0)
    assert [t.id for t in view.seated] == [paid.id]
    assert [t.id for t in view.waitlist] == [victim.id]


def test_a_bumped_patient_never_goes_to_an_earlier_slot(engine):
    """Bumping only moves a patient later in the day, even if an earlier slot has room."""
    clinic = make_clinic(engine, 1, 1)
    victim = clinic.book(1, "WALKIN", name="Sunil Das")
    clinic.book(1, "PAID", name="Lakshmi Menon")
    after = engine.token(victim.id)
    assert (after.status, after.slot_id) == ("WAITLISTED", clinic.slots[1].id)
    assert clinic.view(0).occupancy == 0


def test_a_bumped_patient_skips_closed_later_slots(engine):
    """A closed later slot is not offered to a bumped patient."""
    clinic = make_clinic(engine, 1, 1, 1)
    engine.close_slot(clinic.slots[1].id, now=BEFORE_OPD)
    victim = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "PAID", name="Lakshmi Menon")
    assert engine.token(victim.id).slot_id == clinic.slots[2].id


def test_a_bumped_patient_stays_with_the_same_doctor_on_the_same_day(engine):
    """Another doctor's free slot or tomorrow's slot is never used for a bumped patient."""
    clinic = make_clinic(engine, 1, code="AR")
    make_clinic(engine, 5, code="BK")
    engine.add_slot(clinic.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 5)
    victim = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "PAID", name="Lakshmi Menon")
    after = engine.token(victim.id)
    assert (after.status, after.slot_id, after.doctor_id) == (
        "WAITLISTED",
        clinic.slots[0].id,
        clinic.doctor.id,
    )


def test_an_overbooked_slot_is_still_full_for_bumping(engine):
    """A slot over capacity by emergencies treats a PAID newcomer as a full slot: it bumps."""
    clinic = make_clinic(engine, 1, 1)
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    clinic.book(0, "EMERGENCY", name="Kiran Rao")
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    assert (paid.status, paid.slot_id) == ("BOOKED", clinic.slots[0].id)
    assert engine.token(walkin.id).slot_id == clinic.slots[1].id
    assert clinic.view(0).occupancy == 2


def test_a_bump_records_the_booking_and_the_bump(engine):
    """The log shows the newcomer BOOKED and the victim BUMPED with its new status and slot."""
    clinic = make_clinic(engine, 1, 1)
    victim = clinic.book(0, "WALKIN", name="Sunil Das")
    mark = engine.events()[-1].id
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    new = engine.events(mark)
    booked = [e for e in new if e.token_id == paid.id]
    bumped = [e for e in new if e.token_id == victim.id]
    assert [e.kind for e in booked] == ["BOOKED"]
    assert [e.kind for e in bumped] == ["BUMPED"]
    assert bumped[0].detail["status"] == "BOOKED"
    assert bumped[0].detail["slot_id"] == clinic.slots[1].id


# -- rule 4: waitlist order and promotion -------------------------------------


def test_the_waitlist_is_ordered_by_priority_then_arrival(engine):
    """Waiting patients are promoted FOLLOWUP before ONLINE before WALKIN, first come first."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    online_1 = clinic.book(0, "ONLINE", name="Meena Iyer")
    followup = clinic.book(0, "FOLLOWUP", name="Ajay Singh")
    online_2 = clinic.book(0, "ONLINE", name="Farah Khan")
    waitlist = clinic.view(0).waitlist
    assert [t.id for t in waitlist] == [followup.id, online_1.id, online_2.id, walkin.id]
    assert all(t.status == "WAITLISTED" for t in waitlist)


def test_a_cancellation_promotes_the_head_of_the_waitlist_at_once(engine):
    """When a seated patient cancels, the first waiting patient is BOOKED in the same step."""
    clinic = make_clinic(engine, 1)
    seated = clinic.book(0, "PAID", name="Lakshmi Menon")
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    followup = clinic.book(0, "FOLLOWUP", name="Ajay Singh")
    mark = engine.events()[-1].id
    engine.cancel(seated.id, now=at(8, 5))
    promoted = engine.token(followup.id)
    assert (promoted.status, promoted.slot_id) == ("BOOKED", clinic.slots[0].id)
    assert (promoted.seq, promoted.number) == (followup.seq, followup.number)
    assert engine.token(walkin.id).status == "WAITLISTED"
    kinds = [(e.kind, e.token_id) for e in engine.events(mark)]
    assert kinds == [("CANCELLED", seated.id), ("PROMOTED", followup.id)]


def test_freeing_several_seats_promotes_several_in_order(engine):
    """Raising capacity by two seats promotes the first two waiting patients, in order."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "PAID", name="Lakshmi Menon")
    walkin = clinic.book(0, "WALKIN", name="Sunil Das")
    online = clinic.book(0, "ONLINE", name="Meena Iyer")
    followup = clinic.book(0, "FOLLOWUP", name="Ajay Singh")
    engine.set_capacity(clinic.slots[0].id, 3, now=at(8, 5))
    assert engine.token(followup.id).status == "BOOKED"
    assert engine.token(online.id).status == "BOOKED"
    assert engine.token(walkin.id).status == "WAITLISTED"


def test_a_no_show_promotes_the_waitlist(engine):
    """Marking a patient as no-show frees the seat for the first waiting patient."""
    clinic = make_clinic(engine, 1)
    absent = clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.no_show(absent.id, now=at(9, 5))
    assert (engine.token(waiting.id).status, engine.token(waiting.id).slot_id) == (
        "BOOKED",
        clinic.slots[0].id,
    )


def test_moving_a_patient_out_promotes_the_waitlist_left_behind(engine):
    """A seat freed by a move goes to the first patient waiting on that slot."""
    clinic = make_clinic(engine, 1, 1)
    mover = clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.move(mover.id, clinic.slots[1].id, now=at(8, 5))
    assert (engine.token(waiting.id).status, engine.token(waiting.id).slot_id) == (
        "BOOKED",
        clinic.slots[0].id,
    )


def test_an_overbooked_slot_promotes_nobody_until_below_capacity(engine):
    """While emergencies keep a slot at or over capacity, waiting patients keep waiting."""
    clinic = make_clinic(engine, 1)
    walkin = clinic.book(0, "PAID", name="Sunil Das")
    waiting = clinic.book(0, "WALKIN", name="Meena Iyer")
    emergency = clinic.book(0, "EMERGENCY", name="Kiran Rao")
    assert clinic.view(0).occupancy == 2
    engine.cancel(walkin.id, now=at(8, 5))
    assert engine.token(waiting.id).status == "WAITLISTED"
    assert clinic.view(0).occupancy == 1
    engine.cancel(emergency.id, now=at(8, 10))
    assert engine.token(waiting.id).status == "BOOKED"


def test_a_bumped_victim_waiting_on_its_slot_is_promoted_when_a_seat_frees(engine):
    """A patient bumped onto the waitlist regains a seat as soon as one frees up."""
    clinic = make_clinic(engine, 1)
    victim = clinic.book(0, "WALKIN", name="Sunil Das")
    paid = clinic.book(0, "PAID", name="Lakshmi Menon")
    assert engine.token(victim.id).status == "WAITLISTED"
    engine.cancel(paid.id, now=at(8, 5))
    assert engine.token(victim.id).status == "BOOKED"


def test_an_ended_slot_does_not_promote_its_waitlist(engine):
    """After a slot has ended, a cancellation there gives nobody a seat in that slot."""
    clinic = make_clinic(engine, 1, 1)
    seated = clinic.book(0, "PAID", name="Lakshmi Menon")
    waiting = clinic.book(0, "WALKIN", name="Sunil Das")
    engine.cancel(seated.id, now=at(9, 40))
    after = engine.token(waiting.id)
    assert not (after.status == "BOOKED" and after.slot_id == clinic.slots[0].id)


# -- rule 15: duplicates ------------------------------------------------------


def test_a_patient_cannot_hold_two_live_tokens_with_one_doctor_in_a_day(engine):
    """A second booking with the same patient_ref for the same doctor that day is refused."""
    clinic = make_clinic(engine, 2, 2)
    clinic.book(0, "WALKIN", ref="MRN-1001")
    before = engine.events()
    view_before = clinic.view(1)
    with pytest.raises(DuplicateBooking):
        clinic.book(1, "PAID", name="Someone Else", ref="MRN-1001")
    assert engine.events() == before
    assert clinic.view(1) == view_before


@pytest.mark.parametrize("status", ["WAITLISTED", "CHECKED_IN", "IN_CONSULTATION"])
def test_every_live_status_counts_as_holding_a_token(engine, status):
    """Waitlisted, checked-in and in-consultation tokens all block a duplicate booking."""
    clinic = make_clinic(engine, 1, 2)
    if status == "WAITLISTED":
        clinic.book(0, "PAID", name="Lakshmi Menon")
        token = clinic.book(0, "WALKIN", ref="MRN-1001")
        now = BEFORE_OPD
    else:
        token = clinic.book(0, "WALKIN", ref="MRN-1001")
        engine.check_in(token.id, now=at(9))
        now = at(9)
        if status == "IN_CONSULTATION":
            engine.call_next(clinic.doctor.id, now=now)
    assert engine.token(token.id).status == status
    with pytest.raises(DuplicateBooking):
        clinic.book(1, "WALKIN", ref="MRN-1001", now=now)


def test_an_emergency_is_also_a_live_token_for_duplicates(engine):
    """Rule 15 has no exception: an emergency for a patient already holding a token is refused."""
    clinic = make_clinic(engine, 2)
    clinic.book(0, "WALKIN", ref="MRN-1001")
    with pytest.raises(DuplicateBooking):
        engine.emergency(clinic.doctor.id, "Ravi Kumar", slot_id=clinic.slots[0].id,
                         patient_ref="MRN-1001", now=BEFORE_OPD)


@pytest.mark.parametrize("end", ["CANCELLED", "COMPLETED", "NO_SHOW"])
def test_a_patient_whose_token_ended_may_book_again_that_day(engine, end):
    """After cancel, completion or no-show the same patient can take a new token."""
    clinic = make_clinic(engine, 2, 2)
    token = clinic.book(0, "WALKIN", ref="MRN-1001")
    now = at(9, 5)
    if end == "CANCELLED":
        engine.cancel(token.id, now=now)
    elif end == "NO_SHOW":
        engine.no_show(token.id, now=now)
    else:
        engine.check_in(token.id, now=now)
        engine.call_next(clinic.doctor.id, now=now)
        engine.complete(token.id, now=now)
    assert engine.token(token.id).status == end
    again = clinic.book(1, "WALKIN", ref="MRN-1001", now=now)
    assert again.status == "BOOKED"


def test_the_same_patient_may_see_another_doctor_or_come_another_day(engine):
    """The duplicate rule is per doctor per day: other doctors and other days are fine."""
    asha = make_clinic(engine, 2, code="AR")
    bina = make_clinic(engine, 2, code="BK")
    tomorrow = engine.add_slot(asha.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 2)
    asha.book(0, "WALKIN", ref="MRN-1001")
    assert bina.book(0, "WALKIN", ref="MRN-1001").status == "BOOKED"
    assert engine.book(tomorrow.id, "Ravi Kumar", "WALKIN", patient_ref="MRN-1001",
                       now=BEFORE_OPD).status == "BOOKED"


def test_without_a_patient_ref_there_is_no_duplicate_check(engine):
    """Two bookings with the same name but no reference are both accepted."""
    clinic = make_clinic(engine, 2)
    first = clinic.book(0, "WALKIN", name="Ravi Kumar")
    second = clinic.book(0, "WALKIN", name="Ravi Kumar")
    assert first.id != second.id
    assert second.status == "BOOKED"


def test_a_reference_typed_in_another_case_is_the_same_patient(engine):
    """Receptionist's reading: MRN-1001 and mrn-1001 are one patient; the duplicate is refused."""
    clinic = make_clinic(engine, 2, 2)
    clinic.book(0, "WALKIN", ref="MRN-1001")
    before = engine.events()
    with pytest.raises(DuplicateBooking):
        clinic.book(1, "WALKIN", ref="mrn-1001")
    assert engine.events() == before
