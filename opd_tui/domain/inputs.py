"""Input limits of SPEC §4, checked with pydantic before anything is written.

Each command's arguments are one small model; `validate()` turns pydantic's
errors into `InvalidInput` naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from .enums import Source
from .errors import InvalidInput

NAME_MAX = 80
CODE_PATTERN = re.compile(r"[A-Z0-9]{1,6}")
REF_MIN, REF_MAX = 3, 32
CAPACITY_MIN, CAPACITY_MAX = 1, 500
DELAY_MIN, DELAY_MAX = 1, 240
SLOT_MIN = timedelta(minutes=5)
SLOT_MAX = timedelta(hours=12)
CONSULT_MIN, CONSULT_MAX = 1, 240


def _plain_text(value: str) -> str:
    """Free text shown on screens: what matters is that nothing in it controls the terminal."""
    text = value.strip()
    if not 1 <= len(text) <= NAME_MAX:
        raise ValueError(f"must be 1 to {NAME_MAX} characters (got {len(text)})")
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs"):
            raise ValueError(f"must not contain control characters (found U+{ord(ch):04X})")
    return text


def _person_text(value: str) -> str:
    """A name in any script (with its combining marks and joiners), holding a letter."""
    text = _plain_text(value)
    if not any(unicodedata.category(ch).startswith("L") for ch in text):
        raise ValueError("must contain at least one letter")
    return text


def _optional_text(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return _plain_text(value)


def _doctor_code(value: str) -> str:
    code = value.strip()
    if not code.isascii() or not CODE_PATTERN.fullmatch(code := code.upper()):
        raise ValueError("must be 1 to 6 letters A-Z or digits 0-9")
    return code


def _patient_ref(value: str | None) -> str | None:
    if value is None:
        return None
    ref = value.strip()
    if not ref:
        return None
    if not REF_MIN <= len(ref) <= REF_MAX:
        raise ValueError(f"must be {REF_MIN} to {REF_MAX} characters (got {len(ref)})")
    bad = [ch for ch in ref if not (ch.isalpha() or ch.isdecimal() or ch in "+-")]
    if bad:
        raise ValueError(
            f"may hold only letters, digits, '+' and '-' (found {bad[0]!r})"
        )
    return ref


def tidy_ref(typed: str) -> str | None:
    """A phone or hospital number as typed (`+91 98123 45678`) to the reference the
    rules take: people type spaces; the number itself has none. Empty: no reference."""
    return "".join(typed.split()) or None


def patient_key(ref: str) -> str:
    """How references are compared: case does not make another patient."""
    return ref.upper()


def _source(value: Any) -> Source:
    return Source.parse(value)


def _naive_local(value: datetime) -> datetime:
    """All times are the hospital's wall clock; aware input is converted to it."""
    if value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    return value


PersonName = Annotated[str, AfterValidator(_person_text)]
OptionalText = Annotated[str | None, AfterValidator(_optional_text)]
DoctorCode = Annotated[str, AfterValidator(_doctor_code)]
PatientRef = Annotated[str | None, AfterValidator(_patient_ref)]
SourceInput = Annotated[Source, BeforeValidator(_source)]
Id = Annotated[int, Field(gt=0, strict=False)]
Capacity = Annotated[int, Field(ge=CAPACITY_MIN, le=CAPACITY_MAX)]
WallTime = Annotated[datetime, AfterValidator(_naive_local)]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewDoctor(_Input):
    name: PersonName
    code: DoctorCode
    department: OptionalText = None
    room: OptionalText = None
    consult_minutes: Annotated[int, Field(ge=CONSULT_MIN, le=CONSULT_MAX)] = 10


class DoctorChanges(_Input):
    name: PersonName | None = None
    department: OptionalText = None
    room: OptionalText = None
    consult_minutes: Annotated[int, Field(ge=CONSULT_MIN, le=CONSULT_MAX)] | None = None


class NewSlot(_Input):
    doctor_id: Id
    start: WallTime
    end: WallTime
    capacity: Capacity

    @field_validator("end")
    @classmethod
    def _within_one_day(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if start is None:
            return end
        length = end - start
        if length <= timedelta(0):
            raise ValueError("must be after the start")
        if length < SLOT_MIN:
            raise ValueError("a slot lasts at least 5 minutes")
        if length > SLOT_MAX:
            raise ValueError("a slot lasts at most 12 hours")
        midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time())
        if end > midnight:
            raise ValueError("a slot must end by midnight of its day")
        return end


class DaySchedule(_Input):
    """A doctor's session, cut into equal slots: 09:00-13:00 by 60 minutes, say."""

    doctor_id: Id
    day: date
    start: time
    end: time
    slot_minutes: Annotated[int, Field(ge=5, le=720)]
    capacity: Capacity

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError("must be after the start")
        return end


class NewBooking(_Input):
    slot_id: Id
    patient_name: PersonName
    source: SourceInput
    patient_ref: PatientRef = None


class NewWalkIn(_Input):
    doctor_id: Id
    patient_name: PersonName
    source: SourceInput = Source.WALKIN
    patient_ref: PatientRef = None


class NewEmergency(_Input):
    doctor_id: Id
    patient_name: PersonName
    slot_id: Id | None = None
    patient_ref: PatientRef = None


class CapacityChange(_Input):
    slot_id: Id
    capacity: Capacity


class Delay(_Input):
    doctor_id: Id
    minutes: Annotated[int, Field(ge=DELAY_MIN, le=DELAY_MAX)]


class TokenRef(_Input):
    token_id: Id


class SlotRef(_Input):
    slot_id: Id


class DoctorRef(_Input):
    doctor_id: Id


class Move(_Input):
    token_id: Id
    slot_id: Id


class Clock(_Input):
    now: WallTime | None = None


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], **values: Any) -> M:
    """Build `model` from keyword input or raise `InvalidInput` naming the field."""
    try:
        return model(**values)
    except ValidationError as error:
        raise InvalidInput.from_validation(error) from None
