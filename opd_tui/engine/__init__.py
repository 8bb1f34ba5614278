"""The one allocation engine: every rule of SPEC §3 lives here.

Beside it, what the HTTP API needs to keep its own records in the same database
(`ApiRecords`) and to wait for the database the way the engine does: the busy
budget, and the `DatabaseBusy` that says it ran out.
"""

from ..db.connect import BUSY_BUDGET_SECONDS
from ..db.faults import busy as database_busy
from .allocation import AllocationEngine
from .api_records import ApiRecords
from .retry import is_database_fault

__all__ = [
    "BUSY_BUDGET_SECONDS", "AllocationEngine", "ApiRecords", "database_busy",
    "is_database_fault",
]
