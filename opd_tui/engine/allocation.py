"""`AllocationEngine`: the public API of SPEC §5, one transaction per command.

Each command validates its input, then runs in a `Unit`: lock the doctor-days
it touches, apply the rules, write the events, move the clock, commit. A
transient database failure (a busy SQLite file, a PostgreSQL deadlock or
serialization failure, a row changed under the unit) rolls back and runs the
command again; a refusal (`OPDError`) rolls back and is raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from ..db import schema
from ..db.connect import connect
from ..db.migrate import upgrade
from ..domain import inputs
from ..domain.enums import MOVABLE, EventKind, Source, TokenStatus
from ..domain.errors import (
    CapacityBelowOccupancy,
    CloseRefused,
    DelayRefused,
    DuplicateBooking,
    DuplicateDoctorCode,
    InvalidInput,
    InvalidTransition,
    NoSeat,
    NotFound,
    SlotNotBookable,
    SlotOverlap,
)
from ..domain.models import Doctor, Event, Slot, Token
from . import seating
from .reading import Reader
from .retry import retrying
from .unit import TOKEN_COLUMNS, SlotState, TokenState, Unit, doctor_from_row

R = TypeVar("R")
#: Per thread: the list `consequences()` collects into, while one is open.
_recording = threading.local()
T = schema.tokens
S = schema.slots

_IN_CONSULTATION = select(*TOKEN_COLUMNS).where(
    T.c.doctor_id == bindparam("doctor_id"),
    T.c.status == TokenStatus.IN_CONSULTATION.value,
)
#: Rule 8's calling order: emergencies first, then slot start, priority, arrival.
_NEXT_TO_CALL = (
    select(*TOKEN_COLUMNS)
    .select_from(T.join(S, S.c.id == T.c.slot_id))
    .where(
        T.c.doctor_id == bindparam("doctor_id"),
        T.c.status == TokenStatus.CHECKED_IN.value,
        S.c.start <= bindparam("now"),
    )
    .order_by((T.c.source != Source.EMERGENCY.value), S.c.start, T.c.priority, T.c.id)
    .limit(1)
)
class AllocationEngine(Reader):
    """The one allocation engine: every rule, every write, every backend."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # A StaticPool shares one connection: threads must take turns with it.
        lock = threading.RLock() if isinstance(engine.pool, StaticPool) else None
        self._serial: Callable[[], AbstractContextManager[Any]] = (
            (lambda: lock) if lock is not None else nullcontext  # type: ignore[assignment,return-value]
        )
        self._codes: dict[int, str] = {}
        super().__init__(engine, self._serial)

    @classmethod
    def open(cls, url: str | None = None) -> AllocationEngine:
        """Open (creating or upgrading) the database at `url`; default: the embedded file."""
        engine = connect(url)
        retrying(lambda: upgrade(engine))
        return cls(engine)

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> AllocationEngine:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the transaction around every command ---------------------------------

    def _doctor_code(self, conn: Connection, doctor_id: int) -> str:
        code = self._codes.get(doctor_id)
        if code is None:
            code = conn.execute(
                select(schema.doctors.c.code).where(schema.doctors.c.id == doctor_id)
            ).scalar_one()
            self._codes[doctor_id] = code
        return code

    def _run(
        self,
        work: Callable[[Unit], R],
        now: datetime | None = None,
        *,
        moves_clock: bool = True,
        return_events: bool = False,
    ) -> tuple[R, list[Event]]:
        """Run `work` in one transaction, again after a transient failure."""
        requested = inputs.validate(inputs.Clock, now=now).now
        recorder: list[Event] | None = getattr(_recording, "events", None)

        def attempt() -> tuple[R, list[Event]]:
            with self._serial(), self._engine.begin() as conn:
                unit = Unit.begin(conn, requested, self._doctor_code, moves_clock=moves_clock)
                result = work(unit)
                return result, unit.finish(return_events=return_events or recorder is not None)

        result, events = retrying(attempt)
        if recorder is not None:
            recorder.extend(events)
        return result, events

    @contextmanager
    def consequences(self) -> Iterator[list[Event]]:
        """The events of every command this thread runs inside the block, as each
        command's own transaction wrote them: what a desk says it did (bumps,
        promotions, moves) is never another desk's change made at the same moment.

            with engine.consequences() as done:
                token = engine.book(...)
            bumped = [e for e in done if e.kind == "BUMPED"]
        """
        outer = getattr(_recording, "events", None)
        collected: list[Event] = []
        _recording.events = collected
        try:
            yield collected
        finally:
            _recording.events = outer
            if outer is not None:
                outer.extend(collected)

    def _command(
        self, work: Callable[[Unit], R], now: datetime | None = None, *, moves_clock: bool = True
    ) -> R:
        return self._run(work, now, moves_clock=moves_clock)[0]

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
        """A deactivated doctor leaves the desk and the kiosk; history stays. Refused
        while patients still hold or wait for their tokens from today on: they would be
        out of every screen's reach."""
        ref = inputs.validate(inputs.DoctorRef, doctor_id=doctor_id)

        def nobody_waiting(unit: Unit) -> None:
            live = unit.live_tokens_of_doctor(ref.doctor_id, unit.now.date())
            if live:
                shown = ", ".join(t.number for t in live[:5]) + (" ..." if len(live) > 5 else "")
                raise InvalidTransition(
                    f"{len(live)} patient(s) still hold or wait for this doctor's tokens "
                    f"({shown}); move or cancel them before deactivating."
                )

        return self._update_doctor(ref.doctor_id, {"active": bool(active)}, now,
                                   check=None if active else nobody_waiting)

    def _update_doctor(
        self,
        doctor_id: int,
        values: dict[str, Any],
        now: datetime | None = None,
        check: Callable[[Unit], None] | None = None,
    ) -> Doctor:
        def work(unit: Unit) -> Doctor:
            d = schema.doctors
            unit.lock_doctor(doctor_id)
            if check is not None:
                check(unit)
            if values:
                unit.conn.execute(update(d).where(d.c.id == doctor_id).values(**values))
                unit.slot_event(EventKind.DOCTOR_UPDATED, None, doctor_id=doctor_id,
                                changed=sorted(values))
            return doctor_from_row(unit.conn.execute(select(d).where(d.c.id == doctor_id)).one())

        return self._command(work, now, moves_clock=False)

    def add_slot(
        self,
        doctor_id: int,
        start: datetime,
        end: datetime,
        capacity: int,
        now: datetime | None = None,
    ) -> Slot:
        req = inputs.validate(
            inputs.NewSlot, doctor_id=doctor_id, start=start, end=end, capacity=capacity
        )
        times = [(req.start, req.end)]
        return self._command(
            lambda unit: self._add_slots(unit, req.doctor_id, times, req.capacity)[0],
            now,
            moves_clock=False,
        )

    def generate_slots(
        self,
        doctor_id: int,
        day: date,
        start: time,
        end: time,
        slot_minutes: int,
        capacity: int,
        now: datetime | None = None,
    ) -> list[Slot]:
        """Cut a session (09:00-13:00, say) into equal slots; all or none are added.

        A last piece shorter than `slot_minutes` is dropped: 09:00-13:00 by 90
        minutes gives 09:00-10:30 and 10:30-12:00.
        """
        req = inputs.validate(
            inputs.DaySchedule, doctor_id=doctor_id, day=day, start=start, end=end,
            slot_minutes=slot_minutes, capacity=capacity,
        )
        length = timedelta(minutes=req.slot_minutes)
        first = datetime.combine(req.day, req.start)
        last = datetime.combine(req.day, req.end)
        times = []
        while first + length <= last:
            times.append((first, first + length))
            first += length
        if not times:
            raise InvalidInput(
                f"slot_minutes: {req.slot_minutes} minutes do not fit in "
                f"{req.start:%H:%M}-{req.end:%H:%M}", field="slot_minutes",
            )
        for s, e in times:  # each piece obeys the limits of a single slot
            inputs.validate(inputs.NewSlot, doctor_id=req.doctor_id, start=s, end=e,
                            capacity=req.capacity)
        return self._command(
            lambda unit: self._add_slots(unit, req.doctor_id, times, req.capacity),
            now,
            moves_clock=False,
        )

    @staticmethod
    def _add_slots(
        unit: Unit, doctor_id: int, times: list[tuple[datetime, datetime]], capacity: int
    ) -> list[Slot]:
        doctor = unit.lock_doctor(doctor_id)
        if not doctor.active:
            raise InvalidInput(f"{doctor.name} is deactivated.", field="doctor_id")
        unit.lock_days({(doctor_id, s.date()) for s, _ in times})
        added = []
        for start, end in times:
            for other in unit.day_slots(doctor_id, start.date()):
                if other.start < end and start < other.end:
                    raise SlotOverlap(
                        f"{start:%H:%M}-{end:%H:%M} overlaps {doctor.name}'s "
                        f"slot {other.label()} on {start:%d %b}."
                    )
            slot = unit.add_slot(doctor_id, start, end, capacity)
            unit.slot_event(EventKind.SLOT_ADDED, slot, doctor_id=doctor_id,
                            start=slot.start.isoformat(), end=slot.end.isoformat(),
                            capacity=slot.capacity)
            added.append(slot.view())
        return added

    # -- booking --------------------------------------------------------------

    def book(
        self,
        slot_id: int,
        patient_name: str,
        source: str | Source,
        patient_ref: str | None = None,
        now: datetime | None = None,
        *,
        in_hall: bool = False,
    ) -> Token:
        """Rules 1 to 3. `in_hall`: the patient stands at the desk or the kiosk, so a
        seated token is checked in (rule 7) in the same transaction."""
        req = inputs.validate(
            inputs.NewBooking,
            slot_id=slot_id,
            patient_name=patient_name,
            source=source,
            patient_ref=patient_ref,
        )

        def work(unit: Unit) -> Token:
            slot = unit.lock_slot_day(req.slot_id)
            return self._seat_new(unit, slot, req.patient_name, req.source, req.patient_ref,
                                  in_hall)

        return self._command(work, now)

    def book_earliest(
        self,
        doctor_id: int,
        patient_name: str,
        source: str | Source = Source.WALKIN,
        patient_ref: str | None = None,
        now: datetime | None = None,
        *,
        in_hall: bool = False,
    ) -> Token:
        """The kiosk's booking: the doctor's earliest free seat today, else a place
        on the current (or next) slot's waitlist. `in_hall` as for `book`."""
        req = inputs.validate(
            inputs.NewWalkIn, doctor_id=doctor_id, patient_name=patient_name,
            source=source, patient_ref=patient_ref,
        )
        if req.source is Source.EMERGENCY:
            return self.emergency(req.doctor_id, req.patient_name, None, req.patient_ref, now,
                                  in_hall=in_hall)

        def work(unit: Unit) -> Token:
            doctor = unit.lock_doctor(req.doctor_id)
            if not doctor.active:
                raise InvalidInput(f"{doctor.name} is not seeing patients.", field="doctor_id")
            day = unit.now.date()
            unit.lock_days([(req.doctor_id, day)])
            open_slots = [s for s in unit.day_slots(req.doctor_id, day) if s.bookable(unit.now)]
            unit.count_seats(open_slots)
            if not open_slots:
                raise NoSeat(f"{doctor.name} has no open slot left today.")
            slot = next((s for s in open_slots if unit.has_free_seat(s)), open_slots[0])
            return self._seat_new(unit, slot, req.patient_name, req.source, req.patient_ref,
                                  in_hall)

        return self._command(work, now)

    def emergency(
        self,
        doctor_id: int,
        patient_name: str,
        slot_id: int | None = None,
        patient_ref: str | None = None,
        now: datetime | None = None,
        *,
        in_hall: bool = False,
    ) -> Token:
        """Rule 2. `in_hall` as for `book`."""
        req = inputs.validate(
            inputs.NewEmergency,
            doctor_id=doctor_id,
            patient_name=patient_name,
            slot_id=slot_id,
            patient_ref=patient_ref,
        )

        def work(unit: Unit) -> Token:
            if req.slot_id is not None:
                slot = unit.lock_slot_day(req.slot_id)
                if slot.doctor_id != req.doctor_id:
                    raise InvalidInput(
                        f"Slot {slot.id} belongs to another doctor.", field="slot_id"
                    )
            else:
                slot = self._emergency_slot(unit, req.doctor_id)
            return self._seat_new(unit, slot, req.patient_name, Source.EMERGENCY, req.patient_ref,
                                  in_hall)

        return self._command(work, now)

    def _emergency_slot(self, unit: Unit, doctor_id: int) -> SlotState:
        """Rule 2: the doctor's current bookable slot, else the next one today."""
        doctor = unit.lock_doctor(doctor_id)
        unit.lock_days([(doctor_id, unit.now.date())])
        slot = seating.emergency_slot(unit.day_slots(doctor_id, unit.now.date()), unit.now)
        if slot is None:
            raise NoSeat(f"{doctor.name} has no open slot left today; choose another doctor.")
        return slot

    def _seat_new(
        self,
        unit: Unit,
        slot: SlotState,
        patient_name: str,
        source: Source,
        patient_ref: str | None,
        in_hall: bool = False,
    ) -> Token:
        self._require_bookable(unit, slot)
        self._require_no_live_token(unit, patient_ref, slot)
        placement = seating.decide(unit, slot, source)
        seating.make_room(unit, slot, placement)
        token = unit.new_token(
            slot=slot,
            patient_name=patient_name,
            patient_ref=patient_ref,
            source=source,
            status=placement.status,
            overbooked=placement.overbooked,
            kind=EventKind.BOOKED if placement.seated else EventKind.WAITLISTED,
        )
        seating.note_overbooking(unit, slot, placement)
        if in_hall and token.status is TokenStatus.BOOKED:
            token = unit.change(token, EventKind.CHECKED_IN, status=TokenStatus.CHECKED_IN)
        return token.view()

    @staticmethod
    def _require_bookable(unit: Unit, slot: SlotState) -> None:
        if slot.closed:
            raise SlotNotBookable(f"Slot {slot.label()} is closed; choose another slot.")
        if not slot.bookable(unit.now):
            raise SlotNotBookable(f"Slot {slot.label()} has ended; choose a later slot.")

    @staticmethod
    def _require_no_live_token(
        unit: Unit, patient_ref: str | None, slot: SlotState, other_than: int | None = None
    ) -> None:
        if patient_ref is None:
            return
        held = unit.live_token_of(patient_ref, slot.doctor_id, slot.day, other_than)
        if held is not None:
            raise DuplicateBooking(
                f"Patient {patient_ref} already holds {held.number} ({held.status}) with this "
                "doctor that day; move or cancel it instead."
            )

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
            token = unit.token(ref.token_id)
            slot = unit.lock_slot_day(token.slot_id)
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
            unit.lock_doctor(ref.doctor_id)
            unit.lock_days([(ref.doctor_id, unit.now.date())])
            for current in unit.select_tokens(_IN_CONSULTATION, doctor_id=ref.doctor_id):
                unit.change(current, EventKind.COMPLETED, status=TokenStatus.COMPLETED)
            waiting = unit.select_tokens(_NEXT_TO_CALL, doctor_id=ref.doctor_id, now=unit.now)
            if not waiting:
                return None
            called = unit.change(waiting[0], EventKind.CALLED, status=TokenStatus.IN_CONSULTATION)
            return called.view()

        return self._command(work, now)

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
            self._require_bookable(unit, target)
            self._require_no_live_token(unit, token.patient_ref, target, other_than=token.id)
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
        def work(unit: Unit) -> None:
            days = unit.conn.execute(
                select(S.c.doctor_id, S.c.day)
                .select_from(T.join(S, S.c.id == T.c.slot_id))
                .where(T.c.status == TokenStatus.WAITLISTED.value, S.c.end <= unit.now)
                .distinct()
            ).all()
            unit.lock_days(tuple(k) for k in days)
            for doctor_id, day in sorted(tuple(k) for k in days):
                day_slots = unit.day_slots(doctor_id, day)
                ended = [s.id for s in day_slots if s.end <= unit.now]
                waiting = unit.in_slot(ended, [TokenStatus.WAITLISTED])
                target = next((s for s in day_slots if s.bookable(unit.now)), None)
                seating.roll_over(unit, waiting, target)

        return self._run(work, now, return_events=True)[1]
