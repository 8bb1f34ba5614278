"""The desk's vocabulary and limits: pure, no I/O."""

from .enums import PRIORITY, EventKind, SlotStatus, Source, TokenStatus
from .models import (
    DaySummary,
    Doctor,
    DoctorDay,
    Event,
    NowServing,
    Slot,
    SlotSummary,
    SlotView,
    Token,
)

__all__ = [
    "PRIORITY",
    "DaySummary",
    "Doctor",
    "DoctorDay",
    "Event",
    "EventKind",
    "NowServing",
    "Slot",
    "SlotStatus",
    "SlotSummary",
    "SlotView",
    "Source",
    "Token",
    "TokenStatus",
]
