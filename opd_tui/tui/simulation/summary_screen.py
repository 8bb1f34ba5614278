"""The end-of-day figures of a simulated day (or the figures so far, on `s`).

A modal that answers with what to do next: "restart" (a new day), "quit",
or None (back to the day on screen).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from ...domain.enums import EventKind, TokenStatus
from ...domain.vocabulary import event_label, source_label, status_label, status_word
from ...simulation import SimulationSummary
from .widgets import pairs_table

Choice = Literal["restart", "quit"]


def _minutes(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:.1f}{unit}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def figures_table(s: SimulationSummary, utilisation: float | None = None,
                  width: int = 106) -> Table:
    """The day's counts (`utilisation`: so far, before the end), three pairs to a row
    where `width` cells hold them, else two: no column is ever cut."""
    items: list[tuple[str, object]] = [
        ("Tokens", s.tokens_booked), (status_label(TokenStatus.COMPLETED), s.completed),
        ("Emergencies", s.emergencies),
        (status_label(TokenStatus.CANCELLED), s.cancellations),
        (f"{status_label(TokenStatus.NO_SHOW)}s", s.no_shows),
        (status_label(TokenStatus.EXPIRED), s.expired),
        (status_label(TokenStatus.UNSEEN), s.unseen), ("Turned away", s.turned_away),
        (event_label(EventKind.BUMPED), s.bumped), (event_label(EventKind.PROMOTED), s.promoted),
        (event_label(EventKind.MOVED), s.moved),
        (f"{status_label(TokenStatus.WAITLISTED)} on booking", s.waitlisted_on_booking),
        (f"Still {status_word(TokenStatus.WAITLISTED)}", s.waitlisted_remaining),
        ("Arrival to call", _minutes(s.wait_from_arrival_mean, "m")),
        ("Arrival to call p90", _minutes(s.wait_from_arrival_p90, "m")),
        ("Mean utilisation", _share(s.mean_utilisation)) if s.finished
        else ("Utilisation so far", _share(utilisation)),
        ("Overtime a doctor", _minutes(s.overtime_minutes, "m")),
        ("Overbooked slots", s.overbooked_slots), ("Doctors late", s.doctors_late),
        ("Slots closed", s.slots_closed), ("Engine operations", s.engine_operations),
        ("Refused", sum(s.refusals.values())),
    ]
    return pairs_table(items, per_row=pairs_per_row(items, width))


def pairs_per_row(items: list[tuple[str, object]], width: int) -> int:
    """Three pairs to a row if every column fits in `width` cells, else two."""
    for per_row in (3, 2):
        columns = [max(len(label) for label, _ in items[i::per_row])
                   + max(len(str(value)) for _, value in items[i::per_row])
                   for i in range(per_row)]
        # A grid pads each cell by one on either side, but not at its outer edges.
        if sum(columns) + 4 * per_row - 2 <= width:
            return per_row
    return 1


class DaySummaryScreen(ModalScreen[Choice | None]):
    """The figures of the day: counts, waits by source, each doctor's day."""

    CSS_PATH = "simulation.tcss"

    BINDINGS = [
        Binding("escape", "dismiss_summary", "Back to the day"),
        # Priority: the doctors table would take Enter for itself.
        Binding("enter", "dismiss_summary", "Back to the day", show=False, priority=True),
        Binding("r", "restart", "New day"),
        Binding("q", "quit_simulation", "Quit"),
    ]

    def __init__(
        self,
        summary: SimulationSummary,
        *,
        leave: str = "Quit",
        utilisation: float | None = None,
        doctors_utilisation: dict[str, float | None] | None = None,
    ) -> None:
        """Before the day ends, `utilisation` and `doctors_utilisation` (by code) are
        the figures so far: the summary's own divide by the whole day's hours."""
        super().__init__()
        self.summary = summary
        self.leave = leave
        self.utilisation = utilisation
        self.doctors_utilisation = doctors_utilisation or {}

    def compose(self) -> ComposeResult:
        s = self.summary
        title = "End of the day" if s.finished else "The day so far"
        with VerticalScroll(id="summary-dialog"):
            yield Label(Content(title), id="summary-title")
            yield Label(Content(
                f"{date.fromisoformat(s.day):%a %d %b %Y} · seed {s.seed} · "
                f"{s.doctors} doctors · {s.slots_created} slots · "
                f"simulated until {s.simulated_until[11:16]}"
            ), id="summary-subtitle")
            yield Static(figures_table(s, self.utilisation, self._room()),
                         id="summary-figures")
            yield DataTable(id="summary-waits", cursor_type="none", zebra_stripes=True)
            yield DataTable(id="summary-doctors", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        s = self.summary
        waits = self.query_one("#summary-waits", DataTable)
        waits.add_columns("Waits (minutes)", "called", "mean", "p90")
        for source, w in s.wait_minutes.items():
            waits.add_row(Text(source_label(source)), Text(str(w.patients), justify="right"),
                          Text(_minutes(w.mean), justify="right"),
                          Text(_minutes(w.p90), justify="right"))
        doctors = self.query_one("#summary-doctors", DataTable)
        # A narrow screen leaves the department out rather than cut the last columns.
        wide = self._room() >= 100
        doctors.add_columns("Doctor", "Name", *(["Department"] if wide else []),
                            status_label(TokenStatus.COMPLETED),
                            "Busy", "Utilisation" if s.finished else "Use so far",
                            "Overtime", "Late")
        for d in s.utilisation:
            doctors.add_row(
                Text(d.code), Text(d.name), *([Text(d.department)] if wide else []),
                Text(str(d.completed), justify="right"),
                Text(f"{d.busy_minutes:.0f}m", justify="right"),
                Text(_share(d.utilisation if s.finished
                            else self.doctors_utilisation.get(d.code)), justify="right"),
                Text(f"{d.overtime_minutes:.0f}m" if d.overtime_minutes else "",
                     justify="right"),
                Text(f"{d.late_start_minutes}m" if d.late_start_minutes else "",
                     justify="right"),
                key=d.code,
            )
        dialog = self.query_one("#summary-dialog")
        dialog.border_title = "Simulation"
        dialog.border_subtitle = (
            f"r new day (seed {s.seed + 1}) · Enter back to the day · q {self.leave.lower()}"
        )
        doctors.focus(scroll_visible=False)

    def _room(self) -> int:
        """Cells across the dialog's content (110 wide, less on a narrow screen), less
        its border, padding and scrollbar."""
        return min(110, self.app.size.width) - 6

    def action_dismiss_summary(self) -> None:
        self.dismiss(None)

    def action_restart(self) -> None:
        self.dismiss("restart")

    def action_quit_simulation(self) -> None:
        self.dismiss("quit")
