"""The booking form: patient, phone or hospital number, age and sex, source, doctor, slot.

It starts from the phone or hospital number when one is typed (rule 23): a known
patient's name, age and sex fill in at once and can be changed; a new patient is
recorded with the booking. A number typed (or scanned) into the name field, as
the first thing after `b`, goes to the number field, where it was meant to go.

A walk-in goes where there is a seat: on a full slot the form takes the doctor's
next slot with a free seat ("11:00, 1 seat left") and says so; F2 waitlists on the
full slot instead (and F2 again takes the free seat). Enter books from any field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalGroup
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from ...domain import inputs
from ...domain.enums import Source, TokenStatus
from ...domain.models import Doctor, Patient, SlotSummary, Token
from ...domain.vocabulary import source_label, status_word
from ..widgets.slot_grid import cell_text
from .form import Form, model_problems

#: The form's choice of source, the usual (walk-in) first; an emergency warns that it
#: may take a seat beyond capacity.
SOURCE_CHOICES = [
    (source_label(s) + (" (may overbook)" if s is Source.EMERGENCY else ""), s.value)
    for s in sorted(Source, key=lambda s: -s.priority)
]
SEX_WORDS = {"F": "female", "M": "male", "O": "other"}
#: A slot in the list reads as a roomy grid cell does (`● 6/6 +3`), then its status.
OPTION_WIDTH = 10
#: Digits that make what is typed into the name field a phone or hospital number.
NUMBER_DIGITS = 3


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


def is_full(slot: SlotSummary) -> bool:
    return slot.occupancy >= slot.capacity


def next_free(slots: Sequence[SlotSummary], full: SlotSummary) -> SlotSummary | None:
    """The doctor's next slot after `full` with a free seat, as the desk last read it."""
    later = sorted((s for s in bookable(slots, full.doctor_id)
                    if s.start > full.start and not is_full(s)), key=lambda s: s.start)
    return later[0] if later else None


def seats_left(slot: SlotSummary) -> str:
    free = slot.capacity - slot.occupancy
    return f"{free} seat{'s' if free != 1 else ''} left"


def looks_like_a_number(text: str) -> bool:
    """A phone or hospital number rather than a name: one word with a few digits."""
    typed = text.strip()
    return (bool(typed) and not any(ch.isspace() for ch in typed)
            and sum(ch.isdecimal() for ch in typed) >= NUMBER_DIGITS)


def normal_or_none(typed: str) -> str | None:
    """The reference in its normal form (rule 23), or None while it is none yet."""
    ref = inputs.tidy_ref(typed)
    if ref is None:
        return None
    try:
        return inputs.normal_ref(ref)
    except ValueError:
        return None


