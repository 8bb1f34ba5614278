"""The one allocation engine: every rule of SPEC §3 lives here.

Beside it, what a caller that keeps rows of its own (the HTTP API) needs to
wait for the database the way the engine does: the busy budget, and the
`DatabaseBusy` that says it ran out.
"""

from ..db.connect import BUSY_BUDGET_SECONDS
from ..db.faults import busy as database_busy
from .allocation import AllocationEngine
from .retry import is_database_fault

__all__ = ["BUSY_BUDGET_SECONDS", "AllocationEngine", "database_busy", "is_database_fault"]
