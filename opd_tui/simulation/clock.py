"""The simulated clock, and the engine seen through it.

`ClockedEngine` is the simulation's only door to the engine: each command goes
through the engine's public API with `now` set to the simulated time, and is
counted, so a run reports how many engine operations it made. The clock only
moves forward, as the engine's own clock does.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

from ..domain.enums import Source
from ..domain.models import Doctor, Event, Slot, Token
from ..engine import AllocationEngine


class SimClock:
    def __init__(self, start: datetime) -> None:
        self._now = start

    @property
    def now(self) -> datetime:
        return self._now

    def advance_to(self, when: datetime) -> None:
        if when > self._now:
            self._now = when


class ClockedEngine:
    """The engine's commands at the simulated `now`, counted by name."""

    def __init__(self, engine: AllocationEngine, clock: SimClock) -> None:
        self.engine = engine
        self.clock = clock
        self.calls: Counter[str] = Counter()

    @property
    def now(self) -> datetime:
        return self.clock.now

    def _count(self, name: str) -> None:
        self.calls[name] += 1

    # -- set-up ----------------------------------------------------------------
    # The engine dates these events with `now` without moving its clock: the day is
    # set up on the simulated evening before it, not at the wall clock's time.

    def add_doctor(self, name: str, code: str, department: str, room: str,
                   consult_minutes: int) -> Doctor:
        self._count("add_doctor")
        return self.engine.add_doctor(name, code, department, room, consult_minutes,
                                      now=self.now)

    def generate_slots(self, doctor_id: int, day: date, start: time, end: time,
                       slot_minutes: int, capacity: int) -> list[Slot]:
        self._count("generate_slots")
        return self.engine.generate_slots(doctor_id, day, start, end, slot_minutes, capacity,
                                          now=self.now)

    # -- commands --------------------------------------------------------------

    def book(self, slot_id: int, name: str, source: Source, ref: str | None) -> Token:
        self._count("book")
        return self.engine.book(slot_id, name, source, ref, now=self.now)

    def book_earliest(self, doctor_id: int, name: str, ref: str | None) -> Token:
        self._count("book_earliest")
        return self.engine.book_earliest(doctor_id, name, Source.WALKIN, ref, now=self.now)

    def emergency(self, doctor_id: int, name: str, ref: str | None) -> Token:
        self._count("emergency")
        return self.engine.emergency(doctor_id, name, patient_ref=ref, now=self.now)

    def cancel(self, token_id: int) -> Token:
        self._count("cancel")
        return self.engine.cancel(token_id, now=self.now)

    def no_show(self, token_id: int) -> Token:
        self._count("no_show")
        return self.engine.no_show(token_id, now=self.now)

    def check_in(self, token_id: int) -> Token:
        self._count("check_in")
        return self.engine.check_in(token_id, now=self.now)

    def call_next(self, doctor_id: int) -> Token | None:
        self._count("call_next")
        return self.engine.call_next(doctor_id, now=self.now)

    def complete(self, token_id: int) -> Token:
        self._count("complete")
        return self.engine.complete(token_id, now=self.now)

    def close_slot(self, slot_id: int) -> Slot:
        self._count("close_slot")
        return self.engine.close_slot(slot_id, now=self.now)

    def delay_doctor(self, doctor_id: int, minutes: int) -> list[Slot]:
        self._count("delay_doctor")
        return self.engine.delay_doctor(doctor_id, minutes, now=self.now)

    def advance(self) -> list[Event]:
        self._count("advance")
        return self.engine.advance(self.now)

    def finish_day(self, day: date) -> list[Event]:
        self._count("finish_day")
        return self.engine.finish_day(day, now=self.now)

    # -- reads -----------------------------------------------------------------

    def events(self, after_id: int) -> list[Event]:
        self._count("events")
        return self.engine.events(after_id=after_id)

    def last_event_id(self) -> int:
        self._count("last_event_id")
        return self.engine.last_event_id()

    @property
    def operations(self) -> int:
        return sum(self.calls.values())
