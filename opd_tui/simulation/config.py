"""Every knob of the synthetic OPD day, with defaults that look like a real one.

Each field becomes a flag of `opd-tui simulate` (`capacity_by_doctor` is
`--capacity-by-doctor`), so the description of a field is also its `--help`.
Where the defaults come from is written in the README's simulation section.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
Minutes = Annotated[float, Field(ge=0.0, le=240.0)]


class Session(BaseModel):
    """A block of OPD hours, cut into slots: 09:00-13:00."""

    model_config = ConfigDict(frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Session:
        if self.end <= self.start:
            raise ValueError(f"session {self.label} must end after it starts")
        return self

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


def _comma_list(value: Any) -> Any:
    """Flags give lists as one comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _sessions(value: Any) -> Any:
    items = _comma_list(value)
    if isinstance(items, list | tuple):
        parsed = []
        for item in items:
            if isinstance(item, str):
                start, sep, end = item.partition("-")
                if not sep:
                    raise ValueError(f"session {item!r} must look like 09:00-13:00")
                parsed.append({"start": start.strip(), "end": end.strip()})
            else:
                parsed.append(item)
        return parsed
    return items


def _by_start(sessions: tuple[Session, ...]) -> tuple[Session, ...]:
    return tuple(sorted(sessions, key=lambda s: s.start))


def half_up(value: float) -> int:
    """Rounded as people round (2.5 is 3), not to the even neighbour."""
    return math.floor(value + 0.5)


