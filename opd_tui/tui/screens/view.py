"""What the desk shows: its panes, and a day read from the engine put into them.

`DeskView` is the bottom layer of the desk screen: the layout, the state the
other layers share (the snapshot of the day, and the `Selection`: the day on
show, the doctor, slot and token under the cursor), and how a snapshot of the
day becomes widget updates. It reads nothing itself; `live` does.

The selection is set here only, from the widgets (`sync_selection`); the other
layers read `self.selection` and ask for changes with `show_day` and
`select_later`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from ...domain.models import (
    Doctor,
    DoctorDay,
    DoctorQueue,
    Event,
    SlotSummary,
    SlotView,
    Token,
)
from ..widgets import (
    ActivityPane,
    DeskHeader,
    DoctorsPane,
    FaultBanner,
    GridRow,
    SeatedTokens,
    SlotGrid,
    WaitlistPane,
)
from ..widgets.token_tables import TokenTable
from .selection import Aim, Selection

if TYPE_CHECKING:
    from ...engine import AllocationEngine
    from ..desk import DeskApp


@dataclass(frozen=True)
class DaySnapshot:
    """What the grid and the doctors pane show, read in one go."""

    day: date
    now: datetime
    days: list[DoctorDay]
    slots: list[SlotSummary]
    last_event_id: int
    #: Per doctor: who is with the doctor now, how many wait in the hall.
    queues: dict[int, DoctorQueue] = field(default_factory=dict)


@dataclass(frozen=True)
class SlotDetail:
    view: SlotView
    etas: dict[int, datetime | None] = field(default_factory=dict)


class DeskView(Screen[None]):
    """The panes and the state the desk's layers share."""

    #: What is selected: read by every layer, set only by `sync_selection`,
    #: `show_day` and `select_later`.
    selection: var[Selection] = var(Selection(date.min), init=False)
    moving: var[Token | None] = var(None, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: DaySnapshot | None = None
        self.detail: SlotDetail | None = None
        self.last_event_id = 0
        self._advanced_minute: datetime | None = None
        self._advancing = False
        self._today: date | None = None  # the day the desk last took for today
        self._refreshed_minute: datetime | None = None
        self._polling = False
        self._waiting: set[object] = set()  # commands out longer than a moment
        self._activity_after = 0  # the last event the activity pane shows

    # -- wiring ---------------------------------------------------------------

    @property
    def desk(self) -> DeskApp:
        return self.app  # type: ignore[return-value]

    @property
    def engine(self) -> AllocationEngine:
        return self.desk.engine

    def now(self) -> datetime:
        return self.desk.clock()

    def command_now(self) -> datetime | None:
        """The `now` a command is given: none on the hospital's clock, so the
        database's clock decides (rule 18); the desk's own in a demo or a test."""
        return None if self.desk.hospital_clock else self.now()

    def compose(self) -> ComposeResult:
        yield DeskHeader(self.desk.hospital, self.desk.clock, id="header")
        yield FaultBanner(id="fault")
        with Horizontal(id="top"):
            with Vertical(id="grid-box"):
                yield SlotGrid(id="grid")
                yield Static("", id="empty")
            yield DoctorsPane(id="doctors")
        with Horizontal(id="bottom"):
            yield SeatedTokens(id="seated")
            yield WaitlistPane(id="waitlist")
            yield ActivityPane(id="activity")  # a wide desk only
        yield Footer(compact=True)

    @property
    def banner(self) -> FaultBanner:
        return self.query_one("#fault", FaultBanner)

    @property
    def grid(self) -> SlotGrid:
        return self.query_one("#grid", SlotGrid)

    @property
    def doctors_pane(self) -> DoctorsPane:
        return self.query_one("#doctors", DoctorsPane)

    @property
    def seated(self) -> SeatedTokens:
        return self.query_one("#seated", SeatedTokens)

    @property
    def waitlist(self) -> WaitlistPane:
        return self.query_one("#waitlist", WaitlistPane)

    # -- showing --------------------------------------------------------------

    def apply(self, snapshot: DaySnapshot, detail: SlotDetail | None) -> None:
        if snapshot.day != self.selection.day:
            return
        self.snapshot = snapshot
        self.last_event_id = max(self.last_event_id, snapshot.last_event_id)
        counts: dict[int, int] = {}
        for slot in snapshot.slots:
            counts[slot.doctor_id] = counts.get(slot.doctor_id, 0) + 1
        with self.app.batch_update():
            rows = [GridRow(d.doctor.id, d.doctor.code) for d in snapshot.days]
            shifted = {d.doctor.id for d in snapshot.days if d.delay_minutes}
            self.grid.show(rows, snapshot.slots, shifted)
            self.doctors_pane.show(snapshot.days, counts, snapshot.queues)
            self._show_empty(snapshot)
            aim = self.selection.aim
            if aim is not None and aim.to_now and snapshot.slots:
                self.grid.select_first_bookable()
                aim = replace(aim, to_now=False)
            if aim is not None and aim.doctor_id is not None:
                self.grid.select(aim.doctor_id, aim.slot_id)
                aim = replace(aim, doctor_id=None, slot_id=None)
            if aim != self.selection.aim:
                self.selection = self.selection.aiming(aim)
            self.sync_selection()
            if detail is not None and detail.view.id == self.selection.slot_id:
                self.apply_detail(detail)
            elif self.selection.slot is None:
                self.apply_detail(None)

    def show_activity(self, events: list[Event]) -> None:
        fresh = [e for e in events if e.id > self._activity_after]
        if fresh:
            self._activity_after = fresh[-1].id
            codes = {d.doctor.id: d.doctor.code for d in self.snapshot.days} if self.snapshot else {}
            slots = {s.id: (codes.get(s.doctor_id, ""), s.start)
                     for s in (self.snapshot.slots if self.snapshot else [])}
            self.query_one(ActivityPane).add(fresh, slots)

    def _show_empty(self, snapshot: DaySnapshot) -> None:
        empty = self.query_one("#empty", Static)
        if not snapshot.days:
            text = ("No doctors yet.\n\nPress D to add doctors and set their week: the next "
                    "14 days appear,\nor quit (ctrl+q) and run  opd-tui --demo  for a demo day.")
        elif not snapshot.slots:
            text = (f"No slots on {snapshot.day:%A %d %B}.\n\nPress D, then w to set a doctor's "
                    "week (the next 14 days follow it),\ng to make this day's slots by hand, "
                    "or [ ] to look at another day.")
        else:
            text = ""
        if str(empty.render()) != text:
            empty.update(Content(text))  # "[ ]" is keys, not markup
        if empty.display != bool(text):
            empty.display = bool(text)
        show_grid = bool(snapshot.slots) or bool(snapshot.days and not text)
        if self.grid.display != show_grid:
            self.grid.display = show_grid
            if show_grid and self.focused is None:
                self.grid.focus()  # hiding it took the focus away: arrows move the grid again

    def apply_detail(self, detail: SlotDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.seated.show([])
            self.waitlist.show([])
            self._title(self.seated, "Seated")
            self._title(self.waitlist, "Waitlist")
            return
        view = detail.view
        doctor = self.doctor(view.doctor_id)
        code = doctor.code if doctor else "?"
        name = f" · Dr {doctor.name}" if doctor else ""
        self._title(self.seated, f"{code} {view.start:%H:%M}-{view.end:%H:%M} · "
                                 f"{view.occupancy}/{view.capacity} {view.status.lower()}{name}"
                                 f"{self._queue_words(view.doctor_id)}")
        self._title(self.waitlist, f"Waitlist ({len(view.waitlist)})")
        self.seated.show(view.seated, detail.etas)
        self.waitlist.show(view.waitlist)
        aim = self.selection.aim
        if aim is not None and aim.token_id is not None:
            self.selection = self.selection.aiming(replace(aim, token_id=None))
            for table in (self.seated, self.waitlist):
                if table.select(aim.token_id):
                    table.focus()
                    break
        self.sync_selection()

    def _queue_words(self, doctor_id: int) -> str:
        """` · with Dr: RAO-029 · 3 in hall`: the doctors pane's figures, for a desk too
        narrow to show the pane."""
        queue = self.snapshot.queues.get(doctor_id) if self.snapshot is not None else None
        if queue is None:
            return ""
        return ((f" · with Dr: {queue.with_doctor}" if queue.with_doctor else "")
                + (f" · {queue.in_hall} in hall" if queue.in_hall else ""))

    @staticmethod
    def _title(widget: Widget, text: str) -> None:
        """Set a border title only when it changes: setting one repaints the widget."""
        if getattr(widget, "_shown_title", None) != text:
            widget._shown_title = text  # type: ignore[attr-defined]
            widget.border_title = Content(text)

    def doctor(self, doctor_id: int | None) -> Doctor | None:
        if self.snapshot is None:
            return None
        return next((d.doctor for d in self.snapshot.days if d.doctor.id == doctor_id), None)

    # -- the selection --------------------------------------------------------

    def sync_selection(self) -> None:
        """Read the selection from the widgets: the doctor of the doctors pane while it
        has the focus, else of the grid's row; the grid's slot; the token under the
        cursor of the focused token table."""
        grid = self.grid
        doctor_id = (self.doctors_pane.selected_doctor_id if self.doctors_pane.has_focus
                     else grid.selected_doctor_id)
        slot = grid.selected_slot
        table = self.focused if isinstance(self.focused, TokenTable) else None
        token = table.selected_token if table is not None else None
        if token is not None and (slot is None or token.slot_id != slot.id):
            token = None  # the panes still show the slot the cursor left: no patient yet
        new = replace(self.selection, doctor_id=doctor_id, slot=slot, token=token)
        if new != self.selection:
            self.selection = new

    def show_day(self, day: date) -> None:
        """Show another day (the cursor goes to its slot under way)."""
        if day != self.selection.day:
            self.selection = self.selection.on_day(day)

    def select_later(self, token_id: int | None = None, *, doctor_id: int | None = None,
                     slot_id: int | None = None) -> None:
        """Put the cursor on this token (in this doctor's slot) once the day is read
        again; the cursor stays where it is when the token is no longer there."""
        old = self.selection.aim or Aim()
        self.selection = self.selection.aiming(
            replace(old, token_id=token_id, doctor_id=doctor_id, slot_id=slot_id))
