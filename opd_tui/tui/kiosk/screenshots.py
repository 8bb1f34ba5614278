"""Regenerate the kiosk's SVGs in `screenshots/` (kiosk-*.svg) from the real kiosk.

    python -m opd_tui.tui.kiosk.screenshots [--out screenshots]

Each picture is the kiosk on an in-memory copy of the demo day of Monday
10 March 2025 at 10:40, driven by the keys a patient would press.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from ...demo import build_demo_day, demo_now
from ...engine import AllocationEngine
from .app import DEFAULT_HOSPITAL, KioskApp

DAY = date(2025, 3, 10)
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


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def take(out: Path, name: str, size: tuple[int, int], keys: Sequence[str]) -> Path:
    engine = AllocationEngine.open("sqlite:///:memory:")
    build_demo_day(engine, DAY)
    now = demo_now(DAY)
    app = KioskApp(engine, clock=lambda: now, hospital=DEFAULT_HOSPITAL, idle_seconds=600)
    path = out / f"{name}.svg"
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in keys:
            if key.startswith("text:"):
                await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in key[5:]])
            else:
                await pilot.press(key)
            await settle(pilot)
        await pilot.pause(0.2)
        app.save_screenshot(filename=path.name, path=str(out))
    engine.close()
    return path


def take_all(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    return [asyncio.run(take(out, name, size, keys)) for name, size, keys in SHOTS]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", default="screenshots", help="folder for the SVGs")
    args = parser.parse_args(argv)
    for path in take_all(Path(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
