"""The simulated day's to-do list: happenings in time order.

Two happenings at the same instant are taken in the order of their `Kind`
(a slot's waitlist rolls over before the next slot's first call, a patient
whose token just got a seat checks in before the doctor looks up), then in the
order they were added, so a seed always plays out the same way.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum


class Kind(IntEnum):
    ADD_DOCTOR = 0
    PREBOOK = 1
    CANCEL = 2
    DELAY = 3
    CLOSE = 4
    DAY_OPENS = 5
    #: A slot ended: `advance()` rolls its waitlist over.
    ADVANCE = 6
    #: A patient in the hall whose token just got a seat goes to the counter.
    CHECK_IN = 7
    SLOT_START = 8
    CONSULT_END = 9
    CALL = 10
    NO_SHOW_SWEEP = 11
    ARRIVAL = 12
    WALKIN = 13
    EMERGENCY = 14
    #: After the last slot: whoever still holds a seat without coming is a no-show.
    DAY_CLOSES = 15
    #: Nothing else happens today: the desk finishes the day (rule 17).
    DAY_ENDS = 16


@dataclass(frozen=True, slots=True)
class Happening:
    at: datetime
    kind: Kind
    doctor: int | None = None
    patient: int | None = None
    slot_id: int | None = None
    token_id: int | None = None


@dataclass(order=True, slots=True)
class _Entry:
    at: datetime
    kind: int
    order: int
    happening: Happening = field(compare=False)


class Agenda:
    def __init__(self) -> None:
        self._heap: list[_Entry] = []
        self._added = 0

    def add(self, happening: Happening) -> None:
        self._added += 1
        heapq.heappush(
            self._heap, _Entry(happening.at, int(happening.kind), self._added, happening)
        )

    def pop(self) -> Happening:
        return heapq.heappop(self._heap).happening

    def peek(self) -> Happening | None:
        return self._heap[0].happening if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
