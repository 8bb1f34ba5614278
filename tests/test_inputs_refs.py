"""Rule 23 and SPEC §4: a patient reference is a phone number or a hospital identifier,
stored and compared in one normal form, so any spelling of a number is one patient.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from opd_tui.domain import inputs
from opd_tui.domain.inputs import normal_ref, patient_key
from opd_tui.errors import DuplicateBooking, InvalidInput

from clinic import BEFORE_OPD, make_clinic

MOBILE = "+919876543210"
#: How receptionists and patients type one Indian mobile number.
SPELLINGS = ["+91 98765 43210", "9876543210", "09876543210", "+919876543210", "(098765) 43210",
             "+91-98765-43210", "98765.43210"]


@pytest.fixture(autouse=True)
def _indian_hospital(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(inputs.REGION_SETTING, raising=False)


@pytest.mark.parametrize("typed", SPELLINGS)
def test_every_spelling_of_a_mobile_number_is_stored_in_e164(engine, typed):
    """A phone number of the hospital's region is stored as +91..., however it was typed."""
    clinic = make_clinic(engine, 2)
    assert clinic.book(0, "WALKIN", ref=typed).patient_ref == MOBILE


@pytest.mark.parametrize("again", SPELLINGS)
def test_the_spellings_of_one_number_are_one_patient(engine, again):
    """Rule 15 on normal forms: a second live token with the same doctor that day is
    refused whichever way the number is typed the second time, and nothing is written."""
    clinic = make_clinic(engine, 2, 2)
    clinic.book(0, "WALKIN", ref="+91 98765 43210")
    before, view = engine.events(), clinic.view(1)
    with pytest.raises(DuplicateBooking):
        clinic.book(1, "PAID", name="Ravi K", ref=again)
    assert engine.events() == before
    assert clinic.view(1) == view


def test_an_emergency_compares_the_normal_form_too(engine):
    """The emergency path normalises the reference like a booking."""
    clinic = make_clinic(engine, 2)
    clinic.book(0, "WALKIN", ref="09876543210")
    with pytest.raises(DuplicateBooking):
        engine.emergency(clinic.doctor.id, "Ravi Kumar", patient_ref="+91 98765 43210",
                         now=BEFORE_OPD)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("h-187943", "H187943"),
        ("H 187 943", "H187943"),
        ("uhid-2030-0001", "UHID20300001"),
        ("UHID9876543210", "UHID9876543210"),  # holds a phone number, is an identifier
        ("1234567", "1234567"),  # too short for a phone: a hospital number
        ("12-34-56-7", "1234567"),
    ],
)
def test_identifiers_are_upper_cased_without_spaces_or_dashes(engine, typed, stored):
    """Anything that is not a valid phone number of the region is an identifier."""
    clinic = make_clinic(engine, 2)
    assert clinic.book(0, "WALKIN", ref=typed).patient_ref == stored


def test_one_identifier_in_two_spellings_is_one_patient(engine):
    """`h-187943` and `H187943` are the same hospital number."""
    clinic = make_clinic(engine, 2, 2)
    clinic.book(0, "WALKIN", ref="h-187943")
    with pytest.raises(DuplicateBooking):
        clinic.book(1, "WALKIN", ref="H187943")


def test_search_finds_a_patient_by_any_spelling_of_the_number(engine):
    """The desk's search looks a typed number up in its normal form."""
    clinic = make_clinic(engine, 2)
    token = clinic.book(0, "WALKIN", ref="+91 98765 43210")
    for typed in ("09876543210", "98765 43210", "+919876543210", "43210"):
        assert [t.id for t in engine.search(typed)] == [token.id], typed


# -- the pure function ------------------------------------------------------------


@pytest.mark.parametrize("typed", SPELLINGS)
def test_normal_ref_gives_e164_for_every_spelling(typed):
    assert normal_ref(typed) == MOBILE
    assert patient_key(typed) == MOBILE


def test_normal_ref_reads_digits_of_any_script():
    """A kiosk patient may type the number in Devanagari or full-width digits."""
    assert normal_ref("९८७६५४३२१०") == MOBILE
    assert normal_ref("９８７６５４３２１０") == MOBILE


@pytest.mark.parametrize(
    "typed", ["", "ab", "--", "---", "A" * 33, "AB_1", "A/12", "AB\n12", "A\u202e12", "[b]x"],
    ids=ascii,
)
def test_normal_ref_refuses_what_is_no_reference(typed):
    with pytest.raises(ValueError) as caught:
        normal_ref(typed)
    assert str(caught.value)


def test_the_region_is_read_when_a_reference_is_read(monkeypatch):
    """OPD_REGION decides which numbers are phones, without restarting anything."""
    monkeypatch.setenv(inputs.REGION_SETTING, "US")
    assert normal_ref("(201) 555-0123") == "+12015550123"
    assert normal_ref("9876543210") == "9876543210"  # not a US number: an identifier
    monkeypatch.setenv(inputs.REGION_SETTING, "in")
    assert normal_ref("9876543210") == MOBILE
    assert normal_ref("2015550123") == "2015550123"


def test_a_lookup_needs_a_reference():
    """`patient(ref)` takes a reference and reads it in its normal form."""
    assert inputs.validate(inputs.PatientLookup, ref="098765 43210").ref == MOBILE
    for bad in ("", "  ", None, "ab", 9876543210):
        with pytest.raises(InvalidInput) as caught:
            inputs.validate(inputs.PatientLookup, ref=bad)
        assert caught.value.field == "ref"


# -- properties --------------------------------------------------------------------


def _valid_indian_mobile(national: str) -> bool:
    number = phonenumbers.parse(national, "IN")
    return phonenumbers.is_valid_number_for_region(number, "IN")


@given(
    first=st.sampled_from("6789"),
    rest=st.text(alphabet="0123456789", min_size=9, max_size=9),
    spelling=st.sampled_from(
        [
            "{n}",
            "0{n}",
            "+91{n}",
            "+91 {a} {b}",
            "+91-{a}-{b}",
            "(0{a}) {b}",
            "0{a} {b}",
            "91{n}",
            " {a}.{b} ",
        ]
    ),
)
def test_any_valid_indian_mobile_in_any_spelling_has_one_normal_form(first, rest, spelling):
    national = first + rest
    assume(_valid_indian_mobile(national))
    typed = spelling.format(n=national, a=national[:5], b=national[5:])
    assert normal_ref(typed) == "+91" + national


@given(st.text(alphabet="abcdefghXYZ0123456789-+ .", min_size=1, max_size=40))
def test_the_normal_form_is_its_own_normal_form(typed):
    """Normalising twice changes nothing, so stored keys and fresh input always agree."""
    try:
        once = normal_ref(typed)
    except ValueError:
        return
    assert normal_ref(once) == once
    assert inputs.REF_MIN <= len(once) <= inputs.REF_MAX
