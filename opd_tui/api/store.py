"""The API's own rows (keys, which key booked a token, first answers to retried
requests) in the engine's database.

They are no rule of the desk, so they are not the engine's: this module reads
and writes its three tables (db/schema.py, migration 0004) beside the engine,
through the engine's connection pool, with its retry on a busy database and
its `DatabaseError`s.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection

from ..db.connect import READ_ONLY
from ..engine.retry import retrying

if TYPE_CHECKING:
    from ..engine import AllocationEngine

R = TypeVar("R")


class Database:
    """Short transactions on the engine's database for the API's own tables."""

    def __init__(self, engine: AllocationEngine,
                 writes: AbstractContextManager[Any] | None = None) -> None:
        self._writes = writes if writes is not None else nullcontext()
        # The engine's pool (and, for an in-memory database, its lock around the
        # one shared connection): the API's rows live in the same database.
        self._sql = engine._engine
        self._serial = engine._serial
        self._postgres = engine.dialect == "postgresql"

    def read(self, query: Callable[[Connection], R]) -> R:
        def attempt() -> R:
            with self._serial(), self._sql.connect().execution_options(
                **{READ_ONLY: True}
            ) as conn, conn.begin():
                return query(conn)

        return retrying(attempt)

    def write(self, work: Callable[[Connection], R]) -> R:
        """`work` in a transaction of its own. On PostgreSQL its commit does not wait
        for the disk: the booking's own commit, which does, flushes the log up to and
        past it, so a claim is on disk before the booking it guards can be; a row
        lost with a crash of the server machine is a retry told to look its booking
        up, never a booking made twice."""

        def attempt() -> R:
            with self._serial(), self._sql.begin() as conn:
                if self._postgres:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                return work(conn)

        with self._writes:
            return retrying(attempt)
