"""One command's transaction: its clock, its locks, and every write it makes.

A `Unit` holds no rules. It gives the rules in `seating` what they need to
read (slots of a doctor's day, occupancy, waitlists) and the single way to
change a token (`Unit.change`), which also keeps occupancy counts and writes
the event. Nothing reaches the database but through here.

Locking: on PostgreSQL a unit locks every slot of each doctor-day it touches
with SELECT ... FOR NO KEY UPDATE, in ascending id order, before reading them
(NO KEY: a token inserted elsewhere only key-shares its doctor's row, so a
doctor locked for a command never waits on, or blocks, such an insert); token
updates are compare-and-set on (status, slot), so a row changed by someone who
did not hold those locks makes the command start over instead of acting on a
stale read. Last, a unit with events to write locks the clock row, so commands
take event ids and commit in the same order and a desk following the log misses
nothing. On SQLite the unit already holds the write lock (BEGIN IMMEDIATE),
so nothing it reads can change before it commits: there it moves the clock as
it reads it, reads a slot with its seat count in one statement, reads a day's
other slots only when a rule asks for them, and sends its hot statements
straight to the driver (`Prepared`).
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Select,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.exc import MultipleResultsFound, NoResultFound

from ..db import schema
from ..db.connect import WRITE_LOCKED
from ..domain.enums import LIVE, SEAT_HOLDING, EventKind, SlotStatus, Source, TokenStatus
from ..domain.errors import ClockAhead, DoctorInactive, NotFound
from ..domain.inputs import patient_key
from ..domain.models import Doctor, Event, Slot, Token
from ..domain.numbers import token_number

T = schema.tokens
S = schema.slots
D = schema.doctors
#: "Not looked up yet", beside None ("looked up: nothing there").
_UNKNOWN: Any = object()



def status_in(statuses: Iterable[TokenStatus]) -> Any:
    """`status IN (...)` over a fixed set, written into the SQL text once.

    A list of values would be a parameter SQLAlchemy expands again at every
    execution; these sets never change.
    """
    return T.c.status.in_([literal_column(f"'{s.value}'") for s in sorted(statuses)])


class Conflict(Exception):
    """A row changed under this unit; the command is run again from the start."""


@dataclass(slots=True)
class SlotState:
    id: int
    doctor_id: int
    day: date
    start: datetime
    end: datetime
    capacity: int
    closed: bool

    def bookable(self, now: datetime) -> bool:
        return not self.closed and now < self.end

    def status(self, now: datetime, occupancy: int) -> SlotStatus:
        return slot_status(self.closed, self.end, self.capacity, occupancy, now)

    def view(self) -> Slot:
        return Slot(
            id=self.id,
            doctor_id=self.doctor_id,
            start=self.start,
            end=self.end,
            capacity=self.capacity,
        )

    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def slot_status(
    closed: bool, end: datetime, capacity: int, occupancy: int, now: datetime
) -> SlotStatus:
    if closed:
        return SlotStatus.CLOSED
    if now >= end:
        return SlotStatus.ENDED
    if occupancy > capacity:
        return SlotStatus.OVERBOOKED
    if occupancy == capacity:
        return SlotStatus.FULL
    return SlotStatus.OPEN


@dataclass(slots=True)
class TokenState:
    id: int
    number: str
    patient_name: str
    patient_ref: str | None
    source: Source
    priority: int
    status: TokenStatus
    slot_id: int
    doctor_id: int
    overbooked: bool

    @classmethod
    def from_row(cls, row: Any) -> TokenState:
        return cls(
            id=row.id,
            number=row.number,
            patient_name=row.patient_name,
            patient_ref=row.patient_ref,
            source=Source(row.source),
            priority=row.priority,
            status=TokenStatus(row.status),
            slot_id=row.slot_id,
            doctor_id=row.doctor_id,
            overbooked=bool(row.overbooked),
        )

    @property
    def is_emergency(self) -> bool:
        return self.source is Source.EMERGENCY

    def view(self) -> Token:
        return Token(
            id=self.id,
            number=self.number,
            patient_name=self.patient_name,
            patient_ref=self.patient_ref,
            source=self.source,
            priority=self.priority,
            status=self.status,
            slot_id=self.slot_id,
            doctor_id=self.doctor_id,
            seq=self.id,
            overbooked=self.overbooked,
        )


TOKEN_COLUMNS = (
    T.c.id,
    T.c.number,
    T.c.patient_name,
    T.c.patient_ref,
    T.c.source,
    T.c.priority,
    T.c.status,
    T.c.slot_id,
    T.c.doctor_id,
    T.c.overbooked,
)
SLOT_COLUMNS = (S.c.id, S.c.doctor_id, S.c.day, S.c.start, S.c.end, S.c.capacity, S.c.closed)


# The statements of the booking path, built once: SQLAlchemy then reuses their
# cache keys and compiled forms instead of rebuilding them for every booking.
_OCCUPANCY = (
    select(func.count())
    .select_from(T)
    .where(T.c.slot_id == bindparam("slot_id"), status_in(SEAT_HOLDING))
)
_READ_CLOCK = select(schema.clock.c.now).where(schema.clock.c.id == 1)
_AT = bindparam("at", type_=schema.clock.c.now.type)
#: SQLite: the write lock is held from BEGIN IMMEDIATE, so the clock is moved as the
#: command starts, in the statement that reads it (the clock never runs backwards).
_ADVANCE_CLOCK = (
    update(schema.clock)
    .where(schema.clock.c.id == 1)
    .values(
        now=case(
            (or_(schema.clock.c.now.is_(None), schema.clock.c.now < _AT), _AT),
            else_=schema.clock.c.now,
        )
    )
    .returning(schema.clock.c.now)
)
_MOVE_CLOCK = (
    update(schema.clock)
    .where(
        schema.clock.c.id == 1,
        or_(schema.clock.c.now.is_(None), schema.clock.c.now < bindparam("at")),
    )
    .values(now=bindparam("at"))
)
_LOCK_CLOCK = select(schema.clock.c.id).where(schema.clock.c.id == 1).with_for_update()
_LOCK_DAY = (
    select(*SLOT_COLUMNS)
    .where(S.c.doctor_id == bindparam("doctor_id"), S.c.day == bindparam("day"))
    .order_by(S.c.id)
    .with_for_update(key_share=True)
)
_SLOT_OF = select(S.c.id, S.c.doctor_id, S.c.day)
_LOCK_SLOT_DAY = (
    select(*SLOT_COLUMNS)
    .where(
        S.c.doctor_id
        == _SLOT_OF.with_only_columns(S.c.doctor_id)
        .where(S.c.id == bindparam("slot_id"))
        .scalar_subquery(),
        S.c.day
        == _SLOT_OF.with_only_columns(S.c.day)
        .where(S.c.id == bindparam("slot_id"))
        .scalar_subquery(),
    )
    .order_by(S.c.id)
    .with_for_update(key_share=True)
)
_OCCUPANCY_OF_SLOTS = (
    select(T.c.slot_id, func.count())
    .where(T.c.slot_id.in_(bindparam("slot_ids", expanding=True)), status_in(SEAT_HOLDING))
    .group_by(T.c.slot_id)
)
_TOKEN = select(*TOKEN_COLUMNS).where(T.c.id == bindparam("token_id"))
_TOKEN_AND_SLOT = (
    select(
        *TOKEN_COLUMNS,
        S.c.doctor_id.label("slot_doctor_id"),
        S.c.day,
        S.c.start,
        S.c.end,
        S.c.capacity,
        S.c.closed,
    )
    .join_from(T, S, S.c.id == T.c.slot_id)
    .where(T.c.id == bindparam("token_id"))
)
_NEXT_NUMBER = (
    update(schema.doctor_days)
    .where(
        schema.doctor_days.c.doctor_id == bindparam("of_doctor"),
        schema.doctor_days.c.day == bindparam("of_day"),
    )
    .values(last_number=schema.doctor_days.c.last_number + 1)
    .returning(schema.doctor_days.c.last_number)
)
_INSERT_TOKEN = insert(T).returning(T.c.id)
_CHANGE_TOKEN = (
    update(T)
    .where(
        T.c.id == bindparam("token_id"),
        T.c.status == bindparam("old_status"),
        T.c.slot_id == bindparam("old_slot_id"),
    )
    .values(
        status=bindparam("new_status"),
        slot_id=bindparam("new_slot_id"),
        doctor_id=bindparam("new_doctor_id"),
        overbooked=bindparam("new_overbooked"),
    )
)
_INSERT_EVENTS = insert(schema.events)
_LOCK_DOCTOR = (
    select(schema.doctors)
    .where(schema.doctors.c.id == bindparam("doctor_id"))
    .with_for_update(key_share=True)
)
_DOCTOR_ACTIVE = select(schema.doctors.c.name, schema.doctors.c.active).where(
    schema.doctors.c.id == bindparam("doctor_id")
)
_IN_SLOT = (
    select(*TOKEN_COLUMNS)
    .where(
        T.c.slot_id.in_(bindparam("slot_ids", expanding=True)),
        T.c.status.in_(bindparam("statuses", expanding=True)),
    )
    .order_by(T.c.priority, T.c.id)
)
_FIRST_IN_SLOT = _IN_SLOT.limit(bindparam("n"))
_LIVE_TOKEN_OF = (
    select(*TOKEN_COLUMNS)
    .select_from(T.join(S, S.c.id == T.c.slot_id))
    .where(
        T.c.patient_key == bindparam("key"),
        T.c.doctor_id == bindparam("doctor_id"),
        S.c.day == bindparam("day"),
        status_in(LIVE),
        T.c.id != bindparam("other_than"),
    )
    .limit(1)
)

# A booking's one locking read: the slot's day, its doctor's name and standing
# (rule 19) and, on SQLite, the slot's seat holders and the patient's live token
# with that doctor that day (rule 15). SQLite holds the write lock before this
# statement runs, so what it counts is current; on PostgreSQL a count inside the
# locking SELECT would come from the snapshot taken before waiting for the lock,
# so there both are read after it, each in a statement of its own.
_TARGET = S.alias("target")
_HELD_SLOT = S.alias("held_slot")


def _of_target(column: str) -> Any:
    return (
        select(_TARGET.c[column]).where(_TARGET.c.id == bindparam("slot_id")).scalar_subquery()
    )


_BOOKING_READ = select(
    *SLOT_COLUMNS, D.c.name.label("doctor_name"), D.c.active.label("doctor_active")
).join_from(S, D, D.c.id == S.c.doctor_id)
_LOCK_BOOKING = (
    _BOOKING_READ.where(S.c.doctor_id == _of_target("doctor_id"), S.c.day == _of_target("day"))
    .order_by(S.c.id)
    .with_for_update(key_share=True, of=S)
)
#: SQLite: the slot alone; its day's other slots are read when a rule needs them.
_BOOKING_COUNTED = _BOOKING_READ.where(S.c.id == bindparam("slot_id")).add_columns(
    select(func.count())
    .select_from(T)
    .where(T.c.slot_id == bindparam("slot_id"), status_in(SEAT_HOLDING))
    .scalar_subquery()
    .label("occupancy"),
    select(T.c.id)
    .select_from(T.join(_HELD_SLOT, _HELD_SLOT.c.id == T.c.slot_id))
    .where(
        T.c.patient_key == bindparam("key"),
        T.c.doctor_id == _of_target("doctor_id"),
        _HELD_SLOT.c.day == _of_target("day"),
        status_in(LIVE),
    )
    .limit(1)
    .scalar_subquery()
    .label("held"),
)
#: Rule 23's record of a patient, per dialect (the upsert is written differently).
_RECORD_PATIENT: dict[str, Any] = {}


def _record_patient_statement(dialect: str) -> Any:
    statement = _RECORD_PATIENT.get(dialect)
    if statement is None:
        P = schema.patients
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        new = upsert(P)
        statement = _RECORD_PATIENT[dialect] = new.on_conflict_do_update(
            index_elements=[P.c.ref],
            set_={
                "name": new.excluded.name,
                "age": func.coalesce(new.excluded.age, P.c.age),
                "sex": func.coalesce(new.excluded.sex, P.c.sex),
                "updated_at": new.excluded.updated_at,
            },
        )
        hot(statement)
    return statement


_LIVE_OF_DOCTOR_FROM = (
    select(*TOKEN_COLUMNS)
    .select_from(T.join(S, S.c.id == T.c.slot_id))
    .where(T.c.doctor_id == bindparam("doctor_id"), S.c.day >= bindparam("day"), status_in(LIVE))
    .order_by(S.c.start, T.c.id)  # id is seq
)


# -- the hot statements on SQLite's driver -----------------------------------------
#
# Under SQLite's write lock most of a command's cost is SQLAlchemy's work around
# each execution, not SQLite's. The statements every command runs are therefore
# compiled once and sent on the driver's cursor, with SQLAlchemy's own
# conversions of parameters and results (the stored forms stay the same), its
# before_cursor_execute listeners told, and its errors raised as it raises them
# (so a busy or broken database is retried or named exactly as elsewhere).
# PostgreSQL and unlocked connections run the same statements through SQLAlchemy.


class _Rows(list[Any]):
    """The rows of a statement run on the driver, read as a SQLAlchemy result is."""

    rowcount: int = -1

    def all(self) -> list[Any]:
        return list(self)

    def first(self) -> Any:
        return self[0] if self else None

    def one_or_none(self) -> Any:
        return self[0] if self else None

    def one(self) -> Any:
        if len(self) != 1:
            raise NoResultFound("expected one row") if not self else MultipleResultsFound(
                "expected one row"
            )
        return self[0]

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar(self) -> Any:
        return self[0][0] if self else None


@dataclass(slots=True)
class _Compiled:
    sql: str
    names: list[str]
    defaults: dict[str, Any]
    binds: dict[str, Callable[[Any], Any]]
    results: list[Callable[[Any], Any] | None] | None
    row: Any


#: Rows of a statement run on the driver: named fields, as SQLAlchemy's rows have.
_row_type: Any = namedtuple


class Prepared:
    """One hot statement, compiled once per set of parameter names for SQLite."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled] = {}

    def _compile(self, conn: Connection, keys: tuple[str, ...]) -> _Compiled:
        dialect = conn.dialect
        compiled: Any = self.statement.compile(dialect=dialect, column_keys=list(keys))
        columns = compiled._result_columns
        results = None
        row = None
        if columns:
            results = [c[3]._cached_result_processor(dialect, None) for c in columns]
            row = _row_type("Row", [c[0] for c in columns], rename=True)
        found = self._compiled[keys] = _Compiled(
            sql=compiled.string,
            names=list(compiled.positiontup),
            defaults={k: v for k, v in compiled.params.items() if k not in keys},
            binds=dict(compiled._bind_processors),
            results=results,
            row=row,
        )
        return found

    def run(self, conn: Connection, params: dict[str, Any] | list[dict[str, Any]]) -> _Rows:
        many = isinstance(params, list)
        batch = params if isinstance(params, list) else [params]
        first = batch[0]
        keys = tuple(first)
        prepared = self._compiled.get(keys) or self._compile(conn, keys)
        binds = prepared.binds

        def values(given: dict[str, Any]) -> tuple[Any, ...]:
            merged = {**prepared.defaults, **given} if prepared.defaults else given
            return tuple(
                binds[n](merged[n]) if n in binds else merged[n] for n in prepared.names
            )

        args: Any = [values(p) for p in batch] if many else values(first)
        sql = prepared.sql
        driver: Any = conn.connection.driver_connection
        cursor = driver.cursor()
        try:
            if conn._has_events or conn.engine._has_events:
                for listen in conn.dispatch.before_cursor_execute:
                    sql, args = listen(conn, cursor, sql, args, None, many)
            if many:
                cursor.executemany(sql, args)
                fetched: list[Any] = []
            else:
                cursor.execute(sql, args)
                fetched = cursor.fetchall() if prepared.results is not None else []
        except BaseException as error:  # noqa: BLE001 - SQLAlchemy's handler raises it
            conn._handle_dbapi_exception(error, sql, args, cursor, None)
        rows = _Rows()
        if fetched:
            convert, row = prepared.results, prepared.row
            assert convert is not None
            for raw in fetched:
                rows.append(row(*(f(v) if f else v for f, v in zip(convert, raw, strict=True))))
        rows.rowcount = cursor.rowcount
        cursor.close()
        return rows


