"""The reception desk app: `opd-tui` (and `opd-tui --demo`) start here.

`DeskApp` takes the engine it works on and the clock it reads, so tests and
screenshots run it on a database and a time of their own. Without a clock of its
own the desk gives its commands no `now`: the hospital's clock decides (rule 18).

A fault of the database or the clock, met by any screen or form, goes on the
desk's banner; the desk keeps running and keeps reading.

Keys typed ahead of a form (a quick hand, a barcode scanner) are kept and land in
the fields they were meant for (typeahead.py). The desk asks before it quits, and
remembers the theme chosen (preferences.py) when it runs for real.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from typing import Any

from textual import on
from textual.app import SystemCommand
from textual.content import Content
from textual.screen import Screen

from ..engine import AllocationEngine
from .modals import ConfirmModal
from .preferences import DeskPreferences
from .screens import DeskScreen
from .typeahead import KeepsTypeAhead
from .widgets import DatabaseAnswered, DatabaseFaulted, FaultBanner
from .widgets.fault_banner import fault_of

DEFAULT_HOSPITAL = "City Hospital OPD"
DARK, LIGHT = "textual-dark", "textual-light"
#: Terminals shorter than this show one message at a time.
ROOMY_HEIGHT = 32


class DeskApp(KeepsTypeAhead):
    """The receptionist's screen: every desk action on a key."""

    CSS_PATH = "desk.tcss"
    TITLE = "OPD desk"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]
    NOTIFICATION_TIMEOUT = 6

    def __init__(
        self,
        engine: AllocationEngine,
        clock: Callable[[], datetime] | None = None,
        *,
        hospital: str | None = None,
        day: date | None = None,
        poll_interval: float = 0.4,
        advance: bool = True,
        theme: str | None = None,
        preferences: DeskPreferences | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock: Callable[[], datetime] = clock or datetime.now
        #: No clock given: commands go without `now`, on the hospital's clock.
        self.hospital_clock = clock is None
        self.hospital = hospital or os.environ.get("OPD_HOSPITAL_NAME") or DEFAULT_HOSPITAL
        self.start_day = day
        self.poll_interval = poll_interval
        #: Roll ended slots' waitlists over once a minute (rule 14).
        self.advance = advance
        #: Where the chosen theme is remembered; None: nowhere (tests, screenshots).
        self.preferences = preferences
        remembered = preferences.read().theme if preferences is not None else None
        chosen = theme or remembered
        self.theme = chosen if chosen in self.available_themes else DARK

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        # What start-up made (modules, styles, widgets) lives as long as the desk:
        # kept out of the collector's full passes, which otherwise stop a frame for
        # 50 ms now and then on a busy day (the first frames of a 60-doctor day).
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()

    def _remember_theme(self, _theme: Any) -> None:
        if self.preferences is not None:
            self.preferences.remember(theme=self.theme)

    def get_default_screen(self) -> Screen:
        return DeskScreen()

    @property
    def desk(self) -> DeskScreen:
        screen = self.screen_stack[0] if self.screen_stack else None
        assert isinstance(screen, DeskScreen)
        return screen

    # -- speaking to the receptionist -----------------------------------------

    def say(self, message: str) -> None:
        self._tell(message)

    def say_error(self, message: str) -> None:
        self._tell(message, title="Not done", severity="error", timeout=10)

    def _tell(self, message: str, **how: Any) -> None:
        if self.size.height < ROOMY_HEIGHT:
            # A short terminal keeps only the newest message: a stack of them would
            # cover an open form's outcome line and its buttons.
            self.clear_notifications()
        self.notify(message, markup=False, **how)

    @on(DatabaseFaulted)
    def show_fault(self, message: DatabaseFaulted) -> None:
        if (banner := self._banner()) is not None:
            banner.met(fault_of(message.error, message.during))

    @on(DatabaseAnswered)
    def clear_fault(self, message: DatabaseAnswered) -> None:
        if (banner := self._banner()) is not None:
            banner.answered(message.during)

    def _banner(self) -> FaultBanner | None:
        desk = self.screen_stack[0] if self.screen_stack else None  # none while closing
        return desk.banner if isinstance(desk, DeskScreen) and desk.is_mounted else None

    def toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    async def action_quit(self) -> None:
        """ctrl+q: asks first (a stray ctrl+q at a busy counter would close the desk);
        ctrl+q again, or y, quits."""
        if isinstance(self.screen, QuitQuestion):
            self.exit()
            return
        self.push_screen(QuitQuestion(), lambda yes: self.exit() if yes else None)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        desk = self.screen_stack[0] if self.screen_stack else None
        if screen is desk and isinstance(desk, DeskScreen):
            for entry in desk.palette_commands():
                key = desk.key_of(entry.action)
                about = f"{key}  ·  {entry.help}" if key else entry.help
                yield SystemCommand(entry.title, about, partial(desk.run_action, entry.action))
        yield from super().get_system_commands(screen)


class QuitQuestion(ConfirmModal):
    def __init__(self) -> None:
        super().__init__("Quit the desk", Content(
            "Quit the desk?\nNothing is lost: bookings are in the database; "
            "the desk opens on them again."), yes="Quit")


def run_desk(url: str | None, demo: bool = False) -> int:
    """Open the desk on `url` (default: the local file), or on the demo database.

    The database is opened before the app starts: a fault of it (an `OPDError`)
    reaches the command line as one line, not a screen that cannot open."""
    if demo:
        from ..demo import open_demo

        engine, clock = open_demo()
        app = DeskApp(engine, clock, hospital=f"{DEFAULT_HOSPITAL} · DEMO",
                      preferences=DeskPreferences.default())
    else:
        engine = AllocationEngine.open(url)
        for notice in engine.notices:
            print(f"opd-tui: {notice}", file=sys.stderr)
        app = DeskApp(engine, preferences=DeskPreferences.default())
    try:
        app.run()
    finally:
        engine.close()
    return app.return_code or 0
