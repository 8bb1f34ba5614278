"""The what-if panel (`w`): the live day's parameters, compared on the same patients.

Pick a parameter and its values; the comparison (`opd_tui.simulation.compare`)
plays every value on the same seeds in the background, in worker processes
driven from a Textual worker thread, and the panel draws each figure per
variant with its 95% interval as the days come in: the intervals shrink while
you watch. Escape closes the panel and stops the comparison; it answers with
the results so far, which the panel shows again when it reopens.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ...simulation import SimulationConfig
from ...simulation.compare import (
    KPIS,
    UNIT_MARK,
    CompareError,
    Comparison,
    Replication,
    Results,
    default_workers,
    ready_for_processes,
    run_comparison,
    shown,
)
from ...simulation.stats import Interval

#: What the panel offers to vary: config field, the name a manager knows it by.
PARAMETERS: tuple[tuple[str, str], ...] = (
    ("capacity", "Seats per slot"),
    ("bumping", "Bumping"),
    ("overbook", "Overbooking"),
    ("no_show_rate", "No-show rate"),
    ("walkins_per_doctor", "Walk-ins per doctor"),
    ("consult_mean_minutes", "Consultation minutes"),
    ("doctor_late_probability", "Doctors starting late"),
    ("last_call_minutes", "Last call after the day"),
    ("slot_minutes", "Slot minutes"),
)
#: Days per variant unless the panel is told otherwise.
DEFAULT_SEEDS = 10


def suggested_values(config: SimulationConfig, name: str) -> str:
    """Values worth trying beside the day's own."""
    value = getattr(config, name)
    if name == "capacity":
        return f"{value},{value + 2}"
    if name == "bumping":
        return "on,off"
    if name == "overbook":
        return "0,0.5,1"
    if name in ("no_show_rate", "doctor_late_probability"):
        return f"{value:g},{min(1.0, round(value + 0.1, 2)):g}"
    if name == "walkins_per_doctor":
        return f"{value:g},{round(value * 1.5):g}"
    if name == "consult_mean_minutes":
        return f"{value:g},{value + 1:g}"
    if name == "last_call_minutes":
        return "0,60,120"
    if name == "slot_minutes":
        return "30,60"
    return shown(value)


