"""Booking at the counter as fast as a receptionist types (issue 9): a returning
patient from the phone or hospital number, a new one recorded with the booking, a
walk-in to the next free seat, bursts of keys and a barcode scanner.

The fixed day of conftest (10:30): Dr Rao's 10:00 slot is full with Sita waiting,
11:00 has one seat left, 12:00 is empty. Kiran Ghosh (H-187943, 34, F) and Arun
Mehta (9876543210, 61, M) have been here before, with Dr Iyer earlier today.

A burst is sent the way a terminal delivers a paste or a scanner's keys: every key
handed to the app at once, none waiting for the one before to be handled
(`burst`); the tests then let the app settle and look at the database and the
screen. Nothing here waits on the wall clock for the app to be fast.
"""

from __future__ import annotations

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Select

from opd_tui.domain.enums import TokenStatus
from opd_tui.tui.modals import BookingForm

from .conftest import EARLY, World, desk_open, press, settle, type_text

KIRAN_REF, ARUN_PHONE = "H-187943", "9876543210"

CHARACTERS = {"tab": "\t", "enter": "\r", "space": " ", "backspace": "\x7f"}
NAMED = {"-": "minus", "+": "plus", " ": "space", "@": "at", "?": "question_mark",
         "!": "exclamation_mark", "/": "slash"}


def keys_of(*typed: str) -> list[str]:
    """Keys as pilot names them: `text:` spelled out, other entries as they are."""
    out: list[str] = []
    for entry in typed:
        if entry.startswith("text:"):
            out.extend(NAMED.get(ch, ch) for ch in entry[5:])
        else:
            out.append(entry)
    return out


def burst(pilot: Pilot, *typed: str) -> None:
    """Hand every key to the app at once, as a paste or a barcode scanner does."""
    app = pilot.app
    for key in keys_of(*typed):
        char = CHARACTERS.get(key, key if len(key) == 1 else None)
        if char is None:
            char = next((c for c, name in NAMED.items() if name == key), None)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


def field(form: BookingForm, name: str) -> str:
    return form.query_one(f"#{name}", Input).value


def note(form: BookingForm, name: str) -> str:
    return str(form.query_one(f"#{name}").render())


def returning_patients(world: World) -> None:
    iyer_nine = world.slot("IYER", 9).id
    world.engine.book(iyer_nine, "Kiran Ghosh", "WALKIN", KIRAN_REF, now=EARLY, age=34, sex="F")
    world.engine.book(iyer_nine, "Arun Mehta", "PAID", ARUN_PHONE, now=EARLY, age=61, sex="M")


def seated_names(pilot: Pilot) -> list[str]:
    table = pilot.app.desk.seated
    return [table.get_cell(row, "name").plain for row in table.rows]


# -- patients (rule 23) ------------------------------------------------------------


async def test_a_returning_patient_is_filled_in_from_the_phone_number(world: World) -> None:
    returning_patients(world)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b", "tab")  # Dr Rao 11:00; to the number field
        form = pilot.app.screen
        assert isinstance(form, BookingForm)
        await type_text(pilot, "+91 98765 43210")
        await settle(pilot)
        assert (field(form, "patient_name"), field(form, "age"), field(form, "sex")) == (
            "Arun Mehta", "61", "M")
        assert "On record: Arun Mehta (61, male)" in note(form, "patient-note")
        # Filled in, and it can be changed: this year he is 62.
        form.query_one("#age", Input).value = "62"
        await press(pilot, "enter")
        assert "RAO-005 booked 11:00-12:00" in note(form, "outcome")
        await press(pilot, "enter")
        [token] = [t for t in world.tokens_of("Arun Mehta") if t.doctor_id == world.rao.id]
        assert token.slot_id == world.slot("RAO", 11).id
        assert token.patient_ref == "+919876543210"
        assert world.engine.patient(ARUN_PHONE).age == 62
        assert "Arun Mehta" in seated_names(pilot)


