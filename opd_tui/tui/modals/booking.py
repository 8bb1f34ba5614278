"""The booking form: patient, phone or hospital number, source, doctor and slot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Select

from ...domain import inputs
from ...domain.enums import Source
from ...domain.models import Doctor, SlotSummary, Token
from ..widgets.slot_grid import cell_text
from .form import Form, model_problems

SOURCE_WORDS = {
    Source.WALKIN: "Walk-in",
    Source.ONLINE: "Online",
    Source.FOLLOWUP: "Follow-up",
    Source.PAID: "Paid",
    Source.EMERGENCY: "Emergency (may overbook)",
}


@dataclass(frozen=True)
class BookingRequest:
    """What the form starts from: the day's doctors and slots, and the selected cell."""

    day: date
    doctors: Sequence[Doctor]
    slots: Sequence[SlotSummary]
    doctor_id: int | None = None
    slot_id: int | None = None


def bookable(slots: Sequence[SlotSummary], doctor_id: int | None) -> list[SlotSummary]:
    return [
        s for s in slots
        if s.doctor_id == doctor_id and s.bookable
    ]


def default_slot(request: BookingRequest) -> int | None:
    """The selected cell's slot when it takes bookings; else the doctor's next one
    that does (an ended or closed cell means "the next slot" at a desk)."""
    choices = sorted(bookable(request.slots, request.doctor_id), key=lambda s: s.start)
    if any(s.id == request.slot_id for s in choices):
        return request.slot_id
    selected = next((s for s in request.slots if s.id == request.slot_id), None)
    later = [s for s in choices if selected is None or s.start >= selected.start]
    first = (later or choices)[:1]
    return first[0].id if first else None


class BookingForm(Form[Token]):
    TITLE_TEXT = "Book a token"
    SUBMIT_LABEL = "Book"
    STAY_OPEN = True
    FIRST_FIELD = "patient_name"

    def __init__(
        self, request: BookingRequest, perform: Callable[[dict[str, Any]], tuple[Token, str]]
    ) -> None:
        super().__init__(perform)
        self.request = request

    def subtitle(self) -> Content:
        return Content(f"{self.request.day:%A %d %B %Y}")

    def fields(self) -> ComposeResult:
        yield from self.field("patient_name", "Patient name", Input(placeholder="as on their ID"))
        yield from self.field(
            "patient_ref", "Phone/hosp. no",
            Input(placeholder="optional: +919812345678 or H-204311"),
        )
        yield from self.field(
            "source", "Source",
            Select([(label, s.value) for s, label in SOURCE_WORDS.items()],
                   value=Source.WALKIN.value, allow_blank=False),
        )
        doctors = [(Text(f"{d.code}  {d.name}"), d.id) for d in self.request.doctors]
        yield from self.field(
            "doctor_id", "Doctor",
            Select(doctors, value=self.request.doctor_id if self.request.doctor_id else Select.NULL,
                   prompt="Choose a doctor"),
        )
        options = self._slot_options(self.request.doctor_id)
        start = default_slot(self.request)
        yield from self.field(
            "slot_id", "Slot",
            Select(options, value=start if start is not None else Select.NULL, prompt="Choose a slot"),
        )

    def _slot_options(self, doctor_id: int | None) -> list[tuple[Text, int]]:
        return [
            (Text(f"{s.start:%H:%M}-{s.end:%H:%M}   {cell_text(s)}  {s.status.lower()}"), s.id)
            for s in bookable(self.request.slots, doctor_id)
        ]

    @on(Select.Changed, "#doctor_id")
    def _doctor_changed(self, event: Select.Changed) -> None:
        slot = self.query_one("#slot_id", Select)
        doctor_id = event.value if isinstance(event.value, int) else None
        options = self._slot_options(doctor_id)
        current = slot.value
        slot.set_options(options)
        if any(v == current for _, v in options):
            slot.value = current
        elif options:
            slot.value = options[0][1]

    def values(self) -> dict[str, Any]:
        def chosen(name: str) -> Any:
            value = self.query_one(f"#{name}", Select).value
            return None if value is Select.NULL else value

        return {
            "patient_name": self.query_one("#patient_name", Input).value,
            "patient_ref": inputs.tidy_ref(self.query_one("#patient_ref", Input).value),
            "source": chosen("source"),
            "doctor_id": chosen("doctor_id"),
            "slot_id": chosen("slot_id"),
        }

    def problems(self, values: dict[str, Any]) -> dict[str, str]:
        found = model_problems(
            inputs.NewBooking,
            {k: values[k] for k in ("slot_id", "patient_name", "source", "patient_ref")},
        )
        if values["doctor_id"] is None:
            found["doctor_id"] = "choose a doctor"
        if values["slot_id"] is None:
            found["slot_id"] = (
                "this doctor has no open slot on this day" if values["doctor_id"] else "choose a slot"
            )
        order = ["patient_name", "patient_ref", "source", "doctor_id", "slot_id"]
        return {k: found[k] for k in order if k in found}
