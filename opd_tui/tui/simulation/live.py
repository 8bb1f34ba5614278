"""Playing a simulated day in real time: the live clock, and the day played in chunks.

`LiveClock` turns wall time into simulated time: the simulated `now` the screen
asks for is its anchor plus the wall seconds since, times the speed. It never
counts timer ticks (Textual drops them under load), so a slow frame makes the
next chunk longer, not the day slower.

`LiveDay` owns the `Simulation` and is driven from one worker thread at a time
(the screen never starts a second while one runs; a lock makes sure). Each call
plays the day up to a simulated time or for a number of events, within a wall
time budget, and returns a `Frame`: everything the screen shows, as plain
values. Nothing here imports Textual.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time

from ...domain.enums import EventKind, Source, TokenStatus
from ...domain.models import SlotSummary
from ...domain.vocabulary import event_word, source_word, status_word
from ...engine import AllocationEngine
from ...simulation import LogEntry, Simulation, SimulationConfig, SimulationSummary

#: The speeds `+` and `-` step through: simulated seconds per wall second.
SPEEDS = (1, 5, 30, 60, 120, 300, 600, 1200)
DEFAULT_SPEED = 60
#: The trends over the day take one sample every this many simulated minutes.
SAMPLE_MINUTES = 10
#: A frame carries at most this many log lines (the log keeps no more); it counts the rest.
FRAME_LINES = 600
#: `n` plays happenings until one of them shows in the log, at most this many.
STEP_LIMIT = 500
#: The kind of the log line that sums up the evening before (not an engine event).
EVENING = "EVENING"
#: The live day is shown from here (the hall is filling up), or from the first slot if
#: that is earlier; what comes before is played at once.
LIVE_START = clock_time(8, 30)


def live_from(config: SimulationConfig, opens: datetime, start: clock_time | None) -> datetime:
    """When the live day is shown from: `start` if given, else 08:30 or the first slot,
    whichever is earlier; never before the hall opens."""
    first_slot = min(s for s, _ in config.slot_times())
    at = config.at(start) if start is not None else min(config.at(LIVE_START), first_slot)
    return max(opens, at)


class LiveClock:
    """Simulated time from wall time: anchor + (wall - wall at anchor) x speed."""

    def __init__(self, speed: int = DEFAULT_SPEED, *, paused: bool = False,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self.speed = speed
        self.paused = paused
        self._timer = timer
        self._at: datetime | None = None
        self._wall = timer()

    @property
    def anchored(self) -> bool:
        return self._at is not None

    def anchor(self, at: datetime) -> None:
        """The simulation is at `at` now (a step, a pause, or it fell behind)."""
        self._at = at
        self._wall = self._timer()

    def target(self) -> datetime | None:
        """Where the simulation should be now; None before the day is ready."""
        if self._at is None or self.paused:
            return self._at
        return self._at + timedelta(seconds=(self._timer() - self._wall) * self.speed)

    def pause(self) -> None:
        if not self.paused:
            if self._at is not None:
                self.anchor(self.target())  # type: ignore[arg-type]
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            self._wall = self._timer()

    def set_speed(self, speed: int) -> None:
        if self._at is not None:
            self.anchor(self.target())  # type: ignore[arg-type]
        self.speed = speed

    def faster(self) -> bool:
        higher = [s for s in SPEEDS if s > self.speed]
        if higher:
            self.set_speed(higher[0])
        return bool(higher)

    def slower(self) -> bool:
        lower = [s for s in SPEEDS if s < self.speed]
        if lower:
            self.set_speed(lower[-1])
        return bool(lower)


@dataclass(frozen=True, slots=True)
class Sample:
    """The day at one moment, for the trends."""

    at: datetime
    waitlisted: int
    in_hall: int
    busy: int
    doctors: int
    completed: int
    mean_wait: float | None


@dataclass(frozen=True)
class Frame:
    """What the screen shows after one chunk of the day."""

    generation: int
    config: SimulationConfig
    now: datetime
    #: The time the live day is shown from (its trends start there).
    day_opens: datetime
    day_ends: datetime
    entries: tuple[LogEntry, ...]
    #: Log lines of this chunk left out (more than `FRAME_LINES`).
    hidden: int
    #: The grid's rows: (doctor id, code), and the doctors whose slots a delay shifted.
    rows: tuple[tuple[int, str], ...]
    shifted: frozenset[int]
    slots: tuple[SlotSummary, ...]
    summary: SimulationSummary
    samples: tuple[Sample, ...]
    #: The evening before has been played: the live day runs from `day_opens`.
    ready: bool
    finished: bool
    #: The chunk got to where it was asked to go within its time budget.
    reached: bool
    steps: int = 0
    notes: tuple[str, ...] = field(default=())


def mean_wait(summary: SimulationSummary) -> float | None:
    """Minutes from ready to called, over every patient called so far."""
    figures = [(w.mean, w.patients) for w in summary.wait_minutes.values()
               if w.patients and w.mean is not None]
    called = sum(patients for _, patients in figures)
    if not called:
        return None
    return round(sum(mean * patients for mean, patients in figures) / called, 1)


def utilisation_so_far(summary: SimulationSummary, slots: tuple[SlotSummary, ...],
                       now: datetime) -> float | None:
    """Minutes in consultation over the minutes of open slots gone by (the day's
    figure divides by all its open minutes, which reads low until the day ends)."""
    open_minutes = sum(_open_minutes(slots, now).values())
    if open_minutes <= 0:
        return None
    busy = sum(d.busy_minutes for d in summary.utilisation)
    return min(1.0, busy / open_minutes)


def doctors_utilisation_so_far(frame: Frame) -> dict[str, float | None]:
    """Each doctor's utilisation so far, by code."""
    minutes = _open_minutes(frame.slots, frame.now)
    codes = dict(frame.rows)
    by_code = {codes[d]: m for d, m in minutes.items() if d in codes}
    return {
        d.code: (min(1.0, d.busy_minutes / by_code[d.code]) if by_code.get(d.code) else None)
        for d in frame.summary.utilisation
    }


