"""The reception desk: the day's grid, the selected slot's patients, every desk action.

Keys become engine calls in workers; engine results become widget updates and a
notification in the desk's words. The screen follows the engine's event log, so
what another desk or the kiosk does shows here within a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static

from ...domain import inputs
from ...domain.enums import EventKind, SlotStatus, TokenStatus
from ...domain.models import Doctor, DoctorDay, Event, SlotSummary, SlotView, Token
from ...errors import OPDError
from ..modals import (
    BookingForm,
    BookingRequest,
    ConfirmModal,
    DoctorForm,
    DoctorsScreen,
    EmergencyModal,
    NumberPrompt,
    ScheduleForm,
    SearchHit,
    SearchModal,
)
from ..modals.form import model_problems
from ..simulation import SimulationScreen
from ..widgets import LEGEND, DeskHeader, DoctorsPane, GridRow, SeatedTokens, SlotGrid, WaitlistPane
from ..widgets.slot_grid import cell_text
from ..widgets.token_tables import TokenTable

if TYPE_CHECKING:
    from ...engine import AllocationEngine
    from ..desk import DeskApp

#: How many events one poll reads at most; a longer backlog is read next time.
EVENT_BATCH = 2000
#: Up to this many events, only the slots they touched are read again.
PATCH_LIMIT = 200
#: Events that change nothing but some slots' counts and capacities.
COUNT_EVENTS = frozenset({
    EventKind.BOOKED, EventKind.WAITLISTED, EventKind.BUMPED, EventKind.PROMOTED,
    EventKind.MOVED, EventKind.CANCELLED, EventKind.NO_SHOW, EventKind.CHECKED_IN,
    EventKind.CALLED, EventKind.COMPLETED, EventKind.EXPIRED, EventKind.OVERBOOKED,
    EventKind.CAPACITY_CHANGED,
})


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


def label(slot: Any) -> str:
    return f"{slot.start:%H:%M}-{slot.end:%H:%M}"


@dataclass(frozen=True)
class DeskAction:
    """A desk action as the command palette offers it."""

    action: str
    title: str
    help: str


PALETTE = [
    DeskAction("book", "Book a token", "Book a patient into the selected slot (or any other)"),
    DeskAction("emergency", "Emergency", "Seat an emergency in the doctor's current slot"),
    DeskAction("check_in", "Check in", "Mark the selected patient as arrived"),
    DeskAction("call_next", "Call next", "Call the doctor's next checked-in patient"),
    DeskAction("complete", "Complete consultation", "Mark the selected patient as seen"),
    DeskAction("no_show", "No-show", "Mark the selected patient as not come"),
    DeskAction("cancel_token", "Cancel token", "Cancel the selected patient's token"),
    DeskAction("move", "Move token", "Move the selected patient to a slot you pick in the grid"),
    DeskAction("capacity", "Change capacity", "Change the seats of the selected slot"),
    DeskAction("close_slot", "Close slot", "Close the selected slot; its patients go to later slots"),
    DeskAction("delay", "Doctor delay", "Shift the doctor's coming slots by some minutes"),
    DeskAction("search", "Find a token", "Search by token number, name, phone or hospital number"),
    DeskAction("previous_day", "Previous day", "Show the day before"),
    DeskAction("next_day", "Next day", "Show the day after"),
    DeskAction("today", "Today", "Back to today"),
    DeskAction("doctors", "Doctors", "Add, edit, deactivate doctors and generate their slots"),
    DeskAction("add_doctor", "Add a doctor", "A new doctor for the desk"),
    DeskAction("edit_doctor", "Edit doctor", "Change the selected doctor's name, department, room"),
    DeskAction("deactivate_doctor", "Deactivate doctor", "Take the selected doctor off the desk"),
    DeskAction("generate", "Generate slots", "Cut the selected doctor's day into equal slots"),
    DeskAction("toggle_theme", "Light/dark theme", "Switch between the dark and light theme"),
    DeskAction("simulate", "Simulation", "Play a synthetic OPD day live, on a private in-memory "
               "database (never this desk's)"),
]

TOKEN_ACTIONS = {"check_in", "complete", "no_show", "cancel_token", "move"}
SLOT_ACTIONS = {"capacity", "close_slot"}
DOCTOR_ACTIONS = {"call_next", "delay", "emergency", "edit_doctor", "deactivate_doctor"}


class DeskScreen(Screen[None]):
    BINDINGS = [
        Binding("b", "book", "Book"),
        Binding("slash", "search", "Find", key_display="/"),
        Binding("exclamation_mark", "emergency", "Emergency", key_display="!"),
        Binding("i", "check_in", "Check in"),
        Binding("n", "call_next", "Call next"),
        Binding("f", "complete", "Complete"),
        Binding("o", "no_show", "No-show"),
        Binding("x", "cancel_token", "Cancel"),
        Binding("m", "move", "Move"),
        Binding("c", "capacity", "Capacity"),
        Binding("X", "close_slot", "Close slot", key_display="X"),
        Binding("d", "delay", "Delay"),
        Binding("left_square_bracket", "previous_day", "Prev day", key_display="[", show=False),
        Binding("right_square_bracket", "next_day", "Next day", key_display="]", show=False),
        Binding("t", "today", "Today", show=False),
        Binding("D", "doctors", "Doctors", key_display="D"),
        Binding("g", "generate", "Generate slots", show=False),
        Binding("escape", "stop_move", "Stop moving", show=True),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("S", "simulate", "Simulation", key_display="S", show=False),
    ]

    day: var[date] = var(date.min, init=False)
    moving: var[Token | None] = var(None, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: DaySnapshot | None = None
        self.detail: SlotDetail | None = None
        self.last_event_id = 0
        self._token_table: TokenTable | None = None
        self._jump_to: SearchHit | None = None
        self._select_token: int | None = None
        self._advanced_minute: datetime | None = None
        self._refreshed_minute: datetime | None = None
        self._polling = False

    # -- wiring ---------------------------------------------------------------

    @property
    def desk(self) -> DeskApp:
        return self.app  # type: ignore[return-value]

    @property
    def engine(self) -> AllocationEngine:
        return self.desk.engine

    def now(self) -> datetime:
        return self.desk.clock()

    def compose(self) -> ComposeResult:
        yield DeskHeader(self.desk.hospital, self.desk.clock, id="header")
        with Horizontal(id="top"):
            with Vertical(id="grid-box"):
                yield SlotGrid(id="grid")
                yield Static("", id="empty")
            yield DoctorsPane(id="doctors")
        with Horizontal(id="bottom"):
            yield SeatedTokens(id="seated")
            yield WaitlistPane(id="waitlist")
        yield Footer(compact=True)

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

    def on_mount(self) -> None:
        self.query_one("#grid-box").border_title = "Slots"
        self.query_one("#grid-box").border_subtitle = LEGEND
        self.doctors_pane.border_title = "Doctors"
        self.seated.border_title = "Seated"
        self.waitlist.border_title = "Waitlist"
        self.query_one("#empty").display = False
        self.grid.focus()
        self.day = self.desk.start_day or self.now().date()
        self._schedule_poll()

    def watch_day(self, day: date) -> None:
        self.query_one(DeskHeader).day = day
        self.reload()

    # -- reading the engine ---------------------------------------------------

    def fetch(self, day: date) -> DaySnapshot:
        last = self.engine.last_event_id()
        now = self.now()
        return DaySnapshot(day, now, self.engine.doctor_days(day),
                           self.engine.day_slots(day, now=now), last)

    def fetch_detail(self, slot_id: int | None) -> SlotDetail | None:
        if slot_id is None:
            return None
        now = self.now()
        try:
            view = self.engine.slot_view(slot_id, now=now)
        except OPDError:
            return None
        return SlotDetail(view, {t.id: self.engine.eta(t.id, now=now) for t in view.seated})

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def reload(self) -> None:
        """Read the whole day again (after a command, a day change, a new minute)."""
        day = self.day
        snapshot = self.fetch(day)
        detail = self.fetch_detail(self._selected_slot_id())
        self.app.call_from_thread(self.apply, snapshot, detail)

    def _selected_slot_id(self) -> int | None:
        slot = self.grid.selected_slot
        return slot.id if slot is not None else None

    def _schedule_poll(self) -> None:
        self.set_timer(self.desk.poll_interval, self._poll)

    def _poll(self) -> None:
        # Skip while a modal is open or a poll is still out: refreshes never pile up.
        if self.app.screen is not self or self._polling:
            self._schedule_poll()
            return
        self._polling = True
        self._poll_events(self.last_event_id, self.day)

    @work(thread=True, group="poll", exit_on_error=False)
    def _poll_events(self, after: int, day: date) -> None:
        try:
            now = self.now()
            minute = now.replace(second=0, microsecond=0)
            if self._advanced_minute != minute and self.desk.advance:
                self._advanced_minute = minute
                self.engine.advance(now)
            events = self.engine.events(after_id=after, limit=EVENT_BATCH)
            stale = self._refreshed_minute != minute
            selected = self._selected_slot_id()
            patched = None if stale else self.patch(self.snapshot, events, now)
            if patched is not None:
                snapshot, touched = patched
                detail = self.fetch_detail(selected) if selected in touched else None
                self.app.call_from_thread(self.apply, snapshot, detail)
            elif events or stale:
                self._refreshed_minute = minute
                snapshot = self.fetch(day)
                detail = self.fetch_detail(selected)
                self.app.call_from_thread(self.apply, snapshot, detail)
        except OPDError as error:
            self.app.call_from_thread(self.desk.say_error, str(error))
        finally:
            self.app.call_from_thread(self._poll_done)

    def patch(
        self, snapshot: DaySnapshot | None, events: list[Event], now: datetime
    ) -> tuple[DaySnapshot, set[int]] | None:
        """The day after `events` that touched only some slots' counts: re-read just
        those slots. None when the whole day must be read again."""
        if snapshot is None or not events or len(events) > PATCH_LIMIT:
            return None
        known = {s.id: s for s in snapshot.slots}
        touched: set[int] = set()
        for event in events:
            if event.kind not in COUNT_EVENTS:
                return None
            for slot_id in (event.slot_id, event.detail.get("from_slot_id")):
                if slot_id in known:
                    touched.add(slot_id)
        fresh = {s.id: s for s in self.engine.slot_summaries(touched, now=now)}
        slots = [fresh.get(s.id, s) for s in snapshot.slots]
        doctors = {known[i].doctor_id for i in touched}
        days = [d if d.doctor.id not in doctors else self._recount(d, slots) for d in snapshot.days]
        return DaySnapshot(snapshot.day, now, days, slots, events[-1].id), touched

    @staticmethod
    def _recount(day: DoctorDay, slots: list[SlotSummary]) -> DoctorDay:
        mine = [s for s in slots if s.doctor_id == day.doctor.id]
        return day.model_copy(update={
            "booked": sum(s.occupancy for s in mine),
            "capacity": sum(s.capacity for s in mine if s.status != SlotStatus.CLOSED),
            "waitlisted": sum(s.waitlisted for s in mine),
        })

    def _poll_done(self) -> None:
        self._polling = False
        self._schedule_poll()

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
            if self._jump_to is not None:
                hit, self._jump_to = self._jump_to, None
                self._select_token = hit.token.id
                self.grid.select(hit.token.doctor_id, hit.slot.id)
            if detail is not None and detail.view.id == self._selected_slot_id():
                self.apply_detail(detail)
            elif self.grid.selected_slot is None:
                self.apply_detail(None)

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
            empty.update(text)
        if empty.display != bool(text):
            empty.display = bool(text)
        show_grid = bool(snapshot.slots) or bool(snapshot.days and not text)
        if self.grid.display != show_grid:
            self.grid.display = show_grid

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

    @staticmethod
    def _summary(view: SlotView) -> SlotSummary:
        return SlotSummary(
            id=view.id, doctor_id=view.doctor_id, start=view.start, end=view.end,
            capacity=view.capacity, occupancy=view.occupancy, waitlisted=len(view.waitlist),
            status=view.status,
        )

    def doctor(self, doctor_id: int | None) -> Doctor | None:
        if self.snapshot is None:
            return None
        return next((d.doctor for d in self.snapshot.days if d.doctor.id == doctor_id), None)

    @on(SlotGrid.SlotHighlighted)
    def _slot_highlighted(self, event: SlotGrid.SlotHighlighted) -> None:
        if event.doctor_id is not None:
            self.doctors_pane.select(event.doctor_id)
        self._load_detail(event.slot.id if event.slot else None)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, slot_id: int | None) -> None:
        detail = self.fetch_detail(slot_id)
        self.app.call_from_thread(self._detail_loaded, slot_id, detail)

    def _detail_loaded(self, slot_id: int | None, detail: SlotDetail | None) -> None:
        if slot_id == self._selected_slot_id():
            self.apply_detail(detail)

    @on(DataTable.RowHighlighted, "#doctors")
    def _doctor_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.doctors_pane.has_focus and (doctor_id := self.doctors_pane.selected_doctor_id):
            self.grid.select(doctor_id)

    @on(SlotGrid.SlotChosen)
    def _slot_chosen(self, event: SlotGrid.SlotChosen) -> None:
        if self.moving is not None:
            if event.slot is not None:
                self._move_to(self.moving, event.slot)
            return
        if self.seated.row_count:
            self.seated.focus()
        elif self.waitlist.row_count:
            self.waitlist.focus()

    def on_descendant_focus(self, event: Any) -> None:
        widget = event.widget if hasattr(event, "widget") else None
        if isinstance(widget, TokenTable):
            self._token_table = widget
        elif isinstance(widget, (SlotGrid, DoctorsPane)):
            self._token_table = None
        self.refresh_bindings()

    # -- what can be done now -------------------------------------------------

    @property
    def selected_doctor_id(self) -> int | None:
        if self.doctors_pane.has_focus:
            return self.doctors_pane.selected_doctor_id
        return self.grid.selected_doctor_id

    @property
    def selected_token(self) -> Token | None:
        return self._token_table.selected_token if self._token_table is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_move":
            return self.moving is not None
        if self.moving is not None and action not in ("search", "toggle_theme"):
            return False  # while picking a target, keys mean only "pick" or "stop"
        if action in TOKEN_ACTIONS:
            return self.selected_token is not None
        if action in SLOT_ACTIONS:
            return self.grid.selected_slot is not None
        if action in DOCTOR_ACTIONS:
            return self.selected_doctor_id is not None
        return True

    def palette_commands(self) -> Iterable[DeskAction]:
        return [a for a in PALETTE if self.check_action(a.action, ()) is True]

    # -- running commands -----------------------------------------------------

    def run_command(
        self,
        perform: Callable[[datetime], tuple[str, int | None]],
        then: Callable[[], None] | None = None,
    ) -> None:
        """Run one engine command in a worker; say what happened; show the result."""
        self._run_command(perform, then)

    @work(thread=True, group="command", exit_on_error=False)
    def _run_command(
        self, perform: Callable[[datetime], tuple[str, int | None]], then: Callable[[], None] | None
    ) -> None:
        try:
            message, token_id = perform(self.now())
        except OPDError as error:
            self.app.call_from_thread(self.desk.say_error, str(error))
            return
        self.app.call_from_thread(self.desk.say, message)
        self.app.call_from_thread(self.after_command, token_id)
        if then is not None:
            self.app.call_from_thread(then)

    def after_command(self, token_id: int | None = None) -> None:
        self._select_token = token_id
        self.reload()

    def consequences(self, before: int, own: int | None) -> list[str]:
        """What a command did to other patients, from the events it wrote."""
        said = []
        for event in self.engine.events(after_id=before):
            if event.token_id is None or event.token_id == own:
                continue
            number = event.detail.get("number", "?")
            if event.kind == EventKind.BUMPED:
                if event.detail.get("status") == TokenStatus.WAITLISTED:
                    said.append(f"{number} waitlisted to make room")
                else:
                    said.append(f"{number} moved to {self._time(event)} to make room")
            elif event.kind == EventKind.PROMOTED:
                said.append(f"{number} promoted from the waitlist into {self._time(event)}")
            elif event.kind == EventKind.MOVED:
                where = "waitlisted on" if event.detail.get("status") == "WAITLISTED" else "moved to"
                said.append(f"{number} {where} {self._time(event)}")
            elif event.kind == EventKind.COMPLETED:
                said.append(f"{number} completed")
        return said

    def _time(self, event: Event) -> str:
        try:
            return f"{self.engine.slot(event.slot_id).start:%H:%M}" if event.slot_id else "?"
        except OPDError:
            return "?"

    @staticmethod
    def sentence(first: str, more: list[str]) -> str:
        return "; ".join([first, *more])

    # -- booking --------------------------------------------------------------

    def action_book(self) -> None:
        if self.snapshot is None:
            return
        slot = self.grid.selected_slot
        request = BookingRequest(
            day=self.day,
            doctors=[d.doctor for d in self.snapshot.days],
            slots=self.snapshot.slots,
            doctor_id=self.selected_doctor_id,
            slot_id=slot.id if slot else None,
        )
        self.app.push_screen(BookingForm(request, self.perform_book), self._booked)

    def perform_book(self, values: dict[str, Any]) -> tuple[Token, str]:
        before = self.engine.last_event_id()
        token = self.engine.book(values["slot_id"], values["patient_name"], values["source"],
                                 patient_ref=values["patient_ref"], now=self.now())
        message = self.booking_words(token, before)
        self.app.call_from_thread(self.desk.say, message)
        return token, message

    def booking_words(self, token: Token, before: int) -> str:
        slot = self.engine.slot_view(token.slot_id, now=self.now())
        when = label(slot)
        if token.status == TokenStatus.WAITLISTED:
            place = next((i + 1 for i, t in enumerate(slot.waitlist) if t.id == token.id), 0)
            first = f"Slot full: {token.number} waitlisted #{place} for {when}"
        elif token.overbooked:
            first = f"{token.number} emergency seated {when} (overbooked {slot.occupancy}/{slot.capacity})"
        else:
            first = f"{token.number} booked {when}"
        return self.sentence(first, self.consequences(before, token.id))

    def _booked(self, token: Token | None) -> None:
        if token is not None:
            self.after_command(token.id)

    def action_emergency(self) -> None:
        doctor = self.doctor(self.selected_doctor_id)
        if doctor is None or self.snapshot is None:
            return
        today = self.now().date()
        slots = sorted(
            (s for s in self.snapshot.slots
             if s.doctor_id == doctor.id and s.status not in (SlotStatus.CLOSED, SlotStatus.ENDED)),
            key=lambda s: s.start,
        ) if self.day == today else []
        if self.day == today and not slots:
            self.desk.say_error(f"Dr {doctor.name} has no open slot left today; choose another doctor.")
            return
        if slots:
            slot = slots[0]
            current = slot.start <= self.now()
            full = slot.occupancy >= slot.capacity
            where = Content(
                f"Dr {doctor.name}, {'current' if current else 'next'} slot {label(slot)} "
                f"({slot.occupancy}/{slot.capacity}{', will overbook' if full else ''})"
            )
        else:
            where = Content(f"Dr {doctor.name}, today's current or next slot")
        self.app.push_screen(EmergencyModal(doctor.id, where, self.perform_emergency), self._booked)

    def perform_emergency(self, values: dict[str, Any]) -> tuple[Token, str]:
        before = self.engine.last_event_id()
        token = self.engine.emergency(values["doctor_id"], values["patient_name"],
                                      patient_ref=values["patient_ref"], now=self.now())
        message = self.booking_words(token, before)
        self.app.call_from_thread(self.desk.say, message)
        return token, message

    # -- a token's life -------------------------------------------------------

    def _token_command(self, token: Token, call: Callable[[int, datetime], Token], done: str) -> None:
        def perform(now: datetime) -> tuple[str, int | None]:
            before = self.engine.last_event_id()
            result = call(token.id, now)
            return self.sentence(f"{result.number} {done}", self.consequences(before, result.id)), result.id

        self.run_command(perform)

    def action_check_in(self) -> None:
        if (token := self.selected_token) is not None:
            self._token_command(token, lambda t, now: self.engine.check_in(t, now=now), "checked in")

    def action_complete(self) -> None:
        if (token := self.selected_token) is not None:
            self._token_command(token, lambda t, now: self.engine.complete(t, now=now),
                                "consultation completed")

    def action_no_show(self) -> None:
        if (token := self.selected_token) is not None:
            self._token_command(token, lambda t, now: self.engine.no_show(t, now=now),
                                "marked no-show")

    def action_cancel_token(self) -> None:
        token = self.selected_token
        if token is None:
            return
        question = Content.assemble(
            "Cancel ", (token.number, "bold"), " for ", token.patient_name, "?",
            "\nA waiting patient may take the seat.",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._token_command(token, lambda t, now: self.engine.cancel(t, now=now),
                                    "cancelled")

        self.app.push_screen(ConfirmModal("Cancel token", question, yes="Cancel token"), answered)

    def action_call_next(self) -> None:
        doctor = self.doctor(self.selected_doctor_id)
        if doctor is None:
            return

        def perform(now: datetime) -> tuple[str, int | None]:
            before = self.engine.last_event_id()
            called = self.engine.call_next(doctor.id, now=now)
            done = self.consequences(before, called.id if called else None)
            if called is None:
                return self.sentence(f"No one checked in for Dr {doctor.name}", done), None
            room = f" to room {doctor.room}" if doctor.room else ""
            return self.sentence(f"{called.number} called{room}", done), called.id

        self.run_command(perform)

    # -- moving ---------------------------------------------------------------

    def action_move(self) -> None:
        token = self.selected_token
        if token is None:
            return
        self.moving = token
        self.grid.focus()
        self.desk.say(f"Move {token.number}: pick the slot with the arrows, Enter to move, "
                      "Esc to stop")

    def watch_moving(self, token: Token | None) -> None:
        box = self.query_one("#grid-box")
        box.set_class(token is not None, "-moving")
        box.border_title = Content(
            f"Move {token.number} ({token.patient_name}): pick a slot, Enter to move, Esc to stop"
        ) if token is not None else "Slots"
        self.refresh_bindings()

    def action_stop_move(self) -> None:
        if self.moving is not None:
            self.desk.say(f"{self.moving.number} not moved")
            self.moving = None

    def _move_to(self, token: Token, slot: SlotSummary) -> None:
        self.moving = None

        def perform(now: datetime) -> tuple[str, int | None]:
            before = self.engine.last_event_id()
            moved = self.engine.move(token.id, slot.id, now=now)
            return self.sentence(f"{moved.number} moved to {label(slot)}",
                                 self.consequences(before, moved.id)), moved.id

        self.run_command(perform)

    # -- slots ----------------------------------------------------------------

    def action_capacity(self) -> None:
        slot = self.grid.selected_slot
        if slot is None:
            return

        def check(text: str) -> str | None:
            return model_problems(inputs.CapacityChange,
                                  {"slot_id": slot.id, "capacity": text}).get("capacity")

        def perform(values: dict[str, Any]) -> tuple[Any, str]:
            before = self.engine.last_event_id()
            changed = self.engine.set_capacity(slot.id, int(values["number"]), now=self.now())
            return changed, self.sentence(
                f"{label(slot)} capacity {slot.capacity} → {changed.capacity}",
                self.consequences(before, None),
            )

        self.app.push_screen(
            NumberPrompt("Change capacity", Content(self._slot_words(slot)), "Seats in this slot",
                         slot.capacity, check, self._said(perform)),
            self._after_form,
        )

    def action_close_slot(self) -> None:
        slot = self.grid.selected_slot
        if slot is None:
            return
        question = Content(
            f"Close {self._slot_words(slot)}?\nIts {slot.occupancy + slot.waitlisted} patient(s) "
            "go to the doctor's later slots."
        )

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def perform(now: datetime) -> tuple[str, int | None]:
                before = self.engine.last_event_id()
                self.engine.close_slot(slot.id, now=now)
                moved = self.consequences(before, None)
                return self.sentence(f"Slot {label(slot)} closed", moved), None

            self.run_command(perform)

        self.app.push_screen(ConfirmModal("Close slot", question, yes="Close slot"), answered)

    def _slot_words(self, slot: SlotSummary) -> str:
        doctor = self.doctor(slot.doctor_id)
        name = f"Dr {doctor.name}'s " if doctor else ""
        return f"{name}{label(slot)} slot ({slot.occupancy}/{slot.capacity} seated, {slot.waitlisted} waiting)"

    def action_delay(self) -> None:
        doctor = self.doctor(self.selected_doctor_id)
        if doctor is None:
            return

        def check(text: str) -> str | None:
            return model_problems(inputs.Delay, {"doctor_id": doctor.id, "minutes": text}).get("minutes")

        def perform(values: dict[str, Any]) -> tuple[Any, str]:
            minutes = int(values["number"])
            shifted = self.engine.delay_doctor(doctor.id, minutes, now=self.now())
            if not shifted:
                return shifted, f"Dr {doctor.name} has no slot left to delay today"
            return shifted, (f"Dr {doctor.name} delayed {minutes} min: {len(shifted)} slot(s) "
                             f"now from {shifted[0].start:%H:%M}")

        self.app.push_screen(
            NumberPrompt("Doctor delay", Content(f"Dr {doctor.name}: shift today's coming slots by"),
                         "Minutes (1-240)", 15, check, self._said(perform), submit="Delay"),
            self._after_form,
        )

    def _said(self, perform: Callable[[dict[str, Any]], tuple[Any, str]]) -> Callable[
        [dict[str, Any]], tuple[Any, str]
    ]:
        """A form's command that also tells the desk what happened, once it succeeds."""

        def run(values: dict[str, Any]) -> tuple[Any, str]:
            result, message = perform(values)
            self.app.call_from_thread(self.desk.say, message)
            return result, message

        return run

    def _after_form(self, result: Any) -> None:
        if result is not None:
            self.after_command()

    # -- days and search ------------------------------------------------------

    def action_previous_day(self) -> None:
        self.day = self.day - timedelta(days=1)

    def action_next_day(self) -> None:
        self.day = self.day + timedelta(days=1)

    def action_today(self) -> None:
        self.day = self.now().date()

    def action_search(self) -> None:
        self.app.push_screen(SearchModal(self.find), self._found)

    def find(self, text: str) -> list[SearchHit]:
        tokens = self.engine.search(text, limit=40)
        slots = {sid: self.engine.slot(sid) for sid in {t.slot_id for t in tokens}}
        return [SearchHit(t, slots[t.slot_id]) for t in tokens]

    def _found(self, hit: SearchHit | None) -> None:
        if hit is None:
            return
        token = hit.token
        status = token.status.value.replace("_", " ").lower()
        self.desk.say(f"{token.number} ({token.patient_name}): {status}, "
                      f"{hit.slot.start:%a %d %b} {label(hit.slot)}")
        self._jump_to = hit
        if hit.slot.start.date() != self.day:
            self.day = hit.slot.start.date()
        else:
            self.reload()

    # -- doctors --------------------------------------------------------------

    def action_doctors(self) -> None:
        self.app.push_screen(DoctorsScreen(self), lambda _: self.after_command())

    def action_add_doctor(self) -> None:
        self.app.push_screen(DoctorForm(None, self.perform_add_doctor), self._after_form)

    def action_edit_doctor(self) -> None:
        doctor = self.doctor(self.selected_doctor_id)
        if doctor is not None:
            self.app.push_screen(DoctorForm(doctor, self.perform_edit_doctor(doctor)),
                                 self._after_form)

    def action_deactivate_doctor(self) -> None:
        doctor = self.doctor(self.selected_doctor_id)
        if doctor is not None:
            self.set_doctor_active(doctor, False)

    def action_generate(self) -> None:
        doctor = self.doctor(self.selected_doctor_id)
        if doctor is None:
            self.action_doctors()
            return
        self.app.push_screen(ScheduleForm(doctor, self.day, self.perform_generate(doctor)),
                             self._after_form)

    def perform_add_doctor(self, values: dict[str, Any]) -> tuple[Doctor, str]:
        doctor = self.engine.add_doctor(**values)
        message = f"Dr {doctor.name} added (code {doctor.code}); press g to generate slots"
        self.app.call_from_thread(self.desk.say, message)
        return doctor, message

    def perform_edit_doctor(self, doctor: Doctor) -> Callable[[dict[str, Any]], tuple[Doctor, str]]:
        def perform(values: dict[str, Any]) -> tuple[Doctor, str]:
            values = {k: v for k, v in values.items() if k != "code"}
            updated = self.engine.update_doctor(doctor.id, **values)
            message = f"Dr {updated.name} updated"
            self.app.call_from_thread(self.desk.say, message)
            return updated, message

        return perform

    def perform_generate(self, doctor: Doctor) -> Callable[[dict[str, Any]], tuple[list, str]]:
        def perform(values: dict[str, Any]) -> tuple[list, str]:
            slots = self.engine.generate_slots(
                doctor.id, values["day"], values["start"], values["end"],
                values["slot_minutes"], values["capacity"],
            )
            message = (f"{len(slots)} slots added for Dr {doctor.name} on {values['day']:%a %d %b}: "
                       f"{slots[0].start:%H:%M}-{slots[-1].end:%H:%M}")
            self.app.call_from_thread(self.desk.say, message)
            return slots, message

        return perform

    def set_doctor_active(
        self, doctor: Doctor, active: bool, done: Callable[[], None] | None = None
    ) -> None:
        def change() -> None:
            def perform(now: datetime) -> tuple[str, int | None]:
                self.engine.set_doctor_active(doctor.id, active)
                return f"Dr {doctor.name} {'activated' if active else 'deactivated'}", None

            self.run_command(perform, then=done)

        if active:
            change()
            return
        question = Content(
            f"Deactivate Dr {doctor.name} ({doctor.code})?\nThey leave the desk and the kiosk; "
            "their tokens and history stay."
        )
        self.app.push_screen(
            ConfirmModal("Deactivate doctor", question, yes="Deactivate"),
            lambda yes: change() if yes else None,
        )

    def action_toggle_theme(self) -> None:
        self.desk.toggle_theme()

    def action_simulate(self) -> None:
        # No engine given: the simulated day gets a private in-memory database.
        self.app.push_screen(SimulationScreen())
