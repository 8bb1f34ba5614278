"""Getting a command through a busy or contended database, and no further.

A busy SQLite file, a PostgreSQL deadlock, serialization failure or lock
timeout, or a row changed under the command (`Conflict`) rolls the attempt back
and runs it again after a short, growing pause. All of it, the lock waits
included, fits in one budget of 15 seconds (SPEC §3); then `DatabaseBusy`, with
nothing changed.

A PostgreSQL connection that dropped while a statement ran is tried once more on
a fresh connection (the server rolled the transaction back, and the pool checks
connections before use); a connection lost while committing is not, since the
change may have been made. Every other fault of the database is raised as the
`DatabaseError` that names it; refusals (`OPDError`) are raised as they are.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..db import connect
from ..db.faults import (
    SOME_DATABASE,
    busy,
    database_fault,
    is_contended,
    lost_before_commit,
    named,
)
from ..domain.errors import DatabaseError
from .unit import Conflict

R = TypeVar("R")
#: The longest pause between two attempts, in seconds.
MAX_PAUSE = 0.5


def retrying(attempt: Callable[[], R]) -> R:
    """Run `attempt` until it gets through a busy or contended database, within
    the busy budget; raise a fault of the database as its `DatabaseError`."""
    budget = connect.BUSY_BUDGET_SECONDS
    database = SOME_DATABASE
    reconnected = False
    with connect.waiting_budget(budget) as deadline:
        for n in itertools.count():
            try:
                return attempt()
            except Conflict:
                pass
            except DBAPIError as error:
                database = named(error)
                if is_contended(error):
                    pass
                elif lost_before_commit(error) and not reconnected:
                    reconnected = True
                else:
                    fault = database_fault(error)
                    if fault is None:
                        raise
                    raise fault from None
            pause = min(MAX_PAUSE, 0.005 * 2**n) * random.uniform(0.5, 1.5)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(pause, left))
    raise busy(database, budget)


def is_database_fault(error: BaseException) -> bool:
    """True for a fault of the database: one named as a `DatabaseError`, or one the
    driver raised that has no name yet. A screen says the database failed, not why."""
    return isinstance(error, (DatabaseError, SQLAlchemyError))