def _open_minutes(slots: tuple[SlotSummary, ...], now: datetime) -> dict[int, float]:
    minutes: dict[int, float] = {}
    for s in slots:
        if s.status != "CLOSED" and s.start < now:
            minutes[s.doctor_id] = minutes.get(s.doctor_id, 0.0) + (
                (min(s.end, now) - s.start).total_seconds() / 60
            )
    return minutes


class LiveDay:
    """One simulated day at a time, played in chunks for the live screen.

    `engine` is a shared database to simulate into (`--db`); by default every
    day gets a private in-memory database of its own.
    """

    def __init__(self, config: SimulationConfig, engine: AllocationEngine | None = None,
                 start: clock_time | None = None) -> None:
        self.config = config
        #: The time of day the live day is shown from (None: 08:30 or the first slot).
        self.start = start
        self.generation = 0
        self._engine = engine
        self._lock = threading.Lock()
        self._sim: Simulation | None = None
        self._closed = False
        self._reset()

    def _reset(self) -> None:
        self._pending: list[LogEntry] = []
        self._samples: list[Sample] = []
        self._next_sample: datetime | None = None
        self._ready = False
        self._grid_read: tuple[int, datetime] | None = None
        self._rows: tuple[tuple[int, str], ...] = ()
        self._shifted: frozenset[int] = frozenset()
        self._slots: tuple[SlotSummary, ...] = ()
        self._notes: list[str] = []

    # -- the worker's calls -----------------------------------------------------

    def prepare(self, budget: float) -> Frame | None:
        """Open the day and play the evening before (bookings, cancellations) and the
        early morning at full speed; the live day starts at `live_from`. Call until
        `frame.ready`."""
        with self._lock:
            if self._closed:
                return None
            sim = self._simulation()
            opens = self._live_from(sim)
            reached = self._play(opens, budget, log=False)
            if reached and not self._ready:
                self._ready = True
                self._next_sample = opens
                self._take_samples(opens)
                self._pending.append(self._evening(sim))
            return self._frame(reached)

    def play_until(self, target: datetime, budget: float) -> Frame | None:
        """Play every happening due by `target`, for at most `budget` wall seconds."""
        with self._lock:
            if self._closed or self._sim is None or not self._ready:
                return None
            return self._frame(self._play(target, budget, log=True))

    def step(self, count: int = 1) -> Frame | None:
        """Play happenings until `count` of them have shown in the log (or the day ends)."""
        with self._lock:
            if self._closed or self._sim is None or not self._ready:
                return None
            sim = self._sim
            shown = 0
            for _ in range(count * STEP_LIMIT):
                if sim.finished or shown >= count:
                    break
                upcoming = sim.next_at
                if upcoming is not None:
                    self._take_samples(upcoming, before=True)
                added = sim.step()
                self._pending.extend(added)
                shown += 1 if added else 0
            return self._frame(True, steps=shown)

    def restart(self) -> None:
        """A new day with the next seed (on a shared database: the next day it can hold)."""
        with self._lock:
            if self._closed:
                return
            self._close_simulation()
            self._reset()
            config = self.config.model_copy(update={"seed": self.config.seed + 1})
            if self._engine is not None:
                config = self._free_day(config)
            self.config = config
            self.generation += 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._close_simulation()

    # -- inside -----------------------------------------------------------------

    def _simulation(self) -> Simulation:
        if self._sim is None:
            self._sim = Simulation(self.config, self._engine)
        return self._sim

    def _close_simulation(self) -> None:
        if self._sim is not None:
            self._sim.close()
            self._sim = None

    def _free_day(self, config: SimulationConfig) -> SimulationConfig:
        """The engine's clock never goes back: a shared database takes the next day whose
        evening before is still ahead of it."""
        engine = self._engine
        assert engine is not None
        while True:
            starts = Simulation(config, engine).now
            if engine.clock(starts) <= starts:
                break
            config = config.model_copy(update={"day": config.day + timedelta(days=1)})
        if config.day != self.config.day:
            self._notes.append(f"This database already holds {self.config.day:%a %d %b}: "
                               f"the new day is {config.day:%a %d %b %Y}.")
        return config

    def _play(self, goal: datetime, budget: float, *, log: bool) -> bool:
        """Step through the happenings due by `goal`; False if the budget ran out first."""
        sim = self._sim
        assert sim is not None
        deadline = time.monotonic() + budget
        while not sim.finished:
            upcoming = sim.next_at
            assert upcoming is not None
            if upcoming > goal:
                break
            if time.monotonic() >= deadline:
                return False
            if log:
                self._take_samples(upcoming, before=True)
            added = sim.step()
            if log:
                self._pending.extend(added)
        if not sim.finished:
            sim.run_until(goal)  # nothing else is due: the clock reads `goal`
            if log:
                self._take_samples(goal)
        return True

    def _take_samples(self, until: datetime, *, before: bool = False) -> None:
        """Sample every boundary up to `until` (strictly before it: the state seen
        there is the state before the happening due at `until`)."""
        sim = self._sim
        assert sim is not None
        while self._next_sample is not None and (
            self._next_sample < until if before else self._next_sample <= until
        ):
            summary = sim.summary()
            states = summary.final_states
            self._samples.append(Sample(
                at=self._next_sample,
                waitlisted=states[TokenStatus.WAITLISTED.value],
                in_hall=states[TokenStatus.CHECKED_IN.value],
                busy=states[TokenStatus.IN_CONSULTATION.value],
                doctors=summary.doctors,
                completed=summary.completed,
                mean_wait=mean_wait(summary),
            ))
            self._next_sample += timedelta(minutes=SAMPLE_MINUTES)

    def _live_from(self, sim: Simulation) -> datetime:
        return live_from(self.config, sim.plan.day_opens, self.start)

    def _evening(self, sim: Simulation) -> LogEntry:
        s = sim.summary()
        before = s.tokens_by_source[Source.ONLINE.value] + s.tokens_by_source[Source.FOLLOWUP.value]
        text = (f"Up to {sim.now:%H:%M}: {s.doctors} doctors, {s.slots_created} slots; "
                f"{before} tokens booked {source_word(Source.ONLINE)} and for "
                f"{source_word(Source.FOLLOWUP)}s, "
                f"{s.tokens_by_source[Source.WALKIN.value]} {source_word(Source.WALKIN)}s, "
                f"{s.final_states[TokenStatus.WAITLISTED.value]} on waitlists, "
                f"{s.bumped} {event_word(EventKind.BUMPED)}, "
                f"{s.cancellations} {status_word(TokenStatus.CANCELLED)}, "
                f"{s.completed} {status_word(TokenStatus.COMPLETED)}.")
        return LogEntry(at=sim.now, kind=EVENING, text=text)

    def _read_grid(self, sim: Simulation) -> None:
        """The day's slots, read again when something happened or a minute passed."""
        key = (len(sim.log), sim.now.replace(second=0, microsecond=0))
        if key == self._grid_read:
            return
        self._grid_read = key
        day = self.config.day
        doctors = sim.engine.doctor_days(day)
        self._rows = tuple((d.doctor.id, d.doctor.code) for d in doctors)
        self._shifted = frozenset(d.doctor.id for d in doctors if d.delay_minutes)
        self._slots = tuple(sim.engine.day_slots(day, now=sim.now))

    def _frame(self, reached: bool, steps: int = 0) -> Frame:
        sim = self._sim
        assert sim is not None
        if self._ready:
            self._read_grid(sim)
        entries, self._pending = self._pending, []
        hidden = max(0, len(entries) - FRAME_LINES)
        notes, self._notes = tuple(self._notes), []
        last_end = max((end for _, end in self.config.slot_times()), default=sim.now)
        return Frame(
            generation=self.generation,
            config=self.config,
            now=sim.now,
            day_opens=self._live_from(sim),
            day_ends=max(last_end + timedelta(minutes=30), sim.now),
            entries=tuple(entries[hidden:]),
            hidden=hidden,
            rows=self._rows,
            shifted=self._shifted,
            slots=self._slots,
            summary=sim.summary(),
            samples=tuple(self._samples),
            ready=self._ready,
            finished=sim.finished,
            reached=reached,
            steps=steps,
            notes=notes,
        )
