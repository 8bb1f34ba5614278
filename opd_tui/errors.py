"""The errors the public API raises (all subclasses of `OPDError`)."""

from .domain.errors import (
    CapacityBelowOccupancy,
    CloseRefused,
    DatabaseBusy,
    DelayRefused,
    DuplicateBooking,
    DuplicateDoctorCode,
    InvalidInput,
    InvalidTransition,
    NoSeat,
    NotFound,
    OPDError,
    SlotNotBookable,
    SlotOverlap,
)

__all__ = [
    "CapacityBelowOccupancy",
    "CloseRefused",
    "DatabaseBusy",
    "DelayRefused",
    "DuplicateBooking",
    "DuplicateDoctorCode",
    "InvalidInput",
    "InvalidTransition",
    "NoSeat",
    "NotFound",
    "OPDError",
    "SlotNotBookable",
    "SlotOverlap",
]
