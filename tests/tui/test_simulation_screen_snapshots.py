"""What the live simulation looks like, pinned by SVG snapshots (pytest-textual-snapshot).

Seed 1, paused, played to 10:40 and then stepped through three events: no
wall clock reaches the picture (each errand of the worker is played in one chunk,
not cut by its wall-clock budget: the frames shown on the way would shape the
80-column grid's columns, which widen to fit and never narrow). Update after a
deliberate change with
`pytest tests/tui/test_simulation_screen_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from opd_tui.simulation import SimulationConfig
from opd_tui.tui.simulation import SimulationApp
from opd_tui.tui.simulation import screen as simulation_screen

from .sim_helpers import END, MID_DAY, press, settle, sim_of


@pytest.fixture(autouse=True)
def _one_chunk_per_errand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulation_screen, "BUDGET_SECONDS", 3600.0)


def paused_day() -> SimulationApp:
    return SimulationApp(SimulationConfig(seed=1), paused=True)


async def mid_day_stepped(pilot: Pilot) -> None:
    await settle(pilot)
    sim_of(pilot).seek(MID_DAY)
    await settle(pilot)
    await press(pilot, "n", "n", "n")


async def end_of_day(pilot: Pilot) -> None:
    await settle(pilot)
    sim_of(pilot).seek(END)
    await settle(pilot)


class TestLiveSimulation:
    def test_mid_day_120x36(self, snap_compare) -> None:
        assert snap_compare(paused_day(), terminal_size=(120, 36), run_before=mid_day_stepped)

    def test_mid_day_80x24(self, snap_compare) -> None:
        assert snap_compare(paused_day(), terminal_size=(80, 24), run_before=mid_day_stepped)


class TestDaySummary:
    def test_end_of_day(self, snap_compare) -> None:
        assert snap_compare(paused_day(), terminal_size=(120, 40), run_before=end_of_day)
