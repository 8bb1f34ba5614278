"""A walk-in's booking, and the one answer it gives the kiosk.

`make_token` runs in the kiosk's booking worker and always answers: the token
(`Booked`), a refusal by the engine's rules the patient can do something about
(`Refused`), a database that failed (`Failed`: the command was one transaction
that did not commit, so no token was made), or a database file that is no
longer the one the kiosk opened (`OutOfService`). Only this answer decides what
the patient is told; a slow answer is waited for, never guessed at.

Plain data and plain functions, like `outlook`: the screens only show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...domain.enums import Source
from ...engine import AllocationEngine, is_database_fault
from ...errors import (
    ClockAhead,
    DatabaseBusy,
    DatabaseError,
    DatabaseReadOnly,
    OPDError,
)
from .health import DatabaseFile
from .outlook import Slip, WalkIn, booking_problem, read_slip

UNREACHABLE = "The hospital system cannot be reached."
BUSY = "The hospital system is too busy."
PAUSED = "The hospital system is not taking tokens just now."
TOO_LONG = "This is taking too long."
WENT_WRONG = "Something went wrong."


@dataclass(frozen=True)
class Booked:
    slip: Slip


@dataclass(frozen=True)
class Refused:
    """The engine's rules said no (full, a second token, a bad phone): nothing changed."""

    problem: str


@dataclass(frozen=True)
class Failed:
    """The database failed: no token was made. `reason` is in a patient's words."""

    reason: str


@dataclass(frozen=True)
class OutOfService:
    """The database file was deleted or replaced: nothing was tried."""


Outcome = Booked | Refused | Failed | OutOfService


def fault_reason(error: BaseException) -> str:
    """What to tell a patient about a database fault (never the error's own text:
    it may name the database, and a patient cannot act on it)."""
    if isinstance(error, DatabaseBusy):
        return BUSY
    if isinstance(error, (DatabaseReadOnly, ClockAhead)):
        return PAUSED
    if is_database_fault(error):
        return UNREACHABLE
    return WENT_WRONG


def make_token(
    engine: AllocationEngine,
    walk_in: WalkIn,
    now: datetime | None,
    database_file: DatabaseFile | None = None,
) -> Outcome:
    """Book the walk-in (the doctor's earliest free seat, else the waiting list)."""
    assert walk_in.choice is not None and walk_in.name is not None
    if database_file is not None and not database_file.intact():
        return OutOfService()
    try:
        token = engine.book_earliest(
            walk_in.choice.doctor.id, walk_in.name, Source.WALKIN, patient_ref=walk_in.phone,
            now=now,
            in_hall=True,  # they stand in the hall: a seat means waiting to be called
        )
    except (DatabaseError, ClockAhead) as error:
        return Failed(fault_reason(error))
    except OPDError as error:
        return Refused(booking_problem(error, walk_in))
    except Exception as error:  # noqa: BLE001 - a patient gets an answer, never a hung screen
        return Failed(fault_reason(error))
    try:
        return Booked(read_slip(engine, token, now))
    except Exception:  # noqa: BLE001 - the token is made: its number must reach the patient
        return Booked(Slip(token, walk_in.choice.doctor, slot=None, eta=None, ahead=None))
