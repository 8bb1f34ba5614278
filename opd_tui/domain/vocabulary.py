"""The words people read for sources, statuses and event kinds, written once.

Every screen (desk, kiosk, simulation, report) says a token's source, status or
what happened to it in these words, so the desk, the board and the report never
disagree. Words are lower case, for the middle of a sentence; a heading or a form
label capitalises the same word (`capitalised`). Pure: no Textual, no Rich.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .enums import EventKind, Source, TokenStatus

SOURCE_WORDS: Mapping[Source, str] = MappingProxyType({
    Source.EMERGENCY: "emergency",
    Source.PAID: "paid",
    Source.FOLLOWUP: "follow-up",
    Source.ONLINE: "online",
    Source.WALKIN: "walk-in",
})

STATUS_WORDS: Mapping[TokenStatus, str] = MappingProxyType({
    TokenStatus.BOOKED: "booked",
    TokenStatus.CHECKED_IN: "checked in",
    TokenStatus.IN_CONSULTATION: "with doctor",
    TokenStatus.COMPLETED: "seen",
    TokenStatus.WAITLISTED: "waitlisted",
    TokenStatus.CANCELLED: "cancelled",
    TokenStatus.NO_SHOW: "no-show",
    TokenStatus.EXPIRED: "expired",
    TokenStatus.UNSEEN: "left unseen",
})

#: What happened, as a line of the desk's activity or the simulation's log says it.
#: A kind that ends in a status says it in that status's word.
EVENT_WORDS: Mapping[EventKind, str] = MappingProxyType({
    EventKind.BOOKED: STATUS_WORDS[TokenStatus.BOOKED],
    EventKind.WAITLISTED: STATUS_WORDS[TokenStatus.WAITLISTED],
    EventKind.BUMPED: "bumped",
    EventKind.PROMOTED: "promoted",
    EventKind.MOVED: "moved",
    EventKind.CANCELLED: STATUS_WORDS[TokenStatus.CANCELLED],
    EventKind.NO_SHOW: STATUS_WORDS[TokenStatus.NO_SHOW],
    EventKind.CHECKED_IN: STATUS_WORDS[TokenStatus.CHECKED_IN],
    EventKind.CALLED: "called",
    EventKind.COMPLETED: STATUS_WORDS[TokenStatus.COMPLETED],
    EventKind.EXPIRED: STATUS_WORDS[TokenStatus.EXPIRED],
    EventKind.OVERBOOKED: "overbooked",
    EventKind.CAPACITY_CHANGED: "capacity changed",
    EventKind.SLOT_CLOSED: "slot closed",
    EventKind.DOCTOR_DELAYED: "doctor delayed",
    EventKind.DOCTOR_ADDED: "doctor added",
    EventKind.SLOT_ADDED: "slot added",
    EventKind.DOCTOR_UPDATED: "doctor updated",
    EventKind.UNSEEN: STATUS_WORDS[TokenStatus.UNSEEN],
    EventKind.REINSTATED: "reinstated",
    EventKind.REQUEUED: "back in the queue",
    EventKind.CHECK_IN_UNDONE: "check-in undone",
    EventKind.SLOT_REOPENED: "slot reopened",
    EventKind.REASSIGNED: "moved to another doctor",
    EventKind.CLOCK_RESET: "clock reset",
    EventKind.ROSTER_CHANGED: "roster changed",
})


def capitalised(words: str) -> str:
    """`with doctor` -> `With doctor`: only the first letter, so `RAO` stays `RAO`."""
    return words[:1].upper() + words[1:]


def source_word(source: Source | str) -> str:
    """Also takes the upper-case value (`"WALKIN"`), as reports and logs carry it."""
    return SOURCE_WORDS[Source(source)]


def status_word(status: TokenStatus | str) -> str:
    return STATUS_WORDS[TokenStatus(status)]


def event_word(kind: EventKind | str) -> str:
    return EVENT_WORDS[EventKind(kind)]


def source_label(source: Source | str) -> str:
    return capitalised(source_word(source))


def status_label(status: TokenStatus | str) -> str:
    return capitalised(status_word(status))


def event_label(kind: EventKind | str) -> str:
    return capitalised(event_word(kind))
