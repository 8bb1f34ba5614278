"""The roster editor: a doctor's week (rule 24) and leave dates, on one screen.

Each weekday is a row: its sessions (`09:00-13:00, 14:00-17:00`; empty: a day
off), the minutes of a slot and the seats of a slot. Below, the leave dates
(`12 Mar, 20 Mar to 22 Mar`). Every field is checked as it is typed, with the
engine's own input models; a line underneath says what the next 14 days will
be. Saving returns a `WeekPlan` of what changed; the desk saves it and makes
the days.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalGroup, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, Static

from ...domain import inputs
from ...domain.models import Doctor, Roster
from ...engine.timetable import cut_session
from .dialog import Dialog
from .form import model_problems

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
#: A new weekday's slot length and seats, as the one-off schedule form starts.
DEFAULT_MINUTES, DEFAULT_SEATS = 60, 6
#: The days the desk keeps generated (today and 13 more).
DAYS_AHEAD = 14
TIME_FORMATS = ("%H:%M", "%H.%M", "%H", "%H%M")  # "10" is 10:00, "0930" 09:30
DATE_FORMATS = ("%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%d %b", "%d %B", "%d/%m/%Y", "%d/%m",
                "%a %d %b", "%A %d %B")


@dataclass(frozen=True)
class WeekDay:
    """One weekday as the roster keeps it (0 = Monday); no sessions: a day off."""

    weekday: int
    sessions: tuple[tuple[time, time], ...]
    slot_minutes: int
    capacity: int

    @classmethod
    def of(cls, roster: Roster) -> WeekDay:
        return cls(roster.weekday, tuple(roster.sessions), roster.slot_minutes, roster.capacity)

    def same_as(self, other: WeekDay | None) -> bool:
        if other is None:
            return not self.sessions  # an empty row over no roster: nothing to save
        if not self.sessions and not other.sessions:
            return True  # a day off is a day off, whatever its minutes say
        return self == other

    def words(self) -> str:
        if not self.sessions:
            return f"{WEEKDAYS[self.weekday]} off"
        return (f"{WEEKDAYS[self.weekday]} {sessions_text(self.sessions)} "
                f"({self.slot_minutes} min, {self.capacity} seats)")


@dataclass(frozen=True)
class WeekPlan:
    """What the editor changed: the weekdays to save, leave dates added and removed."""

    doctor: Doctor
    days: tuple[WeekDay, ...] = ()
    leave_added: tuple[date, ...] = ()
    leave_removed: tuple[date, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.days or self.leave_added or self.leave_removed)


def sessions_text(sessions: Sequence[tuple[time, time]]) -> str:
    return ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in sessions)


def parse_time(text: str) -> time | None:
    text = text.strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    return None


def parse_sessions(text: str) -> list[tuple[time, time]] | str:
    """`09:00-13:00, 14:00-17:00` (also `9-13`, `9:30 to 13`): the sessions, or what
    is wrong with them."""
    found = []
    for piece in re.split(r"[,;]", text):
        if not piece.strip():
            continue
        ends = re.split(r"\s*(?:-|–|to)\s*", piece.strip())
        times = [parse_time(t) for t in ends]
        if len(times) != 2 or None in times:
            return f"'{piece.strip()}' is not a session like 09:00-13:00"
        found.append((times[0], times[1]))
    return found  # type: ignore[return-value]


def parse_day(text: str, today: date) -> date | None:
    """A date as typed: `2025-03-12`, `12 Mar`, `12/03` ...; without a year, the next
    such date from today."""
    text = " ".join(text.split())
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if "%Y" in fmt:
            return parsed.date()
        for year in (today.year, today.year + 1):
            try:
                day = parsed.replace(year=year).date()
            except ValueError:  # 29 Feb
                continue
            if day >= today:
                return day
    return None


def parse_leave(text: str, today: date) -> list[date] | str:
    """`12 Mar, 20 Mar to 22 Mar`: each date, a range taken whole; or what is wrong."""
    days: set[date] = set()
    for piece in re.split(r"[,;]", text):
        piece = piece.strip()
        if not piece:
            continue
        ends = re.split(r"\s+(?:to|until|till)\s+|\s*\.\.\s*|\s+[-–]\s+", piece)
        if len(ends) > 2:
            return f"'{piece}' is not a date or a range like 20 Mar to 22 Mar"
        parsed = [parse_day(end, today) for end in ends]
        if None in parsed:
            return f"'{piece}' is not a date like 12 Mar or 2025-03-12"
        first, last = parsed[0], parsed[-1]
        assert first is not None and last is not None
        if last < first:
            return f"'{piece}' ends before it starts"
        if (last - first).days > 366:
            return f"'{piece}' is longer than a year"
        while first <= last:
            days.add(first)
            first += timedelta(days=1)
    return sorted(days)


def leave_text(days: Sequence[date]) -> str:
    """Leave as the editor shows it: runs of days as ranges, `12 Mar, 20 Mar to 22 Mar`."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])

    def one(day: date) -> str:
        return f"{day:%d %b %Y}" if day.year != days[0].year else f"{day:%d %b}"

    return ", ".join(one(r[0]) if len(r) == 1 else f"{one(r[0])} to {one(r[-1])}" for r in runs)


