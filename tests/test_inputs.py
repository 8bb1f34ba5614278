"""SPEC §4 and §5: input limits, hostile text, error paths, enums and frozen models.

Every refusal must be an `OPDError` (bad input: `InvalidInput` naming the field) and
must change nothing: the event log and the slots involved read the same afterwards.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, time, timedelta

import pytest

from opd_tui.domain.models import Doctor, Slot
from opd_tui.engine import AllocationEngine
from opd_tui.errors import (
    DuplicateDoctorCode,
    InvalidInput,
    NotFound,
    OPDError,
    SlotOverlap,
)

from clinic import BEFORE_OPD, NEXT_DAY, at

MIDNIGHT = datetime.combine(NEXT_DAY, time(0))


@pytest.fixture
def doctor(engine: AllocationEngine) -> Doctor:
    return engine.add_doctor("Asha Rao", "AR")


@pytest.fixture
def slot(engine: AllocationEngine, doctor: Doctor) -> Slot:
    """09:00-09:30 with two seats, plus a second slot 09:30-10:00 for moves."""
    first = engine.add_slot(doctor.id, at(9), at(9, 30), 2)
    engine.add_slot(doctor.id, at(9, 30), at(10), 2)
    return first


def refused(engine: AllocationEngine, action, error=InvalidInput, field: str | None = None):
    """Run a command that must be refused; prove it named the field and changed nothing."""
    events = engine.events()
    slot_ids = sorted({e.slot_id for e in events if e.kind == "SLOT_ADDED"})
    views = [engine.slot_view(s, now=BEFORE_OPD) for s in slot_ids]
    with pytest.raises(error) as caught:
        action()
    assert isinstance(caught.value, OPDError)
    if field is not None:
        assert caught.value.field == field, str(caught.value)
    message = str(caught.value)
    assert message.strip(), "an error must say what was wrong"
    assert "errors.pydantic.dev" not in message
    assert engine.events() == events
    assert [engine.slot_view(s, now=BEFORE_OPD) for s in slot_ids] == views
    return caught.value


# -- patient and doctor names -------------------------------------------------

CONTROL_CHARACTERS = [
    "\x1b[31mRed\x1b[0m",  # ANSI colour escape
    "\x1b]0;pwned\x07Ravi",  # terminal title escape
    "Ravi\x00Kumar",
    "Ravi\nKumar",
    "Ravi\rKumar",
    "Ravi\tKumar",
    "\x07Ravi",
    "Ravi\x7f",  # DEL
    "Ravi\x9b31m",  # C1 CSI
]


@pytest.mark.parametrize("name", CONTROL_CHARACTERS, ids=repr)
def test_a_patient_name_with_control_characters_is_refused(engine, slot, name):
    """Escape sequences and other control characters never reach the database or a screen."""
    refused(
        engine, lambda: engine.book(slot.id, name, "WALKIN", now=BEFORE_OPD), field="patient_name"
    )


@pytest.mark.parametrize("name", CONTROL_CHARACTERS[:3], ids=repr)
def test_an_emergency_name_with_control_characters_is_refused(engine, slot, doctor, name):
    """An emergency booking checks the patient name just the same."""
    refused(engine, lambda: engine.emergency(doctor.id, name, now=BEFORE_OPD), field="patient_name")


#: Characters that hide or disguise text on a screen: SPEC §4 refuses Cc, Cf (but the
#: joiners), Zl, Zp, Co and Cn wherever they stand in a name.
HIDDEN_CHARACTERS = [
    "Ravi\u202eramuK",  # right-to-left override: shows as "RaviKumar" reversed
    "Ravi\u2066Kumar",  # left-to-right isolate
    "Ravi\u200bKumar",  # zero-width space
    "Ravi\u2028Kumar",  # line separator
    "Ravi\u2029Kumar",  # paragraph separator
    "Ravi\ufeffKumar",  # zero-width no-break space (BOM)
    "Ravi\u00adKumar",  # soft hyphen
    "Ravi\ue000Kumar",  # private use
    "Ravi\u0378Kumar",  # unassigned
    "Ravi\U000e0041",  # tag character
]


@pytest.mark.parametrize("name", HIDDEN_CHARACTERS, ids=ascii)
def test_a_patient_name_with_hidden_characters_is_refused(engine, slot, name):
    """A bidi override, a zero-width space or a line separator can't disguise a name."""
    error = refused(
        engine, lambda: engine.book(slot.id, name, "WALKIN", now=BEFORE_OPD), field="patient_name"
    )
    assert "hidden or control character" in str(error)


