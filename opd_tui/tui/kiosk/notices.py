"""What the kiosk says when it cannot simply go on: a token being made, no token
made, and the kiosk out of service.

`MakingTokenScreen` and `OutOfServiceScreen` are *held*: Escape and the idle
timeout leave them alone, because what they wait for (the booking's answer, the
database file) decides what comes next, not the patient.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static

from .bigtext import BigText
from .screens import KioskScreen, Masthead

ASK = "Please ask at the desk."
#: Seconds "no token was made" stays up before the board comes back by itself.
NOTICE_SECONDS = 15.0
#: Seconds the kiosk waits for a booking before it tells the patient to ask at the desk.
BOOKING_DEADLINE_SECONDS = 15.0


class MakingTokenScreen(KioskScreen):
    """Held while the booking worker runs: only its answer leaves this screen.

    After `BOOKING_DEADLINE_SECONDS` without an answer the patient is told to
    ask at the desk, and the screen stays: if the booking commits after all, its
    slip is shown; if it fails, "no token was made".
    """

    HELD = True

    def __init__(self) -> None:
        super().__init__(id="making")
        self.deadline = 0.0
        self.overdue = False

    def compose(self) -> ComposeResult:
        yield Masthead("TAKE A TOKEN")
        with Vertical(id="page"), Vertical(id="notice"):
            yield Label("Making your token ...", id="notice-title")
            yield Static("Please wait.", id="notice-detail")
        yield Label("Please wait", id="hint")

    def on_mount(self) -> None:
        self.deadline = self.kiosk.timer() + BOOKING_DEADLINE_SECONDS
        self.set_interval(0.25, self.check_deadline)

    def action_back(self) -> None:
        """Escape leaves nothing half-done: the booking's answer decides."""

    def check_deadline(self) -> None:
        if self.overdue or self.kiosk.timer() < self.deadline:
            return
        self.overdue = True
        self.add_class("-overdue")
        self.query_one("#notice-title", Label).update(f"This is taking too long. {ASK}")
        self.query_one("#notice-detail", Static).update(
            "If your token is made after all, it will show here."
        )
        self.query_one("#hint", Label).update(ASK)


class AskAtDeskScreen(KioskScreen):
    """No token was made: why, in a patient's words, and where to go. Back to the
    board with ENTER or Escape, or by itself after `NOTICE_SECONDS`."""

    BINDINGS = [Binding("enter", "back", "Back to the board", show=False)]

    def __init__(self, reason: str) -> None:
        super().__init__(id="ask-at-desk")
        self.reason = reason
        self.shown_at = 0.0

    def compose(self) -> ComposeResult:
        yield Masthead("TAKE A TOKEN")
        with Vertical(id="page"), Vertical(id="notice"):
            yield Label("No token was made.", id="notice-title")
            yield Static(self.reason, id="notice-detail")
            yield Label(ASK, id="notice-ask")
        yield Label("ENTER  back to the board", id="hint")

    def on_mount(self) -> None:
        self.shown_at = self.kiosk.timer()
        self.set_interval(0.5, self.check_time)

    def action_back(self) -> None:
        self.kiosk.return_to_start()

    def check_time(self) -> None:
        if self.kiosk.timer() - self.shown_at >= NOTICE_SECONDS and self.is_current:
            self.kiosk.return_to_start()


class OutOfServiceScreen(KioskScreen):
    """The database file was deleted or replaced (see `health`): no board, no tokens.

    Held: it looks at the file again every few seconds and goes away only when
    the file the kiosk opened is back under its name. A deleted file never is.
    """

    HELD = True

    def __init__(self) -> None:
        super().__init__(id="out-of-service")
        self.checks = 0  # how often the file was looked at (tests wait on it)

    def compose(self) -> ComposeResult:
        yield Masthead("OUT OF SERVICE")
        with Vertical(id="page"), Vertical(id="notice"):
            yield BigText("OUT OF SERVICE", max_scale=2, id="out-big")
            yield Label(f"Out of service — {ASK.lower()}", id="notice-title")
            yield Static(
                "Staff: this kiosk's database file was moved, deleted or replaced.\n"
                "Restart the kiosk on the hospital's database.",
                id="notice-detail",
            )
        yield Label(ASK, id="hint")

    def on_mount(self) -> None:
        self._schedule()

    def action_back(self) -> None:
        """Nothing to go back to."""

    def _schedule(self) -> None:
        self.set_timer(self.kiosk.retry_interval, self._look)

    @work(thread=True, group="file", exit_on_error=False)
    def _look(self) -> None:
        database_file = self.kiosk.database_file
        back = database_file is None or database_file.intact()
        self.app.call_from_thread(self._looked, back)

    def _looked(self, back: bool) -> None:
        self.checks += 1
        if back:
            self.kiosk.back_in_service()
        else:
            self._schedule()
