"""Doctors: the seed's `POST /doctors` and `GET /doctors`, their day (call next,
delay, reassign) and their week (roster, leave)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from ...domain.errors import DuplicateDoctorCode, InvalidInput
from ..deps import AdminKey, DeskKey, DoctorId, EngineDep, PortalKey, ServicesDep
from ..schemas import (
    ERRORS,
    CallNextOut,
    DelayIn,
    DoctorIn,
    DoctorOut,
    DoctorPatch,
    LeaveOut,
    ReassignIn,
    RosterIn,
    RosterOut,
    SlotOut,
    TokenOut,
)

router = APIRouter(prefix="/doctors", tags=["doctors"], responses=ERRORS)

_TITLES = {"DR", "DOCTOR", "PROF", "MR", "MRS", "MS", "MISS", "SHRI", "SMT"}
CODE_LENGTH = 6
#: Tries at a derived code when another request takes the same one at the same moment.
_CODE_TRIES = 5


def code_from_name(name: str) -> str:
    """A doctor code from a name, as the seed derived it: `Dr Anjali Rao` → `RAO`."""
    words = [w for w in re.split(r"[\s.,]+", name) if w and w.upper() not in _TITLES]
    for word in reversed(words):
        latin = unicodedata.normalize("NFKD", word)
        letters = "".join(ch for ch in latin if ch.isascii() and ch.isalnum()).upper()
        if letters:
            return letters[:CODE_LENGTH]
    return "DR"


def unique_code(base: str, taken: set[str]) -> str:
    """`base`, else `base` with 2, 3 ... (cut to fit six characters)."""
    if base not in taken:
        return base
    for n in range(2, 10**CODE_LENGTH):
        suffix = str(n)
        candidate = base[: CODE_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise InvalidInput("code: every code from this name is taken; give one", field="code")


@router.post("", status_code=201, response_model=DoctorOut)
def add_doctor(body: DoctorIn, key: AdminKey, engine: EngineDep) -> DoctorOut:
    """Add a doctor. `code` (1-6 of A-Z, 0-9) is derived from the name when absent and
    made unique; `specialization` is taken for `department`."""
    if body.department is not None and body.specialization is not None and (
        body.department != body.specialization
    ):
        raise InvalidInput("specialization: give department or specialization, not two "
                           "different ones", field="specialization")
    department = body.department if body.department is not None else body.specialization
    if body.code is not None:
        doctor = engine.add_doctor(body.name, body.code, department, body.room,
                                   body.consult_minutes)
        return DoctorOut.of(doctor)
    base = code_from_name(body.name)
    for _ in range(_CODE_TRIES):
        taken = {d.code for d in engine.doctors()}
        try:
            doctor = engine.add_doctor(body.name, unique_code(base, taken), department,
                                       body.room, body.consult_minutes)
        except DuplicateDoctorCode:
            continue  # another request took it a moment ago: the next one
        return DoctorOut.of(doctor)
    raise DuplicateDoctorCode("Other doctors were being added with the same code; "
                              "try again, or give a code.")


@router.get("", response_model=list[DoctorOut])
def list_doctors(
    key: PortalKey,
    engine: EngineDep,
    active_only: Annotated[bool, Query(alias="activeOnly")] = False,
) -> list[DoctorOut]:
    """Every doctor (or only the active ones), by department and name."""
    return [DoctorOut.of(d) for d in engine.doctors(active_only=active_only)]


@router.get("/{doctor_id}", response_model=DoctorOut)
def get_doctor(doctor_id: DoctorId, key: PortalKey, engine: EngineDep) -> DoctorOut:
    return DoctorOut.of(engine.doctor(doctor_id))


@router.patch("/{doctor_id}", response_model=DoctorOut)
def change_doctor(
    doctor_id: DoctorId, body: DoctorPatch, key: AdminKey, engine: EngineDep
) -> DoctorOut:
    """Rename, move room, change the consultation minutes, or (de)activate (rule 19)."""
    changes = body.model_dump(exclude_unset=True, exclude={"active"}, by_alias=False)
    doctor = engine.doctor(doctor_id)
    if changes:
        doctor = engine.update_doctor(doctor_id, **changes)
    if body.active is not None:
        doctor = engine.set_doctor_active(doctor_id, body.active)
    return DoctorOut.of(doctor)


@router.post("/{doctor_id}/call-next", response_model=CallNextOut)
def call_next(doctor_id: DoctorId, key: DeskKey, engine: EngineDep) -> CallNextOut:
    """Complete the doctor's patient in consultation and call the next checked-in one
    (rule 8); `token` is null when nobody is waiting."""
    token = engine.call_next(doctor_id)
    return CallNextOut(token=TokenOut.of(token) if token is not None else None)


@router.post("/{doctor_id}/delay", response_model=list[SlotOut])
def delay(doctor_id: DoctorId, body: DelayIn, key: DeskKey, engine: EngineDep) -> list[SlotOut]:
    """The doctor runs late: today's slots not yet started move by `minutes` (rule 13)."""
    return [SlotOut.of(s) for s in engine.delay_doctor(doctor_id, body.minutes)]


@router.post("/{doctor_id}/reassign", response_model=list[TokenOut])
def reassign(
    doctor_id: DoctorId, body: ReassignIn, key: DeskKey, services: ServicesDep
) -> list[TokenOut]:
    """The doctor is absent: their day's live tokens go to another doctor (rule 20)."""
    day = body.day or services.today()
    moved = services.engine.reassign(doctor_id, body.to_doctor_id, day)
    return [TokenOut.of(t) for t in moved]


@router.get("/{doctor_id}/roster", response_model=list[RosterOut])
def roster(doctor_id: DoctorId, key: PortalKey, engine: EngineDep) -> list[RosterOut]:
    """The doctor's week (rule 24): sessions per weekday (0 = Monday)."""
    engine.doctor(doctor_id)
    return [RosterOut.model_validate(r.model_dump()) for r in engine.rosters(doctor_id)]


@router.put("/{doctor_id}/roster/{weekday}", response_model=RosterOut)
def set_roster(
    doctor_id: DoctorId,
    weekday: Annotated[int, Path(ge=0, le=6, description="0 = Monday ... 6 = Sunday")],
    body: RosterIn,
    key: AdminKey,
    engine: EngineDep,
) -> RosterOut:
    """Set one weekday of the doctor's roster; no sessions: the doctor does not work it."""
    made = engine.set_roster(doctor_id, weekday, body.sessions, body.slot_minutes, body.capacity)
    return RosterOut.model_validate(made.model_dump())


@router.put("/{doctor_id}/leave/{day}", response_model=LeaveOut)
def set_leave(doctor_id: DoctorId, day: date, key: AdminKey, engine: EngineDep) -> LeaveOut:
    """The doctor is on leave that day: rosters make no slots for it."""
    engine.set_leave(doctor_id, day, True)
    return LeaveOut(doctor_id=doctor_id, day=day, on_leave=True)


@router.delete("/{doctor_id}/leave/{day}", response_model=LeaveOut)
def cancel_leave(doctor_id: DoctorId, day: date, key: AdminKey, engine: EngineDep) -> LeaveOut:
    engine.set_leave(doctor_id, day, False)
    return LeaveOut(doctor_id=doctor_id, day=day, on_leave=False)
