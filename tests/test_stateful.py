"""Random OPD days running every command, checked against SPEC §3 after each one.

Two OPD days (2 and 3 March 2026) of 2 or 3 doctors, each with 2 to 4 short
slots of capacity 1 to 3 on the first day and up to 3 on the second (the first
doctor always works both), some booked before the OPD opens (for both days), so
slots fill, overbook, end and roll over within a few dozen steps. Every command
of the engine is used: book from each source (EMERGENCY too, some patients in
the hall: checked in only for today, rule 22; some with an age and sex, rule
23), the kiosk's book_earliest, emergency() with and without a slot (and with
another doctor's slot: refused), cancel, no-show, check-in, call next,
complete, move (across doctors, into full slots, brought forward, into another
day: refused), capacity up and down (and below occupancy: refused), close,
reopen, delay (to past midnight: refused), advance and finish_day (rule 17),
deactivating and reactivating a doctor (rule 19: their slots take nothing new,
DoctorInactive), reassign to a colleague (rule 20), and the corrections of rule
21 (reinstate, undo check-in, requeue, with good and bad reasons).

The simulated clock only moves forward, a few minutes before most commands and
sometimes straight onto a slot's start or end; it crosses midnight by itself in
a late session, or the desk comes in next morning, with advance() (yesterday is
finalised) or without it (yesterday's patients must still never be called).
Some bookings carry a `now` behind the engine's clock. Patients come from a
small pool of hospital numbers and phones typed in several spellings (rule 23),
so rule 15 refusals happen.

After every step (the bookings made before the OPD opens are one step; the
patients of a group booking are checked one by one):
- `check_invariants` (capacity except overbooked emergencies, no free seat
  beside a waitlist, one status and one place per token, unique seq and
  numbers, the event log replays to every token and is in time order, nothing
  called on another day or promoted into an ended slot, and nothing of a day
  before the latest advance() still live);
- rule 15 for every patient of the pool; rule 23's patient records;
- every token's status, slot, doctor, number and overbooked flag, every slot's
  times, capacity and closure, every doctor's activity, and what the command
  returned, equal what `stateful_model.Model` (the rules written out from the
  spec) says; the engine refuses exactly what it refuses, with DoctorInactive
  exactly where rule 19 says so; call_next calls only today's tokens;
- a refused command changed nothing: no event, the same slots and counts, the
  same clock. (The full invariant check is skipped after such a refusal when
  the clock has not moved either: it would re-read the very state it passed.)

How many sequences: the loaded Hypothesis profile decides (tests/conftest.py,
HYPOTHESIS_PROFILE); OPD_HYPOTHESIS_EXAMPLES and OPD_HYPOTHESIS_STEPS override
it for one run. The same machine runs on a SQLite file and on PostgreSQL with a
tenth of the sequences (at least 3), three fifths of the steps.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from opd_tui.engine import AllocationEngine
from opd_tui.errors import DoctorInactive, OPDError

from invariants import check_invariants, check_time_order
from stateful_model import LIVE, REINSTATABLE, Model, MSlot, MToken, Refused

SOURCES = ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"]
#: A few patients shared by many bookings, each as receptionists type them, with
#: the one normal form rule 23 gives them: rule 15 is exercised across spellings.
PATIENTS = {
    "MRN-0001": "MRN0001",
    "mrn 0001": "MRN0001",
    "MRN-0002": "MRN0002",
    "MRN-0003": "MRN0003",
    "+919800000004": "+919800000004",
    "098000 00004": "+919800000004",
    "98000-00004": "+919800000004",
}
NORMAL_REFS = sorted(set(PATIENTS.values()))
DAY = datetime(2026, 3, 2)
DAY2 = DAY + timedelta(days=1)
#: A day without slots: the desk may come in on it (and finalise the second day).
DAY3 = DAY + timedelta(days=2)
DAYS = (DAY.date(), DAY2.date())
LAST_MINUTE = DAY3 + timedelta(hours=23, minutes=59)

refs = st.one_of(st.none(), st.sampled_from(sorted(PATIENTS)))
names = st.sampled_from(["Asha Rao", "Ravi Kumar", "முருகன் S", "Fatima Shaikh"])
#: Every source, the lower priorities more often (as at a real desk).
sources = st.sampled_from(
    ["EMERGENCY", "PAID", "FOLLOWUP", "FOLLOWUP", "ONLINE", "ONLINE", "WALKIN", "WALKIN", "WALKIN"]
)
#: Rule 23's optional details; 131 is refused as input.
details = st.sampled_from([{}, {}, {}, {"age": 34, "sex": "F"}, {"age": 0}, {"sex": "O"},
                           {"age": 131}])
in_hall = st.sampled_from([False, False, True])
#: Minutes that pass before a desk's next command: the day moves on even in a
#: sequence where the tick rules are switched off.
waits = st.sampled_from([0, 0, 0, 0, 1, 2, 5, 10, 15])
index = st.integers(min_value=0, max_value=1_000)
#: Mostly short delays; 240 is the limit, 0 and 241 are refused as input.
delays = st.one_of(st.integers(1, 15), st.sampled_from([0, 60, 180, 240, 241]))
capacities = st.integers(0, 4)  # 0 is refused as input
#: A correction's reason: 1..200 characters; blank and too long are refused.
reasons = st.sampled_from(["mis-keyed at the desk"] * 3 + ["patient came back", "x", "   ",
                                                           "y" * 201])
#: Which day a day command names: the first, the second, the current one.
which_day = st.sampled_from(["first", "second", "today"])

slot_plan = st.tuples(
    st.integers(1, 3),  # capacity
    st.sampled_from([10, 15, 20, 30]),  # minutes
    st.sampled_from([0, 0, 5, 10]),  # gap before the slot
    # Booked before the OPD opens (online, follow-ups ...): slots start out
    # full, with waitlists, so bumps, promotions and roll-overs come early.
    # Some patients stand at the desk (rule 22: checked in only for today).
    st.lists(st.tuples(sources, refs, in_hall), max_size=3),
)


def doctor_plan(second_day_min: int) -> st.SearchStrategy[Any]:
    return st.tuples(
        st.sampled_from([0, 5, 10, 15]),  # minutes after the session's start
        st.lists(slot_plan, min_size=2, max_size=4),  # the first day
        st.lists(slot_plan, min_size=second_day_min, max_size=3),  # the second day
    )


#: A morning session, or a late one where long delays run into midnight (rule 13)
#: and the clock crosses it; the second day's session is a morning one.
day_plan = st.tuples(
    st.sampled_from([9, 21]),
    doctor_plan(1),
    st.lists(doctor_plan(0), min_size=1, max_size=2),
)
#: What a desk does to a patient it picks from the day's lists.
ACTIONS = {
    "check_in": ("BOOKED",),
    "no_show": ("BOOKED",),
    "cancel": ("BOOKED", "CHECKED_IN", "WAITLISTED"),
    "complete": ("IN_CONSULTATION",),
}
#: Rule 21's corrections and the statuses they put right.
CORRECTIONS = {
    "reinstate": tuple(sorted(REINSTATABLE)),
    "undo_check_in": ("CHECKED_IN",),
    "requeue": ("IN_CONSULTATION",),
}
TOKEN_COMMANDS = ("book", "book_earliest", "emergency", "move", "cancel", "no_show",
                  "check_in", "complete", "reinstate", "undo_check_in", "requeue")


class OPDDays(RuleBasedStateMachine):
    """Every command of the engine over two OPD days, the clock moving forward."""

    #: Set by each test: where each sequence's fresh database comes from.
    make_url: ClassVar[Any] = staticmethod(lambda: "sqlite:///:memory:")

    tokens = Bundle("tokens")

    def __init__(self) -> None:
        super().__init__()
        self.url = self.make_url()
        self.engine = AllocationEngine.open(self.url)
        self.model = Model()
        self.now = DAY
        self.doctor_ids: list[int] = []
        self.slot_ids: list[int] = []
        self.slots_of: dict[int, list[int]] = {}
        #: The date of the latest advance(): no earlier day holds a live token.
        self.finalised_before: date | None = None
        #: The last step was a refusal proven to change nothing (see `_run`).
        self.unchanged = False
        self.checked_at: datetime | None = None

    def teardown(self) -> None:
        self.engine.close()

    # -- the days --------------------------------------------------------------

    @initialize(target=tokens, plan=day_plan)
    def open_days(self, plan: tuple[int, Any, list[Any]]) -> Any:
        hour, first, others = plan
        bookings = []
        for n, (offset, day_one, day_two) in enumerate([first, *others], start=1):
            doctor = self.engine.add_doctor(f"Doctor {n}", f"D{n}")
            self.model.add_doctor(doctor.id, doctor.code)
            self.doctor_ids.append(doctor.id)
            self.slots_of[doctor.id] = []
            for session, slots in ((DAY.replace(hour=hour), day_one),
                                   (DAY2.replace(hour=9), day_two)):
                start = session + timedelta(minutes=offset)
                midnight = datetime.combine(session.date() + timedelta(days=1), time())
                for capacity, minutes, gap, booked in slots:
                    start += timedelta(minutes=gap)
                    end = start + timedelta(minutes=minutes)
                    if end > midnight:
                        break  # a late session keeps the slots that end by midnight
                    slot = self.engine.add_slot(doctor.id, start, end, capacity)
                    self.model.add_slot(slot.id, doctor.id, slot.start, slot.end, slot.capacity)
                    self.slot_ids.append(slot.id)
                    self.slots_of[doctor.id].append(slot.id)
                    bookings += [(slot.id, source, ref, hall) for source, ref, hall in booked]
                    start = end
        self.now = DAY.replace(hour=hour) - timedelta(minutes=15)
        made = []
        for slot_id, source, ref, hall in bookings:
            token = self._book(slot_id, source, ref, "Online Patient", {"in_hall": hall})
            if token is not None:
                made.append(token.id)
        self.unchanged = False
        return multiple(*made)

    def _slot(self, i: int) -> int:
        return self.slot_ids[i % len(self.slot_ids)]

    def _doctor(self, i: int) -> int:
        return self.doctor_ids[i % len(self.doctor_ids)]

    def _day(self, which: str) -> date:
        return {"first": DAYS[0], "second": DAYS[1]}.get(which, self.now.date())

    # Picking whom and where from the model: it equals the engine after every
    # step (checked below), and reading it costs no queries.

    def _open(self, slot: MSlot) -> bool:
        return not slot.closed and self.now < slot.end

    def _busiest_slots(self) -> list[int]:
        """Open slots, fullest first: where bookings bump and wait."""
        model = self.model
        open_slots = [s for s in model.slots.values() if self._open(s)]
        open_slots.sort(key=lambda s: (s.capacity - model.occupancy(s),
                                       -len(model.in_slot(s, "WAITLISTED")), s.start))
        return [s.id for s in open_slots]

    def _tokens_in(self, statuses: tuple[str, ...]) -> list[MToken]:
        """Tokens in these statuses, highest priority first, then by seq."""
        return sorted((t for t in self.model.tokens.values() if t.status in statuses),
                      key=lambda t: t.key)

    # -- running one command -------------------------------------------------

    def _pass(self, minutes: int) -> None:
        self.unchanged = False
        self.now = min(self.now + timedelta(minutes=minutes), LAST_MINUTE)

    def _fingerprint(self) -> tuple[Any, ...]:
        return (
            self.engine.last_event_id(),
            tuple(s for day in DAYS for s in self.engine.day_slots(day, now=self.now)),
            self.engine.clock(datetime(2000, 1, 1)),
        )

    def _run(self, command: str, args: tuple[Any, ...], model_args: tuple[Any, ...] | None = None,
             *, now: datetime | None = None, creates: bool = False,
             kwargs: dict[str, Any] | None = None,
             model_kwargs: dict[str, Any] | None = None) -> Any:
        """Run `command` on the engine (and the model); a refusal must change nothing."""
        self.unchanged = False
        same_time = self.now == self.checked_at
        at = self.now if now is None else now
        kwargs = kwargs or {}
        model_kwargs = kwargs if model_kwargs is None else model_kwargs
        before = self._fingerprint()
        try:
            result = getattr(self.engine, command)(*args, now=at, **kwargs)
        except OPDError as error:
            assert self._fingerprint() == before, f"refused {command} changed something: {error}"
            # Same events, slots, clock and `now` as when the invariants were
            # last checked: reading everything again would prove nothing new.
            self.unchanged = same_time
            new_id = 10**12 if creates else None
            try:
                self.model.run(at, command, *self._model_args(model_args, args, new_id),
                               **model_kwargs)
            except Refused as why:
                inactive = why.error == "DoctorInactive"
                assert isinstance(error, DoctorInactive) == inactive, (
                    f"{command}{args}: the engine refused with {type(error).__name__} "
                    f"({error}); the spec refuses it as: {why}"
                )
                return None
            raise AssertionError(
                f"engine refused {command}{args} {kwargs} ({type(error).__name__}: {error}); "
                "the spec allows it"
            ) from None
        new_id = result.id if creates else None
        try:
            expected = self.model.run(at, command, *self._model_args(model_args, args, new_id),
                                      **model_kwargs)
        except Refused as why:
            raise AssertionError(
                f"engine did {command}{args} {kwargs} -> {result!r}; the spec refuses it ({why})"
            ) from None
        self._compare_result(command, result, expected)
        return result

    @staticmethod
    def _model_args(model_args: tuple[Any, ...] | None, args: tuple[Any, ...],
                    new_id: int | None) -> tuple[Any, ...]:
        chosen = args if model_args is None else model_args
        return (*chosen, new_id) if new_id is not None else chosen

    def _compare_result(self, command: str, result: Any, expected: Any) -> None:
        if command in TOKEN_COMMANDS:
            got = (result.number, result.status, result.slot_id, result.source, result.overbooked,
                   result.patient_ref)
            want = (expected.number, expected.status, expected.slot_id, expected.source,
                    expected.overbooked, expected.patient_ref)
            assert got == want, f"{command} returned {got}, the spec gives {want}"
            assert result.seq == result.id
            assert result.priority == expected.priority
        elif command == "call_next":
            got_id = None if result is None else result.id
            want_id = None if expected is None else expected.id
            assert got_id == want_id, f"call_next called {got_id}, the spec calls {want_id}"
            if result is not None:  # rule 8: today's slots only
                day = self.model.slots[result.slot_id].day
                assert day == self.model.clock.date(), (  # type: ignore[union-attr]
                    f"call_next called {result.number} of {day} on {self.model.clock}"
                )
        elif command == "reassign":
            got_moves = [(t.id, t.status, t.slot_id, t.overbooked) for t in result]
            want_moves = [(t.id, t.status, t.slot_id, t.overbooked) for t in expected]
            assert got_moves == want_moves, f"reassign moved {got_moves}, the spec {want_moves}"
        elif command == "reopen_slot":
            assert result.id == expected.id
        elif command == "set_doctor_active":
            assert result.active is expected

    def _book(self, slot_id: int, source: str, ref: str | None, name: str,
              extra: dict[str, Any], now: datetime | None = None) -> Any:
        return self._run(
            "book", (slot_id, name, source, ref), (slot_id, source, PATIENTS.get(ref or "")),
            now=now, creates=True, kwargs=extra, model_kwargs={"name": name, **extra},
        )

    def _created(self, token: Any) -> Any:
        if token is None:
            return multiple()
        return token.id

    # -- booking ---------------------------------------------------------------

    @rule(target=tokens, patients=st.lists(st.tuples(index, sources, refs, in_hall), min_size=1,
                                           max_size=3),
          extra=details, name=names, stale=st.sampled_from([0, 0, 0, 30]), wait=waits)
    def book(self, patients: list[tuple[int, str, str | None, bool]], extra: dict[str, Any],
             name: str, stale: int, wait: int) -> Any:
        """Rules 1-3 from every source, patients arriving together (each booking
        checked on its own); sometimes with a `now` behind the engine's clock."""
        self._pass(wait)
        at = self.now - timedelta(minutes=stale)
        made = []
        for n, (slot, source, ref, hall) in enumerate(patients):
            if n:
                self.check_everything()
            token = self._book(self._slot(slot), source, ref, name, {**extra, "in_hall": hall},
                               now=at)
            if token is not None:
                made.append(token.id)
        return multiple(*made)

    @rule(target=tokens, k=st.integers(0, 2), source=sources, ref=refs, hall=in_hall, wait=waits)
    def book_where_busy(self, k: int, source: str, ref: str | None, hall: bool,
                        wait: int) -> Any:
        """Into one of the fullest open slots: bumps and waitlists."""
        self._pass(wait)
        busiest = self._busiest_slots()
        if not busiest:
            return multiple()
        slot_id = busiest[min(k, len(busiest) - 1)]
        return self._created(self._book(slot_id, source, ref, "Ravi Kumar", {"in_hall": hall}))

    @rule(target=tokens, doctor=index, source=sources, ref=refs, hall=in_hall, wait=waits)
    def book_earliest(self, doctor: int, source: str, ref: str | None, hall: bool,
                      wait: int) -> Any:
        """The kiosk's walk-in booking (any source: EMERGENCY goes to rule 2)."""
        self._pass(wait)
        doctor_id = self._doctor(doctor)
        extra = {"in_hall": hall}
        token = self._run("book_earliest", (doctor_id, "Kiosk Patient", source, ref),
                          (doctor_id, source, PATIENTS.get(ref or "")), creates=True,
                          kwargs=extra, model_kwargs={"name": "Kiosk Patient", **extra})
        return self._created(token)

    @rule(target=tokens, doctor=index, slot=st.one_of(st.none(), index),
          foreign=st.sampled_from([False, False, False, True]), ref=refs, hall=in_hall,
          wait=waits)
    def emergency(self, doctor: int, slot: int | None, foreign: bool, ref: str | None,
                  hall: bool, wait: int) -> Any:
        """Rule 2: in a slot of the doctor (or, refused, of another), or the current/next."""
        self._pass(wait)
        doctor_id = self._doctor(doctor)
        slot_id = None
        if slot is not None:
            own = self.slots_of[doctor_id]
            slot_id = self._slot(slot) if foreign else own[slot % len(own)]
        name = "முருகன் Emergency"
        extra = {"in_hall": hall}
        token = self._run("emergency", (doctor_id, name, slot_id, ref),
                          (doctor_id, slot_id, PATIENTS.get(ref or "")), creates=True,
                          kwargs=extra, model_kwargs={"name": name, **extra})
        return self._created(token)

    # -- a token's life --------------------------------------------------------

    @rule(token=tokens, wait=waits)
    def cancel(self, token: int, wait: int) -> None:
        self._pass(wait)
        self._run("cancel", (token,))

    @rule(token=tokens, wait=waits)
    def no_show(self, token: int, wait: int) -> None:
        self._pass(wait)
        self._run("no_show", (token,))

    @rule(token=tokens, wait=waits)
    def check_in(self, token: int, wait: int) -> None:
        self._pass(wait)
        self._run("check_in", (token,))

    @rule(doctor=index, wait=waits)
    def call_next(self, doctor: int, wait: int) -> None:
        self._pass(wait)
        self._run("call_next", (self._doctor(doctor),))

    @rule(k=index, wait=waits)
    def call_next_where_waiting(self, k: int, wait: int) -> None:
        """Rule 8 for a doctor with a checked-in patient (of any day: an earlier
        day's must never be called, a later day's not yet)."""
        self._pass(wait)
        waiting = self._tokens_in(("CHECKED_IN",))
        if waiting:
            self._run("call_next", (self.model.doctor_of(waiting[k % len(waiting)]),))

    @rule(token=tokens, wait=waits)
    def complete(self, token: int, wait: int) -> None:
        self._pass(wait)
        self._run("complete", (token,))

    @rule(action=st.sampled_from(sorted(ACTIONS)), k=index, wait=waits)
    def act_on_a_patient(self, action: str, k: int, wait: int) -> None:
        """The desk picks someone the action suits (the token rules mostly hit refusals)."""
        self._pass(wait)
        candidates = self._tokens_in(ACTIONS[action])
        if candidates:
            self._run(action, (candidates[k % len(candidates)].id,))

    @rule(token=tokens, slot=index, wait=waits)
    def move(self, token: int, slot: int, wait: int) -> None:
        """Rule 11, to any doctor's slot of either day."""
        self._pass(wait)
        self._run("move", (token, self._slot(slot)))

    @rule(k=index, busy=st.integers(0, 2), same_doctor=st.booleans(), wait=waits)
    def move_into_busy(self, k: int, busy: int, same_doctor: bool, wait: int) -> None:
        """A booked or waitlisted patient moved into one of the fullest open slots of
        its day, often of the same doctor (brought forward or put back): a move that bumps."""
        self._pass(wait)
        movable = self._tokens_in(("BOOKED", "WAITLISTED"))
        if not movable:
            return
        token = movable[k % len(movable)]
        day = self.model.day_of(token)
        busiest = [s for s in self._busiest_slots()
                   if s != token.slot_id and self.model.slots[s].day == day]
        if same_doctor:
            own = set(self.slots_of[self.model.doctor_of(token)])
            busiest = [s for s in busiest if s in own]
        if busiest:
            self._run("move", (token.id, busiest[min(busy, len(busiest) - 1)]))

    @rule(k=index, earlier=st.integers(0, 2), wait=waits)
    def bring_forward(self, k: int, earlier: int, wait: int) -> None:
        """A patient moved into an earlier (often full) slot of the same doctor."""
        self._pass(wait)
        movable = self._tokens_in(("BOOKED", "WAITLISTED"))
        if not movable:
            return
        token = movable[k % len(movable)]
        here = self.model.slots[token.slot_id]
        model = self.model
        before = sorted(
            (s for s in model.day_slots(here.doctor_id, here.day)
             if s.start < here.start and self._open(s)),
            key=lambda s: (model.occupancy(s) < s.capacity, s.start),
        )
        if before:
            self._run("move", (token.id, before[min(earlier, len(before) - 1)].id))

    # -- rule 21: corrections ----------------------------------------------------

    @rule(action=st.sampled_from(sorted(CORRECTIONS)), k=index, reason=reasons, wait=waits)
    def correct_a_patient(self, action: str, k: int, reason: str, wait: int) -> None:
        """A receptionist puts right a token the correction suits, today's or a later
        day's if there is one (an earlier day's is refused: tried by `correct`)."""
        self._pass(wait)
        suits = self._tokens_in(CORRECTIONS[action])
        today = self.now.date()
        candidates = [t for t in suits if self.model.day_of(t) >= today] or suits
        if candidates:
            self._run(action, (candidates[k % len(candidates)].id, reason))

    @rule(token=tokens, action=st.sampled_from(sorted(CORRECTIONS)), reason=reasons, wait=waits)
    def correct(self, token: int, action: str, reason: str, wait: int) -> None:
        """A correction of any token: mostly refusals (wrong status, day over)."""
        self._pass(wait)
        self._run(action, (token, reason))

    # Desk stories: the mistake and its correction back to back, each command
    # checked on its own, so corrections find something to put right.

    @rule(k=index, reason=reasons, wait=waits)
    def cancelled_by_mistake(self, k: int, reason: str, wait: int) -> None:
        """A patient cancelled by mistake and reinstated at once: the freed seat may
        have gone to the waitlist meanwhile, so the patient may come back waitlisted,
        or bump someone, or come back checked in."""
        self._pass(wait)
        today = self.now.date()
        live = [t for t in self._tokens_in(("BOOKED", "CHECKED_IN", "WAITLISTED"))
                if self.model.day_of(t) >= today]
        if live:
            token = live[k % len(live)]
            if self._run("cancel", (token.id,)) is not None:
                self.check_everything()
                self._run("reinstate", (token.id, reason))

    @rule(k=index, reason=reasons, wait=waits)
    def called_but_not_there(self, k: int, reason: str, wait: int) -> None:
        """The doctor calls a patient who has stepped out: requeued (BOOKED), and
        not called again until checked in again."""
        self._pass(wait)
        waiting = [t for t in self._tokens_in(("CHECKED_IN",))
                   if self.model.day_of(t) == self.now.date()]
        if waiting:
            doctor_id = self.model.doctor_of(waiting[k % len(waiting)])
            called = self._run("call_next", (doctor_id,))
            if called is not None:
                self.check_everything()
                self._run("requeue", (called.id, reason))
                self.check_everything()
                self._run("call_next", (doctor_id,))

    @rule(k=index, reason=reasons, wait=waits)
    def closed_by_mistake(self, k: int, reason: str, wait: int) -> None:
        """A slot closed by mistake (its patients moved on) and reopened at once."""
        self._pass(wait)
        open_slots = sorted((s for s in self.model.slots.values() if self._open(s)),
                            key=lambda s: s.id)
        if open_slots:
            slot_id = open_slots[k % len(open_slots)].id
            if self._run("close_slot", (slot_id,)) is not None:
                self.check_everything()
                self._run("reopen_slot", (slot_id, reason))

    @rule(k=index, any_slot=st.sampled_from([False, False, False, True]), reason=reasons,
          wait=waits)
    def reopen_slot(self, k: int, any_slot: bool, reason: str, wait: int) -> None:
        """A slot closed by mistake opens again (an open or ended one: refused)."""
        self._pass(wait)
        closed = [s for s in self.model.slots.values() if s.closed]
        pool = [s for s in closed if self.now < s.end] or closed  # not ended, if any
        slot_id = self._slot(k) if any_slot or not pool else pool[k % len(pool)].id
        self._run("reopen_slot", (slot_id, reason))

    # -- slots and doctors -----------------------------------------------------

    @rule(slot=index, capacity=capacities, wait=waits)
    def set_capacity(self, slot: int, capacity: int, wait: int) -> None:
        self._pass(wait)
        self._run("set_capacity", (self._slot(slot), capacity))

    @rule(slot=index, wait=waits)
    def close_slot(self, slot: int, wait: int) -> None:
        self._pass(wait)
        self._run("close_slot", (self._slot(slot),))

    @rule(doctor=index, minutes=delays, wait=waits)
    def delay_doctor(self, doctor: int, minutes: int, wait: int) -> None:
        self._pass(wait)
        self._run("delay_doctor", (self._doctor(doctor), minutes))

    @rule(doctor=index, active=st.booleans(), wait=waits)
    def set_doctor_active(self, doctor: int, active: bool, wait: int) -> None:
        """Rule 19: off, their slots take nothing new (DoctorInactive); on again."""
        self._pass(wait)
        self._run("set_doctor_active", (self._doctor(doctor), active))

    @rule(doctor=index, other=st.sampled_from([1, 1, 1, 2, 0]), day=which_day, wait=waits)
    def reassign(self, doctor: int, other: int, day: str, wait: int) -> None:
        """Rule 20: an absent doctor's day to a colleague (to themselves: refused)."""
        self._pass(wait)
        n = len(self.doctor_ids)
        self._run("reassign", (self._doctor(doctor), self._doctor(doctor + other % n),
                               self._day(day)))

    @rule(wait=waits)
    def advance(self, wait: int) -> None:
        self._pass(wait)
        self._advance()

    def _advance(self) -> None:
        """Rules 17 and 14; a second advance at the same time changes nothing."""
        self._run("advance", ())
        self.finalised_before = self.model.clock.date()  # type: ignore[union-attr]
        assert self.engine.advance(now=self.now) == [], "advance is not idempotent"
        for day in DAYS:
            for s in self.engine.day_slots(day, now=self.now):
                if s.end <= self.now:
                    assert s.waitlisted == 0, f"slot {s.id} ended at {s.end}; still waiting"

    @rule(day=which_day, wait=waits)
    def finish_day(self, day: str, wait: int) -> None:
        """Rule 17 on demand: refused while the day still has a slot to run."""
        self._pass(wait)
        finished = self._day(day)
        if self._run("finish_day", (finished,)) is not None:
            live = [t.number for t in self.model.tokens.values()
                    if t.status in LIVE and self.model.day_of(t) == finished]
            assert not live, f"{finished} finished with {live} still live"

    # -- the clock -------------------------------------------------------------

    @rule(minutes=st.integers(1, 30))
    def tick(self, minutes: int) -> None:
        self._pass(minutes)

    @rule(k=st.integers(0, 2))
    def tick_to_boundary(self, k: int) -> None:
        """Land exactly on a slot's start or end (or midnight), where rules change
        their mind."""
        self.unchanged = False
        ahead = sorted(
            {t for s in self.model.slots.values() for t in (s.start, s.end) if t > self.now}
            | {d for d in (DAY2, DAY3) if d > self.now}
        )
        if ahead:
            self.now = min(ahead[min(k, len(ahead) - 1)], LAST_MINUTE)

    @precondition(lambda self: self.now < DAY2)
    @rule(at=st.sampled_from([time(8, 30), time(8, 55), time(9, 5), time(9, 40)]),
          run_advance=st.sampled_from([True, True, False]))
    def next_morning(self, at: time, run_advance: bool) -> None:
        """The desk comes in the next morning: with advance() yesterday is finalised;
        without it, yesterday's patients must still never be called."""
        self.unchanged = False
        self.now = datetime.combine(DAY2.date(), at)
        if run_advance:
            self._advance()

    @precondition(lambda self: DAY2 <= self.now < DAY3 and all(
        self.now >= s.end for s in self.model.slots.values() if s.day == DAYS[1]))
    @rule(run_advance=st.booleans())
    def day_after(self, run_advance: bool) -> None:
        """Once the second day's slots have ended: the next day, which has none."""
        self.unchanged = False
        self.now = DAY3.replace(hour=8)
        if run_advance:
            self._advance()

    # -- after every step ------------------------------------------------------

    @invariant()
    def check_everything(self) -> None:
        if self.unchanged:
            return
        checked = check_invariants(self.engine, self.now, finalised_before=self.finalised_before)
        check_time_order(checked.events)
        self.checked_at = self.now
        self.one_live_token_per_patient_per_doctor(checked.tokens)
        self.everyone_sits_where_the_spec_says(checked)

    def one_live_token_per_patient_per_doctor(self, tokens: dict[int, Any]) -> None:
        """Rule 15 over every patient of the pool, however their ref was typed."""
        held: dict[tuple[str, int, date], list[str]] = {}
        for t in tokens.values():
            if t.patient_ref is not None and t.status in LIVE:
                key = (t.patient_ref, t.doctor_id, self.model.slots[t.slot_id].day)
                held.setdefault(key, []).append(t.number)
        twice = {k: v for k, v in held.items() if len(v) > 1}
        assert not twice, f"patients with two live tokens: {twice}"
        assert {ref for ref, _, _ in held} <= set(NORMAL_REFS), "a ref not in its normal form"

    def everyone_sits_where_the_spec_says(self, checked: Any) -> None:
        model = self.model
        got = {
            t.id: (t.status, t.slot_id, t.doctor_id, t.number, t.overbooked, t.patient_ref)
            for t in checked.tokens.values()
        }
        want = {
            t.id: (t.status, t.slot_id, model.doctor_of(t), t.number, t.overbooked, t.patient_ref)
            for t in model.tokens.values()
        }
        wrong = {tid: {"engine": got.get(tid), "spec": w} for tid, w in want.items()
                 if got.get(tid) != w}
        assert not wrong and set(got) == set(want), f"tokens differ from the spec: {wrong}"
        slots = {
            v.id: (v.start, v.end, v.capacity, v.status == "CLOSED")
            for v in checked.views.values()
        }
        want_slots = {s.id: (s.start, s.end, s.capacity, s.closed) for s in model.slots.values()}
        assert slots == want_slots, "slots differ from the spec"
        active = {d.id: d.active for d in self.engine.doctors()}
        assert active == model.active, f"doctors active {active}, the spec {model.active}"
        for ref, (name, age, sex) in model.patients.items():
            patient = self.engine.patient(ref)
            assert patient is not None and (patient.name, patient.age, patient.sex) == (
                name, age, sex), f"patient {ref}: {patient}, the spec ({name}, {age}, {sex})"


