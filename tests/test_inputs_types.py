"""SPEC §4: every method, reads included, validates its arguments. A wrong type, a
negative limit, a `bool` where an id belongs or an id outside the database's integer
range gets `InvalidInput` (or `NotFound`), never a raw exception, and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from opd_tui.domain import inputs
from opd_tui.engine import AllocationEngine
from opd_tui.errors import InvalidInput, NotFound, OPDError

from clinic import BEFORE_OPD, DAY, Clinic, at, make_clinic

#: Not an id: a flag, beyond PostgreSQL's integer, negative, zero, text, a float.
BAD_IDS = [True, False, 2**31, 2**63, -1, 0, "1", 1.0, None]


@pytest.fixture
def clinic(engine: AllocationEngine) -> Clinic:
    clinic = make_clinic(engine, 2, 2)
    clinic.book(0, "WALKIN", ref="H187943")
    return clinic


def unchanged(engine: AllocationEngine, clinic: Clinic, action, field: str | None = None):
    """Run a call that must be refused as bad input; prove it wrote nothing."""
    events = engine.events()
    views = [clinic.view(i) for i in range(len(clinic.slots))]
    with pytest.raises(InvalidInput) as caught:
        action()
    assert isinstance(caught.value, OPDError)
    if field is not None:
        assert caught.value.field == field, str(caught.value)
    assert str(caught.value).strip() and "pydantic" not in str(caught.value)
    assert engine.events() == events
    assert [clinic.view(i) for i in range(len(clinic.slots))] == views
    return caught.value


# -- ids ----------------------------------------------------------------------------

ID_CALLS = {
    "book": (lambda e, c, x: e.book(x, "Ravi Kumar", "WALKIN", now=BEFORE_OPD), "slot_id"),
    "emergency": (lambda e, c, x: e.emergency(x, "Ravi Kumar", now=BEFORE_OPD), "doctor_id"),
    "emergency_slot": (
        lambda e, c, x: e.emergency(c.doctor.id, "Ravi Kumar", slot_id=x, now=BEFORE_OPD),
        "slot_id",
    ),
    "cancel": (lambda e, c, x: e.cancel(x, now=BEFORE_OPD), "token_id"),
    "check_in": (lambda e, c, x: e.check_in(x, now=BEFORE_OPD), "token_id"),
    "no_show": (lambda e, c, x: e.no_show(x, now=at(9, 5)), "token_id"),
    "complete": (lambda e, c, x: e.complete(x, now=BEFORE_OPD), "token_id"),
    "call_next": (lambda e, c, x: e.call_next(x, now=at(9)), "doctor_id"),
    "move_token": (lambda e, c, x: e.move(x, c.slots[1].id, now=BEFORE_OPD), "token_id"),
    "move_slot": (lambda e, c, x: e.move(1, x, now=BEFORE_OPD), "slot_id"),
    "set_capacity": (lambda e, c, x: e.set_capacity(x, 3, now=BEFORE_OPD), "slot_id"),
    "close_slot": (lambda e, c, x: e.close_slot(x, now=BEFORE_OPD), "slot_id"),
    "delay_doctor": (lambda e, c, x: e.delay_doctor(x, 10, now=BEFORE_OPD), "doctor_id"),
    "add_slot": (lambda e, c, x: e.add_slot(x, at(14), at(15), 2), "doctor_id"),
    "token": (lambda e, c, x: e.token(x), "token_id"),
    "slot_view": (lambda e, c, x: e.slot_view(x, now=BEFORE_OPD), "slot_id"),
    "eta": (lambda e, c, x: e.eta(x, now=BEFORE_OPD), "token_id"),
}
#: `emergency(slot_id=None)` means "the doctor's current slot", not a bad id.
CASES = [
    (name, bad)
    for name in ID_CALLS
    for bad in BAD_IDS
    if not (name == "emergency_slot" and bad is None)
]


@pytest.mark.parametrize(("call", "bad"), CASES, ids=[f"{n}-{b!r}" for n, b in CASES])
def test_a_bad_id_is_refused_as_bad_input_and_nothing_is_written(engine, clinic, call, bad):
    """`True` is not slot 1, `"1"` is not token 1, and 2**31 never reaches the database."""
    action, field = ID_CALLS[call]
    unchanged(engine, clinic, lambda: action(engine, clinic, bad), field=field)


@pytest.mark.parametrize("call", sorted(ID_CALLS))
def test_the_largest_database_id_is_simply_not_found(engine, clinic, call):
    """2_147_483_647 is a well-formed id: no such thing, reported as NotFound."""
    action, _ = ID_CALLS[call]
    events = engine.events()
    with pytest.raises(NotFound):
        action(engine, clinic, inputs.ID_MAX)
    assert engine.events() == events


# -- the clock ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "now", [5, 5.0, "2030-03-04T09:00", DAY, True, "garbage"], ids=repr
)
def test_now_must_be_a_date_and_time(engine, clinic, now):
    """`now=5` is not five seconds past 1970: it is refused, naming `now`."""
    unchanged(engine, clinic, lambda: clinic.book(0, "WALKIN", now=now), field="now")
    unchanged(engine, clinic, lambda: engine.slot_view(clinic.slots[0].id, now=now),
              field="now")


def test_an_aware_now_is_taken_as_local_wall_time(engine, clinic):
    """A time-zone-aware `now` is converted to the hospital's local wall clock."""
    aware = BEFORE_OPD.astimezone().astimezone(UTC)
    token = clinic.book(1, "WALKIN", name="Asha Devi", now=aware)
    assert token.status == "BOOKED"
    assert engine.events()[-1].at == BEFORE_OPD


