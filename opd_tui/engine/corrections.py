"""Putting a mis-key right (rule 21) and handing an absent doctor's day to a
colleague (rule 20).

A correction takes the receptionist's reason and writes it in its event, so the
log says why a cancelled patient came back or a called patient went back to the
queue. Each is refused once the token's day is over: yesterday stays as it was.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from ..db import schema
from ..domain import inputs
from ..domain.enums import MOVABLE, EventKind, Source, TokenStatus
from ..domain.errors import InvalidTransition, NoSeat
from ..domain.models import Slot, Token
from . import seating
from .transactions import Transactions
from .unit import SlotState, TokenState, Unit

E = schema.events

#: Statuses a mistaken ending can be taken back from.
REINSTATABLE = frozenset(
    {TokenStatus.CANCELLED, TokenStatus.NO_SHOW, TokenStatus.EXPIRED, TokenStatus.UNSEEN}
)


def _words(status: TokenStatus) -> str:
    return status.value.replace("_", " ").lower()


def _require_today_or_later(unit: Unit, token: TokenState, slot: SlotState) -> None:
    if slot.day < unit.now.date():
        raise InvalidTransition(
            f"{token.number} was for {slot.day:%d %b}; that day is over and stays as it was."
        )


def _was_checked_in(unit: Unit, token: TokenState) -> bool:
    """Was the patient in the hall when the token ended? UNSEEN says so; a
    cancellation says it by the status before it (the event log's previous entry)."""
    if token.status is TokenStatus.UNSEEN:
        return True
    if token.status is not TokenStatus.CANCELLED:
        return False
    before = unit.conn.execute(
        select(E.c.detail)
        .where(E.c.token_id == token.id)
        .order_by(E.c.id.desc())
        .offset(1)
        .limit(1)
    ).scalar()
    return before is not None and before.get("status") == TokenStatus.CHECKED_IN.value


class Corrections(Transactions):
    # -- rule 21 --------------------------------------------------------------

    def reinstate(self, token_id: int, reason: str, now: datetime | None = None) -> Token:
        """A token ended by mistake goes back into its slot (else the doctor's next
        bookable slot that day) by rules 1-3, keeping seq and number."""
        req = inputs.validate(inputs.Correction, token_id=token_id, reason=reason)

        def work(unit: Unit) -> Token:
            token = unit.token(req.token_id)
            origin = unit.lock_slot_day(token.slot_id)
            if token.status not in REINSTATABLE:
                raise InvalidTransition(
                    f"{token.number} is {_words(token.status)}; only a cancelled, no-show, "
                    "expired or unseen token can be reinstated."
                )
            _require_today_or_later(unit, token, origin)
            target = origin if origin.bookable(unit.now) else seating.emergency_slot(
                unit.day_slots(origin.doctor_id, origin.day), unit.now
            )
            if target is None:
                raise NoSeat(
                    f"{token.number}'s doctor has no open slot left that day; book the "
                    "patient with another doctor instead."
                )
            seating.require_bookable(unit, target)
            seating.require_no_live_token(unit, token.patient_ref, target, other_than=token.id)
            back_in_hall = _was_checked_in(unit, token)
            placement = seating.decide(unit, target, token.source)
            seating.make_room(unit, target, placement)
            status = placement.status
            if placement.seated and back_in_hall:
                status = TokenStatus.CHECKED_IN
            unit.change(token, EventKind.REINSTATED, status=status, slot=target,
                        overbooked=placement.overbooked, reason=req.reason)
            seating.note_overbooking(unit, target, placement)
            return token.view()

        return self._command(work, now)

    def undo_check_in(self, token_id: int, reason: str, now: datetime | None = None) -> Token:
        """`CHECKED_IN` back to `BOOKED`: checked in by mistake."""
        return self._correct(token_id, reason, TokenStatus.CHECKED_IN, TokenStatus.BOOKED,
                             EventKind.CHECK_IN_UNDONE, "have its check-in undone", now)

    def requeue(self, token_id: int, reason: str, now: datetime | None = None) -> Token:
        """`IN_CONSULTATION` back to `BOOKED` (called but not there): the doctor is free
        again, and the patient is called again only after checking in again."""
        return self._correct(token_id, reason, TokenStatus.IN_CONSULTATION, TokenStatus.BOOKED,
                             EventKind.REQUEUED, "be requeued", now)

    def _correct(
        self,
        token_id: int,
        reason: str,
        allowed: TokenStatus,
        to: TokenStatus,
        kind: EventKind,
        action: str,
        now: datetime | None,
    ) -> Token:
        req = inputs.validate(inputs.Correction, token_id=token_id, reason=reason)

        def work(unit: Unit) -> Token:
            token = unit.token(req.token_id)
            slot = unit.lock_slot_day(token.slot_id)
            if token.status is not allowed:
                raise InvalidTransition(
                    f"{token.number} is {_words(token.status)}; only a {_words(allowed)} "
                    f"token can {action}."
                )
            _require_today_or_later(unit, token, slot)
            unit.change(token, kind, status=to, reason=req.reason)
            return token.view()

        return self._command(work, now)

    def reopen_slot(self, slot_id: int, reason: str, now: datetime | None = None) -> Slot:
        """A slot closed by mistake takes bookings again; the patients moved out of it
        when it closed stay where they are."""
        req = inputs.validate(inputs.SlotCorrection, slot_id=slot_id, reason=reason)

        def work(unit: Unit) -> Slot:
            slot = unit.lock_slot_day(req.slot_id)
            if not slot.closed:
                raise InvalidTransition(f"Slot {slot.label()} is not closed.")
            if unit.now >= slot.end:
                raise InvalidTransition(f"Slot {slot.label()} has ended; it stays closed.")
            unit.update_slot(slot, closed=False)
            unit.slot_event(EventKind.SLOT_REOPENED, slot, reason=req.reason)
            return slot.view()

        return self._command(work, now)

    # -- rule 20 --------------------------------------------------------------

    def reassign(
        self,
        doctor_id: int,
        to_doctor_id: int,
        day: date,
        now: datetime | None = None,
        *,
        preview: bool = False,
    ) -> list[Token]:
        """Every live token of the doctor's day (slots not yet ended) goes to the other
        doctor that day, in (priority, seq) order, without bumping anyone.

        A token whose patient already holds a live token with the other doctor that
        day (rule 15) stays where it is. `preview=True` answers where each would land
        and changes nothing.
        """
        req = inputs.validate(
            inputs.Reassign, doctor_id=doctor_id, to_doctor_id=to_doctor_id, day=day
        )
        inputs.validate(inputs.PreviewFlag, preview=preview)

        def work(unit: Unit) -> list[Token]:
            for one in sorted((req.doctor_id, req.to_doctor_id)):
                unit.lock_doctor(one)
            unit.require_active(req.to_doctor_id)
            unit.lock_days([(req.doctor_id, req.day), (req.to_doctor_id, req.day)])
            targets = [s for s in unit.day_slots(req.to_doctor_id, req.day)
                       if s.bookable(unit.now)]
            if not targets:
                doctor = unit.lock_doctor(req.to_doctor_id)
                raise NoSeat(f"{doctor.name} has no open slot on {req.day:%d %b}.")
            unit.count_seats(targets)
            own = [s for s in unit.day_slots(req.doctor_id, req.day) if unit.now < s.end]
            moved = []
            for token in unit.in_slot([s.id for s in own], MOVABLE) if own else []:
                origin = unit.slots[token.slot_id]
                if token.patient_ref is not None and unit.live_token_of(
                    token.patient_ref, req.to_doctor_id, req.day, other_than=token.id
                ):
                    continue
                _hand_over(unit, token, origin, targets, req.doctor_id)
                moved.append(token.view())
            for slot in own:
                seating.promote(unit, slot)
            return moved

        return self._command(work, now, preview=preview)


def _hand_over(
    unit: Unit, token: TokenState, origin: SlotState, targets: list[SlotState], from_doctor: int
) -> None:
    """One token into the other doctor's day: the slot with the same start, else the
    earliest later one with a free seat; no seat anywhere: the waitlist of the first
    of those. Emergencies take the first of those, over capacity if need be."""
    same = [s for s in targets if s.start == origin.start]
    later = [s for s in targets if s.start > origin.start]
    candidates = same + later or targets
    if token.is_emergency:
        slot = candidates[0]
        placement = seating.decide(unit, slot, Source.EMERGENCY)
        status = token.status if token.status.holds_seat else TokenStatus.BOOKED
        unit.change(token, EventKind.REASSIGNED, status=status, slot=slot,
                    overbooked=placement.overbooked, from_doctor_id=from_doctor)
        seating.note_overbooking(unit, slot, placement)
        return
    free = next((s for s in candidates if unit.has_free_seat(s)), None)
    if free is None:
        unit.change(token, EventKind.REASSIGNED, status=TokenStatus.WAITLISTED,
                    slot=candidates[0], overbooked=False, from_doctor_id=from_doctor)
        return
    status = token.status if token.status.holds_seat else TokenStatus.BOOKED
    unit.change(token, EventKind.REASSIGNED, status=status, slot=free, overbooked=False,
                from_doctor_id=from_doctor)
