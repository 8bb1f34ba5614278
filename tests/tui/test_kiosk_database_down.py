"""The kiosk with its database down: the board says so in one line and tries again,
a walk-in is told that no token was made and the board comes back, and nothing is
booked. Never a traceback, never an exit, never a patient's name or phone in a
message.

`FaultyEngine` stands between the kiosk and a real engine and raises the fault
the test switches on, for every call or for one method; `gate` holds a booking
until the test lets it go (the other kiosk tests use it too).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from opd_tui.engine import AllocationEngine
from opd_tui.errors import DatabaseBusy, DatabaseUnavailable
from opd_tui.tui.kiosk.booking import BUSY, UNREACHABLE
from opd_tui.tui.kiosk.notices import NOTICE_SECONDS, AskAtDeskScreen
from opd_tui.tui.kiosk.screens import TROUBLE, ConfirmScreen, DepartmentScreen, StartScreen

from .conftest import NOW, World, eventually
from .test_kiosk import card, kiosk_open, press, screen_text, to_confirm


class FaultyEngine:
    """A real engine whose calls fail while the test says so.

    `down`: every call raises it. `faults[name]`: calls of that method raise it.
    `gate`: `book_earliest` waits for it (then fails or books as the switches say).
    `calls` records each call as (name, kwargs).
    """

    def __init__(self, engine: AllocationEngine) -> None:
        self.engine = engine
        self.down: Exception | None = None
        self.faults: dict[str, Exception] = {}
        self.gate: threading.Event | None = None
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.engine, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            if name == "book_earliest" and self.gate is not None:
                assert self.gate.wait(timeout=120), "the test never let the booking go"
            fault = self.down or self.faults.get(name)
            if fault is not None:
                raise fault
            return attr(*args, **kwargs)

        return call

    def called(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for called, kwargs in self.calls if called == name]


def unavailable() -> DatabaseUnavailable:
    return DatabaseUnavailable(
        "Cannot reach the database sqlite:///opd.sqlite3: the connection was lost."
    )


def raw_driver_error() -> OperationalError:
    return OperationalError("SELECT ...", {}, Exception("disk I/O error"))


FAULTS = {
    "unavailable": unavailable,
    "busy": lambda: DatabaseBusy("The database stayed busy; nothing was changed."),
    "driver": raw_driver_error,
    "bug": lambda: RuntimeError("something nobody expected"),
}


def banner_shown(app) -> bool:  # noqa: ANN001
    screen = app.screen
    return (
        isinstance(screen, StartScreen)
        and screen.paused
        and screen.query_one("#board-trouble").display
        and TROUBLE in screen_text(app)
    )


def board_clear(app) -> bool:  # noqa: ANN001
    screen = app.screen
    return isinstance(screen, StartScreen) and not screen.paused and TROUBLE not in screen_text(app)


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
async def test_the_board_says_it_cannot_reach_the_database_and_clears_when_it_answers(
    day: World, fault: str
) -> None:
    faulty = FaultyEngine(day.engine)
    day.engine.call_next(day.khan.id, now=NOW)  # Leela is with Dr Khan
    async with kiosk_open(faulty, size=(80, 24), retry_interval=0.05) as pilot:
        app = pilot.app
        assert board_clear(app) and card(app, day.khan).row.in_consultation == "KHAN-001"
        assert "Press" in screen_text(app) and "to take a token" in screen_text(app)

        faulty.down = FAULTS[fault]()
        assert await eventually(pilot, lambda: banner_shown(app))
        shown = screen_text(app)
        assert "Tokens are paused. Please ask at the desk." in shown
        assert "to take a token" not in shown
        reads = len(faulty.called("last_event_id"))
        assert await eventually(pilot, lambda: len(faulty.called("last_event_id")) >= reads + 3)
        assert app.is_running and banner_shown(app)  # it keeps trying, and keeps saying so

        faulty.down = None
        assert await eventually(pilot, lambda: board_clear(app))
        day.engine.call_next(day.khan.id, now=NOW)  # Leela done; no one else is waiting
        assert await eventually(pilot, lambda: card(app, day.khan).row.in_consultation is None)
        assert "to take a token" in screen_text(app)
        assert app.is_running and app.return_code is None


async def test_the_banner_fits_one_line_at_80x24(day: World) -> None:
    faulty = FaultyEngine(day.engine)
    async with kiosk_open(faulty, size=(80, 24), retry_interval=0.05) as pilot:
        faulty.down = unavailable()
        assert await eventually(pilot, lambda: banner_shown(pilot.app))
        [line] = [ln for ln in screen_text(pilot.app).splitlines() if "Cannot reach" in ln]
        assert line.strip() == TROUBLE
        banner = pilot.app.screen.query_one("#board-trouble")
        assert banner.size.height == 1 and banner.region.y == 1  # just under the masthead


async def test_taking_a_token_with_the_database_down_says_so_and_returns_to_the_board(
    day: World,
) -> None:
    faulty = FaultyEngine(day.engine)
    before = day.engine.last_event_id()
    async with kiosk_open(faulty, retry_interval=0.05) as pilot:
        app = pilot.app
        faulty.down = unavailable()
        assert await eventually(pilot, lambda: banner_shown(app))
        await press(pilot, "enter")  # the patient tries all the same
        assert isinstance(app.screen, AskAtDeskScreen)
        shown = screen_text(app)
        assert "No token was made." in shown and UNREACHABLE in shown
        assert "Please ask at the desk." in shown
        assert "sqlite" not in shown  # the database's own message is for staff, not here
        await press(pilot, "enter")
        assert isinstance(app.screen, StartScreen) and len(app.screen_stack) == 1

        await press(pilot, "enter")
        assert isinstance(app.screen, AskAtDeskScreen)
        app.timer.advance(NOTICE_SECONDS)  # left alone, it goes back to the board by itself
        assert await eventually(pilot, lambda: isinstance(app.screen, StartScreen))
        assert app.is_running
    assert day.engine.last_event_id() == before


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
async def test_a_booking_the_database_fails_makes_no_token_and_names_no_one(
    day: World, fault: str
) -> None:
    faulty = FaultyEngine(day.engine)
    before = day.engine.last_event_id()
    async with kiosk_open(faulty) as pilot:
        app = pilot.app
        await to_confirm(pilot, "Meena Kumari", phone="98450 12345")
        assert isinstance(app.screen, ConfirmScreen)
        faulty.faults["book_earliest"] = FAULTS[fault]()
        await press(pilot, "enter")
        assert isinstance(app.screen, AskAtDeskScreen)
        shown = screen_text(app)
        assert "No token was made." in shown and "Please ask at the desk." in shown
        assert {"busy": BUSY}.get(fault, "") in shown
        for private in ("Meena", "Kumari", "98450", "9845012345"):
            assert private not in shown
        await press(pilot, "escape")
        assert isinstance(app.screen, StartScreen) and len(app.screen_stack) == 1
        assert app.is_running
    assert day.tokens_of("Meena Kumari") == []
    assert day.engine.last_event_id() == before


async def test_a_department_list_the_database_fails_to_read_sends_the_patient_to_the_desk(
    day: World,
) -> None:
    faulty = FaultyEngine(day.engine)
    faulty.faults["day_slots"] = raw_driver_error()
    async with kiosk_open(faulty) as pilot:
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, AskAtDeskScreen)
        assert not any(isinstance(s, DepartmentScreen) for s in pilot.app.screen_stack)
        del faulty.faults["day_slots"]
        await press(pilot, "enter", "enter")  # back on the board; the database answers again
        assert isinstance(pilot.app.screen, DepartmentScreen)
