"""Getting a command through a busy or contended database, and no further.

A busy SQLite file, a PostgreSQL deadlock or serialization failure, or a row
changed under the command (`Conflict`) rolls the attempt back and runs it again
after a short, growing pause. Refusals (`OPDError`) and real faults are raised.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from time import sleep
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from ..domain.errors import DatabaseBusy
from .unit import Conflict

R = TypeVar("R")
MAX_ATTEMPTS = 12

_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}


def _is_transient(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate in _TRANSIENT_SQLSTATES:
        return True
    text = str(error.orig).lower()
    return "database is locked" in text or "database is busy" in text


def retrying(attempt: Callable[[], R]) -> R:
    """Run `attempt` until it gets through a busy or contended database.

    A busy SQLite file, a PostgreSQL deadlock or serialization failure, or a
    row changed under the command rolls the attempt back; after a short, growing
    pause it runs again. Refusals (`OPDError`) and real faults are raised.
    """
    for n in range(MAX_ATTEMPTS):
        try:
            return attempt()
        except Conflict:
            pass
        except DBAPIError as error:
            if not _is_transient(error):
                raise
        sleep(min(0.5, 0.005 * 2**n) * random.uniform(0.5, 1.5))
    raise DatabaseBusy("The database stayed busy; nothing was changed. Please try again.")