class IntervalChart(Static):
    """Each figure: per variant, its mean (●) and 95% interval (├──┤) on one scale."""

    COLOURS = 6
    COMPONENT_CLASSES = {"interval-chart--muted", "interval-chart--figure",
                         *(f"interval-chart--v{i}" for i in range(COLOURS))}
    DEFAULT_CSS = """
    IntervalChart { height: auto; }
    IntervalChart > .interval-chart--muted { color: $text-muted; }
    IntervalChart > .interval-chart--figure { color: $text; text-style: bold; }
    IntervalChart > .interval-chart--v0 { color: $text-primary; }
    IntervalChart > .interval-chart--v1 { color: $text-warning; }
    IntervalChart > .interval-chart--v2 { color: $text-success; }
    IntervalChart > .interval-chart--v3 { color: $text-accent; }
    IntervalChart > .interval-chart--v4 { color: $text-error; }
    IntervalChart > .interval-chart--v5 { color: $text-secondary; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.results: Results | None = None
        self._drawn_for: tuple[int, int] | None = None

    def show(self, results: Results | None) -> None:
        self.results = results
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        results, width = self.results, self.content_region.width
        if results is None or width <= 0:
            self.update("")
            return
        style = self.get_component_rich_style
        palette = [style(f"interval-chart--v{i}") for i in range(self.COLOURS)]
        self.update(chart(results, width, palette, muted=style("interval-chart--muted"),
                          figure=style("interval-chart--figure")))


def chart(results: Results, width: int, palette: Sequence[Style], *,
          muted: Style | None = None, figure: Style | None = None) -> Text:
    """The chart as text `width` cells wide; variant `i` drawn in `palette[i]`. Beside
    each variant after the first, when there is room: its difference from the first,
    day by day on the same seeds (narrower than the two intervals side by side)."""
    muted = muted or Style(dim=True)
    figure = figure or Style(bold=True)
    labels = [v.label for v in results.comparison.variants]
    label_width = min(max(len(label) for label in labels), max(8, width // 3))
    numbers = 14
    differences = 18 if len(labels) > 1 and width >= 100 else 0
    strip = max(8, width - label_width - numbers - differences - 3)
    out = Text(no_wrap=True, overflow="ellipsis")
    for k, kpi in enumerate(KPIS):
        intervals = [results.interval(v, k) for v in range(len(labels))]
        low, high = _scale(intervals)
        head = f"{kpi.label} ({UNIT_MARK.get(kpi.unit, kpi.unit)})"
        if k:
            out.append("\n")
        out.append(head, style=figure)
        start = width - strip - differences
        if low is not None and high is not None and len(head) + 1 < start:
            ends = _ends(low, high)
            out.append(" " * (start - len(head)) + ends[0], style=muted)
            out.append(ends[1].rjust(strip - len(ends[0])), style=muted)
            if differences:
                out.append(f"{'vs ' + _fit(labels[0], differences - 4):>{differences}}",
                           style=muted)
        for v, (label, iv) in enumerate(zip(labels, intervals, strict=True)):
            colour = palette[v % len(palette)]
            out.append("\n")
            out.append(_fit(label, label_width).ljust(label_width), style=colour)
            out.append(" " + _numbers(iv).rjust(numbers) + "  ")
            out.append_text(_strip(iv, low, high, strip, colour, muted))
            if differences and v:
                diff = results.difference(v, k)
                mark = "*" if diff.excludes_zero() else " "
                out.append(f"{_numbers(diff, signed=True)}{mark}".rjust(differences),
                           style=colour if mark == "*" else muted)
    return out


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _numbers(iv: Interval, *, signed: bool = False) -> str:
    if iv.mean is None:
        return "–"
    mean = f"{iv.mean:+.1f}" if signed else f"{iv.mean:.1f}"
    half = iv.half_width
    return f"{mean} ± {half:.1f}" if half is not None else mean


def _scale(intervals: Sequence[Interval]) -> tuple[float | None, float | None]:
    """The figure's axis: every interval on it, with a little room; never below zero
    (every figure here is a count, minutes or a share; a share can pass 100% when
    doctors consult past their slots)."""
    ends = [x for iv in intervals for x in (iv.low, iv.high, iv.mean) if x is not None]
    if not ends:
        return None, None
    low, high = min(ends), max(ends)
    pad = (high - low) * 0.08 or max(1.0, abs(high) * 0.1)
    return max(0.0, low - pad), high + pad


def _ends(low: float, high: float) -> tuple[str, str]:
    digits = 0 if high - low >= 10 else 1
    return f"{low:.{digits}f}", f"{high:.{digits}f}"


def _strip(iv: Interval, low: float | None, high: float | None, width: int, colour: Style,
           muted: Style) -> Text:
    """One variant's interval (├──┤) and mean (●) on the figure's axis."""
    text = Text()
    if iv.mean is None or low is None or high is None or high <= low:
        return text.append("·" * width, style=muted)

    def at(x: float) -> int:
        return max(0, min(width - 1, round((x - low) / (high - low) * (width - 1))))

    cells = ["·"] * width
    styles = [muted] * width
    if iv.low is not None and iv.high is not None:
        left, right = at(iv.low), at(iv.high)
        for i in range(left, right + 1):
            cells[i], styles[i] = "─", colour
        cells[left], cells[right] = "├", "┤"
    middle = at(iv.mean)
    cells[middle], styles[middle] = "●", colour + Style(bold=True)
    for cell, style in zip(cells, styles, strict=True):
        text.append(cell, style=style)
    return text


class WhatIfScreen(ModalScreen[Results | None]):
    """Compare a parameter's values on the live day's patients, in the background."""

    CSS_PATH = "simulation.tcss"

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+r", "run", "Run", show=False),
    ]

    class DayPlayed(Message, bubble=False):
        """One simulated day of one variant is in (for this panel only: no bubbling)."""

        def __init__(self, run: int, replication: Replication) -> None:
            super().__init__()
            self.run = run
            self.replication = replication

    class ComparisonEnded(Message, bubble=False):
        """Every day of the comparison is in (or it was stopped)."""

        def __init__(self, run: int, played: int) -> None:
            super().__init__()
            self.run = run
            self.played = played

    def __init__(self, config: SimulationConfig, *, workers: int | None = None,
                 previous: Results | None = None, seeds: int = DEFAULT_SEEDS) -> None:
        super().__init__()
        self.config = config
        #: Processes the comparison runs in (1: a thread of this program).
        self.processes = workers or default_workers()
        self.results = previous
        self.seeds = seeds
        self._run = 0
        self.running = False

    def compose(self) -> ComposeResult:
        first = self._varied_name() or PARAMETERS[0][0]
        with Vertical(id="whatif-dialog"):
            with Horizontal(id="whatif-form"):
                yield Label("Vary", classes="whatif-label")
                yield Select([(title, name) for name, title in PARAMETERS], value=first,
                             allow_blank=False, compact=True, id="whatif-param")
                yield Input(self._previous_values() or suggested_values(self.config, first),
                            placeholder="8,10", compact=True, id="whatif-values")
                yield Label("days", classes="whatif-label")
                yield Input(str(self._previous_seeds() or self.seeds), compact=True,
                            id="whatif-seeds", type="integer", max_length=3)
            yield Static(id="whatif-status")
            with VerticalScroll(id="whatif-results"):
                yield IntervalChart(id="whatif-chart")

    def on_mount(self) -> None:
        dialog = self.query_one("#whatif-dialog")
        dialog.border_title = "What if…"
        dialog.border_subtitle = "Enter compares · Esc closes"
        self.chart.show(self.results)
        self._status()
        if self.app.is_headless:  # a blinking cursor makes snapshots flaky
            for box in self.query(Input):
                box.cursor_blink = False
        self.query_one("#whatif-values", Input).focus()

    @property
    def chart(self) -> IntervalChart:
        return self.query_one("#whatif-chart", IntervalChart)

    # -- the form -----------------------------------------------------------------

    def _varied_name(self) -> str | None:
        if self.results is None or not self.results.comparison.varied:
            return None
        name = self.results.comparison.varied[0][0]
        return name if any(name == n for n, _ in PARAMETERS) else None

    def _previous_values(self) -> str | None:
        if self._varied_name() is None:
            return None
        assert self.results is not None
        return ",".join(shown(v) for v in self.results.comparison.varied[0][1])

    def _previous_seeds(self) -> int | None:
        return len(self.results.comparison.seeds) if self.results is not None else None

    @on(Select.Changed, "#whatif-param")
    def suggest_values(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#whatif-values", Input).value = suggested_values(self.config,
                                                                             event.value)

    @on(Input.Submitted)
    def run_from_form(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        """Start a comparison of the values given (one running is stopped first)."""
        name = self.query_one("#whatif-param", Select).value
        values = self.query_one("#whatif-values", Input).value
        seeds_text = self.query_one("#whatif-seeds", Input).value.strip()
        try:
            seeds = int(seeds_text or "0")
            comparison = Comparison.build(
                self.config.model_dump(), [f"{name}={values}"], seeds=seeds,
                first_seed=self.config.seed, day_name="the live day",
            )
        except (CompareError, ValueError) as error:
            self._status(f"{error}".replace("--seeds:", "days:"), error=True)
            return
        self._run += 1
        self.results = Results(comparison)
        self.running = True
        self.chart.show(self.results)
        self._status()
        if self.processes > 1:
            ready_for_processes()  # here, on the app's thread, while stderr is swapped
        self.compare(comparison, self._run)

    # -- the comparison in the background ----------------------------------------

    @work(thread=True, exclusive=True, group="whatif", exit_on_error=False)
    def compare(self, comparison: Comparison, run: int) -> None:
        worker = get_current_worker()
        results = run_comparison(
            comparison, workers=self.processes,
            on_result=lambda r: self.post_message(self.DayPlayed(run, r)),
            stop=lambda: worker.is_cancelled,
        )
        self.post_message(self.ComparisonEnded(run, results.played))

    @on(DayPlayed)
    def add_day(self, message: DayPlayed) -> None:
        if message.run != self._run or self.results is None:
            return
        self.results.add(message.replication)
        self.chart.show(self.results)
        self._status()

    @on(ComparisonEnded)
    def comparison_ended(self, message: ComparisonEnded) -> None:
        if message.run == self._run:
            self.running = False
            self._status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "whatif" or event.state != WorkerState.ERROR:
            return
        self.running = False
        self._status(f"The comparison stopped: {event.worker.error}", error=True)

    def _status(self, problem: str | None = None, *, error: bool = False) -> None:
        status = self.query_one("#whatif-status", Static)
        status.set_class(error, "-error")
        if problem is not None:
            status.update(Content(problem))
            return
        c = self.config
        doctors = f"{c.doctors} doctor{'s' if c.doctors != 1 else ''}"
        if self.results is None:
            text = (f"The live day's {doctors}, the same patients for every value; "
                    "Enter compares.")
        else:
            r = self.results
            seeds = r.comparison.seeds
            state = "playing" if self.running else "done" if r.played == r.total else "stopped"
            text = (f"{doctors} · seeds {seeds[0]}-{seeds[-1]} · {r.played}/{r.total} days "
                    f"{state} · mean ± 95% interval"
                    + (f" · {self.processes} processes" if self.running and self.processes > 1
                       else ""))
        status.update(Content(text))

    def action_close(self) -> None:
        self.workers.cancel_group(self, "whatif")
        self.dismiss(self.results)
