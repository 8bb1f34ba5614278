"""Regenerate the SVGs in `screenshots/` from the real desk on the demo day.

    python -m opd_tui.tui.screenshots [--out screenshots]

Each picture is the desk on an in-memory copy of the demo day of Monday
10 March 2025 at 10:40, driven by the keys a receptionist would press; then
the kiosk's and the live simulation's own pictures (kiosk-*, simulation-*).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from .desk import DEFAULT_HOSPITAL, LIGHT, DeskApp
from .screenshot_tools import demo_day, main_of, shoot, take_each

BOOK_MEENA = ["right", "b", "text:Meena Joshi", "tab"]
#: Dr Rao's week typed in the roster editor: Monday, copied down to Friday, and leave.
ROSTER_RAO = ["D", "w", "text:09:00-13:00, 14:00-17:00", "ctrl+down", "ctrl+down", "ctrl+down",
              "ctrl+down", "down", "down", "down", "text:19 Mar to 21 Mar"]

#: name, terminal size, keys to press (`text:` is typed as it stands), theme
SHOTS: list[tuple[str, tuple[int, int], Sequence[str], str | None]] = [
    ("desk-200x60", (200, 60), [], None),
    ("desk-80x24", (80, 24), [], None),
    ("desk-light-160x48", (160, 48), ["down", "down", "down", "right"], LIGHT),
    ("booking-form", (120, 40), [*BOOK_MEENA, "text:+91981"], None),
    ("booking-form-80x24", (80, 24), [*BOOK_MEENA, "text:+91981"], None),
    ("booking-outcome", (120, 40), [*BOOK_MEENA, "text:+919811112222", "enter"], None),
    ("search", (120, 40), ["slash", "text:sharma"], None),
    ("move", (120, 40), ["enter", "down", "m", "right"], None),
    ("emergency", (120, 40), ["down", "exclamation_mark"], None),
    ("keys-help", (120, 40), ["question_mark"], None),
    ("booking-walk-in-80x24", (80, 24), ["b", "text:Kamal Das"], None),
    ("report-200x60", (200, 60), ["R"], None),
    ("report-80x24", (80, 24), ["R"], None),
    ("roster-editor-80x24", (80, 24), ROSTER_RAO, None),
    ("reassign", (120, 40), ["D", "r"], None),
]


async def take(out: Path, name: str, size: tuple[int, int], keys: Sequence[str],
               theme: str | None) -> Path:
    with demo_day() as (engine, clock):
        app = DeskApp(engine, clock=clock, hospital=DEFAULT_HOSPITAL,
                      theme=theme or "textual-dark")
        return await shoot(app, out, name, size, keys)


def take_all(out: Path) -> list[Path]:
    from .kiosk.screenshots import take_all as take_kiosk  # kiosk-*.svg
    from .simulation.screenshots import take_all as take_simulation  # simulation-*.svg

    desk = take_each(out, [partial(take, name=name, size=size, keys=keys, theme=theme)
                           for name, size, keys, theme in SHOTS])
    return [*desk, *take_kiosk(out), *take_simulation(out)]


main = main_of(__doc__, take_all)

if __name__ == "__main__":
    sys.exit(main())
