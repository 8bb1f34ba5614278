"""Who comes to the OPD on the simulated day, and what goes wrong: drawn before it starts.

`plan_day(config)` fixes everything that does not depend on the engine's
answers: the doctors, every patient (name, hospital number, source, the slot a
pre-booked patient asks for, when they book, cancel or arrive, whether they
come at all), the emergencies, the late starts and the closed slots. What the
engine does with them (seats, bumps, waitlists, calls) is played out by the
runner.

Each doctor, and each of a doctor's patients, draws from a random stream of
its own, seeded by the seed and their position: the first three doctors of a
100-doctor day see the same patients as a 3-doctor day with the same seed, and
two days that differ only in a parameter or a policy see the same people
(common random numbers, what makes `opd-tui simulate compare` fair).
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
    #: Who this is, the same in every variant of the day: `D2:W7` is doctor 2's
    #: seventh walk-in (B: booked ahead, W: walk-in, E: emergency).
    ident: str
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
    #: The standard normal draw of the patient's consultation time.
    consult_z: float


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


def front_loaded(u: float, start: datetime, end: datetime, load: float) -> datetime:
    """The time in [start, end) at quantile `u` of a density falling linearly by `load`
    over the window."""
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
        patients.extend(_patients(config, doctor, slot_times, len(patients)))
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
    # Every draw is made whatever the parameters, in one order: a day with another
    # late-start probability has the same doctors, late by the same draws.
    spread_z = rng.gauss(0.0, 1.0)
    late_u, late_length_u = rng.random(), rng.random()
    # The last slot cannot close: its patients would have nowhere to go.
    close_u = [rng.random() for _ in range(len(slot_times) - 1)]
    if index < len(config.consult_minutes_by_doctor):
        mean = config.consult_minutes_by_doctor[index]
    else:
        spread = config.doctor_consult_spread
        # exp(N(-s^2/2, s)) has mean 1: the OPD's mean stays the configured one.
        mean = config.consult_mean_minutes * math.exp(-spread * spread / 2 + spread * spread_z)
    late = 0
    notice = None
    if late_u < config.doctor_late_probability:
        shortest, longest = config.doctor_late_min_minutes, config.doctor_late_max_minutes
        late = shortest + min(longest - shortest, int(late_length_u * (longest - shortest + 1)))
        notice = slot_times[0][0] - timedelta(minutes=config.doctor_late_notice_minutes)
    closed = tuple(i for i, u in enumerate(close_u) if u < config.slot_close_probability)
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
    slot_times: tuple[tuple[datetime, datetime], ...],
    first_key: int,
) -> list[PatientPlan]:
    """The doctor's patients. Common random numbers: each patient draws from a stream of
    their own, all their draws in one fixed order whatever the parameters, so a day
    with other parameters (or policies) has the same people arriving at the same times,
    and the n-th walk-in of one variant is the n-th walk-in of another."""
    plans: list[PatientPlan] = []
    refs: set[str] = set()
    seed, d = config.seed, doctor.index

    def person(rng: random.Random) -> tuple[str, str]:
        """A name and a hospital number of its own among the doctor's patients, drawn
        after the rest of the patient's draws (their order fixes the day)."""
        name = NameBook(rng, config.native_script_share).patient()
        while True:
            ref = f"UHID-{rng.randint(10_000_000, 99_999_999)}"
            if ref not in refs:
                refs.add(ref)
                return name, ref

    first_session_end = config.at(config.sessions[0].end)
    morning = [i for i, (s, _) in enumerate(slot_times) if s < first_session_end]
    later = [i for i in range(len(slot_times)) if i not in morning] or morning
    seats = doctor.capacity * len(slot_times)
    evening_from = config.at(config.prebook_from, days=-1)
    evening_until = config.at(config.prebook_until, days=-1)
    midnight = config.at(datetime.min.time())
    opens = day_opens(slot_times)

    booked_ahead = poisson(stream(seed, "prebook-count", d), config.prebook_load * seats)
    for j in range(booked_ahead):
        rng = stream(seed, f"prebook:{d}", j)
        (prefer_u, slot_u, book_u, cancel_u, cancel_at_u, come_u, late_u, late_length_u,
         source_u, rebook_u) = (rng.random() for _ in range(10))
        arrival_z, consult_z = rng.gauss(0.0, 1.0), rng.gauss(0.0, 1.0)
        choices = morning if prefer_u < config.morning_preference else later
        slot = choices[min(len(choices) - 1, int(slot_u * len(choices)))]
        start = slot_times[slot][0]
        book_at = to_second(evening_from + (evening_until - evening_from) * book_u)
        cancel_at = None
        if cancel_u < config.cancellation_rate:
            cancel_at = to_second(book_at + (midnight - book_at) * cancel_at_u)
        elif cancel_u < config.cancellation_rate + config.same_day_cancellation_rate:
            latest = max(opens, start - timedelta(minutes=30))
            cancel_at = to_second(opens + (latest - opens) * cancel_at_u)
        comes = cancel_at is None and come_u >= config.no_show_rate
        if late_u < config.late_probability:
            offset = -config.late_mean_minutes * math.log(1.0 - late_length_u)
        else:
            offset = -config.arrival_early_minutes + config.arrival_spread_minutes * arrival_z
        name, ref = person(rng)
        plans.append(PatientPlan(
            key=first_key + len(plans), ident=f"D{d + 1}:B{j + 1}", name=name, ref=ref,
            doctor=d,
            source=Source.FOLLOWUP if source_u < config.followup_share else Source.ONLINE,
            slot=slot,
            book_at=book_at,
            cancel_at=cancel_at,
            comes=comes,
            arrival_offset=max(-120.0, offset),
            kiosk=False,
            rebooks=rebook_u < config.late_rebook_probability,
            consult_z=consult_z,
        ))

    walkin_open = config.at(config.walkin_opens)
    # Nobody registers a walk-in after the doctor's last slot has ended.
    walkin_close = min(config.at(config.walkin_closes), slot_times[-1][1])
    lunch = min(max(first_session_end, walkin_open), walkin_close)
    walkins = 0
    if walkin_close > walkin_open:
        walkins = poisson(stream(seed, "walkin-count", d), config.walkins_per_doctor)
    for j in range(walkins):
        rng = stream(seed, f"walkin:{d}", j)
        window_u, time_u, paid_u, kiosk_u = (rng.random() for _ in range(4))
        consult_z = rng.gauss(0.0, 1.0)
        if lunch >= walkin_close or (lunch > walkin_open
                                     and window_u < config.walkin_morning_share):
            window = (walkin_open, lunch)
        else:
            window = (lunch, walkin_close)
        arrives = to_second(front_loaded(time_u, *window, config.walkin_front_load))
        paid = paid_u < config.paid_share
        name, ref = person(rng)
        plans.append(PatientPlan(
            key=first_key + len(plans), ident=f"D{d + 1}:W{j + 1}", name=name, ref=ref,
            doctor=d,
            source=Source.PAID if paid else Source.WALKIN,
            slot=None,
            book_at=arrives,
            cancel_at=None,
            comes=True,
            arrival_offset=0.0,
            kiosk=not paid and kiosk_u < config.kiosk_share,
            rebooks=False,
            consult_z=consult_z,
        ))

    first_start, last_end = slot_times[0][0], slot_times[-1][1]
    emergencies = poisson(stream(seed, "emergency-count", d), config.emergencies_per_doctor)
    for j in range(emergencies):
        rng = stream(seed, f"emergency:{d}", j)
        time_u, known_u = rng.random(), rng.random()
        consult_z = rng.gauss(0.0, 1.0)
        arrives = to_second(
            first_start + (max(last_end - timedelta(minutes=15), first_start) - first_start)
            * time_u
        )
        name, ref = person(rng)
        plans.append(PatientPlan(
            key=first_key + len(plans), ident=f"D{d + 1}:E{j + 1}", name=name,
            # Half are brought in before anyone finds their number.
            ref=ref if known_u < 0.5 else None,
            doctor=d,
            source=Source.EMERGENCY,
            slot=None,
            book_at=arrives,
            cancel_at=None,
            comes=True,
            arrival_offset=0.0,
            kiosk=False,
            rebooks=False,
            consult_z=consult_z,
        ))
    return plans


def consultation_minutes(rng: random.Random, mean: float, cv: float) -> float:
    """Lognormal with the given mean and coefficient of variation, at least half a minute."""
    return lognormal_minutes(rng.gauss(0.0, 1.0), mean, cv)


def lognormal_minutes(z: float, mean: float, cv: float) -> float:
    """The lognormal consultation of a patient whose standard normal draw is `z`: the
    same patient takes longer with a slower doctor, and as long with any policy."""
    if cv <= 0:
        return mean
    sigma2 = math.log(1 + cv * cv)
    return max(0.5, math.exp(math.log(mean) - sigma2 / 2 + math.sqrt(sigma2) * z))

