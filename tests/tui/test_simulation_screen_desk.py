"""The desk opens the live simulation on a private database, and gets back to its own."""

from __future__ import annotations

from datetime import datetime

from opd_tui.tui.screens import DeskScreen
from opd_tui.tui.simulation import DaySummaryScreen, SimulationScreen

from .conftest import World, desk_open
from .sim_helpers import header, press, settle, sim_time


async def test_shift_s_opens_the_simulation_and_escape_goes_back(world: World) -> None:
    engine = world.engine
    doctors = [d.code for d in engine.doctors()]
    last_event = engine.last_event_id()
    async with desk_open(engine) as pilot:
        desk = pilot.app.screen
        assert isinstance(desk, DeskScreen)
        assert "simulate" in [a.action for a in desk.palette_commands()]
        await pilot.press("S")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, SimulationScreen)
        await settle(pilot, screen)
        assert screen.ready and "seed 1" in header(screen)
        sim_engine = screen.live._sim.engine  # type: ignore[union-attr]
        assert sim_engine is not engine
        # Its keys work over the desk as in its own app.
        await press(pilot, "n", "n")
        assert len(screen.event_log.entries) >= 3
        screen.seek(datetime(2025, 3, 4))
        await settle(pilot, screen)
        assert isinstance(pilot.app.screen, DaySummaryScreen)
        assert "back to the desk" in str(pilot.app.screen.query_one("#summary-dialog")
                                         .border_subtitle)
        await press(pilot, "escape")
        assert pilot.app.screen is screen and screen.finished
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is desk
        assert screen.live._closed  # noqa: SLF001 - the private day is gone with its screen
        # The desk's database never saw the simulated day.
        assert [d.code for d in engine.doctors()] == doctors
        assert engine.last_event_id() == last_event
        assert sim_time(screen).date().isoformat() == "2025-03-03"


async def test_the_palette_entry_opens_the_simulation(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        desk = pilot.app.screen
        assert isinstance(desk, DeskScreen)
        [entry] = [a for a in desk.palette_commands() if a.action == "simulate"]
        assert "private" in entry.help
        await desk.run_action(entry.action)
        await pilot.pause()
        assert isinstance(pilot.app.screen, SimulationScreen)
        await settle(pilot, pilot.app.screen)
        await pilot.press("q")
        await pilot.pause()
        assert pilot.app.screen is desk and pilot.app.is_running
