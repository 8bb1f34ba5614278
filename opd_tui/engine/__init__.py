"""The one allocation engine: every rule of SPEC §3 lives here."""

from .allocation import AllocationEngine
from .retry import is_database_fault

__all__ = ["AllocationEngine", "is_database_fault"]
