"""What the kiosk reads from the engine, and the words it says to a patient.

Everything here is plain data and plain functions over the engine's public
API, so the screens only turn it into widgets. The rules (what is bookable,
what a valid name is, rule 16's estimated time) stay in the engine; this
module only chooses the kiosk's words for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ...domain import inputs
from ...domain.enums import SlotStatus, Source, TokenStatus
from ...domain.models import Doctor, Slot, SlotSummary, Token
from ...domain.vocabulary import source_word
from ...engine import AllocationEngine
from ...errors import (
    DoctorInactive,
    DuplicateBooking,
    InvalidInput,
    NoSeat,
    NotFound,
    OPDError,
    SlotNotBookable,
)

#: Doctors without a department are listed under this heading.
NO_DEPARTMENT = "Other doctors"
ASK_DESK = "Please ask at the reception desk."
WALK_IN = source_word(Source.WALKIN)


def dr(doctor: Doctor) -> str:
    return f"Dr {doctor.name}"


def room(doctor: Doctor) -> str:
    return f"Room {doctor.room}" if doctor.room else "Room: ask at the desk"


@dataclass(frozen=True)
class DoctorChoice:
    """A doctor as the kiosk offers them: when the next free seat is, how busy they are."""

    doctor: Doctor
    next_free: datetime | None  # the earliest free seat today (now, if the slot is under way)
    bookable: bool  # any slot left today, free or full (a full one has a waiting list)
    waiting: int

    @property
    def department(self) -> str:
        return self.doctor.department or NO_DEPARTMENT

    @property
    def full(self) -> bool:
        return self.bookable and self.next_free is None

    def availability(self, now: datetime) -> str:
        if not self.bookable:
            return "No more places today"
        if self.next_free is None:
            return "Full today: waiting list"
        if self.next_free <= now:
            return "Free now"
        return f"Next free {self.next_free:%H:%M}"


@dataclass(frozen=True)
class Outlook:
    """Every active doctor's walk-in outlook at one moment."""

    now: datetime
    choices: list[DoctorChoice]

    @property
    def departments(self) -> list[str]:
        seen: dict[str, None] = {}
        for choice in self.choices:
            seen.setdefault(choice.department)
        return list(seen)

    def in_department(self, department: str) -> list[DoctorChoice]:
        return [c for c in self.choices if c.department == department]


def read_outlook(engine: AllocationEngine, now: datetime) -> Outlook:
    day = now.date()
    slots = engine.day_slots(day, now=now)
    waiting = engine.waiting_counts(day, now=now)
    by_doctor: dict[int, list[SlotSummary]] = {}
    for slot in sorted(slots, key=lambda s: s.start):
        by_doctor.setdefault(slot.doctor_id, []).append(slot)
    choices = []
    for doctor in engine.doctors(active_only=True):
        mine = by_doctor.get(doctor.id, [])
        bookable = [s for s in mine if s.status not in (SlotStatus.CLOSED, SlotStatus.ENDED)]
        free = next((s for s in bookable if s.status == SlotStatus.OPEN), None)
        choices.append(
            DoctorChoice(
                doctor=doctor,
                next_free=max(now, free.start) if free is not None else None,
                bookable=bool(bookable),
                waiting=waiting.get(doctor.id, 0),
            )
        )
    return Outlook(now, choices)


# -- the patient's answers ----------------------------------------------------


@dataclass(frozen=True)
class WalkIn:
    """What the patient has chosen so far."""

    department: str | None = None
    choice: DoctorChoice | None = None
    name: str | None = None
    phone: str | None = None
    outlook: Outlook | None = field(default=None, compare=False)


def name_problem(doctor_id: int, name: str) -> str | None:
    """The engine's rule for a patient name, in a patient's words (None: fine)."""
    try:
        inputs.validate(inputs.NewWalkIn, doctor_id=doctor_id, patient_name=name)
    except InvalidInput:
        return describe_name(name)
    return None


def describe_name(name: str) -> str:
    text = name.strip()
    if not text:
        return "Please type your name."
    if len(text) > inputs.NAME_MAX:
        return f"That name is too long. Please use at most {inputs.NAME_MAX} letters."
    return "Please type your name in letters."


def phone_problem(doctor_id: int, name: str, phone: str | None) -> str | None:
    try:
        inputs.validate(
            inputs.NewWalkIn, doctor_id=doctor_id, patient_name=name, patient_ref=phone
        )
    except InvalidInput:
        return describe_phone()
    return None


def describe_phone() -> str:
    return (
        f"That does not look like a phone number. Please type {inputs.REF_MIN} to "
        f"{inputs.REF_MAX} digits, or leave it empty."
    )


def booking_problem(error: OPDError, walk_in: WalkIn) -> str:
    """Why the engine refused the token, said to a patient (it changed nothing).
    The database's own faults are not refusals: see `booking.make_token`."""
    doctor = walk_in.choice.doctor if walk_in.choice else None
    who = dr(doctor) if doctor else "this doctor"
    if isinstance(error, DoctorInactive):
        return f"{who} is not taking {WALK_IN} patients now. {ASK_DESK}"
    if isinstance(error, InvalidInput):
        if error.field == "patient_ref":
            return describe_phone()
        if error.field == "patient_name":
            return describe_name(walk_in.name or "")
        return f"{who} is not taking {WALK_IN} patients now. {ASK_DESK}"
    if isinstance(error, DuplicateBooking):
        return f"This phone number already has a token for {who} today. {ASK_DESK}"
    if isinstance(error, (NoSeat, SlotNotBookable, NotFound)):
        return f"{who} has no more places today. Please choose another doctor, or ask at the desk."
    return f"Sorry, your token could not be made. {ASK_DESK}"


# -- the slip -----------------------------------------------------------------


@dataclass(frozen=True)
class Slip:
    """A made token as the patient takes it away. `slot` and `ahead` are None when
    the database failed just after the token was made: the number is what counts."""

    token: Token
    doctor: Doctor
    slot: Slot | None
    eta: datetime | None
    ahead: int | None  # seated: before you in your slot (rule 16); waitlisted: in line

    @property
    def waitlisted(self) -> bool:
        return self.token.status == TokenStatus.WAITLISTED


def read_slip(engine: AllocationEngine, token: Token, now: datetime | None) -> Slip:
    view = engine.slot_view(token.slot_id, now=now)
    if token.status == TokenStatus.WAITLISTED:
        ahead = next((i for i, t in enumerate(view.waitlist) if t.id == token.id), 0)
    else:
        # Whom rule 16 counts: anyone with the doctor, and those to be called before you.
        mine = next((i for i, t in enumerate(view.seated) if t.id == token.id), len(view.seated))
        ahead = sum(
            1
            for i, other in enumerate(view.seated)
            if other.id != token.id
            and (
                other.status == TokenStatus.IN_CONSULTATION
                or (other.status in (TokenStatus.BOOKED, TokenStatus.CHECKED_IN) and i < mine)
            )
        )
    slot = Slot(id=view.id, doctor_id=view.doctor_id, start=view.start, end=view.end,
                capacity=view.capacity)
    return Slip(token, engine.doctor(token.doctor_id), slot, engine.eta(token.id, now=now), ahead)


def ahead_words(slip: Slip) -> str:
    if slip.ahead is None:
        return "Ask at the desk"
    if slip.waitlisted:
        if slip.ahead == 0:
            return "You are first on the waiting list"
        return f"{slip.ahead} ahead of you on the waiting list"
    if slip.ahead == 0:
        return "No one ahead of you"
    if slip.ahead == 1:
        return "1 patient ahead of you"
    return f"{slip.ahead} patients ahead of you"