class BookingForm(Form[Token]):
    TITLE_TEXT = "Book a token"
    SUBMIT_LABEL = "Book"
    STAY_OPEN = True
    FIRST_FIELD = "patient_name"

    DEFAULT_CSS = """
    BookingForm .field-pair { height: auto; }
    BookingForm .field-pair > .field { width: 1fr; }
    BookingForm .note { color: $text-muted; padding: 0 0 0 1; }
    BookingForm.-compact .note { padding: 0 0 0 19; }
    BookingForm .note.-known { color: $text-success; }
    BookingForm .note.-offer { color: $text-warning; }
    """

    BINDINGS = [
        Binding("f2", "other_slot", "Waitlist / free seat", show=False),
    ]

    def __init__(
        self,
        request: BookingRequest,
        perform: Callable[[dict[str, Any]], tuple[Token, str]],
        look_up: Callable[[str], Patient | None] | None = None,
    ) -> None:
        super().__init__(perform)
        self.request = request
        self.look_up = look_up
        #: The slot asked for (the selected cell, or the doctor's next one).
        self.requested = default_slot(request)
        #: True while the form picks the slot itself (a walk-in's free seat); False
        #: once the receptionist picks one (in the list, or with F2).
        self.auto_slot = True
        self._auto_value: int | None = None
        self._options_of = request.doctor_id  # whose slots the slot list holds
        #: What a look-up filled in, so a later one may replace it but never what
        #: the receptionist typed.
        self._filled: dict[str, str] = {}
        self._looked_up: tuple[str, Patient | None] | None = None
        self._submit_after_look_up = False
        self._number_moved = False  # a number typed into the name field went to its own

    def subtitle(self) -> Content:
        return Content(f"{self.request.day:%A %d %B %Y}")

    # -- the fields ------------------------------------------------------------

    def fields(self) -> ComposeResult:
        yield from self.field("patient_name", "Patient name",
                              Input(placeholder="as on their ID", select_on_focus=False))
        yield from self.field(
            "patient_ref", "Phone/hosp. no",
            Input(placeholder="optional: +919812345678 or H-204311", select_on_focus=False),
        )
        yield Static("", id="patient-note", classes="note")
        with Horizontal(classes="field-pair"):
            yield from self._bare_field("age", "Age", Input(
                placeholder="optional", type="integer", max_length=3))
            yield from self._bare_field("sex", "Sex", Input(
                placeholder="F, M or O", max_length=1, restrict=r"[FfMmOo]?"))
        yield Static("", id="age-problem", classes="problem")
        yield Static("", id="sex-problem", classes="problem")
        yield from self.field(
            "source", "Source",
            Select(SOURCE_CHOICES,
                   value=Source.WALKIN.value, allow_blank=False),
        )
        doctors = [(Text(f"{d.code}  {d.name}"), d.id) for d in self.request.doctors]
        yield from self.field(
            "doctor_id", "Doctor",
            Select(doctors, value=self.request.doctor_id if self.request.doctor_id else Select.NULL,
                   prompt="Choose a doctor"),
        )
        options = self._slot_options(self.request.doctor_id)
        start = self._auto_slot(self.requested, Source.WALKIN)
        self._auto_value = start
        yield from self.field(
            "slot_id", "Slot",
            Select(options, value=start if start is not None else Select.NULL, prompt="Choose a slot"),
        )
        yield Static("", id="slot-note", classes="note")

    def _bare_field(self, name: str, label: str, widget: Input) -> ComposeResult:
        """A labelled field whose problem line the caller places."""
        widget.id = name
        self.labels[name] = label
        with HorizontalGroup(classes="field"):
            yield Label(label, classes="field-label")
            yield widget

    def on_mount(self) -> None:
        self._show_patient_note(None)
        self._show_slot_note()

    def _slot_options(self, doctor_id: int | None) -> list[tuple[Text, int]]:
        return [
            (Text(f"{s.start:%H:%M}-{s.end:%H:%M}   {cell_text(s, OPTION_WIDTH)}  "
                  f"{s.status.lower()}"), s.id)
            for s in bookable(self.request.slots, doctor_id)
        ]

    def _slot(self, slot_id: Any) -> SlotSummary | None:
        return next((s for s in self.request.slots if s.id == slot_id), None)

    # -- where a walk-in goes ----------------------------------------------------

    def _auto_slot(self, requested: int | None, source: Source | None) -> int | None:
        """The slot the form takes by itself: the requested one, or for a walk-in on a
        full one, the doctor's next slot with a free seat."""
        slot = self._slot(requested)
        if slot is not None and source is Source.WALKIN and is_full(slot):
            free = next_free(self.request.slots, slot)
            if free is not None:
                return free.id
        return requested

    def _set_slot(self, slot_id: int | None, *, auto: bool) -> None:
        self.auto_slot = auto
        self._auto_value = slot_id if auto else None
        choice = self.query_one("#slot_id", Select)
        if slot_id is not None and choice.value != slot_id:
            choice.value = slot_id
        self._show_slot_note()

    def _source(self) -> Source | None:
        value = self.query_one("#source", Select).value
        return Source.parse(value) if isinstance(value, str) else None

    @on(Select.Changed, "#source")
    def _source_changed(self) -> None:
        if self.auto_slot:
            self._set_slot(self._auto_slot(self.requested, self._source()), auto=True)
        else:
            self._show_slot_note()

    @on(Select.Changed, "#doctor_id")
    def _doctor_changed(self, event: Select.Changed) -> None:
        slot = self.query_one("#slot_id", Select)
        doctor_id = event.value if isinstance(event.value, int) else None
        if doctor_id == self._options_of:
            return  # the list holds this doctor's slots already
        self._options_of = doctor_id
        options = self._slot_options(doctor_id)
        current = slot.value
        slot.set_options(options)
        if any(v == current for _, v in options):
            slot.value = current
            self._show_slot_note()
            return
        self.requested = options[0][1] if options else None
        self._set_slot(self._auto_slot(self.requested, self._source()), auto=True)

    @on(Select.Changed, "#slot_id")
    def _slot_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL and event.value != self._auto_value:  # by hand
            self.auto_slot = False
            self._auto_value = None
        self._show_slot_note()

    def action_other_slot(self) -> None:
        """F2: a full slot's waitlist, or the doctor's next free seat instead."""
        chosen = self._slot(self.query_one("#slot_id", Select).value)
        if chosen is None:
            return
        if is_full(chosen) and (free := next_free(self.request.slots, chosen)) is not None:
            self.requested = chosen.id
            self._set_slot(free.id, auto=False)
        elif (asked := self._slot(self.requested)) is not None and asked.id != chosen.id \
                and is_full(asked):
            self._set_slot(asked.id, auto=False)

    def _show_slot_note(self) -> None:
        note = self.query_one("#slot-note", Static)
        chosen = self._slot(self.query_one("#slot_id", Select).value)
        asked = self._slot(self.requested)
        text = ""
        if chosen is not None and is_full(chosen):
            free = next_free(self.request.slots, chosen)
            waitlisted = status_word(TokenStatus.WAITLISTED)
            text = f"{chosen.start:%H:%M} is full: " + (
                f"{waitlisted} there" if self._source() is Source.WALKIN
                else f"a seat by outranking a booking, else {waitlisted}")
            if free is not None:
                text += f" · F2: {free.start:%H:%M}, {seats_left(free)}"
        elif (chosen is not None and asked is not None and asked.id != chosen.id
              and is_full(asked)):
            text = (f"{asked.start:%H:%M} is full → {chosen.start:%H:%M}, {seats_left(chosen)}"
                    f" · F2: waitlist on {asked.start:%H:%M} instead")
        note.update(Content(text))
        note.display = bool(text)
        note.set_class(bool(text), "-offer")

    # -- the patient, from the number ---------------------------------------------

    @on(Input.Changed, "#patient_name")
    def _name_changed(self, event: Input.Changed) -> None:
        ref = self.query_one("#patient_ref", Input)
        name = event.input
        typed = name.value.strip()
        if not typed:
            return
        if self._number_moved and not name.has_focus and not any(c.isspace() for c in typed):
            # The rest of a burst, typed before the number moved, reaching the
            # name field after it: it is more of the number.
            ref.value, name.value = ref.value + typed, ""
            ref.cursor_position = len(ref.value)
        elif not ref.value and looks_like_a_number(typed):
            # A number typed (or scanned) where the name goes: it is the number.
            self._number_moved = True
            ref.value, name.value = typed, ""
            ref.focus()
            ref.cursor_position = len(ref.value)

    @on(Input.Changed, "#sex")
    def _sex_changed(self, event: Input.Changed) -> None:
        if event.value != event.value.upper():
            event.input.value = event.value.upper()

    @on(Input.Changed, "#patient_ref")
    def _ref_changed(self, event: Input.Changed) -> None:
        key = normal_or_none(event.value)
        if key is None:
            self._looked_up = None
            self._show_patient_note(None)
            return
        if self._looked_up is None or self._looked_up[0] != key:
            self._looked_up = None
            self._look_up(key)

    @work(thread=True, exclusive=True, group="patient", exit_on_error=False)
    def _look_up(self, key: str) -> None:
        try:
            patient = self.look_up(key) if self.look_up is not None else None
        except Exception:  # noqa: BLE001 - a failed look-up costs only the filling in
            patient = None
        self.app.call_from_thread(self._found, key, patient)

    def _found(self, key: str, patient: Patient | None) -> None:
        if not self.is_attached or normal_or_none(
                self.query_one("#patient_ref", Input).value) != key:
            return  # typed on since
        self._looked_up = (key, patient)
        if patient is not None and not self.done:
            self._fill("patient_name", patient.name)
            self._fill("age", "" if patient.age is None else str(patient.age))
            self._fill("sex", patient.sex.value if patient.sex is not None else "")
        self._show_patient_note(patient)
        if self._submit_after_look_up:
            self._submit_after_look_up = False
            self.action_submit()

    def _fill(self, name: str, value: str) -> None:
        """Fill a field in from the record, unless the receptionist typed into it."""
        box = self.query_one(f"#{name}", Input)
        if box.value in ("", self._filled.get(name)):
            self._filled[name] = value
            box.value = value

    def _show_patient_note(self, patient: Patient | None) -> None:
        note = self.query_one("#patient-note", Static)
        if self._looked_up is None:
            text = ""
        elif patient is None:
            text = "New patient: recorded with this booking"
        else:
            about = ", ".join(x for x in (
                str(patient.age) if patient.age is not None else "",
                SEX_WORDS.get(patient.sex.value, "") if patient.sex is not None else "") if x)
            typed = self.query_one("#patient_name", Input).value.strip()
            differs = typed and typed != patient.name
            text = f"On record: {patient.name}{f' ({about})' if about else ''}" + (
                "; the name typed is kept" if differs else "")
        note.update(Content(text))
        note.display = bool(text)
        note.set_class(patient is not None, "-known")

    # -- submitting ----------------------------------------------------------------

    def action_submit(self) -> None:
        key = normal_or_none(self.query_one("#patient_ref", Input).value)
        waiting = (self.look_up is not None and key is not None and not self.done
                   and (self._looked_up is None or self._looked_up[0] != key))
        if waiting:
            # Enter straight after the number (a scanner's Enter): book once the
            # record is read, with the name it fills in.
            self._submit_after_look_up = True
            if not any(w.group == "patient" and not w.is_finished for w in self.workers):
                self._look_up(key)
            return
        super().action_submit()

    def values(self) -> dict[str, Any]:
        def chosen(name: str) -> Any:
            value = self.query_one(f"#{name}", Select).value
            return None if value is Select.NULL else value

        age = self.query_one("#age", Input).value.strip()
        return {
            "patient_name": self.query_one("#patient_name", Input).value,
            "patient_ref": inputs.tidy_ref(self.query_one("#patient_ref", Input).value),
            "age": int(age) if age.isdecimal() else (age or None),
            "sex": self.query_one("#sex", Input).value.strip().upper() or None,
            "source": chosen("source"),
            "doctor_id": chosen("doctor_id"),
            "slot_id": chosen("slot_id"),
        }

    def problems(self, values: dict[str, Any]) -> dict[str, str]:
        found = model_problems(
            inputs.NewBooking,
            {k: values[k] for k in ("slot_id", "patient_name", "source", "patient_ref", "age",
                                    "sex")},
        )
        if values["doctor_id"] is None:
            found["doctor_id"] = "choose a doctor"
        if values["slot_id"] is None:
            found["slot_id"] = (
                "this doctor has no open slot on this day" if values["doctor_id"] else "choose a slot"
            )
        order = ["patient_name", "patient_ref", "age", "sex", "source", "doctor_id", "slot_id"]
        return {k: found[k] for k in order if k in found}
