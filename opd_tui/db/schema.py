"""SQLAlchemy models: the tables the engine reads and writes.

The engine runs Core statements against these tables (`Token.__table__` ...):
a booking is a handful of indexed statements and nothing in the ORM's unit of
work sits on that path. Migrations in `migrations/versions` create the same
schema; a test compares the two.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..domain.enums import LIVE

#: `status IN (...)` over the live statuses in the order the engine's queries write
#: them: SQLite uses a partial index only for a query that repeats its condition.
LIVE_TOKENS = "status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(LIVE)))


class Base(DeclarativeBase):
    pass


def _table(model: type[Base]) -> Table:
    """A model's Core table, typed as the `Table` the engine's statements take."""
    return cast(Table, model.__table__)


class DoctorRow(Base):
    __tablename__ = "doctors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(6), unique=True)
    department: Mapped[str | None] = mapped_column(String(80))
    room: Mapped[str | None] = mapped_column(String(80))
    consult_minutes: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class SlotRow(Base):
    __tablename__ = "slots"
    __table_args__ = (Index("ix_slots_day_doctor_start", "day", "doctor_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id"))
    # The OPD day the slot belongs to (its start's date): token numbers and
    # "later slot" are counted per doctor per day.
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[datetime] = mapped_column(DateTime)
    end: Mapped[datetime] = mapped_column(DateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DoctorDayRow(Base):
    """Per doctor per day: the last token number handed out and the delay so far."""

    __tablename__ = "doctor_days"

    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)


class TokenRow(Base):
    """A patient's token. Its id is its `seq`: given once, strictly increasing."""

    __tablename__ = "tokens"
    __table_args__ = (
        Index("ix_tokens_slot_status", "slot_id", "status"),
        Index("ix_tokens_status_doctor", "status", "doctor_id"),
        # Live tokens only (migration 0005): rule 15 looks up live tokens alone.
        Index("ix_tokens_patient_key", "patient_key",
              sqlite_where=text(LIVE_TOKENS), postgresql_where=text(LIVE_TOKENS)),
        Index("ix_tokens_number", "number",
              sqlite_where=text(LIVE_TOKENS), postgresql_where=text(LIVE_TOKENS)),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(16))
    patient_name: Mapped[str] = mapped_column(String(320))
    patient_ref: Mapped[str | None] = mapped_column(String(32))
    # The reference as compared: "mrn-1001" and "MRN-1001" are one patient.
    patient_key: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(12))
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"))
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id"))
    overbooked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(20))
    token_id: Mapped[int | None] = mapped_column(Integer, index=True)
    slot_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = ({"sqlite_autoincrement": True},)


class ClockRow(Base):
    """The latest time any command was evaluated at: the clock never runs backwards."""

    __tablename__ = "engine_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    now: Mapped[datetime | None] = mapped_column(DateTime)


class PatientRow(Base):
    """The latest details given for a patient reference (rule 23), keyed by its
    normal form, so a returning patient's name fills in from the ref alone."""

    __tablename__ = "patients"

    ref: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(320))
    age: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(1))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RosterRow(Base):
    """A doctor's week (rule 24): for one weekday, sessions cut into equal slots."""

    __tablename__ = "rosters"

    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id"), primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: [["09:00", "13:00"], ["14:00", "17:00"]]
    sessions: Mapped[list[list[str]]] = mapped_column(JSON)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)


class LeaveRow(Base):
    """A day a doctor is on leave: rosters make no slots for it."""

    __tablename__ = "leave_days"

    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


doctors = _table(DoctorRow)
slots = _table(SlotRow)
doctor_days = _table(DoctorDayRow)
tokens = _table(TokenRow)
events = _table(EventRow)
clock = _table(ClockRow)
patients = _table(PatientRow)
rosters = _table(RosterRow)
leave_days = _table(LeaveRow)


# -- the HTTP API (opd_tui/api): keys, the tokens a key booked, idempotent retries --


class ApiKeyRow(Base):
    """A key of the HTTP API. Only the key's hash is stored: the key itself is
    printed once when it is made. `key_id`, the public part of the key, finds the
    row; the hash is then compared in constant time."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Names a key for ever (request log lines carry it): never reused.
    name: Mapped[str] = mapped_column(String(80), unique=True)
    scope: Mapped[str] = mapped_column(String(12))
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class ApiTokenOwnerRow(Base):
    """The key that booked a token, so a portal cancels and reads only its own."""

    __tablename__ = "api_token_owners"

    token_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))


class IdempotencyRow(Base):
    """The first answer to a request sent with an `Idempotency-Key` (per API key):
    a retry with the same key and body gets it back and books nothing new."""

    __tablename__ = "api_idempotency"
    __table_args__ = (Index("ix_api_idempotency_created_at", "created_at"),)

    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: sha256 of the method, path and body as parsed: "the same request".
    request_hash: Mapped[str] = mapped_column(String(64))
    #: None while the first request is still being answered.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


api_keys = _table(ApiKeyRow)
api_token_owners = _table(ApiTokenOwnerRow)
api_idempotency = _table(IdempotencyRow)
