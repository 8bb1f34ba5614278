"""Every refusal the engine gives, as something a receptionist can act on.

A refused command changes nothing; the message says what was wrong and, where
there is one, what to do instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError
    from pydantic_core import ErrorDetails


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
            text = plain_words(item)
            parts.append(f"{field}: {text}" if field else text)
        return cls("; ".join(parts), field=first_field)


def plain_words(item: ErrorDetails) -> str:
    """One of pydantic's complaints in the desk's words (`type a whole number`, not
    `Input should be a valid integer, unable to parse string as an integer`)."""
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"):
        return "type a whole number"
    if kind == "missing":
        return "required"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        word = {"greater_than_equal": "at least", "greater_than": "more than",
                "less_than_equal": "at most", "less_than": "less than"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"must be {word} {bound}"
    if kind in ("string_too_short", "string_too_long"):
        word = "at least" if kind == "string_too_short" else "at most"
        key = "min_length" if kind == "string_too_short" else "max_length"
        return f"must have {word} {ctx.get(key, '')} characters"
    if kind.startswith(("datetime", "date", "time")):
        return "type a date and time" if kind.startswith("datetime") else "type a valid time"
    return item["msg"].removeprefix("Value error, ")


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


class DoctorInactive(OPDError):
    """The doctor is deactivated: their slots take nothing new (rule 19)."""


class ClockAhead(OPDError):
    """The stored clock is more than ten minutes ahead of the hospital's clock (rule 18).

    Commands without an explicit `now` are refused until `reset_clock()`; the
    message names both times so the IT person can tell which one is wrong.
    """

    def __init__(self, message: str, reference: object = None, stored: object = None) -> None:
        super().__init__(message)
        self.reference = reference
        self.stored = stored


class DatabaseError(OPDError):
    """A fault of the database itself rather than a refusal of the rules."""


class DatabaseBusy(DatabaseError):
    """The database stayed busy through every retry; nothing was changed."""


class DatabaseUnavailable(DatabaseError):
    """The database cannot be opened or reached (bad URL, not a database, refused
    or lost connection, a schema newer than this program)."""


class DatabaseReadOnly(DatabaseError):
    """The database (or its directory) cannot be written to."""


class DatabaseCorrupt(DatabaseError):
    """SQLite's integrity check failed on open."""
