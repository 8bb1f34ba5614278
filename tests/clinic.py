"""A doctor's day for the rule tests: consecutive half-hour slots from 09:00.

The OPD day is Monday 4 March 2030; every command gets an explicit `now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from opd_tui.domain.models import Doctor, Slot, SlotView, Token
from opd_tui.engine import AllocationEngine

DAY = date(2030, 3, 4)
NEXT_DAY = DAY + timedelta(days=1)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


BEFORE_OPD = at(8)


@dataclass
class Clinic:
    """One doctor's day of consecutive half-hour slots from 09:00."""

    engine: AllocationEngine
    doctor: Doctor
    slots: list[Slot]

    def book(
        self,
        slot: int,
        source: str,
        name: str = "Ravi Kumar",
        ref: str | None = None,
        now: datetime = BEFORE_OPD,
    ) -> Token:
        return self.engine.book(self.slots[slot].id, name, source, patient_ref=ref, now=now)

    def view(self, slot: int, now: datetime = BEFORE_OPD) -> SlotView:
        return self.engine.slot_view(self.slots[slot].id, now=now)

    def fill(self, slot: int, *sources: str) -> list[Token]:
        return [self.book(slot, s, name=f"Filler {chr(65 + i)}") for i, s in enumerate(sources)]


def make_clinic(
    engine: AllocationEngine,
    *capacities: int,
    code: str = "AR",
    day: date = DAY,
    consult_minutes: int = 10,
) -> Clinic:
    doctor = engine.add_doctor(f"Doctor {code}", code, consult_minutes=consult_minutes)
    slots = []
    start = datetime.combine(day, time(9))
    for capacity in capacities:
        slots.append(engine.add_slot(doctor.id, start, start + timedelta(minutes=30), capacity))
        start += timedelta(minutes=30)
    return Clinic(engine, doctor, slots)
