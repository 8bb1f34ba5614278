"""Random OPD days running every command, checked against SPEC §3 after each one.

One day of 2 or 3 doctors, each with 3 to 5 short slots of capacity 1 to 3,
some booked before the OPD opens, so slots fill, overbook, end and roll over
within a few dozen steps. Every command of the engine is used: book from each
source (EMERGENCY too), the kiosk's book_earliest, emergency() with and
without a slot (and with another doctor's slot: refused), cancel, no-show,
check-in, call next, complete, move (across doctors, into full slots,
brought forward), capacity up and down (and below occupancy: refused), close,
delay (to past midnight: refused) and advance. The simulated clock only moves
forward, a few minutes before most commands and sometimes straight onto a
slot's start or end; some bookings carry a `now` behind the engine's clock.
Patients come from a small pool of hospital numbers, so rule 15 refusals happen.

After every step (the bookings made before the OPD opens are one step; the
patients of a group booking are checked one by one):
- `check_invariants` (capacity except overbooked emergencies, no free seat
  beside a waitlist, one status and one place per token, unique seq and
  numbers, the event log replays to every token);
- rule 15 for every patient of the pool;
- every token's status and slot, every slot's times, capacity and closure, and
  what the command returned, equal what `stateful_model.Model` (the rules
  written out from the spec) says; the engine refuses exactly what it refuses;
- a refused command changed nothing: no event, the same slots and counts, the
  same clock. (The full invariant check is skipped after such a refusal when
  the clock has not moved either: it would re-read the very state it passed.)

The same machine runs on a SQLite file and on PostgreSQL with fewer sequences.
OPD_HYPOTHESIS_EXAMPLES sets the number of in-memory sequences (default 150;
the backends get a twentieth, at least 10); OPD_HYPOTHESIS_STEPS the steps per
sequence (default 40).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timedelta
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from invariants import check_invariants
from opd_tui.engine import AllocationEngine
from opd_tui.errors import OPDError
from stateful_model import LIVE, Model, Refused

EXAMPLES = int(os.environ.get("OPD_HYPOTHESIS_EXAMPLES", "150"))
STEPS = int(os.environ.get("OPD_HYPOTHESIS_STEPS", "40"))
BACKEND_EXAMPLES = max(10, EXAMPLES // 20)

SOURCES = ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"]
#: A few hospital numbers shared by many bookings: rule 15 is exercised.
PATIENT_REFS = ["MRN-0001", "MRN-0002", "MRN-0003", "+919800000004"]
DAY = datetime(2026, 3, 2)
LAST_MINUTE = DAY + timedelta(hours=23, minutes=59)

refs = st.one_of(st.none(), st.sampled_from(PATIENT_REFS))
#: Every source, the lower priorities more often (as at a real desk).
sources = st.sampled_from(
    ["EMERGENCY", "PAID", "FOLLOWUP", "FOLLOWUP", "ONLINE", "ONLINE", "WALKIN", "WALKIN", "WALKIN"]
)
#: Minutes that pass before a desk's next command: the day moves on even in a
#: sequence where the tick rules are switched off.
waits = st.sampled_from([0, 0, 0, 0, 1, 2, 5, 10, 15])
index = st.integers(min_value=0, max_value=1_000)
#: Mostly short delays; 240 is the limit, 0 and 241 are refused as input.
delays = st.one_of(st.integers(1, 15), st.sampled_from([0, 60, 180, 240, 241]))
capacities = st.integers(0, 4)  # 0 is refused as input

slot_plan = st.tuples(
    st.integers(1, 3),  # capacity
    st.sampled_from([10, 15, 20, 30]),  # minutes
    st.sampled_from([0, 0, 5, 10]),  # gap before the slot
    # Booked before the OPD opens (online, follow-ups ...): slots start out
    # full, with waitlists, so bumps, promotions and roll-overs come early.
    st.lists(st.tuples(sources, refs), max_size=4),
)
doctor_plan = st.tuples(
    st.sampled_from([0, 5, 10, 15]),  # minutes after the session's start
    st.lists(slot_plan, min_size=3, max_size=5),
)
#: A morning session, or a late one where long delays run into midnight (rule 13).
day_plan = st.tuples(
    st.sampled_from([9, 21]),
    st.lists(doctor_plan, min_size=2, max_size=3),
)
#: What a desk does to a patient it picks from the day's lists.
ACTIONS = {
    "check_in": ("BOOKED",),
    "no_show": ("BOOKED",),
    "cancel": ("BOOKED", "CHECKED_IN", "WAITLISTED"),
    "complete": ("IN_CONSULTATION",),
}


class OPDDay(RuleBasedStateMachine):
    """Every command of the engine against one OPD day, the clock moving forward."""

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
        #: The last step was a refusal proven to change nothing (see `_run`).
        self.unchanged = False
        self.checked_at: datetime | None = None

    def teardown(self) -> None:
        self.engine.close()

    # -- the day ---------------------------------------------------------------

    @initialize(target=tokens, plan=day_plan)
    def open_day(self, plan: tuple[int, list[tuple[int, list[Any]]]]) -> Any:
        hour, doctors = plan
        bookings = []
        session = DAY.replace(hour=hour)
        for n, (offset, slots) in enumerate(doctors, start=1):
            doctor = self.engine.add_doctor(f"Doctor {n}", f"D{n}")
            self.model.add_doctor(doctor.id, doctor.code)
            self.doctor_ids.append(doctor.id)
            self.slots_of[doctor.id] = []
            start = session + timedelta(minutes=offset)
            for capacity, minutes, gap, booked in slots:
                start += timedelta(minutes=gap)
                end = start + timedelta(minutes=minutes)
                if end > DAY + timedelta(days=1):
                    break  # a late session keeps the slots that end by midnight
                slot = self.engine.add_slot(doctor.id, start, end, capacity)
                self.model.add_slot(slot.id, doctor.id, slot.start, slot.end, slot.capacity)
                self.slot_ids.append(slot.id)
                self.slots_of[doctor.id].append(slot.id)
                bookings += [(slot.id, source, ref) for source, ref in booked]
                start = end
        self.now = session - timedelta(minutes=15)
        made = []
        for slot_id, source, ref in bookings:
            token = self._run("book", (slot_id, "Online Patient", source, ref),
                              (slot_id, source, ref), creates=True)
            if token is not None:
                made.append(self._created(token))
        self.unchanged = False
        return multiple(*made)

    def _slot(self, i: int) -> int:
        return self.slot_ids[i % len(self.slot_ids)]

    def _doctor(self, i: int) -> int:
        return self.doctor_ids[i % len(self.doctor_ids)]

    def _busiest_slots(self) -> list[int]:
        """Bookable slots, fullest first: where bookings bump and wait."""
        summaries = [s for s in self.engine.day_slots(DAY.date(), now=self.now)
                     if s.status not in ("CLOSED", "ENDED")]
        summaries.sort(key=lambda s: (s.capacity - s.occupancy, -s.waitlisted, s.start))
        return [s.id for s in summaries]

    def _tokens_in(self, statuses: tuple[str, ...]) -> list[Any]:
        """The day's tokens in these statuses, highest priority first, then by seq."""
        found = []
        for summary in self.engine.day_slots(DAY.date(), now=self.now):
            if summary.occupancy == 0 and summary.waitlisted == 0:
                continue
            view = self.engine.slot_view(summary.id, now=self.now)
            found += [t for t in (*view.seated, *view.waitlist) if t.status in statuses]
        return sorted(found, key=lambda t: (t.priority, t.seq))

    # -- running one command -------------------------------------------------

    def _pass(self, minutes: int) -> None:
        self.unchanged = False
        self.now = min(self.now + timedelta(minutes=minutes), LAST_MINUTE)

    def _fingerprint(self) -> tuple[Any, ...]:
        return (
            self.engine.last_event_id(),
            tuple(self.engine.day_slots(DAY.date(), now=self.now)),
            self.engine.clock(datetime(2000, 1, 1)),
        )

    def _run(self, command: str, args: tuple[Any, ...], model_args: tuple[Any, ...] | None = None,
             *, now: datetime | None = None, creates: bool = False) -> Any:
        """Run `command` on the engine (and the model); a refusal must change nothing."""
        self.unchanged = False
        same_time = self.now == self.checked_at
        at = self.now if now is None else now
        before = self._fingerprint()
        try:
            result = getattr(self.engine, command)(*args, now=at)
        except OPDError as error:
            assert self._fingerprint() == before, f"refused {command} changed something: {error}"
            # Same events, slots, clock and `now` as when the invariants were
            # last checked: reading everything again would prove nothing new.
            self.unchanged = same_time
            new_id = 10**12 if creates else None
            try:
                self.model.run(at, command, *self._model_args(model_args, args, new_id))
            except Refused:
                return None
            raise AssertionError(f"engine refused {command}{args} ({error}); the spec allows it")
        new_id = result.id if creates else None
        try:
            expected = self.model.run(at, command, *self._model_args(model_args, args, new_id))
        except Refused as why:
            raise AssertionError(
                f"engine did {command}{args} -> {result!r}; the spec refuses it ({why})"
            ) from None
        self._compare_result(command, result, expected)
        return result

    @staticmethod
    def _model_args(model_args: tuple[Any, ...] | None, args: tuple[Any, ...],
                    new_id: int | None) -> tuple[Any, ...]:
        chosen = args if model_args is None else model_args
        return (*chosen, new_id) if new_id is not None else chosen

    def _compare_result(self, command: str, result: Any, expected: Any) -> None:
        if command in ("book", "book_earliest", "emergency", "move", "cancel", "no_show",
                       "check_in", "complete"):
            got = (result.number, result.status, result.slot_id, result.source, result.overbooked)
            want = (expected.number, expected.status, expected.slot_id, expected.source,
                    expected.overbooked)
            assert got == want, f"{command} returned {got}, the spec gives {want}"
            assert result.seq == result.id
            assert result.priority == expected.priority
        elif command == "call_next":
            got_id = None if result is None else result.id
            want_id = None if expected is None else expected.id
            assert got_id == want_id, f"call_next called {got_id}, the spec calls {want_id}"

    def _created(self, token: Any) -> Any:
        if token is None:
            return multiple()
        return token.id

    # -- booking ---------------------------------------------------------------

    @rule(target=tokens, patients=st.lists(st.tuples(index, sources, refs), min_size=1,
                                           max_size=3),
          stale=st.sampled_from([0, 0, 0, 30]), wait=waits)
    def book(self, patients: list[tuple[int, str, str | None]], stale: int, wait: int) -> Any:
        """Rules 1-3 from every source, patients arriving together (each booking
        checked on its own); sometimes with a `now` behind the engine's clock."""
        self._pass(wait)
        at = self.now - timedelta(minutes=stale)
        made = []
        for n, (slot, source, ref) in enumerate(patients):
            if n:
                self.check_everything()
            slot_id = self._slot(slot)
            token = self._run("book", (slot_id, "Asha Rao", source, ref), (slot_id, source, ref),
                              now=at, creates=True)
            if token is not None:
                made.append(self._created(token))
        return multiple(*made)

    @rule(target=tokens, k=st.integers(0, 2), source=sources, ref=refs, wait=waits)
    def book_where_busy(self, k: int, source: str, ref: str | None, wait: int) -> Any:
        """Into one of the fullest open slots: bumps and waitlists."""
        self._pass(wait)
        busiest = self._busiest_slots()
        if not busiest:
            return multiple()
        slot_id = busiest[min(k, len(busiest) - 1)]
        token = self._run("book", (slot_id, "Ravi Kumar", source, ref), (slot_id, source, ref),
                          creates=True)
        return self._created(token)

    @rule(target=tokens, doctor=index, source=sources, ref=refs, wait=waits)
    def book_earliest(self, doctor: int, source: str, ref: str | None, wait: int) -> Any:
        """The kiosk's walk-in booking (any source: EMERGENCY goes to rule 2)."""
        self._pass(wait)
        doctor_id = self._doctor(doctor)
        token = self._run("book_earliest", (doctor_id, "Kiosk Patient", source, ref),
                          (doctor_id, source, ref), creates=True)
        return self._created(token)

    @rule(target=tokens, doctor=index, slot=st.one_of(st.none(), index),
          foreign=st.sampled_from([False, False, False, True]), ref=refs, wait=waits)
    def emergency(self, doctor: int, slot: int | None, foreign: bool, ref: str | None,
                  wait: int) -> Any:
        """Rule 2: in a slot of the doctor (or, refused, of another), or the current/next."""
        self._pass(wait)
        doctor_id = self._doctor(doctor)
        slot_id = None
        if slot is not None:
            own = self.slots_of[doctor_id]
            slot_id = self._slot(slot) if foreign else own[slot % len(own)]
        token = self._run("emergency", (doctor_id, "முருகன் Emergency", slot_id, ref),
                          (doctor_id, slot_id, ref), creates=True)
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
        """Rule 8 for a doctor with a checked-in patient in the hall."""
        self._pass(wait)
        waiting = self._tokens_in(("CHECKED_IN",))
        if waiting:
            doctor_id = waiting[k % len(waiting)].doctor_id
            self._run("call_next", (doctor_id,))

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
        """Rule 11, to any doctor's slot of the day."""
        self._pass(wait)
        self._run("move", (token, self._slot(slot)))

    @rule(k=index, busy=st.integers(0, 2), same_doctor=st.booleans(), wait=waits)
    def move_into_busy(self, k: int, busy: int, same_doctor: bool, wait: int) -> None:
        """A booked or waitlisted patient moved into one of the fullest open slots,
        often of the same doctor (brought forward or put back): a move that bumps."""
        self._pass(wait)
        movable = self._tokens_in(("BOOKED", "WAITLISTED"))
        if not movable:
            return
        token = movable[k % len(movable)]
        busiest = [s for s in self._busiest_slots() if s != token.slot_id]
        if same_doctor:
            own = set(self.slots_of[token.doctor_id])
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
        slots = {s.id: s for s in self.engine.day_slots(DAY.date(), now=self.now)}
        before = sorted(
            (s for s in slots.values()
             if s.doctor_id == token.doctor_id and s.start < slots[token.slot_id].start
             and s.status not in ("CLOSED", "ENDED")),
            key=lambda s: (s.occupancy < s.capacity, s.start),
        )
        if before:
            self._run("move", (token.id, before[min(earlier, len(before) - 1)].id))

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

    @rule(wait=waits)
    def advance(self, wait: int) -> None:
        """Rule 14; a second advance at the same time changes nothing."""
        self._pass(wait)
        self._run("advance", ())
        assert self.engine.advance(now=self.now) == [], "advance is not idempotent"
        for s in self.engine.day_slots(DAY.date(), now=self.now):
            if s.end <= self.now:
                assert s.waitlisted == 0, f"slot {s.id} ended at {s.end} and still has a waitlist"

    # -- the clock -------------------------------------------------------------

    @rule(minutes=st.integers(1, 30))
    def tick(self, minutes: int) -> None:
        self._pass(minutes)

    @rule(k=st.integers(0, 2))
    def tick_to_boundary(self, k: int) -> None:
        """Land exactly on a slot's start or end, where rules change their mind."""
        self.unchanged = False
        ahead = sorted(
            {t for s in self.engine.day_slots(DAY.date()) for t in (s.start, s.end)
             if t > self.now}
        )
        if ahead:
            self.now = min(ahead[min(k, len(ahead) - 1)], LAST_MINUTE)

    # -- after every step ------------------------------------------------------

    @invariant()
    def check_everything(self) -> None:
        if self.unchanged:
            return
        self.spec_invariants_hold()
        self.one_live_token_per_patient_per_doctor()
        self.everyone_sits_where_the_spec_says()

    def spec_invariants_hold(self) -> None:
        check_invariants(self.engine, self.now)
        self.checked_at = self.now

    def one_live_token_per_patient_per_doctor(self) -> None:
        """Rule 15, over every patient of the pool."""
        for ref in PATIENT_REFS:
            live = [t for t in self.engine.search(ref, day=DAY.date(), limit=500)
                    if t.patient_ref == ref and t.status in LIVE]
            doctors = [t.doctor_id for t in live]
            assert len(doctors) == len(set(doctors)), (
                f"{ref} holds live tokens {[(t.number, t.status) for t in live]}"
            )

    def everyone_sits_where_the_spec_says(self) -> None:
        placed: dict[int, tuple[str, int]] = {}
        for e in self.engine.events():
            if e.token_id is not None:
                placed[e.token_id] = (e.detail["status"], e.detail["slot_id"])
        expected = {t.id: (t.status, t.slot_id) for t in self.model.tokens.values()}
        wrong = {
            tid: {"engine": placed.get(tid), "spec": want}
            for tid, want in expected.items()
            if placed.get(tid) != want
        }
        assert not wrong and set(placed) == set(expected), f"tokens differ from the spec: {wrong}"
        slots = {
            s.id: (s.start, s.end, s.capacity, s.status == "CLOSED")
            for s in self.engine.day_slots(DAY.date(), now=self.now)
        }
        want_slots = {
            s.id: (s.start, s.end, s.capacity, s.closed) for s in self.model.slots.values()
        }
        assert slots == want_slots, "slots differ from the spec"


