"""Input limits of SPEC §4, checked with pydantic before anything is written.

Each command's (and query's) arguments are one small model; `validate()` turns
pydantic's errors into `InvalidInput` naming the field. Ids are strict: a `bool`
or a numeric string is a caller's mistake, not slot 1, and an id beyond the
database's integer range is refused here rather than by the database driver.
"""

# pydantic turns a validator's ValueError into a field error; a TypeError would escape.
# ruff: noqa: TRY004

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Annotated, Any, TypeVar

import phonenumbers
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

from .enums import Sex, Source
from .errors import InvalidInput

NAME_MAX = 80
REASON_MAX = 200
SEARCH_MAX = 100
CODE_PATTERN = re.compile(r"[A-Z0-9]{1,6}")
REF_MIN, REF_MAX = 3, 32
CAPACITY_MIN, CAPACITY_MAX = 1, 500
DELAY_MIN, DELAY_MAX = 1, 240
SLOT_MIN = timedelta(minutes=5)
SLOT_MAX = timedelta(hours=12)
SLOT_MINUTES_MIN, SLOT_MINUTES_MAX = 5, 720
CONSULT_MIN, CONSULT_MAX = 1, 240
AGE_MIN, AGE_MAX = 0, 130
SEARCH_LIMIT_MAX = 500
EVENTS_LIMIT_MAX = 10_000
#: PostgreSQL's `integer`: every id column. A larger id cannot exist.
ID_MAX = 2_147_483_647
#: The hospital's region for reading phone numbers (rule 23).
REGION_SETTING, DEFAULT_REGION = "OPD_REGION", "IN"

# -- text -----------------------------------------------------------------------

#: Zero-width joiner and non-joiner: Devanagari, Bengali and Tamil names need them.
JOINERS = frozenset({"\u200c", "\u200d"})
#: Control, format, line/paragraph separators, private use, unassigned, surrogates:
#: nothing a name needs, and everything that can hide or disguise text on a screen.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"})


def _hidden_character(text: str) -> str | None:
    for ch in text:
        if unicodedata.category(ch) in HIDDEN_CATEGORIES and ch not in JOINERS:
            return ch
    return None


