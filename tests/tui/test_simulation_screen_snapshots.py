"""What the live simulation looks like, pinned by SVG snapshots (pytest-textual-snapshot).

Seed 1, paused, played to 10:40 and then stepped through three events: no
wall clock reaches the picture (each errand of the worker is played in one chunk,
not cut by its wall-clock budget: the frames shown on the way would shape the
80-column grid's columns, which widen to fit and never narrow). The what-if
panel compares capacity 6 and 10 on three days of the short day, played in the
app's thread. Update after a deliberate change with
`pytest tests/tui/test_simulation_screen_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from opd_tui.simulation import SimulationConfig
from opd_tui.tui.simulation import SimulationApp
from opd_tui.tui.simulation import screen as simulation_screen
from opd_tui.tui.simulation.whatif import WhatIfScreen

from .conftest import eventually
from .sim_helpers import END, MID_DAY, SHORT, press, settle, sim_of


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


def short_day() -> SimulationApp:
    return SimulationApp(SimulationConfig(seed=1, **SHORT), paused=True, whatif_workers=1)


async def compared(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("w")
    await pilot.pause()
    panel = pilot.app.screen
    assert isinstance(panel, WhatIfScreen)
    panel.query_one("#whatif-values", Input).value = "6,10"
    panel.query_one("#whatif-seeds", Input).value = "3"
    await pilot.press("enter")
    await eventually(pilot, lambda: not panel.running, seconds=120,
                     what="the what-if comparison to finish")
    assert panel.results is not None and panel.results.played == 6
    await pilot.pause()


class TestWhatIf:
    def test_what_if_80x24(self, snap_compare) -> None:
        assert snap_compare(short_day(), terminal_size=(80, 24), run_before=compared)

    def test_what_if_160x48(self, snap_compare) -> None:
        assert snap_compare(short_day(), terminal_size=(160, 48), run_before=compared)
