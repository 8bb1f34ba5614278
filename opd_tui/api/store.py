"""The API's own rows (keys, which key booked a token, first answers to retried
requests) in the engine's database.

They are no rule of the desk, so they are not the engine's: this module reads
and writes its three tables (db/schema.py, migration 0004) beside the engine,
through the engine's `read_own` and `write_own` (its connection pool, its retry
on a busy database and its `DatabaseError`s). On SQLite the writes also wait
their turn in the server's write queue (writes.py), as the engine's commands do.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..engine import AllocationEngine

R = TypeVar("R")


class Database:
    """Short transactions on the engine's database for the API's own tables."""

    def __init__(self, engine: AllocationEngine,
                 writes: AbstractContextManager[Any] | None = None) -> None:
        self._engine = engine
        self._writes = writes if writes is not None else nullcontext()

    def read(self, query: Callable[[Connection], R]) -> R:
        return self._engine.read_own(query)

    def write(self, work: Callable[[Connection], R]) -> R:
        with self._writes:
            return self._engine.write_own(work)