def _settings(examples: int, steps: int = STEPS) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def _machine(make_url: Any = None) -> type[OPDDay]:
    if make_url is None:
        return OPDDay
    return type("OPDDayOnBackend", (OPDDay,), {"make_url": staticmethod(make_url)})


# -- in memory: the many sequences ---------------------------------------------


def test_every_command_keeps_the_invariants_and_the_rules() -> None:
    """Hundreds of random days in memory: SPEC §3 invariants after every command,
    and every token where the rules (written out in stateful_model) put it."""
    run_state_machine_as_test(_machine(), settings=_settings(EXAMPLES))


# -- the same machine on the durable backends ----------------------------------


def _fresh_postgres(url: str) -> None:
    eng = create_engine(make_url(url))
    with eng.begin() as conn:
        conn.execute(text(
            "TRUNCATE events, tokens, doctor_days, slots, doctors RESTART IDENTITY CASCADE"
        ))
        conn.execute(text("UPDATE engine_clock SET now = NULL"))
    eng.dispose()


def test_invariants_hold_on_every_backend(backend_url: str) -> None:
    """Fewer sequences, each on a fresh SQLite file or an emptied PostgreSQL database."""
    if backend_url.startswith("sqlite"):
        folder = tempfile.mkdtemp(prefix="opd-stateful-")
        counter = iter(range(10**9))

        def new_file() -> str:
            return f"sqlite:///{folder}/day{next(counter)}.sqlite3"

        machine = _machine(make_url=new_file)
        try:
            run_state_machine_as_test(machine, settings=_settings(BACKEND_EXAMPLES, 30))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:

        def emptied() -> str:
            _fresh_postgres(backend_url)
            return backend_url

        machine = _machine(make_url=emptied)
        run_state_machine_as_test(machine, settings=_settings(BACKEND_EXAMPLES, 30))
