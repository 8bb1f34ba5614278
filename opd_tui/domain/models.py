"""What the engine hands out: frozen views, never ORM rows or sessions."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, ConfigDict

from .enums import EventKind, Sex, SlotStatus, Source, TokenStatus


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Doctor(_View):
    id: int
    name: str
    code: str
    department: str | None = None
    room: str | None = None
    consult_minutes: int = 10
    active: bool = True


class Slot(_View):
    id: int
    doctor_id: int
    start: datetime
    end: datetime
    capacity: int


class Token(_View):
    id: int
    number: str
    patient_name: str
    patient_ref: str | None
    source: Source
    priority: int
    status: TokenStatus
    slot_id: int
    doctor_id: int
    seq: int
    overbooked: bool


class SlotView(Slot):
    occupancy: int
    status: SlotStatus
    seated: list[Token]
    waitlist: list[Token]

    @property
    def bookable(self) -> bool:
        return self.status.is_bookable


class SlotSummary(Slot):
    """A slot as the grid shows it: counts without the token lists."""

    occupancy: int
    waitlisted: int
    status: SlotStatus

    @property
    def bookable(self) -> bool:
        return self.status.is_bookable


class Event(_View):
    id: int
    at: datetime
    kind: EventKind
    token_id: int | None
    slot_id: int | None
    detail: dict[str, Any]


class DoctorDay(_View):
    """One doctor's day at a glance, for the doctors pane."""

    doctor: Doctor
    day: date
    booked: int
    capacity: int
    waitlisted: int
    delay_minutes: int
    closed_slots: int


class DoctorQueue(_View):
    """Who is with a doctor now and how many wait in the hall, for the desk's doctor rows."""

    doctor_id: int
    #: The token number in consultation, if any.
    with_doctor: str | None = None
    #: Checked in and not yet called.
    in_hall: int = 0


class NowServing(_View):
    """The public board: token numbers only, never names."""

    doctor_id: int
    doctor_code: str
    doctor_name: str
    room: str | None
    in_consultation: str | None
    next_numbers: list[str]


class DaySummary(_View):
    day: date
    tokens: int
    by_status: dict[str, int]
    by_source: dict[str, int]
    overbooked_slots: int


class ClockReading(_View):
    """The hospital's reference clock beside the engine's stored clock (rule 18)."""

    reference: datetime
    stored: datetime | None
    #: The stored clock is more than the allowed drift ahead: commands without
    #: `now` are refused until `reset_clock()`.
    ahead: bool


class Patient(_View):
    """The latest record of a patient, by reference in its normal form (rule 23)."""

    ref: str
    name: str
    age: int | None = None
    sex: Sex | None = None


class Roster(_View):
    """A doctor's sessions on one weekday (0 = Monday), cut into equal slots."""

    doctor_id: int
    weekday: int
    sessions: list[tuple[time, time]]
    slot_minutes: int
    capacity: int


class ReportRow(_View):
    """One line of the day's report (rule 25): a doctor, a source, or the total.

    Waits and consultations are in minutes; `utilisation` is minutes in
    consultation over the slot minutes (None where slots do not apply, per source).
    """

    group: str
    key: str
    name: str
    tokens: int = 0
    seen: int = 0
    no_shows: int = 0
    cancelled: int = 0
    expired: int = 0
    unseen: int = 0
    bumped: int = 0
    promoted: int = 0
    overbooked_slots: int | None = None
    wait_mean: float | None = None
    wait_median: float | None = None
    wait_p90: float | None = None
    consult_mean: float | None = None
    utilisation: float | None = None
    first_call: datetime | None = None
    last_completion: datetime | None = None


class DayReport(_View):
    day: date
    doctors: list[ReportRow]
    sources: list[ReportRow]
    total: ReportRow

    def rows(self) -> list[ReportRow]:
        """A row per doctor, then per source, then the total: the CSV's order."""
        return [*self.doctors, *self.sources, self.total]
