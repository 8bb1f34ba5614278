"""Handing an absent doctor's day to a colleague (rule 20), seen before it is done.

The colleagues of the doctor's department are listed with their day's seats;
the one under the cursor gets a preview, by the engine's own rules rolled back,
of where each patient would land. One key (`y`, or Enter) hands the day over;
the modal returns the `Handover` and the desk does it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.enums import TokenStatus
from ...domain.models import Doctor, DoctorDay, SlotSummary, Token
from ...domain.vocabulary import status_word
from ...errors import OPDError
from ..widgets.fault_banner import READ, DatabaseFaulted, fault_of, is_fault
from .dialog import Dialog


@dataclass(frozen=True)
class Landing:
    """One patient of the absent doctor's day: where they are, where they would go."""

    token: Token
    came_from: SlotSummary | None
    #: The token as the handover leaves it; None: it stays (the patient already
    #: holds a token with the colleague that day, rule 15).
    lands: Token | None = None
    slot: SlotSummary | None = None


@dataclass(frozen=True)
class Handover:
    """The answer: hand `doctor`'s `day` to `colleague`; the preview moved `expected`."""

    doctor: Doctor
    colleague: Doctor
    day: date
    expected: int


def landing_words(landing: Landing) -> str:
    if landing.lands is None:
        return "stays (already booked with them)"
    where = f"{landing.slot.start:%H:%M}" if landing.slot is not None else "?"
    return f"{where} {status_word(landing.lands.status)}"


class ReassignModal(Dialog[Handover | None]):
    """Colleagues, a preview for the one under the cursor, and one key to hand over."""

    CSS_PATH = "reassign.tcss"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("y", "hand_over", "Hand over"),
    ]

    def __init__(
        self,
        doctor: Doctor,
        day: date,
        colleagues: Sequence[DoctorDay],
        preview: Callable[[Doctor], list[Landing]],
    ) -> None:
        super().__init__()
        self.doctor = doctor
        self.day = day
        self.colleagues = list(colleagues)
        self.preview = preview
        #: The colleague whose preview is shown, and its landings.
        self.shown: tuple[Doctor, list[Landing]] | None = None

    def compose(self) -> ComposeResult:
        department = self.doctor.department
        with Vertical(classes="dialog reassign"):
            yield Label(Content(f"Hand over Dr {self.doctor.name}'s day ({self.doctor.code}) · "
                                f"{self.day:%a %d %b %Y}"), classes="dialog-title")
            yield Static(Content(
                f"To a colleague{f' in {department}' if department else ''}: each patient keeps "
                "their number and goes to the same time, else the next free seat; nobody "
                "is bumped."), classes="dialog-subtitle")
            yield OptionList(*(self._option(d) for d in self.colleagues), id="colleagues")
            yield Static("", id="landing-summary")
            yield DataTable(id="landings", cursor_type="none", zebra_stripes=True)
            with Horizontal(classes="buttons"):
                yield Button("Hand over (y)", id="hand-over", variant="warning", disabled=True)
                yield Button("Cancel (Esc)", id="cancel")

    @staticmethod
    def _option(colleague: DoctorDay) -> Option:
        d = colleague.doctor
        seats = (f"{colleague.booked} booked of {colleague.capacity} seats"
                 if colleague.capacity else "no open slot this day")
        return Option(Text.assemble((f"{d.code:<6} ", "bold"), d.name, ("  ·  " + seats, "dim"),
                                    no_wrap=True, overflow="ellipsis"), id=str(d.id))

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#landings", DataTable)
        for key, label in (("number", "Token"), ("name", "Patient"), ("from", "Now"),
                           ("to", "Goes to")):
            table.add_column(label, key=key)
        colleagues = self.query_one("#colleagues", OptionList)
        if not self.colleagues:
            where = f"in {self.doctor.department}" if self.doctor.department else "on the desk"
            self._summary(f"No other active doctor {where} to hand over to.")
            self.query_one("#landings").display = False
            self.query_one("#cancel", Button).focus()
            colleagues.display = False
            return
        colleagues.highlighted = 0
        colleagues.focus()

    # -- the preview ----------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#colleagues")
    def _colleague_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        colleague = self.colleagues[event.option_index].doctor
        self.shown = None
        self.query_one("#hand-over", Button).disabled = True
        self._summary(f"Where each patient would go with Dr {colleague.name}: reading…")
        self._preview(colleague)

    @work(thread=True, exclusive=True, group="reassign-preview", exit_on_error=False)
    def _preview(self, colleague: Doctor) -> None:
        try:
            landings = self.preview(colleague)
        except Exception as error:  # noqa: BLE001 - said here, never a crash
            if is_fault(error):
                self.app.post_message(DatabaseFaulted(error, READ))
            self.app.call_from_thread(self._refused, colleague, error)
            return
        self.app.call_from_thread(self._show, colleague, landings)

    def _current(self) -> Doctor | None:
        index = self.query_one("#colleagues", OptionList).highlighted
        return self.colleagues[index].doctor if index is not None else None

    def _refused(self, colleague: Doctor, error: BaseException) -> None:
        if not self.is_attached or self._current() != colleague:
            return
        if isinstance(error, OPDError) and not is_fault(error):
            self._summary(f"Dr {colleague.name} cannot take this day: {error}")
        else:
            fault = fault_of(error, READ)
            self._summary(f"No preview. {fault.title}: {fault.message}")
        self.query_one("#landings", DataTable).clear()

    def _show(self, colleague: Doctor, landings: list[Landing]) -> None:
        if not self.is_attached or self._current() != colleague:
            return  # the cursor moved on meanwhile
        table = self.query_one("#landings", DataTable)
        table.clear()
        for landing in landings:
            came = landing.came_from
            table.add_row(
                Text(landing.token.number), Text(landing.token.patient_name),
                Text(f"{came.start:%H:%M} {status_word(landing.token.status)}" if came else "-"),
                Text(landing_words(landing)),
                key=str(landing.token.id),
            )
        moving = [landing for landing in landings if landing.lands is not None]
        if not landings:
            self._summary(f"Dr {self.doctor.name} has no patients left this day to hand over.")
            return
        waitlisted = sum(1 for landing in moving if landing.lands and
                         landing.lands.status is TokenStatus.WAITLISTED)
        stays = len(landings) - len(moving)
        words = [f"{len(moving)} patient{'s' * (len(moving) != 1)} go to Dr {colleague.name}"]
        if waitlisted:
            words.append(f"{waitlisted} of them {status_word(TokenStatus.WAITLISTED)}")
        if stays:
            words.append(f"{stays} stay{'s' * (stays == 1)}")
        self._summary("; ".join(words) + (". y to hand over." if moving else "."))
        self.shown = (colleague, landings)
        self.query_one("#hand-over", Button).disabled = not moving

    def _summary(self, text: str) -> None:
        self.query_one("#landing-summary", Static).update(Content(text))

    # -- the answer -------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#colleagues")
    def _selected(self) -> None:
        self.action_hand_over()

    @on(Button.Pressed, "#hand-over")
    def _pressed(self) -> None:
        self.action_hand_over()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_hand_over(self) -> None:
        if self.shown is None or self._current() != self.shown[0]:
            return  # no preview yet for the doctor under the cursor: nothing to confirm
        colleague, landings = self.shown
        moving = sum(1 for landing in landings if landing.lands is not None)
        if moving:
            self.dismiss(Handover(self.doctor, colleague, self.day, moving))
