"""Who gets a seat: rules 1 to 4, and how tokens are re-placed (rules 11, 12, 14).

Every booking, move, closure and roll-over asks `decide` where a token may sit
and then applies the answer through the unit. Promotion lives in one place,
`promote`, called wherever a seat may have come free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from ..db import schema
from ..domain.enums import EventKind, Source, TokenStatus
from ..domain.errors import DuplicateBooking, SlotNotBookable
from .unit import TOKEN_COLUMNS, SlotState, TokenState, Unit, hot

T = schema.tokens


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a token lands in a slot: a seat (maybe beyond capacity) or the waitlist."""

    status: TokenStatus
    overbooked: bool = False
    victim: TokenState | None = None
    #: Occupancy before the token sat down: an emergency taking the seat after
    #: the last one puts the slot over capacity (one OVERBOOKED event).
    occupancy_before: int = 0

    @property
    def seated(self) -> bool:
        return self.status is TokenStatus.BOOKED


#: Rule 3's victim: the booked (not checked-in) non-emergency token of the
#: slot with the largest priority number, ties to the latest arrival.
_BUMP_CANDIDATE = (
    select(*TOKEN_COLUMNS)
    .where(
        T.c.slot_id == bindparam("slot_id"),
        T.c.status == TokenStatus.BOOKED.value,
        T.c.source != Source.EMERGENCY.value,
    )
    .order_by(T.c.priority.desc(), T.c.id.desc())
    .limit(1)
)
hot(_BUMP_CANDIDATE)


def emergency_slot(day_slots: Iterable[SlotState], now: datetime) -> SlotState | None:
    """Rule 2 without a named slot: the current bookable slot, else the next one."""
    return next((s for s in sorted(day_slots, key=lambda s: s.start) if s.bookable(now)), None)


def require_bookable(unit: Unit, slot: SlotState) -> None:
    """Everything that puts a token into a slot asks this first (rules 1-3, 11, 19)."""
    unit.require_active(slot.doctor_id)
    if slot.closed:
        raise SlotNotBookable(f"Slot {slot.label()} is closed; choose another slot.")
    if not slot.bookable(unit.now):
        raise SlotNotBookable(f"Slot {slot.label()} has ended; choose a later slot.")

def require_no_live_token(
    unit: Unit, patient_ref: str | None, slot: SlotState, other_than: int | None = None
) -> None:
    if patient_ref is None:
        return
    held = unit.live_token_of(patient_ref, slot.doctor_id, slot.day, other_than)
    if held is not None:
        raise DuplicateBooking(
            f"This patient already holds {held.number} ({held.status}) with this "
            "doctor that day; move or cancel it instead."
        )


def bump_candidate(unit: Unit, slot: SlotState) -> TokenState | None:
    found = unit.select_tokens(_BUMP_CANDIDATE, slot_id=slot.id)
    return found[0] if found else None


def decide(unit: Unit, slot: SlotState, source: Source) -> Placement:
    """Rules 1 to 3 for a token of `source` asking for a seat in `slot`."""
    occupancy = unit.occupancy(slot.id)
    if source is Source.EMERGENCY:
        return Placement(
            TokenStatus.BOOKED, overbooked=occupancy >= slot.capacity, occupancy_before=occupancy
        )
    if occupancy < slot.capacity:
        return Placement(TokenStatus.BOOKED, occupancy_before=occupancy)
    victim = bump_candidate(unit, slot)
    if victim is not None and source.priority < victim.priority:
        return Placement(TokenStatus.BOOKED, victim=victim, occupancy_before=occupancy)
    return Placement(TokenStatus.WAITLISTED, occupancy_before=occupancy)


def make_room(unit: Unit, slot: SlotState, placement: Placement) -> None:
    """Bump the victim, if any, before the token sits down.

    A moving token still holds its old seat at this point (rule 11: the seat it
    leaves is released only after the target placement, bump included).
    """
    if placement.victim is not None:
        bump(unit, placement.victim, slot)


def note_overbooking(unit: Unit, slot: SlotState, placement: Placement) -> None:
    """One OVERBOOKED event when an emergency takes the seat beyond capacity."""
    if placement.overbooked and placement.occupancy_before == slot.capacity:
        unit.slot_event(EventKind.OVERBOOKED, slot, occupancy=placement.occupancy_before + 1,
                        capacity=slot.capacity)


def bump(unit: Unit, victim: TokenState, slot: SlotState) -> None:
    """Rule 3: the victim takes the earliest later free seat, else waits on its slot."""
    for later in unit.later_bookable(slot):
        if unit.has_free_seat(later):
            unit.change(victim, EventKind.BUMPED, status=TokenStatus.BOOKED, slot=later)
            return
    unit.change(victim, EventKind.BUMPED, status=TokenStatus.WAITLISTED)


def promote(unit: Unit, slot: SlotState) -> None:
    """Rule 4: fill free seats of a bookable slot from its waitlist, in (priority, seq)."""
    if not slot.bookable(unit.now):
        return
    free = slot.capacity - unit.occupancy(slot.id)
    if free <= 0:
        return
    for token in unit.in_slot(slot.id, [TokenStatus.WAITLISTED], limit=free):
        unit.change(token, EventKind.PROMOTED, status=TokenStatus.BOOKED)


def replace_from_closed(unit: Unit, live: Iterable[TokenState], later: list[SlotState]) -> None:
    """Rule 12: a closed slot's live tokens go to later slots, in (priority, seq) order."""
    first = later[0]
    for token in live:
        if token.is_emergency:
            placement = decide(unit, first, Source.EMERGENCY)
            unit.change(token, EventKind.MOVED, slot=first, overbooked=placement.overbooked)
            note_overbooking(unit, first, placement)
            continue
        free = next((s for s in later if unit.has_free_seat(s)), None)
        if free is None:
            unit.change(token, EventKind.MOVED, status=TokenStatus.WAITLISTED, slot=first,
                        overbooked=False)
        elif token.status is TokenStatus.WAITLISTED:
            unit.change(token, EventKind.PROMOTED, status=TokenStatus.BOOKED, slot=free,
                        overbooked=False)
        else:
            unit.change(token, EventKind.MOVED, slot=free, overbooked=False)


def roll_over(unit: Unit, waiting: Iterable[TokenState], target: SlotState | None) -> None:
    """Rule 14: an ended slot's waitlist goes to the doctor's next bookable slot."""
    for token in waiting:
        if target is None:
            unit.change(token, EventKind.EXPIRED, status=TokenStatus.EXPIRED)
        elif unit.has_free_seat(target):
            unit.change(token, EventKind.PROMOTED, status=TokenStatus.BOOKED, slot=target)
        else:
            unit.change(token, EventKind.MOVED, slot=target)
