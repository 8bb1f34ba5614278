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

from ...simulation import SimulationSummary
from .widgets import pairs_table

Choice = Literal["restart", "quit"]


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def figures_table(s: SimulationSummary, utilisation: float | None = None) -> Table:
    """The day's counts, three pairs to a row (`utilisation`: so far, before the end)."""
    items: list[tuple[str, object]] = [
        ("Tokens", s.tokens_booked), ("Seen", s.completed), ("Emergencies", s.emergencies),
        ("Cancelled", s.cancellations), ("No-shows", s.no_shows), ("Expired", s.expired),
        ("Bumped", s.bumped), ("Promoted", s.promoted), ("Moved", s.moved),
        ("Waitlisted on booking", s.waitlisted_on_booking),
        ("Still waitlisted", s.waitlisted_remaining), ("Turned away", s.turned_away),
        ("Overbooked slots", s.overbooked_slots), ("Doctors late", s.doctors_late),
        ("Slots closed", s.slots_closed),
        ("Mean utilisation", _share(s.mean_utilisation)) if s.finished
        else ("Utilisation so far", _share(utilisation)),
        ("Engine operations", s.engine_operations),
        ("Refused", sum(s.refusals.values())),
    ]
    return pairs_table(items, per_row=3)


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
                f"{date.fromisoformat(s.day):%a %d %b %Y} · seed {s.seed} · {s.doctors} doctors · {s.slots_created} slots · "
                f"simulated until {s.simulated_until[11:16]}"
            ), id="summary-subtitle")
            yield Static(figures_table(s, self.utilisation), id="summary-figures")
            yield DataTable(id="summary-waits", cursor_type="none", zebra_stripes=True)
            yield DataTable(id="summary-doctors", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        s = self.summary
        waits = self.query_one("#summary-waits", DataTable)
        waits.add_columns("Waits (minutes)", "called", "mean", "p90")
        for source, w in s.wait_minutes.items():
            waits.add_row(Text(source.title()), Text(str(w.patients), justify="right"),
                          Text(_minutes(w.mean), justify="right"),
                          Text(_minutes(w.p90), justify="right"))
        doctors = self.query_one("#summary-doctors", DataTable)
        doctors.add_columns("Doctor", "Name", "Department", "Seen", "Busy",
                            "Utilisation" if s.finished else "Utilisation so far",
                            "Overrun", "Late")
        for d in s.utilisation:
            doctors.add_row(
                Text(d.code), Text(d.name), Text(d.department),
                Text(str(d.completed), justify="right"),
                Text(f"{d.busy_minutes:.0f}m", justify="right"),
                Text(_share(d.utilisation if s.finished
                            else self.doctors_utilisation.get(d.code)), justify="right"),
                Text(f"{d.overrun_minutes:.0f}m" if d.overrun_minutes else "", justify="right"),
                Text(f"{d.late_start_minutes}m" if d.late_start_minutes else "",
                     justify="right"),
                key=d.code,
            )
        dialog = self.query_one("#summary-dialog")
        dialog.border_title = "Simulation"
        dialog.border_subtitle = (
            f"r new day (seed {s.seed + 1}) · Enter back to the day · q {self.leave.lower()}"
        )
        doctors.focus()

    def action_dismiss_summary(self) -> None:
        self.dismiss(None)

    def action_restart(self) -> None:
        self.dismiss("restart")

    def action_quit_simulation(self) -> None:
        self.dismiss("quit")
