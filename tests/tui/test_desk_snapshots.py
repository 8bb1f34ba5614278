"""What the desk looks like, pinned by SVG snapshots (pytest-textual-snapshot).

Fixed data (the demo day of 10 March 2025, seeded) and a fixed clock (10:40),
so the pictures only change when the desk does. Update them after a deliberate
change with `pytest tests/tui/test_desk_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from opd_tui.demo import demo_now
from opd_tui.engine import AllocationEngine
from opd_tui.tui.desk import LIGHT, DeskApp
from opd_tui.tui.screenshot_tools import DAY

from .conftest import keys, settle, type_text


def desk(engine: AllocationEngine, **kwargs) -> DeskApp:
    now = demo_now(DAY)
    return DeskApp(engine, clock=lambda: now, hospital="City Hospital OPD", **kwargs)


class TestDesk:
    def test_desk_80x24(self, snap_compare, demo_engine: AllocationEngine) -> None:
        assert snap_compare(desk(demo_engine), terminal_size=(80, 24), run_before=keys())

    def test_desk_160x48(self, snap_compare, demo_engine: AllocationEngine) -> None:
        assert snap_compare(desk(demo_engine), terminal_size=(160, 48), run_before=keys())

    def test_desk_light_theme(self, snap_compare, demo_engine: AllocationEngine) -> None:
        assert snap_compare(desk(demo_engine, theme=LIGHT), terminal_size=(120, 32),
                            run_before=keys())


class TestGrid:
    def test_full_and_overbooked_slots(self, snap_compare, demo_engine: AllocationEngine) -> None:
        # Dr Rao 10:00: overbooked by an emergency
        assert snap_compare(desk(demo_engine), terminal_size=(120, 32),
                            run_before=keys("enter"))


class TestBookingForm:
    def test_validation_error(self, snap_compare, demo_engine: AllocationEngine) -> None:
        async def wrong_input(pilot: Pilot) -> None:
            await settle(pilot)
            await pilot.press("right", "b")
            await settle(pilot)
            await type_text(pilot, "12 34")  # no letter: not a name (nor one number)
            await pilot.press("tab")
            await type_text(pilot, "9x")
            await pilot.press("enter")
            await settle(pilot)
            assert pilot.app.screen.query_one("#patient_name", Input).value == "12 34"

        assert snap_compare(desk(demo_engine), terminal_size=(100, 36), run_before=wrong_input)
