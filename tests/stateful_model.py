"""A reference model of SPEC §3, written from the spec's words, not from the engine.

The stateful test runs every command on the engine and on this model, then
compares who sits where. It is plain Python over dicts: slow, obvious, and easy
to check against the text of each rule. Where the spec is silent the model
follows the design choices in HELPERS.md (a move stays within its day and
never "moves" a token into the slot it is already in).

Each command either returns what the engine should return or raises `Refused`
(the engine must then raise an `OPDError` and change nothing). A token about to
be created is given the id the engine gave it (`new_id`): only its order
matters (a new token has the largest `seq`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta

PRIORITY = {"EMERGENCY": 1, "PAID": 2, "FOLLOWUP": 3, "ONLINE": 4, "WALKIN": 5}
SEAT_HOLDING = {"BOOKED", "CHECKED_IN", "IN_CONSULTATION", "COMPLETED"}
LIVE = {"BOOKED", "CHECKED_IN", "IN_CONSULTATION", "WAITLISTED"}
RE_PLACED = ("BOOKED", "CHECKED_IN", "WAITLISTED")


class Refused(Exception):
    """The spec says this command is refused and changes nothing."""


@dataclass
class MSlot:
    id: int
    doctor_id: int
    day: date
    start: datetime
    end: datetime
    capacity: int
    closed: bool = False


@dataclass
class MToken:
    id: int
    number: str
    source: str
    status: str
    slot_id: int
    patient_ref: str | None
    overbooked: bool = False

    @property
    def priority(self) -> int:
        return PRIORITY[self.source]

    @property
    def key(self) -> tuple[int, int]:
        """Waitlist and tie-break order: (priority, seq)."""
        return (self.priority, self.id)


class Model:
    def __init__(self) -> None:
        self.codes: dict[int, str] = {}
        self.slots: dict[int, MSlot] = {}
        self.tokens: dict[int, MToken] = {}
        self.last_number: dict[tuple[int, date], int] = {}
        self.clock: datetime | None = None
        self.now: datetime = datetime.min

    # -- set-up ----------------------------------------------------------------

    def add_doctor(self, doctor_id: int, code: str) -> None:
        self.codes[doctor_id] = code

    def add_slot(self, slot_id: int, doctor_id: int, start: datetime, end: datetime,
                 capacity: int) -> None:
        self.slots[slot_id] = MSlot(slot_id, doctor_id, start.date(), start, end, capacity)

    # -- one command: all or nothing -----------------------------------------

    def run(self, requested_now: datetime, command: str, *args: object) -> object:
        """Run `command` at `requested_now` as one transaction (rule: no backwards clock)."""
        saved = copy.deepcopy((self.slots, self.tokens, self.last_number))
        self.now = requested_now if self.clock is None else max(self.clock, requested_now)
        try:
            result = getattr(self, command)(*args)
        except Refused:
            self.slots, self.tokens, self.last_number = saved
            raise
        self.clock = self.now
        return result

    # -- what the rules read -------------------------------------------------

    def doctor_of(self, token: MToken) -> int:
        return self.slots[token.slot_id].doctor_id

    def occupancy(self, slot: MSlot) -> int:
        return sum(
            1 for t in self.tokens.values() if t.slot_id == slot.id and t.status in SEAT_HOLDING
        )

    def free_seat(self, slot: MSlot) -> bool:
        return self.occupancy(slot) < slot.capacity

    def bookable(self, slot: MSlot) -> bool:
        return not slot.closed and self.now < slot.end

    def day_slots(self, doctor_id: int, day: date) -> list[MSlot]:
        return sorted(
            (s for s in self.slots.values() if s.doctor_id == doctor_id and s.day == day),
            key=lambda s: s.start,
        )

    def later_bookable(self, slot: MSlot) -> list[MSlot]:
        return [
            s for s in self.day_slots(slot.doctor_id, slot.day)
            if s.start > slot.start and self.bookable(s)
        ]

    def in_slot(self, slot: MSlot, *statuses: str) -> list[MToken]:
        return sorted(
            (t for t in self.tokens.values() if t.slot_id == slot.id and t.status in statuses),
            key=lambda t: t.key,
        )

    def _require_no_duplicate(self, ref: str | None, slot: MSlot, other_than: int = 0) -> None:
        """Rule 15."""
        if ref is None:
            return
        for t in self.tokens.values():
            s = self.slots[t.slot_id]
            if (t.patient_ref == ref and t.id != other_than and t.status in LIVE
                    and s.doctor_id == slot.doctor_id and s.day == slot.day):
                raise Refused(f"duplicate: {ref} holds token {t.id}")

    # -- rules 1 to 4 ----------------------------------------------------------

    def _decide(self, slot: MSlot, source: str) -> tuple[str, bool, MToken | None]:
        """(status, overbooked, victim) for a token of `source` asking for `slot`."""
        occupancy = self.occupancy(slot)
        if source == "EMERGENCY":  # rule 2
            return "BOOKED", occupancy >= slot.capacity, None
        if occupancy < slot.capacity:  # rule 1
            return "BOOKED", False, None
        candidates = [t for t in self.in_slot(slot, "BOOKED") if t.source != "EMERGENCY"]
        victim = max(candidates, key=lambda t: t.key) if candidates else None  # rule 3
        if victim is not None and PRIORITY[source] < victim.priority:
            return "BOOKED", False, victim
        return "WAITLISTED", False, None

    def _bump(self, victim: MToken, slot: MSlot) -> None:
        for later in self.later_bookable(slot):
            if self.free_seat(later):
                victim.slot_id = later.id
                victim.status = "BOOKED"
                return
        victim.status = "WAITLISTED"

    def _promote(self, slot: MSlot) -> None:
        """Rule 4."""
        if not self.bookable(slot):
            return
        for waiting in self.in_slot(slot, "WAITLISTED"):
            if not self.free_seat(slot):
                return
            waiting.status = "BOOKED"

    def _seat_new(self, slot: MSlot, source: str, ref: str | None, new_id: int) -> MToken:
        if not self.bookable(slot):
            raise Refused("slot not bookable")
        self._require_no_duplicate(ref, slot)
        status, overbooked, victim = self._decide(slot, source)
        key = (slot.doctor_id, slot.day)
        self.last_number[key] = self.last_number.get(key, 0) + 1
        number = f"{self.codes[slot.doctor_id]}-{self.last_number[key]:03d}"
        token = MToken(new_id, number, source, status, slot.id, ref, overbooked)
        self.tokens[new_id] = token
        if victim is not None:
            self._bump(victim, slot)
        return token

    # -- the commands of SPEC §5 -----------------------------------------------

    def book(self, slot_id: int, source: str, ref: str | None, new_id: int) -> MToken:
        return self._seat_new(self.slots[slot_id], source, ref, new_id)

    def book_earliest(self, doctor_id: int, source: str, ref: str | None, new_id: int) -> MToken:
        """The kiosk: earliest free seat today, else the first open slot's waitlist."""
        if source == "EMERGENCY":
            return self.emergency(doctor_id, None, ref, new_id)
        open_slots = [s for s in self.day_slots(doctor_id, self.now.date()) if self.bookable(s)]
        if not open_slots:
            raise Refused("no open slot today")
        slot = next((s for s in open_slots if self.free_seat(s)), open_slots[0])
        return self._seat_new(slot, source, ref, new_id)

    def emergency(self, doctor_id: int, slot_id: int | None, ref: str | None,
                  new_id: int) -> MToken:
        if slot_id is not None:
            slot = self.slots[slot_id]
            if slot.doctor_id != doctor_id:
                raise Refused("slot of another doctor")
        else:
            open_slots = [
                s for s in self.day_slots(doctor_id, self.now.date()) if self.bookable(s)
            ]
            current = [s for s in open_slots if s.start <= self.now < s.end]
            later = [s for s in open_slots if s.start > self.now]
            if current:
                slot = current[0]
            elif later:
                slot = later[0]
            else:
                raise Refused("no current or later slot")
        return self._seat_new(slot, "EMERGENCY", ref, new_id)

    def _token(self, token_id: int, allowed: set[str]) -> MToken:
        token = self.tokens[token_id]
        if token.status not in allowed:
            raise Refused(f"token is {token.status}")
        return token

    def _leave(self, token: MToken, status: str) -> MToken:
        freed = token.status in SEAT_HOLDING and status not in SEAT_HOLDING
        token.status = status
        if freed:
            self._promote(self.slots[token.slot_id])
        return token

    def cancel(self, token_id: int) -> MToken:
        token = self._token(token_id, {"BOOKED", "CHECKED_IN", "WAITLISTED"})
        return self._leave(token, "CANCELLED")

    def no_show(self, token_id: int) -> MToken:
        token = self._token(token_id, {"BOOKED"})
        if self.now < self.slots[token.slot_id].start:
            raise Refused("slot has not started")
        return self._leave(token, "NO_SHOW")

    def check_in(self, token_id: int) -> MToken:
        token = self._token(token_id, {"BOOKED"})
        token.status = "CHECKED_IN"
        return token

    def complete(self, token_id: int) -> MToken:
        token = self._token(token_id, {"IN_CONSULTATION"})
        token.status = "COMPLETED"
        return token

    def call_next(self, doctor_id: int) -> MToken | None:
        """Rule 8."""
        for t in self.tokens.values():
            if t.status == "IN_CONSULTATION" and self.doctor_of(t) == doctor_id:
                t.status = "COMPLETED"
        waiting = [
            t for t in self.tokens.values()
            if t.status == "CHECKED_IN" and self.doctor_of(t) == doctor_id
            and self.slots[t.slot_id].start <= self.now
        ]
        if not waiting:
            return None
        called = min(
            waiting,
            key=lambda t: (t.source != "EMERGENCY", self.slots[t.slot_id].start, t.priority, t.id),
        )
        called.status = "IN_CONSULTATION"
        return called

    def move(self, token_id: int, slot_id: int) -> MToken:
        """Rule 11: target placement (bump included) first, then the old seat is released."""
        token = self._token(token_id, {"BOOKED", "WAITLISTED"})
        origin = self.slots[token.slot_id]
        target = self.slots[slot_id]
        if target.id == origin.id:
            raise Refused("already in that slot")
        if target.day != origin.day:
            raise Refused("a move stays within its day")
        if not self.bookable(target):
            raise Refused("target not bookable")
        self._require_no_duplicate(token.patient_ref, target, other_than=token.id)
        status, overbooked, victim = self._decide(target, token.source)
        if status != "BOOKED":
            raise Refused("no seat in the target")
        if victim is not None:
            self._bump(victim, target)  # the mover still holds its old seat here
        freed = token.status in SEAT_HOLDING
        token.slot_id = target.id
        token.status = "BOOKED"
        token.overbooked = overbooked
        if freed:
            self._promote(origin)
        return token

    def set_capacity(self, slot_id: int, capacity: int) -> MSlot:
        """Rule 10."""
        if not 1 <= capacity <= 500:
            raise Refused("capacity out of range")
        slot = self.slots[slot_id]
        if capacity < min(slot.capacity, self.occupancy(slot)):
            raise Refused("lowered below occupancy")
        slot.capacity = capacity
        self._promote(slot)
        return slot

    def close_slot(self, slot_id: int) -> MSlot:
        """Rule 12."""
        slot = self.slots[slot_id]
        if slot.closed or self.now >= slot.end:
            raise Refused("closed or ended")
        if self.in_slot(slot, "IN_CONSULTATION"):
            raise Refused("someone is with the doctor")
        live = self.in_slot(slot, *RE_PLACED)
        later = self.later_bookable(slot)
        if live and not later:
            raise Refused("no later slot")
        slot.closed = True
        for token in live:
            if token.source == "EMERGENCY":
                first = later[0]
                token.overbooked = self.occupancy(first) >= first.capacity
                token.slot_id = first.id
                if token.status == "WAITLISTED":
                    token.status = "BOOKED"
                continue
            free = next((s for s in later if self.free_seat(s)), None)
            token.overbooked = False
            if free is None:
                token.slot_id = later[0].id
                token.status = "WAITLISTED"
            else:
                token.slot_id = free.id
                if token.status == "WAITLISTED":
                    token.status = "BOOKED"
        return slot

    def delay_doctor(self, doctor_id: int, minutes: int) -> list[MSlot]:
        """Rule 13."""
        if not 1 <= minutes <= 240:
            raise Refused("minutes out of range")
        day = self.now.date()
        shift = timedelta(minutes=minutes)
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time())
        pending = [s for s in self.day_slots(doctor_id, day) if s.start > self.now]
        if any(s.end + shift > midnight for s in pending):
            raise Refused("past midnight")
        for s in pending:
            s.start += shift
            s.end += shift
        return pending

    def advance(self) -> None:
        """Rule 14."""
        keys = sorted({
            (s.doctor_id, s.day) for s in self.slots.values()
            if s.end <= self.now and self.in_slot(s, "WAITLISTED")
        })
        for doctor_id, day in keys:
            day_slots = self.day_slots(doctor_id, day)
            waiting = sorted(
                (t for s in day_slots if s.end <= self.now for t in self.in_slot(s, "WAITLISTED")),
                key=lambda t: t.key,
            )
            target = next((s for s in day_slots if self.bookable(s)), None)
            for token in waiting:
                if target is None:
                    token.status = "EXPIRED"
                elif self.free_seat(target):
                    token.slot_id = target.id
                    token.status = "BOOKED"
                else:
                    token.slot_id = target.id
