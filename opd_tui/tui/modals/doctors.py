"""Doctor management: add, edit, deactivate, and generate a day's slots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, Label, Static

from ...domain import inputs
from ...domain.models import Doctor
from ..widgets.fault_banner import READ, DatabaseFaulted, fault_of
from .dialog import Dialog
from .form import Form, model_problems


def parse_time(text: str) -> time | str:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        return text


class DoctorForm(Form[Doctor]):
    """Add a doctor, or edit one (the code, printed on every token, stays)."""

    SUBMIT_LABEL = "Save"
    FIRST_FIELD = "name"

    def __init__(
        self, doctor: Doctor | None, perform: Callable[[dict[str, Any]], tuple[Doctor, str]]
    ) -> None:
        super().__init__(perform)
        self.doctor = doctor
        self.TITLE_TEXT = "Add a doctor" if doctor is None else "Edit doctor"

    def fields(self) -> ComposeResult:
        d = self.doctor
        yield from self.field("name", "Name", Input(d.name if d else "", placeholder="shown as Dr ..."))
        yield from self.field("code", "Code", Input(d.code if d else "", disabled=d is not None,
                                                    placeholder="1-6 of A-Z 0-9, starts token numbers"))
        yield from self.field("department", "Department", Input(d.department or "" if d else ""))
        yield from self.field("room", "Room", Input(d.room or "" if d else ""))
        yield from self.field("consult_minutes", "Minutes/patient",
                              Input(str(d.consult_minutes if d else 10), type="integer"))

    def values(self) -> dict[str, Any]:
        def text(name: str) -> str:
            return self.query_one(f"#{name}", Input).value

        minutes = text("consult_minutes")
        return {
            "name": text("name"),
            "code": text("code"),
            "department": text("department") or None,
            "room": text("room") or None,
            "consult_minutes": int(minutes) if minutes.strip().lstrip("-").isdigit() else minutes,
        }

    def problems(self, values: dict[str, Any]) -> dict[str, str]:
        return model_problems(inputs.NewDoctor, values)


class ScheduleForm(Form[list]):
    """A session cut into equal slots: start, end, slot length and seats per slot."""

    TITLE_TEXT = "Generate slots"
    SUBMIT_LABEL = "Generate"
    FIRST_FIELD = "start"

    def __init__(
        self, doctor: Doctor, day: date, perform: Callable[[dict[str, Any]], tuple[list, str]]
    ) -> None:
        super().__init__(perform)
        self.doctor = doctor
        self.day = day

    def subtitle(self) -> Content:
        return Content(f"Dr {self.doctor.name} on {self.day:%A %d %B %Y}")

    def fields(self) -> ComposeResult:
        yield from self.field("start", "From (HH:MM)", Input("09:00"))
        yield from self.field("end", "Until (HH:MM)", Input("13:00"))
        yield from self.field("slot_minutes", "Minutes per slot", Input("60", type="integer"))
        yield from self.field("capacity", "Seats per slot", Input("6", type="integer"))

    def values(self) -> dict[str, Any]:
        def number(name: str) -> Any:
            text = self.query_one(f"#{name}", Input).value
            return int(text) if text.strip().isdigit() else text

        return {
            "doctor_id": self.doctor.id,
            "day": self.day,
            "start": parse_time(self.query_one("#start", Input).value),
            "end": parse_time(self.query_one("#end", Input).value),
            "slot_minutes": number("slot_minutes"),
            "capacity": number("capacity"),
        }

    def problems(self, values: dict[str, Any]) -> dict[str, str]:
        found = model_problems(inputs.DaySchedule, values)
        for name in ("start", "end"):
            if isinstance(values[name], str):
                found[name] = "a time like 09:00"
        return found


class DoctorsScreen(Dialog[None]):
    """Every doctor, active or not, with the keys that manage them."""

    BINDINGS = [
        Binding("a", "add", "Add doctor"),
        Binding("e", "edit", "Edit"),
        Binding("x", "toggle_active", "Deactivate/activate"),
        Binding("w", "week", "Week & leave"),
        Binding("r", "hand_over", "Hand over day"),
        Binding("g", "generate", "Generate slots"),
        Binding("escape", "dismiss(None)", "Close"),
    ]

    def __init__(self, desk: Any) -> None:
        super().__init__()
        self.desk = desk
        self.doctors: list[Doctor] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog doctors"):
            yield Label("Doctors", classes="dialog-title")
            yield Label(
                Content(f"Slots are generated for {self.desk.selection.day:%A %d %B %Y}"
                        " (the day on the desk)"),
                classes="dialog-subtitle",
            )
            yield Static("", id="doctors-fault")
            yield DataTable(id="doctor-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("code", "Code"), ("name", "Name"), ("dept", "Department"),
                           ("room", "Room"), ("minutes", "Min/pt"), ("active", "Active")):
            table.add_column(label, key=key)
        table.focus()
        self.reload()

    @work(thread=True, exclusive=True, group="doctors", exit_on_error=False)
    def reload(self, select: int | None = None) -> None:
        try:
            doctors = self.desk.engine.doctors()
        except Exception as error:  # noqa: BLE001 - said, never a crash
            self.app.post_message(DatabaseFaulted(error, READ))
            fault = fault_of(error, READ)
            self.app.call_from_thread(self._failed, f"{fault.title}: {fault.message}")
            return
        self.app.call_from_thread(self._show, doctors, select)

    def _failed(self, text: str) -> None:
        if self.is_attached:
            self.query_one("#doctors-fault", Static).update(Content(text))
            self.query_one("#doctors-fault", Static).display = True

    def _show(self, doctors: Sequence[Doctor], select: int | None) -> None:
        if not self.is_attached:
            return
        self.query_one("#doctors-fault", Static).display = False
        table = self.query_one(DataTable)
        row = table.cursor_row
        self.doctors = list(doctors)
        table.clear()
        for d in doctors:
            table.add_row(
                Text(d.code), Text(d.name), Text(d.department or "-"), Text(d.room or "-"),
                Text(str(d.consult_minutes)), Text("yes" if d.active else "no"), key=str(d.id),
            )
        if select is not None:
            row = next((i for i, d in enumerate(doctors) if d.id == select), row)
        if doctors:
            table.move_cursor(row=min(row, len(doctors) - 1))

    @property
    def selected(self) -> Doctor | None:
        row = self.query_one(DataTable).cursor_row
        return self.doctors[row] if 0 <= row < len(self.doctors) else None

    def _after(self, result: Any) -> None:
        if isinstance(result, Doctor):
            self.reload(result.id)
        else:
            self.reload()

    def action_add(self) -> None:
        self.app.push_screen(DoctorForm(None, self.desk.perform_add_doctor), self._added)

    def _added(self, result: Any) -> None:
        """A new doctor: on to their week, so the days appear (Esc skips it)."""
        self._after(result)
        if isinstance(result, Doctor):
            self.desk.open_week(result, done=lambda: self.reload(result.id))

    def action_week(self) -> None:
        if (doctor := self.selected) is not None:
            self.desk.open_week(doctor, done=lambda: self.reload(doctor.id))

    def action_hand_over(self) -> None:
        if (doctor := self.selected) is not None:
            self.desk.hand_over(doctor, done=lambda: self.reload(doctor.id))

    def action_edit(self) -> None:
        if (doctor := self.selected) is not None:
            self.app.push_screen(DoctorForm(doctor, self.desk.perform_edit_doctor(doctor)), self._after)

    def action_toggle_active(self) -> None:
        if (doctor := self.selected) is None:
            return
        self.desk.set_doctor_active(doctor, not doctor.active, done=lambda: self.reload(doctor.id))

    def action_generate(self) -> None:
        doctor = self.selected
        if doctor is None:
            return
        if not doctor.active:
            self.notify(f"Dr {doctor.name} is deactivated; press x to activate first.",
                        severity="warning", markup=False)
            return
        self.app.push_screen(
            ScheduleForm(doctor, self.desk.selection.day, self.desk.perform_generate(doctor)), self._after
        )
