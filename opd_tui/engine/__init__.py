"""The one allocation engine: every rule of SPEC §3 lives here."""

from .allocation import AllocationEngine

__all__ = ["AllocationEngine"]
