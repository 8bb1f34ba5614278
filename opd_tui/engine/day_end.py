"""The end of an OPD day (rule 17) and the roll-over of ended slots (rule 14).

Once now's date is past a day, nothing of that day is called, promoted or
counted as waiting again: every token still live there gets its final status.
`advance` finds such days by itself, so a day is finalised without anyone
remembering to; `finish_day` does the same for one day on demand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from ..db import schema
from ..domain.enums import LIVE, EventKind, TokenStatus
from . import seating
from .unit import Unit, status_in

T = schema.tokens
S = schema.slots

#: What each live status becomes when its day is over.
FINAL: dict[TokenStatus, tuple[TokenStatus, EventKind]] = {
    TokenStatus.BOOKED: (TokenStatus.NO_SHOW, EventKind.NO_SHOW),
    TokenStatus.CHECKED_IN: (TokenStatus.UNSEEN, EventKind.UNSEEN),
    TokenStatus.IN_CONSULTATION: (TokenStatus.COMPLETED, EventKind.COMPLETED),
    TokenStatus.WAITLISTED: (TokenStatus.EXPIRED, EventKind.EXPIRED),
}


def unfinished_days(unit: Unit, before: date) -> list[tuple[int, date]]:
    """Doctor-days earlier than `before` that still hold live tokens."""
    rows = unit.conn.execute(
        select(S.c.doctor_id, S.c.day)
        .select_from(T.join(S, S.c.id == T.c.slot_id))
        .where(S.c.day < before, status_in(LIVE))
        .distinct()
    ).all()
    return sorted((doctor_id, day) for doctor_id, day in rows)


def finalise(unit: Unit, days: Iterable[tuple[int, date]]) -> None:
    """Give every live token of these doctor-days its final status, in (priority, seq)
    order per doctor-day."""
    keys = sorted(set(days))
    unit.lock_days(keys)
    for doctor_id, day in keys:
        slot_ids = [s.id for s in unit.day_slots(doctor_id, day)]
        if not slot_ids:
            continue
        for token in unit.in_slot(slot_ids, LIVE):
            status, kind = FINAL[token.status]
            unit.change(token, kind, status=status)


def roll_over_ended(unit: Unit) -> None:
    """Rule 14 for today: waitlists of ended slots go to the doctor's next bookable
    slot that day (earlier days were finalised first, so only today remains)."""
    days = unit.conn.execute(
        select(S.c.doctor_id, S.c.day)
        .select_from(T.join(S, S.c.id == T.c.slot_id))
        .where(T.c.status == TokenStatus.WAITLISTED.value, S.c.end <= unit.now)
        .distinct()
    ).all()
    keys = sorted((doctor_id, day) for doctor_id, day in days)
    unit.lock_days(keys)
    for doctor_id, day in keys:
        day_slots = unit.day_slots(doctor_id, day)
        ended = [s.id for s in day_slots if s.end <= unit.now]
        waiting = unit.in_slot(ended, [TokenStatus.WAITLISTED])
        target = next((s for s in day_slots if s.bookable(unit.now)), None)
        seating.roll_over(unit, waiting, target)