#: statement -> its Prepared form (the module's hot statements register here).
_PREPARED: dict[int, Prepared] = {}


def hot(statement: Any) -> Any:
    """Mark a statement as one every command runs (see `Prepared`)."""
    _PREPARED[id(statement)] = Prepared(statement)
    return statement


def run(conn: Connection, statement: Any, params: Any = None) -> Any:
    """`conn.execute`, on the driver for a hot statement under SQLite's write lock."""
    prepared = _PREPARED.get(id(statement))
    if prepared is not None and params is not None and write_locked(conn):
        return prepared.run(conn, params)
    return conn.execute(statement, params)


for _statement in (
    _ADVANCE_CLOCK, _OCCUPANCY, _TOKEN, _TOKEN_AND_SLOT, _NEXT_NUMBER, _INSERT_TOKEN,
    _CHANGE_TOKEN, _INSERT_EVENTS, _DOCTOR_ACTIVE, _LOCK_DOCTOR, _BOOKING_COUNTED,
    _LIVE_TOKEN_OF,
):
    hot(_statement)


def doctor_from_row(row: Any) -> Doctor:
    return Doctor(
        id=row.id,
        name=row.name,
        code=row.code,
        department=row.department,
        room=row.room,
        consult_minutes=row.consult_minutes,
        active=bool(row.active),
    )


