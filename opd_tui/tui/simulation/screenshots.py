"""The live simulation's pictures in `screenshots/` (`python -m opd_tui.tui.screenshots`).

    python -m opd_tui.tui.simulation.screenshots [--out screenshots]

Each picture is the default day of seed 1 (three doctors, Monday 3 March 2025),
paused and played to a fixed simulated time, so it changes only when the
simulation or the screen does.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from textual.pilot import Pilot

from ...simulation import SimulationConfig
from ..screenshot_tools import main_of, shoot, take_each, workers_done
from .app import SimulationApp

MID_DAY = datetime(2025, 3, 3, 10, 40)
END = datetime(2025, 3, 4)

#: name, terminal size, simulated time to play to, keys pressed then
SHOTS: list[tuple[str, tuple[int, int], datetime, Sequence[str]]] = [
    ("simulation-200x60", (200, 60), MID_DAY, ()),
    ("simulation-80x24", (80, 24), MID_DAY, ()),
    ("simulation-summary-120x40", (120, 40), END, ()),
    ("simulation-summary-80x24", (80, 24), END, ()),
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


def take_all(out: Path) -> list[Path]:
    return take_each(out, [partial(take, name=name, size=size, when=when, keys=keys)
                           for name, size, when, keys in SHOTS])


main = main_of(__doc__, take_all)

if __name__ == "__main__":
    sys.exit(main())
