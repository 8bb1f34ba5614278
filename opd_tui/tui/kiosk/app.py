"""The kiosk in the OPD hall: walk-in tokens and the now-serving board, locked down.

`KioskApp` takes the engine it works on and the clock it reads (as the desk
does), so tests and screenshots run it on a database and a time of their own.
Idle time and the PIN lockout are measured on a second clock, `timer`
(seconds, monotonic), which tests advance by hand instead of waiting.

Locked down: the app binds no key of Textual's own (`inherit_bindings=False`:
no ctrl+q quit, no ctrl+c help), has no command palette, and its screens bind
only the keys of taking a token. ctrl+q and ctrl+c ask for the exit PIN when
one is set; without a PIN the kiosk cannot be closed from its keyboard at all
(stop the process from outside: SIGTERM closes it cleanly).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from ...engine import AllocationEngine
from .outlook import Slip
from .screens import ExitPinScreen, SlipScreen, StartScreen

DEFAULT_HOSPITAL = "City Hospital OPD"
DARK = "textual-dark"
#: Seconds without a key before a half-taken token is dropped and the board returns.
IDLE_SECONDS = 45.0


class KioskApp(App[None], inherit_bindings=False):
    """Walk-in tokens and the now-serving board; nothing else."""

    CSS_PATH = "kiosk.tcss"
    TITLE = "OPD kiosk"
    ENABLE_COMMAND_PALETTE = False
    #: Wrong exit PINs in a row before the kiosk stops asking for a while.
    MAX_PIN_TRIES = 3
    PIN_LOCKOUT_SECONDS = 300.0

    BINDINGS = [
        Binding("ctrl+q", "exit_request", "Exit", show=False, priority=True, system=True),
        Binding("ctrl+c", "exit_request", "Exit", show=False, priority=True, system=True),
    ]

    def __init__(
        self,
        engine: AllocationEngine,
        clock: Callable[[], datetime] | None = None,
        *,
        exit_pin: str | None = None,
        hospital: str | None = None,
        poll_interval: float = 0.4,
        idle_seconds: float = IDLE_SECONDS,
        theme: str = DARK,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock: Callable[[], datetime] = clock or datetime.now
        self.exit_pin = exit_pin or None
        self.hospital = hospital or os.environ.get("OPD_HOSPITAL_NAME") or DEFAULT_HOSPITAL
        self.poll_interval = poll_interval
        self.idle_seconds = idle_seconds
        self.theme = theme
        self.timer = timer
        self.last_activity = timer()
        self.wrong_pins = 0
        self.pin_locked_until = 0.0

    def get_default_screen(self) -> Screen:
        return StartScreen()

    def on_mount(self) -> None:
        self.set_interval(min(1.0, self.idle_seconds / 4), self.check_idle)
        if not self.is_headless and threading.current_thread() is threading.main_thread():
            # Staff stop a kiosk without a PIN from outside: leave the terminal tidy.
            try:
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)
            except (NotImplementedError, RuntimeError):
                pass

    # -- idle: back to the board ----------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown,
                              events.MouseScrollUp, events.Paste)):
            self.last_activity = self.timer()
        await super().on_event(event)

    def check_idle(self) -> None:
        if len(self.screen_stack) > 1 and self.timer() - self.last_activity >= self.idle_seconds:
            self.return_to_start()

    def return_to_start(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def show_slip(self, slip: Slip) -> None:
        self.return_to_start()
        self.push_screen(SlipScreen(slip))

    # -- the only way out -------------------------------------------------------

    def action_exit_request(self) -> None:
        if self.exit_pin is None or isinstance(self.screen, ExitPinScreen):
            return
        if self.timer() < self.pin_locked_until:
            return
        self.push_screen(ExitPinScreen(self.exit_pin), self._exit_answered)

    def note_wrong_pin(self) -> bool:
        """Count a wrong PIN; True when the kiosk stops asking for a while."""
        self.wrong_pins += 1
        if self.wrong_pins >= self.MAX_PIN_TRIES:
            self.wrong_pins = 0
            self.pin_locked_until = self.timer() + self.PIN_LOCKOUT_SECONDS
            return True
        return False

    def _exit_answered(self, right: bool | None) -> None:
        if right:
            self.exit()
