"""The live simulation's widgets: its top line, the event log and the figures.

Patient names reach the log inside `LogEntry.text`: it is written as a
`rich.text.Text`, never parsed as markup.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from rich.color import Color, blend_rgb
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Label, RichLog, Sparkline, Static

from ...domain.enums import EventKind, Source, TokenStatus
from ...domain.vocabulary import (
    EVENT_WORDS,
    event_label,
    event_word,
    source_label,
    source_word,
    status_label,
)
from ...simulation import LogEntry, SimulationSummary
from .live import EVENING, FRAME_LINES, Frame, Sample, mean_wait, utilisation_so_far

#: The log's colour class for each kind of line.
KINDS: dict[str, str] = {
    "BOOKED": "booked", "WAITLISTED": "waitlisted", "BUMPED": "bumped",
    "PROMOTED": "promoted", "MOVED": "promoted", "CANCELLED": "cancelled",
    "NO_SHOW": "no-show", "CHECKED_IN": "quiet", "CALLED": "called", "COMPLETED": "quiet",
    "EXPIRED": "trouble", "OVERBOOKED": "emergency", "SLOT_CLOSED": "slot",
    "DOCTOR_DELAYED": "slot", "CAPACITY_CHANGED": "slot", "SLOT_ADDED": "quiet",
    "DOCTOR_ADDED": "quiet", "REFUSED": "trouble", "TURNED_AWAY": "trouble",
    EVENING: "evening",
}
BADGE_WIDTH = 9
#: A badge is the event's word in capitals; these words are wider than the badge.
SHORT: dict[str, str] = {
    "WAITLISTED": "WAITLIST", "CHECKED_IN": "CHECK-IN", "OVERBOOKED": "OVERBOOK",
    "SLOT_CLOSED": "CLOSED", "DOCTOR_DELAYED": "LATE", "CAPACITY_CHANGED": "CAPACITY",
    "SLOT_ADDED": "SLOT", "DOCTOR_ADDED": "DOCTOR", "DOCTOR_UPDATED": "DR EDITED",
    "UNSEEN": "UNSEEN", "REINSTATED": "REINSTATE", "REQUEUED": "REQUEUED",
    "CHECK_IN_UNDONE": "UNDO IN", "SLOT_REOPENED": "REOPENED", "REASSIGNED": "REASSIGN",
    "CLOCK_RESET": "CLOCK", "ROSTER_CHANGED": "ROSTER",
    # The simulation's own lines, not events of the engine.
    "TURNED_AWAY": "SENT HOME", EVENING: "EVENING",
}


def badge(entry: LogEntry) -> tuple[str, str]:
    """An emergency's booking is the one line that must jump out."""
    if entry.kind == EventKind.BOOKED and entry.source == Source.EMERGENCY:
        return source_word(Source.EMERGENCY).upper(), "emergency"
    if entry.kind in SHORT:
        word = SHORT[entry.kind]
    elif entry.kind in EVENT_WORDS:
        word = event_word(entry.kind).upper()
    else:
        word = entry.kind
    return word, KINDS.get(entry.kind, "quiet")


class SimHeader(Horizontal):
    """`OPD simulation · Mon 03 Mar 2025 · seed 1 · 3 doctors      ▶ 60×   09:41:20`."""

    DEFAULT_CSS = """
    SimHeader { height: 1; background: $panel; color: $foreground; }
    SimHeader > #sim-title { width: 1fr; text-style: bold; padding: 0 1; }
    SimHeader > #sim-state { width: auto; padding: 0 1; }
    SimHeader > #sim-state.-paused { background: $warning; color: $text; text-style: bold; }
    SimHeader > #sim-state.-over { background: $success; color: $text; text-style: bold; }
    SimHeader > #sim-clock { width: auto; padding: 0 1; text-style: bold; }
    """

    def compose(self) -> ComposeResult:
        yield Static("OPD simulation", id="sim-title")
        yield Static("", id="sim-state")
        yield Static("", id="sim-clock")

    def show(self, title: str, state: str, clock: str, mode: str) -> None:
        for name, text in (("#sim-title", title), ("#sim-state", state), ("#sim-clock", clock)):
            label = self.query_one(name, Static)
            if str(label.render()) != text:
                label.update(Content(text))
        widget = self.query_one("#sim-state")
        widget.set_class(mode == "paused", "-paused")
        widget.set_class(mode == "over", "-over")


