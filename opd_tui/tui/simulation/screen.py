"""The live simulation: a synthetic OPD day played on the slot grid, in real time.

The day is driven from one worker thread at a time: every quarter second the
screen asks it to play the day up to the simulated time the `LiveClock` reads
(wall time x speed), and the worker posts back a `Frame` that the screen
shows by diff. Keys only change the clock or queue a step or a restart; they
never wait for the engine, so the screen answers at every speed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock_time
from typing import Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState, get_current_worker

from ...engine import AllocationEngine
from ...simulation import SimulationConfig
from ...simulation.compare import Results
from ..widgets import LEGEND, GridRow, SlotGrid
from .live import (
    DEFAULT_SPEED,
    SPEEDS,
    Frame,
    LiveClock,
    LiveDay,
    doctors_utilisation_so_far,
    utilisation_so_far,
)
from .summary_screen import Choice, DaySummaryScreen
from .whatif import WhatIfScreen
from .widgets import EventLog, SimHeader, StatsPanel

#: Seconds between frames while the day plays: a few repaints a second at most.
REFRESH_SECONDS = 0.25
#: Wall seconds of engine work per frame; a day too big for it runs slower, not stuck.
BUDGET_SECONDS = 0.15


@dataclass(frozen=True, slots=True)
class Job:
    """One errand for the worker."""

    kind: Literal["prepare", "restart", "step", "play", "seek"]
    steps: int = 0
    target: datetime | None = None


class SimulationCommands(Provider):
    """The palette offers what makes sense on the day as it stands."""

    def _commands(self) -> list[tuple[str, str, str]]:
        screen = self.screen
        if not isinstance(screen, SimulationScreen):
            return []
        over = screen.frame is not None and screen.frame.finished
        items = []
        if not over:
            items.append(("Play" if screen.clock.paused else "Pause", "toggle_pause",
                          "Play or pause the simulated day"))
            if screen.clock.speed < SPEEDS[-1]:
                items.append(("Faster", "faster", "Speed the simulated clock up"))
            if screen.clock.speed > SPEEDS[0]:
                items.append(("Slower", "slower", "Slow the simulated clock down"))
            items.append(("Step to the next event", "step", "Pause and play one event"))
        items += [
            ("What if…", "what_if", "Compare parameters or policies on the same patients"),
            ("New day (next seed)", "restart", "Start again with a new seed"),
            ("Figures of the day", "summary", "The day's counts, waits and doctors"),
            ("Leave the simulation", "leave", "Back to the desk, or quit"),
        ]
        return items

    async def discover(self) -> Hits:
        for title, action, help_text in self._commands():
            yield DiscoveryHit(title, self._run(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._commands():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), self._run(action), help=help_text)

    def _run(self, action: str):  # noqa: ANN202
        async def run() -> None:
            await self.screen.run_action(action)

        return run


class SimulationScreen(Screen[None]):
    """A simulated OPD day, live: the slot grid, the event log and the figures."""

    CSS_PATH = "simulation.tcss"
    COMMANDS = {SimulationCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (44, "-tall")]

    BINDINGS = [
        Binding("space", "toggle_pause", "Pause", key_display="space"),
        Binding("plus,equals_sign", "faster", "Faster", key_display="+"),
        Binding("minus", "slower", "Slower", key_display="-"),
        Binding("n", "step", "Step"),
        Binding("r", "restart", "New day"),
        Binding("s", "summary", "Figures"),
        Binding("w", "what_if", "What if"),
        Binding("q,escape", "leave", "Leave"),
    ]

    class DayAdvanced(Message, bubble=False):
        """The worker played a chunk of the day (for this screen only: it does not bubble)."""

        def __init__(self, frame: Frame, job: Job) -> None:
            super().__init__()
            self.frame = frame
            self.job = job

    def __init__(
        self,
        config: SimulationConfig | None = None,
        *,
        engine: AllocationEngine | None = None,
        speed: int = DEFAULT_SPEED,
        paused: bool = False,
        start: clock_time | None = None,
        whatif_workers: int | None = None,
    ) -> None:
        """`start`: the time of day the live day is shown from (default 08:30, or the
        first slot if earlier). `whatif_workers`: processes of the what-if panel's
        comparisons (default one per CPU; 1 plays them in a thread of this program)."""
        super().__init__()
        self.live = LiveDay(config or SimulationConfig(), engine, start)
        self.clock = LiveClock(speed, paused=paused)
        self.whatif_workers = whatif_workers
        #: The what-if panel's last comparison, shown again when it reopens.
        self.whatif_results: Results | None = None
        #: Toasts on show (text: until when), so a key pressed again does not stack them.
        self._toasts: dict[str, float] = {}
        self.frame: Frame | None = None
        self._busy = False
        self._steps = 0
        self._seek: datetime | None = None
        self._restart = False
        #: The worker failed: nothing more is played until `r` starts a new day.
        self._stopped = False
        self._summary_shown: int | None = None

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SimHeader(id="sim-header")
        with Vertical(id="sim-grid-box"):
            yield SlotGrid(id="sim-grid")
        with Horizontal(id="sim-bottom"):
            yield EventLog(id="sim-log")
            yield StatsPanel(id="sim-stats")
        # No palette key in the footer: at 80 columns it would cut the screen's own keys.
        yield Footer(compact=True, show_command_palette=False)

    @property
    def grid(self) -> SlotGrid:
        return self.query_one("#sim-grid", SlotGrid)

    @property
    def event_log(self) -> EventLog:
        return self.query_one("#sim-log", EventLog)

    @property
    def stats(self) -> StatsPanel:
        return self.query_one("#sim-stats", StatsPanel)

    @property
    def finished(self) -> bool:
        return self.frame is not None and self.frame.finished

    @property
    def ready(self) -> bool:
        return self.frame is not None and self.frame.ready

    @property
    def busy(self) -> bool:
        """An errand for the worker is out or waiting (scripts and tests wait on this)."""
        if self._stopped:
            return self._busy
        return (self._busy or self._restart or bool(self._steps) or self._seek is not None
                or not self.ready)

    def on_mount(self) -> None:
        box = self.query_one("#sim-grid-box")
        box.border_title = "Slots"
        box.border_subtitle = LEGEND
        self.event_log.border_title = "Events"
        self.stats.border_title = "Figures"
        self.grid.focus()
        self.show_header()
        self.set_interval(REFRESH_SECONDS, self.kick)
        self.kick()

    def on_unmount(self) -> None:
        self.live.close()

    def on_resize(self) -> None:
        self.show_header()

    # -- driving the worker ---------------------------------------------------

    def kick(self) -> None:
        """Give the worker its next errand, unless it is still busy with one."""
        if self._busy or (self._stopped and not self._restart):
            return
        if self._restart:
            self._restart = self._stopped = False
            job = Job("restart")
        elif not self.ready:
            job = Job("prepare")
        elif self._seek is not None:
            job, self._seek = Job("seek", target=self._seek), None
        elif self._steps:
            job, self._steps = Job("step", steps=self._steps), 0
        elif not self.clock.paused and not self.finished:
            job = Job("play", target=self.clock.target())
        else:
            return
        self._busy = True
        self.drive(job)

    @work(thread=True, exclusive=True, group="simulation", exit_on_error=False)
    def drive(self, job: Job) -> None:
        worker = get_current_worker()
        live = self.live
        if job.kind in ("prepare", "restart"):
            if job.kind == "restart":
                live.restart()
            while not worker.is_cancelled:
                frame = live.prepare(BUDGET_SECONDS)
                if frame is None:
                    return
                self.post_message(self.DayAdvanced(frame, job))
                if frame.ready:
                    return
            return
        if job.kind == "seek":
            assert job.target is not None
            while not worker.is_cancelled:
                frame = live.play_until(job.target, BUDGET_SECONDS)
                if frame is None:
                    return
                self.post_message(self.DayAdvanced(frame, job))
                if frame.reached or frame.finished:
                    return
            return
        if job.kind == "step":
            frame = live.step(job.steps)
        else:
            assert job.target is not None
            frame = live.play_until(job.target, BUDGET_SECONDS)
        if frame is not None:
            self.post_message(self.DayAdvanced(frame, job))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "simulation" or not event.worker.is_finished:
            return
        self._busy = False
        if event.state == WorkerState.ERROR:
            self._stopped = True
            self._steps, self._seek = 0, None
            self.clock.pause()
            self.show_header()
            self.notify(f"{event.worker.error}\nr starts a new day.", title="Simulation stopped",
                        severity="error", markup=False, timeout=12)
            return
        if self._restart or self._steps or self._seek is not None:
            self.kick()

    @on(DayAdvanced)
    def show_frame(self, message: DayAdvanced) -> None:
        frame, job = message.frame, message.job
        new_day = self.frame is None or frame.generation != self.frame.generation
        self.frame = frame
        if frame.ready and (job.kind != "play" or not frame.reached or self.clock.paused):
            # After a step, a pause or a chunk that ran out of time, the day goes on
            # from where the simulation is, not from where the wall clock says.
            self.clock.anchor(frame.now)
        with self.app.batch_update():
            if new_day:
                self.event_log.reset()
            self.event_log.add(frame.entries, frame.hidden)
            self.event_log.border_subtitle = self.event_log.tally if frame.ready else ""
            if frame.ready:
                rows = [GridRow(doctor_id, code) for doctor_id, code in frame.rows]
                self.grid.show(rows, frame.slots, frame.shifted)
                self.stats.show(frame)
            self.show_header()
        for note in frame.notes:
            self.note(note)
        if frame.finished and self._summary_shown != frame.generation:
            self._summary_shown = frame.generation
            self.action_summary()

    def note(self, text: str) -> None:
        """A toast, unless the same one is still on show (a key pressed again)."""
        now = time.monotonic()
        self._toasts = {t: until for t, until in self._toasts.items() if until > now}
        if text in self._toasts:
            return
        self._toasts[text] = now + self.app.NOTIFICATION_TIMEOUT
        self.notify(text, markup=False)

    def show_header(self) -> None:
        frame = self.frame
        config = frame.config if frame is not None else self.live.config
        doctors = f"{config.doctors} doctor{'s' if config.doctors != 1 else ''}"
        titles = (
            f"OPD simulation · {config.day:%a %d %b %Y} · seed {config.seed} · {doctors}",
            f"{config.day:%a %d %b %Y} · seed {config.seed} · {doctors}",
            f"{config.day:%d %b} · seed {config.seed} · {doctors}",
            f"seed {config.seed} · {doctors}",
            doctors,
        )
        if self._stopped:
            state, mode = "✕ stopped · r new day", "paused"
        elif frame is None or not frame.ready:
            state, mode = "» preparing the day…", "preparing"
        elif frame.finished:
            state, mode = "■ day over", "over"
        elif self.clock.paused:
            state, mode = f"‖ paused {self.clock.speed}×", "paused"
        else:
            state, mode = f"▶ {self.clock.speed}×", "playing"
        clock = ""
        if frame is not None:
            clock = f"{frame.now:%H:%M:%S}" if frame.now.date() == config.day \
                else f"{frame.now:%a %H:%M}"
        # The longest title that fits beside the state and the clock: never a cut count.
        room = self.size.width - len(state) - len(clock) - 6
        title = next((t for t in titles if len(t) <= room), titles[-1])
        self.query_one(SimHeader).show(title, state, clock, mode)

    # -- keys -----------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        if self.finished:
            self.note("The day is over: r plays a new day")
            return
        if self.clock.paused:
            self.clock.resume()
        else:
            self.clock.pause()
        self.show_header()

    def action_faster(self) -> None:
        if not self.clock.faster():
            self.note(f"{self.clock.speed}× is the fastest")
        self.show_header()

    def action_slower(self) -> None:
        if not self.clock.slower():
            self.note(f"{self.clock.speed}× is the slowest")
        self.show_header()

    def action_step(self) -> None:
        if self.finished:
            self.note("The day is over: r plays a new day")
            return
        self.clock.pause()
        self._steps += 1
        self.show_header()
        self.kick()

    def seek(self, when: datetime) -> None:
        """Pause and play the day up to `when` (at once, whatever the speed): how
        scripts and tests put the day at a given time without the wall clock."""
        self.clock.pause()
        self._seek = when
        self.show_header()
        self.kick()

    def action_restart(self) -> None:
        self._restart = True
        self._steps = 0
        self._seek = None
        self.kick()

    def action_summary(self) -> None:
        if self.frame is None or not self.frame.ready:
            return
        frame = self.frame
        leave = "Quit" if self.is_base else "Back to the desk"
        self.app.push_screen(
            DaySummaryScreen(
                frame.summary, leave=leave,
                utilisation=utilisation_so_far(frame.summary, frame.slots, frame.now),
                doctors_utilisation=doctors_utilisation_so_far(frame),
            ),
            self._summary_closed,
        )

    def action_what_if(self) -> None:
        """The what-if panel: the live day's parameters, compared in the background."""
        self.app.push_screen(
            WhatIfScreen(self.live.config, workers=self.whatif_workers,
                         previous=self.whatif_results),
            self._what_if_closed,
        )

    def _what_if_closed(self, results: Results | None) -> None:
        if results is not None:
            self.whatif_results = results

    def _summary_closed(self, choice: Choice | None) -> None:
        if choice == "restart":
            self.action_restart()
        elif choice == "quit":
            self.action_leave()

    @property
    def is_base(self) -> bool:
        """The simulation is the app (`opd-tui simulate`), not a screen over the desk."""
        return bool(self.app.screen_stack) and self.app.screen_stack[0] is self

    def action_leave(self) -> None:
        if self.is_base:
            self.app.exit()
        else:
            self.dismiss(None)