# -- reads ----------------------------------------------------------------------------

BAD_READS = {
    "events-limit-negative": (lambda e: e.events(limit=-1), "limit"),
    "events-limit-zero": (lambda e: e.events(limit=0), "limit"),
    "events-limit-huge": (lambda e: e.events(limit=10_001), "limit"),
    "events-limit-flag": (lambda e: e.events(limit=True), "limit"),
    "events-after-negative": (lambda e: e.events(after_id=-1), "after_id"),
    "events-after-text": (lambda e: e.events(after_id="0"), "after_id"),
    "events-after-huge": (lambda e: e.events(after_id=2**31), "after_id"),
    "search-none": (lambda e: e.search(None), "text"),
    "search-number": (lambda e: e.search(42), "text"),
    "search-million": (lambda e: e.search("x" * 1_000_000), "text"),
    "search-101": (lambda e: e.search("x" * 101), "text"),
    "search-nul": (lambda e: e.search("Ravi\x00"), "text"),
    "search-limit-zero": (lambda e: e.search("Ravi", limit=0), "limit"),
    "search-limit-huge": (lambda e: e.search("Ravi", limit=501), "limit"),
    "search-limit-flag": (lambda e: e.search("Ravi", limit=True), "limit"),
    "search-day": (lambda e: e.search("Ravi", day="garbage"), "day"),
    "day_summary-garbage": (lambda e: e.day_summary("garbage"), "day"),
    "day_summary-none": (lambda e: e.day_summary(None), "day"),
    "day_summary-int": (lambda e: e.day_summary(20300304), "day"),
    "day_summary-datetime": (lambda e: e.day_summary(at(9)), "day"),
    "day_summary-iso": (lambda e: e.day_summary("2030-03-04"), "day"),
    "day_slots": (lambda e: e.day_slots("garbage"), "day"),
    "doctor_days": (lambda e: e.doctor_days(None), "day"),
    "doctor_days-ids": (lambda e: e.doctor_days(DAY, [True]), "doctor_ids.0"),
    "now_serving": (lambda e: e.now_serving("garbage"), "day"),
    "doctor_queues": (lambda e: e.doctor_queues("garbage"), "day"),
    "doctor_queues-ids": (lambda e: e.doctor_queues(DAY, [True]), "doctor_ids.0"),
    "waiting_counts": (lambda e: e.waiting_counts(5), "day"),
    "doctors": (lambda e: e.doctors(active_only="false"), "active_only"),
    "slot_summaries-text": (lambda e: e.slot_summaries(["1"]), "slot_ids.0"),
    "slot_summaries-flag": (lambda e: e.slot_summaries([True]), "slot_ids.0"),
    "slot_summaries-huge": (lambda e: e.slot_summaries([2**31]), "slot_ids.0"),
    "slot_summaries-int": (lambda e: e.slot_summaries(5), "slot_ids"),
}


@pytest.mark.parametrize("read", sorted(BAD_READS))
def test_reads_validate_their_arguments(engine, clinic, read):
    action, field = BAD_READS[read]
    unchanged(engine, clinic, lambda: action(engine), field=field)


