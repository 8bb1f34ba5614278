"""Regenerate the kiosk's SVGs in `screenshots/` (kiosk-*.svg) from the real kiosk.

    python -m opd_tui.tui.kiosk.screenshots [--out screenshots]

Each picture is the kiosk on an in-memory copy of the demo day of Monday
10 March 2025 at 10:40, driven by the keys a patient would press.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from ..screenshot_tools import demo_day, main_of, shoot, take_each
from .app import DEFAULT_HOSPITAL, KioskApp

TAKE_TOKEN = ["enter", "4", "2", "text:Meena Kumari", "enter", "text:98450 12345", "enter"]

#: name, terminal size, keys to press (`text:` is typed as it stands)
SHOTS: list[tuple[str, tuple[int, int], Sequence[str]]] = [
    ("kiosk-board-80x24", (80, 24), []),
    ("kiosk-board-120x40", (120, 40), []),
    ("kiosk-board-200x60", (200, 60), []),
    ("kiosk-department-80x24", (80, 24), ["enter"]),
    ("kiosk-doctor-80x24", (80, 24), ["enter", "1"]),
    ("kiosk-bad-name-80x24", (80, 24), ["enter", "1", "1", "text:12345", "enter"]),
    ("kiosk-confirm-80x24", (80, 24), TAKE_TOKEN),
    ("kiosk-slip-80x24", (80, 24), [*TAKE_TOKEN, "enter"]),
    ("kiosk-slip-120x40", (120, 40), [*TAKE_TOKEN, "enter"]),
]


async def take(out: Path, name: str, size: tuple[int, int], keys: Sequence[str]) -> Path:
    with demo_day() as (engine, clock):
        app = KioskApp(engine, clock=clock, hospital=DEFAULT_HOSPITAL, idle_seconds=600)
        return await shoot(app, out, name, size, keys)


def take_all(out: Path) -> list[Path]:
    return take_each(out, [partial(take, name=name, size=size, keys=keys)
                           for name, size, keys in SHOTS])


main = main_of(__doc__, take_all)

if __name__ == "__main__":
    sys.exit(main())
