"""What the TUI tests share: a small fixed OPD day, the demo day, and driving an app.

The small day (`world`): Monday 10 March 2025, 10:30. Three doctors, each with
slots 09:00, 10:00, 11:00 and 12:00 of one hour and two seats. Dr Rao's 10:00
slot is full (Asha, Ravi) with Sita on its waitlist; Dr Rao's 11:00 slot has
Gopal; Dr Khan's 10:00 slot has Leela checked in. The desk and the kiosk tests
both stand on it.

The demo day (`demo_engine`) is what the snapshots and the screenshots show.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
import time as wall_clock
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from opd_tui.domain.models import Doctor, Slot, Token
from opd_tui.engine import AllocationEngine
from opd_tui.tui.desk import DeskApp
from opd_tui.tui.screenshot_tools import demo_day
from opd_tui.tui.screenshot_tools import press as press_each

DAY = date(2025, 3, 10)
NOW = datetime(2025, 3, 10, 10, 30)
EARLY = datetime(2025, 3, 10, 8, 0)

#: How long a test waits, in wall-clock seconds, for the app to settle or for a
#: change to show before it fails saying what it waited for. Generous on purpose:
#: a loaded machine only makes a test wait longer, never fail; the tests prove the
#: change arrives, how fast is the benchmarks' business (tests/benchmarks/).
PATIENCE_SECONDS = 60.0


class Deadline:
    """A wall-clock deadline for one wait (never a count of rounds: under load each
    round takes longer, and a count runs out while the app is still working)."""

    def __init__(self, what: str, seconds: float = PATIENCE_SECONDS) -> None:
        self.what = what
        self.seconds = seconds
        self._ends = wall_clock.monotonic() + seconds

    @property
    def passed(self) -> bool:
        return wall_clock.monotonic() > self._ends

    @property
    def left(self) -> float:
        return max(0.0, self._ends - wall_clock.monotonic())

    def fail(self, detail: str = "") -> None:
        raise AssertionError(f"gave up waiting {self.seconds:g} s (wall clock) for {self.what}"
                             + (f": {detail}" if detail else ""))


def other_threads() -> str:
    """Where every other thread of this process stands (to see what a worker waits on)."""
    names = {t.ident: t.name for t in threading.enumerate()}
    here = threading.get_ident()
    return "\n".join(
        f"--- thread {names.get(ident, ident)}:\n" + "".join(traceback.format_stack(frame)[-8:])
        for ident, frame in sys._current_frames().items() if ident != here  # noqa: SLF001
    )


async def workers_done(app: App, deadline: Deadline) -> None:
    """Wait for each of the app's workers to finish (one cancelled by a newer errand is
    done too); a worker's error is raised; one still running at the deadline fails,
    with where each thread stands.

    It waits on `worker.wait()`, never on `worker.state`: a worker cancelled before its
    task first ran keeps saying RUNNING although it is over."""
    for worker in list(app.workers):
        waiting = asyncio.ensure_future(worker.wait())
        await asyncio.wait({waiting}, timeout=deadline.left)
        if not waiting.done():
            waiting.add_done_callback(lambda w: w.cancelled() or w.exception())  # heard
            waiting.cancel()
            deadline.fail(f"worker {worker.name!r} ({worker.group}) is still "
                          f"{worker.state.name}\n{other_threads()}")
        try:
            waiting.result()
        except WorkerCancelled:
            pass


async def settle(pilot: Pilot, seconds: float = PATIENCE_SECONDS) -> None:
    """Let the app's workers finish and the screen catch up: at least three rounds, and
    more while a worker is still running (an answer may start another errand)."""
    deadline = Deadline("the app to settle", seconds)
    rounds = 0
    while rounds < 3 or any(not w.is_finished for w in pilot.app.workers):
        if deadline.passed:
            deadline.fail(f"workers still running: {[w.name for w in pilot.app.workers]}")
        await pilot.pause()
        await workers_done(pilot.app, deadline)
        rounds += 1
    await pilot.pause()


@dataclass
class World:
    engine: AllocationEngine
    rao: Doctor
    khan: Doctor
    iyer: Doctor
    slots: dict[str, list[Slot]]
    asha: Token
    ravi: Token
    sita: Token
    gopal: Token
    leela: Token

    def slot(self, code: str, hour: int) -> Slot:
        return next(s for s in self.slots[code] if s.start.hour == hour)

    def tokens_of(self, name: str) -> list[Token]:
        return [t for t in self.engine.search(name) if t.patient_name == name]

    def named(self, name: str) -> Token:
        [token] = self.tokens_of(name)
        return token


def build_world(engine: AllocationEngine) -> World:
    rao = engine.add_doctor("Anjali Rao", "RAO", "Cardiology", "101")
    khan = engine.add_doctor("Farah Khan", "KHAN", "Orthopaedics", "301")
    iyer = engine.add_doctor("Priya Iyer", "IYER", "Paediatrics", "201")
    slots = {
        d.code: engine.generate_slots(d.id, DAY, time(9), time(13), 60, 2) for d in (rao, khan, iyer)
    }
    ten = next(s for s in slots["RAO"] if s.start.hour == 10)
    eleven = next(s for s in slots["RAO"] if s.start.hour == 11)
    khan_ten = next(s for s in slots["KHAN"] if s.start.hour == 10)
    asha = engine.book(ten.id, "Asha Verma", "ONLINE", "+919800000001", now=EARLY)
    ravi = engine.book(ten.id, "Ravi Kumar", "WALKIN", "H-100002", now=EARLY)
    sita = engine.book(ten.id, "Sita Devi", "WALKIN", "+919800000003", now=EARLY)
    gopal = engine.book(eleven.id, "Gopal Rao", "FOLLOWUP", now=EARLY)
    leela = engine.book(khan_ten.id, "Leela Nair", "PAID", now=EARLY)
    leela = engine.check_in(leela.id, now=EARLY)
    return World(engine, rao, khan, iyer, slots, asha, ravi, sita, gopal, leela)


@pytest.fixture
def world(engine: AllocationEngine) -> World:
    return build_world(engine)


@pytest.fixture
def day(world: World) -> World:
    """The same small day, as the kiosk tests call it."""
    return world


def make_desk(engine: AllocationEngine, now: datetime = NOW, **kwargs) -> DeskApp:
    return DeskApp(engine, clock=lambda: now, **kwargs)


@asynccontextmanager
async def desk_open(
    engine: AllocationEngine, size: tuple[int, int] = (120, 40), **kwargs
) -> AsyncIterator[Pilot]:
    app = make_desk(engine, **kwargs)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


async def press(pilot: Pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await pilot.pause()
    await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


def _described(shown: Callable[[], bool]) -> str:
    """What a wait waits for, from its source (a lambda's line) if it can be read."""
    try:
        return " ".join(inspect.getsource(shown).split())
    except (OSError, TypeError):
        return getattr(shown, "__qualname__", repr(shown))


async def eventually(
    pilot: Pilot, shown: Callable[[], bool], seconds: float = PATIENCE_SECONDS,
    what: str | None = None,
) -> bool:
    """Let the app run until `shown()` holds (then True, so `assert await eventually(...)`
    reads well); fail with an AssertionError naming `what` once the wall-clock `seconds`
    have passed."""
    deadline = Deadline(what or _described(shown), seconds)
    while not shown():
        if deadline.passed:
            deadline.fail()
        await pilot.pause(0.05)
    return True


def notes(app: DeskApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture
def demo_engine() -> Iterator[AllocationEngine]:
    """The demo day of the screenshots (its clock: `demo_now(DAY)`, 10:40)."""
    with demo_day() as (engine, _clock):
        yield engine


def keys(*pressed: str) -> Callable[[Pilot], Awaitable[None]]:
    """A snapshot's run_before: settle, then press each key (`text:...` is typed)."""

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await press_each(pilot, pressed, then=settle)

    return run


def column_plain(table, key: str) -> list[str]:  # noqa: ANN001
    return [table.get_cell(row, key).plain for row in table.rows]