def slot_from_row(row: Any) -> SlotState:
    return SlotState(
        id=row.id,
        doctor_id=row.doctor_id,
        day=row.day,
        start=row.start,
        end=row.end,
        capacity=row.capacity,
        closed=bool(row.closed),
    )


def write_locked(conn: Connection) -> bool:
    """The transaction holds SQLite's write lock since its BEGIN: nothing it reads
    can change under it (db/connect.py)."""
    return bool(conn.info.get(WRITE_LOCKED))


def read_clock(conn: Connection) -> datetime | None:
    return conn.execute(_READ_CLOCK).scalar()


def hospital_zone() -> ZoneInfo | None:
    """`OPD_TIMEZONE` (an IANA name), else None: this computer's zone."""
    name = os.environ.get("OPD_TIMEZONE", "").strip()
    return ZoneInfo(name) if name else None


def reference_now(conn: Connection) -> datetime:
    """The hospital's clock (rule 18): the database server's on PostgreSQL, read in
    the hospital's zone, so no desk's own clock decides anything on a shared
    database; this computer's clock on SQLite. Naive local wall time, as slots are."""
    if conn.dialect.name == "postgresql":
        server = conn.execute(select(func.now())).scalar_one()
        zone = hospital_zone()
        local = server.astimezone(zone) if zone is not None else server.astimezone()
        return local.replace(tzinfo=None)
    zone = hospital_zone()
    return datetime.now(zone).replace(tzinfo=None) if zone is not None else datetime.now()


