"""The desk's fault banner: what is wrong with the database, until it is right again.

A fault met by a command (read-only, busy, the clock ahead) stays until a command
gets through; a fault met by a read (unavailable) stays until a read gets through,
and the desk keeps reading. While a command waits on a busy database the banner
says so. Screens and forms report with the two messages below; the app hands
them to the desk's banner.

A message comes from the engine's error, which never carries a patient's name,
phone or reference (SPEC §4); an unexpected error shows its class only, since
its text may hold the values of a failed statement.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Literal

from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from ...errors import (
    ClockAhead,
    DatabaseBusy,
    DatabaseCorrupt,
    DatabaseError,
    DatabaseReadOnly,
    DatabaseUnavailable,
    OPDError,
)

During = Literal["read", "command"]
READ: During = "read"
COMMAND: During = "command"

#: The most rows the banner takes; a longer message ends in an ellipsis.
MAX_LINES = 4
#: Seconds a command may take before the desk says it is waiting for the database.
WAIT_NOTICE_SECONDS = 1.0
WAITING = "Waiting for the database… (another desk may be writing; up to 15 s)"
CLOCK_RESET_HINT = ("Check the hospital's clock, then run `opd-tui clock --reset` "
                    "(it asks first).")

_TITLES: list[tuple[type[OPDError], str]] = [
    (DatabaseReadOnly, "Database read-only"),
    (DatabaseBusy, "Database busy"),
    (DatabaseUnavailable, "Database unavailable"),
    (DatabaseCorrupt, "Database damaged"),
    (DatabaseError, "Database fault"),
    (ClockAhead, "Clock ahead"),
]


def is_fault(error: BaseException) -> bool:
    """A fault of the database or the clock, or an unexpected error, rather than a
    refusal by the rules (which the desk shows as a plain "Not done")."""
    return isinstance(error, (DatabaseError, ClockAhead)) or not isinstance(error, OPDError)


@dataclass(frozen=True)
class Fault:
    title: str
    message: str
    during: During

    @property
    def line(self) -> str:
        again = " The desk keeps trying." if self.during == READ else ""
        return f"{self.title}: {self.message}{again}"

    def shown(self, width: int, lines: int = MAX_LINES) -> Content:
        """The line wrapped to `width`, at most `lines` rows, the title in bold."""
        # Addresses and times stay whole where they fit: no breaks at their hyphens.
        rows = textwrap.wrap(self.line, max(width, 20), break_on_hyphens=False) or [""]
        if len(rows) > lines:
            rows = rows[:lines]
            rows[-1] = rows[-1][: max(width, 20) - 1].rstrip() + "…"
        return Content("\n".join(rows)).stylize("bold", 0, len(self.title) + 1)


def fault_of(error: BaseException, during: During) -> Fault:
    """What the banner says about `error`."""
    if not isinstance(error, OPDError):
        return Fault(
            "Unexpected fault",
            f"{type(error).__name__}. The desk keeps running: try again, and tell IT "
            "if it happens again.",
            during,
        )
    message = str(error)
    if isinstance(error, ClockAhead) and "clock --reset" not in message:
        message = f"{message} {CLOCK_RESET_HINT}"
    fallback = "Could not read the day" if during == READ else "Not done"
    title = next((t for kind, t in _TITLES if isinstance(error, kind)), fallback)
    return Fault(title, message, during)


class DatabaseFaulted(Message):
    """A command or a read met a fault (`is_fault`)."""

    def __init__(self, error: BaseException, during: During) -> None:
        super().__init__()
        self.error = error
        self.during = during


class DatabaseAnswered(Message):
    """A command or a read got through."""

    def __init__(self, during: During) -> None:
        super().__init__()
        self.during = during


class FaultBanner(Static):
    """One or two lines under the desk's header, shown only while something is wrong."""

    DEFAULT_CSS = """
    FaultBanner {
        display: none;
        height: auto;
        padding: 0 1;
        background: $error;
        color: $text;
    }
    FaultBanner.-shown { display: block; }
    FaultBanner.-waiting { background: $warning; color: $text; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.fault: Fault | None = None
        self.waiting = False

    def met(self, fault: Fault) -> None:
        self.fault = fault
        self._show()

    def answered(self, during: During) -> None:
        """A read clears what a read met; a command clears every fault."""
        if self.fault is not None and (during == COMMAND or self.fault.during == READ):
            self.fault = None
            self._show()

    def set_waiting(self, waiting: bool) -> None:
        if waiting != self.waiting:
            self.waiting = waiting
            self._show()

    @property
    def text(self) -> str:
        if self.waiting:
            return WAITING
        return self.fault.line if self.fault is not None else ""

    def on_resize(self) -> None:
        self._show()

    def _show(self) -> None:
        width = (self.size.width or self.app.size.width) - 2  # inside the padding
        if self.waiting:
            self.update(Content(WAITING))
        elif self.fault is not None:
            self.update(self.fault.shown(width))
        else:
            self.update("")
        self.set_class(bool(self.text), "-shown")
        self.set_class(self.waiting, "-waiting")