def _settings(*, backend: bool = False) -> settings:
    """The loaded profile's budget (OPD_HYPOTHESIS_* override it for one run); the
    durable backends get a tenth of the sequences, three fifths of the steps."""
    loaded = settings()
    examples = int(os.environ.get("OPD_HYPOTHESIS_EXAMPLES", loaded.max_examples))
    steps = int(os.environ.get("OPD_HYPOTHESIS_STEPS", loaded.stateful_step_count))
    if backend:
        examples, steps = max(3, examples // 10), max(10, steps * 3 // 5)
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def _machine(make_url: Any = None) -> type[OPDDays]:
    if make_url is None:
        return OPDDays
    return type("OPDDaysOnBackend", (OPDDays,), {"make_url": staticmethod(make_url)})


# -- in memory: the many sequences ---------------------------------------------


# Both are marked `hypothesis` (a plain test calling run_state_machine_as_test is
# not marked by Hypothesis itself), so CI's `-m "slow or hypothesis"` run takes
# them with the `ci` profile; under the `default` profile they take seconds.


@pytest.mark.hypothesis
def test_every_command_keeps_the_invariants_and_the_rules() -> None:
    """Random two-day OPDs in memory: SPEC §3 invariants after every command, and
    every token where the rules (written out in stateful_model) put it."""
    run_state_machine_as_test(_machine(), settings=_settings())


# -- the same machine on the durable backends ----------------------------------


def _fresh_postgres(url: str) -> None:
    eng = create_engine(make_url(url))
    with eng.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('alembic_version', 'engine_clock')"
        )).scalars().all()
        listed = ", ".join(f'"{t}"' for t in tables)
        conn.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE engine_clock SET now = NULL"))
    eng.dispose()


@pytest.mark.hypothesis
def test_invariants_hold_on_every_backend(backend_url: str) -> None:
    """Fewer sequences, each on a fresh SQLite file or an emptied PostgreSQL database."""
    if backend_url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="opd-stateful-")
        counter = iter(range(10**9))

        def new_file() -> str:
            return f"sqlite:///{folder}/day{next(counter)}.sqlite3"

        machine = _machine(make_url=new_file)
        try:
            run_state_machine_as_test(machine, settings=_settings(backend=True))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:

        def emptied() -> str:
            _fresh_postgres(backend_url)
            return backend_url

        machine = _machine(make_url=emptied)
        run_state_machine_as_test(machine, settings=_settings(backend=True))
