"""A believable OPD day for `opd-tui --demo`, built through the engine's public API.

Eight doctors in four departments, slots 09:00-13:00 and 14:00-17:00, bookings
from every source made in the order a real morning makes them (online and
follow-up bookings before the doors open, walk-ins after), some slots full,
one overbooked by an emergency, waitlists, patients checked in, called and
seen. The day is played up to `DEMO_TIME` (10:40), so the morning session is
under way when the desk opens.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from .db.connect import default_url
from .domain.enums import Source, TokenStatus
from .engine import AllocationEngine
from .errors import OPDError

DEMO_FILE = "demo.sqlite3"
DEMO_TIME = time(10, 40)
SEED = 20250310

DOCTORS = [
    # name, code, department, room, consult minutes
    ("Anjali Rao", "RAO", "Cardiology", "101", 12),
    ("Vikram Mehta", "MEHTA", "Cardiology", "102", 10),
    ("Priya Iyer", "IYER", "Paediatrics", "201", 8),
    ("Suresh Nair", "NAIR", "Paediatrics", "202", 8),
    ("Farah Khan", "KHAN", "Orthopaedics", "301", 10),
    ("Rohan Das", "DAS", "Orthopaedics", "302", 10),
    ("Meera Pillai", "PILLAI", "General Medicine", "110", 7),
    ("Arjun Singh", "SINGH", "General Medicine", "111", 7),
]
SESSIONS = [(time(9, 0), time(13, 0)), (time(14, 0), time(17, 0))]
SLOT_MINUTES = 60
CAPACITY = 6

FIRST = [
    "Aarav", "Aditi", "Akash", "Ananya", "Arjun", "Bhavna", "Deepak", "Divya", "Gaurav",
    "Geeta", "Harish", "Isha", "Kavya", "Kiran", "Lakshmi", "Manoj", "Neha", "Nikhil",
    "Pooja", "Rahul", "Ramesh", "Rekha", "Sanjay", "Shreya", "Sunita", "Tanvi", "Usha",
    "Varun", "Yash", "Zoya", "Fatima", "Joseph", "Mary", "Imran", "Sneha", "Tarun",
]
LAST = [
    "Sharma", "Verma", "Gupta", "Reddy", "Menon", "Kulkarni", "Joshi", "Patel", "Chatterjee",
    "Banerjee", "Naidu", "Hegde", "Bose", "Qureshi", "Fernandes", "D'Souza", "Pandey",
    "Mishra", "Agarwal", "Krishnan", "Thomas", "Ghosh", "Saxena", "Yadav",
]


def demo_url() -> str:
    return default_url(DEMO_FILE)


def demo_now(day: date) -> datetime:
    return datetime.combine(day, DEMO_TIME)


def has_day(engine: AllocationEngine, day: date) -> bool:
    return bool(engine.day_slots(day))


def ensure_demo_day(engine: AllocationEngine, day: date, seed: int = SEED) -> bool:
    """Fill `day` with the demo unless it already has slots; True when it was filled."""
    if has_day(engine, day):
        return False
    build_demo_day(engine, day, seed)
    return True


def build_demo_day(engine: AllocationEngine, day: date, seed: int = SEED) -> None:
    rng = random.Random(seed)
    codes = {d.code: d for d in engine.doctors()}
    doctors = []
    for name, code, department, room, minutes in DOCTORS:
        doctor = codes.get(code)
        if doctor is None:
            doctor = engine.add_doctor(name, code, department, room, minutes)
        elif not doctor.active:
            doctor = engine.set_doctor_active(doctor.id, True)
        doctors.append(doctor)
    slots: dict[int, list] = {}
    for doctor in doctors:
        slots[doctor.id] = []
        for start, end in SESSIONS:
            slots[doctor.id] += engine.generate_slots(
                doctor.id, day, start, end, SLOT_MINUTES, CAPACITY
            )
    # Dr Singh's afternoon clinic is small; Dr Das runs a longer morning.
    singh, das = doctors[7], doctors[5]
    engine.set_capacity(slots[singh.id][4].id, 3, now=_at(day, 7, 0))
    engine.set_capacity(slots[das.id][1].id, 8, now=_at(day, 7, 0))

    clock = _Clock(_at(day, 7, 30))
    used: set[str] = set()

    def patient() -> tuple[str, str]:
        while True:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if name not in used:
                used.add(name)
                break
        ref = rng.choice([f"+9198{rng.randrange(10**7, 10**8)}", f"H-{rng.randrange(100000, 999999)}"])
        return name, ref

    def book(slot_id: int, source: Source) -> None:
        name, ref = patient()
        try:
            engine.book(slot_id, name, source, patient_ref=ref, now=clock.tick(rng))
        except OPDError:
            pass

    # Before the doors open: online, follow-up and paid appointments.
    ahead = [Source.ONLINE] * 5 + [Source.FOLLOWUP] * 3 + [Source.PAID] * 2
    fill = {0: 6, 1: 6, 2: 4, 3: 2, 4: 3, 5: 2, 6: 1}
    for i, doctor in enumerate(doctors):
        for k, slot in enumerate(slots[doctor.id]):
            wanted = fill[k] if i % 2 == 0 else max(0, fill[k] - 2 + (k % 2))
            for _ in range(wanted):
                book(slot.id, rng.choice(ahead))
    # Popular slots: more patients than seats, so bumps and waitlists happen.
    rao, iyer, pillai = doctors[0], doctors[2], doctors[6]
    for doctor, k, extra in ((rao, 1, 3), (iyer, 2, 4), (pillai, 1, 2)):
        room = max(0, slots[doctor.id][k].capacity - engine.slot_view(slots[doctor.id][k].id).occupancy)
        for _ in range(room):
            book(slots[doctor.id][k].id, Source.ONLINE)
        for n in range(extra):
            book(slots[doctor.id][k].id, Source.PAID if n == 0 else Source.WALKIN)

    # The morning: walk-ins, arrivals, consultations.
    clock.jump(_at(day, 9, 0))
    for doctor in doctors:
        book(rng.choice(slots[doctor.id][:3]).id, Source.WALKIN)
    for doctor in doctors:
        first = engine.slot_view(slots[doctor.id][0].id, now=clock.now)
        for token in first.seated:
            if rng.random() < 0.85:
                engine.check_in(token.id, now=clock.tick(rng))
    clock.jump(_at(day, 9, 5))
    for doctor in doctors:
        for _ in range(rng.randint(3, 5)):
            engine.call_next(doctor.id, now=clock.tick(rng, 30, 90))
    # A missed appointment and a change of plans.
    for doctor in doctors[:3]:
        first = engine.slot_view(slots[doctor.id][0].id, now=clock.now)
        booked = [t for t in first.seated if t.status == TokenStatus.BOOKED]
        if booked:
            engine.no_show(booked[0].id, now=clock.tick(rng))
    for doctor in doctors[3:5]:
        later = engine.slot_view(slots[doctor.id][5].id, now=clock.now)
        if later.seated:
            engine.cancel(later.seated[-1].id, now=clock.tick(rng))
    clock.jump(_at(day, 10, 0))
    engine.advance(clock.now)
    for doctor in doctors:
        second = engine.slot_view(slots[doctor.id][1].id, now=clock.now)
        for token in second.seated[:4]:
            if token.status == TokenStatus.BOOKED:
                engine.check_in(token.id, now=clock.tick(rng))
        engine.call_next(doctor.id, now=clock.tick(rng, 30, 90))
    # An emergency walks in: Dr Rao's 10:00 slot is already full.
    clock.jump(_at(day, 10, 25))
    engine.emergency(rao.id, "Mohan Lal", patient_ref="+919812345678", now=clock.now)
    engine.delay_doctor(doctors[4].id, 15, now=clock.tick(rng))
    for doctor in doctors[1::2]:
        book(slots[doctor.id][2].id, Source.WALKIN)
    engine.advance(demo_now(day))


def open_demo(today: date | None = None) -> tuple[AllocationEngine, Callable[[], datetime]]:
    """The demo database (filled for today when it has no day yet) and its clock.

    The demo's clock starts at 10:40 today, or where the demo was left if later,
    and runs in real time from there.
    """
    engine = AllocationEngine.open(demo_url())
    day = today or date.today()
    ensure_demo_day(engine, day)
    start = engine.clock(now=demo_now(day))
    return engine, _running_clock(start)


def _running_clock(start: datetime) -> Callable[[], datetime]:
    import time as _time

    origin = _time.monotonic()
    return lambda: start + timedelta(seconds=_time.monotonic() - origin)


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute))


class _Clock:
    """The seeding clock: strictly forward, a few minutes per step."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def tick(self, rng: random.Random, low: int = 5, high: int = 20) -> datetime:
        self.now += timedelta(seconds=rng.randint(low, high))
        return self.now

    def jump(self, to: datetime) -> None:
        self.now = max(self.now, to)
