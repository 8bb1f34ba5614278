"""No phantom tokens: while "Making your token" shows, only the booking's answer
moves the kiosk on. Escape and the idle timeout do nothing; after the deadline the
patient is told to ask at the desk, and then either the token was made and its
slip shows, or no token was made and the kiosk says so.

The real thing first: another connection holds the SQLite file's write lock
(`BEGIN EXCLUSIVE`) while the kiosk books. Then the same moments made exact by a
booking the test holds back (`FaultyEngine.gate`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from opd_tui.engine import AllocationEngine
from opd_tui.errors import DatabaseBusy
from opd_tui.tui.kiosk.bigtext import BigText
from opd_tui.tui.kiosk.booking import BUSY
from opd_tui.tui.kiosk.notices import (
    BOOKING_DEADLINE_SECONDS,
    AskAtDeskScreen,
    MakingTokenScreen,
)
from opd_tui.tui.kiosk.screens import ConfirmScreen, SlipScreen, StartScreen

from .conftest import PATIENCE_SECONDS, World, build_world, eventually, settle
from .test_kiosk import kiosk_open, press, screen_text, to_confirm
from .test_kiosk_database_down import FaultyEngine

NAME = "Meena Kumari"
#: The engine gives up on a busy database after 15 s; the rest is patience for a
#: loaded machine.
ANSWER_PATIENCE = 120.0


@pytest.fixture
def file_day(sqlite_url: str) -> Iterator[tuple[World, Path]]:
    engine = AllocationEngine.open(sqlite_url)
    try:
        yield build_world(engine), Path(sqlite_url.removeprefix("sqlite:///"))
    finally:
        engine.close()


def write_lock(path: Path) -> sqlite3.Connection:
    """Another program holding the file's write lock."""
    blocker = sqlite3.connect(path, isolation_level=None, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    return blocker


async def tap(pilot: Pilot, *keys: str) -> None:
    """Press keys without waiting for workers (the booking worker is stuck on purpose)."""
    for key in keys:
        await pilot.press(key)
        await pilot.pause()


async def escape_and_idle(pilot: Pilot) -> None:
    """What a patient who gives up does: Escape, and walk away for the idle time."""
    app = pilot.app
    await tap(pilot, "escape", "escape")
    app.timer.advance(app.idle_seconds + 1)
    app.check_idle()
    await pilot.pause()


def answered(app) -> bool:  # noqa: ANN001
    return not app.booking_in_flight and isinstance(app.screen, (SlipScreen, AskAtDeskScreen))


async def the_answer(pilot: Pilot, seconds: float = PATIENCE_SECONDS) -> bool:
    """Wait for the booking's answer on the screen."""
    shown = await eventually(pilot, lambda: answered(pilot.app), seconds=seconds)
    await settle(pilot)
    return shown


def slip_number(app) -> str:  # noqa: ANN001
    return app.screen.query_one("#slip-number", BigText).text


def assert_no_phantom(app, day: World) -> None:  # noqa: ANN001
    """A token, and its slip on the screen; or no token, and the patient told so."""
    tokens = day.tokens_of(NAME)
    if isinstance(app.screen, SlipScreen):
        [token] = tokens
        assert token.status == "CHECKED_IN" and slip_number(app) == token.number
    else:
        assert isinstance(app.screen, AskAtDeskScreen)
        assert "No token was made." in screen_text(app)
        assert tokens == []


# -- the real lock ------------------------------------------------------------------


async def test_a_locked_database_holds_the_kiosk_until_the_booking_answers(
    file_day: tuple[World, Path],
) -> None:
    day, path = file_day
    async with kiosk_open(day.engine, idle_seconds=45) as pilot:
        app = pilot.app
        await to_confirm(pilot, NAME)
        blocker = write_lock(path)
        try:
            await tap(pilot, "enter")
            assert isinstance(app.screen, MakingTokenScreen) and app.booking_in_flight
            assert "Making your token" in screen_text(app)
            await escape_and_idle(pilot)
            assert isinstance(app.screen, MakingTokenScreen)  # held: no phantom left behind
            await tap(pilot, "ctrl+q", "b", "space")
            assert isinstance(app.screen, MakingTokenScreen)

            app.timer.advance(BOOKING_DEADLINE_SECONDS)
            assert await eventually(pilot, lambda: "ask at the desk" in screen_text(app).lower())
            assert day.tokens_of(NAME) == []  # the lock still holds: nothing is written
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert await the_answer(pilot, ANSWER_PATIENCE)
        assert_no_phantom(app, day)


@pytest.mark.slow
async def test_a_lock_held_until_the_engine_gives_up_makes_no_token(
    file_day: tuple[World, Path],
) -> None:
    day, path = file_day
    before = day.engine.last_event_id()
    async with kiosk_open(day.engine, idle_seconds=45) as pilot:
        app = pilot.app
        await to_confirm(pilot, NAME)
        blocker = write_lock(path)
        try:
            await tap(pilot, "enter")
            await escape_and_idle(pilot)
            app.timer.advance(BOOKING_DEADLINE_SECONDS)
            assert await the_answer(pilot, ANSWER_PATIENCE)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert isinstance(app.screen, AskAtDeskScreen)
        assert BUSY in screen_text(app) and NAME not in screen_text(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, StartScreen) and app.is_running
    assert day.tokens_of(NAME) == [] and day.engine.last_event_id() == before


# -- the same moments, made exact ---------------------------------------------------


@pytest.fixture
def held(day: World) -> Iterator[FaultyEngine]:
    faulty = FaultyEngine(day.engine)
    faulty.gate = threading.Event()
    yield faulty
    faulty.gate.set()  # never leave a worker waiting


async def test_escape_and_idle_do_nothing_while_the_token_is_made(
    day: World, held: FaultyEngine
) -> None:
    async with kiosk_open(held, idle_seconds=45) as pilot:
        app = pilot.app
        await to_confirm(pilot, NAME)
        await tap(pilot, "enter")
        await tap(pilot, "escape", "escape")
        assert isinstance(app.screen, MakingTokenScreen) and not app.screen.overdue
        await escape_and_idle(pilot)  # the idle time is longer than the booking deadline
        assert isinstance(app.screen, MakingTokenScreen)
        assert any(isinstance(s, ConfirmScreen) for s in app.screen_stack)

        held.gate.set()
        assert await the_answer(pilot)
        assert isinstance(app.screen, SlipScreen) and len(app.screen_stack) == 2
        [token] = day.tokens_of(NAME)
        assert slip_number(app) == token.number == "RAO-005"
        # The slip gets the patient's whole idle time, however long the booking took.
        app.check_idle()
        await pilot.pause()
        assert isinstance(app.screen, SlipScreen)


async def test_past_the_deadline_the_patient_is_sent_to_the_desk_and_a_late_token_still_shows(
    day: World, held: FaultyEngine
) -> None:
    async with kiosk_open(held, idle_seconds=45) as pilot:
        app = pilot.app
        await to_confirm(pilot, NAME)
        await tap(pilot, "enter")
        app.timer.advance(BOOKING_DEADLINE_SECONDS - 1)
        await pilot.pause(0.5)
        assert not app.screen.overdue and "Making your token" in screen_text(app)
        app.timer.advance(1)
        assert await eventually(pilot, lambda: app.screen.overdue)
        shown = screen_text(app)
        assert "This is taking too long. Please ask at the desk." in shown
        assert "If your token is made after all, it will show here." in shown
        await escape_and_idle(pilot)
        assert isinstance(app.screen, MakingTokenScreen)

        held.gate.set()  # the database answers at last: the token is made
        assert await the_answer(pilot)
        assert_no_phantom(app, day)
        assert isinstance(app.screen, SlipScreen)
        await press(pilot, "enter")
        assert isinstance(app.screen, StartScreen)


async def test_past_the_deadline_a_booking_that_fails_says_no_token_was_made(
    day: World, held: FaultyEngine
) -> None:
    before = day.engine.last_event_id()
    async with kiosk_open(held, idle_seconds=45) as pilot:
        app = pilot.app
        await to_confirm(pilot, NAME, phone="98450 12345")
        await tap(pilot, "enter")
        app.timer.advance(BOOKING_DEADLINE_SECONDS)
        assert await eventually(pilot, lambda: app.screen.overdue)

        held.faults["book_earliest"] = DatabaseBusy("The database stayed busy.")
        held.gate.set()
        assert await the_answer(pilot)
        assert_no_phantom(app, day)
        assert BUSY in screen_text(app)
        await escape_and_idle(pilot)
        assert isinstance(app.screen, StartScreen) and len(app.screen_stack) == 1
    assert day.engine.last_event_id() == before


async def test_a_refusal_goes_back_to_the_question_with_the_reason(
    day: World, held: FaultyEngine
) -> None:
    """The engine's own no (a second token for the same phone) is not a fault: the
    patient is back on the confirm screen and told why."""
    async with kiosk_open(held) as pilot:
        app = pilot.app
        await to_confirm(pilot, "Asha V", phone="+919800000001")  # Asha's number
        await tap(pilot, "enter")
        assert isinstance(app.screen, MakingTokenScreen)
        held.gate.set()
        assert await eventually(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "already has a token" in str(app.screen.query_one("#problem").render())
        assert not app.booking_in_flight


async def test_a_token_made_just_before_the_database_fails_still_gets_its_slip(
    day: World,
) -> None:
    faulty = FaultyEngine(day.engine)
    faulty.faults["slot_view"] = DatabaseBusy("The database stayed busy.")
    async with kiosk_open(faulty) as pilot:
        app = pilot.app
        await to_confirm(pilot, NAME)
        await press(pilot, "enter")
        [token] = day.tokens_of(NAME)
        assert isinstance(app.screen, SlipScreen) and slip_number(app) == token.number
        shown = screen_text(app)
        assert "Dr Anjali Rao" in shown and "Ask at the desk" in shown


async def test_enter_twice_makes_one_token(day: World, held: FaultyEngine) -> None:
    async with kiosk_open(held) as pilot:
        await to_confirm(pilot, NAME)
        await tap(pilot, "enter", "enter", "enter")
        assert isinstance(pilot.app.screen, MakingTokenScreen)
        held.gate.set()
        assert await the_answer(pilot)
        assert isinstance(pilot.app.screen, SlipScreen)
    assert len(day.tokens_of(NAME)) == 1
    assert len(held.called("book_earliest")) == 1