@pytest.mark.parametrize("name", HIDDEN_CHARACTERS[:4], ids=ascii)
def test_doctor_names_departments_and_rooms_with_hidden_characters_are_refused(engine, name):
    """Every free text the desk shows follows the same rule."""
    refused(engine, lambda: engine.add_doctor(name, "BK"), field="name")
    refused(engine, lambda: engine.add_doctor("Bina Kaur", "BK", department=name),
            field="department")
    refused(engine, lambda: engine.add_doctor("Bina Kaur", "BK", room=name), field="room")


@pytest.mark.parametrize("name", CONTROL_CHARACTERS[:3], ids=repr)
def test_a_doctor_name_with_control_characters_is_refused(engine, name):
    """A doctor's name holding an escape sequence is refused."""
    refused(engine, lambda: engine.add_doctor(name, "BK"), field="name")


@pytest.mark.parametrize(
    "name", ["[bold red]X", "[@click=app.quit]x", "Smith [/b] Jr", "Rao [/"], ids=repr
)
def test_markup_in_a_name_is_stored_literally(engine, slot, name):
    """SPEC §4: a name like [bold red]X is kept exactly as typed, never read as markup."""
    token = engine.book(slot.id, name, "WALKIN", now=BEFORE_OPD)
    assert token.patient_name == name
    assert engine.token(token.id).patient_name == name
    assert [t.patient_name for t in engine.slot_view(slot.id, now=BEFORE_OPD).seated] == [name]


def test_names_of_80_characters_are_accepted_after_trimming(engine, slot):
    """A long name of exactly 80 characters fits; spaces around it are trimmed away."""
    name = "A" * 40 + " " + "B" * 39
    token = engine.book(slot.id, f"   {name}  ", "WALKIN", now=BEFORE_OPD)
    assert len(name) == 80
    assert token.patient_name == name


@pytest.mark.parametrize(
    "name", ["A" * 81, "  " + "A" * 81 + "  ", "Ravi " * 2000], ids=["81", "81-padded", "10000"]
)
def test_names_over_80_characters_are_refused(engine, slot, name):
    """A name longer than 80 characters (after trimming) is refused."""
    refused(
        engine, lambda: engine.book(slot.id, name, "WALKIN", now=BEFORE_OPD), field="patient_name"
    )


@pytest.mark.parametrize("name", ["", "   "], ids=["empty", "blank"])
def test_empty_names_are_refused(engine, slot, name):
    """A patient must have a name: empty or blank is refused."""
    refused(
        engine, lambda: engine.book(slot.id, name, "WALKIN", now=BEFORE_OPD), field="patient_name"
    )


def test_doctor_names_follow_the_same_length_limit(engine):
    """A doctor's name is 1 to 80 characters too."""
    assert engine.add_doctor("D" * 80, "D80").name == "D" * 80
    refused(engine, lambda: engine.add_doctor("D" * 81, "D81"), field="name")
    refused(engine, lambda: engine.add_doctor("  ", "D0"), field="name")


INDIAN_NAMES = [
    "अनन्या शर्मा",  # Devanagari, virama conjuncts
    "\u0915\u094d\u200d\u0937\u092e\u093e",  # Devanagari with ZWJ
    "\u0915\u094d\u200c\u0937\u092e\u093e",  # Devanagari with ZWNJ
    "தமிழ்செல்வி",  # Tamil, pulli and vowel signs
    "ஸ்ரீநிவாசன்",  # Tamil
    "অর্পিতা দাস",  # Bengali
    "\u09b0\u200d\u09cd\u09af\u09be\u09ac",  # Bengali ya-phala with ZWJ
    "সুস্মিতা",  # Bengali
]