#: How far the stored clock may be ahead of the hospital's before commands are refused.
CLOCK_DRIFT = timedelta(minutes=10)


def effective_now(requested: datetime | None, stored: datetime | None,
                  reference: datetime | None = None) -> datetime:
    """The clock never runs backwards: an earlier `now` is taken as the latest one."""
    now = requested if requested is not None else (reference or datetime.now())
    if stored is not None and stored > now:
        return stored
    return now


def command_now(
    conn: Connection, requested: datetime | None, *, takes_now: bool, advance: bool = False
) -> datetime:
    """The time a command is evaluated at (rule 18).

    An explicit `now` is taken as given (never earlier than the stored clock).
    Without one, the hospital's clock decides; a stored clock pushed more than
    `CLOCK_DRIFT` into the future refuses commands that take a `now`, since every
    slot would look ended, until `reset_clock()`.

    `advance`: move the stored clock to that time in the same statement (SQLite,
    whose write lock the command already holds); it then reads the later of the
    two, which is ahead of the reference exactly when the stored one was.
    """
    reference = reference_now(conn) if requested is None else None
    if advance:
        stored = run(conn, _ADVANCE_CLOCK, {"at": requested or reference}).scalar_one()
    else:
        stored = read_clock(conn)
    if requested is not None:
        return effective_now(requested, stored)
    assert reference is not None
    if takes_now and stored is not None and stored - reference > CLOCK_DRIFT:
        raise ClockAhead(
            f"The engine's clock reads {stored:%Y-%m-%d %H:%M}, but the hospital's clock "
            f"reads {reference:%Y-%m-%d %H:%M}: more than {CLOCK_DRIFT.seconds // 60} "
            "minutes ahead. Nothing was changed. Check the hospital's clock, then run "
            "`opd-tui clock --reset`.",
            reference=reference,
            stored=stored,
        )
    return effective_now(None, stored, reference)


