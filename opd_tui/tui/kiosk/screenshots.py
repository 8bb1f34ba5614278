"""Regenerate the kiosk's SVGs in `screenshots/` (kiosk-*.svg) from the real kiosk.

    python -m opd_tui.tui.kiosk.screenshots [--out screenshots]

Each picture is the kiosk on an in-memory copy of the demo day of Monday
10 March 2025 at 10:40, driven by the keys a patient would press (or, for the
board's pictures, by a desk calling a patient). The kiosk's timer stands still,
so no page turns and no highlight ends while a picture is taken.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path

from textual.pilot import Pilot

from ...engine import AllocationEngine
from ..screenshot_tools import demo_day, main_of, settle, shoot, take_each
from .app import DEFAULT_HOSPITAL, KioskApp
from .screens import StartScreen

TAKE_TOKEN = ["enter", "4", "2", "text:Meena Kumari", "enter", "text:98450 12345", "enter"]

#: What happens at the desk before a picture is taken (after the kiosk has settled).
Desk = Callable[[AllocationEngine, Pilot], Awaitable[None]] | None


async def call_rao(engine: AllocationEngine, pilot: Pilot) -> None:
    """Dr Rao calls the next patient; the board rings and highlights the number."""
    app: KioskApp = pilot.app  # type: ignore[assignment]
    [rao] = [d for d in engine.doctors() if d.code == "RAO"]
    engine.call_next(rao.id, now=app.engine_now())
    assert isinstance(app.screen, StartScreen)
    board = app.screen.board
    for _ in range(100):  # the board's next read, a poll or two away
        if any(card.called for card in board.cards()):
            return
        await pilot.pause(0.1)
    raise RuntimeError("the board never showed Dr Rao's call")


#: name, terminal size, keys to press (`text:` is typed as it stands), desk action
SHOTS: list[tuple[str, tuple[int, int], Sequence[str], Desk]] = [
    ("kiosk-board-80x24", (80, 24), [], None),
    ("kiosk-board-120x40", (120, 40), [], None),
    ("kiosk-board-200x60", (200, 60), [], None),
    ("kiosk-called-120x40", (120, 40), [], call_rao),
    ("kiosk-department-80x24", (80, 24), ["enter"], None),
    ("kiosk-doctor-80x24", (80, 24), ["enter", "1"], None),
    ("kiosk-bad-name-80x24", (80, 24), ["enter", "1", "1", "text:12345", "enter"], None),
    ("kiosk-confirm-80x24", (80, 24), TAKE_TOKEN, None),
    ("kiosk-slip-80x24", (80, 24), [*TAKE_TOKEN, "enter"], None),
    ("kiosk-slip-120x40", (120, 40), [*TAKE_TOKEN, "enter"], None),
]


async def take(out: Path, name: str, size: tuple[int, int], keys: Sequence[str],
               desk: Desk) -> Path:
    with demo_day() as (engine, clock):
        app = KioskApp(engine, clock=clock, hospital=DEFAULT_HOSPITAL, idle_seconds=600,
                       timer=lambda: 0.0)

        async def ready(pilot: Pilot) -> None:
            await settle(pilot)
            if desk is not None:
                await desk(engine, pilot)
                await settle(pilot)

        return await shoot(app, out, name, size, keys, ready=ready)


def take_all(out: Path) -> list[Path]:
    return take_each(out, [partial(take, name=name, size=size, keys=keys, desk=desk)
                           for name, size, keys, desk in SHOTS])


main = main_of(__doc__, take_all)

if __name__ == "__main__":
    sys.exit(main())
