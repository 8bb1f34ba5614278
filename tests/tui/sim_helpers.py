"""Opening the live simulation in tests and waiting for its worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time

from textual.pilot import Pilot

from opd_tui.simulation import SimulationConfig
from opd_tui.tui.simulation import SimulationApp, SimulationScreen

from .conftest import PATIENCE_SECONDS, Deadline, workers_done

MID_DAY = datetime(2025, 3, 3, 10, 40)
END = datetime(2025, 3, 4)
#: One doctor, one morning hour in two slots: a day that plays in a moment.
SHORT = dict(doctors=1, sessions="09:00-10:00", slot_minutes=30, walkin_closes=time(9, 45))


def sim_of(pilot: Pilot) -> SimulationScreen:
    screen = pilot.app.screen_stack[-1]
    if not isinstance(screen, SimulationScreen):
        screen = next(s for s in pilot.app.screen_stack if isinstance(s, SimulationScreen))
    return screen


async def settle(
    pilot: Pilot, screen: SimulationScreen | None = None, seconds: float = PATIENCE_SECONDS
) -> None:
    """Until the worker has no errand out or waiting, and the screen has caught up; an
    AssertionError if the simulation is still busy after `seconds` of wall clock."""
    screen = screen or sim_of(pilot)
    deadline = Deadline("the simulation's worker to finish its errands", seconds)
    while True:
        await pilot.pause()
        await workers_done(pilot.app, deadline)
        if not screen.busy:
            break
        if deadline.passed:
            frame = screen.frame
            deadline.fail(f"still busy, the day at {frame.now if frame else 'nothing yet'}")
    await pilot.pause()


async def press(pilot: Pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


@asynccontextmanager
async def simulation_open(
    size: tuple[int, int] = (120, 40), *, paused: bool = True, speed: int = 60, **config
) -> AsyncIterator[Pilot]:
    """The simulation app on a fixed seed, paused when the OPD opens (07:00)."""
    config.setdefault("seed", 1)
    app = SimulationApp(SimulationConfig(**config), paused=paused, speed=speed)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


def header(screen: SimulationScreen) -> str:
    return " ".join(str(screen.query_one(f"#sim-{part}").render())
                    for part in ("title", "state", "clock"))


def sim_time(screen: SimulationScreen) -> datetime:
    assert screen.frame is not None
    return screen.frame.now
