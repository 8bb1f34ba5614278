"""The kiosk in the OPD hall: walk-in tokens and the now-serving board, locked down.

`KioskApp` takes the engine it works on and, for tests and screenshots, a
clock of their own. Without one, the engine's clock decides (rule 18): the
kiosk passes no `now`, so on a shared database this terminal's clock never
books or finalises anything. Idle time, the PIN lockout, the booking deadline
and the board's page turns and call highlights are measured on a second clock,
`timer` (seconds, monotonic), which tests advance by hand instead of waiting.

Locked down: the app binds no key of Textual's own (`inherit_bindings=False`:
no ctrl+q quit, no ctrl+c help), has no command palette, and its screens bind
only the keys of taking a token. ctrl+q and ctrl+c ask for the exit PIN when
one is set; without a PIN the kiosk cannot be closed from its keyboard at all
(stop the process from outside: SIGTERM closes it cleanly).

It keeps running whatever the database does: a board that cannot read says so
and tries again, a booking that fails says "no token was made", and a database
file deleted or replaced under it (`health`) puts it out of service.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from ...engine import AllocationEngine
from .booking import Booked, Failed, Outcome, OutOfService, Refused, make_token
from .health import DatabaseFile
from .notices import AskAtDeskScreen, MakingTokenScreen, OutOfServiceScreen
from .outlook import Slip, WalkIn
from .screens import ConfirmScreen, ExitPinScreen, SlipScreen, StartScreen

DEFAULT_HOSPITAL = "City Hospital OPD"
DARK = "textual-dark"
#: Seconds without a key before a half-taken token is dropped and the board returns.
IDLE_SECONDS = 45.0
#: The kiosk finalises earlier days and rolls waitlists (`engine.advance`) this often.
ADVANCE_SECONDS = 60.0


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
        retry_interval: float = 2.0,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.fixed_clock = clock
        #: The time the masthead shows.
        self.clock: Callable[[], datetime] = clock or datetime.now
        self.exit_pin = exit_pin or None
        self.hospital = hospital or os.environ.get("OPD_HOSPITAL_NAME") or DEFAULT_HOSPITAL
        self.poll_interval = poll_interval
        #: Seconds between tries while the database is unreachable or the file gone.
        self.retry_interval = retry_interval
        self.idle_seconds = idle_seconds
        self.theme = theme
        self.timer = timer
        self.last_activity = timer()
        self.wrong_pins = 0
        self.pin_locked_until = 0.0
        self.database_file = DatabaseFile.of(engine.database_file)
        self.booking_in_flight = False
        self.last_advance: float | None = None
        self._advancing = False

    # -- whose clock ------------------------------------------------------------

    def engine_now(self) -> datetime | None:
        """`now` for the engine: the given clock's time, else None (the engine's clock)."""
        return self.fixed_clock() if self.fixed_clock is not None else None

    def read_now(self) -> datetime:
        """The time to plan with (which day, who is free): the given clock's, else the
        engine's. A read of the database: call it from a worker."""
        return self.fixed_clock() if self.fixed_clock is not None else self.engine.clock()

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
        """Back to the board, stopping at a held screen (a token being made, out of
        service): what it waits for decides when it goes."""
        while len(self.screen_stack) > 1 and not self.held:
            self.pop_screen()

    @property
    def held(self) -> bool:
        return bool(getattr(self.screen, "HELD", False))

    def _clear_to_board(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def _show_outcome(self, screen: Screen) -> None:
        self._clear_to_board()
        self.push_screen(screen)
        self.last_activity = self.timer()  # the patient gets the whole idle time to read it

    def show_slip(self, slip: Slip) -> None:
        self._show_outcome(SlipScreen(slip))

    def ask_at_desk(self, reason: str) -> None:
        """No token was made: say why and send the patient to the desk."""
        self._show_outcome(AskAtDeskScreen(reason))

    # -- making a token ----------------------------------------------------------

    def make_token(self, walk_in: WalkIn) -> None:
        """Book the walk-in in a worker; the kiosk holds until the worker answers."""
        if self.booking_in_flight:
            return
        self.booking_in_flight = True
        self.push_screen(MakingTokenScreen())
        self._book(walk_in)

    @work(thread=True, group="booking", exit_on_error=False)
    def _book(self, walk_in: WalkIn) -> None:
        outcome = make_token(self.engine, walk_in, self.engine_now(), self.database_file)
        self.call_from_thread(self._booking_answered, outcome)

    def _booking_answered(self, outcome: Outcome) -> None:
        self.booking_in_flight = False
        if isinstance(outcome, Booked):
            self.show_slip(outcome.slip)
        elif isinstance(outcome, Refused):
            if isinstance(self.screen, MakingTokenScreen):
                self.pop_screen()
            if isinstance(self.screen, ConfirmScreen):
                self.screen.refused(outcome.problem)
        elif isinstance(outcome, Failed):
            self.ask_at_desk(outcome.reason)
        elif isinstance(outcome, OutOfService):
            self.show_out_of_service()

    # -- the database file and the day -----------------------------------------------

    def show_out_of_service(self) -> None:
        if any(isinstance(s, OutOfServiceScreen) for s in self.screen_stack):
            return
        self._clear_to_board()
        self.push_screen(OutOfServiceScreen())

    def back_in_service(self) -> None:
        if isinstance(self.screen, ExitPinScreen):
            self.pop_screen()
        if isinstance(self.screen, OutOfServiceScreen):
            self.pop_screen()

    def keep_days_current(self) -> None:
        """`engine.advance` at most every `ADVANCE_SECONDS`: earlier days are finalised
        (rule 17) and ended slots' waitlists roll on without anyone remembering to."""
        now = self.timer()
        if self._advancing or (
            self.last_advance is not None and now - self.last_advance < ADVANCE_SECONDS
        ):
            return
        self.last_advance = now
        self._advancing = True
        self._advance()

    @work(thread=True, group="advance", exit_on_error=False)
    def _advance(self) -> None:
        # A failure is tried again in a minute; the board's own reads say when the
        # database cannot be reached.
        with suppress(Exception):
            if self.database_file is None or self.database_file.intact():
                self.engine.advance(now=self.engine_now())
        self.call_from_thread(self._advanced)

    def _advanced(self) -> None:
        self._advancing = False

    # -- the only way out -------------------------------------------------------

    def action_exit_request(self) -> None:
        if self.exit_pin is None or self.booking_in_flight:
            return
        if isinstance(self.screen, ExitPinScreen):
            return
        self.push_screen(ExitPinScreen(self.exit_pin), self._exit_answered)

    def pin_locked_minutes(self) -> int:
        """Whole minutes (rounded up) the exit stays locked; 0 when it is not."""
        left = self.pin_locked_until - self.timer()
        return math.ceil(left / 60) if left > 0 else 0

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
