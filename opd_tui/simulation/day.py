"""Who comes to the OPD on the simulated day, and what goes wrong: drawn before it starts.

`plan_day(config)` fixes everything that does not depend on the engine's
answers: the doctors, every patient (name, hospital number, source, the slot a
pre-booked patient asks for, when they book, cancel or arrive, whether they
come at all), the emergencies, the late starts and the closed slots. What the
engine does with them (seats, bumps, waitlists, calls) is played out by the
runner.

Each doctor's day is drawn from a random stream of its own, seeded by the
seed and the doctor's position: the first three doctors of a 100-doctor day
see the same patients as a 3-doctor day with the same seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.enums import Source
from .config import SimulationConfig
from .names import NameBook


@dataclass(frozen=True, slots=True)
class DoctorPlan:
    index: int
    name: str
    code: str
    department: str
    room: str
    capacity: int
    #: Mean consultation time in minutes.
    consult_mean: float
    #: Minutes the doctor starts late (0: on time), and when the desk hears of it.
    late_minutes: int
    late_notice_at: datetime | None
    #: Positions (in the doctor's day) of slots the doctor cannot hold.
    closed_slots: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PatientPlan:
    key: int
    name: str
    ref: str | None
    source: Source
    doctor: int
    #: Position of the slot a pre-booked patient asks for (None: walk-in, emergency).
    slot: int | None
    #: When the token is asked for: the evening before, or on arrival.
    book_at: datetime
    cancel_at: datetime | None
    comes: bool
    #: Pre-booked patients arrive this many minutes after their slot's start
    #: (negative: early).
    arrival_offset: float
    #: A walk-in who uses the kiosk (earliest free seat) rather than the desk.
    kiosk: bool
    #: Marked a no-show before turning up late, takes a walk-in token.
    rebooks: bool


@dataclass(frozen=True)
class DayPlan:
    config: SimulationConfig
    doctors: tuple[DoctorPlan, ...]
    #: Every doctor's slot times, in order (the same timetable for all).
    slot_times: tuple[tuple[datetime, datetime], ...]
    patients: tuple[PatientPlan, ...]

    @property
    def first_start(self) -> datetime:
        return self.slot_times[0][0]

    @property
    def day_opens(self) -> datetime:
        return day_opens(self.slot_times)

    @property
    def last_end(self) -> datetime:
        return self.slot_times[-1][1]


def stream(seed: int, purpose: str, index: int) -> random.Random:
    """An independent random stream: string seeds are hashed (SHA-512) by `random`."""
    return random.Random(f"opd-sim:{seed}:{purpose}:{index}")


def poisson(rng: random.Random, mean: float) -> int:
    """Events of a unit-rate Poisson process before `mean`: exact for any mean."""
    count, elapsed = 0, rng.expovariate(1.0) if mean > 0 else math.inf
    while elapsed < mean:
        count += 1
        elapsed += rng.expovariate(1.0)
    return count


def to_second(t: datetime) -> datetime:
    """Happenings fall on whole seconds: logs and event times stay readable."""
    return t.replace(microsecond=0)


def front_loaded(rng: random.Random, start: datetime, end: datetime, load: float) -> datetime:
    """A time in [start, end) with a density falling linearly by `load` over the window."""
    u = rng.random()
    if load <= 0:
        x = u
    else:  # inverse of F(x) = (x - load x^2 / 2) / (1 - load / 2)
        x = (1 - math.sqrt(max(0.0, 1 - 2 * load * u * (1 - load / 2)))) / load
    return start + (end - start) * x


def day_opens(slot_times: tuple[tuple[datetime, datetime], ...]) -> datetime:
    """Two hours before the first slot (not before midnight): the hall opens."""
    first = slot_times[0][0]
    return max(first - timedelta(hours=2), datetime.combine(first.date(), datetime.min.time()))


def plan_day(config: SimulationConfig) -> DayPlan:
    slot_times = tuple(config.slot_times())
    doctors: list[DoctorPlan] = []
    patients: list[PatientPlan] = []
    per_department: dict[str, int] = {}
    for index in range(config.doctors):
        rng = stream(config.seed, "doctor", index)
        names = NameBook(stream(config.seed, "names", index), config.native_script_share)
        department = names.department()
        per_department[department.prefix] = per_department.get(department.prefix, 0) + 1
        doctor = _doctor(config, index, rng, names, department.name,
                         f"{department.prefix}{per_department[department.prefix]}", slot_times)
        doctors.append(doctor)
        patients.extend(_patients(config, doctor, rng, names, slot_times, len(patients)))
    return DayPlan(config, tuple(doctors), slot_times, tuple(patients))


def _doctor(
    config: SimulationConfig,
    index: int,
    rng: random.Random,
    names: NameBook,
    department: str,
    code: str,
    slot_times: tuple[tuple[datetime, datetime], ...],
) -> DoctorPlan:
    if index < len(config.consult_minutes_by_doctor):
        mean = config.consult_minutes_by_doctor[index]
    else:
        spread = config.doctor_consult_spread
        # exp(N(-s^2/2, s)) has mean 1: the OPD's mean stays the configured one.
        mean = config.consult_mean_minutes * math.exp(rng.gauss(-spread * spread / 2, spread))
    late = 0
    notice = None
    if rng.random() < config.doctor_late_probability:
        late = rng.randint(config.doctor_late_min_minutes, config.doctor_late_max_minutes)
        notice = slot_times[0][0] - timedelta(minutes=config.doctor_late_notice_minutes)
    # The last slot cannot close: its patients would have nowhere to go.
    closed = tuple(
        i for i in range(len(slot_times) - 1) if rng.random() < config.slot_close_probability
    )
    return DoctorPlan(
        index=index,
        name=names.doctor(),
        code=code,
        department=department,
        room=f"Room {101 + index}",
        capacity=config.capacity_of(index),
        consult_mean=mean,
        late_minutes=late,
        late_notice_at=notice,
        closed_slots=closed,
    )


def _patients(
    config: SimulationConfig,
    doctor: DoctorPlan,
    rng: random.Random,
    names: NameBook,
    slot_times: tuple[tuple[datetime, datetime], ...],
    first_key: int,
) -> list[PatientPlan]:
    plans: list[PatientPlan] = []
    refs: set[str] = set()

    def hospital_number() -> str:
        while True:
            ref = f"UHID-{rng.randint(10_000_000, 99_999_999)}"
            if ref not in refs:
                refs.add(ref)
                return ref

    def add(**fields: object) -> None:
        plans.append(PatientPlan(key=first_key + len(plans), doctor=doctor.index, **fields))

    first_session_end = config.at(config.sessions[0].end)
    morning = [i for i, (s, _) in enumerate(slot_times) if s < first_session_end]
    later = [i for i in range(len(slot_times)) if i not in morning] or morning
    seats = doctor.capacity * len(slot_times)
    evening_from = config.at(config.prebook_from, days=-1)
    evening_until = config.at(config.prebook_until, days=-1)
    midnight = config.at(datetime.min.time())
    opens = day_opens(slot_times)

    for _ in range(poisson(rng, config.prebook_load * seats)):
        slot = rng.choice(morning if rng.random() < config.morning_preference else later)
        start = slot_times[slot][0]
        book_at = to_second(evening_from + (evening_until - evening_from) * rng.random())
        draw = rng.random()
        cancel_at = None
        if draw < config.cancellation_rate:
            cancel_at = to_second(book_at + (midnight - book_at) * rng.random())
        elif draw < config.cancellation_rate + config.same_day_cancellation_rate:
            latest = max(opens, start - timedelta(minutes=30))
            cancel_at = to_second(opens + (latest - opens) * rng.random())
        comes = cancel_at is None and rng.random() >= config.no_show_rate
        if rng.random() < config.late_probability:
            late = config.late_mean_minutes
            offset = rng.expovariate(1 / late) if late else 0.0
        else:
            offset = rng.gauss(-config.arrival_early_minutes, config.arrival_spread_minutes)
        add(
            name=names.patient(),
            ref=hospital_number(),
            source=Source.FOLLOWUP if rng.random() < config.followup_share else Source.ONLINE,
            slot=slot,
            book_at=book_at,
            cancel_at=cancel_at,
            comes=comes,
            arrival_offset=max(-120.0, offset),
            kiosk=False,
            rebooks=rng.random() < config.late_rebook_probability,
        )

    walkin_open = config.at(config.walkin_opens)
    # Nobody registers a walk-in after the doctor's last slot has ended.
    walkin_close = min(config.at(config.walkin_closes), slot_times[-1][1])
    lunch = min(max(first_session_end, walkin_open), walkin_close)
    walkins = poisson(rng, config.walkins_per_doctor) if walkin_close > walkin_open else 0
    for _ in range(walkins):
        if lunch >= walkin_close or (lunch > walkin_open
                                     and rng.random() < config.walkin_morning_share):
            window = (walkin_open, lunch)
        else:
            window = (lunch, walkin_close)
        arrives = to_second(front_loaded(rng, *window, config.walkin_front_load))
        paid = rng.random() < config.paid_share
        add(
            name=names.patient(),
            ref=hospital_number(),
            source=Source.PAID if paid else Source.WALKIN,
            slot=None,
            book_at=arrives,
            cancel_at=None,
            comes=True,
            arrival_offset=0.0,
            kiosk=not paid and rng.random() < config.kiosk_share,
            rebooks=False,
        )

    first_start, last_end = slot_times[0][0], slot_times[-1][1]
    for _ in range(poisson(rng, config.emergencies_per_doctor)):
        arrives = to_second(
            first_start + (max(last_end - timedelta(minutes=15), first_start) - first_start)
            * rng.random()
        )
        add(
            name=names.patient(),
            # Half are brought in before anyone finds their hospital number.
            ref=hospital_number() if rng.random() < 0.5 else None,
            source=Source.EMERGENCY,
            slot=None,
            book_at=arrives,
            cancel_at=None,
            comes=True,
            arrival_offset=0.0,
            kiosk=False,
            rebooks=False,
        )
    return plans


def consultation_minutes(rng: random.Random, mean: float, cv: float) -> float:
    """Lognormal with the given mean and coefficient of variation, at least half a minute."""
    if cv <= 0:
        return mean
    sigma2 = math.log(1 + cv * cv)
    return max(0.5, rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2)))

