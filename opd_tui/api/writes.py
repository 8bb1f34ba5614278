"""One writer at a time on SQLite, inside the server.

SQLite takes one writer at a time whoever asks; writers that find it taken sleep
in SQLite's busy handler (1, 2, 5 ... 100 ms naps) and try again, which is what
makes a contended file's slowest bookings slow. The server's own commands
therefore queue on a lock in this process and reach SQLite one by one (desks
and other processes still meet them at SQLite's lock, as ever). PostgreSQL
locks rows, not the database: there, commands run side by side.
"""

from __future__ import annotations

import functools
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from ..engine import BUSY_BUDGET_SECONDS, database_busy

if TYPE_CHECKING:
    from ..engine import AllocationEngine

#: The engine's commands (every method that writes); reads are not queued.
COMMANDS = frozenset({
    "add_doctor", "update_doctor", "set_doctor_active", "add_slot", "generate_slots",
    "book", "book_earliest", "emergency", "cancel", "no_show", "check_in", "call_next",
    "complete", "move", "set_capacity", "close_slot", "delay_doctor", "advance",
    "finish_day", "reset_clock", "reassign", "reinstate", "undo_check_in", "requeue",
    "reopen_slot", "set_roster", "set_leave", "ensure_days",
})


class WriteQueue:
    """A lock waited for no longer than a busy database is (15 s), then DatabaseBusy."""

    def __init__(self, database: str) -> None:
        self._lock = threading.Lock()
        self._database = database

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=BUSY_BUDGET_SECONDS):
            raise database_busy(self._database, BUSY_BUDGET_SECONDS)

    def __exit__(self, *_exc: object) -> None:
        self._lock.release()


def write_queue(engine: AllocationEngine) -> AbstractContextManager[Any]:
    return WriteQueue(engine.url) if engine.dialect == "sqlite" else nullcontext()


class QueuedCommands:
    """`engine` whose commands wait their turn in `queue`; everything else as it is."""

    def __init__(self, engine: AllocationEngine, queue: AbstractContextManager[Any]) -> None:
        self._engine = engine
        self._queue = queue

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._engine, name)
        if name not in COMMANDS:
            return value

        @functools.wraps(value)
        def in_turn(*args: Any, **kwargs: Any) -> Any:
            with self._queue:
                return value(*args, **kwargs)

        setattr(self, name, in_turn)  # made once per command
        return in_turn