@dataclass
class _Row:
    """What one weekday's row reads, and its problem."""

    day: WeekDay | None = None
    problem: str | None = None
    slots: int = 0
    fields: dict[str, str] = field(default_factory=dict)


class RosterEditor(Dialog[WeekPlan | None]):
    """A doctor's week and leave; `ctrl+s` or Enter saves, Esc leaves unchanged."""

    CSS_PATH = "roster.tcss"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
        Binding("up", "row(-1)", "Row above", show=False),
        Binding("down", "row(1)", "Row below", show=False),
        Binding("ctrl+down", "copy_down", "Copy to the next day", show=False),
    ]

    def __init__(self, doctor: Doctor, rosters: Sequence[Roster], leave: Sequence[date],
                 today: date) -> None:
        super().__init__()
        self.doctor = doctor
        self.today = today
        self.saved = {r.weekday: WeekDay.of(r) for r in rosters}
        self.leave = sorted(d for d in leave if d >= today)
        self.touched: set[str] = set()
        self.submitted = False

    # -- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog roster"):
            yield Label(Content(f"Week and leave · Dr {self.doctor.name} ({self.doctor.code})"),
                        classes="dialog-title")
            yield Static(Content(
                "Sessions like 09:00-13:00, 14:00-17:00; empty: a day off. Days that already "
                "have slots keep them. ↑↓ rows, ctrl+↓ copies a row down."),
                classes="dialog-subtitle")
            with HorizontalGroup(classes="roster-head"):
                yield Label("", classes="roster-day")
                yield Label("Sessions", classes="roster-sessions")
                yield Label("Min/slot", classes="roster-minutes")
                yield Label("Seats", classes="roster-seats")
                yield Label("Slots", classes="roster-count")
            for weekday, name in enumerate(WEEKDAYS):
                saved = self.saved.get(weekday)
                minutes = saved.slot_minutes if saved else DEFAULT_MINUTES
                seats = saved.capacity if saved else DEFAULT_SEATS
                with HorizontalGroup(classes="roster-row"):
                    yield Label(name, classes="roster-day")
                    yield Input(sessions_text(saved.sessions) if saved else "",
                                placeholder="day off", id=f"sessions-{weekday}",
                                classes="roster-sessions", compact=True)
                    yield Input(str(minutes), id=f"minutes-{weekday}", type="integer",
                                classes="roster-minutes", compact=True)
                    yield Input(str(seats), id=f"seats-{weekday}", type="integer",
                                classes="roster-seats", compact=True)
                    yield Static("", id=f"count-{weekday}", classes="roster-count")
            with HorizontalGroup(classes="roster-row roster-leave"):
                yield Label("Leave", classes="roster-day")
                yield Input(leave_text(self.leave), id="leave", compact=True,
                            placeholder="dates off: 12 Mar, 20 Mar to 22 Mar")
            yield Static("", id="roster-problem", classes="problem")
            yield Static("", id="roster-outlook")
            with Horizontal(classes="buttons"):
                yield Button("Save (Enter)", id="save", variant="primary", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def fit(self, height: int) -> None:
        super().fit(height)
        for widget in self.query("Input, Button").results():
            widget.compact = True  # type: ignore[attr-defined]  # seven rows need one line each

    def on_mount(self) -> None:
        super().on_mount()
        if self.app.is_headless:
            for box in self.query(Input):
                box.cursor_blink = False
        first = min(self.saved, default=0)
        self.query_one(f"#sessions-{first}", Input).focus()
        self.recheck()

    # -- reading the fields ---------------------------------------------------------

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def read_row(self, weekday: int) -> _Row:
        raw = {k: self._value(f"{k}-{weekday}") for k in ("sessions", "minutes", "seats")}
        row = _Row(fields=raw)
        sessions = parse_sessions(raw["sessions"])
        if isinstance(sessions, str):
            row.problem = sessions
            return row
        values: dict[str, Any] = {
            "doctor_id": self.doctor.id, "weekday": weekday, "sessions": sessions,
            "slot_minutes": raw["minutes"] or DEFAULT_MINUTES,
            "capacity": raw["seats"] or DEFAULT_SEATS,
        }
        problems = model_problems(inputs.RosterInput, values)
        words = {"slot_minutes": "minutes per slot", "capacity": "seats"}
        if problems:
            name, text = next(iter(problems.items()))
            row.problem = f"{words.get(name, name.replace('_', ' '))}: {text}"
            return row
        valid = inputs.RosterInput(**values)
        row.day = WeekDay(weekday, tuple(valid.sessions), valid.slot_minutes, valid.capacity)
        row.slots = sum(len(cut_session(self.today, s, e, valid.slot_minutes))
                        for s, e in valid.sessions)
        return row

    def read_leave(self) -> list[date] | str:
        return parse_leave(self._value("leave"), self.today)

    def plan(self) -> WeekPlan | str:
        """What saving would change, or the first problem."""
        days = []
        for weekday in range(7):
            row = self.read_row(weekday)
            if row.day is None:
                return f"{WEEKDAYS[weekday]}: {row.problem}"
            if not row.day.same_as(self.saved.get(weekday)):
                days.append(row.day)
        leave = self.read_leave()
        if isinstance(leave, str):
            return f"Leave: {leave}"
        return WeekPlan(
            self.doctor, tuple(days),
            leave_added=tuple(d for d in leave if d not in self.leave),
            leave_removed=tuple(d for d in self.leave if d not in leave),
        )

    # -- checking as you type -------------------------------------------------------

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id:
            self.touched.add(event.input.id)
        self.recheck()

    def recheck(self) -> str | None:
        """Mark each wrong field, say the first problem, and the next 14 days."""
        first: str | None = None
        rows = {}
        for weekday in range(7):
            row = rows[weekday] = self.read_row(weekday)
            shown = row.problem and (self.submitted or any(
                f"{k}-{weekday}" in self.touched for k in ("sessions", "minutes", "seats")))
            for key in ("sessions", "minutes", "seats"):
                box = self.query_one(f"#{key}-{weekday}", Input)
                box.set_class(bool(shown), "-invalid")
            count = self.query_one(f"#count-{weekday}", Static)
            count.update(str(row.slots) if row.slots else ("" if row.day else "?"))
            if shown and first is None:
                first = f"{WEEKDAYS[weekday]}: {row.problem}"
        leave = self.read_leave()
        leave_wrong = isinstance(leave, str)
        self.query_one("#leave", Input).set_class(
            leave_wrong and (self.submitted or "leave" in self.touched), "-invalid")
        if first is None and leave_wrong and (self.submitted or "leave" in self.touched):
            first = f"Leave: {leave}"
        problem = self.query_one("#roster-problem", Static)
        problem.update(Content(first or ""))
        problem.display = first is not None
        self.query_one("#roster-outlook", Static).update(
            Content(self.outlook(rows, [] if leave_wrong else leave)))  # type: ignore[arg-type]
        return first

    def outlook(self, rows: dict[int, _Row], leave: list[date]) -> str:
        """The next 14 days as the roster makes them."""
        working, slots, off = 0, 0, []
        for n in range(DAYS_AHEAD):
            day = self.today + timedelta(days=n)
            row = rows[day.weekday()]
            if not row.slots:
                continue
            if day in leave:
                off.append(day)
                continue
            working += 1
            slots += row.slots
        if not working and not off:
            return "The next 14 days: no working day yet. Type the sessions of a weekday."
        on_leave = f"; on leave {', '.join(f'{d:%a %d %b}' for d in off)}" if off else ""
        return (f"The next 14 days: {working} working day{'s' * (working != 1)}, "
                f"{slots} slots{on_leave}.")

    # -- moving about -----------------------------------------------------------------

    def _focused_cell(self) -> tuple[str, int] | None:
        focused = self.focused
        if focused is None or not focused.id or "-" not in focused.id:
            return ("leave", 7) if focused is not None and focused.id == "leave" else None
        key, _, weekday = focused.id.partition("-")
        return key, int(weekday)

    def action_row(self, step: int) -> None:
        cell = self._focused_cell()
        if cell is None:
            return
        key, weekday = cell
        target = weekday + step
        if target == 7 or key == "leave":
            self.query_one("#leave" if target == 7 else f"#sessions-{min(target, 6)}").focus()
        elif 0 <= target < 7:
            self.query_one(f"#{key}-{target}", Input).focus()

    def action_copy_down(self) -> None:
        """Copy the focused weekday's row to the next weekday, and go there: a
        Monday typed once makes a working week in four keys."""
        cell = self._focused_cell()
        if cell is None or cell[1] >= 6:
            return
        key, weekday = cell
        for name in ("sessions", "minutes", "seats"):
            self.query_one(f"#{name}-{weekday + 1}", Input).value = self._value(f"{name}-{weekday}")
        self.query_one(f"#{key}-{weekday + 1}", Input).focus()

    # -- saving -------------------------------------------------------------------------

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        self.submitted = True
        self.recheck()
        plan = self.plan()
        if isinstance(plan, str):
            problem = self.query_one("#roster-problem", Static)
            problem.update(Content(f"Please correct {plan}"))
            problem.display = True
            return
        self.dismiss(plan)
