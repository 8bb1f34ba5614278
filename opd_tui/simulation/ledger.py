"""What the simulation knows of its tokens and slots: the engine's event log, replayed.

The engine decides every seat; the simulation only needs to know where each of
its tokens is now, to act as the patients and doctors would (check in when a
seat comes free, call the next patient, mark the absent ones). It learns that
the way any desk can: by reading the event log (each token event carries the
token's resulting status and slot) and the tokens its own commands return.
Events of doctors and slots that are not the simulation's are ignored, so it
can run beside a real desk's data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from ..domain.enums import SEAT_HOLDING, EventKind, Source, TokenStatus
from ..domain.models import Event, Slot, Token


@dataclass(slots=True)
class SlotRecord:
    id: int
    doctor: int
    position: int
    start: datetime
    end: datetime
    capacity: int
    closed: bool = False


@dataclass(slots=True)
class TokenRecord:
    id: int
    number: str
    source: Source
    patient: int
    doctor: int
    slot_id: int
    status: TokenStatus
    created_at: datetime | None = None
    checked_in_at: datetime | None = None
    called_at: datetime | None = None
    completed_at: datetime | None = None
    #: It held a seat at some time (a walk-in who never did was turned away).
    seated_ever: bool = False

    def stamp(self, kind: str, status: TokenStatus, at: datetime) -> None:
        """The token's new status, and the time of the step of its day it took."""
        self.status = status
        if status.holds_seat:
            self.seated_ever = True
        if kind == EventKind.CHECKED_IN:
            self.checked_in_at = at
        elif kind == EventKind.CALLED:
            self.called_at = at
        elif kind == EventKind.COMPLETED:
            self.completed_at = at


@dataclass(frozen=True, slots=True)
class Change:
    """An event about our slots or tokens that the ledger had not yet seen."""

    event: Event
    #: The token it changed (None for a slot's event).
    token: TokenRecord | None


