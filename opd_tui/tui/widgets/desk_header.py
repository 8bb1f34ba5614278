"""The desk's top line: hospital, the day on show, and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static


class DeskHeader(Horizontal):
    DEFAULT_CSS = """
    DeskHeader { height: 1; background: $panel; color: $foreground; }
    DeskHeader > #hospital { width: 1fr; text-style: bold; padding: 0 1; }
    DeskHeader > #day { width: auto; padding: 0 1; }
    DeskHeader > #day.-other-day { background: $warning; color: $text; text-style: bold; }
    DeskHeader > #clock { width: auto; padding: 0 1; text-style: bold; }
    """

    day: reactive[date | None] = reactive(None)

    def __init__(self, hospital: str, clock: Callable[[], datetime], **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.hospital = hospital
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static(Content(self.hospital), id="hospital")
        yield Static(id="day")
        yield Static(id="clock")

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        now = self.clock()
        self.query_one("#clock", Static).update(f"{now:%H:%M:%S}")
        self.watch_day(self.day)

    def watch_day(self, day: date | None) -> None:
        if not self.is_mounted or day is None:
            return
        today = self.clock().date()
        label = self.query_one("#day", Static)
        if day == today:
            label.update(f"{day:%a %d %b %Y} · today")
        else:
            delta = (day - today).days
            when = f"{abs(delta)} day{'s' if abs(delta) != 1 else ''} {'ahead' if delta > 0 else 'ago'}"
            label.update(f"{day:%a %d %b %Y} · {when} (t: today)")
        label.set_class(day != today, "-other-day")