class SimulationConfig(BaseModel):
    """The parameters of one simulated OPD day."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(1, description="seed of every random draw: same seed, same day")
    doctors: int = Field(3, ge=1, le=2000, description="number of doctors in the OPD")
    day: date = Field(date(2025, 3, 3), description="the simulated OPD day (YYYY-MM-DD)")

    # -- the doctors' timetable ------------------------------------------------
    sessions: Annotated[
        tuple[Session, ...], BeforeValidator(_sessions), AfterValidator(_by_start)
    ] = Field(
        (Session(start=time(9), end=time(13)), Session(start=time(14), end=time(17))),
        min_length=1,
        description="OPD sessions, comma-separated (09:00-13:00,14:00-17:00)",
    )
    slot_minutes: int = Field(60, ge=5, le=720, description="length of a slot in minutes")
    capacity: int = Field(8, ge=1, le=500, description="seats per slot of each doctor")
    capacity_by_doctor: Annotated[tuple[Annotated[int, Field(ge=1, le=500)], ...],
                                  BeforeValidator(_comma_list)] = Field(
        (), description="seats per slot for doctor 1, 2, ... (the rest use --capacity)"
    )
    consult_mean_minutes: float = Field(
        6.0, gt=0.5, le=120.0, description="mean consultation time in minutes"
    )
    consult_cv: float = Field(
        0.6, ge=0.0, le=3.0, description="coefficient of variation of consultation times"
    )
    consult_minutes_by_doctor: Annotated[tuple[Annotated[float, Field(gt=0.5, le=120.0)], ...],
                                         BeforeValidator(_comma_list)] = Field(
        (), description="mean consultation minutes of doctor 1, 2, ... (overrides the spread)"
    )
    doctor_consult_spread: float = Field(
        0.15, ge=0.0, le=1.0,
        description="spread between doctors: sd of the log of each doctor's mean",
    )

    # -- tokens booked before the day -----------------------------------------
    prebook_load: float = Field(
        0.9, ge=0.0, le=3.0,
        description="ONLINE and FOLLOWUP tokens booked before the day, as a share of seats",
    )
    followup_share: Rate = Field(0.35, description="share of pre-booked tokens that are FOLLOWUP")
    morning_preference: Rate = Field(
        0.6, description="share of pre-booked patients who ask for a morning-session slot"
    )
    prebook_from: time = Field(time(18, 0), description="pre-booking opens, the evening before")
    prebook_until: time = Field(time(22, 0), description="pre-booking closes, the evening before")
    cancellation_rate: Rate = Field(
        0.08, description="share of pre-booked tokens cancelled before the day"
    )
    same_day_cancellation_rate: Rate = Field(
        0.02, description="share of pre-booked tokens cancelled on the morning of the day"
    )
    no_show_rate: Rate = Field(
        0.2, description="share of pre-booked patients who do not come (15-25 percent is usual)"
    )
    no_show_grace_minutes: Minutes = Field(
        20.0, description="minutes after a slot starts before an absent patient is a no-show"
    )

    # -- arrivals on the day ---------------------------------------------------
    arrival_early_minutes: float = Field(
        10.0, ge=-120.0, le=120.0,
        description="booked patients arrive this many minutes before their slot, on average",
    )
    arrival_spread_minutes: Minutes = Field(
        10.0, description="standard deviation of booked patients' arrival, in minutes"
    )
    late_probability: Rate = Field(
        0.08, description="share of coming patients who are late, whatever their habit"
    )
    late_mean_minutes: Minutes = Field(
        20.0, description="mean lateness after the slot start of a late patient (exponential)"
    )
    late_rebook_probability: Rate = Field(
        0.5, description="share of patients marked no-show who then take a walk-in token"
    )
    walkins_per_doctor: float = Field(
        14.0, ge=0.0, le=500.0, description="mean walk-in patients per doctor per day"
    )
    walkin_opens: time = Field(time(8, 30), description="registration for walk-ins opens")
    walkin_closes: time = Field(time(16, 0), description="registration for walk-ins closes")
    walkin_morning_share: Rate = Field(
        0.75, description="share of walk-ins who come before the morning session ends"
    )
    walkin_front_load: Rate = Field(
        0.7,
        description="how much walk-in arrivals crowd the start of a session "
        "(0 = even, 1 = rate falls to nothing by its end)",
    )
    paid_share: Rate = Field(0.1, description="share of walk-ins who take a PAID token")
    kiosk_share: Rate = Field(
        0.6, description="share of WALKIN tokens taken at the kiosk (earliest free seat)"
    )
    emergencies_per_doctor: float = Field(
        1.0, ge=0.0, le=100.0, description="mean emergencies per doctor per day (Poisson)"
    )
    native_script_share: Rate = Field(
        0.3, description="share of patient names written in an Indian script, not Latin"
    )

    # -- doctors and slots going wrong -----------------------------------------
    doctor_late_probability: Rate = Field(
        0.1, description="chance that a doctor starts the day late (a doctor delay)"
    )
    doctor_late_min_minutes: int = Field(10, ge=1, le=240, description="shortest late start")
    doctor_late_max_minutes: int = Field(45, ge=1, le=240, description="longest late start")
    doctor_late_notice_minutes: int = Field(
        15, ge=0, le=240, description="the desk hears of a late start this long before it"
    )
    last_call_minutes: Minutes = Field(
        60.0,
        description="a doctor calls nobody new later than this many minutes after their "
        "last slot ends; patients still waiting then leave unseen",
    )
    slot_close_probability: Rate = Field(
        0.01, description="chance that a slot is closed (doctor unavailable)"
    )
    slot_close_notice_minutes: int = Field(
        30, ge=0, le=720, description="a slot is closed this long before it starts"
    )

    # -- the desk's policies ------------------------------------------------------
    bumping: bool = Field(
        True,
        description="a higher-priority booking into a full slot bumps a booked patient "
        "(on); off: it takes the next free seat or a waitlist where nobody is bumped",
    )
    overbook: float = Field(
        0.0, ge=0.0, le=5.0,
        description="extra seats per slot, as a share of the slot's expected no-shows "
        "(capacity x no-show rate): 1 adds as many seats as no-shows are expected",
    )

    @model_validator(mode="after")
    def _coherent(self) -> SimulationConfig:
        sessions = self.sessions
        for before, after in zip(sessions, sessions[1:], strict=False):
            if after.start < before.end:
                raise ValueError(f"sessions {before.label} and {after.label} overlap")
        for session in sessions:
            if session.minutes < self.slot_minutes:
                raise ValueError(
                    f"session {session.label} is shorter than one {self.slot_minutes}-minute slot"
                )
        if self.doctor_late_max_minutes < self.doctor_late_min_minutes:
            raise ValueError("doctor_late_max_minutes must be at least doctor_late_min_minutes")
        if self.prebook_until <= self.prebook_from:
            raise ValueError("prebook_until must be after prebook_from")
        if self.walkin_closes <= self.walkin_opens:
            raise ValueError("walkin_closes must be after walkin_opens")
        if len(self.capacity_by_doctor) > self.doctors:
            raise ValueError("capacity_by_doctor lists more doctors than --doctors")
        if len(self.consult_minutes_by_doctor) > self.doctors:
            raise ValueError("consult_minutes_by_doctor lists more doctors than --doctors")
        return self

    # -- derived times ----------------------------------------------------------

    def at(self, clock: time, days: int = 0) -> datetime:
        """A wall-clock time on the simulated day (or `days` from it)."""
        return datetime.combine(self.day + timedelta(days=days), clock)

    @property
    def evening_before(self) -> datetime:
        return self.at(self.prebook_from, days=-1)

    def capacity_of(self, doctor_index: int) -> int:
        if doctor_index < len(self.capacity_by_doctor):
            return self.capacity_by_doctor[doctor_index]
        return self.capacity

    def seats_of(self, doctor_index: int) -> int:
        """The capacity the desk gives each of the doctor's slots: the seats, plus the
        overbooking policy's share of the no-shows expected in a full slot."""
        seats = self.capacity_of(doctor_index)
        extra = half_up(self.overbook * seats * self.no_show_rate)
        return min(500, seats + extra)

    def slot_times(self) -> list[tuple[datetime, datetime]]:
        """Every doctor's slots, as the engine's `generate_slots` cuts the sessions."""
        length = timedelta(minutes=self.slot_minutes)
        times = []
        for session in self.sessions:
            start, end = self.at(session.start), self.at(session.end)
            while start + length <= end:
                times.append((start, start + length))
                start += length
        return times
