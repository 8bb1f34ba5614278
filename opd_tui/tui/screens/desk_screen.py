"""The reception desk: the day's grid, the selected slot's patients, every desk action.

Keys become engine calls in workers; engine results become widget updates and a
notification in the desk's words. The screen follows the engine's event log, so
what another desk or the kiosk does shows here within a second.

The screen is built in layers, each a module of its own, each on the one before:
`view` (the panes and how a day read from the engine is shown), `live` (reading
the day and following the event log), `commands` (running a command in a worker
and saying what it did), the actions by area (`booking_actions`, `token_actions`,
`slot_actions`, `doctor_actions`, `roster_actions`, `correction_actions`,
`report_actions`, `key_actions`: a doctor by code, `?`, Esc), and here the keys,
what they may do right now, the days and search. The layers share what is selected
through one object, `selection.Selection` (`self.selection`), set by the view only.
Each key is taken in the order typed (`KEYS_IN_ORDER`, tui/typeahead.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from textual import on
from textual.binding import ActiveBinding, Binding
from textual.widgets import DataTable

from ..modals import SearchHit, SearchModal
from ..simulation import SimulationScreen
from ..widgets import LEGEND, SlotGrid
from .booking_actions import BookingActions
from .commands import label
from .correction_actions import CorrectionActions
from .doctor_actions import DoctorActions
from .key_actions import KeyActions
from .palette import (
    DOCTOR_ACTIONS,
    FOOTER_ORDER,
    PALETTE,
    SLOT_ACTIONS,
    TOKEN_ACTIONS,
    DeskAction,
)
from .report_actions import ReportActions
from .roster_actions import RosterActions
from .slot_actions import SlotActions
from .token_actions import TokenActions

#: The footer's "^p palette" key and its separator.
FOOTER_PALETTE_WIDTH = 13


class DeskScreen(BookingActions, TokenActions, SlotActions, DoctorActions, RosterActions,
                 CorrectionActions, ReportActions, KeyActions):
    """The desk's keys and what they may do right now, over the layers beside it."""

    #: Each key's binding runs as it is typed, before the next key (typeahead.py).
    KEYS_IN_ORDER = True

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
        Binding("u", "undo", "Undo", show=False),
        Binding("r", "requeue", "Not here", show=False),
        Binding("R", "report", "Report", key_display="R", show=False),
        Binding("left_square_bracket", "previous_day", "Prev day", key_display="[", show=False),
        Binding("right_square_bracket", "next_day", "Next day", key_display="]", show=False),
        Binding("t", "today", "Today", show=False),
        Binding("D", "doctors", "Doctors", key_display="D"),
        Binding("g", "generate", "Generate slots", show=False),
        Binding("escape", "stop_move", "Stop moving", show=True),
        Binding("escape", "focus_grid", "Back to the grid", show=False),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("f1", "help", "Keys", show=False),
        Binding("at", "jump", "Doctor by code", key_display="@", show=False),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("S", "simulate", "Simulation", key_display="S", show=False),
    ]

    def on_mount(self) -> None:
        self.query_one("#grid-box").border_title = "Slots"
        self.query_one("#grid-box").border_subtitle = LEGEND
        self.doctors_pane.border_title = "Doctors"
        self.seated.border_title = "Seated"
        self.waitlist.border_title = "Waitlist"
        self.query_one("#activity").border_title = "Activity"
        self.query_one("#empty").display = False
        self.grid.focus()
        self.keep_days_generated()
        self._today = self.now().date()
        self.show_day(self.desk.start_day or self._today)
        self._schedule_poll()

    @on(SlotGrid.SlotHighlighted)
    def _slot_highlighted(self, event: SlotGrid.SlotHighlighted) -> None:
        if event.doctor_id is not None:
            self.doctors_pane.select(event.doctor_id)
        self.sync_selection()
        # After the frame the highlight changed: a read in a thread beside the drawing
        # slows both (each waits for the other at every step of its work).
        self.call_after_refresh(self._load_detail, event.slot.id if event.slot else None)

    @on(DataTable.RowHighlighted, "#doctors")
    def _doctor_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.doctors_pane.has_focus and (doctor_id := self.doctors_pane.selected_doctor_id):
            self.grid.select(doctor_id)
        self.sync_selection()

    @on(DataTable.RowHighlighted, "#seated, #waitlist")
    def _token_highlighted(self) -> None:
        self.sync_selection()

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

    def on_descendant_focus(self) -> None:
        self.sync_selection()
        self.refresh_bindings()

    # -- what can be done now -------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_move":
            return self.moving is not None
        if self.moving is not None and action not in ("search", "toggle_theme", "help", "jump"):
            return False  # while picking a target, keys mean only "pick" or "stop"
        if action in TOKEN_ACTIONS:
            return self.selection.token is not None
        if action in SLOT_ACTIONS:
            return self.selection.slot is not None
        if action in DOCTOR_ACTIONS:
            return self.selection.doctor_id is not None
        return True

    def palette_commands(self) -> Iterable[DeskAction]:
        return [a for a in PALETTE if self.check_action(a.action, ()) is True]

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys as the footer shows them: as many as fit its width, in FOOTER_ORDER."""
        bindings = super().active_bindings
        room = self.size.width - FOOTER_PALETTE_WIDTH
        keep: set[str] = set()
        by_action = {b.binding.action: key for key, b in bindings.items() if b.binding.show}
        for action in FOOTER_ORDER:
            if (key := by_action.get(action)) is not None:
                binding = bindings[key].binding
                width = len(self.app.get_key_display(binding)) + len(binding.description) + 2
                if width <= room:
                    keep.add(key)
                    room -= width
        return {
            key: b if not b.binding.show or key in keep
            else b._replace(binding=replace(b.binding, show=False))
            for key, b in bindings.items()
        }

    def on_resize(self) -> None:
        self.refresh_bindings()  # the footer's room changed

    # -- days and search ------------------------------------------------------

    def action_previous_day(self) -> None:
        self.show_day(self.selection.day - timedelta(days=1))

    def action_next_day(self) -> None:
        self.show_day(self.selection.day + timedelta(days=1))

    def action_today(self) -> None:
        self.show_day(self.now().date())

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
        self.journal.looked_up(token)  # an ended token found: `u` can reinstate it
        status = token.status.value.replace("_", " ").lower()
        self.desk.say(f"{token.number} ({token.patient_name}): {status}, "
                      f"{hit.slot.start:%a %d %b} {label(hit.slot)}")
        self.show_day(hit.slot.start.date())
        self.select_later(token.id, doctor_id=token.doctor_id, slot_id=hit.slot.id)
        self.reload()

    def action_toggle_theme(self) -> None:
        self.desk.toggle_theme()

    def action_simulate(self) -> None:
        # No engine given: the simulated day gets a private in-memory database.
        self.app.push_screen(SimulationScreen())
