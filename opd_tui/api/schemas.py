"""The JSON the API takes and gives: pydantic models, camelCase on the wire.

One base model (`ApiModel`) makes every field camelCase through an alias
generator; snake_case names are accepted too. Inputs are strict about types (a
slot id is a number, not "5"), and the engine checks every limit. The seed
system's request fields are accepted beside ours (`specialization`,
`startTime`/`endTime`/`maxCapacity`, a booking's `priority` and `doctorId`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic.alias_generators import to_camel

from ..domain.models import Doctor, Event, NowServing, Slot, SlotSummary, SlotView, Token

_CONFIG = ConfigDict(
    alias_generator=to_camel,
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
)


class ApiModel(BaseModel):
    model_config = ConfigDict(**_CONFIG, extra="forbid")


class SeedModel(BaseModel):
    """A request the seed system's clients send: fields we do not use are ignored."""

    model_config = ConfigDict(**_CONFIG, extra="ignore")


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


def camel_keys(value: Any) -> Any:
    """A plain JSON value with every object key in camelCase (event details, reports)."""
    if isinstance(value, dict):
        return {to_camel(str(k)): camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    return value


# -- doctors ------------------------------------------------------------------------


class DoctorIn(SeedModel):
    model_config = _examples(
        {"name": "Dr Anjali Rao", "code": "RAO", "department": "Cardiology", "room": "12",
         "consultMinutes": 10},
        {"name": "Dr Anjali Rao", "specialization": "Cardiology"},
    )

    name: StrictStr
    code: StrictStr | None = Field(None, description="1-6 of A-Z, 0-9; derived from the "
                                   "name when absent (Dr Anjali Rao: RAO, then RAO2 ...)")
    department: StrictStr | None = None
    specialization: StrictStr | None = Field(None, description="the seed's name for department")
    room: StrictStr | None = None
    consult_minutes: StrictInt = 10


class DoctorPatch(ApiModel):
    model_config = _examples({"room": "14", "consultMinutes": 12}, {"active": False})

    name: StrictStr | None = None
    department: StrictStr | None = None
    room: StrictStr | None = None
    consult_minutes: StrictInt | None = None
    active: StrictBool | None = None


class DoctorOut(ApiModel):
    model_config = _examples(
        {"id": 1, "name": "Dr Anjali Rao", "code": "RAO", "department": "Cardiology",
         "specialization": "Cardiology", "room": "12", "consultMinutes": 10, "active": True},
    )

    id: int
    name: str
    code: str
    department: str | None
    specialization: str | None = Field(description="the same as department, for seed clients")
    room: str | None
    consult_minutes: int
    active: bool

    @classmethod
    def of(cls, d: Doctor) -> DoctorOut:
        return cls(id=d.id, name=d.name, code=d.code, department=d.department,
                   specialization=d.department, room=d.room,
                   consult_minutes=d.consult_minutes, active=d.active)


class DelayIn(ApiModel):
    model_config = _examples({"minutes": 20})

    minutes: StrictInt


class ReassignIn(ApiModel):
    model_config = _examples({"toDoctorId": 2, "day": "2026-03-02"})

    to_doctor_id: StrictInt
    day: date | None = Field(None, description="default: today")


class RosterIn(ApiModel):
    model_config = _examples(
        {"sessions": [["09:00", "13:00"], ["14:00", "17:00"]], "slotMinutes": 30, "capacity": 6},
    )

    sessions: list[tuple[time, time]] = Field(max_length=48)
    slot_minutes: StrictInt
    capacity: StrictInt


class RosterOut(ApiModel):
    model_config = _examples(
        {"doctorId": 1, "weekday": 0, "sessions": [["09:00:00", "13:00:00"]],
         "slotMinutes": 30, "capacity": 6},
    )

    doctor_id: int
    weekday: int
    sessions: list[tuple[time, time]]
    slot_minutes: int
    capacity: int


class LeaveOut(ApiModel):
    model_config = _examples({"doctorId": 1, "day": "2026-03-09", "onLeave": True})

    doctor_id: int
    day: date
    on_leave: bool


# -- slots --------------------------------------------------------------------------


class SlotIn(SeedModel):
    model_config = _examples(
        {"doctorId": 1, "start": "2026-03-02T09:00:00", "end": "2026-03-02T10:00:00",
         "capacity": 6},
        {"doctorId": 1, "startTime": "09:00", "endTime": "10:00", "maxCapacity": 6,
         "day": "2026-03-02"},
    )

    doctor_id: StrictInt
    start: datetime | None = Field(None, description="ISO 8601, hospital local time")
    end: datetime | None = None
    capacity: StrictInt | None = None
    day: date | None = Field(None, description="with startTime/endTime; default: today")
    start_time: time | None = Field(None, description="the seed's HH:MM on `day`")
    end_time: time | None = None
    max_capacity: StrictInt | None = Field(None, description="the seed's name for capacity")


class SlotOut(ApiModel):
    model_config = _examples(
        {"id": 7, "doctorId": 1, "start": "2026-03-02T09:00:00", "end": "2026-03-02T10:00:00",
         "capacity": 6},
    )

    id: int
    doctor_id: int
    start: datetime
    end: datetime
    capacity: int

    @classmethod
    def of(cls, s: Slot) -> SlotOut:
        return cls(id=s.id, doctor_id=s.doctor_id, start=s.start, end=s.end, capacity=s.capacity)


class SlotSummaryOut(SlotOut):
    model_config = _examples(
        {"id": 7, "doctorId": 1, "start": "2026-03-02T09:00:00", "end": "2026-03-02T10:00:00",
         "capacity": 6, "occupancy": 4, "available": 2, "waitlisted": 0, "status": "OPEN",
         "bookable": True},
    )

    occupancy: int
    available: int = Field(description="free seats: capacity minus occupancy, at least 0")
    waitlisted: int = Field(description="length of the waitlist")
    status: str
    bookable: bool

    @classmethod
    def of(cls, s: SlotSummary) -> SlotSummaryOut:  # type: ignore[override]
        return cls(id=s.id, doctor_id=s.doctor_id, start=s.start, end=s.end,
                   capacity=s.capacity, occupancy=s.occupancy,
                   available=max(0, s.capacity - s.occupancy), waitlisted=s.waitlisted,
                   status=s.status.value, bookable=s.bookable)


class CapacityIn(ApiModel):
    model_config = _examples({"capacity": 8})

    capacity: StrictInt


class ReasonIn(ApiModel):
    model_config = _examples({"reason": "closed by mistake"})

    reason: StrictStr


# -- tokens -------------------------------------------------------------------------


TOKEN_EXAMPLE: dict[str, Any] = {
    "id": 41, "number": "RAO-007", "patientName": "Meena Iyer", "patientRef": "+919876543210",
    "source": "ONLINE", "priority": 4, "status": "BOOKED", "slotId": 7, "doctorId": 1,
    "seq": 41, "overbooked": False,
}
EVENT_EXAMPLE: dict[str, Any] = {
    "id": 120, "at": "2026-03-02T09:12:30", "kind": "BOOKED", "tokenId": 41, "slotId": 7,
    "detail": {"status": "BOOKED", "slotId": 7, "number": "RAO-007"},
}


class TokenOut(ApiModel):
    model_config = _examples(TOKEN_EXAMPLE)

    id: int
    number: str
    patient_name: str
    patient_ref: str | None
    source: str
    priority: int
    status: str
    slot_id: int
    doctor_id: int
    seq: int
    overbooked: bool

    @classmethod
    def of(cls, t: Token) -> TokenOut:
        return cls(id=t.id, number=t.number, patient_name=t.patient_name,
                   patient_ref=t.patient_ref, source=t.source.value, priority=t.priority,
                   status=t.status.value, slot_id=t.slot_id, doctor_id=t.doctor_id, seq=t.seq,
                   overbooked=t.overbooked)


class TokenDetailOut(TokenOut):
    model_config = _examples({**TOKEN_EXAMPLE, "eta": "2026-03-02T09:40:00"})

    eta: datetime | None = Field(description="estimated time of the consultation (rule 16)")


class SlotViewOut(SlotSummaryOut):
    model_config = _examples(
        {"id": 7, "doctorId": 1, "start": "2026-03-02T09:00:00", "end": "2026-03-02T10:00:00",
         "capacity": 1, "occupancy": 1, "available": 0, "waitlisted": 0, "status": "FULL",
         "bookable": True,
         "seated": [TOKEN_EXAMPLE],
         "waitlist": []},
    )

    seated: list[TokenOut] | None = Field(
        description="seat holders in consultation order; null for a portal key")
    waitlist: list[TokenOut] | None = Field(
        description="the waitlist in promotion order; null for a portal key")

    @classmethod
    def of_view(cls, v: SlotView, *, with_patients: bool) -> SlotViewOut:
        return cls(
            id=v.id, doctor_id=v.doctor_id, start=v.start, end=v.end, capacity=v.capacity,
            occupancy=v.occupancy, available=max(0, v.capacity - v.occupancy),
            waitlisted=len(v.waitlist), status=v.status.value, bookable=v.bookable,
            seated=[TokenOut.of(t) for t in v.seated] if with_patients else None,
            waitlist=[TokenOut.of(t) for t in v.waitlist] if with_patients else None,
        )


class BookIn(SeedModel):
    model_config = _examples(
        {"slotId": 7, "patientName": "Meena Iyer", "source": "ONLINE",
         "patientRef": "+91 98765 43210", "age": 34, "sex": "F"},
    )

    slot_id: StrictInt
    patient_name: StrictStr
    source: StrictStr = Field(description="EMERGENCY, PAID, FOLLOWUP, ONLINE or WALKIN; "
                              "any case. A portal key books ONLINE only")
    patient_ref: StrictStr | None = Field(None, description="phone or hospital number")
    age: StrictInt | None = None
    sex: StrictStr | None = Field(None, description="F, M or O")
    in_hall: StrictBool = Field(False, description="the patient is at the desk: a seated "
                                "token of today is checked in at once (not for portal keys)")
    priority: Any = Field(None, description="ignored: the source decides (seed clients)")
    doctor_id: StrictInt | None = Field(None, description="optional; must be the slot's doctor")


class EmergencyIn(ApiModel):
    model_config = _examples(
        {"doctorId": 1, "patientName": "Ravi Kumar", "slotId": 7},
        {"doctorId": 1, "patientName": "Ravi Kumar"},
    )

    doctor_id: StrictInt
    patient_name: StrictStr
    slot_id: StrictInt | None = Field(None, description="default: the doctor's current slot, "
                                      "else the next one today")
    patient_ref: StrictStr | None = None
    age: StrictInt | None = None
    sex: StrictStr | None = None
    in_hall: StrictBool = False


BookingStatus = Literal["ALLOCATED", "ALLOCATED_EMERGENCY", "ALLOCATED_BY_BUMPING", "WAITLISTED"]


class BookingOut(ApiModel):
    model_config = _examples(
        {"status": "ALLOCATED_BY_BUMPING",
         "token": TOKEN_EXAMPLE,
         "bumpedToken": 38},
    )

    status: BookingStatus
    token: TokenOut
    bumped_token: int | None = Field(description="id of the token this booking bumped")


class CancelOut(ApiModel):
    model_config = _examples(
        {"status": "CANCELLED_AND_REALLOCATED",
         "token": {**TOKEN_EXAMPLE, "status": "CANCELLED"},
         "reallocatedToken": 44},
    )

    status: Literal["CANCELLED_AND_REALLOCATED", "CANCELLED_NO_WAITLIST"]
    token: TokenOut
    reallocated_token: int | None = Field(description="id of the waitlisted token promoted "
                                          "into the freed seat")


class MoveIn(ApiModel):
    model_config = _examples({"slotId": 8})

    slot_id: StrictInt


class CallNextOut(ApiModel):
    model_config = _examples(
        {"token": {**TOKEN_EXAMPLE, "status": "IN_CONSULTATION"}},
        {"token": None},
    )

    token: TokenOut | None = Field(description="the patient called in, or null: nobody waits")


# -- events, board, health, simulation ------------------------------------------------


class EventOut(ApiModel):
    model_config = _examples(EVENT_EXAMPLE)

    id: int
    at: datetime
    kind: str
    token_id: int | None
    slot_id: int | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, e: Event) -> EventOut:
        return cls(id=e.id, at=e.at, kind=e.kind.value, token_id=e.token_id, slot_id=e.slot_id,
                   detail=camel_keys(e.detail))


