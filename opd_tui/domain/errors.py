"""Every refusal the engine gives, as something a receptionist can act on.

A refused command changes nothing; the message says what was wrong and, where
there is one, what to do instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class OPDError(Exception):
    """Base of every error the public API raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(OPDError):
    """A doctor, slot or token id that does not exist."""


class InvalidInput(OPDError):
    """Input that breaks a limit of SPEC §4; `field` names the first offender."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @classmethod
    def from_validation(cls, error: ValidationError) -> InvalidInput:
        parts = []
        first_field = None
        for item in error.errors(include_url=False):
            field = ".".join(str(p) for p in item["loc"]) or None
            first_field = first_field or field
            text = item["msg"].removeprefix("Value error, ")
            parts.append(f"{field}: {text}" if field else text)
        return cls("; ".join(parts), field=first_field)


class InvalidTransition(OPDError):
    """The token's status does not allow this action."""


class SlotNotBookable(OPDError):
    """The slot is closed or has ended."""


class DuplicateBooking(OPDError):
    """The patient already holds a live token with this doctor today (rule 15)."""


class CapacityBelowOccupancy(OPDError):
    """A capacity lower than the seats already taken."""


class SlotOverlap(OPDError):
    """A new slot that overlaps one of the doctor's slots."""


class DuplicateDoctorCode(OPDError):
    """Doctor codes prefix token numbers, so they must be unique."""


class NoSeat(OPDError):
    """A move that would not get the patient a seat, or no slot left for them."""


class CloseRefused(OPDError):
    """A slot that cannot be closed now (rule 12)."""


class DelayRefused(OPDError):
    """A delay that would push a slot past midnight (rule 13)."""


class DatabaseBusy(OPDError):
    """The database stayed busy through every retry; nothing was changed."""