class EventLog(RichLog):
    """The day's events as they happen, newest at the bottom, colour-coded by kind."""

    COMPONENT_CLASSES = {
        "event-log--time",
        "event-log--booked",
        "event-log--waitlisted",
        "event-log--bumped",
        "event-log--promoted",
        "event-log--emergency",
        "event-log--cancelled",
        "event-log--no-show",
        "event-log--called",
        "event-log--quiet",
        "event-log--trouble",
        "event-log--slot",
        "event-log--evening",
    }

    DEFAULT_CSS = """
    EventLog > .event-log--time { color: $text-muted; }
    EventLog > .event-log--booked { color: $text-success; }
    EventLog > .event-log--waitlisted { color: $text-warning; }
    EventLog > .event-log--bumped { color: $text-warning; text-style: bold; }
    EventLog > .event-log--promoted { color: $text-accent; text-style: bold; }
    EventLog > .event-log--emergency { color: $text-error; text-style: bold reverse; }
    EventLog > .event-log--cancelled { color: $text-secondary; }
    EventLog > .event-log--no-show { color: $text-secondary; text-style: italic; }
    EventLog > .event-log--called { color: $text-primary; text-style: bold; }
    EventLog > .event-log--quiet { color: $text-muted; }
    EventLog > .event-log--trouble { color: $text-error; }
    EventLog > .event-log--slot { color: $text-accent; }
    EventLog > .event-log--evening { color: $text; text-style: bold; }
    """

    #: Lines kept on screen (older ones scroll away for good).
    KEEP = FRAME_LINES

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(max_lines=self.KEEP * 3, min_width=20, wrap=True, **kwargs)
        #: The entries on show, oldest first (what tests read).
        self.entries: deque[LogEntry] = deque(maxlen=self.KEEP)
        #: Lines of the day so far, listed or not.
        self.count = 0
        self._styles: dict[str, Style] = {}

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._styles.clear())

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"event-log--{name}")
        return style

    def line(self, entry: LogEntry) -> RenderableType:
        """`09:41 BOOKED    EYE1-012 Asha Verma (WALKIN) booked into EYE1 09:00-10:00`;
        a long line wraps under its text, not under the time."""
        word, kind = badge(entry)
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=5, no_wrap=True)
        grid.add_column(width=BADGE_WIDTH, no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        text_style = self._style("evening") if entry.kind == EVENING else Style()
        grid.add_row(
            Text(f"{entry.at:%H:%M}", style=self._style("time")),
            Text(word.ljust(BADGE_WIDTH), style=self._style(kind)),
            Text(entry.text, style=text_style),
        )
        return grid

    def add(self, entries: Sequence[LogEntry], hidden: int = 0) -> None:
        """Write the new lines; `hidden` more went by in the same burst, too fast to list
        (they would have scrolled out of the log at once)."""
        self.count += sum(1 for e in entries if e.kind != EVENING) + hidden
        for entry in entries:
            self.entries.append(entry)
            self.write(self.line(entry))

    def reset(self) -> None:
        self.count = 0
        self.entries.clear()
        self.clear()

    @property
    def tally(self) -> str:
        """`1 event`, `12 events`: the log's border says how many the day has had."""
        if not self.count:
            return "no events yet"
        return f"{self.count} event{'' if self.count == 1 else 's'}"


class _BarsFromZero:
    """Textual's sparkline drawing, with bars measured from zero, not from the
    smallest value: a waitlist going from 10 to 11 is a small step, not the full height."""

    BARS = "▁▂▃▄▅▆▇█"

    def __init__(self, data: Sequence[float], width: int, height: int,
                 low: Color, high: Color) -> None:
        self.data, self.width, self.height = list(data), width, max(1, height)
        self.low, self.high = low, high

    def _columns(self) -> list[float]:
        n = len(self.data)
        if not n or self.width <= 0:
            return []
        return [max(self.data[i * n // self.width: max(i * n // self.width + 1,
                                                      (i + 1) * n // self.width)])
                for i in range(self.width)]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns = self._columns()
        top = max(columns, default=0.0) or 1.0
        levels = len(self.BARS) * self.height - 1
        for line in reversed(range(self.height)):
            low_level, high_level = line * len(self.BARS), (line + 1) * len(self.BARS)
            for value in columns:
                ratio = max(0.0, value) / top
                level = round(ratio * levels)
                if level < low_level:
                    yield Segment(" ")
                    continue
                bar = "█" if level >= high_level else self.BARS[level % len(self.BARS)]
                color = Color.from_triplet(blend_rgb(self.low.get_truecolor(),
                                                     self.high.get_truecolor(), ratio))
                yield Segment(bar, Style(color=color))
            if line:
                yield Segment.line()


class ZeroSparkline(Sparkline):
    """A `Sparkline` (same colours and CSS) whose bars start from zero."""

    def render(self) -> RenderableType:
        _, base = self.background_colors
        low = base + self.get_component_styles("sparkline--min-color").color
        high = base + self.get_component_styles("sparkline--max-color").color
        return _BarsFromZero(self.data or [], self.size.width, self.size.height,
                             low.rich_color, high.rich_color)


class DayTrend(Horizontal):
    """One figure over the day: a sparkline that grows from the opening to now."""

    DEFAULT_CSS = """
    DayTrend { height: 1; }
    DayTrend > .trend-title { width: 14; height: 100%; padding: 0 1 0 0; color: $text-muted;
                              content-align: left bottom; }
    DayTrend > .trend-track { width: 1fr; height: 100%; }
    DayTrend Sparkline { height: 100%; }
    DayTrend > .trend-value { height: 100%; content-align: right bottom; }
    DayTrend > .trend-value { width: 7; }
    DayTrend Sparkline { width: 0; }
    """

    def __init__(self, title: str, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.title = title
        self.values: list[float] = []
        self._width = -1

    def compose(self) -> ComposeResult:
        yield Label(self.title, classes="trend-title")
        with Horizontal(classes="trend-track"):
            yield ZeroSparkline([])
        yield Label("", classes="trend-value")

    def show(self, values: Sequence[float], fraction: float, value: str) -> None:
        spark = self.query_one(ZeroSparkline)
        if list(values) != self.values:
            self.values = list(values)
            spark.data = self.values
        width = max(0, min(100, round(fraction * 100)))
        if width != self._width:
            self._width = width
            spark.styles.width = f"{width}%"
        label = self.query_one(".trend-value", Label)
        if str(label.render()) != value:
            label.update(value)


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}m" if value >= 10 else f"{value:.1f}m"


class StatsPanel(VerticalScroll):
    """Counts so far, the OPD right now, and the trends of the day."""

    DEFAULT_CSS = """
    StatsPanel > .section { color: $text-primary; text-style: bold; margin: 1 0 0 0; }
    StatsPanel > #counts { height: auto; }
    StatsPanel > #waits { height: auto; }
    """

    TRENDS = (
        ("waitlist", "Waitlist"),
        ("hall", status_label(TokenStatus.CHECKED_IN)),
        ("busy", "Doctors busy"),
        ("seen", "Seen / 10m"),
        ("wait", "Mean wait"),
    )

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self._shown: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="counts")
        yield Label("Over the day", classes="section")
        for key, title in self.TRENDS:
            yield DayTrend(title, id=f"trend-{key}")
        yield Label("Waits by source (minutes)", classes="section")
        yield Static(id="waits")

    def _update(self, name: str, renderable: RenderableType, key: object) -> None:
        """Repaint a part only when what it shows changed."""
        if self._shown.get(name) != key:
            self._shown[name] = key
            self.query_one(f"#{name}", Static).update(renderable)

    def show(self, frame: Frame) -> None:
        s = frame.summary
        states = s.final_states
        use = utilisation_so_far(s, frame.slots, frame.now)
        counts = [
            ("Tokens", s.tokens_booked), (status_label(TokenStatus.COMPLETED), s.completed),
            ("Emergencies", s.emergencies), (status_label(TokenStatus.CANCELLED), s.cancellations),
            (event_label(EventKind.BUMPED), s.bumped), (f"{status_label(TokenStatus.NO_SHOW)}s", s.no_shows),
            (event_label(EventKind.PROMOTED), s.promoted), (status_label(TokenStatus.EXPIRED), s.expired),
            (status_label(TokenStatus.WAITLISTED), states[TokenStatus.WAITLISTED]),
            (status_label(TokenStatus.CHECKED_IN), states[TokenStatus.CHECKED_IN]),
            (status_label(TokenStatus.IN_CONSULTATION),
             f"{states[TokenStatus.IN_CONSULTATION]}/{s.doctors}"),
            ("Utilisation", "–" if use is None else f"{use:.0%}"),
            ("Mean wait", _minutes(mean_wait(s))), ("Overbooked", s.overbooked_slots),
            # Short labels: two pairs must fit the 38 columns of an 80-column screen.
            ("From door", _minutes(s.wait_from_arrival_mean)), ("Sent home", s.turned_away),
        ]
        self._update("counts", pairs_table(counts), tuple(counts))
        self._show_trends(frame)
        waits = tuple((src, w.patients, w.mean, w.p90) for src, w in s.wait_minutes.items())
        self._update("waits", _waits_table(s), waits)

    def _show_trends(self, frame: Frame) -> None:
        samples = frame.samples
        span = (frame.day_ends - frame.day_opens).total_seconds()
        fraction = 0.0
        if samples and span > 0:
            fraction = min(1.0, (samples[-1].at - frame.day_opens).total_seconds() / span)
        last: Sample | None = samples[-1] if samples else None
        seen = [0.0] + [float(b.completed - a.completed) for a, b in zip(samples, samples[1:],
                                                                          strict=False)]
        series: dict[str, tuple[list[float], str]] = {
            "waitlist": ([s.waitlisted for s in samples], f"{last.waitlisted}" if last else ""),
            "hall": ([s.in_hall for s in samples], f"{last.in_hall}" if last else ""),
            "busy": ([s.busy / s.doctors if s.doctors else 0.0 for s in samples],
                     f"{last.busy}/{last.doctors}" if last else ""),
            "seen": (seen[: len(samples)], f"{seen[-1]:.0f}" if samples else ""),
            "wait": ([s.mean_wait or 0.0 for s in samples],
                     _minutes(last.mean_wait) if last else ""),
        }
        for key, (values, value) in series.items():
            self.query_one(f"#trend-{key}", DayTrend).show(values, fraction, value)


def pairs_table(items: Sequence[tuple[str, object]], per_row: int = 2) -> Table:
    """Label and value pairs, `per_row` pairs to a row."""
    grid = Table.grid(padding=(0, 1), expand=True)
    for _ in range(per_row):
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(justify="right", no_wrap=True, style="bold")
    for i in range(0, len(items), per_row):
        row: list[RenderableType] = []
        for label, value in items[i:i + per_row]:
            row += [Text(label), Text(str(value))]
        grid.add_row(*row)
    return grid


def _waits_table(summary: SimulationSummary) -> Table:
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(no_wrap=True, style="dim")
    for _ in range(3):
        grid.add_column(justify="right", no_wrap=True)
    grid.add_row(Text(""), Text("called", style="dim"), Text("mean", style="dim"),
                 Text("p90", style="dim"))
    for source, w in summary.wait_minutes.items():
        grid.add_row(Text(source_label(source)), Text(str(w.patients)), Text(_minutes(w.mean)),
                     Text(_minutes(w.p90)))
    return grid
