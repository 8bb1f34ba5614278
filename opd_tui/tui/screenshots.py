"""Regenerate the SVGs in `screenshots/` from the real desk on the demo day.

    python -m opd_tui.tui.screenshots [--out screenshots]

Each picture is the desk on an in-memory copy of the demo day of Monday
10 March 2025 at 10:40, driven by the keys a receptionist would press; then
the kiosk's and the live simulation's own pictures (kiosk-*, simulation-*).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from textual.pilot import Pilot

from ..demo import build_demo_day, demo_now
from ..engine import AllocationEngine
from .desk import DEFAULT_HOSPITAL, LIGHT, DeskApp

DAY = date(2025, 3, 10)

#: name, terminal size, keys to press (text is typed as-is), theme
SHOTS: list[tuple[str, tuple[int, int], Sequence[str], str | None]] = [
    ("desk-200x60", (200, 60), ["right"], None),
    ("desk-80x24", (80, 24), ["right"], None),
    ("desk-light-160x48", (160, 48), ["down", "down", "down", "right", "right"], LIGHT),
    ("booking-form", (120, 40), ["right", "right", "b", "text:Meena Joshi", "tab",
                                 "text:+91981"], None),
    ("booking-outcome", (120, 40), ["right", "right", "b", "text:Meena Joshi", "tab",
                                    "text:+919811112222", "enter"], None),
    ("search", (120, 40), ["slash", "text:sharma"], None),
    ("move", (120, 40), ["right", "enter", "down", "m", "right"], None),
    ("emergency", (120, 40), ["down", "exclamation_mark"], None),
]


async def settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def take(out: Path, name: str, size: tuple[int, int], keys: Sequence[str], theme: str | None) -> Path:
    engine = AllocationEngine.open("sqlite:///:memory:")
    build_demo_day(engine, DAY)
    now = demo_now(DAY)
    app = DeskApp(engine, clock=lambda: now, hospital=DEFAULT_HOSPITAL, theme=theme or "textual-dark")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--out", default="screenshots", help="folder for the SVGs")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, size, keys, theme in SHOTS:
        path = asyncio.run(take(out, name, size, keys, theme))
        print(path)
    from .kiosk.screenshots import take_all as take_kiosk  # the kiosk's pictures (kiosk-*.svg)

    for path in take_kiosk(out):
        print(path)
    from .simulation.screenshots import take_all as take_simulation  # simulation-*.svg

    for path in take_simulation(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