@pytest.mark.parametrize("name", INDIAN_NAMES)
def test_indian_script_names_are_accepted_and_stored_literally(engine, slot, name):
    """Devanagari, Tamil and Bengali names, with marks and joiners, are kept exactly as typed."""
    assert any(unicodedata.category(ch).startswith("M") for ch in name)
    token = engine.book(slot.id, name, "ONLINE", now=BEFORE_OPD)
    assert token.patient_name == name
    assert engine.token(token.id).patient_name == name


def test_a_doctor_name_in_devanagari_is_accepted(engine):
    """A doctor can be registered under a Devanagari name."""
    assert engine.add_doctor("डॉ. अनन्या शर्मा", "AS").name == "डॉ. अनन्या शर्मा"


@pytest.mark.parametrize("name", ["Mary-Jane O'Brien", "A. K. Sharma", "Fatima Al-Hassan"])
def test_ordinary_name_punctuation_is_accepted(engine, slot, name):
    """Receptionist's reading of "letters": spaces, hyphens, dots and apostrophes are normal."""
    assert engine.book(slot.id, name, "WALKIN", now=BEFORE_OPD).patient_name == name


# -- doctor codes -------------------------------------------------------------


def test_doctor_codes_are_upper_cased_and_prefix_token_numbers(engine):
    """A code typed in lower case is stored upper case and printed on the slips."""
    doctor = engine.add_doctor("Bina Kaur", "bk2")
    assert doctor.code == "BK2"
    slot = engine.add_slot(doctor.id, at(9), at(10), 5)
    assert engine.book(slot.id, "Ravi Kumar", "WALKIN", now=BEFORE_OPD).number == "BK2-001"


@pytest.mark.parametrize("code", ["A", "ABCDEF", "123456", "x9"])
def test_doctor_codes_of_one_to_six_letters_or_digits_are_accepted(engine, code):
    """Codes are 1 to 6 of A-Z and 0-9."""
    assert engine.add_doctor("Bina Kaur", code).code == code.upper()


@pytest.mark.parametrize(
    "code", ["", "ABCDEFG", "A-1", "A B", "AB_", "ÅB", "ＡＢ", "१२", "[b]", "A\x1b"], ids=repr
)
def test_bad_doctor_codes_are_refused(engine, code):
    """Anything but 1 to 6 ASCII letters or digits is refused as a code."""
    refused(engine, lambda: engine.add_doctor("Bina Kaur", code), field="code")


def test_doctor_codes_are_unique_whatever_the_case(engine, doctor):
    """A second doctor cannot take a code already in use, typed in any case."""
    refused(engine, lambda: engine.add_doctor("Arun Roy", "ar"), error=DuplicateDoctorCode)


# -- patient references -------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "stored"),
    [
        ("abc", "ABC"),
        ("+919876543210", "+919876543210"),
        ("MRN-2030-0001", "MRN20300001"),
        ("AB 123", "AB123"),  # spaces typed in a number are ignored
        ("ab.c", "ABC"),  # and so are dots
        ("A" * 32, "A" * 32),
    ],
)
def test_patient_refs_of_3_to_32_letters_digits_plus_minus_are_accepted(
    engine, slot, ref, stored
):
    """Phone numbers and record numbers are accepted and kept in their normal form (rule 23)."""
    token = engine.book(slot.id, "Ravi Kumar", "WALKIN", patient_ref=ref, now=BEFORE_OPD)
    assert token.patient_ref == stored


@pytest.mark.parametrize(
    "ref",
    ["ab", "A" * 33, "A B", "AB_123", "A/12", "a.b", "[b]x", "AB\x1b1", "AB\n12", "AB\t12",
     "A\u202e12", "AB\u200b12", "---", 12345],
    ids=repr,
)
def test_bad_patient_refs_are_refused(engine, slot, ref):
    """A reference that is too short, too long or holds other characters is refused."""
    refused(
        engine,
        lambda: engine.book(slot.id, "Ravi Kumar", "WALKIN", patient_ref=ref, now=BEFORE_OPD),
        field="patient_ref",
    )