def test_good_reads_answer_as_before(engine, clinic):
    """Validation changes no answer: limits, days and ids as the screens pass them."""
    assert len(engine.events(limit=1)) == 1
    assert engine.events(after_id=inputs.ID_MAX) == []
    assert [t.patient_ref for t in engine.search("h-187943", day=DAY, limit=500)] == ["H187943"]
    assert engine.search("   ") == []
    assert engine.search("x" * 100) == []
    assert engine.day_summary(DAY).tokens == 1
    assert len(engine.day_slots(DAY)) == 2
    assert [d.booked for d in engine.doctor_days(DAY, {clinic.doctor.id})] == [1]
    assert len(engine.slot_summaries({s.id for s in clinic.slots})) == 2
    assert engine.slot_summaries([]) == []
    assert [d.id for d in engine.doctors(active_only=True)] == [clinic.doctor.id]
    assert engine.now_serving(DAY, now=BEFORE_OPD)[0].doctor_id == clinic.doctor.id
    assert engine.waiting_counts(DAY, now=BEFORE_OPD) == {}


# -- the daily rules' commands (models the engine validates with) -------------------


def refused(model, field: str, **values) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        inputs.validate(model, **values)
    assert caught.value.field == field, str(caught.value)
    assert "pydantic" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize("active", ["false", "true", 0, 1, None], ids=repr)
def test_activating_a_doctor_takes_true_or_false_only(active):
    """`set_doctor_active(id, "false")` must not activate the doctor by truthiness."""
    refused(inputs.DoctorActive, "active", doctor_id=1, active=active)
    assert inputs.validate(inputs.DoctorActive, doctor_id=1, active=False).active is False


def test_set_doctor_active_refuses_the_word_false(engine, clinic):
    events = engine.events()
    with pytest.raises(InvalidInput):
        engine.set_doctor_active(clinic.doctor.id, "false")
    assert engine.events() == events
    assert engine.doctor(clinic.doctor.id).active


@pytest.mark.parametrize("model", [inputs.Correction, inputs.SlotCorrection])
def test_a_correction_needs_a_plain_reason_of_1_to_200_characters(model):
    key = "token_id" if model is inputs.Correction else "slot_id"
    good = inputs.validate(model, **{key: 7}, reason="  mis-keyed 09:30  ")
    assert good.reason == "mis-keyed 09:30"
    assert inputs.validate(model, **{key: 7}, reason="x" * 200).reason == "x" * 200
    assert inputs.validate(model, **{key: 7}, reason="42").reason == "42"  # no letter needed
    assert inputs.validate(model, **{key: 7}, reason="गलत डॉक्टर").reason == "गलत डॉक्टर"
    for bad in ("", "   ", "x" * 201, "ok\u202ereversed", "a\nb", "a\u200bb", None, 5):
        refused(model, "reason", **{key: 7}, reason=bad)
    refused(model, key, **{key: True}, reason="mis-keyed")
    refused(inputs.Reason, "reason", reason="\x1b[2J")


def test_a_reassignment_goes_to_another_doctor_on_a_day():
    ok = inputs.validate(inputs.Reassign, doctor_id=1, to_doctor_id=2, day=DAY)
    assert (ok.doctor_id, ok.to_doctor_id, ok.day) == (1, 2, DAY)
    refused(inputs.Reassign, "to_doctor_id", doctor_id=1, to_doctor_id=1, day=DAY)
    refused(inputs.Reassign, "to_doctor_id", doctor_id=1, to_doctor_id=True, day=DAY)
    refused(inputs.Reassign, "day", doctor_id=1, to_doctor_id=2, day="garbage")


@pytest.mark.parametrize("model, field", [(inputs.DayInput, "day"), (inputs.UntilInput, "until")])
def test_a_day_is_a_date_object(model, field):
    assert getattr(inputs.validate(model, **{field: DAY}), field) == DAY
    for bad in ("garbage", "2030-03-04", None, 5, at(9), True):
        refused(model, field, **{field: bad})


def test_leave_takes_a_day_and_a_flag():
    assert inputs.validate(inputs.LeaveInput, doctor_id=1, day=DAY).on_leave is True
    refused(inputs.LeaveInput, "on_leave", doctor_id=1, day=DAY, on_leave="false")
    refused(inputs.LeaveInput, "day", doctor_id=1, day=at(9))


@pytest.mark.parametrize("age", [0, 35, 130])
def test_ages_0_to_130_are_accepted(age):
    assert inputs.validate(inputs.PatientDetails, age=age).age == age