def _a_string(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _screen_text(value: str, limit: int) -> str:
    """Free text shown on screens: trimmed, 1..limit characters, nothing hidden in it."""
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    if len(text) > limit:
        raise ValueError(f"must be at most {limit} characters (this is {len(text)})")
    if (ch := _hidden_character(text)) is not None:
        raise ValueError(
            f"holds a hidden or control character (U+{ord(ch):04X}); retype it by hand"
        )
    return text


def _text_or_none(value: Any) -> Any:
    return value if value is None else _a_string(value)


def _plain_text(value: str) -> str:
    return _screen_text(value, NAME_MAX)


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


def _reason_text(value: str) -> str:
    return _screen_text(value, REASON_MAX)


def _search_text(value: str) -> str:
    text = value.strip()
    if len(text) > SEARCH_MAX:
        raise ValueError(f"must be at most {SEARCH_MAX} characters (this is {len(text)})")
    if (ch := _hidden_character(text)) is not None:
        raise ValueError(f"holds a hidden or control character (U+{ord(ch):04X})")
    return text


def _doctor_code(value: str) -> str:
    code = value.strip()
    if not code.isascii() or not CODE_PATTERN.fullmatch(code := code.upper()):
        raise ValueError("must be 1 to 6 letters A-Z or digits 0-9")
    return code


# -- patient references (rule 23) -------------------------------------------------

#: What people type inside a phone number and the number itself does not hold.
_TYPED_SEPARATORS = str.maketrans("", "", " .()[]{}")
_PHONE_LIKE = re.compile(r"\+?[0-9-]+")


def _ascii_digits(text: str) -> str:
    """Digits of any script (Devanagari ९, full-width ９) as 0-9."""
    return "".join(
        str(unicodedata.digit(ch)) if unicodedata.category(ch) == "Nd" else ch for ch in text
    )


def region() -> str:
    """The hospital's region, read each time so a setting change needs no restart."""
    return (os.environ.get(REGION_SETTING) or DEFAULT_REGION).strip().upper()


def _phone(text: str) -> str | None:
    """`text` in E.164 when it is a valid phone number of the hospital's region."""
    if not _PHONE_LIKE.fullmatch(text):
        return None  # an identifier that merely holds digits (UHID9876543210) stays one
    where = region()
    try:
        number = phonenumbers.parse(text, where)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number_for_region(number, where):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normal_ref(text: str) -> str:
    """A patient reference in the one form it is stored and compared in (rule 23):
    a phone number of the hospital's region in E.164 (`+919876543210`), anything
    else as an identifier, upper-cased without dashes (`H187943`). Raises
    `ValueError` saying what is wrong when `text` is no reference at all."""
    typed = _ascii_digits(unicodedata.normalize("NFKC", text).translate(_TYPED_SEPARATORS))
    if not REF_MIN <= len(typed) <= REF_MAX:
        raise ValueError(
            f"must be {REF_MIN} to {REF_MAX} characters: letters, digits, '+' or '-' "
            f"(this has {len(typed)})"
        )
    bad = next((ch for ch in typed if not (ch.isalpha() or ch.isdecimal() or ch in "+-")), None)
    if bad is not None:
        shown = repr(bad) if bad.isprintable() else f"U+{ord(bad):04X}"
        raise ValueError(f"may hold only letters, digits, '+' and '-' (found {shown})")
    if (phone := _phone(typed)) is not None:
        return phone
    ident = typed.replace("-", "").upper()
    if len(ident) > REF_MAX:  # upper-casing can lengthen a letter (ß is SS)
        raise ValueError(f"must be at most {REF_MAX} characters")
    if len(ident) < REF_MIN or not any(ch.isalnum() for ch in ident):
        raise ValueError(f"must hold at least {REF_MIN} letters or digits")
    return ident


def _patient_ref(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return normal_ref(value)


def _required_ref(value: str) -> str:
    if not value.strip():
        raise ValueError("type a phone number or hospital number")
    return normal_ref(value)


def tidy_ref(typed: str) -> str | None:
    """A phone or hospital number as typed (`+91 98123 45678`) to the reference the
    rules take: people type spaces; the number itself has none. Empty: no reference."""
    return "".join(typed.split()) or None


def patient_key(ref: str) -> str:
    """How references are compared: their normal form (`normal_ref`)."""
    return normal_ref(ref)


# -- numbers, flags, days and times -------------------------------------------------


def _whole_number(value: Any) -> Any:
    """Strict: an int and nothing else (`True` is not slot 1, `"1"` is not id 1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _no_flag(value: Any) -> Any:
    """Counts typed into forms may arrive as text ("12"), never as True/False."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    return value


def _yes_or_no(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("must be True or False")
    return value


def _a_day(value: Any) -> Any:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValueError("must be a calendar date (a date, without a time)")
    return value


def _a_moment(value: Any) -> Any:
    if not isinstance(value, datetime):
        raise ValueError("must be a date and time")
    return value


def _a_time_of_day(value: Any) -> Any:
    if not isinstance(value, time):
        raise ValueError("must be a time of day, like 09:00")
    return value


def _naive_local(value: datetime) -> datetime:
    """All times are the hospital's wall clock; aware input is converted to it."""
    if value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    return value


def _source(value: Any) -> Source:
    return Source.parse(value)


def _sex(value: Any) -> Sex:
    try:
        return Sex.parse(value)
    except ValueError:
        raise ValueError("must be F, M or O") from None


PersonName = Annotated[str, BeforeValidator(_a_string), AfterValidator(_person_text)]
OptionalText = Annotated[
    str | None, BeforeValidator(_text_or_none), AfterValidator(_optional_text)
]
ReasonText = Annotated[str, BeforeValidator(_a_string), AfterValidator(_reason_text)]
SearchText = Annotated[str, BeforeValidator(_a_string), AfterValidator(_search_text)]
DoctorCode = Annotated[str, BeforeValidator(_a_string), AfterValidator(_doctor_code)]
PatientRef = Annotated[
    str | None, BeforeValidator(_text_or_none), AfterValidator(_patient_ref)
]
RequiredRef = Annotated[str, BeforeValidator(_a_string), AfterValidator(_required_ref)]
SourceInput = Annotated[Source, BeforeValidator(_source)]
SexInput = Annotated[Sex, BeforeValidator(_sex)]
Id = Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=ID_MAX)]
Age = Annotated[int, BeforeValidator(_whole_number), Field(ge=AGE_MIN, le=AGE_MAX)]
Weekday = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=6)]
Capacity = Annotated[int, BeforeValidator(_no_flag), Field(ge=CAPACITY_MIN, le=CAPACITY_MAX)]
SlotMinutes = Annotated[
    int, BeforeValidator(_no_flag), Field(ge=SLOT_MINUTES_MIN, le=SLOT_MINUTES_MAX)
]
ConsultMinutes = Annotated[int, BeforeValidator(_no_flag), Field(ge=CONSULT_MIN, le=CONSULT_MAX)]
Flag = Annotated[bool, BeforeValidator(_yes_or_no)]
Day = Annotated[date, BeforeValidator(_a_day)]
ClockTime = Annotated[time, BeforeValidator(_a_time_of_day)]
WallTime = Annotated[datetime, BeforeValidator(_a_moment), AfterValidator(_naive_local)]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- doctors and slots ---------------------------------------------------------------


class NewDoctor(_Input):
    name: PersonName
    code: DoctorCode
    department: OptionalText = None
    room: OptionalText = None
    consult_minutes: ConsultMinutes = 10


