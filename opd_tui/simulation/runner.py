"""Playing the simulated day against the engine, one happening at a time.

`Simulation` is what the live screen drives (`step()`, `run_until(t)`) and
what `simulate_day` runs to the end. It plays the patients (book, cancel,
arrive, check in, take a walk-in token after being marked absent), the doctors
(call the next patient when free, start late, miss a slot) and the desk (mark
no-shows after a grace period, close the day, call `advance()` at every slot
end, and `finish_day` once the last slot has ended). Every change
goes through the engine's public API at the simulated `now`; the simulation
keeps no rule of its own about seats.

After each command it reads the new events from the log, so it knows what the
engine did to other tokens (a bump, a promotion, a roll-over) and can react:
a patient waiting in the hall whose token got a seat goes to check in, and a
free doctor whose patient has checked in calls the next one.

The desk's policies are how it uses the API: with bumping off it books around
rule 3 (`_seat_for`), and overbooking makes slots with more seats. Each patient's
consultation time is their own draw from the plan, so a policy never changes it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar, assert_never

from ..domain.enums import EventKind, Source, TokenStatus
from ..domain.errors import OPDError
from ..domain.models import Event, Token
from ..engine import AllocationEngine
from .agenda import (
    AddDoctor,
    Agenda,
    Arrival,
    Call,
    Cancel,
    CheckInDue,
    CloseSlot,
    ConsultEnds,
    DayCloses,
    DayEnds,
    DayOpens,
    DoctorLate,
    DoctorStarts,
    Emergency,
    Happening,
    NoShowSweep,
    Prebook,
    SlotEnds,
    WalkIn,
)
from .clock import ClockedEngine, SimClock
from .config import SimulationConfig
from .day import DayPlan, PatientPlan, lognormal_minutes, plan_day
from .ledger import Ledger, SlotRecord, TokenRecord
from .log import LogEntry, slot_line, token_line
from .summary import DoctorFigures, SimulationSummary, WaitFigures
from .trace import timeline

R = TypeVar("R")

MEMORY_URL = "sqlite:///:memory:"
#: Statuses in which a patient's token is still worth coming for.
_LIVE = (TokenStatus.BOOKED, TokenStatus.CHECKED_IN, TokenStatus.WAITLISTED)
#: Tokens taken on the day, at the desk or the kiosk (not booked ahead, not emergencies).
_WALK_INS = (Source.WALKIN, Source.PAID)


class SimulationError(Exception):
    """The simulation cannot run against this database (it never changes it then)."""


class Simulation:
    """One simulated OPD day over an engine (a private in-memory one by default).

    Not thread-safe: drive it (`step`, `run_until`, `summary`) from one thread,
    the live screen's worker, and hand the screen the log lines and summaries.
    """

    def __init__(
        self,
        config: SimulationConfig | None = None,
        engine: AllocationEngine | None = None,
    ) -> None:
        self.config = config or SimulationConfig()
        self.plan: DayPlan = plan_day(self.config)
        self._owns_engine = engine is None
        self.engine = engine or AllocationEngine.open(MEMORY_URL)
        self.clock = SimClock(self.plan.config.evening_before - timedelta(hours=1))
        self.ops = ClockedEngine(self.engine, self.clock)
        self.ledger = Ledger()
        self.agenda = Agenda()
        self.log: list[LogEntry] = []
        self.steps = 0

        self._patients = self.plan.patients
        self._doctor_ids: dict[int, int] = {}
        self._codes: dict[int, str] = {}
        self._names: dict[int, str] = {}
        self._token_of: dict[int, int] = {}
        self._in_hall: set[int] = set()
        self._busy: dict[int, tuple[int, datetime]] = {}
        self._call_pending: set[int] = set()
        self._swept: set[int] = set()
        self._advance_at: set[datetime] = set()
        self._closes_at: set[datetime] = set()
        self._starts_at: set[tuple[int, datetime]] = set()
        self._day_ended = False
        self._waits: dict[str, list[float]] = defaultdict(list)
        #: When each patient came into the hall, and the minutes from then to the call.
        self._arrived_at: dict[int, datetime] = {}
        self._arrival_waits: list[float] = []
        self._busy_minutes: defaultdict[int, float] = defaultdict(float)
        self._overtime: defaultdict[int, float] = defaultdict(float)
        self._session_end = self.config.at(self.config.sessions[-1].end)
        self._last_call = timedelta(minutes=self.config.last_call_minutes)
        self._last_consult_end: dict[int, datetime] = {}
        self._refusals: Counter[str] = Counter()
        self._turned_away = 0
        #: Pre-bookings the desk could not make without bumping someone (bumping off).
        self._declined = 0
        #: The trace's rows in the order they began: ("token", id) or ("away", patient).
        self._trace_order: list[tuple[str, int]] = []
        self._away_at: dict[int, tuple[datetime, str]] = {}
        self._taken_codes: set[str] = set()
        self._last_event_id: int | None = None
        self._new_entries: list[LogEntry] = []
        self._seed_agenda()

    # -- driving it -----------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock.now

    @property
    def finished(self) -> bool:
        return not self.agenda

    @property
    def next_at(self) -> datetime | None:
        """When the next happening is due (None once the day is over)."""
        upcoming = self.agenda.peek()
        return upcoming.at if upcoming is not None else None

    def step(self) -> list[LogEntry]:
        """Play the next happening; return the log lines it added."""
        if self._last_event_id is None:
            self._begin()
        self._new_entries = []
        if self.agenda:
            happening = self.agenda.pop()
            self.clock.advance_to(happening.at)
            self._play(happening)
            self.steps += 1
            if not self.agenda and not self._day_ended:
                # Nothing else happens today: the desk finishes the day.
                self.agenda.add(DayEnds(self.now))
        return self._new_entries

    def run_until(self, when: datetime) -> list[LogEntry]:
        """Play every happening due by `when`; the clock then reads `when`."""
        added: list[LogEntry] = []
        while (due := self.next_at) is not None and due <= when:
            added.extend(self.step())
        self.clock.advance_to(when)
        return added

    def run(self) -> SimulationSummary:
        while self.agenda:
            self.step()
        return self.summary()

    def close(self) -> None:
        """Close the engine if the simulation opened it."""
        if self._owns_engine:
            self.engine.close()

    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the day's plan on the agenda -----------------------------------------

    def _seed_agenda(self) -> None:
        plan = self.plan
        for doctor in plan.doctors:
            self.agenda.add(AddDoctor(self.clock.now, doctor.index))
        for p in self._patients:
            if p.source in (Source.ONLINE, Source.FOLLOWUP):
                self.agenda.add(Prebook(p.book_at, p.key))
                if p.cancel_at is not None:
                    self.agenda.add(Cancel(p.cancel_at, p.key))
            elif p.source is Source.EMERGENCY:
                self.agenda.add(Emergency(p.book_at, p.key))
            else:
                self.agenda.add(WalkIn(p.book_at, p.key))
        self.agenda.add(DayOpens(plan.day_opens))

    def _begin(self) -> None:
        """Before the first step: is this database's clock behind the simulated day?"""
        start = self.clock.now
        engine_now = self.engine.clock(start)
        if engine_now > start:
            raise SimulationError(
                f"This database's clock is at {engine_now:%Y-%m-%d %H:%M}, after the simulated "
                f"day's start ({start:%Y-%m-%d %H:%M}); simulate a later day (--day)."
            )
        self._taken_codes = {d.code for d in self.engine.doctors()}
        self._last_event_id = self.ops.last_event_id()

    def _schedule_slot(self, slot: SlotRecord) -> None:
        """A slot's start (doctor looks up), its no-show sweep, its end (roll-over)."""
        key = (slot.doctor, slot.start)
        if key not in self._starts_at:
            self._starts_at.add(key)
            self.agenda.add(DoctorStarts(slot.start, slot.doctor))
        self.agenda.add(NoShowSweep(self._sweep_due(slot), slot.id))
        if slot.end not in self._advance_at:
            self._advance_at.add(slot.end)
            self.agenda.add(SlotEnds(slot.end))

    def _sweep_due(self, slot: SlotRecord) -> datetime:
        return slot.start + timedelta(minutes=self.config.no_show_grace_minutes)

    # -- talking to the engine ------------------------------------------------

    def _command(self, run: Callable[[], R], what: str,
                 known: Callable[[R], None] | None = None) -> R | None:
        """Run one engine command, then read the log; a refusal is logged, not raised.

        `known` records what the command made (slots) before its events are read.
        """
        try:
            result = run()
        except OPDError as error:
            self._refusals[type(error).__name__] += 1
            self._note("REFUSED", f"{what}: {error}")
            self._sync()
            return None
        if known is not None:
            known(result)
        self._sync()
        return result

    def _quiet(self, run: Callable[[], R], what: str) -> tuple[bool, R | None]:
        """A command that changes no other token: the log is not read after it; the
        caller tells the ledger what changed (`_own_change`)."""
        try:
            return True, run()
        except OPDError as error:
            self._refusals[type(error).__name__] += 1
            self._note("REFUSED", f"{what}: {error}")
            self._sync()
            return False, None

    def _own_change(self, token: TokenRecord, status: TokenStatus, kind: EventKind) -> None:
        self.ledger.own_change(token, status, kind, self.now)
        self._log_token(kind, token, status.value, token.slot_id, None, self.now)

    def _issue(
        self, run: Callable[[], Token], patient: PatientPlan, what: str
    ) -> TokenRecord | None:
        """A command that makes a token. Only a token seated in a slot that was full
        (a bump, an emergency over capacity) changes anything else: the log is read
        then; otherwise the new token's own event is all there is."""
        try:
            token = run()
        except OPDError as error:
            self._refusals[type(error).__name__] += 1
            self._note("REFUSED", f"{what}: {error}", doctor=patient.doctor,
                       patient_name=patient.name, source=patient.source.value)
            self._sync()
            return None
        slot = self.ledger.slots[token.slot_id]
        alone = token.status is TokenStatus.WAITLISTED or (
            self.ledger.seated(slot.id) < slot.capacity and not token.overbooked
        )
        self._token_of[patient.key] = token.id
        self._names[token.id] = patient.name
        record = self.ledger.add_token(token, patient.key, self.now)
        self._trace_order.append(("token", token.id))
        if alone:
            kind = EventKind.BOOKED if token.status is TokenStatus.BOOKED else EventKind.WAITLISTED
            self._own_change(record, token.status, kind)
        else:
            self._sync()
        return record

    def _release(self, token: TokenRecord, status: TokenStatus, kind: EventKind,
                 run: Callable[[], Token], what: str) -> None:
        """A cancel or no-show: the freed seat promotes only if the slot has a waitlist."""
        quiet = not token.status.holds_seat or self.ledger.waitlisted(token.slot_id) == 0
        if not quiet:
            self._command(run, what)
            return
        done, _ = self._quiet(run, what)
        if done:
            self._own_change(token, status, kind)

    def _sync(self) -> None:
        """Read the new events, bring the ledger up to date, react to what changed."""
        events = self.ops.events(self._last_event_id or 0)
        if not events:
            return
        self._last_event_id = events[-1].id
        changes = self.ledger.apply(events)
        for change in changes:
            self._log_event(change.event)
        for change in changes:
            if change.token is not None:
                self._react(change.token)

    def _react(self, token: TokenRecord) -> None:
        in_hall = token.patient in self._in_hall
        if token.status is TokenStatus.BOOKED:
            if in_hall:
                self.agenda.add(CheckInDue(self.now, token.id))
            elif token.slot_id in self._swept:
                # A seat came to someone absent after the slot's no-show round.
                self.agenda.add(NoShowSweep(self.now, token.slot_id))
        elif token.status is TokenStatus.CHECKED_IN:
            self._maybe_call(token.doctor)
        elif token.status in (TokenStatus.EXPIRED, TokenStatus.CANCELLED) and in_hall:
            self._in_hall.discard(token.patient)

    # -- the handlers, one per kind of happening ------------------------------

    def _play(self, happening: Happening) -> None:
        match happening:
            case AddDoctor():
                self._add_doctor(happening)
            case Prebook():
                self._prebook(happening)
            case Cancel():
                self._cancel(happening)
            case DoctorLate():
                self._delay(happening)
            case CloseSlot():
                self._close(happening)
            case DayOpens():
                self._day_opens()
            case SlotEnds():
                self._advance()
            case CheckInDue():
                self._check_in_due(happening)
            case DoctorStarts():
                self._maybe_call(happening.doctor)
            case ConsultEnds():
                self._consult_end(happening)
            case Call():
                self._call(happening)
            case NoShowSweep():
                self._no_show_sweep(happening)
            case Arrival():
                self._arrival(happening)
            case WalkIn():
                self._walkin(happening)
            case Emergency():
                self._emergency(happening)
            case DayCloses():
                self._day_closes()
            case DayEnds():
                self._day_ends()
            case _:
                assert_never(happening)

    def _add_doctor(self, h: AddDoctor) -> None:
        plan = self.plan.doctors[h.doctor]
        code = self._free_code(plan.code)
        doctor = self._command(
            lambda: self.ops.add_doctor(plan.name, code, plan.department, plan.room,
                                        max(1, min(240, round(plan.consult_mean)))),
            f"add Dr {plan.name}",
        )
        if doctor is None:
            return
        self._doctor_ids[plan.index] = doctor.id
        self._codes[plan.index] = doctor.code
        # The overbooking policy sells the seats of the no-shows it expects.
        seats = self.config.seats_of(plan.index)
        for session in self.config.sessions:
            self._command(
                partial(self.ops.generate_slots, doctor.id, self.config.day, session.start,
                        session.end, self.config.slot_minutes, seats),
                f"slots of Dr {plan.name}",
                known=lambda slots: self.ledger.add_slots(plan.index, doctor.id, slots),
            )
        day = self.ledger.doctor_slots.get(plan.index, [])
        for slot in day:
            self._schedule_slot(slot)
        if day:
            self._schedule_day_close()
        if plan.late_minutes and plan.late_notice_at is not None:
            self.agenda.add(DoctorLate(max(plan.late_notice_at, self.now), plan.index))
        for position in plan.closed_slots:
            if position < len(day):
                notice = timedelta(minutes=self.config.slot_close_notice_minutes)
                self.agenda.add(CloseSlot(max(day[position].start - notice, self.now),
                                          plan.index, day[position].id))

    def _day_close_due(self) -> datetime:
        return self.ledger.last_end() + timedelta(minutes=self.config.no_show_grace_minutes)

    def _schedule_day_close(self) -> None:
        due = self._day_close_due()
        if due not in self._closes_at:
            self._closes_at.add(due)
            self.agenda.add(DayCloses(due))

    def _free_code(self, code: str) -> str:
        """The planned code, or the next free one of its department in a shared database."""
        if code not in self._taken_codes:
            self._taken_codes.add(code)
            return code
        prefix = code.rstrip("0123456789")
        n = int(code[len(prefix):] or 0)
        while f"{prefix}{n}" in self._taken_codes:
            n += 1
        self._taken_codes.add(f"{prefix}{n}")
        return f"{prefix}{n}"

    def _prebook(self, h: Prebook) -> None:
        p = self._patients[h.patient]
        day = self.ledger.doctor_slots.get(p.doctor)
        if not day or p.slot is None:
            return
        slot = self._seat_for(p.doctor, p.source, day[p.slot])
        if slot is None:
            self._declined += 1
            self._away(p, "not booked: every slot is full and the desk does not bump")
            return
        self._issue(lambda: self.ops.book(slot.id, p.name, p.source, p.ref), p,
                    f"book {p.name}")

    def _seat_for(self, doctor: int, source: Source, asked: SlotRecord) -> SlotRecord | None:
        """The slot the desk books a patient into. With bumping on, the one asked for.
        With bumping off (the engine has no switch: the desk books around rule 3), the
        asked slot if nobody would be bumped there, else the earliest later slot with
        a free seat, else the first slot from the asked one whose waitlist takes the
        patient without a bump; None when there is none."""
        ledger = self.ledger
        if self.config.bumping or not ledger.would_bump(asked.id, source):
            return asked
        open_slots = [s for s in ledger.doctor_slots.get(doctor, ())
                      if s.position >= asked.position and not s.closed and self.now < s.end]
        for slot in open_slots:
            if ledger.seated(slot.id) < slot.capacity:
                return slot
        return next((s for s in open_slots if not ledger.would_bump(s.id, source)), None)

    def _cancel(self, h: Cancel) -> None:
        token = self._token_for(h.patient)
        if token is not None and token.status in _LIVE:
            self._release(token, TokenStatus.CANCELLED, EventKind.CANCELLED,
                          lambda: self.ops.cancel(token.id), f"cancel {token.number}")

    def _delay(self, h: DoctorLate) -> None:
        plan = self.plan.doctors[h.doctor]
        doctor_id = self._doctor_ids.get(plan.index)
        if doctor_id is None:
            return
        shifted = self._command(lambda: self.ops.delay_doctor(doctor_id, plan.late_minutes),
                                f"delay Dr {plan.name}")
        for slot in shifted or []:
            self._schedule_slot(self.ledger.slots[slot.id])
        if shifted:
            self._schedule_day_close()

    def _close(self, h: CloseSlot) -> None:
        slot = self.ledger.slots[h.slot_id]
        closed = self._command(lambda: self.ops.close_slot(slot.id),
                               f"close {self._slot_label(slot)}")
        if closed is not None:
            # The doctor is back when the closed slot would have ended.
            self.agenda.add(DoctorStarts(max(slot.end, self.now), h.doctor))

    def _day_opens(self) -> None:
        """Pre-booked patients set out, timed on the slot their token is in now."""
        for p in self._patients:
            if p.slot is None or not p.comes:
                continue
            token = self._token_for(p.key)
            if token is None or token.status not in _LIVE:
                continue
            start = self.ledger.slots[token.slot_id].start
            arrives = max(self.now, start + timedelta(seconds=round(p.arrival_offset * 60)))
            self.agenda.add(Arrival(arrives, p.key))

    def _arrival(self, h: Arrival) -> None:
        p = self._patients[h.patient]
        token = self._token_for(p.key)
        if token is None:
            return
        self._in_hall.add(p.key)
        self._arrived_at.setdefault(p.key, self.now)
        if token.status is TokenStatus.BOOKED:
            self._check_in(token)
        elif token.status is TokenStatus.NO_SHOW and p.rebooks:
            self._walk_in(p, Source.WALKIN, kiosk=False)
        elif token.status is not TokenStatus.WAITLISTED:
            self._in_hall.discard(p.key)

    def _walkin(self, h: WalkIn) -> None:
        p = self._patients[h.patient]
        self._in_hall.add(p.key)
        self._arrived_at.setdefault(p.key, self.now)
        self._walk_in(p, p.source, kiosk=p.kiosk)

    def _walk_in(self, p: PatientPlan, source: Source, kiosk: bool) -> None:
        doctor_id = self._doctor_ids.get(p.doctor)
        slot = self.ledger.current_or_next_slot(p.doctor, self.now)
        if doctor_id is None or slot is None:
            self._turn_away(p, "no slot left today")
            return
        if kiosk:  # a WALKIN token, the lowest priority: it never bumps anyone
            record = self._issue(lambda: self.ops.book_earliest(doctor_id, p.name, p.ref), p,
                                 f"kiosk token for {p.name}")
        else:
            seat = self._seat_for(p.doctor, source, slot)
            if seat is None:
                self._turn_away(p, "every seat is taken and the desk does not bump")
                return
            record = self._issue(lambda: self.ops.book(seat.id, p.name, source, p.ref), p,
                                 f"book {p.name}")
        if record is not None and record.status is TokenStatus.BOOKED:
            self._check_in(record)

    def _emergency(self, h: Emergency) -> None:
        p = self._patients[h.patient]
        doctor_id = self._doctor_ids.get(p.doctor)
        if doctor_id is None or self.ledger.current_or_next_slot(p.doctor, self.now) is None:
            self._turn_away(p, "no slot left today: sent to casualty")
            return
        self._in_hall.add(p.key)
        self._arrived_at.setdefault(p.key, self.now)
        record = self._issue(lambda: self.ops.emergency(doctor_id, p.name, p.ref), p,
                             f"emergency for {p.name}")
        if record is not None and record.status is TokenStatus.BOOKED:
            self._check_in(record)

    def _turn_away(self, p: PatientPlan, why: str) -> None:
        self._in_hall.discard(p.key)
        self._turned_away += 1
        self._away(p, f"sent home: {why}")

    def _away(self, p: PatientPlan, why: str) -> None:
        """A patient who asked for a token and got none."""
        if p.key not in self._away_at:
            self._trace_order.append(("away", p.key))
        self._away_at[p.key] = (self.now, why)
        self._note("TURNED_AWAY", f"{p.name} ({p.source.value}) {why}",
                   doctor=p.doctor, patient_name=p.name, source=p.source.value)

    def _check_in_due(self, h: CheckInDue) -> None:
        token = self.ledger.tokens.get(h.token_id)
        if token is not None and token.status is TokenStatus.BOOKED \
                and token.patient in self._in_hall:
            self._check_in(token)

    def _check_in(self, token: TokenRecord) -> None:
        done, _ = self._quiet(lambda: self.ops.check_in(token.id), f"check in {token.number}")
        if done:
            self._own_change(token, TokenStatus.CHECKED_IN, EventKind.CHECKED_IN)
            self._maybe_call(token.doctor)

    def _gone_home(self, doctor: int) -> bool:
        """Past the doctor's last call: whoever still waits leaves unseen."""
        day = self.ledger.doctor_slots.get(doctor)
        if not day:
            return False
        return self.now >= day[-1].end + self._last_call

    def _maybe_call(self, doctor: int) -> None:
        if doctor in self._busy or doctor in self._call_pending:
            return
        if self.ledger.away(doctor, self.now) is not None or self._gone_home(doctor):
            return
        if self.ledger.ready_to_call(doctor, self.now):
            self._call_pending.add(doctor)
            self.agenda.add(Call(self.now, doctor))

    def _call(self, h: Call) -> None:
        doctor = h.doctor
        self._call_pending.discard(doctor)
        if doctor in self._busy or self.ledger.away(doctor, self.now) is not None \
                or self._gone_home(doctor):
            return
        self._call_next(doctor, None)

    def _call_next(self, doctor: int, current: int | None) -> None:
        """Completes the doctor's `current` patient, if any, and calls the next."""
        done, called = self._quiet(lambda: self.ops.call_next(self._doctor_ids[doctor]),
                                   f"call next for {self._codes[doctor]}")
        if not done:
            return
        if current is not None:
            self._own_change(self.ledger.tokens[current], TokenStatus.COMPLETED,
                             EventKind.COMPLETED)
        if called is None:
            return
        token = self.ledger.tokens[called.id]
        self._own_change(token, TokenStatus.IN_CONSULTATION, EventKind.CALLED)
        slot = self.ledger.slots[token.slot_id]
        ready = max(token.checked_in_at or self.now, slot.start)
        self._waits[token.source.value].append((self.now - ready).total_seconds() / 60)
        arrived = self._arrived_at.get(token.patient, ready)
        self._arrival_waits.append((self.now - arrived).total_seconds() / 60)
        # Each patient's consultation is their own draw: the same in every variant.
        patient = self._patients[token.patient]
        minutes = lognormal_minutes(patient.consult_z, self.plan.doctors[doctor].consult_mean,
                                    self.config.consult_cv)
        self._busy[doctor] = (token.id, self.now)
        ends = self.now + timedelta(seconds=max(30, round(minutes * 60)))
        self.agenda.add(ConsultEnds(ends, doctor))

    def _consult_end(self, h: ConsultEnds) -> None:
        doctor = h.doctor
        token_id, since = self._busy.pop(doctor)
        self._busy_minutes[doctor] += (self.now - since).total_seconds() / 60
        if self.now > self._session_end:
            self._overtime[doctor] += (self.now - max(since, self._session_end)
                                       ).total_seconds() / 60
        self._last_consult_end[doctor] = self.now
        if self.ledger.away(doctor, self.now) is None and not self._gone_home(doctor) \
                and self.ledger.ready_to_call(doctor, self.now):
            self._call_next(doctor, token_id)
        else:
            token = self.ledger.tokens[token_id]
            done, _ = self._quiet(lambda: self.ops.complete(token_id), f"complete {token.number}")
            if done:
                self._own_change(token, TokenStatus.COMPLETED, EventKind.COMPLETED)

    def _no_show_sweep(self, h: NoShowSweep) -> None:
        slot = self.ledger.slots[h.slot_id]
        if slot.closed:
            return
        due = self._sweep_due(slot)
        if self.now < due:  # the doctor's day was delayed: come back later
            self.agenda.add(NoShowSweep(due, slot.id))
            return
        self._swept.add(slot.id)
        for token in self.ledger.doctor_tokens.get(slot.doctor, []):
            if token.slot_id == slot.id and token.status is TokenStatus.BOOKED \
                    and token.patient not in self._in_hall:
                self._release(token, TokenStatus.NO_SHOW, EventKind.NO_SHOW,
                              partial(self.ops.no_show, token.id), f"no-show {token.number}")

    def _advance(self) -> None:
        self._command(self.ops.advance, "advance")

    def _day_closes(self) -> None:
        """After the last slot (and its grace): nobody still booked is coming."""
        if self.now < self._day_close_due():
            return  # a later DayCloses is on the agenda
        for token in list(self.ledger.tokens.values()):
            if token.status is TokenStatus.BOOKED and token.patient not in self._in_hall:
                self._release(token, TokenStatus.NO_SHOW, EventKind.NO_SHOW,
                              partial(self.ops.no_show, token.id), f"no-show {token.number}")

    def _day_ends(self) -> None:
        """After the last slot has ended: the desk finishes the day (rule 17), so seats
        still held become no-shows, patients still in the hall unseen, waitlists expire."""
        self._day_ended = True
        self._command(lambda: self.ops.finish_day(self.config.day), "finish the day")

    # -- helpers --------------------------------------------------------------

    def _token_for(self, patient: int | None) -> TokenRecord | None:
        token_id = self._token_of.get(patient) if patient is not None else None
        return self.ledger.tokens.get(token_id) if token_id is not None else None

    def _slot_label(self, slot: SlotRecord) -> str:
        return f"{self._codes.get(slot.doctor, '?')} {slot.start:%H:%M}-{slot.end:%H:%M}"

    def _note(self, kind: str, text: str, *, doctor: int | None = None,
              patient_name: str | None = None, source: str | None = None) -> None:
        entry = LogEntry(
            at=self.now, kind=kind, text=text,
            doctor_code=self._codes.get(doctor) if doctor is not None else None,
            patient_name=patient_name, source=source,
        )
        self.log.append(entry)
        self._new_entries.append(entry)

    def _log_event(self, event: Event) -> None:
        slot = self.ledger.slots.get(event.slot_id) if event.slot_id is not None else None
        if slot is None:
            return
        code = self._codes.get(slot.doctor)
        where = self._slot_label(slot)
        token = self.ledger.tokens.get(event.token_id) if event.token_id is not None else None
        if event.token_id is not None and token is None:
            return
        if token is None:
            text = slot_line(event.kind, event.detail, where, code)
            entry = LogEntry(at=self.now, kind=event.kind.value, text=text, doctor_code=code,
                             event_id=event.id)
            self.log.append(entry)
            self._new_entries.append(entry)
            return
        self._log_token(event.kind, token, event.detail["status"], slot.id, event.id, self.now)

    def _log_token(self, kind: EventKind, token: TokenRecord, status: str, slot_id: int,
                   event_id: int | None, at: datetime) -> None:
        slot = self.ledger.slots[slot_id]
        code = self._codes.get(slot.doctor)
        where = self._slot_label(slot)
        name = self._names.get(token.id, "")
        label = f"{token.number} {name} ({token.source.value})"
        text = token_line(kind, label, status, where, code)
        entry = LogEntry(at=at, kind=kind.value, text=text, doctor_code=code,
                         number=token.number, patient_name=name,
                         source=token.source.value, event_id=event_id)
        self.log.append(entry)
        self._new_entries.append(entry)

    # -- the figures ----------------------------------------------------------

    def summary(self) -> SimulationSummary:
        """The day's figures so far (complete once `finished`); reads nothing."""
        ledger = self.ledger
        kinds = ledger.kinds
        tokens = list(ledger.tokens.values())
        states = Counter(t.status.value for t in tokens)
        doctors = []
        for plan in self.plan.doctors:
            if plan.index not in self._doctor_ids:
                continue
            day = ledger.doctor_slots.get(plan.index, [])
            open_minutes = sum((s.end - s.start).total_seconds() / 60
                               for s in day if not s.closed)
            busy = self._busy_minutes.get(plan.index, 0.0)
            last_end = max((s.end for s in day), default=None)
            finished_at = self._last_consult_end.get(plan.index)
            overrun = 0.0
            if last_end is not None and finished_at is not None and finished_at > last_end:
                overrun = (finished_at - last_end).total_seconds() / 60
            doctors.append(DoctorFigures(
                code=self._codes[plan.index],
                name=plan.name,
                department=plan.department,
                completed=sum(1 for t in ledger.doctor_tokens.get(plan.index, [])
                              if t.status is TokenStatus.COMPLETED),
                busy_minutes=round(busy, 1),
                open_minutes=round(open_minutes, 1),
                utilisation=round(busy / open_minutes, 3) if open_minutes else 0.0,
                overrun_minutes=round(overrun, 1),
                overtime_minutes=round(self._overtime.get(plan.index, 0.0), 1),
                late_start_minutes=plan.late_minutes,
                closed_slots=sum(1 for s in day if s.closed),
            ))
        busy_total = sum(d.busy_minutes for d in doctors)
        open_total = sum(d.open_minutes for d in doctors)
        from_arrival = WaitFigures.of(self._arrival_waits)
        # Walk-ins who never held a seat: sent home at the door, or waitlisted until
        # their waitlist expired (those still waiting are not counted yet).
        never_seated = sum(1 for t in tokens if t.source in _WALK_INS and not t.seated_ever
                           and t.status is not TokenStatus.WAITLISTED)
        return SimulationSummary(
            seed=self.config.seed,
            day=self.config.day.isoformat(),
            doctors=len(self._doctor_ids),
            slots_created=len(ledger.slots),
            tokens_booked=len(tokens),
            emergencies=sum(1 for t in tokens if t.source is Source.EMERGENCY),
            cancellations=kinds[EventKind.CANCELLED],
            no_shows=kinds[EventKind.NO_SHOW],
            bumped=kinds[EventKind.BUMPED],
            promoted=kinds[EventKind.PROMOTED],
            moved=kinds[EventKind.MOVED],
            # The engine logs WAITLISTED only for a token waitlisted when it is made.
            waitlisted_on_booking=kinds[EventKind.WAITLISTED],
            waitlisted_remaining=states[TokenStatus.WAITLISTED],
            expired=kinds[EventKind.EXPIRED],
            unseen=kinds[EventKind.UNSEEN],
            overbooked_slots=len(ledger.overbooked_slots),
            completed=kinds[EventKind.COMPLETED],
            doctors_late=len(ledger.delayed_doctors),
            slots_closed=kinds[EventKind.SLOT_CLOSED],
            tokens_by_source={s.value: sum(1 for t in tokens if t.source is s) for s in Source},
            final_states={s.value: states[s.value] for s in TokenStatus},
            wait_minutes={s.value: WaitFigures.of(self._waits[s.value]) for s in Source},
            wait_from_arrival_mean=from_arrival.mean,
            wait_from_arrival_p90=from_arrival.p90,
            mean_utilisation=round(busy_total / open_total, 3) if open_total else 0.0,
            overtime_minutes=round(sum(d.overtime_minutes for d in doctors) / len(doctors), 1)
            if doctors else 0.0,
            utilisation=doctors,
            refusals=dict(sorted(self._refusals.items())),
            turned_away=self._turned_away + never_seated,
            bookings_declined=self._declined,
            finished=self.finished,
            simulated_until=self.now.isoformat(timespec="seconds"),
            engine_operations=self.ops.operations,
            engine_calls=dict(sorted(self.ops.calls.items())),
        )


    def timelines(self) -> list[dict[str, object]]:
        """Every token's day (booked, arrived, checked in, called, seen), and every
        patient who got none, in the order they began: what `--trace` writes."""
        rows: list[dict[str, object]] = []
        for kind, key in self._trace_order:
            if kind == "token":
                token = self.ledger.tokens[key]
                p = self._patients[token.patient]
                slot = self.ledger.slots[token.slot_id]
                rows.append(timeline(
                    p.ident, self._codes.get(token.doctor, "?"), token.source.value,
                    token=token.number, slot=f"{slot.start:%H:%M}-{slot.end:%H:%M}",
                    status=token.status.value, booked=token.created_at,
                    arrived=self._arrived_at.get(token.patient),
                    checked_in=token.checked_in_at, called=token.called_at,
                    completed=token.completed_at,
                ))
            else:
                p = self._patients[key]
                at, why = self._away_at[key]
                rows.append(timeline(p.ident, self._codes.get(p.doctor, "?"), p.source.value,
                                     status="TURNED_AWAY", arrived=at, why=why))
        return rows


def simulate_day(
    config: SimulationConfig | None = None, engine: AllocationEngine | None = None
) -> SimulationSummary:
    """Play a whole day headless and return its figures."""
    with Simulation(config, engine) as simulation:
        return simulation.run()
