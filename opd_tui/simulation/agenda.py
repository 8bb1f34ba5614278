"""The simulated day's to-do list: happenings in time order.

Each kind of happening is a type of its own, carrying only what its handler
needs, so the runner's `match` knows every field is there. Two happenings at the
same instant are taken in the order of `_ORDER` (a slot's waitlist rolls over
before the next slot's first call, a patient whose token just got a seat checks
in before the doctor looks up), then in the order they were added, so a seed
always plays out the same way.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class AddDoctor:
    """The desk adds the planned doctor (an index into the day's plan) and their slots."""

    at: datetime
    doctor: int


@dataclass(frozen=True, slots=True)
class Prebook:
    """A patient (a key into the plan) books ahead, the evening before."""

    at: datetime
    patient: int


@dataclass(frozen=True, slots=True)
class Cancel:
    at: datetime
    patient: int


@dataclass(frozen=True, slots=True)
class DoctorLate:
    """The desk hears the doctor will start late and delays their day."""

    at: datetime
    doctor: int


@dataclass(frozen=True, slots=True)
class CloseSlot:
    """The doctor cannot hold this slot; they are back when it would have ended."""

    at: datetime
    doctor: int
    slot_id: int


@dataclass(frozen=True, slots=True)
class DayOpens:
    """Pre-booked patients set out for the slot their token is in now."""

    at: datetime


@dataclass(frozen=True, slots=True)
class SlotEnds:
    """A slot ended: `advance()` rolls its waitlist over."""

    at: datetime


@dataclass(frozen=True, slots=True)
class CheckInDue:
    """A patient in the hall whose token just got a seat goes to the counter."""

    at: datetime
    token_id: int


@dataclass(frozen=True, slots=True)
class DoctorStarts:
    """The doctor is at their desk (a slot starts, or a closed one is over)."""

    at: datetime
    doctor: int


@dataclass(frozen=True, slots=True)
class ConsultEnds:
    at: datetime
    doctor: int


@dataclass(frozen=True, slots=True)
class Call:
    """A free doctor with a patient checked in calls the next one."""

    at: datetime
    doctor: int


@dataclass(frozen=True, slots=True)
class NoShowSweep:
    """The slot's grace is over: whoever holds a seat in it and is not here is a no-show."""

    at: datetime
    slot_id: int


@dataclass(frozen=True, slots=True)
class Arrival:
    """A pre-booked patient comes into the hall."""

    at: datetime
    patient: int


@dataclass(frozen=True, slots=True)
class WalkIn:
    at: datetime
    patient: int


@dataclass(frozen=True, slots=True)
class Emergency:
    at: datetime
    patient: int


@dataclass(frozen=True, slots=True)
class DayCloses:
    """After the last slot: whoever still holds a seat without coming is a no-show."""

    at: datetime


@dataclass(frozen=True, slots=True)
class DayEnds:
    """Nothing else happens today: the desk finishes the day (rule 17)."""

    at: datetime


Happening: TypeAlias = (
    AddDoctor | Prebook | Cancel | DoctorLate | CloseSlot | DayOpens | SlotEnds | CheckInDue
    | DoctorStarts | ConsultEnds | Call | NoShowSweep | Arrival | WalkIn | Emergency
    | DayCloses | DayEnds
)

#: Which of two happenings at the same instant comes first.
_ORDER: tuple[type[Happening], ...] = (
    AddDoctor, Prebook, Cancel, DoctorLate, CloseSlot, DayOpens, SlotEnds, CheckInDue,
    DoctorStarts, ConsultEnds, Call, NoShowSweep, Arrival, WalkIn, Emergency, DayCloses,
    DayEnds,
)
_RANK: dict[type[Happening], int] = {kind: rank for rank, kind in enumerate(_ORDER)}


@dataclass(order=True, slots=True)
class _Entry:
    at: datetime
    rank: int
    order: int
    happening: Happening = field(compare=False)


class Agenda:
    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._added = 0

    def add(self, happening: Happening) -> None:
        self._added += 1
        heapq.heappush(
            self._heap,
            _Entry(happening.at, _RANK[type(happening)], self._added, happening),
        )

    def pop(self) -> Happening:
        return heapq.heappop(self._heap).happening

    def peek(self) -> Happening | None:
        return self._heap[0].happening if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