async def test_a_number_typed_straight_after_b_goes_to_the_number_field(world: World) -> None:
    returning_patients(world)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right")
        await pilot.press(*keys_of("b", f"text:{ARUN_PHONE}"))  # one go, no pauses
        await settle(pilot)
        form = pilot.app.screen
        assert field(form, "patient_ref") == ARUN_PHONE
        assert field(form, "patient_name") == "Arun Mehta"
        assert pilot.app.focused is form.query_one("#patient_ref")


async def test_a_new_patient_is_recorded_with_the_booking(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        await type_text(pilot, "Meena Joshi")
        await press(pilot, "tab")
        await type_text(pilot, "+919811112222")
        await settle(pilot)
        assert "New patient" in note(form, "patient-note")
        await press(pilot, "tab")
        await type_text(pilot, "41")
        await press(pilot, "tab")
        await type_text(pilot, "f")
        assert field(form, "sex") == "F"
        await press(pilot, "enter", "enter")
        patient = world.engine.patient("+91 98111 12222")
        assert (patient.name, patient.age, patient.sex) == ("Meena Joshi", 41, "F")


async def test_a_name_typed_is_kept_over_the_record(world: World) -> None:
    returning_patients(world)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        await type_text(pilot, "Kiran Ghosh Das")
        await press(pilot, "tab")
        await type_text(pilot, "h187943")
        await settle(pilot)
        assert field(form, "patient_name") == "Kiran Ghosh Das"
        assert field(form, "age") == "34"  # empty, so filled in
        assert "the name typed is kept" in note(form, "patient-note")


async def test_search_finds_a_name_in_any_order_and_a_number_however_typed(
    world: World,
) -> None:
    returning_patients(world)
    kiran = world.named("Kiran Ghosh")
    async with desk_open(world.engine) as pilot:
        for typed in ("ghosh kiran", "h187943"):
            await press(pilot, "slash")
            await type_text(pilot, typed)
            await settle(pilot)
            await press(pilot, "enter")
            assert pilot.app.desk.selection.token.id == kiran.id, typed


# -- walk-ins go where there is a seat ------------------------------------------------


async def test_a_walk_in_on_a_full_slot_takes_the_next_free_seat(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        # The desk opens on Dr Rao's 10:00, full; a walk-in at the counter, in one go.
        burst(pilot, "b", "text:Kamal Das", "enter")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, BookingForm)
        assert "10:00 is full → 11:00, 1 seat left" in note(form, "slot-note")
        assert "F2: waitlist on 10:00 instead" in note(form, "slot-note")
        assert "RAO-005 booked 11:00-12:00, checked in" in note(form, "outcome")
        await press(pilot, "enter")
        token = world.named("Kamal Das")
        assert (token.slot_id, token.status) == (world.slot("RAO", 11).id, TokenStatus.CHECKED_IN)
        grid = pilot.app.desk.grid
        assert grid.get_cell(str(world.rao.id), "11:00").plain.startswith("● 2/2")


async def test_waitlisting_stays_one_key_away(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "b")
        form = pilot.app.screen
        await press(pilot, "f2")
        assert form.query_one("#slot_id", Select).value == world.slot("RAO", 10).id
        assert "waitlisted there · F2: 11:00, 1 seat left" in note(form, "slot-note")
        await press(pilot, "f2")  # and back to the free seat
        assert form.query_one("#slot_id", Select).value == world.slot("RAO", 11).id


async def test_a_paid_patient_keeps_the_slot_asked_for(world: World) -> None:
    """The free seat is a walk-in's default; another source stays on the full slot,
    where it may take a seat by priority (rule 3)."""
    async with desk_open(world.engine) as pilot:
        await press(pilot, "b")
        form = pilot.app.screen
        form.query_one("#source", Select).value = "PAID"
        await settle(pilot)
        assert form.query_one("#slot_id", Select).value == world.slot("RAO", 10).id
        form.query_one("#source", Select).value = "WALKIN"
        await settle(pilot)
        assert form.query_one("#slot_id", Select).value == world.slot("RAO", 11).id


async def test_enter_books_from_the_last_field(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        assert "(Enter)" in str(form.query_one("#submit").label)
        await type_text(pilot, "Usha Rani")
        form.query_one("#slot_id").focus()  # the last field: a list
        await settle(pilot)
        await press(pilot, "enter")
        assert "RAO-005 booked 11:00-12:00" in note(form, "outcome")


# -- keys typed ahead -------------------------------------------------------------------


async def test_b_and_a_name_in_one_burst_keep_the_name(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right")
        burst(pilot, "b", "text:Ramesh")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, BookingForm)
        assert field(form, "patient_name") == "Ramesh"
        # Not a key of the desk either: m (move) and s never reached the grid.
        assert pilot.app.desk.moving is None


async def test_a_burst_of_tabs_and_digits_lands_in_the_right_fields(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right")
        burst(pilot, "b", "text:Ramesh", "tab", "text:9812345678", "tab", "text:42", "tab",
              "text:m")
        await settle(pilot)
        form = pilot.app.screen
        assert (field(form, "patient_name"), field(form, "patient_ref"), field(form, "age"),
                field(form, "sex")) == ("Ramesh", "9812345678", "42", "M")
    async with desk_open(world.engine) as pilot:  # the same, pressed by the pilot at once
        await press(pilot, "right")
        await pilot.press(*keys_of("b", "text:Ramesh", "tab", "text:9812345678"))
        await settle(pilot)
        form = pilot.app.screen
        assert (field(form, "patient_name"), field(form, "patient_ref")) == (
            "Ramesh", "9812345678")


async def test_a_scanned_hospital_number_lands_whole_and_books(world: World) -> None:
    """A barcode scanner types the number and Enter faster than any hand: the number
    lands whole in the number field, the record fills the name, then Enter books."""
    returning_patients(world)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right")
        burst(pilot, "b", "tab", f"text:{KIRAN_REF}", "enter")
        await settle(pilot)
        form = pilot.app.screen
        assert field(form, "patient_ref") == KIRAN_REF
        assert field(form, "patient_name") == "Kiran Ghosh"
        assert "RAO-005 booked 11:00-12:00" in note(form, "outcome")
        await press(pilot, "enter")
    [token] = [t for t in world.tokens_of("Kiran Ghosh") if t.doctor_id == world.rao.id]
    assert (token.patient_ref, token.slot_id) == ("H187943", world.slot("RAO", 11).id)


async def test_a_scan_straight_after_b_goes_to_the_number_field(world: World) -> None:
    returning_patients(world)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right")
        burst(pilot, "b", f"text:{ARUN_PHONE}", "enter")
        await settle(pilot)
        form = pilot.app.screen
        assert (field(form, "patient_name"), field(form, "patient_ref")) == (
            "Arun Mehta", ARUN_PHONE)
        assert "RAO-005 booked 11:00-12:00" in note(form, "outcome")


async def test_a_scan_of_a_new_number_asks_for_the_name(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right")
        burst(pilot, "b", "tab", "text:H-555001", "enter")
        await settle(pilot)
        form = pilot.app.screen
        assert field(form, "patient_ref") == "H-555001"
        assert "Please correct Patient name" in note(form, "outcome")
        assert pilot.app.focused is form.query_one("#patient_name")
        burst(pilot, "text:Nisha Rao", "enter")
        await settle(pilot)
        assert "RAO-005 booked 11:00-12:00" in note(form, "outcome")
    assert world.engine.patient("H555001").name == "Nisha Rao"


async def test_a_name_typed_straight_after_the_emergency_key_is_kept(world: World) -> None:
    """The emergency form opens once the doctor's slot is read: the name typed in the
    meantime waits for it (its o and n are not the desk's no-show and call next)."""
    async with desk_open(world.engine) as pilot:
        burst(pilot, "exclamation_mark", "ctrl+u", "text:Mohan Lal", "enter")
        await settle(pilot)
    token = world.named("Mohan Lal")
    assert token.source == "EMERGENCY" and token.slot_id == world.slot("RAO", 10).id
    assert world.engine.token(world.asha.id).status == TokenStatus.BOOKED  # no no-show
    assert world.engine.doctor_queues(world.slot("RAO", 10).start.date())[0].with_doctor is None