class EventsOut(ApiModel):
    model_config = _examples(
        {"events": [EVENT_EXAMPLE], "last": 120},
    )

    events: list[EventOut]
    last: int = Field(description="the id to ask after next time")


class BoardRow(ApiModel):
    doctor_code: str
    doctor_name: str
    room: str | None
    in_consultation: str | None = Field(description="token number with the doctor")
    next: list[str] = Field(description="the next token numbers to be called")

    @classmethod
    def of(cls, n: NowServing) -> BoardRow:
        return cls(doctor_code=n.doctor_code, doctor_name=n.doctor_name, room=n.room,
                   in_consultation=n.in_consultation, next=list(n.next_numbers))


class BoardOut(ApiModel):
    model_config = _examples(
        {"day": "2026-03-02", "doctors": [
            {"doctorCode": "RAO", "doctorName": "Dr Anjali Rao", "room": "12",
             "inConsultation": "RAO-004", "next": ["RAO-005", "RAO-007"]}]},
    )

    day: date
    doctors: list[BoardRow]


class HealthOut(ApiModel):
    model_config = _examples({"status": "ok", "database": "sqlite",
                              "clock": "2026-03-02T09:12:30"})

    status: Literal["ok"]
    database: str
    clock: datetime = Field(description="the hospital's clock the server books by (rule 18)")


class SimulateIn(ApiModel):
    model_config = _examples({"seed": 7, "doctors": 3})

    seed: StrictInt | None = None
    doctors: StrictInt | None = None


class ErrorOut(ApiModel):
    model_config = _examples(
        {"error": "NoSeat", "message": "Slot 09:00-10:00 is full with patients of the same or "
         "higher priority; RAO-007 was not moved."},
    )

    error: str = Field(description="the OPDError class: InvalidInput, NotFound, NoSeat, ...")
    message: str


#: What any endpoint may answer besides its own result (for the OpenAPI document).
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "no key, or an unknown or revoked key"},
    403: {"model": ErrorOut, "description": "the key's scope does not allow this"},
    409: {"model": ErrorOut, "description": "a refused command (InvalidTransition, NoSeat, "
          "DuplicateBooking, SlotNotBookable, ...)"},
    422: {"model": ErrorOut, "description": "bad input (InvalidInput, naming the field)"},
    503: {"model": ErrorOut, "description": "the database is busy or unavailable; see "
          "Retry-After"},
}
