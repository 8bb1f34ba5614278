"""The kiosk through the keys a patient presses: a token, bad input, the board, idle.

The small fixed day of conftest, Monday 10 March 2025 at 10:30. Dr Rao (Cardiology,
room 101), Dr Khan (Orthopaedics) and Dr Iyer (Paediatrics) each have slots 09:00
to 13:00 of one hour and two seats. Dr Rao's 10:00 slot is full (Asha, Ravi) with
Sita on its waitlist and the 11:00 slot has Gopal; Dr Khan's 10:00 slot has Leela
checked in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from opd_tui.domain.models import Doctor
from opd_tui.engine import AllocationEngine
from opd_tui.tui.kiosk import KioskApp
from opd_tui.tui.kiosk.bigtext import BigText
from opd_tui.tui.kiosk.board import DoctorCard, NowServingBoard
from opd_tui.tui.kiosk.screens import (
    ConfirmScreen,
    DepartmentScreen,
    DoctorScreen,
    NameScreen,
    PhoneScreen,
    SlipScreen,
    StartScreen,
)

from .conftest import DAY, EARLY, NOW, World, build_world, eventually, settle


class HandTimer:
    """The kiosk's idle clock, moved on by the test instead of waited for."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


def kiosk(engine: AllocationEngine, **kwargs) -> KioskApp:
    kwargs.setdefault("idle_seconds", 600)
    kwargs.setdefault("timer", HandTimer())
    return KioskApp(engine, clock=lambda: NOW, hospital="City Hospital OPD", **kwargs)


@asynccontextmanager
async def kiosk_open(engine: AllocationEngine, size=(100, 32), **kwargs) -> AsyncIterator[Pilot]:
    app = kiosk(engine, **kwargs)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


async def press(pilot: Pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])
    await settle(pilot)


def text_of(screen, selector: str) -> str:
    widget = screen.query_one(selector)
    if isinstance(widget, Input):
        return widget.value
    return str(widget.render())


