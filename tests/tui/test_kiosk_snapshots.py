"""What the kiosk looks like, pinned by SVG snapshots (pytest-textual-snapshot).

Fixed data (the demo day of 10 March 2025, seeded), a fixed clock (10:40) and a
timer that stands still.
Update after a deliberate change with
`pytest tests/tui/test_kiosk_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from opd_tui.demo import demo_now
from opd_tui.engine import AllocationEngine
from opd_tui.errors import DatabaseUnavailable
from opd_tui.tui.kiosk import KioskApp
from opd_tui.tui.kiosk.board import PAGE_SECONDS
from opd_tui.tui.screenshot_tools import DAY, settle

from .conftest import eventually, keys
from .test_kiosk import HandTimer
from .test_kiosk_database_down import FaultyEngine

SMALL, LARGE = (80, 24), (120, 40)


def kiosk(engine: AllocationEngine, **kwargs) -> KioskApp:
    """The kiosk at 10:40, its timer standing still: a slow machine never turns the
    board's page or ends a highlight while the picture is taken."""
    now = demo_now(DAY)
    kwargs.setdefault("timer", lambda: 0.0)
    return KioskApp(engine, clock=lambda: now, hospital="City Hospital OPD",
                    idle_seconds=600, **kwargs)


class TestBoard:
    @pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
    def test_board(self, snap_compare, demo_engine: AllocationEngine, size) -> None:  # noqa: ANN001
        assert snap_compare(kiosk(demo_engine), terminal_size=size, run_before=keys())

    def test_the_next_page(self, snap_compare, demo_engine: AllocationEngine) -> None:  # noqa: ANN001
        timer = HandTimer()

        async def next_page(pilot) -> None:  # noqa: ANN001
            await settle(pilot)
            timer.advance(PAGE_SECONDS)
            assert await eventually(pilot, lambda: pilot.app.screen.board.page == 1)
            await settle(pilot)

        assert snap_compare(kiosk(demo_engine, timer=timer), terminal_size=SMALL,
                            run_before=next_page)

    def test_a_new_call_stands_out(self, snap_compare, demo_engine: AllocationEngine) -> None:  # noqa: ANN001
        async def call_rao(pilot) -> None:  # noqa: ANN001
            await settle(pilot)
            [rao] = [d for d in demo_engine.doctors() if d.code == "RAO"]
            demo_engine.call_next(rao.id, now=demo_now(DAY))
            board = pilot.app.screen.board
            assert await eventually(pilot, lambda: any(c.called for c in board.cards()))
            await settle(pilot)

        assert snap_compare(kiosk(demo_engine), terminal_size=LARGE, run_before=call_rao)


class TestTakingAToken:
    def test_choosing_a_doctor(self, snap_compare, demo_engine: AllocationEngine) -> None:  # noqa: ANN001
        assert snap_compare(kiosk(demo_engine), terminal_size=SMALL,
                            run_before=keys("enter", "1"))

    def test_a_bad_name(self, snap_compare, demo_engine: AllocationEngine) -> None:  # noqa: ANN001
        assert snap_compare(kiosk(demo_engine), terminal_size=SMALL,
                            run_before=keys("enter", "1", "1", "text:12345", "enter"))

    def test_confirming_a_name_like_markup(self, snap_compare, demo_engine) -> None:  # noqa: ANN001
        assert snap_compare(
            kiosk(demo_engine), terminal_size=SMALL,
            run_before=keys("enter", "1", "1", "text:[bold red]X[/]", "enter",
                            "text:98450 12345", "enter"),
        )

    @pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
    def test_the_slip(self, snap_compare, demo_engine: AllocationEngine, size) -> None:  # noqa: ANN001
        assert snap_compare(
            kiosk(demo_engine), terminal_size=size,
            run_before=keys("enter", "4", "2", "text:Meena Kumari", "enter", "enter", "enter"),
        )


class TestExit:
    def test_the_pin_prompt(self, snap_compare, demo_engine: AllocationEngine) -> None:  # noqa: ANN001
        assert snap_compare(kiosk(demo_engine, exit_pin="4321"), terminal_size=SMALL,
                            run_before=keys("ctrl+q", "text:12", "enter"))


class TestFaults:
    """What the hall sees when the database misbehaves, and the staff's locked exit."""

    def test_the_board_cannot_reach_the_database(self, snap_compare, demo_engine) -> None:  # noqa: ANN001
        faulty = FaultyEngine(demo_engine)

        async def database_down(pilot) -> None:  # noqa: ANN001
            await settle(pilot)
            faulty.down = DatabaseUnavailable("Cannot reach the database.")
            assert await eventually(pilot, lambda: pilot.app.screen.paused)

        assert snap_compare(kiosk(faulty, retry_interval=0.05), terminal_size=SMALL,
                            run_before=database_down)

    def test_no_token_was_made(self, snap_compare, demo_engine) -> None:  # noqa: ANN001
        faulty = FaultyEngine(demo_engine)
        faulty.faults["book_earliest"] = DatabaseUnavailable("Cannot reach the database.")
        assert snap_compare(
            kiosk(faulty), terminal_size=SMALL,
            run_before=keys("enter", "4", "2", "text:Meena Kumari", "enter", "enter", "enter"),
        )

    @pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
    def test_out_of_service(self, snap_compare, demo_engine, size) -> None:  # noqa: ANN001
        async def file_gone(pilot) -> None:  # noqa: ANN001
            await settle(pilot)
            pilot.app.show_out_of_service()
            await settle(pilot)

        # An in-memory day has no file to lose: the screen is shown as the kiosk would.
        assert snap_compare(kiosk(demo_engine, retry_interval=600), terminal_size=size,
                            run_before=file_gone)

    def test_the_exit_locked_after_wrong_pins(self, snap_compare, demo_engine) -> None:  # noqa: ANN001
        wrong = ["text:0000", "enter"] * KioskApp.MAX_PIN_TRIES
        assert snap_compare(kiosk(demo_engine, exit_pin="4321"), terminal_size=SMALL,
                            run_before=keys("ctrl+q", *wrong))
