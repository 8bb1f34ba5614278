"""Slots: the seed's `POST /slots` and `GET /slots?doctorId=&day=`, one slot's view,
and the day's changes to a slot (capacity, close, reopen)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from ...domain.errors import InvalidInput
from ...domain.inputs import ID_MAX
from ..deps import AdminKey, DeskKey, EngineDep, PortalKey, ServicesDep, SlotId
from ..keys import Scope
from ..schemas import ERRORS, CapacityIn, ReasonIn, SlotIn, SlotOut, SlotSummaryOut, SlotViewOut

router = APIRouter(prefix="/slots", tags=["slots"], responses=ERRORS)


def _times(body: SlotIn, today: date) -> tuple[datetime, datetime, int]:
    """Ours (`start`, `end`, `capacity`) or the seed's (`startTime`, `endTime` as HH:MM
    on `day`, `maxCapacity`); not both spellings of one thing."""
    if (body.start is not None or body.end is not None) and (
        body.start_time is not None or body.end_time is not None
    ):
        raise InvalidInput("start: give start/end or startTime/endTime, not both",
                           field="start")
    if body.capacity is not None and body.max_capacity is not None and (
        body.capacity != body.max_capacity
    ):
        raise InvalidInput("capacity: give capacity or maxCapacity, not two different ones",
                           field="capacity")
    capacity = body.capacity if body.capacity is not None else body.max_capacity
    if capacity is None:
        raise InvalidInput("capacity: required", field="capacity")
    if body.start_time is not None or body.end_time is not None:
        if body.start_time is None or body.end_time is None:
            missing = "startTime" if body.start_time is None else "endTime"
            raise InvalidInput(f"{missing}: required", field=missing)
        day = body.day or today
        return (datetime.combine(day, body.start_time), datetime.combine(day, body.end_time),
                capacity)
    if body.start is None or body.end is None:
        missing = "start" if body.start is None else "end"
        raise InvalidInput(f"{missing}: required (or startTime and endTime)", field=missing)
    return body.start, body.end, capacity


@router.post("", status_code=201, response_model=SlotOut)
def add_slot(body: SlotIn, key: AdminKey, services: ServicesDep) -> SlotOut:
    """Add a slot to a doctor's day: `start`/`end` (ISO 8601, hospital time) and
    `capacity`, or as the seed did, `startTime`/`endTime` (HH:MM) on `day` (default
    today) and `maxCapacity`."""
    start, end, capacity = _times(body, services.today())
    return SlotOut.of(services.engine.add_slot(body.doctor_id, start, end, capacity))


@router.get("", response_model=list[SlotSummaryOut])
def list_slots(
    key: PortalKey,
    services: ServicesDep,
    doctor_id: Annotated[int | None, Query(alias="doctorId", ge=1, le=ID_MAX)] = None,
    day: Annotated[date | None, Query(description="default: today")] = None,
) -> list[SlotSummaryOut]:
    """A day's slots (of one doctor, or all) with occupancy, status and waitlist length:
    what a portal offers its patients."""
    engine = services.engine
    if doctor_id is not None:
        engine.doctor(doctor_id)  # an unknown doctor is a 404, not an empty list
    slots = engine.day_slots(day or services.today())
    return [SlotSummaryOut.of(s) for s in slots if doctor_id is None or s.doctor_id == doctor_id]


@router.get("/{slot_id}", response_model=SlotViewOut)
def slot_view(slot_id: SlotId, key: PortalKey, engine: EngineDep) -> SlotViewOut:
    """One slot with its seated patients (consultation order) and waitlist (promotion
    order). A portal key gets the counts only: `seated` and `waitlist` are null."""
    view = engine.slot_view(slot_id)
    return SlotViewOut.of_view(view, with_patients=key.scope.allows(Scope.DESK))


@router.post("/{slot_id}/capacity", response_model=SlotOut)
def set_capacity(slot_id: SlotId, body: CapacityIn, key: DeskKey, engine: EngineDep) -> SlotOut:
    """1 to 500; below the seats taken is refused; raising it promotes the waitlist."""
    return SlotOut.of(engine.set_capacity(slot_id, body.capacity))


@router.post("/{slot_id}/close", response_model=SlotOut)
def close_slot(slot_id: SlotId, key: DeskKey, engine: EngineDep) -> SlotOut:
    """The doctor cannot see this slot: its patients go to later slots (rule 12)."""
    return SlotOut.of(engine.close_slot(slot_id))


@router.post("/{slot_id}/reopen", response_model=SlotOut)
def reopen_slot(slot_id: SlotId, body: ReasonIn, key: DeskKey, engine: EngineDep) -> SlotOut:
    """A slot closed by mistake takes bookings again (rule 21)."""
    return SlotOut.of(engine.reopen_slot(slot_id, body.reason))
