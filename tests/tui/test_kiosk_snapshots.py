"""What the kiosk looks like, pinned by SVG snapshots (pytest-textual-snapshot).

Fixed data (the demo day of 10 March 2025, seeded) and a fixed clock (10:40).
Update after a deliberate change with
`pytest tests/tui/test_kiosk_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest

from opd_tui.demo import demo_now
from opd_tui.engine import AllocationEngine
from opd_tui.tui.kiosk import KioskApp
from opd_tui.tui.screenshot_tools import DAY

from .conftest import keys

SMALL, LARGE = (80, 24), (120, 40)


def kiosk(engine: AllocationEngine, **kwargs) -> KioskApp:
    now = demo_now(DAY)
    return KioskApp(engine, clock=lambda: now, hospital="City Hospital OPD",
                    idle_seconds=600, **kwargs)


class TestBoard:
    @pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
    def test_board(self, snap_compare, demo_engine: AllocationEngine, size) -> None:  # noqa: ANN001
        assert snap_compare(kiosk(demo_engine), terminal_size=size, run_before=keys())


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
