"""The transaction around every command, shared by all the engine's commands.

`_run` opens one transaction, starts a `Unit` on the command's clock, applies
the command's rules, writes its events and commits; a transient failure runs it
again (`retrying`). `consequences()` lets a caller see exactly the events its
own commands wrote. `read_own` and `write_own` run a caller's short
transaction on a table of its own, no rule of the desk, the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.pool import StaticPool

from ..db import schema
from ..db.connect import sqlite_file
from ..domain import inputs
from ..domain.enums import EventKind
from ..domain.models import Event
from .reading import Reader
from .retry import retrying
from .unit import Unit, read_clock, reference_now

R = TypeVar("R")
#: Per thread: the list `consequences()` collects into, while one is open.
_recording = threading.local()


class Transactions(Reader):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # A StaticPool shares one connection: threads must take turns with it.
        lock = threading.RLock() if isinstance(engine.pool, StaticPool) else None
        self._serial: Callable[[], AbstractContextManager[Any]] = (
            (lambda: lock) if lock is not None else nullcontext
        )
        self._codes: dict[int, str] = {}
        #: What opening the database told its user (a file made private): the
        #: command line prints these, one line each.
        self.notices: list[str] = []
        super().__init__(engine, self._serial)

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def database_file(self) -> Path | None:
        """The SQLite file behind this engine; None for a database in memory or on a
        server (the kiosk watches this file's identity)."""
        url = self._engine.url
        return sqlite_file(url) if url.get_backend_name() == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- a caller's own tables --------------------------------------------------

    def read_own(self, query: Callable[[Connection], R]) -> R:
        """Run `query` on a table of the caller's own (the HTTP API's keys, which key
        booked a token, first answers to retried requests) in a read-only
        transaction on this engine's database, again if the database was busy.

        Those rows are no rule of the desk, so they are not the engine's; but they
        live in its database, so they are read through its pool, within its busy
        budget, and a fault of the database is raised as its `DatabaseError`.
        """
        return self._read(query)

    def write_own(self, work: Callable[[Connection], R]) -> R:
        """Run `work` on a table of the caller's own in a short transaction of its own
        on this engine's database, again after a busy or contended database, within
        the same busy budget as a command; a fault of the database is raised as its
        `DatabaseError`. `work` may run more than once, so it does nothing outside its
        transaction.

        On PostgreSQL its commit does not wait for the disk: the booking's own
        commit, which does, flushes the log up to and past it, so an API's claim on
        a retried request is on disk before the booking it guards can be; a row lost
        with a crash of the server machine is a retry told to look its booking up,
        never a booking made twice.
        """
        postgres = self.dialect == "postgresql"

        def attempt() -> R:
            with self._serial(), self._engine.begin() as conn:
                if postgres:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                return work(conn)

        return retrying(attempt)

    # -- the transaction around every command ---------------------------------

    def _doctor_code(self, conn: Connection, doctor_id: int) -> str:
        code = self._codes.get(doctor_id)
        if code is None:
            code = conn.execute(
                select(schema.doctors.c.code).where(schema.doctors.c.id == doctor_id)
            ).scalar_one()
            self._codes[doctor_id] = code
        return code

    def _run(
        self,
        work: Callable[[Unit], R],
        now: datetime | None = None,
        *,
        moves_clock: bool = True,
        return_events: bool = False,
        preview: bool = False,
    ) -> tuple[R, list[Event]]:
        """Run `work` in one transaction, again after a transient failure.

        `preview`: the same work, rolled back instead of committed, so a screen can
        show what a command would do by the very rules that will do it.
        """
        requested = inputs.validate(inputs.Clock, now=now).now
        recorder: list[Event] | None = getattr(_recording, "events", None)

        def attempt() -> tuple[R, list[Event]]:
            with self._serial(), self._engine.connect() as conn, conn.begin() as transaction:
                unit = Unit.begin(conn, requested, self._doctor_code, moves_clock=moves_clock)
                result = work(unit)
                if preview:
                    transaction.rollback()
                    return result, []
                return result, unit.finish(return_events=return_events or recorder is not None)

        result, events = retrying(attempt)
        if recorder is not None:
            recorder.extend(events)
        return result, events

    @contextmanager
    def consequences(self) -> Iterator[list[Event]]:
        """The events of every command this thread runs inside the block, as each
        command's own transaction wrote them: what a desk says it did (bumps,
        promotions, moves) is never another desk's change made at the same moment.

            with engine.consequences() as done:
                token = engine.book(...)
            bumped = [e for e in done if e.kind == "BUMPED"]
        """
        outer = getattr(_recording, "events", None)
        collected: list[Event] = []
        _recording.events = collected
        try:
            yield collected
        finally:
            _recording.events = outer
            if outer is not None:
                outer.extend(collected)

    def _command(
        self,
        work: Callable[[Unit], R],
        now: datetime | None = None,
        *,
        moves_clock: bool = True,
        preview: bool = False,
    ) -> R:
        return self._run(work, now, moves_clock=moves_clock, preview=preview)[0]

    def reset_clock(self) -> datetime:
        """Rule 18: set the stored clock back to the hospital's clock after it was
        pushed into the future; writes a CLOCK_RESET event naming both times."""

        def work(unit: Unit) -> datetime:
            reference = reference_now(unit.conn)
            stored = read_clock(unit.conn)
            unit.now = reference
            unit.conn.execute(update(schema.clock).where(schema.clock.c.id == 1)
                              .values(now=reference))
            unit.slot_event(EventKind.CLOCK_RESET, None, to=reference.isoformat(),
                            stored=stored.isoformat() if stored is not None else None)
            return reference

        return self._command(work, moves_clock=False)
