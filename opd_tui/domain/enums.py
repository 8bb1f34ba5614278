"""The desk's vocabulary: token sources, statuses and event kinds.

All are `StrEnum`s so they compare equal to the upper-case strings the spec, the
database and the CLI's JSON use.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Typed(StrEnum):
    """A word a person or a script types, in any case and with stray spaces."""

    @classmethod
    def parse(cls, value: object) -> Self:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            try:
                return cls(value.strip().upper())
            except ValueError:
                pass
        choices = ", ".join(member.value for member in cls)
        raise ValueError(f"{cls.__name__.lower()} must be one of {choices}")


class Source(Typed):
    EMERGENCY = "EMERGENCY"
    PAID = "PAID"
    FOLLOWUP = "FOLLOWUP"
    ONLINE = "ONLINE"
    WALKIN = "WALKIN"

    @property
    def priority(self) -> int:
        """Lower number is served (and seated) first."""
        return PRIORITY[self]


PRIORITY: dict[Source, int] = {
    Source.EMERGENCY: 1,
    Source.PAID: 2,
    Source.FOLLOWUP: 3,
    Source.ONLINE: 4,
    Source.WALKIN: 5,
}


class TokenStatus(StrEnum):
    BOOKED = "BOOKED"
    CHECKED_IN = "CHECKED_IN"
    IN_CONSULTATION = "IN_CONSULTATION"
    COMPLETED = "COMPLETED"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"
    EXPIRED = "EXPIRED"
    #: Checked in but never called by the end of the day: left without being seen.
    UNSEEN = "UNSEEN"

    @property
    def holds_seat(self) -> bool:
        return self in SEAT_HOLDING

    @property
    def is_live(self) -> bool:
        return self in LIVE


SEAT_HOLDING: frozenset[TokenStatus] = frozenset(
    {
        TokenStatus.BOOKED,
        TokenStatus.CHECKED_IN,
        TokenStatus.IN_CONSULTATION,
        TokenStatus.COMPLETED,
    }
)

#: Statuses in which a patient still expects to be seen (rule 15).
LIVE: frozenset[TokenStatus] = frozenset(
    {
        TokenStatus.BOOKED,
        TokenStatus.CHECKED_IN,
        TokenStatus.IN_CONSULTATION,
        TokenStatus.WAITLISTED,
    }
)

#: Statuses a slot closure or a move carries to another slot.
MOVABLE: frozenset[TokenStatus] = frozenset(
    {TokenStatus.BOOKED, TokenStatus.CHECKED_IN, TokenStatus.WAITLISTED}
)


class SlotStatus(StrEnum):
    OPEN = "OPEN"
    FULL = "FULL"
    OVERBOOKED = "OVERBOOKED"
    CLOSED = "CLOSED"
    ENDED = "ENDED"

    @property
    def is_bookable(self) -> bool:
        """A slot takes bookings unless it is closed or has ended (SPEC §2)."""
        return self not in (SlotStatus.CLOSED, SlotStatus.ENDED)


class EventKind(StrEnum):
    BOOKED = "BOOKED"
    WAITLISTED = "WAITLISTED"
    BUMPED = "BUMPED"
    PROMOTED = "PROMOTED"
    MOVED = "MOVED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"
    CHECKED_IN = "CHECKED_IN"
    CALLED = "CALLED"
    COMPLETED = "COMPLETED"
    EXPIRED = "EXPIRED"
    OVERBOOKED = "OVERBOOKED"
    CAPACITY_CHANGED = "CAPACITY_CHANGED"
    SLOT_CLOSED = "SLOT_CLOSED"
    DOCTOR_DELAYED = "DOCTOR_DELAYED"
    DOCTOR_ADDED = "DOCTOR_ADDED"
    SLOT_ADDED = "SLOT_ADDED"
    #: Beyond the spec's list: a doctor renamed, moved room or (de)activated,
    #: so other desks refresh their doctors pane.
    DOCTOR_UPDATED = "DOCTOR_UPDATED"
    # Rules 17-24: the day's end, corrections, an absent doctor, the clock.
    UNSEEN = "UNSEEN"
    REINSTATED = "REINSTATED"
    REQUEUED = "REQUEUED"
    CHECK_IN_UNDONE = "CHECK_IN_UNDONE"
    SLOT_REOPENED = "SLOT_REOPENED"
    REASSIGNED = "REASSIGNED"
    CLOCK_RESET = "CLOCK_RESET"
    #: Beyond the spec's list: rosters and leave, so other desks refresh.
    ROSTER_CHANGED = "ROSTER_CHANGED"


class Sex(Typed):
    F = "F"
    M = "M"
    O = "O"  # noqa: E741
