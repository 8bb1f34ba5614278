"""Rule 24: a doctor's week is a roster, and `ensure_days` turns it into slots.

On a SQLite file and on PostgreSQL (`backend_engine`): the slots of every active
doctor for every day from today (the `now` given) to `until`, cut from the
weekday's sessions, made once (a second call makes none); leave dates and days
that already have slots are left alone; an inactive doctor gets none; a bad
roster is refused with InvalidInput and changes nothing. Then, marked slow, two
processes calling `ensure_days` at the same moment on one database make each
slot once.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest

from opd_tui.engine import AllocationEngine
from opd_tui.errors import InvalidInput

import _proc_workers as workers
from invariants import check_invariants

MONDAY = date(2026, 3, 2)
#: Monday morning, before the OPD opens: today is the first day generated.
NOW = datetime.combine(MONDAY, time(7, 0))
MORNING = [(time(9, 0), time(11, 0))]
TWO_SESSIONS = [(time(9, 0), time(10, 0)), (time(14, 0), time(15, 30))]


def _slots(eng: AllocationEngine, first: date, last: date,
           doctor_id: int | None = None) -> list[tuple[int, datetime, datetime, int]]:
    """Every slot of these days as (doctor, start, end, capacity), by start."""
    found = []
    day = first
    while day <= last:
        found += [(s.doctor_id, s.start, s.end, s.capacity) for s in eng.day_slots(day)
                  if doctor_id is None or s.doctor_id == doctor_id]
        day += timedelta(days=1)
    return sorted(found, key=lambda s: (s[1], s[0]))


def _days_with_slots(eng: AllocationEngine, doctor_id: int, first: date, last: date) -> list[date]:
    return sorted({start.date() for _, start, _, _ in _slots(eng, first, last, doctor_id)})


def test_a_week_of_rosters_becomes_slots_once(backend_engine: AllocationEngine) -> None:
    eng = backend_engine
    rao = eng.add_doctor("Anjali Rao", "RAO")
    roster = eng.set_roster(rao.id, 0, TWO_SESSIONS, slot_minutes=30, capacity=4)  # Monday
    assert roster.sessions == TWO_SESSIONS and roster.capacity == 4
    eng.set_roster(rao.id, 2, MORNING, slot_minutes=60, capacity=6)  # Wednesday
    assert [(r.weekday, r.slot_minutes) for r in eng.rosters(rao.id)] == [(0, 30), (2, 60)]

    until = MONDAY + timedelta(days=9)  # Monday to the next Wednesday
    made = eng.ensure_days(until, now=NOW)

    monday = [(datetime.combine(MONDAY, time(h, m)), datetime.combine(MONDAY, time(*e)))
              for (h, m), e in [((9, 0), (9, 30)), ((9, 30), (10, 0)), ((14, 0), (14, 30)),
                                ((14, 30), (15, 0)), ((15, 0), (15, 30))]]
    wednesday = MONDAY + timedelta(days=2)
    expected = (
        [(rao.id, s, e, 4) for s, e in monday]
        + [(rao.id, datetime.combine(wednesday, time(9)), datetime.combine(wednesday, time(10)), 6),
           (rao.id, datetime.combine(wednesday, time(10)), datetime.combine(wednesday, time(11)), 6)]
        + [(rao.id, s + timedelta(days=7), e + timedelta(days=7), 4) for s, e in monday]
        + [(rao.id, datetime.combine(wednesday + timedelta(days=7), time(h)),
            datetime.combine(wednesday + timedelta(days=7), time(h + 1)), 6) for h in (9, 10)]
    )
    assert _slots(eng, MONDAY, until) == expected
    assert sorted((s.doctor_id, s.start, s.end, s.capacity) for s in made) == sorted(expected)
    # Nothing before today, nothing after `until`.
    assert _slots(eng, MONDAY - timedelta(days=7), MONDAY - timedelta(days=1)) == []
    assert _slots(eng, until + timedelta(days=1), until + timedelta(days=14)) == []

    # Once: the second call makes none and changes nothing.
    events = eng.last_event_id()
    assert eng.ensure_days(until, now=NOW) == []
    assert eng.last_event_id() == events
    assert _slots(eng, MONDAY, until) == expected
    # The generated slots are ordinary slots: a booking takes a seat.
    first = eng.day_slots(MONDAY)[0]
    token = eng.book(first.id, "Asha Rao", "WALKIN", now=NOW)
    assert token.status == "BOOKED" and token.number == "RAO-001"
    check_invariants(eng, NOW)


def test_a_later_until_adds_only_the_new_days(backend_engine: AllocationEngine) -> None:
    eng = backend_engine
    doctor = eng.add_doctor("Vikram Iyer", "IYER")
    for weekday in range(7):
        eng.set_roster(doctor.id, weekday, MORNING, slot_minutes=60, capacity=5)
    first = eng.ensure_days(MONDAY + timedelta(days=2), now=NOW)
    assert len(first) == 3 * 2
    more = eng.ensure_days(MONDAY + timedelta(days=4), now=NOW)
    assert sorted({s.start.date() for s in more}) == [MONDAY + timedelta(days=3),
                                                      MONDAY + timedelta(days=4)]
    assert len(_slots(eng, MONDAY, MONDAY + timedelta(days=4))) == 5 * 2


def test_leave_days_and_days_with_slots_are_left_alone(backend_engine: AllocationEngine) -> None:
    eng = backend_engine
    doctor = eng.add_doctor("Meera Nair", "NAIR")
    for weekday in range(5):  # Monday to Friday
        eng.set_roster(doctor.id, weekday, MORNING, slot_minutes=30, capacity=3)
    tuesday, thursday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=3)
    eng.set_leave(doctor.id, thursday)
    assert eng.leave_days(doctor.id) == [thursday]
    # Tuesday already has a slot made by hand: the roster does not add to it.
    by_hand = eng.add_slot(doctor.id, datetime.combine(tuesday, time(16)),
                           datetime.combine(tuesday, time(16, 30)), 2)

    friday = MONDAY + timedelta(days=4)
    eng.ensure_days(friday + timedelta(days=2), now=NOW)  # to Sunday: no roster at weekends
    assert _days_with_slots(eng, doctor.id, MONDAY, friday + timedelta(days=2)) == [
        MONDAY, tuesday, MONDAY + timedelta(days=2), friday]
    assert [s.id for s in eng.day_slots(tuesday)] == [by_hand.id]
    assert eng.day_slots(thursday) == []
    assert len(eng.day_slots(MONDAY)) == 4  # 09:00-11:00 by 30 minutes

    # Leave taken back: the next call fills the day.
    eng.set_leave(doctor.id, thursday, on_leave=False)
    assert eng.leave_days(doctor.id) == []
    made = eng.ensure_days(friday, now=NOW)
    assert {s.start.date() for s in made} == {thursday}
    assert len(eng.day_slots(thursday)) == 4


def test_an_inactive_doctor_gets_no_slots(backend_engine: AllocationEngine) -> None:
    eng = backend_engine
    away = eng.add_doctor("Kavya Menon", "MENON")
    here = eng.add_doctor("Arjun Das", "DAS")
    for doctor in (away, here):
        eng.set_roster(doctor.id, 0, MORNING, slot_minutes=60, capacity=4)
    eng.set_doctor_active(away.id, False, now=NOW)
    made = eng.ensure_days(MONDAY + timedelta(days=6), now=NOW)
    assert {s.doctor_id for s in made} == {here.id}
    assert _slots(eng, MONDAY, MONDAY + timedelta(days=6), away.id) == []
    # Back at work: the days not yet generated for them are.
    eng.set_doctor_active(away.id, True, now=NOW)
    made = eng.ensure_days(MONDAY + timedelta(days=6), now=NOW)
    assert {s.doctor_id for s in made} == {away.id}
    assert len(made) == 2


def test_today_is_generated_whole(backend_engine: AllocationEngine) -> None:
    """Generated at 10:15 on Monday: today is a day like the others, its whole
    roster made (the 09:00 slot has ended: it takes no bookings, rule 1)."""
    eng = backend_engine
    doctor = eng.add_doctor("Farah Khan", "KHAN")
    eng.set_roster(doctor.id, 0, [(time(9), time(12))], slot_minutes=60, capacity=4)
    at = datetime.combine(MONDAY, time(10, 15))
    made = eng.ensure_days(MONDAY, now=at)
    assert [(s.start.time(), s.end.time()) for s in made] == [
        (time(9), time(10)), (time(10), time(11)), (time(11), time(12))]
    assert [s.status for s in eng.day_slots(MONDAY, now=at)] == ["ENDED", "OPEN", "OPEN"]


def test_until_before_today_makes_nothing(backend_engine: AllocationEngine) -> None:
    eng = backend_engine
    doctor = eng.add_doctor("Rohit Sen", "SEN")
    eng.set_roster(doctor.id, 6, MORNING, slot_minutes=60, capacity=4)  # Sunday
    assert eng.ensure_days(MONDAY - timedelta(days=1), now=NOW) == []
    assert _slots(eng, MONDAY - timedelta(days=7), MONDAY) == []


BAD_ROSTERS: dict[str, dict[str, object]] = {
    "overlapping sessions": {"weekday": 1, "sessions": [(time(9), time(12)), (time(11), time(13))],
                             "slot_minutes": 30, "capacity": 4},
    "a slot longer than its session": {"weekday": 1, "sessions": [(time(9), time(9, 45))],
                                       "slot_minutes": 60, "capacity": 4},
    "weekday 7": {"weekday": 7, "sessions": MORNING, "slot_minutes": 30, "capacity": 4},
    "weekday -1": {"weekday": -1, "sessions": MORNING, "slot_minutes": 30, "capacity": 4},
    "capacity 0": {"weekday": 1, "sessions": MORNING, "slot_minutes": 30, "capacity": 0},
    "a session ending before it starts": {"weekday": 1, "sessions": [(time(12), time(9))],
                                          "slot_minutes": 30, "capacity": 4},
}


@pytest.mark.parametrize("bad", sorted(BAD_ROSTERS))
def test_a_bad_roster_is_refused_and_changes_nothing(backend_engine: AllocationEngine,
                                                     bad: str) -> None:
    eng = backend_engine
    doctor = eng.add_doctor("Sana Ali", "ALI")
    eng.set_roster(doctor.id, 1, MORNING, slot_minutes=60, capacity=2)
    before, events = eng.rosters(doctor.id), eng.last_event_id()
    with pytest.raises(InvalidInput):
        eng.set_roster(doctor.id, **BAD_ROSTERS[bad])
    assert eng.rosters(doctor.id) == before
    assert eng.last_event_id() == events
    # The good roster still generates as it did.
    made = eng.ensure_days(MONDAY + timedelta(days=1), now=NOW)
    assert [(s.start.time(), s.capacity) for s in made] == [(time(9), 2), (time(10), 2)]


# -- two desks generating at once --------------------------------------------------


def _race(url: str, until: date, processes: int) -> list[dict[str, object]]:
    reports = workers.run_ensure_days(url, until, NOW, processes=processes)
    failed = [r["error"] for r in reports if not r["ok"]]
    assert not failed, f"ensure_days failed in a process: {failed[0]}"
    return reports


@pytest.mark.slow
def test_desks_generating_at_the_same_moment_make_each_slot_once(backend_url: str) -> None:
    """Three processes call ensure_days at once (then again for a later `until`,
    over days some of them have made): every rostered slot exists exactly once,
    and each was made by exactly one of them."""
    eng = AllocationEngine.open(backend_url)
    try:
        doctors = [eng.add_doctor(f"Doctor {code}", code) for code in ("AA", "BB", "CC")]
        for doctor in doctors:
            for weekday in range(6):  # Monday to Saturday
                eng.set_roster(doctor.id, weekday, TWO_SESSIONS, slot_minutes=30, capacity=5)
        eng.set_leave(doctors[1].id, MONDAY + timedelta(days=3))
    finally:
        eng.close()

    made: Counter[tuple[int, str]] = Counter()
    for until in (MONDAY + timedelta(days=6), MONDAY + timedelta(days=13)):
        for report in _race(backend_url, until, processes=3):
            made.update((d, start) for d, start in report["made"])  # type: ignore[attr-defined]

    eng = AllocationEngine.open(backend_url)
    try:
        last = MONDAY + timedelta(days=13)
        slots = _slots(eng, MONDAY, last)
        starts = Counter((d, s) for d, s, _, _ in slots)
        assert [k for k, n in starts.items() if n > 1] == [], "a slot was made twice"
        # 12 days Monday-Saturday x 5 slots x 3 doctors, less one day of leave.
        assert len(slots) == (12 * 5 * 3) - 5
        assert {k: n for k, n in made.items() if n > 1} == {}, "two desks made the same slot"
        assert set(made) == {(d, s.isoformat()) for d, s, _, _ in slots}
        check_invariants(eng, NOW)
    finally:
        eng.close()
