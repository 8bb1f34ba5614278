"""A reference model of SPEC §3, written from the spec's words, not from the engine.

The stateful test runs every command on the engine and on this model, then
compares who sits where. It is plain Python over dicts: slow, obvious, and easy
to check against the text of each rule. Where the spec is silent the model
follows the design choices in HELPERS.md (a move stays within its day and
never "moves" a token into the slot it is already in) and the engine's stated
readings of rules 17-24 (finish_day, reinstate, reassign: see their docstrings).

Each command either returns what the engine should return or raises `Refused`
(the engine must then raise an `OPDError` and change nothing). `Refused.error`
names the error class where the spec names one (rule 19's `DoctorInactive`).
A token about to be created is given the id the engine gave it (`new_id`):
only its order matters (a new token has the largest `seq`).

Patient references reach the model in their normal form (rule 23): the test
spells them the way receptionists type them and gives the model what the spec
says they mean.

A branch marked ENGINE DEVIATION follows the engine where it differs from the
spec's words, so the rest of the run still proves something; each is reported.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta

PRIORITY = {"EMERGENCY": 1, "PAID": 2, "FOLLOWUP": 3, "ONLINE": 4, "WALKIN": 5}
SEAT_HOLDING = {"BOOKED", "CHECKED_IN", "IN_CONSULTATION", "COMPLETED"}
LIVE = {"BOOKED", "CHECKED_IN", "IN_CONSULTATION", "WAITLISTED"}
RE_PLACED = ("BOOKED", "CHECKED_IN", "WAITLISTED")
#: Rule 17: what each live status becomes once its day is over.
FINAL = {
    "BOOKED": "NO_SHOW",
    "CHECKED_IN": "UNSEEN",
    "IN_CONSULTATION": "COMPLETED",
    "WAITLISTED": "EXPIRED",
}
#: Rule 21: the endings a receptionist can take back.
REINSTATABLE = {"CANCELLED", "NO_SHOW", "EXPIRED", "UNSEEN"}
REASON_MAX = 200
AGE_RANGE = range(131)


class Refused(Exception):
    """The spec says this command is refused and changes nothing."""

    def __init__(self, why: str, error: str | None = None) -> None:
        super().__init__(why)
        #: The error class the spec names for this refusal, if it names one.
        self.error = error


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
    #: The status a cancellation ended (rule 21: a checked-in patient comes back
    #: checked in).
    cancelled_from: str | None = None

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
        self.active: dict[int, bool] = {}
        self.slots: dict[int, MSlot] = {}
        self.tokens: dict[int, MToken] = {}
        self.last_number: dict[tuple[int, date], int] = {}
        #: Rule 23: ref -> (name, age, sex) of the latest booking.
        self.patients: dict[str, tuple[str, int | None, str | None]] = {}
        self.clock: datetime | None = None
        self.now: datetime = datetime.min

    # -- set-up ----------------------------------------------------------------

    def add_doctor(self, doctor_id: int, code: str) -> None:
        self.codes[doctor_id] = code
        self.active[doctor_id] = True

    def add_slot(self, slot_id: int, doctor_id: int, start: datetime, end: datetime,
                 capacity: int) -> None:
        self.slots[slot_id] = MSlot(slot_id, doctor_id, start.date(), start, end, capacity)

    # -- one command: all or nothing -----------------------------------------

    def run(self, requested_now: datetime, command: str, *args: object, **kwargs: object) -> object:
        """Run `command` at `requested_now` as one transaction (rule: no backwards clock)."""
        saved = copy.deepcopy((self.slots, self.tokens, self.last_number, self.active,
                               self.patients))
        self.now = requested_now if self.clock is None else max(self.clock, requested_now)
        try:
            result = getattr(self, command)(*args, **kwargs)
        except Refused:
            (self.slots, self.tokens, self.last_number, self.active, self.patients) = saved
            raise
        self.clock = self.now
        return result

    # -- what the rules read -------------------------------------------------

    def doctor_of(self, token: MToken) -> int:
        return self.slots[token.slot_id].doctor_id

    def day_of(self, token: MToken) -> date:
        return self.slots[token.slot_id].day

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

    def _live_token_of(self, ref: str | None, doctor_id: int, day: date,
                       other_than: int = 0) -> MToken | None:
        if ref is None:
            return None
        for t in self.tokens.values():
            s = self.slots[t.slot_id]
            if (t.patient_ref == ref and t.id != other_than and t.status in LIVE
                    and s.doctor_id == doctor_id and s.day == day):
                return t
        return None

    def _require_no_duplicate(self, ref: str | None, slot: MSlot, other_than: int = 0) -> None:
        """Rule 15 (refs compared in their normal form, rule 23)."""
        held = self._live_token_of(ref, slot.doctor_id, slot.day, other_than)
        if held is not None:
            raise Refused(f"duplicate: {ref} holds token {held.id}")

    def _require_active(self, doctor_id: int) -> None:
        """Rule 19: a deactivated doctor's slots take nothing new."""
        if not self.active[doctor_id]:
            raise Refused("the doctor is inactive", "DoctorInactive")

    def _require_bookable(self, slot: MSlot) -> None:
        self._require_active(slot.doctor_id)
        if not self.bookable(slot):
            raise Refused("slot not bookable")

    @staticmethod
    def _require_reason(reason: str) -> None:
        """Rule 21: a correction's reason is 1..200 characters."""
        if not 1 <= len(reason.strip()) <= REASON_MAX:
            raise Refused("a reason of 1 to 200 characters")

    def _require_not_over(self, token: MToken) -> None:
        """Rule 21: corrections are refused once the token's day is over."""
        if self.day_of(token) < self.now.date():
            raise Refused("that day is over")

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

    def _seat_new(self, slot: MSlot, source: str, ref: str | None, new_id: int, *,
                  name: str = "Patient", age: int | None = None, sex: str | None = None,
                  in_hall: bool = False) -> MToken:
        self._require_bookable(slot)
        self._require_no_duplicate(ref, slot)
        status, overbooked, victim = self._decide(slot, source)
        key = (slot.doctor_id, slot.day)
        self.last_number[key] = self.last_number.get(key, 0) + 1
        number = f"{self.codes[slot.doctor_id]}-{self.last_number[key]:03d}"
        token = MToken(new_id, number, source, status, slot.id, ref, overbooked)
        self.tokens[new_id] = token
        if victim is not None:
            self._bump(victim, slot)
        if ref is not None:  # rule 23: the latest record; age and sex kept unless given
            _, old_age, old_sex = self.patients.get(ref, (name, None, None))
            self.patients[ref] = (name, old_age if age is None else age,
                                  old_sex if sex is None else sex)
        # Rule 22: in the hall means today; a booking for a later day stays BOOKED.
        if in_hall and token.status == "BOOKED" and slot.day == self.now.date():
            token.status = "CHECKED_IN"
        return token

    # -- the commands of SPEC §5 -----------------------------------------------

    @staticmethod
    def _check_patient(patient: dict[str, object]) -> None:
        """Input comes first: an age outside 0..130 is refused before anything is read."""
        age = patient.get("age")
        if age is not None and age not in AGE_RANGE:
            raise Refused("age out of range")

    def book(self, slot_id: int, source: str, ref: str | None, new_id: int,
             **patient: object) -> MToken:
        self._check_patient(patient)
        return self._seat_new(self.slots[slot_id], source, ref, new_id, **patient)  # type: ignore[arg-type]

    def book_earliest(self, doctor_id: int, source: str, ref: str | None, new_id: int,
                      **patient: object) -> MToken:
        """The kiosk: earliest free seat today, else the first open slot's waitlist."""
        self._check_patient(patient)
        if source == "EMERGENCY":
            return self.emergency(doctor_id, None, ref, new_id, **patient)
        self._require_active(doctor_id)
        open_slots = [s for s in self.day_slots(doctor_id, self.now.date()) if self.bookable(s)]
        if not open_slots:
            raise Refused("no open slot today")
        slot = next((s for s in open_slots if self.free_seat(s)), open_slots[0])
        return self._seat_new(slot, source, ref, new_id, **patient)  # type: ignore[arg-type]

    def emergency(self, doctor_id: int, slot_id: int | None, ref: str | None,
                  new_id: int, **patient: object) -> MToken:
        self._check_patient(patient)
        if slot_id is not None:
            slot = self.slots[slot_id]
            if slot.doctor_id != doctor_id:
                raise Refused("slot of another doctor")
        else:
            self._require_active(doctor_id)  # rule 19, even with no slot left today
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
        return self._seat_new(slot, "EMERGENCY", ref, new_id, **patient)  # type: ignore[arg-type]

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
        token.cancelled_from = token.status
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
        """Rule 8: today's slots only; an emergency as soon as it is checked in."""
        for t in self.tokens.values():
            if t.status == "IN_CONSULTATION" and self.doctor_of(t) == doctor_id:
                t.status = "COMPLETED"
        today = self.now.date()
        waiting = [
            t for t in self.tokens.values()
            if t.status == "CHECKED_IN" and self.doctor_of(t) == doctor_id
            and self.slots[t.slot_id].day == today
            and (self.slots[t.slot_id].start <= self.now or t.source == "EMERGENCY")
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
        self._require_bookable(target)  # rule 19: nothing moves into an inactive doctor's slot
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
        self._require_active(slot.doctor_id)
        if capacity < min(slot.capacity, self.occupancy(slot)):
            raise Refused("lowered below occupancy")
        slot.capacity = capacity
        self._promote(slot)
        return slot

    def close_slot(self, slot_id: int) -> MSlot:
        """Rule 12."""
        slot = self.slots[slot_id]
        self._require_active(slot.doctor_id)
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
        self._require_active(doctor_id)
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

    # -- rules 14 and 17: the end of a slot and of a day -------------------------

    def _finalise(self, days: set[date]) -> None:
        for token in self.tokens.values():
            if token.status in LIVE and self.day_of(token) in days:
                token.status = FINAL[token.status]

    def advance(self) -> None:
        """Rule 17 (every earlier day finalised), then rule 14 for today's ended slots."""
        today = self.now.date()
        self._finalise({s.day for s in self.slots.values() if s.day < today})
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

    def finish_day(self, day: date) -> None:
        """Rule 17 on demand. The engine's reading: refused while a slot of that day
        (any doctor's, not closed) has yet to end; a day that is over is finalised."""
        if day >= self.now.date() and any(
            s.day == day and not s.closed and s.end > self.now for s in self.slots.values()
        ):
            raise Refused("the day is not over")
        self._finalise({day})

    # -- rule 19 ---------------------------------------------------------------

    def set_doctor_active(self, doctor_id: int, active: bool) -> bool:
        """Never refused: tokens already held stay, and can still be served."""
        self.active[doctor_id] = active
        return active

    # -- rule 20 ---------------------------------------------------------------

    def reassign(self, doctor_id: int, to_doctor_id: int, day: date) -> list[MToken]:
        """The absent doctor's BOOKED, CHECKED_IN and WAITLISTED tokens of slots not yet
        ended that day go to the other doctor in (priority, seq) order, without
        bumping: candidates are the other doctor's bookable slot with the same start
        and its later bookable slots (none: all its bookable slots); an emergency
        takes the first candidate (overbooking if full), any other token the first
        with a free seat (keeping its status; a waitlisted one is BOOKED) or the
        first candidate's waitlist. A patient who already holds a live token with
        the other doctor that day (rule 15) stays where they are. Afterwards the
        emptied slots promote their waitlists."""
        if doctor_id == to_doctor_id:
            raise Refused("reassign to the same doctor")
        self._require_active(to_doctor_id)
        targets = [s for s in self.day_slots(to_doctor_id, day) if self.bookable(s)]
        if not targets:
            raise Refused("the other doctor has no bookable slot that day")
        own = [s for s in self.day_slots(doctor_id, day) if self.now < s.end]
        waiting = sorted(
            (t for s in own for t in self.in_slot(s, *RE_PLACED)), key=lambda t: t.key
        )
        moved = []
        for token in waiting:
            if self._live_token_of(token.patient_ref, to_doctor_id, day, token.id):
                continue
            origin = self.slots[token.slot_id]
            same = [s for s in targets if s.start == origin.start]
            later = [s for s in targets if s.start > origin.start]
            candidates = same + later or targets
            if token.source == "EMERGENCY":
                slot = candidates[0]
                token.overbooked = self.occupancy(slot) >= slot.capacity
                token.slot_id = slot.id
                if token.status not in SEAT_HOLDING:
                    token.status = "BOOKED"
            else:
                free = next((s for s in candidates if self.free_seat(s)), None)
                token.overbooked = False
                if free is None:
                    token.slot_id = candidates[0].id
                    token.status = "WAITLISTED"
                else:
                    token.slot_id = free.id
                    if token.status not in SEAT_HOLDING:
                        token.status = "BOOKED"
            moved.append(token)
        for slot in own:
            self._promote(slot)
        return moved

    # -- rule 21: corrections ----------------------------------------------------

    def reinstate(self, token_id: int, reason: str) -> MToken:
        """Back into its own slot if bookable, else the doctor's first bookable slot
        that day, by rules 1-3 (bumping allowed); CHECKED_IN again when the patient
        was checked in (UNSEEN, or cancelled straight from CHECKED_IN)."""
        self._require_reason(reason)
        token = self._token(token_id, REINSTATABLE)
        self._require_not_over(token)
        origin = self.slots[token.slot_id]
        if self.bookable(origin):
            target = origin
        else:
            target = next(
                (s for s in self.day_slots(origin.doctor_id, origin.day) if self.bookable(s)),
                None,
            )
            if target is None:
                raise Refused("no bookable slot left that day")
        self._require_bookable(target)
        self._require_no_duplicate(token.patient_ref, target, other_than=token.id)
        in_hall = token.status == "UNSEEN" or (
            token.status == "CANCELLED" and token.cancelled_from == "CHECKED_IN"
        )
        status, overbooked, victim = self._decide(target, token.source)
        if victim is not None:
            self._bump(victim, target)
        token.slot_id = target.id
        token.status = "CHECKED_IN" if status == "BOOKED" and in_hall else status
        token.overbooked = overbooked
        token.cancelled_from = None
        return token

    def undo_check_in(self, token_id: int, reason: str) -> MToken:
        self._require_reason(reason)
        token = self._token(token_id, {"CHECKED_IN"})
        self._require_not_over(token)
        token.status = "BOOKED"
        return token

    def requeue(self, token_id: int, reason: str) -> MToken:
        self._require_reason(reason)
        token = self._token(token_id, {"IN_CONSULTATION"})
        self._require_not_over(token)
        token.status = "BOOKED"
        return token

    def reopen_slot(self, slot_id: int, reason: str) -> MSlot:
        """A closed slot that has not ended is bookable again; its moved patients
        stay where they are (so it opens empty, with nobody to promote)."""
        self._require_reason(reason)
        slot = self.slots[slot_id]
        if not slot.closed or self.now >= slot.end:
            raise Refused("not closed, or ended")
        slot.closed = False
        return slot
