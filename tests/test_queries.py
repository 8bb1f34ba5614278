"""The engine's read-only queries the screens rely on (beyond SPEC §5)."""

from __future__ import annotations

from opd_tui.engine import AllocationEngine

from clinic import BEFORE_OPD, DAY, at, make_clinic


def test_emergency_slot_names_the_slot_an_emergency_would_take(engine: AllocationEngine) -> None:
    """The desk shows where rule 2 will seat the emergency before it confirms."""
    clinic = make_clinic(engine, 1, 1, 1)
    assert engine.emergency_slot(clinic.doctor.id, now=BEFORE_OPD).id == clinic.slots[0].id
    assert engine.emergency_slot(clinic.doctor.id, now=at(9, 40)).id == clinic.slots[1].id
    clinic.book(2, "WALKIN", now=at(9, 40))
    shown = engine.emergency_slot(clinic.doctor.id, now=at(10, 5))
    assert (shown.id, shown.occupancy, shown.status) == (clinic.slots[2].id, 1, "FULL")
    seated = engine.emergency(clinic.doctor.id, "Mohan Lal", now=at(10, 5))
    assert seated.slot_id == shown.id  # the engine seats it where the desk said
    assert engine.emergency_slot(clinic.doctor.id, now=at(10, 30)) is None


def test_doctor_days_counts_one_doctor_or_all(engine: AllocationEngine) -> None:
    """Booked of capacity per doctor; a closed slot adds no capacity."""
    rao = make_clinic(engine, 2, 3, 4, code="RAO")
    make_clinic(engine, 4, code="KHAN")
    engine.close_slot(rao.slots[2].id, now=BEFORE_OPD)
    rao.book(0, "WALKIN")
    rao.fill(0, "ONLINE", "WALKIN")  # the second one waits
    days = {d.doctor.code: d for d in engine.doctor_days(DAY)}
    assert (days["RAO"].booked, days["RAO"].capacity, days["RAO"].waitlisted) == (2, 5, 1)
    assert (days["KHAN"].booked, days["KHAN"].capacity) == (0, 4)
    only = engine.doctor_days(DAY, [rao.doctor.id])
    assert [d.doctor.code for d in only] == ["RAO"] and only[0] == days["RAO"]


def test_search_finds_a_token_by_number_reference_or_part_of_the_name(
    engine: AllocationEngine,
) -> None:
    """The desk's search box: RAO-001, a phone number in any case, or 'kum'."""
    clinic = make_clinic(engine, 3, code="RAO")
    ravi = clinic.book(0, "WALKIN", name="Ravi Kumar", ref="MRN-77")
    clinic.book(0, "ONLINE", name="Sita Devi")
    assert [t.id for t in engine.search("rao-001")] == [ravi.id]
    assert [t.id for t in engine.search("mrn-77")] == [ravi.id]
    assert [t.id for t in engine.search("kum")] == [ravi.id]
    assert engine.search("   ") == []


def test_search_takes_numbers_and_phones_as_receptionists_type_them(
    engine: AllocationEngine,
) -> None:
    """`rao-2`, `RAO2`, `rao 002` and `2` find RAO-002; part of a phone number, or the
    number with spaces, finds its patient; % and _ are characters, not wildcards."""
    clinic = make_clinic(engine, 3, code="RAO")
    first = clinic.book(0, "WALKIN", name="Ravi Kumar", ref="+919812345678")
    second = clinic.book(0, "ONLINE", name="Sita Devi", ref="H-100002")
    other = make_clinic(engine, 3, code="KHAN2").book(0, "PAID", name="Leela Nair")
    for typed in ("rao-2", "RAO2", "rao 002", "Rao-0002"):
        assert [t.id for t in engine.search(typed)] == [second.id], typed
    assert {t.id for t in engine.search("2")} == {second.id}
    assert [t.id for t in engine.search("khan2-1")] == [other.id]
    assert [t.id for t in engine.search("9812345678")] == [first.id]
    assert [t.id for t in engine.search("+91 98123 45678")] == [first.id]
    assert [t.id for t in engine.search("h-1000")] == [second.id]
    assert engine.search("981") == []  # three characters of a phone are too few
    assert engine.search("%") == [] and engine.search("_") == []


def test_search_finds_a_name_in_any_order_and_a_hospital_number_however_typed(
    engine: AllocationEngine,
) -> None:
    """Issue 9: "Ghosh Kiran" finds Kiran Ghosh, and h187943 finds H-187943."""
    clinic = make_clinic(engine, 3, code="RAO")
    kiran = clinic.book(0, "WALKIN", name="Kiran Ghosh", ref="H-187943")
    clinic.book(0, "ONLINE", name="Kiran Rao")
    for typed in ("Ghosh Kiran", "kiran ghosh", "  GHOSH   kir ", "gho kir"):
        assert [t.id for t in engine.search(typed)] == [kiran.id], typed
    for typed in ("h187943", "H-187943", "h-187943", "H 187943", "187943"):
        assert [t.id for t in engine.search(typed)] == [kiran.id], typed
    assert engine.search("ghosh rao") == []  # every word must be in the one name


def test_doctor_queues_tell_who_is_with_the_doctor_and_how_many_wait_in_the_hall(
    engine: AllocationEngine,
) -> None:
    rao = make_clinic(engine, 3, code="RAO")
    khan = make_clinic(engine, 3, code="KHAN")
    make_clinic(engine, 3, code="IYER").book(0, "ONLINE", name="Not yet here")
    first, second, third = (rao.book(0, "WALKIN", name=n) for n in ("Ravi", "Sita", "Gopal"))
    for token in (first, second, third):
        engine.check_in(token.id, now=at(9, 1))
    called = engine.call_next(rao.doctor.id, now=at(9, 5))
    engine.check_in(khan.book(0, "PAID", name="Leela").id, now=at(9, 6))
    queues = {q.doctor_id: q for q in engine.doctor_queues(DAY)}
    assert set(queues) == {rao.doctor.id, khan.doctor.id}  # Dr Iyer's patient is not here
    assert (queues[rao.doctor.id].with_doctor, queues[rao.doctor.id].in_hall) == (called.number, 2)
    assert (queues[khan.doctor.id].with_doctor, queues[khan.doctor.id].in_hall) == (None, 1)
    assert engine.doctor_queues(DAY, [khan.doctor.id]) == [queues[khan.doctor.id]]


def test_slot_summaries_tell_whether_a_slot_takes_bookings(engine: AllocationEngine) -> None:
    """Closed and ended slots are not bookable; full and overbooked ones are."""
    clinic = make_clinic(engine, 1, 1, 1)
    clinic.book(1, "WALKIN")
    engine.close_slot(clinic.slots[2].id, now=BEFORE_OPD)
    bookable = [s.bookable for s in engine.day_slots(DAY, now=at(9, 40))]
    assert bookable == [False, True, False]
    assert engine.slot_view(clinic.slots[1].id, now=at(9, 40)).bookable