# -- slots --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(9), at(9, 5)),  # 5 minutes
        (at(8), at(20)),  # 12 hours
        (at(23), MIDNIGHT),  # ends exactly at midnight
        (at(12), MIDNIGHT),  # 12 hours up to midnight
    ],
    ids=["5min", "12h", "to-midnight", "12h-to-midnight"],
)
def test_slots_from_5_minutes_to_12_hours_ending_by_midnight_are_accepted(
    engine, doctor, start, end
):
    """A slot of 5 minutes to 12 hours that ends by midnight is accepted as given."""
    slot = engine.add_slot(doctor.id, start, end, 3)
    assert (slot.start, slot.end, slot.capacity, slot.doctor_id) == (start, end, 3, doctor.id)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(9), at(9)),  # empty
        (at(10), at(9)),  # backwards
        (at(9), at(9, 4)),  # 4 minutes
        (at(8), at(20, 1)),  # 12 h 1 min
        (at(23, 30), at(0, 5, day=NEXT_DAY)),  # past midnight
    ],
    ids=["empty", "backwards", "4min", "12h1min", "past-midnight"],
)
def test_slots_breaking_the_time_limits_are_refused(engine, doctor, start, end):
    """A slot empty, backwards, under 5 minutes, over 12 hours or past midnight is refused."""
    error = refused(engine, lambda: engine.add_slot(doctor.id, start, end, 3))
    assert error.field in ("start", "end")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(9, 15), at(9, 45)),
        (at(8, 45), at(9, 15)),
        (at(9, 5), at(9, 25)),
        (at(8), at(11)),
        (at(9), at(9, 30)),
    ],
    ids=["tail", "head", "inside", "around", "same"],
)
def test_overlapping_slots_of_one_doctor_are_refused(engine, doctor, start, end):
    """A doctor cannot have two slots that overlap in time."""
    engine.add_slot(doctor.id, at(9), at(9, 30), 2)
    refused(engine, lambda: engine.add_slot(doctor.id, start, end, 2), error=SlotOverlap)


def test_back_to_back_slots_and_other_doctors_slots_do_not_overlap(engine, doctor):
    """A slot starting when another ends, or another doctor's slot at the same time, is fine."""
    engine.add_slot(doctor.id, at(9), at(9, 30), 2)
    engine.add_slot(doctor.id, at(9, 30), at(10), 2)
    other = engine.add_doctor("Bina Kaur", "BK")
    assert engine.add_slot(other.id, at(9), at(9, 30), 2).doctor_id == other.id


@pytest.mark.parametrize("capacity", [1, 500])
def test_capacities_of_1_to_500_are_accepted(engine, doctor, capacity):
    """A slot holds between 1 and 500 seats."""
    assert engine.add_slot(doctor.id, at(9), at(10), capacity).capacity == capacity


@pytest.mark.parametrize("capacity", [0, -1, 501])
def test_capacities_outside_1_to_500_are_refused_for_new_slots(engine, doctor, capacity):
    """A new slot with no seats or more than 500 is refused."""
    refused(engine, lambda: engine.add_slot(doctor.id, at(9), at(10), capacity), field="capacity")


@pytest.mark.parametrize("capacity", [0, -1, 501])
def test_capacities_outside_1_to_500_are_refused_for_changes(engine, slot, capacity):
    """Changing a slot's capacity to 0 or over 500 is refused."""
    refused(
        engine, lambda: engine.set_capacity(slot.id, capacity, now=BEFORE_OPD), field="capacity"
    )


def test_capacity_500_is_accepted_as_a_change(engine, slot):
    """Capacity can be raised up to 500."""
    assert engine.set_capacity(slot.id, 500, now=BEFORE_OPD).capacity == 500


