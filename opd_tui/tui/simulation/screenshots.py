"""The live simulation's pictures in `screenshots/` (`python -m opd_tui.tui.screenshots`).

    python -m opd_tui.tui.simulation.screenshots [--out screenshots]

Each picture is the default day of seed 1 (three doctors, Monday 3 March 2025),
paused and played to a fixed simulated time, so it changes only when the
simulation or the screen does. The what-if pictures compare 8 and 10 seats a
slot over that day's seeds 1-10.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from ...simulation import SimulationConfig
from ..screenshot_tools import main_of, shoot, take_each, workers_done
from . import screen as screen_module
from .app import SimulationApp
from .whatif import WhatIfScreen

MID_DAY = datetime(2025, 3, 3, 10, 40)
END = datetime(2025, 3, 4)

#: name, terminal size, simulated time to play to, keys pressed then
SHOTS: list[tuple[str, tuple[int, int], datetime, Sequence[str]]] = [
    ("simulation-200x60", (200, 60), MID_DAY, ()),
    ("simulation-80x24", (80, 24), MID_DAY, ()),
    ("simulation-summary-120x40", (120, 40), END, ()),
    ("simulation-summary-80x24", (80, 24), END, ()),
]
#: name, terminal size: the what-if panel after its comparison.
WHAT_IF_SHOTS: list[tuple[str, tuple[int, int]]] = [
    ("simulation-whatif-160x48", (160, 48)),
    ("simulation-whatif-80x24", (80, 24)),
]


async def settle(pilot: Pilot) -> None:
    """Until the worker has nothing left to do and the screen has caught up."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause()
        await workers_done(app)
        screen = app.screen_stack[0]
        if not getattr(screen, "busy", False):
            break
    await pilot.pause()


async def play_to(pilot: Pilot, when: datetime) -> None:
    app = pilot.app
    assert isinstance(app, SimulationApp)
    await settle(pilot)  # the evening before
    app.simulation.seek(when)
    await settle(pilot)


async def take(out: Path, name: str, size: tuple[int, int], when: datetime,
               keys: Sequence[str]) -> Path:
    app = SimulationApp(SimulationConfig(seed=1), paused=True)
    return await shoot(app, out, name, size, keys,
                       ready=partial(play_to, when=when), then=settle)


async def compared(pilot: Pilot) -> None:
    """The what-if panel, its comparison played to the end."""
    await settle(pilot)
    await pilot.press("w")
    await pilot.pause()
    panel = pilot.app.screen
    assert isinstance(panel, WhatIfScreen)
    panel.query_one("#whatif-values", Input).value = "8,10"
    panel.query_one("#whatif-seeds", Input).value = "10"
    await pilot.press("enter")
    while panel.running:
        await pilot.pause(0.1)
    await pilot.pause()


async def take_what_if(out: Path, name: str, size: tuple[int, int]) -> Path:
    app = SimulationApp(SimulationConfig(seed=1), paused=True)
    return await shoot(app, out, name, size, ready=compared, then=settle)


def take_all(out: Path) -> list[Path]:
    # Each errand of the day in one chunk, whatever the machine's speed: the chunks
    # shown on the way would shape the 80-column grid (its columns never narrow).
    budget, screen_module.BUDGET_SECONDS = screen_module.BUDGET_SECONDS, 3600.0
    try:
        return take_each(out, [
            *(partial(take, name=name, size=size, when=when, keys=keys)
              for name, size, when, keys in SHOTS),
            *(partial(take_what_if, name=name, size=size) for name, size in WHAT_IF_SHOTS),
        ])
    finally:
        screen_module.BUDGET_SECONDS = budget


main = main_of(__doc__, take_all)

if __name__ == "__main__":
    sys.exit(main())
