"""Read-only queries: what the screens, the kiosk and the simulation look at.

Reads run in a deferred transaction beside writers (SQLite WAL) and never move
the clock; a read's `now` follows the same rule as a command's (never earlier
than the latest command).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, and_, case, func, or_, select, tuple_

from ..db import schema
from ..db.connect import READ_ONLY
from ..domain import inputs
from ..domain.enums import LIVE, SEAT_HOLDING, Source, TokenStatus
from ..domain.errors import NotFound
from ..domain.inputs import patient_key
from ..domain.models import (
    ClockReading,
    DaySummary,
    Doctor,
    DoctorDay,
    DoctorQueue,
    Event,
    NowServing,
    Slot,
    SlotSummary,
    SlotView,
    Token,
)
from ..domain.numbers import typed_number
from .retry import retrying
from .seating import emergency_slot
from .unit import (
    CLOCK_DRIFT,
    SLOT_COLUMNS,
    TOKEN_COLUMNS,
    SlotState,
    TokenState,
    command_now,
    doctor_from_row,
    read_clock,
    reference_now,
    slot_from_row,
    slot_status,
)

R = TypeVar("R")
T = schema.tokens
S = schema.slots
D = schema.doctors
E = schema.events

_SEAT_HOLDING = [s.value for s in SEAT_HOLDING]
#: Consultation order: emergencies first, then priority, then arrival.
CONSULTATION_ORDER = ((T.c.source != Source.EMERGENCY.value), T.c.priority, T.c.id)
#: Promotion order of a waitlist.
WAITLIST_ORDER = (T.c.priority, T.c.id)


def escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _event(row: Any) -> Event:
    return Event(
        id=row.id,
        at=row.at,
        kind=row.kind,
        token_id=row.token_id,
        slot_id=row.slot_id,
        detail=row.detail,
    )


def _seeing_patients(day: date) -> Any:
    """Doctors a screen shows for `day`: the active ones, and an inactive one whose
    patients still hold live tokens that day, so no patient drops out of sight."""
    live_there = (
        select(T.c.doctor_id)
        .select_from(T.join(S, S.c.id == T.c.slot_id))
        .where(S.c.day == day, T.c.status.in_([s.value for s in LIVE]))
    )
    return or_(D.c.active.is_(True), D.c.id.in_(live_there))


class Reader:
    def __init__(self, engine: Engine, serial: Callable[[], AbstractContextManager[Any]]) -> None:
        self._engine = engine
        self._serial = serial

    def _read(self, query: Callable[[Connection], R]) -> R:
        """Run `query` in a read-only transaction, again if the database was busy; a
        fault of the database is raised as its `DatabaseError` (engine/retry.py)."""

        def attempt() -> R:
            with self._serial(), self._engine.connect().execution_options(
                **{READ_ONLY: True}
            ) as conn, conn.begin():
                return query(conn)

        return retrying(attempt)

    @staticmethod
    def _now(conn: Connection, now: datetime | None) -> datetime:
        return command_now(conn, inputs.validate(inputs.Clock, now=now).now, takes_now=False)

    def clock(self, now: datetime | None = None) -> datetime:
        """The time the next command without `now` would be evaluated at."""
        return self._read(lambda conn: self._now(conn, now))

    def clock_reading(self) -> ClockReading:
        """The hospital's clock beside the stored one (rule 18), for `opd-tui clock`."""

        def query(conn: Connection) -> ClockReading:
            reference, stored = reference_now(conn), read_clock(conn)
            ahead = stored is not None and stored - reference > CLOCK_DRIFT
            return ClockReading(reference=reference, stored=stored, ahead=ahead)

        return self._read(query)

    # -- single things --------------------------------------------------------

    def token(self, token_id: int) -> Token:
        ref = inputs.validate(inputs.TokenRef, token_id=token_id)

        def query(conn: Connection) -> Token:
            row = conn.execute(select(*TOKEN_COLUMNS).where(T.c.id == ref.token_id)).one_or_none()
            if row is None:
                raise NotFound(f"There is no token {ref.token_id}.")
            return TokenState.from_row(row).view()

        return self._read(query)

    def doctor(self, doctor_id: int) -> Doctor:
        ref = inputs.validate(inputs.DoctorRef, doctor_id=doctor_id)

        def query(conn: Connection) -> Doctor:
            row = conn.execute(select(D).where(D.c.id == ref.doctor_id)).one_or_none()
            if row is None:
                raise NotFound(f"There is no doctor {ref.doctor_id}.")
            return doctor_from_row(row)

        return self._read(query)

    def doctors(self, active_only: bool = False) -> list[Doctor]:
        req = inputs.validate(inputs.DoctorsQuery, active_only=active_only)

        def query(conn: Connection) -> list[Doctor]:
            stmt = select(D).order_by(D.c.department, D.c.name, D.c.id)
            if req.active_only:
                stmt = stmt.where(D.c.active.is_(True))
            return [doctor_from_row(r) for r in conn.execute(stmt)]

        return self._read(query)

    def slot(self, slot_id: int) -> Slot:
        return self._read(lambda conn: self._slot_state(conn, slot_id).view())

    @staticmethod
    def _slot_state(conn: Connection, slot_id: int) -> SlotState:
        ref = inputs.validate(inputs.SlotRef, slot_id=slot_id)
        row = conn.execute(select(*SLOT_COLUMNS).where(S.c.id == ref.slot_id)).one_or_none()
        if row is None:
            raise NotFound(f"There is no slot {ref.slot_id}.")
        return slot_from_row(row)

    def slot_view(self, slot_id: int, now: datetime | None = None) -> SlotView:
        def query(conn: Connection) -> SlotView:
            at = self._now(conn, now)
            slot = self._slot_state(conn, slot_id)
            seated = self._tokens(conn, slot.id, SEAT_HOLDING, CONSULTATION_ORDER)
            waitlist = self._tokens(conn, slot.id, [TokenStatus.WAITLISTED], WAITLIST_ORDER)
            return SlotView(
                **slot.view().model_dump(),
                occupancy=len(seated),
                status=slot.status(at, len(seated)),
                seated=seated,
                waitlist=waitlist,
            )

        return self._read(query)

    @staticmethod
    def _tokens(conn: Connection, slot_id: int, statuses: Any, order: Any) -> list[Token]:
        rows = conn.execute(
            select(*TOKEN_COLUMNS)
            .where(T.c.slot_id == slot_id, T.c.status.in_([s.value for s in statuses]))
            .order_by(*order)
        )
        return [TokenState.from_row(r).view() for r in rows]

    def eta(self, token_id: int, now: datetime | None = None) -> datetime | None:
        """Rule 16: when the patient can expect to be seen."""
        ref = inputs.validate(inputs.TokenRef, token_id=token_id)

        def query(conn: Connection) -> datetime | None:
            at = self._now(conn, now)
            row = conn.execute(
                select(*TOKEN_COLUMNS, S.c.start, D.c.consult_minutes)
                .select_from(T.join(S, S.c.id == T.c.slot_id).join(D, D.c.id == S.c.doctor_id))
                .where(T.c.id == ref.token_id)
            ).one_or_none()
            if row is None:
                raise NotFound(f"There is no token {ref.token_id}.")
            token = TokenState.from_row(row)
            waiting = (TokenStatus.BOOKED, TokenStatus.CHECKED_IN)
            if token.status not in (*waiting, TokenStatus.IN_CONSULTATION):
                return None
            emergency_key = 0 if token.is_emergency else 1
            ahead = conn.execute(
                select(func.count())
                .select_from(T)
                .where(
                    T.c.slot_id == token.slot_id,
                    T.c.id != token.id,
                    or_(
                        T.c.status == TokenStatus.IN_CONSULTATION.value,
                        and_(
                            T.c.status.in_([s.value for s in waiting]),
                            tuple_(  # before the token in consultation order
                                case((T.c.source == Source.EMERGENCY.value, 0), else_=1),
                                T.c.priority,
                                T.c.id,
                            )
                            < tuple_(emergency_key, token.priority, token.id),
                        ),
                    ),
                )
            ).scalar_one()
            return max(at, row.start) + timedelta(minutes=row.consult_minutes * ahead)

        return self._read(query)

    def etas(self, slot_id: int, now: datetime | None = None) -> dict[int, datetime | None]:
        """Rule 16 for every seat holder of a slot at once (the desk's slot detail),
        in one query: token id -> when the patient can expect to be seen, None
        once the consultation is over. The same figures as `eta`, token by token."""
        ref = inputs.validate(inputs.SlotRef, slot_id=slot_id)
        requested = inputs.validate(inputs.Clock, now=now).now
        stored_clock = select(schema.clock.c.now).where(schema.clock.c.id == 1).scalar_subquery()
        statement = (
            select(
                S.c.start,
                D.c.consult_minutes,
                stored_clock.label("stored"),
                T.c.id,
                T.c.status,
                T.c.source,
                T.c.priority,
            )
            .select_from(
                S.join(D, D.c.id == S.c.doctor_id).outerjoin(
                    T, and_(T.c.slot_id == S.c.id, T.c.status.in_(_SEAT_HOLDING))
                )
            )
            .where(S.c.id == ref.slot_id)
        )

        def query(conn: Connection) -> dict[int, datetime | None]:
            rows = conn.execute(statement).all()
            if not rows:
                raise NotFound(f"There is no slot {ref.slot_id}.")
            first = rows[0]
            at = requested if requested is not None else reference_now(conn)
            if first.stored is not None and first.stored > at:
                at = first.stored  # the clock never runs backwards
            start = max(at, first.start)
            step = timedelta(minutes=first.consult_minutes)

            def order(r: Any) -> tuple[bool, int, int]:  # consultation order
                return (r.source != Source.EMERGENCY.value, r.priority, r.id)

            held = [r for r in rows if r.id is not None]
            in_room = [r for r in held if r.status == TokenStatus.IN_CONSULTATION.value]
            waiting = sorted(
                (r for r in held if r.status in (TokenStatus.BOOKED.value,
                                                 TokenStatus.CHECKED_IN.value)),
                key=order,
            )
            found: dict[int, datetime | None] = {r.id: None for r in held}
            for place, r in enumerate(waiting):
                found[r.id] = start + step * (len(in_room) + place)
            for r in in_room:
                before = sum(1 for w in waiting if order(w) < order(r))
                found[r.id] = start + step * (len(in_room) - 1 + before)
            return found

        return self._read(query)

    def events(self, after_id: int = 0, limit: int | None = None) -> list[Event]:
        req = inputs.validate(inputs.EventsQuery, after_id=after_id, limit=limit)

        def query(conn: Connection) -> list[Event]:
            stmt = select(E).where(E.c.id > req.after_id).order_by(E.c.id)
            if req.limit is not None:
                stmt = stmt.limit(req.limit)
            return [_event(r) for r in conn.execute(stmt)]

        return self._read(query)

    def last_event_id(self) -> int:
        return self._read(lambda conn: conn.execute(select(func.max(E.c.id))).scalar() or 0)

    # -- a day at a glance ----------------------------------------------------

    def day_slots(self, day: date, now: datetime | None = None) -> list[SlotSummary]:
        """Every slot of the day with its counts, by doctor and start time."""
        day = inputs.validate(inputs.DayInput, day=day).day

        def query(conn: Connection) -> list[SlotSummary]:
            slots = conn.execute(
                select(*SLOT_COLUMNS).where(S.c.day == day).order_by(S.c.doctor_id, S.c.start)
            )
            return self._summarise(slots, self._status_counts(conn, S.c.day == day),
                                   self._now(conn, now))

        return self._read(query)

    def slot_summaries(
        self, slot_ids: Iterable[int], now: datetime | None = None
    ) -> list[SlotSummary]:
        """A few slots with their counts, as `day_slots` gives them: what a desk
        re-reads after events that touched only those slots."""
        wanted = sorted(set(inputs.validate(inputs.SlotIds, slot_ids=slot_ids).slot_ids))

        def query(conn: Connection) -> list[SlotSummary]:
            if not wanted:
                return []
            slots = conn.execute(select(*SLOT_COLUMNS).where(S.c.id.in_(wanted)))
            return self._summarise(slots, self._status_counts(conn, S.c.id.in_(wanted)),
                                   self._now(conn, now))

        return self._read(query)

    @staticmethod
    def _summarise(
        rows: Iterable[Any], counts: dict[int, dict[str, int]], at: datetime
    ) -> list[SlotSummary]:
        summaries = []
        for slot in map(slot_from_row, rows):
            by_status = counts.get(slot.id, {})
            occupancy = sum(by_status.get(s.value, 0) for s in SEAT_HOLDING)
            summaries.append(
                SlotSummary(
                    **slot.view().model_dump(),
                    occupancy=occupancy,
                    waitlisted=by_status.get(TokenStatus.WAITLISTED.value, 0),
                    status=slot_status(slot.closed, slot.end, slot.capacity, occupancy, at),
                )
            )
        return summaries

    @staticmethod
    def _status_counts(conn: Connection, slots_where: Any) -> dict[int, dict[str, int]]:
        """Tokens per status of each slot the condition on `slots` picks."""
        rows = conn.execute(
            select(T.c.slot_id, T.c.status, func.count())
            .select_from(T.join(S, S.c.id == T.c.slot_id))
            .where(slots_where)
            .group_by(T.c.slot_id, T.c.status)
        )
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for slot_id, status, n in rows:
            counts[slot_id][status] = n
        return counts

    def doctor_days(
        self, day: date, doctor_ids: Iterable[int] | None = None
    ) -> list[DoctorDay]:
        """Each active doctor's day (or these doctors'), and an inactive doctor's
        while patients still hold their tokens that day (rule 19): booked of
        capacity, waitlist, delay, closed slots. Closed slots add no capacity."""
        req = inputs.validate(inputs.DoctorDaysQuery, day=day, doctor_ids=doctor_ids)
        day = req.day
        only = None if req.doctor_ids is None else sorted(set(req.doctor_ids))

        def query(conn: Connection) -> list[DoctorDay]:
            doctors_q = select(D).where(_seeing_patients(day))
            slots_where = S.c.day == day
            if only is not None:
                doctors_q = doctors_q.where(D.c.id.in_(only))
                slots_where = and_(slots_where, S.c.doctor_id.in_(only))
            doctors = [doctor_from_row(r) for r in conn.execute(
                doctors_q.order_by(D.c.department, D.c.name, D.c.id)
            )]
            slots = [slot_from_row(r) for r in conn.execute(
                select(*SLOT_COLUMNS).where(slots_where)
            )]
            counts = self._status_counts(conn, slots_where)
            dd = schema.doctor_days
            delays = dict(conn.execute(
                select(dd.c.doctor_id, dd.c.delay_minutes).where(dd.c.day == day)
            ).all())
            per: dict[int, Counter[str]] = defaultdict(Counter)
            for slot in slots:
                c = per[slot.doctor_id]
                by_status = counts.get(slot.id, {})
                c["booked"] += sum(by_status.get(s.value, 0) for s in SEAT_HOLDING)
                c["waitlisted"] += by_status.get(TokenStatus.WAITLISTED.value, 0)
                c["capacity"] += 0 if slot.closed else slot.capacity
                c["closed"] += 1 if slot.closed else 0
            return [
                DoctorDay(
                    doctor=d,
                    day=day,
                    booked=per[d.id]["booked"],
                    capacity=per[d.id]["capacity"],
                    waitlisted=per[d.id]["waitlisted"],
                    delay_minutes=delays.get(d.id, 0),
                    closed_slots=per[d.id]["closed"],
                )
                for d in doctors
            ]

        return self._read(query)

    def doctor_queues(
        self, day: date, doctor_ids: Iterable[int] | None = None
    ) -> list[DoctorQueue]:
        """Per doctor (or these doctors) with a patient in consultation or in the hall on
        `day`: the token number with the doctor now, and how many are checked in and
        wait to be called. A doctor with neither is left out."""
        req = inputs.validate(inputs.DoctorDaysQuery, day=day, doctor_ids=doctor_ids)
        only = None if req.doctor_ids is None else sorted(set(req.doctor_ids))

        def query(conn: Connection) -> list[DoctorQueue]:
            where = [S.c.day == req.day, T.c.status.in_(
                [TokenStatus.IN_CONSULTATION.value, TokenStatus.CHECKED_IN.value])]
            if only is not None:
                where.append(T.c.doctor_id.in_(only))
            rows = conn.execute(
                select(T.c.doctor_id, T.c.status, T.c.number)
                .select_from(T.join(S, S.c.id == T.c.slot_id))
                .where(*where)
                .order_by(T.c.doctor_id, T.c.id)
            )
            with_doctor: dict[int, str] = {}
            in_hall: Counter[int] = Counter()
            for doctor_id, status, number in rows:
                if status == TokenStatus.IN_CONSULTATION.value:
                    with_doctor.setdefault(doctor_id, number)
                else:
                    in_hall[doctor_id] += 1
            return [
                DoctorQueue(doctor_id=d, with_doctor=with_doctor.get(d), in_hall=in_hall[d])
                for d in sorted(set(with_doctor) | set(in_hall))
            ]

        return self._read(query)

    def emergency_slot(self, doctor_id: int, now: datetime | None = None) -> SlotSummary | None:
        """Where an emergency for this doctor would go now (rule 2), for a desk to
        show before it confirms; None when the doctor has no open slot left today."""
        ref = inputs.validate(inputs.DoctorRef, doctor_id=doctor_id)

        def query(conn: Connection) -> SlotSummary | None:
            at = self._now(conn, now)
            mine = and_(S.c.doctor_id == ref.doctor_id, S.c.day == at.date())
            slot = emergency_slot(
                (slot_from_row(r) for r in conn.execute(select(*SLOT_COLUMNS).where(mine))), at
            )
            if slot is None:
                return None
            rows = conn.execute(select(*SLOT_COLUMNS).where(S.c.id == slot.id))
            return self._summarise(rows, self._status_counts(conn, S.c.id == slot.id), at)[0]

        return self._read(query)

    def search(self, text: str, day: date | None = None, limit: int = 50) -> list[Token]:
        """Tokens by number (`RAO-014`, `rao-14`, `rao14`, or just `14`), hospital number
        or phone however it is typed (`h187943` finds `H-187943`; whole, or four or more
        of its characters: spaces do not count), or the name: every word typed is a
        part of it, in any order (`ghosh kiran` finds Kiran Ghosh)."""
        req = inputs.validate(inputs.SearchQuery, text=text, day=day, limit=limit)
        needle, day, limit = req.text, req.day, req.limit
        words = needle.lower().split()
        if not words:
            return []
        squeezed = "".join(needle.split())
        try:  # a whole phone number in any spelling finds its normal form
            ref = patient_key(squeezed)
        except ValueError:  # a name, or a part of a number
            ref = squeezed.upper()
        name = func.lower(T.c.patient_name)
        matches = [
            T.c.patient_key == ref,
            and_(*(name.like(f"%{escape_like(word)}%", escape="\\")
                   for word in words)),
        ]
        if (number := typed_number(needle)) is not None:
            matches.append(T.c.number == number)
        if needle.isdecimal() and 0 < int(needle) < 100_000:
            matches.append(T.c.number.like(f"%-{int(needle):03d}"))
        if len(ref) >= 4:
            matches.append(T.c.patient_key.like(f"%{escape_like(ref)}%", escape="\\"))

        def query(conn: Connection) -> list[Token]:
            stmt = (
                select(*TOKEN_COLUMNS)
                .select_from(T.join(S, S.c.id == T.c.slot_id))
                .where(or_(*matches))
                .order_by(S.c.day.desc(), T.c.id)
                .limit(limit)
            )
            if day is not None:
                stmt = stmt.where(S.c.day == day)
            return [TokenState.from_row(r).view() for r in conn.execute(stmt)]

        return self._read(query)

    def now_serving(self, day: date | None = None, now: datetime | None = None) -> list[NowServing]:
        """Per doctor: the number in consultation and the next three to be called."""
        if day is not None:
            day = inputs.validate(inputs.DayInput, day=day).day

        def query(conn: Connection) -> list[NowServing]:
            at = self._now(conn, now)
            on = day or at.date()
            rows = conn.execute(
                select(T.c.number, T.c.status, T.c.doctor_id)
                .select_from(T.join(S, S.c.id == T.c.slot_id))
                .where(
                    S.c.day == on,
                    T.c.status.in_(
                        [
                            TokenStatus.IN_CONSULTATION.value,
                            TokenStatus.CHECKED_IN.value,
                        ]
                    ),
                )
                .order_by(
                    (T.c.source != Source.EMERGENCY.value), S.c.start, T.c.priority, T.c.id
                )
            ).all()
            serving: dict[int, str] = {}
            queue: dict[int, list[str]] = defaultdict(list)
            for number, status, doctor_id in rows:
                if status == TokenStatus.IN_CONSULTATION.value:
                    serving[doctor_id] = number
                elif len(queue[doctor_id]) < 3:
                    queue[doctor_id].append(number)
            doctors = conn.execute(
                select(D).where(_seeing_patients(on)).order_by(D.c.department, D.c.name, D.c.id)
            )
            return [
                NowServing(
                    doctor_id=d.id,
                    doctor_code=d.code,
                    doctor_name=d.name,
                    room=d.room,
                    in_consultation=serving.get(d.id),
                    next_numbers=queue.get(d.id, []),
                )
                for d in doctors
            ]

        return self._read(query)

    def waiting_counts(self, day: date, now: datetime | None = None) -> dict[int, int]:
        """Per doctor, patients still waiting to be seen (the kiosk's "N waiting"):
        checked in, or booked or waitlisted in a slot under way."""
        day = inputs.validate(inputs.DayInput, day=day).day

        def query(conn: Connection) -> dict[int, int]:
            at = self._now(conn, now)
            rows = conn.execute(
                select(T.c.doctor_id, func.count())
                .select_from(T.join(S, S.c.id == T.c.slot_id))
                .where(
                    S.c.day == day,
                    or_(
                        T.c.status == TokenStatus.CHECKED_IN.value,
                        and_(
                            T.c.status.in_(
                                [TokenStatus.BOOKED.value, TokenStatus.WAITLISTED.value]
                            ),
                            S.c.start <= at,
                            S.c.end > at,
                        ),
                    ),
                )
                .group_by(T.c.doctor_id)
            )
            return {doctor_id: n for doctor_id, n in rows}

        return self._read(query)

    def day_summary(self, day: date) -> DaySummary:
        day = inputs.validate(inputs.DayInput, day=day).day

        def query(conn: Connection) -> DaySummary:
            rows = conn.execute(
                select(T.c.status, T.c.source, func.count())
                .select_from(T.join(S, S.c.id == T.c.slot_id))
                .where(S.c.day == day)
                .group_by(T.c.status, T.c.source)
            ).all()
            by_status: Counter[str] = Counter()
            by_source: Counter[str] = Counter()
            for status, source, n in rows:
                by_status[status] += n
                by_source[source] += n
            slots = [slot_from_row(r) for r in conn.execute(
                select(*SLOT_COLUMNS).where(S.c.day == day))]
            counts = self._status_counts(conn, S.c.day == day)
            over = sum(
                1
                for s in slots
                if sum(counts.get(s.id, {}).get(st.value, 0) for st in SEAT_HOLDING) > s.capacity
            )
            return DaySummary(
                day=day,
                tokens=sum(by_status.values()),
                by_status=dict(by_status),
                by_source=dict(by_source),
                overbooked_slots=over,
            )

        return self._read(query)