@pytest.mark.parametrize("age", [-1, 131, True, "40", 40.0], ids=repr)
def test_other_ages_are_refused(age):
    refused(inputs.PatientDetails, "age", age=age)
    refused(inputs.NewBooking, "age", slot_id=1, patient_name="Ravi", source="WALKIN", age=age)


@pytest.mark.parametrize(("typed", "sex"), [("f", "F"), ("M", "M"), (" o ", "O")])
def test_sex_is_f_m_or_o_in_any_case(typed, sex):
    assert inputs.validate(inputs.PatientDetails, sex=typed).sex == sex
    walk_in = inputs.validate(inputs.NewWalkIn, doctor_id=1, patient_name="Ravi", sex=typed)
    assert walk_in.sex == sex


@pytest.mark.parametrize("sex", ["X", "female", "", 1, True], ids=repr)
def test_other_sexes_are_refused(sex):
    error = refused(inputs.NewEmergency, "sex", doctor_id=1, patient_name="Ravi", sex=sex)
    assert "F, M or O" in str(error)


def test_details_are_optional_on_every_booking():
    for model, key in [(inputs.NewBooking, "slot_id"), (inputs.NewWalkIn, "doctor_id"),
                       (inputs.NewEmergency, "doctor_id")]:
        values = {key: 1, "patient_name": "Ravi Kumar"}
        if model is inputs.NewBooking:
            values["source"] = "PAID"
        plain = inputs.validate(model, **values)
        assert (plain.age, plain.sex) == (None, None)
        told = inputs.validate(model, **values, age=61, sex="m")
        assert (told.age, told.sex) == (61, "M")


# -- rosters ---------------------------------------------------------------------------


def roster(**changes):
    values = {"doctor_id": 1, "weekday": 0, "sessions": [(time(9), time(13)), (time(14), time(17))],
              "slot_minutes": 30, "capacity": 6}
    values.update(changes)
    return values


def test_a_roster_keeps_its_sessions_in_order():
    shuffled = roster(sessions=[[time(14), time(17)], (time(9), time(13))])
    assert inputs.validate(inputs.RosterInput, **shuffled).sessions == [
        (time(9), time(13)), (time(14), time(17))
    ]
    back_to_back = roster(sessions=[(time(9), time(13)), (time(13), time(14))])
    assert len(inputs.validate(inputs.RosterInput, **back_to_back).sessions) == 2


def test_a_weekday_without_sessions_is_a_day_off():
    assert inputs.validate(inputs.RosterInput, **roster(sessions=[])).sessions == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sessions": [(time(9), time(13)), (time(12), time(15))]}, "sessions"),  # overlap
        ({"sessions": [(time(13), time(9))]}, "sessions"),  # backwards
        ({"sessions": [(time(9), time(9))]}, "sessions"),  # empty
        ({"sessions": [(time(9), time(9, 20))]}, "sessions"),  # shorter than one slot
        ({"sessions": [("09:00", "13:00")]}, "sessions.0.0"),
        ({"sessions": None}, "sessions"),
        ({"weekday": 7}, "weekday"),
        ({"weekday": -1}, "weekday"),
        ({"weekday": True}, "weekday"),
        ({"slot_minutes": 4}, "slot_minutes"),
        ({"slot_minutes": 721}, "slot_minutes"),
        ({"slot_minutes": True}, "slot_minutes"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"doctor_id": 2**31}, "doctor_id"),
    ],
    ids=lambda v: repr(v) if not isinstance(v, dict) else ",".join(v),
)
def test_a_roster_breaking_the_limits_is_refused(changes, field):
    refused(inputs.RosterInput, field, **roster(**changes))


def test_a_session_is_cut_from_a_day_schedule_of_times():
    """The one-off schedule takes times too, and a day without a time of day."""
    ok = inputs.validate(inputs.DaySchedule, doctor_id=1, day=DAY, start=time(9),
                         end=time(13), slot_minutes=30, capacity=4)
    assert ok.day == DAY
    refused(inputs.DaySchedule, "day", doctor_id=1, day=datetime(2030, 3, 4, 9),
            start=time(9), end=time(13), slot_minutes=30, capacity=4)
    refused(inputs.DaySchedule, "day", doctor_id=1, day=date(2030, 3, 4).isoformat(),
            start=time(9), end=time(13), slot_minutes=30, capacity=4)
