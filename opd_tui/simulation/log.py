"""The day's log as people read it: one line per engine event, in the desk's words
(`domain.vocabulary`: a sentence here names a status or an event as the desk does).

`patient_name` (and `text`, which holds it) is user text: a screen shows it
literally, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.enums import EventKind
from ..domain.vocabulary import event_word, status_word


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the day's log: an engine event, or something refused or turned away."""

    at: datetime
    #: An engine event kind (BOOKED, BUMPED ...), or REFUSED / TURNED_AWAY.
    kind: str
    text: str
    doctor_code: str | None = None
    number: str | None = None
    patient_name: str | None = None
    source: str | None = None
    event_id: int | None = None


def token_line(kind: EventKind, label: str, status: str, where: str, code: str | None) -> str:
    """`label` is the token as the desk names it: number, patient, source."""
    lines = {
        EventKind.BOOKED: f"{label} booked into {where}",
        EventKind.WAITLISTED: f"{label} waitlisted on {where}",
        EventKind.BUMPED: (f"{label} bumped to {where}" if status == "BOOKED"
                           else f"{label} bumped onto the waitlist of {where}"),
        EventKind.PROMOTED: f"{label} promoted into {where}",
        EventKind.MOVED: f"{label} moved to {where} ({status_word(status)})",
        EventKind.CANCELLED: f"{label} cancelled",
        EventKind.NO_SHOW: f"{label} did not come: {event_word(EventKind.NO_SHOW)}",
        EventKind.CHECKED_IN: f"{label} checked in",
        EventKind.CALLED: f"{label} called in by {code}",
        EventKind.COMPLETED: f"{label} seen",
        EventKind.EXPIRED: f"{label} expired on the waitlist",
        EventKind.UNSEEN: f"{label} left without being seen",
    }
    return lines.get(kind, f"{label} {event_word(kind)}")


def slot_line(kind: EventKind, detail: dict[str, Any], where: str, code: str | None) -> str:
    if kind == EventKind.OVERBOOKED:
        return f"{where} is over capacity ({detail.get('occupancy')} seated)"
    if kind == EventKind.SLOT_CLOSED:
        return f"{where} closed; {detail.get('moved', 0)} patients re-placed"
    if kind == EventKind.DOCTOR_DELAYED:
        return f"{code} starts late: slot now {where}"
    if kind == EventKind.SLOT_ADDED:
        return f"slot {where} opened for booking"
    return f"{event_word(kind)} {where}"