def screen_text(app: KioskApp) -> str:
    """Everything the screen shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def to_confirm(pilot: Pilot, name: str, phone: str = "", department: str = "1",
                     doctor: str = "1") -> None:
    await press(pilot, "enter", department, doctor)
    await type_text(pilot, name)
    await press(pilot, "enter")
    await type_text(pilot, phone)
    await press(pilot, "enter")


# -- taking a token -------------------------------------------------------------


async def test_a_walk_in_takes_a_token_with_digits_and_enter(day: World) -> None:
    async with kiosk_open(day.engine) as pilot:
        app = pilot.app
        await press(pilot, "enter")
        assert isinstance(app.screen, DepartmentScreen)
        await press(pilot, "1")  # Cardiology
        assert isinstance(app.screen, DoctorScreen)
        shown = screen_text(app)
        assert "Dr Anjali Rao" in shown and "Next free 11:00" in shown and "3 waiting" in shown
        await press(pilot, "1")  # Dr Rao
        assert isinstance(app.screen, NameScreen)
        await type_text(pilot, "Meena Kumari")
        await press(pilot, "enter")
        assert isinstance(app.screen, PhoneScreen)
        await type_text(pilot, "98450 12345")
        await press(pilot, "enter")
        assert isinstance(app.screen, ConfirmScreen)
        assert text_of(app.screen, "#confirm-name") == "Meena Kumari"
        assert text_of(app.screen, "#confirm-phone") == "9845012345"
        await press(pilot, "enter")

        [token] = day.tokens_of("Meena Kumari")
        # In the hall with a seat: checked in, so the doctor will call them.
        assert token.source == "WALKIN" and token.status == "CHECKED_IN"
        assert token.patient_ref == "+919845012345"  # stored in its normal form (rule 23)
        slot = day.engine.slot(token.slot_id)
        assert (slot.doctor_id, slot.start.hour) == (day.rao.id, 11)  # 10:00 is full
        assert isinstance(app.screen, SlipScreen)
        assert app.screen.query_one("#slip-number", BigText).text == token.number == "RAO-005"
        assert text_of(app.screen, "#slip-doctor") == "Dr Anjali Rao"
        assert text_of(app.screen, "#slip-room") == "101"
        assert text_of(app.screen, "#slip-slot") == "11:00 - 12:00"
        eta = day.engine.eta(token.id, now=NOW)
        assert eta == datetime(2025, 3, 10, 11, 10)  # Gopal first, 10 minutes each
        assert text_of(app.screen, "#slip-eta") == "about 11:10"
        assert text_of(app.screen, "#slip-ahead") == "1 patient ahead of you"

        await press(pilot, "enter")
        assert isinstance(app.screen, StartScreen) and len(app.screen_stack) == 1


async def test_arrows_and_enter_choose_as_well_as_digits(day: World) -> None:
    async with kiosk_open(day.engine) as pilot:
        await press(pilot, "enter", "down", "enter")  # Orthopaedics
        assert isinstance(pilot.app.screen, DoctorScreen)
        assert "Dr Farah Khan" in screen_text(pilot.app)
        await press(pilot, "enter")
        await type_text(pilot, "Imran Qureshi")
        await press(pilot, "enter", "enter", "enter")
        [token] = day.tokens_of("Imran Qureshi")
        assert token.doctor_id == day.khan.id and token.patient_ref is None
        assert pilot.app.screen.query_one("#slip-number", BigText).text == token.number


async def test_a_full_day_puts_the_walk_in_on_the_waiting_list_and_says_so(
    engine: AllocationEngine,
) -> None:
    doctor = engine.add_doctor("Suresh Nair", "NAIR", "Paediatrics", "202")
    [slot] = engine.generate_slots(doctor.id, DAY, time(10), time(11), 60, 1)
    engine.book(slot.id, "Usha Menon", "ONLINE", now=EARLY)
    async with kiosk_open(engine) as pilot:
        await press(pilot, "enter", "1")
        assert "Full today: waiting list" in screen_text(pilot.app)
        await press(pilot, "1")
        await type_text(pilot, "Kiran Bose")
        await press(pilot, "enter", "enter")
        assert "waiting list" in text_of(pilot.app.screen, "#full-note")
        await press(pilot, "enter")
        [token] = [t for t in engine.search("Kiran Bose")]
        assert token.status == "WAITLISTED" and token.slot_id == slot.id
        assert text_of(pilot.app.screen, "#slip-eta") == "Waiting list"
        assert text_of(pilot.app.screen, "#slip-ahead") == "You are first on the waiting list"
        assert "waiting list" in text_of(pilot.app.screen, "#slip-advice")


async def test_a_doctor_with_no_slot_left_cannot_be_chosen(engine: AllocationEngine) -> None:
    early = engine.add_doctor("Meera Pillai", "PILLAI", "General Medicine", "110")
    engine.generate_slots(early.id, DAY, time(8), time(10), 60, 4)  # ended by 10:30
    later = engine.add_doctor("Arjun Singh", "SINGH", "General Medicine", "111")
    engine.generate_slots(later.id, DAY, time(14), time(15), 60, 4)
    before = engine.last_event_id()
    async with kiosk_open(engine) as pilot:
        await press(pilot, "enter", "1")
        assert "No more places today" in screen_text(pilot.app)
        assert "Next free 14:00" in screen_text(pilot.app)
        await press(pilot, "2")  # Dr Pillai, listed second: nothing happens
        assert isinstance(pilot.app.screen, DoctorScreen)
        await press(pilot, "up", "up", "enter")  # the cursor stays on Dr Singh
        assert isinstance(pilot.app.screen, NameScreen)
        assert pilot.app.screen.walk_in.choice.doctor.id == later.id
    assert engine.last_event_id() == before


async def test_escape_goes_back_one_step_at_a_time(day: World) -> None:
    async with kiosk_open(day.engine) as pilot:
        app = pilot.app
        await press(pilot, "enter", "1", "1")
        await type_text(pilot, "Meena")
        await press(pilot, "enter")
        assert isinstance(app.screen, PhoneScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, NameScreen)
        assert app.screen.query_one("#name", Input).value == "Meena"
        for expected in (DoctorScreen, DepartmentScreen, StartScreen, StartScreen):
            await press(pilot, "escape")
            assert isinstance(app.screen, expected)
        assert day.tokens_of("Meena") == []


async def test_idle_kiosk_returns_to_the_board_and_books_nothing(day: World) -> None:
    before = day.engine.last_event_id()
    async with kiosk_open(day.engine, idle_seconds=45) as pilot:
        app = pilot.app
        await press(pilot, "enter", "1", "1")
        await type_text(pilot, "Half")
        app.timer.advance(40)
        await type_text(pilot, " Typed")  # a slow typist keeps their place
        app.timer.advance(40)
        app.check_idle()
        assert isinstance(app.screen, NameScreen)
        assert text_of(app.screen, "#name") == "Half Typed"
        app.timer.advance(6)  # 46 s since the last key
        assert await eventually(pilot, lambda: isinstance(app.screen, StartScreen))
        assert len(app.screen_stack) == 1
    assert day.engine.last_event_id() == before


async def test_the_slip_goes_back_to_the_board_by_itself(day: World) -> None:
    async with kiosk_open(day.engine, idle_seconds=45) as pilot:
        await to_confirm(pilot, "Meena Kumari")
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, SlipScreen)
        pilot.app.timer.advance(46)
        assert await eventually(pilot, lambda: isinstance(pilot.app.screen, StartScreen))


# -- bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Please type your name."),
        ("   ", "Please type your name."),
        ("12345", "Please type your name in letters."),
        ("A" * 81, "That name is too long. Please use at most 80 letters."),
    ],
)
async def test_a_bad_name_is_explained_and_nothing_is_booked(
    day: World, name: str, message: str
) -> None:
    before = day.engine.last_event_id()
    async with kiosk_open(day.engine) as pilot:
        await press(pilot, "enter", "1", "1")
        await type_text(pilot, name)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, NameScreen)
        assert pilot.app.screen.query_one("#problem").display
        assert text_of(pilot.app.screen, "#problem") == message
        assert message in screen_text(pilot.app)
    assert day.engine.last_event_id() == before


@pytest.mark.parametrize("phone", ["12", "+-", "1" * 33])
async def test_a_bad_phone_number_is_explained_and_nothing_is_booked(
    day: World, phone: str
) -> None:
    before = day.engine.last_event_id()
    async with kiosk_open(day.engine) as pilot:
        await press(pilot, "enter", "1", "1")
        await type_text(pilot, "Meena Kumari")
        await press(pilot, "enter")
        await type_text(pilot, phone)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, PhoneScreen)
        assert pilot.app.screen.query_one("#problem").display
        assert "does not look like a phone number" in text_of(pilot.app.screen, "#problem")
    assert day.engine.last_event_id() == before
    assert day.tokens_of("Meena Kumari") == []


async def test_letters_cannot_be_typed_as_a_phone_number(day: World) -> None:
    async with kiosk_open(day.engine) as pilot:
        await press(pilot, "enter", "1", "1")
        await type_text(pilot, "Meena Kumari")
        await press(pilot, "enter")
        await type_text(pilot, "98x45")
        assert pilot.app.screen.query_one("#phone", Input).value == "9845"


async def test_a_second_token_for_the_same_phone_is_refused_in_plain_words(day: World) -> None:
    before = day.engine.last_event_id()
    async with kiosk_open(day.engine) as pilot:
        await to_confirm(pilot, "Asha V", phone="+919800000001")  # Asha's number, Dr Rao
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        problem = text_of(pilot.app.screen, "#problem")
        assert problem == ("This phone number already has a token for Dr Anjali Rao today. "
                           "Please ask at the reception desk.")
    assert day.engine.last_event_id() == before


async def test_a_name_like_markup_is_shown_and_booked_literally(day: World) -> None:
    name = "[bold red]X[/]"
    async with kiosk_open(day.engine) as pilot:
        await to_confirm(pilot, name)
        assert text_of(pilot.app.screen, "#confirm-name") == name
        assert name in screen_text(pilot.app)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, SlipScreen)
    [token] = day.tokens_of(name)
    assert token.patient_name == name


# -- the board --------------------------------------------------------------------


def card(app: KioskApp, doctor: Doctor) -> DoctorCard:
    return app.screen.query_one(f"#doctor-{doctor.id}", DoctorCard)


def has_card(app: KioskApp, doctor: Doctor) -> bool:
    return bool(app.screen.query(f"#doctor-{doctor.id}"))


async def test_the_board_shows_numbers_never_names(day: World) -> None:
    day.engine.call_next(day.khan.id, now=NOW)
    async with kiosk_open(day.engine, size=(120, 40)) as pilot:
        app = pilot.app
        assert app.screen.query_one(NowServingBoard).has_class("-cards")
        shown = screen_text(app)
        for name in ("Leela", "Asha", "Ravi", "Sita", "Gopal"):
            assert name not in shown
        assert card(app, day.khan).query_one(BigText).text == "KHAN-001"
        assert "Dr Farah Khan · Room 301" in shown


async def test_the_board_keeps_big_numbers_at_80x24_and_pages_instead(day: World) -> None:
    for n in range(5):
        day.engine.add_doctor(f"Doctor {'ABCDE'[n]}", f"D{n}", "General Medicine")
    day.engine.check_in(day.asha.id, now=NOW)
    day.engine.call_next(day.rao.id, now=NOW)
    async with kiosk_open(day.engine, size=(80, 24)) as pilot:
        board = pilot.app.screen.query_one(NowServingBoard)
        assert board.has_class("-cards") and board.pages > 1
        assert f"page 1 of {board.pages}" in screen_text(pilot.app)
        rao = card(pilot.app, day.rao)
        assert rao.display  # Dr Rao's card is on the first page, its number big
        assert "RAO-001" not in screen_text(pilot.app)
        assert rao.query_one(BigText).text == "RAO-001"


async def test_the_board_follows_a_call_made_by_another_engine(sqlite_url: str) -> None:
    kiosk_engine = AllocationEngine.open(sqlite_url)
    desk_engine = AllocationEngine.open(sqlite_url)
    try:
        day = build_world(desk_engine)
        rao_ten = day.engine.slot_view(day.engine.day_slots(DAY)[1].id)
        for token in rao_ten.seated:
            desk_engine.check_in(token.id, now=NOW)
        async with kiosk_open(kiosk_engine, size=(120, 40)) as pilot:
            app = pilot.app
            rao = card(app, day.rao)
            assert rao.query_one(BigText).text == "---"
            assert rao.row.next_numbers == ["RAO-001", "RAO-002"]

            called = desk_engine.call_next(day.rao.id, now=NOW)
            assert called is not None and called.number == "RAO-001"
            assert await eventually(pilot, lambda: rao.query_one(BigText).text == "RAO-001")
            assert rao.row.next_numbers == ["RAO-002"]
            assert "RAO-002" in screen_text(app)
    finally:
        kiosk_engine.close()
        desk_engine.close()


async def test_a_doctor_added_at_the_desk_joins_the_board(day: World) -> None:
    async with kiosk_open(day.engine, size=(120, 40)) as pilot:
        doctor = day.engine.add_doctor("Rohan Das", "DAS", "Orthopaedics", "302")
        assert await eventually(pilot, lambda: has_card(pilot.app, doctor))
        assert card(pilot.app, doctor).row.doctor_name == "Rohan Das"


# -- what the kiosk reads and draws -------------------------------------------------


def test_waiting_counts_patients_in_the_hall_and_in_the_slot_under_way(day: World) -> None:
    engine = day.engine
    # Dr Rao at 10:30: Asha and Ravi booked and Sita waitlisted in the 10:00 slot;
    # Gopal's 11:00 slot has not started. Dr Khan: Leela checked in.
    assert engine.waiting_counts(DAY, now=NOW) == {day.rao.id: 3, day.khan.id: 1}
    [gopal] = day.tokens_of("Gopal Rao")
    engine.check_in(gopal.id, now=NOW)  # early, but in the hall: waiting
    engine.call_next(day.khan.id, now=NOW)  # Leela is with the doctor: not waiting
    assert engine.waiting_counts(DAY, now=NOW) == {day.rao.id: 4}


def test_big_letters_for_every_character_of_a_token_number() -> None:
    from opd_tui.tui.kiosk.bigtext import FONT, PIXEL_ROWS, can_draw, pixels, render_lines

    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-":
        glyph = FONT[ch]
        assert len(glyph) == PIXEL_ROWS and len({len(row) for row in glyph}) == 1, ch
    drawn = {ch: FONT[ch] for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}
    assert len(set(drawn.values())) == len(drawn)  # no two alike: O is not 0, I is not 1
    assert pixels("O") != pixels("0")
    assert [len(line) for line in render_lines("RAO-014", 1)] == [32, 32, 32]
    assert len(render_lines("RAO-014", 2)) == 5
    assert not can_draw("RAO_1") and not can_draw("")


async def test_a_number_too_wide_for_big_letters_is_shown_whole_in_plain_text() -> None:
    from textual.app import App, ComposeResult

    class Narrow(App[None]):
        def compose(self) -> ComposeResult:
            yield BigText("PILLAI-025", max_scale=2, id="wide")

    app = Narrow()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[0].strip() == "PILLAI-025" and lines[1].strip() == ""
    app = Narrow()
    async with app.run_test(size=(100, 7)) as pilot:
        await pilot.pause()
        assert "PILLAI-025" not in screen_text(app)  # drawn big instead, 5 lines high
        assert app.query_one("#wide").size.height == 5


async def test_a_day_with_no_place_left_says_so(engine: AllocationEngine) -> None:
    done = engine.add_doctor("Meera Pillai", "PILLAI", "General Medicine", "110")
    engine.generate_slots(done.id, DAY, time(8), time(10), 60, 4)  # ended by 10:30
    async with kiosk_open(engine) as pilot:
        await press(pilot, "enter")
        assert "No doctor has a place left today." in screen_text(pilot.app)
        await press(pilot, "1", "enter")
        assert isinstance(pilot.app.screen, DepartmentScreen)