def test_a_slot_for_an_unknown_doctor_is_not_found(engine, doctor):
    """A slot for a doctor id that does not exist is reported as not found."""
    refused(engine, lambda: engine.add_slot(9999, at(9), at(10), 2), error=NotFound)


# -- delay --------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, -5, 241])
def test_delays_outside_1_to_240_minutes_are_refused(engine, slot, doctor, minutes):
    """A delay is 1 to 240 minutes; anything else is refused."""
    refused(
        engine, lambda: engine.delay_doctor(doctor.id, minutes, now=BEFORE_OPD), field="minutes"
    )


@pytest.mark.parametrize("minutes", [1, 240])
def test_delays_of_1_to_240_minutes_are_accepted(engine, slot, doctor, minutes):
    """The shortest and longest delays are accepted and shift the slot by that much."""
    shifted = {s.id: s for s in engine.delay_doctor(doctor.id, minutes, now=BEFORE_OPD)}
    assert shifted[slot.id].start == at(9) + timedelta(minutes=minutes)


# -- sources ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "source"),
    [
        ("paid", "PAID"),
        ("Paid", "PAID"),
        ("wAlKiN", "WALKIN"),
        ("followup", "FOLLOWUP"),
        ("Online", "ONLINE"),
    ],
)
def test_sources_are_accepted_in_any_case(engine, slot, typed, source):
    """Scripts and receptionists may type the source in any case."""
    token = engine.book(slot.id, "Ravi Kumar", typed, now=BEFORE_OPD)
    assert token.source == source


@pytest.mark.parametrize("source", ["VIP", "", "PAID1", "walk-in"])
def test_unknown_sources_are_refused(engine, slot, source):
    """A source outside the five is refused, naming the field."""
    refused(
        engine,
        lambda: engine.book(slot.id, "Ravi Kumar", source, now=BEFORE_OPD),
        field="source",
    )


# -- unknown ids --------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.token(9999),
        lambda e: e.slot_view(9999, now=BEFORE_OPD),
        lambda e: e.eta(9999, now=BEFORE_OPD),
        lambda e: e.check_in(9999, now=BEFORE_OPD),
        lambda e: e.no_show(9999, now=BEFORE_OPD),
        lambda e: e.complete(9999, now=BEFORE_OPD),
        lambda e: e.move(9999, 1, now=BEFORE_OPD),
    ],
    ids=["token", "slot_view", "eta", "check_in", "no_show", "complete", "move"],
)
def test_unknown_ids_are_reported_as_not_found(engine, slot, call):
    """Any id that does not exist gives a NotFound error, never a crash."""
    refused(engine, lambda: call(engine), error=NotFound)


# -- enums and frozen models --------------------------------------------------


def test_status_source_and_kind_compare_equal_to_upper_case_strings(engine, slot):
    """Statuses, sources, slot statuses and event kinds read as their upper-case names."""
    token = engine.book(slot.id, "Ravi Kumar", "paid", now=BEFORE_OPD)
    assert token.status == "BOOKED" and isinstance(token.status, str)
    assert token.source == "PAID" and isinstance(token.source, str)
    assert {"BOOKED": 1}[token.status] == 1
    assert engine.slot_view(slot.id, now=BEFORE_OPD).status == "OPEN"
    assert engine.events()[-1].kind == "BOOKED"
    dumped = token.model_dump(mode="json")
    assert (dumped["status"], dumped["source"]) == ("BOOKED", "PAID")


def test_returned_models_are_frozen(engine, doctor, slot):
    """What the engine hands out cannot be changed by the caller."""
    token = engine.book(slot.id, "Ravi Kumar", "WALKIN", now=BEFORE_OPD)
    view = engine.slot_view(slot.id, now=BEFORE_OPD)
    event = engine.events()[-1]
    for model, field, value in [
        (token, "status", "CANCELLED"),
        (doctor, "name", "Someone Else"),
        (slot, "capacity", 99),
        (view, "occupancy", 0),
        (event, "kind", "CANCELLED"),
    ]:
        with pytest.raises((TypeError, ValueError)):
            setattr(model, field, value)
    assert engine.token(token.id).status == "BOOKED"