class DoctorChanges(_Input):
    name: PersonName | None = None
    department: OptionalText = None
    room: OptionalText = None
    consult_minutes: ConsultMinutes | None = None


class PreviewFlag(_Input):
    preview: Flag = False


class DoctorActive(_Input):
    doctor_id: Id
    active: Flag


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
    day: Day
    start: ClockTime
    end: ClockTime
    slot_minutes: SlotMinutes
    capacity: Capacity

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError("must be after the start")
        return end


Session = tuple[ClockTime, ClockTime]


class RosterInput(_Input):
    """A doctor's weekday (rule 24): sessions cut into slots of `slot_minutes`.
    No sessions: the doctor does not work that weekday."""

    doctor_id: Id
    weekday: Weekday
    slot_minutes: SlotMinutes
    capacity: Capacity
    sessions: Annotated[list[Session], Field(max_length=48)]

    @field_validator("sessions")
    @classmethod
    def _in_order(cls, sessions: list[Session], info: ValidationInfo) -> list[Session]:
        ordered = sorted(sessions)
        for start, end in ordered:
            if end <= start:
                raise ValueError(f"a session ends after it starts ({start:%H:%M}-{end:%H:%M})")
        for (_, end), (start, _) in pairwise(ordered):
            if start < end:
                raise ValueError(f"sessions overlap ({start:%H:%M} is before {end:%H:%M})")
        minutes = info.data.get("slot_minutes")
        if minutes is None:  # refused on its own field already
            return ordered
        for start, end in ordered:
            length = datetime.combine(date.min, end) - datetime.combine(date.min, start)
            if length < timedelta(minutes=minutes):
                raise ValueError(
                    f"the session {start:%H:%M}-{end:%H:%M} is shorter than one "
                    f"{minutes}-minute slot"
                )
        return ordered


class LeaveInput(_Input):
    doctor_id: Id
    day: Day
    on_leave: Flag = True


class UntilInput(_Input):
    until: Day


class Reassign(_Input):
    doctor_id: Id
    to_doctor_id: Id
    day: Day

    @field_validator("to_doctor_id")
    @classmethod
    def _another_doctor(cls, to_doctor_id: int, info: ValidationInfo) -> int:
        if to_doctor_id == info.data.get("doctor_id"):
            raise ValueError("must be another doctor than the absent one")
        return to_doctor_id


# -- tokens ----------------------------------------------------------------------------


class NewPatientToken(_Input):
    """What every new token takes about its patient (rule 23), and `in_hall`: the
    patient stands at the desk or the kiosk (rule 22)."""

    patient_name: PersonName
    patient_ref: PatientRef = None
    age: Age | None = None
    sex: SexInput | None = None
    in_hall: Flag = False


class NewBooking(NewPatientToken):
    slot_id: Id
    source: SourceInput


class NewWalkIn(NewPatientToken):
    doctor_id: Id
    source: SourceInput = Source.WALKIN


class NewEmergency(NewPatientToken):
    doctor_id: Id
    slot_id: Id | None = None


class PatientDetails(_Input):
    age: Age | None = None
    sex: SexInput | None = None


class PatientLookup(_Input):
    ref: RequiredRef


class CapacityChange(_Input):
    slot_id: Id
    capacity: Capacity


class Delay(_Input):
    doctor_id: Id
    minutes: Annotated[int, BeforeValidator(_no_flag), Field(ge=DELAY_MIN, le=DELAY_MAX)]


class TokenRef(_Input):
    token_id: Id


class SlotRef(_Input):
    slot_id: Id


class DoctorRef(_Input):
    doctor_id: Id


class Move(_Input):
    token_id: Id
    slot_id: Id


class Reason(_Input):
    reason: ReasonText


class Correction(_Input):
    token_id: Id
    reason: ReasonText


class SlotCorrection(_Input):
    slot_id: Id
    reason: ReasonText


class Clock(_Input):
    now: WallTime | None = None


# -- queries -----------------------------------------------------------------------------


class DayInput(_Input):
    day: Day


class DoctorsQuery(_Input):
    active_only: Flag = False


class DoctorDaysQuery(_Input):
    day: Day
    doctor_ids: list[Id] | None = None


class SlotIds(_Input):
    slot_ids: list[Id]


class SearchQuery(_Input):
    text: SearchText
    day: Day | None = None
    limit: Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=SEARCH_LIMIT_MAX)] = 50


class EventsQuery(_Input):
    after_id: Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=ID_MAX)] = 0
    limit: (
        Annotated[int, BeforeValidator(_whole_number), Field(ge=1, le=EVENTS_LIMIT_MAX)] | None
    ) = None


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], **values: Any) -> M:
    """Build `model` from keyword input or raise `InvalidInput` naming the field."""
    try:
        return model(**values)
    except ValidationError as error:
        raise InvalidInput.from_validation(error) from None