class Ledger:
    def __init__(self) -> None:
        self.slots: dict[int, SlotRecord] = {}
        self.tokens: dict[int, TokenRecord] = {}
        self.doctor_slots: dict[int, list[SlotRecord]] = {}
        self.kinds: Counter[str] = Counter()
        self.overbooked_slots: set[int] = set()
        self.delayed_doctors: set[int] = set()
        #: Per doctor: the tokens in order of creation, and those checked in now.
        self.doctor_tokens: dict[int, list[TokenRecord]] = {}
        self.checked_in: dict[int, set[int]] = {}
        self._doctor_index: dict[int, int] = {}
        self._expected: Counter[tuple[int, str]] = Counter()

    # -- what our own commands told us -----------------------------------------

    def add_slots(self, doctor: int, doctor_id: int, slots: list[Slot]) -> None:
        self._doctor_index[doctor_id] = doctor
        day = self.doctor_slots.setdefault(doctor, [])
        for slot in slots:
            record = SlotRecord(slot.id, doctor, len(day), slot.start, slot.end, slot.capacity)
            self.slots[slot.id] = record
            day.append(record)

    def add_token(self, token: Token, patient: int, at: datetime) -> TokenRecord:
        record = TokenRecord(
            id=token.id,
            number=token.number,
            source=token.source,
            patient=patient,
            doctor=self._doctor_index[token.doctor_id],
            slot_id=token.slot_id,
            status=token.status,
            created_at=at,
            seated_ever=token.status.holds_seat,
        )
        self.tokens[token.id] = record
        self.doctor_tokens.setdefault(record.doctor, []).append(record)
        self._track(record, record.doctor)
        return record

    def _track(self, token: TokenRecord, previous_doctor: int) -> None:
        self.checked_in.get(previous_doctor, set()).discard(token.id)
        if token.status is TokenStatus.CHECKED_IN:
            self.checked_in.setdefault(token.doctor, set()).add(token.id)

    def doctor_index(self, doctor_id: int) -> int:
        return self._doctor_index[doctor_id]

    # -- what the event log says -----------------------------------------------

    def own_change(self, token: TokenRecord, status: TokenStatus, kind: EventKind,
                   at: datetime) -> None:
        """What one of our commands did to this token alone, known from its answer.

        Its event is counted now and skipped when the log is next read, so the
        ledger is the same however often the log is read.
        """
        self.kinds[kind] += 1
        self._expected[(token.id, kind)] += 1
        token.stamp(kind, status, at)
        self._track(token, token.doctor)

    def apply(self, events: list[Event]) -> list[Change]:
        """Replay events not yet known; return them (ours only), in log order."""
        changes = []
        for event in events:
            if event.token_id is not None:
                token = self.tokens.get(event.token_id)
                if token is None:
                    continue
                key = (token.id, event.kind)
                if self._expected[key]:
                    self._expected[key] -= 1
                    continue
                self.kinds[event.kind] += 1
                previous_doctor = token.doctor
                token.stamp(event.kind, TokenStatus(event.detail["status"]), event.at)
                token.slot_id = event.detail["slot_id"]
                token.doctor = self.slots[token.slot_id].doctor
                self._track(token, previous_doctor)
                changes.append(Change(event, token))
                continue
            slot = self.slots.get(event.slot_id) if event.slot_id is not None else None
            if slot is None:
                continue
            self.kinds[event.kind] += 1
            if event.kind == EventKind.DOCTOR_DELAYED:
                self.delayed_doctors.add(slot.doctor)
                slot.start = datetime.fromisoformat(event.detail["start"])
                slot.end = datetime.fromisoformat(event.detail["end"])
            elif event.kind == EventKind.SLOT_CLOSED:
                slot.closed = True
            elif event.kind == EventKind.CAPACITY_CHANGED:
                slot.capacity = event.detail["capacity"]
            elif event.kind == EventKind.OVERBOOKED:
                self.overbooked_slots.add(slot.id)
            changes.append(Change(event, None))
        return changes

    # -- questions the doctors and the desk ask --------------------------------

    def current_or_next_slot(self, doctor: int, now: datetime) -> SlotRecord | None:
        """The slot the desk books a walk-in into: the running one, else the next."""
        for slot in self.doctor_slots.get(doctor, ()):
            if not slot.closed and now < slot.end:
                return slot
        return None

    def away(self, doctor: int, now: datetime) -> SlotRecord | None:
        """The closed slot the doctor is away for at `now`, if any."""
        for slot in self.doctor_slots.get(doctor, ()):
            if slot.closed and slot.start <= now < slot.end:
                return slot
        return None

    def ready_to_call(self, doctor: int, now: datetime) -> bool:
        """Someone checked in for the doctor whose slot has started."""
        return any(
            self.slots[self.tokens[t].slot_id].start <= now
            for t in self.checked_in.get(doctor, ())
        )

    def seated(self, slot_id: int) -> int:
        return sum(1 for t in self._in_slot(slot_id) if t.status in SEAT_HOLDING)

    def would_bump(self, slot_id: int, source: Source) -> bool:
        """Would a `source` token booked into this slot bump someone (rule 3: a full
        slot, holding a booked patient, not checked in, of a lower priority)? The
        no-bumping policy asks, to book around it."""
        if source is Source.EMERGENCY:
            return False
        tokens = self._in_slot(slot_id)
        if sum(1 for t in tokens if t.status in SEAT_HOLDING) < self.slots[slot_id].capacity:
            return False
        return any(t.status is TokenStatus.BOOKED and t.source is not Source.EMERGENCY
                   and t.source.priority > source.priority for t in tokens)

    def waitlisted(self, slot_id: int) -> int:
        return sum(1 for t in self._in_slot(slot_id) if t.status is TokenStatus.WAITLISTED)

    def _in_slot(self, slot_id: int) -> list[TokenRecord]:
        slot = self.slots[slot_id]
        return [t for t in self.doctor_tokens.get(slot.doctor, ()) if t.slot_id == slot_id]

    def last_end(self) -> datetime:
        return max(s.end for s in self.slots.values())