class Unit:
    def __init__(
        self,
        conn: Connection,
        now: datetime,
        doctor_code: Callable[[Connection, int], str],
        *,
        moves_clock: bool,
    ) -> None:
        self.conn = conn
        self.now = now
        self._doctor_code = doctor_code
        self._moves_clock = moves_clock
        self.slots: dict[int, SlotState] = {}
        self._days: dict[tuple[int, date], list[SlotState]] = {}
        self._occupancy: dict[int, int] = {}
        self._events: list[dict[str, Any]] = []
        #: doctor id -> (name, active), as read under this unit's locks.
        self._doctors: dict[int, tuple[str, bool]] = {}
        #: (patient key, doctor id, day) -> id of the live token held there, or None.
        self._held: dict[tuple[str, int, date], int | None] = {}
        #: SQLite's write lock held since BEGIN: reads may be folded and deferred.
        self.write_locked = write_locked(conn)
        self._keys: dict[str, str] = {}

    @classmethod
    def begin(
        cls,
        conn: Connection,
        requested_now: datetime | None,
        doctor_code: Callable[[Connection, int], str],
        *,
        moves_clock: bool = True,
    ) -> Unit:
        # Holding SQLite's write lock, the clock is moved as it is read. On
        # PostgreSQL the clock row is written last: taken first, its lock would
        # make every command of every desk wait for the one before it.
        advance = moves_clock and write_locked(conn)
        now = command_now(conn, requested_now, takes_now=moves_clock, advance=advance)
        return cls(conn, now, doctor_code, moves_clock=moves_clock and not advance)

    # -- locks and slots ------------------------------------------------------

    def lock_days(self, keys: Iterable[tuple[int, date]]) -> None:
        """Lock and load every slot of these doctor-days, ascending by id."""
        wanted = sorted({k for k in keys if k not in self._days})
        if not wanted:
            return
        if len(wanted) == 1:
            doctor_id, day = wanted[0]
            rows = self.conn.execute(_LOCK_DAY, {"doctor_id": doctor_id, "day": day}).all()
        else:
            condition = or_(*(and_(S.c.doctor_id == d, S.c.day == day) for d, day in wanted))
            rows = self.conn.execute(
                select(*SLOT_COLUMNS)
                .where(condition)
                .order_by(S.c.id)
                .with_for_update(key_share=True)
            ).all()
        self._load(wanted, rows)

    def _load(self, keys: Iterable[tuple[int, date]], rows: Iterable[Any]) -> None:
        for key in keys:
            self._days[key] = []
        for row in rows:
            slot = self.slots.get(row.id)  # read alone before: keep that one
            if slot is None:
                slot = self.slots[row.id] = slot_from_row(row)
            self._days[(slot.doctor_id, slot.day)].append(slot)
        for key in keys:
            self._days[key].sort(key=lambda s: s.start)

    def lock_slot_day(self, slot_id: int) -> SlotState:
        """Lock the whole day of the slot's doctor and return the slot."""
        slot = self.slots.get(slot_id)
        if slot is not None:
            self.day_slots(slot.doctor_id, slot.day)
            return slot
        rows = self.conn.execute(_LOCK_SLOT_DAY, {"slot_id": slot_id}).all()
        if not rows:
            raise NotFound(f"There is no slot {slot_id}.")
        key = (rows[0].doctor_id, rows[0].day)
        if key not in self._days:
            self._load([key], rows)
        return self.slots[slot_id]

    def lock_booking(self, slot_id: int, patient_ref: str | None) -> SlotState:
        """`lock_slot_day` for a new token: one statement also reads the doctor's
        standing and, on SQLite, the slot's seats and the patient's live token."""
        if slot_id in self.slots:
            return self.lock_slot_day(slot_id)
        key = self.patient_key(patient_ref) if patient_ref is not None else None
        statement = _BOOKING_COUNTED if self.write_locked else _LOCK_BOOKING
        rows = run(self.conn, statement, {"slot_id": slot_id, "key": key}).all()
        if not rows:
            raise NotFound(f"There is no slot {slot_id}.")
        first = rows[0]
        self._doctors[first.doctor_id] = (first.doctor_name, bool(first.doctor_active))
        if not self.write_locked:
            self._load([(first.doctor_id, first.day)], rows)
            return self.slots[slot_id]
        slot = self.slots[slot_id] = slot_from_row(first)
        self._occupancy[slot_id] = first.occupancy
        if key is not None:
            self._held[(key, slot.doctor_id, slot.day)] = first.held
        return slot

    def patient_key(self, patient_ref: str) -> str:
        """A reference's compared form, worked out once per command."""
        key = self._keys.get(patient_ref)
        if key is None:
            key = self._keys[patient_ref] = patient_key(patient_ref)
        return key

    def lock_doctor(self, doctor_id: int) -> Any:
        row = run(self.conn, _LOCK_DOCTOR, {"doctor_id": doctor_id}).one_or_none()
        if row is None:
            raise NotFound(f"There is no doctor {doctor_id}.")
        return row

    def require_active(self, doctor_id: int) -> None:
        """Rule 19: a deactivated doctor's slots take nothing new."""
        known = self._doctors.get(doctor_id)
        if known is None:
            row = run(self.conn, _DOCTOR_ACTIVE, {"doctor_id": doctor_id}).one_or_none()
            if row is None:
                raise NotFound(f"There is no doctor {doctor_id}.")
            known = self._doctors[doctor_id] = (row.name, bool(row.active))
        name, active = known
        if not active:
            raise DoctorInactive(
                f"{name} is not seeing patients (deactivated); choose another doctor "
                "or reactivate them first."
            )

    def day_slots(self, doctor_id: int, day: date) -> list[SlotState]:
        """The doctor's slots that day by start time, locked and read if not yet."""
        key = (doctor_id, day)
        if key not in self._days:
            self.lock_days([key])
        return self._days[key]

    def later_bookable(self, slot: SlotState) -> list[SlotState]:
        """The doctor's later open slots that day, their seats counted."""
        later = [
            s
            for s in self.day_slots(slot.doctor_id, slot.day)
            if s.start > slot.start and s.bookable(self.now)
        ]
        self.count_seats(later)
        return later

    def update_slot(self, slot: SlotState, **values: Any) -> None:
        self.conn.execute(update(S).where(S.c.id == slot.id).values(**values))
        for name, value in values.items():
            setattr(slot, name, value)
        self.day_slots(slot.doctor_id, slot.day).sort(key=lambda s: s.start)

    def add_slot(self, doctor_id: int, start: datetime, end: datetime, capacity: int) -> SlotState:
        day = start.date()
        slot_id = self.conn.execute(
            insert(S)
            .values(doctor_id=doctor_id, day=day, start=start, end=end, capacity=capacity)
            .returning(S.c.id)
        ).scalar_one()
        counter = schema.doctor_days
        exists = self.conn.execute(
            select(counter.c.day).where(counter.c.doctor_id == doctor_id, counter.c.day == day)
        ).first()
        if exists is None:
            self.conn.execute(
                insert(counter).values(doctor_id=doctor_id, day=day, last_number=0, delay_minutes=0)
            )
        slot = SlotState(slot_id, doctor_id, day, start, end, capacity, False)
        self.slots[slot_id] = slot
        self._days.setdefault((doctor_id, day), []).append(slot)
        self._days[(doctor_id, day)].sort(key=lambda s: s.start)
        self._occupancy[slot_id] = 0
        return slot

    # -- reading tokens -------------------------------------------------------

    def occupancy(self, slot_id: int) -> int:
        """Seat holders of a locked slot: counted once, then kept by `change`.

        Counted in a statement of its own, after the lock is held: on PostgreSQL
        a count inside the locking SELECT would come from the snapshot taken
        before waiting for the lock, missing the seats the previous holder took.
        """
        if slot_id not in self._occupancy:
            self._occupancy[slot_id] = run(
                self.conn, _OCCUPANCY, {"slot_id": slot_id}
            ).scalar_one()
        return self._occupancy[slot_id]

    def count_seats(self, slots: Iterable[SlotState]) -> None:
        """Count the seat holders of several locked slots in one statement."""
        missing = [s.id for s in slots if s.id not in self._occupancy]
        if len(missing) > 1:
            rows = self.conn.execute(_OCCUPANCY_OF_SLOTS, {"slot_ids": missing}).all()
            counted: dict[int, int] = {slot_id: n for slot_id, n in rows}
            for slot_id in missing:
                self._occupancy[slot_id] = counted.get(slot_id, 0)

    def has_free_seat(self, slot: SlotState) -> bool:
        return self.occupancy(slot.id) < slot.capacity

    def token(self, token_id: int) -> TokenState:
        row = run(self.conn, _TOKEN, {"token_id": token_id}).one_or_none()
        if row is None:
            raise NotFound(f"There is no token {token_id}.")
        return TokenState.from_row(row)

    def token_in_slot(self, token_id: int) -> tuple[TokenState, SlotState]:
        """A token and its slot, the slot's day locked (`lock_slot_day`). Under
        SQLite's write lock one statement reads both, and the day waits until a
        rule asks for it."""
        if not self.write_locked:
            token = self.token(token_id)
            return token, self.lock_slot_day(token.slot_id)
        row = run(self.conn, _TOKEN_AND_SLOT, {"token_id": token_id}).one_or_none()
        if row is None:
            raise NotFound(f"There is no token {token_id}.")
        token = TokenState.from_row(row)
        slot = self.slots.get(token.slot_id)
        if slot is None:
            slot = self.slots[token.slot_id] = SlotState(
                token.slot_id, row.slot_doctor_id, row.day, row.start, row.end,
                row.capacity, bool(row.closed),
            )
        return token, slot

    def select_tokens(self, statement: Select[Any], **params: Any) -> list[TokenState]:
        """Tokens by one of the prebuilt statements (columns: TOKEN_COLUMNS)."""
        return [TokenState.from_row(r) for r in run(self.conn, statement, params)]

    def in_slot(
        self, slot_id: int | list[int], statuses: Iterable[TokenStatus], limit: int | None = None
    ) -> list[TokenState]:
        """The tokens of a slot (or slots) in these statuses, in (priority, seq) order."""
        ids = slot_id if isinstance(slot_id, list) else [slot_id]
        values = [s.value for s in statuses]
        if limit is None:
            return self.select_tokens(_IN_SLOT, slot_ids=ids, statuses=values)
        return self.select_tokens(_FIRST_IN_SLOT, slot_ids=ids, statuses=values, n=limit)

    def live_token_of(self, patient_ref: str, doctor_id: int, day: date,
                      other_than: int | None = None) -> TokenState | None:
        key = self.patient_key(patient_ref)
        held = self._held.get((key, doctor_id, day), _UNKNOWN) if other_than is None else _UNKNOWN
        if held is None:
            return None
        if held is not _UNKNOWN:
            return self.token(held)
        found = self.select_tokens(
            _LIVE_TOKEN_OF,
            key=key,
            doctor_id=doctor_id,
            day=day,
            other_than=other_than or 0,
        )
        return found[0] if found else None

    def live_tokens_of_doctor(self, doctor_id: int, since: date) -> list[TokenState]:
        """The doctor's live tokens on `since` and later days, in slot and arrival order."""
        return self.select_tokens(_LIVE_OF_DOCTOR_FROM, doctor_id=doctor_id, day=since)

    # -- writing tokens -------------------------------------------------------

    def record_patient(self, ref: str, name: str, age: int | None, sex: str | None) -> None:
        """Rule 23: the latest name for a reference; age and sex kept unless given."""
        run(
            self.conn,
            _record_patient_statement(self.conn.dialect.name),
            {"ref": ref, "name": name, "age": age, "sex": sex, "updated_at": self.now},
        )

    def new_token(
        self,
        *,
        slot: SlotState,
        patient_name: str,
        patient_ref: str | None,
        source: Source,
        status: TokenStatus,
        overbooked: bool,
        kind: EventKind,
    ) -> TokenState:
        n = run(
            self.conn, _NEXT_NUMBER, {"of_doctor": slot.doctor_id, "of_day": slot.day}
        ).scalar_one()
        if status.holds_seat:
            self.occupancy(slot.id)
        number = token_number(self._doctor_code(self.conn, slot.doctor_id), n)
        values = dict(
            number=number,
            patient_name=patient_name,
            patient_ref=patient_ref,
            patient_key=self.patient_key(patient_ref) if patient_ref is not None else None,
            source=source.value,
            priority=source.priority,
            status=status.value,
            slot_id=slot.id,
            doctor_id=slot.doctor_id,
            overbooked=overbooked,
            created_at=self.now,
        )
        token_id = run(self.conn, _INSERT_TOKEN, values).scalar_one()
        if patient_ref is not None:  # the patient holds a live token there now
            self._held.pop((self.patient_key(patient_ref), slot.doctor_id, slot.day), None)
        token = TokenState(
            token_id, number, patient_name, patient_ref, source, source.priority,
            status, slot.id, slot.doctor_id, overbooked,
        )
        if status.holds_seat:
            self._occupancy[slot.id] += 1
        self._token_event(kind, token)
        return token

    def change(
        self,
        token: TokenState,
        kind: EventKind,
        *,
        status: TokenStatus | None = None,
        slot: SlotState | None = None,
        overbooked: bool | None = None,
        **detail: Any,
    ) -> TokenState:
        """The one way a token's status or slot changes: row, occupancy and event."""
        new_status = status or token.status
        target_slot_id = slot.id if slot is not None else token.slot_id
        target_doctor_id = slot.doctor_id if slot is not None else token.doctor_id
        new_overbooked = token.overbooked if overbooked is None else overbooked
        # A seat taken or given up: load both counts before the write so they can
        # be kept by arithmetic. Staying seated in the same slot changes no count.
        seats = (token.status.holds_seat, new_status.holds_seat) != (True, True) or (
            target_slot_id != token.slot_id
        )
        if seats and token.status.holds_seat:
            self.occupancy(token.slot_id)
        if seats and new_status.holds_seat:
            self.occupancy(target_slot_id)
        result = run(
            self.conn,
            _CHANGE_TOKEN,
            {
                "token_id": token.id,
                "old_status": token.status.value,
                "old_slot_id": token.slot_id,
                "new_status": new_status.value,
                "new_slot_id": target_slot_id,
                "new_doctor_id": target_doctor_id,
                "new_overbooked": new_overbooked,
            },
        )
        if result.rowcount != 1:
            raise Conflict(f"token {token.id} changed under this command")
        if seats and token.status.holds_seat:
            self._occupancy[token.slot_id] -= 1
        if seats and new_status.holds_seat:
            self._occupancy[target_slot_id] += 1
        from_slot = token.slot_id
        token.status = new_status
        token.slot_id = target_slot_id
        token.doctor_id = target_doctor_id
        token.overbooked = new_overbooked
        if from_slot != target_slot_id:
            detail.setdefault("from_slot_id", from_slot)
        self._token_event(kind, token, **detail)
        return token

    # -- events and commit ----------------------------------------------------

    def _token_event(self, kind: EventKind, token: TokenState, **detail: Any) -> None:
        self._events.append(
            dict(
                at=self.now,
                kind=kind.value,
                token_id=token.id,
                slot_id=token.slot_id,
                detail={
                    "status": token.status.value,
                    "slot_id": token.slot_id,
                    "number": token.number,
                    **detail,
                },
            )
        )

    def slot_event(self, kind: EventKind, slot: SlotState | None, **detail: Any) -> None:
        self._events.append(
            dict(
                at=self.now,
                kind=kind.value,
                token_id=None,
                slot_id=slot.id if slot is not None else None,
                detail=detail,
            )
        )

    def finish(self, *, return_events: bool = False) -> list[Event]:
        """Write the events and move the clock forward; the caller commits."""
        written: list[Event] = []
        if self._events and not self.write_locked:
            # PostgreSQL takes event ids from a sequence before commit: two commands
            # could commit out of id order, and a desk following the log
            # (`events(after_id)`) would step over the one that became visible
            # last. Under the clock row's lock, taken after every other lock,
            # commands take their ids and commit one after another. (SQLite's
            # write lock, held since BEGIN, already orders them.)
            self.conn.execute(_LOCK_CLOCK)
        if return_events and self._events:
            rows = self.conn.execute(
                _INSERT_EVENTS.returning(schema.events.c.id, sort_by_parameter_order=True),
                self._events,
            ).all()
            written = [
                Event(id=row.id, **values) for row, values in zip(rows, self._events, strict=True)
            ]
        elif self._events:
            run(self.conn, _INSERT_EVENTS, self._events)
        if self._moves_clock:
            self.conn.execute(_MOVE_CLOCK, {"at": self.now})
        return written


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
