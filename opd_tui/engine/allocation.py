"""`AllocationEngine`: the public API of SPEC §5, one transaction per command.

Each command validates its input, then runs in a `Unit`: lock the doctor-days
it touches, apply the rules, write the events, move the clock, commit. A
transient database failure (a busy SQLite file, a PostgreSQL deadlock or
serialization failure, a row changed under the unit) rolls back and runs the
command again; a refusal (`OPDError`) rolls back and is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..db import schema
from ..db.connect import open_database
from ..db.migrate import upgrade
from ..domain import inputs
from ..domain.enums import MOVABLE, EventKind, Source, TokenStatus
from ..domain.errors import (
    CapacityBelowOccupancy,
    CloseRefused,
    DelayRefused,
    DuplicateDoctorCode,
    InvalidInput,
    InvalidTransition,
    NoSeat,
    NotFound,
)
from ..domain.models import Doctor, Event, Patient, Slot, Token
from . import day_end, seating
from .corrections import Corrections
from .report import Reports
from .retry import retrying
from .timetable import Timetable
from .unit import TOKEN_COLUMNS, SlotState, TokenState, Unit, doctor_from_row, hot

R = TypeVar("R")

T = schema.tokens
S = schema.slots

_IN_CONSULTATION = select(*TOKEN_COLUMNS).where(
    T.c.doctor_id == bindparam("doctor_id"),
    T.c.status == TokenStatus.IN_CONSULTATION.value,
)
#: Rule 8: today's checked-in tokens of slots under way, and emergencies whatever
#: their slot's start, called emergencies first, then by slot start, priority, arrival.
_NEXT_TO_CALL = (
    select(*TOKEN_COLUMNS)
    .select_from(T.join(S, S.c.id == T.c.slot_id))
    .where(
        T.c.doctor_id == bindparam("doctor_id"),
        T.c.status == TokenStatus.CHECKED_IN.value,
        S.c.day == bindparam("day"),
        or_(S.c.start <= bindparam("now"), T.c.source == Source.EMERGENCY.value),
    )
    .order_by((T.c.source != Source.EMERGENCY.value), S.c.start, T.c.priority, T.c.id)
    .limit(1)
)

#: Both of rule 8's reads at once: who is in the room, then the next to call.
_CALL_QUEUE = (
    select(*TOKEN_COLUMNS)
    .select_from(T.join(S, S.c.id == T.c.slot_id))
    .where(
        T.c.doctor_id == bindparam("doctor_id"),
        or_(
            T.c.status == TokenStatus.IN_CONSULTATION.value,
            and_(
                T.c.status == TokenStatus.CHECKED_IN.value,
                S.c.day == bindparam("day"),
                or_(S.c.start <= bindparam("now"), T.c.source == Source.EMERGENCY.value),
            ),
        ),
    )
    .order_by(
        (T.c.status != TokenStatus.IN_CONSULTATION.value),
        (T.c.source != Source.EMERGENCY.value),
        S.c.start,
        T.c.priority,
        T.c.id,
    )
    .limit(2)
)
for _statement in (_IN_CONSULTATION, _NEXT_TO_CALL, _CALL_QUEUE):
    hot(_statement)


class AllocationEngine(Corrections, Timetable, Reports):
    """The one allocation engine: every rule, every write, every backend."""

    @classmethod
    def open(cls, url: str | None = None, create: bool = True) -> AllocationEngine:
        """Open (creating or upgrading) the database at `url`; default: the embedded file.

        With `create=False` (the kiosk) a database that does not exist yet is
        refused and nothing is made. A database that cannot be used raises a
        `DatabaseError` naming it; `notices` says what was put right on the way.
        """
        engine, notices = open_database(url, create=create)
        try:
            retrying(lambda: upgrade(engine, create=create))
        except BaseException:
            engine.dispose()
            raise
        opened = cls(engine)
        opened.notices = notices
        return opened

    # -- doctors and slots ----------------------------------------------------
    # Setting up doctors and slots does not move the clock: their optional `now`
    # only dates the event (a simulation sets up a day that is not today).

    def add_doctor(
        self,
        name: str,
        code: str,
        department: str | None = None,
        room: str | None = None,
        consult_minutes: int = 10,
        now: datetime | None = None,
    ) -> Doctor:
        req = inputs.validate(
            inputs.NewDoctor,
            name=name,
            code=code,
            department=department,
            room=room,
            consult_minutes=consult_minutes,
        )

        def work(unit: Unit) -> Doctor:
            d = schema.doctors
            taken = unit.conn.execute(select(d.c.name).where(d.c.code == req.code)).first()
            if taken is not None:
                raise DuplicateDoctorCode(
                    f"Code {req.code} is already used by {taken.name}; pick another code."
                )
            doctor_id = unit.conn.execute(
                insert(d).values(**req.model_dump(), active=True).returning(d.c.id)
            ).scalar_one()
            unit.slot_event(EventKind.DOCTOR_ADDED, None, doctor_id=doctor_id, code=req.code)
            return Doctor(id=doctor_id, **req.model_dump())

        try:
            return self._command(work, now, moves_clock=False)
        except IntegrityError:
            raise DuplicateDoctorCode(
                f"Code {req.code} is already in use; pick another code."
            ) from None

    def update_doctor(self, doctor_id: int, **changes: Any) -> Doctor:
        """Change any of name, department, room, consult_minutes; the code stays."""
        ref = inputs.validate(inputs.DoctorRef, doctor_id=doctor_id)
        req = inputs.validate(inputs.DoctorChanges, **changes)
        values = {k: getattr(req, k) for k in req.model_fields_set}
        if "name" in values and values["name"] is None:
            raise InvalidInput("name: a doctor needs a name", field="name")
        return self._update_doctor(ref.doctor_id, values)

    def set_doctor_active(
        self, doctor_id: int, active: bool, now: datetime | None = None
    ) -> Doctor:
        """Rule 19: a deactivated doctor's slots take nothing new; the tokens they
        already hold stay and can still be checked in, called, moved or reassigned."""
        req = inputs.validate(inputs.DoctorActive, doctor_id=doctor_id, active=active)
        return self._update_doctor(req.doctor_id, {"active": req.active}, now, moves_clock=True)

    def _update_doctor(
        self,
        doctor_id: int,
        values: dict[str, Any],
        now: datetime | None = None,
        *,
        moves_clock: bool = False,
    ) -> Doctor:
        """`moves_clock`: a command that takes `now` (rule 18), not a change of details."""

        def work(unit: Unit) -> Doctor:
            d = schema.doctors
            unit.lock_doctor(doctor_id)
            if values:
                unit.conn.execute(update(d).where(d.c.id == doctor_id).values(**values))
                unit.slot_event(EventKind.DOCTOR_UPDATED, None, doctor_id=doctor_id,
                                changed=sorted(values))
            return doctor_from_row(unit.conn.execute(select(d).where(d.c.id == doctor_id)).one())

        return self._command(work, now, moves_clock=moves_clock)

    # -- booking --------------------------------------------------------------

    def book(
        self,
        slot_id: int,
        patient_name: str,
        source: str | Source,
        patient_ref: str | None = None,
        now: datetime | None = None,
        *,
        age: int | None = None,
        sex: str | None = None,
        in_hall: bool = False,
    ) -> Token:
        """Rules 1 to 3. `in_hall`: the patient stands at the desk or the kiosk, so a
        seated token of today is checked in (rules 7, 22) in the same transaction."""
        req = inputs.validate(
            inputs.NewBooking,
            slot_id=slot_id,
            patient_name=patient_name,
            source=source,
            patient_ref=patient_ref,
            age=age,
            sex=sex,
            in_hall=in_hall,
        )

        def work(unit: Unit) -> Token:
            slot = unit.lock_booking(req.slot_id, req.patient_ref)
            return self._seat_new(unit, slot, req, req.source)

        return self._command(work, now)

    def book_earliest(
        self,
        doctor_id: int,
        patient_name: str,
        source: str | Source = Source.WALKIN,
        patient_ref: str | None = None,
        now: datetime | None = None,
        *,
        age: int | None = None,
        sex: str | None = None,
        in_hall: bool = False,
    ) -> Token:
        """The kiosk's booking: the doctor's earliest free seat today, else a place
        on the current (or next) slot's waitlist. `in_hall` as for `book`."""
        req = inputs.validate(
            inputs.NewWalkIn, doctor_id=doctor_id, patient_name=patient_name,
            source=source, patient_ref=patient_ref, age=age, sex=sex, in_hall=in_hall,
        )
        if req.source is Source.EMERGENCY:
            return self.emergency(req.doctor_id, req.patient_name, None, req.patient_ref, now,
                                  age=req.age, sex=req.sex, in_hall=req.in_hall)

        def work(unit: Unit) -> Token:
            doctor = unit.lock_doctor(req.doctor_id)
            unit.require_active(req.doctor_id)
            day = unit.now.date()
            unit.lock_days([(req.doctor_id, day)])
            open_slots = [s for s in unit.day_slots(req.doctor_id, day) if s.bookable(unit.now)]
            unit.count_seats(open_slots)
            if not open_slots:
                raise NoSeat(f"{doctor.name} has no open slot left today.")
            slot = next((s for s in open_slots if unit.has_free_seat(s)), open_slots[0])
            return self._seat_new(unit, slot, req, req.source)

        return self._command(work, now)

    def emergency(
        self,
        doctor_id: int,
        patient_name: str,
        slot_id: int | None = None,
        patient_ref: str | None = None,
        now: datetime | None = None,
        *,
        age: int | None = None,
        sex: str | None = None,
        in_hall: bool = False,
    ) -> Token:
        """Rule 2. `in_hall` as for `book`."""
        req = inputs.validate(
            inputs.NewEmergency,
            doctor_id=doctor_id,
            patient_name=patient_name,
            slot_id=slot_id,
            patient_ref=patient_ref,
            age=age,
            sex=sex,
            in_hall=in_hall,
        )

        def work(unit: Unit) -> Token:
            if req.slot_id is not None:
                slot = unit.lock_booking(req.slot_id, req.patient_ref)
                if slot.doctor_id != req.doctor_id:
                    raise InvalidInput(
                        f"Slot {slot.id} belongs to another doctor.", field="slot_id"
                    )
            else:
                slot = self._emergency_slot(unit, req.doctor_id)
            return self._seat_new(unit, slot, req, Source.EMERGENCY)

        return self._command(work, now)

    def patient(self, ref: str) -> Patient | None:
        """Rule 23: the latest record for a phone or hospital number however it is
        typed, so a returning patient's name fills in from the ref alone."""
        req = inputs.validate(inputs.PatientLookup, ref=ref)
        P = schema.patients

        def query(conn: Connection) -> Patient | None:
            row = conn.execute(select(P).where(P.c.ref == req.ref)).one_or_none()
            if row is None:
                return None
            return Patient(ref=row.ref, name=row.name, age=row.age, sex=row.sex)

        return self._read(query)

    def _emergency_slot(self, unit: Unit, doctor_id: int) -> SlotState:
        """Rule 2: the doctor's current bookable slot, else the next one today."""
        doctor = unit.lock_doctor(doctor_id)
        unit.require_active(doctor_id)
        unit.lock_days([(doctor_id, unit.now.date())])
        slot = seating.emergency_slot(unit.day_slots(doctor_id, unit.now.date()), unit.now)
        if slot is None:
            raise NoSeat(f"{doctor.name} has no open slot left today; choose another doctor.")
        return slot

    def _seat_new(
        self, unit: Unit, slot: SlotState, req: inputs.NewPatientToken, source: Source
    ) -> Token:
        seating.require_bookable(unit, slot)
        seating.require_no_live_token(unit, req.patient_ref, slot)
        placement = seating.decide(unit, slot, source)
        seating.make_room(unit, slot, placement)
        token = unit.new_token(
            slot=slot,
            patient_name=req.patient_name,
            patient_ref=req.patient_ref,
            source=source,
            status=placement.status,
            overbooked=placement.overbooked,
            kind=EventKind.BOOKED if placement.seated else EventKind.WAITLISTED,
        )
        seating.note_overbooking(unit, slot, placement)
        if req.patient_ref is not None:
            unit.record_patient(req.patient_ref, req.patient_name, req.age,
                                req.sex.value if req.sex is not None else None)
        # Rule 22: standing in the hall checks in only a booking for today.
        if req.in_hall and token.status is TokenStatus.BOOKED and slot.day == unit.now.date():
            token = unit.change(token, EventKind.CHECKED_IN, status=TokenStatus.CHECKED_IN)
        return token.view()

    # -- a token's life -------------------------------------------------------

    def _transition(
        self,
        token_id: int,
        allowed: set[TokenStatus],
        to: TokenStatus,
        kind: EventKind,
        action: str,
        now: datetime | None,
        check: Callable[[Unit, TokenState, SlotState], None] | None = None,
    ) -> Token:
        ref = inputs.validate(inputs.TokenRef, token_id=token_id)

        def work(unit: Unit) -> Token:
            token, slot = unit.token_in_slot(ref.token_id)
            if token.status not in allowed:
                raise InvalidTransition(
                    f"{token.number} is {token.status.value.replace('_', ' ').lower()}; "
                    f"it cannot be {action}."
                )
            if check is not None:
                check(unit, token, slot)
            freed = token.status.holds_seat and not to.holds_seat
            unit.change(token, kind, status=to)
            if freed:
                seating.promote(unit, slot)
            return token.view()

        return self._command(work, now)

    def cancel(self, token_id: int, now: datetime | None = None) -> Token:
        return self._transition(
            token_id,
            {TokenStatus.BOOKED, TokenStatus.CHECKED_IN, TokenStatus.WAITLISTED},
            TokenStatus.CANCELLED,
            EventKind.CANCELLED,
            "cancelled",
            now,
        )

    def no_show(self, token_id: int, now: datetime | None = None) -> Token:
        def started(unit: Unit, token: TokenState, slot: SlotState) -> None:
            if unit.now < slot.start:
                raise InvalidTransition(
                    f"{token.number}'s slot starts at {slot.start:%H:%M}; "
                    "a no-show can be marked only once it has started."
                )

        return self._transition(
            token_id, {TokenStatus.BOOKED}, TokenStatus.NO_SHOW, EventKind.NO_SHOW,
            "marked as a no-show", now, started,
        )

    def check_in(self, token_id: int, now: datetime | None = None) -> Token:
        return self._transition(
            token_id, {TokenStatus.BOOKED}, TokenStatus.CHECKED_IN, EventKind.CHECKED_IN,
            "checked in", now,
        )

    def complete(self, token_id: int, now: datetime | None = None) -> Token:
        return self._transition(
            token_id, {TokenStatus.IN_CONSULTATION}, TokenStatus.COMPLETED,
            EventKind.COMPLETED, "completed", now,
        )

    def call_next(self, doctor_id: int, now: datetime | None = None) -> Token | None:
        ref = inputs.validate(inputs.DoctorRef, doctor_id=doctor_id)

        def work(unit: Unit) -> Token | None:
            in_room, waiting = self._call_queue(unit, ref.doctor_id)
            for current in in_room:
                unit.change(current, EventKind.COMPLETED, status=TokenStatus.COMPLETED)
            if not waiting:
                return None
            called = unit.change(waiting[0], EventKind.CALLED, status=TokenStatus.IN_CONSULTATION)
            return called.view()

        return self._command(work, now)

    @staticmethod
    def _call_queue(unit: Unit, doctor_id: int) -> tuple[list[TokenState], list[TokenState]]:
        """Rule 8's two reads: the doctor's patients in the room, and the next to call.

        Under SQLite's write lock one statement reads both (a second doctor in the
        room is not expected: then the two reads run as they do elsewhere), and the
        doctor is looked up only when there is nobody at all.
        """
        params = {"doctor_id": doctor_id, "now": unit.now, "day": unit.now.date()}
        if unit.write_locked:
            found = unit.select_tokens(_CALL_QUEUE, **params)
            in_room = [t for t in found if t.status is TokenStatus.IN_CONSULTATION]
            if len(in_room) < 2:
                if not found:
                    unit.lock_doctor(doctor_id)  # NotFound for a doctor who is not there
                return in_room, [t for t in found if t.status is TokenStatus.CHECKED_IN]
        else:
            unit.lock_doctor(doctor_id)
            unit.lock_days([(doctor_id, unit.now.date())])
        in_room = unit.select_tokens(_IN_CONSULTATION, doctor_id=doctor_id)
        return in_room, unit.select_tokens(_NEXT_TO_CALL, **params)

    def move(self, token_id: int, slot_id: int, now: datetime | None = None) -> Token:
        req = inputs.validate(inputs.Move, token_id=token_id, slot_id=slot_id)

        def work(unit: Unit) -> Token:
            token = unit.token(req.token_id)
            target_key = unit.conn.execute(
                select(S.c.doctor_id, S.c.day).where(S.c.id == req.slot_id)
            ).one_or_none()
            if target_key is None:
                raise NotFound(f"There is no slot {req.slot_id}.")
            source_slot_key = unit.conn.execute(
                select(S.c.doctor_id, S.c.day).where(S.c.id == token.slot_id)
            ).one()
            unit.lock_days([tuple(target_key), tuple(source_slot_key)])
            origin = unit.slots[token.slot_id]
            target = unit.slots[req.slot_id]
            if token.status not in (TokenStatus.BOOKED, TokenStatus.WAITLISTED):
                raise InvalidTransition(
                    f"{token.number} is {token.status.value.replace('_', ' ').lower()}; "
                    "only booked or waitlisted tokens can be moved."
                )
            if target.id == origin.id:
                raise InvalidInput(f"{token.number} is already in that slot.", field="slot_id")
            if target.day != origin.day:
                # Token numbers count per doctor per day: a number carried into
                # another day could meet its twin there.
                raise InvalidInput(
                    f"{token.number} is for {origin.day:%d %b}; a move stays within that day. "
                    f"Cancel it and book {target.day:%d %b} instead.",
                    field="slot_id",
                )
            seating.require_bookable(unit, target)
            seating.require_no_live_token(unit, token.patient_ref, target, other_than=token.id)
            placement = seating.decide(unit, target, token.source)
            if not placement.seated:
                raise NoSeat(
                    f"Slot {target.label()} is full with patients of the same or higher "
                    f"priority; {token.number} was not moved."
                )
            freed = token.status.holds_seat
            seating.make_room(unit, target, placement)
            unit.change(token, EventKind.MOVED, status=TokenStatus.BOOKED, slot=target,
                        overbooked=placement.overbooked)
            seating.note_overbooking(unit, target, placement)
            if freed:
                seating.promote(unit, origin)
            return token.view()

        return self._command(work, now)

    # -- slots and doctors over the day ---------------------------------------

    def set_capacity(self, slot_id: int, capacity: int, now: datetime | None = None) -> Slot:
        req = inputs.validate(inputs.CapacityChange, slot_id=slot_id, capacity=capacity)

        def work(unit: Unit) -> Slot:
            slot = unit.lock_slot_day(req.slot_id)
            unit.require_active(slot.doctor_id)
            occupancy = unit.occupancy(slot.id)
            # Only a cut is refused: raising an overbooked slot that stays overbooked
            # is allowed, and promotes nobody until a seat is free.
            floor = min(slot.capacity, occupancy)
            if req.capacity < floor:
                raise CapacityBelowOccupancy(
                    f"{occupancy} patients already hold seats in {slot.label()}; "
                    f"capacity cannot go below {floor}."
                )
            if req.capacity != slot.capacity:
                previous = slot.capacity
                unit.update_slot(slot, capacity=req.capacity)
                unit.slot_event(EventKind.CAPACITY_CHANGED, slot, capacity=req.capacity,
                                previous=previous)
                seating.promote(unit, slot)
            return slot.view()

        return self._command(work, now)

    def close_slot(self, slot_id: int, now: datetime | None = None) -> Slot:
        ref = inputs.validate(inputs.SlotRef, slot_id=slot_id)

        def work(unit: Unit) -> Slot:
            slot = unit.lock_slot_day(ref.slot_id)
            unit.require_active(slot.doctor_id)
            if slot.closed:
                raise CloseRefused(f"Slot {slot.label()} is already closed.")
            if not slot.bookable(unit.now):
                raise CloseRefused(f"Slot {slot.label()} has already ended.")
            in_room = unit.in_slot(slot.id, [TokenStatus.IN_CONSULTATION], limit=1)
            if in_room:
                raise CloseRefused(
                    f"{in_room[0].number} is with the doctor; complete that consultation first."
                )
            live = unit.in_slot(slot.id, MOVABLE)
            later = unit.later_bookable(slot)
            if live and not later:
                raise CloseRefused(
                    f"Slot {slot.label()} holds {len(live)} patient(s) and the doctor has no "
                    "later open slot that day to move them to; add a slot first."
                )
            unit.update_slot(slot, closed=True)
            unit.slot_event(EventKind.SLOT_CLOSED, slot, moved=len(live))
            if live:
                seating.replace_from_closed(unit, live, later)
            return slot.view()

        return self._command(work, now)

    def delay_doctor(self, doctor_id: int, minutes: int, now: datetime | None = None) -> list[Slot]:
        req = inputs.validate(inputs.Delay, doctor_id=doctor_id, minutes=minutes)

        def work(unit: Unit) -> list[Slot]:
            doctor = unit.lock_doctor(req.doctor_id)
            unit.require_active(req.doctor_id)
            day = unit.now.date()
            unit.lock_days([(req.doctor_id, day)])
            shift = timedelta(minutes=req.minutes)
            pending = [s for s in unit.day_slots(req.doctor_id, day) if s.start > unit.now]
            midnight = datetime.combine(day + timedelta(days=1), datetime.min.time())
            for slot in pending:
                if slot.end + shift > midnight:
                    raise DelayRefused(
                        f"A {req.minutes}-minute delay would push {doctor.name}'s "
                        f"{slot.label()} slot past midnight."
                    )
            for slot in pending:
                unit.update_slot(slot, start=slot.start + shift, end=slot.end + shift)
                unit.slot_event(EventKind.DOCTOR_DELAYED, slot, doctor_id=req.doctor_id,
                                minutes=req.minutes, start=slot.start.isoformat(),
                                end=slot.end.isoformat())
            if pending:
                dd = schema.doctor_days
                unit.conn.execute(
                    update(dd)
                    .where(dd.c.doctor_id == req.doctor_id, dd.c.day == day)
                    .values(delay_minutes=dd.c.delay_minutes + req.minutes)
                )
            return [s.view() for s in sorted(pending, key=lambda s: s.start)]

        return self._command(work, now)

    def advance(self, now: datetime | None = None) -> list[Event]:
        """Rules 17 and 14: finalise every earlier day still holding live tokens, then
        roll over the waitlists of today's ended slots. Idempotent."""

        def work(unit: Unit) -> None:
            day_end.finalise(unit, day_end.unfinished_days(unit, unit.now.date()))
            day_end.roll_over_ended(unit)

        return self._run(work, now, return_events=True)[1]

    def finish_day(self, day: date, now: datetime | None = None) -> list[Event]:
        """Rule 17 for one day on demand: refused while any of its slots is still to
        end (its patients may yet be seen), allowed for any day that is over."""
        req = inputs.validate(inputs.DayInput, day=day)

        def work(unit: Unit) -> None:
            if req.day >= unit.now.date():
                open_slots = unit.conn.execute(
                    select(S.c.start, S.c.end).where(
                        S.c.day == req.day, S.c.end > unit.now, S.c.closed.is_(False)
                    ).order_by(S.c.end.desc()).limit(1)
                ).first()
                if open_slots is not None:
                    raise InvalidTransition(
                        f"{req.day:%d %b} is not over: a slot runs until "
                        f"{open_slots.end:%H:%M}. Finish the day after its last slot."
                    )
            keys = unit.conn.execute(
                select(S.c.doctor_id, S.c.day).where(S.c.day == req.day).distinct()
            ).all()
            day_end.finalise(unit, [(d, k) for d, k in keys])

        return self._run(work, now, return_events=True)[1]
