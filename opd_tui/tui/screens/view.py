"""What the desk shows: its panes, and a day read from the engine put into them.

`DeskView` is the bottom layer of the desk screen: the layout, the state the
other layers share (the day, the snapshot, the selection), and how a snapshot
of the day becomes widget updates. It reads nothing itself; `live` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from ...domain.models import Doctor, DoctorDay, Event, SlotSummary, SlotView, Token
from ..modals import SearchHit
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


@dataclass(frozen=True)
class SlotDetail:
    view: SlotView
    etas: dict[int, datetime | None] = field(default_factory=dict)


class DeskView(Screen[None]):
    """The panes and the state the desk's layers share."""

    day: var[date] = var(date.min, init=False)
    moving: var[Token | None] = var(None, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: DaySnapshot | None = None
        self.detail: SlotDetail | None = None
        self.last_event_id = 0
        self._token_table: TokenTable | None = None
        self._jump_to: SearchHit | None = None
        self._cursor_to_now = True  # a day just opened: put the cursor on the slot under way
        self._select_token: int | None = None
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
        if snapshot.day != self.day:
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
            self.doctors_pane.show(snapshot.days, counts)
            self._show_empty(snapshot)
            if self._cursor_to_now and snapshot.slots:
                self._cursor_to_now = False
                self.grid.select_first_bookable()
            if self._jump_to is not None:
                hit, self._jump_to = self._jump_to, None
                self._select_token = hit.token.id
                self.grid.select(hit.token.doctor_id, hit.slot.id)
            if detail is not None and detail.view.id == self._selected_slot_id():
                self.apply_detail(detail)
            elif self.grid.selected_slot is None:
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
            text = ("No doctors yet.\n\nPress D to add doctors and generate their slots,\n"
                    "or quit (ctrl+q) and run  opd-tui --demo  for a demo day.")
        elif not snapshot.slots:
            text = (f"No slots on {snapshot.day:%A %d %B}.\n\nPress g to generate the selected "
                    "doctor's slots, D to manage doctors,\nor [ ] to look at another day.")
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
                                 f"{view.occupancy}/{view.capacity} {view.status.lower()}{name}")
        self._title(self.waitlist, f"Waitlist ({len(view.waitlist)})")
        self.seated.show(view.seated, detail.etas)
        self.waitlist.show(view.waitlist)
        if self._select_token is not None:
            token_id, self._select_token = self._select_token, None
            for table in (self.seated, self.waitlist):
                if table.select(token_id):
                    table.focus()
                    break

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

    def _selected_slot_id(self) -> int | None:
        slot = self.grid.selected_slot
        return slot.id if slot is not None else None

    @property
    def selected_doctor_id(self) -> int | None:
        if self.doctors_pane.has_focus:
            return self.doctors_pane.selected_doctor_id
        return self.grid.selected_doctor_id

    @property
    def selected_token(self) -> Token | None:
        return self._token_table.selected_token if self._token_table is not None else None
