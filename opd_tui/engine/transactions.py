"""The transaction around every command, shared by all the engine's commands.

`_run` opens one transaction, starts a `Unit` on the command's clock, applies
the command's rules, writes its events and commits; a transient failure runs it
again (`retrying`). `consequences()` lets a caller see exactly the events its
own commands wrote.
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
