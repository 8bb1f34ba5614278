"""Doctor management from the desk: add, edit, deactivate, generate a day's slots."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual.content import Content

from ...domain.models import Doctor
from ..modals import ConfirmModal, DoctorForm, DoctorsScreen, ScheduleForm
from .commands import DeskCommands, Outcome


class DoctorActions(DeskCommands):
    """The doctors screen and its forms, opened from the desk."""

    def action_doctors(self) -> None:
        self.app.push_screen(DoctorsScreen(self), lambda _: self.after_command())

    def action_add_doctor(self) -> None:
        self.app.push_screen(DoctorForm(None, self.perform_add_doctor), self._after_form)

    def action_edit_doctor(self) -> None:
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is not None:
            self.app.push_screen(DoctorForm(doctor, self.perform_edit_doctor(doctor)),
                                 self._after_form)

    def action_deactivate_doctor(self) -> None:
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is not None:
            self.set_doctor_active(doctor, False)

    def action_generate(self) -> None:
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is None:
            self.action_doctors()
            return
        self.app.push_screen(ScheduleForm(doctor, self.selection.day, self.perform_generate(doctor)),
                             self._after_form)

    def perform_add_doctor(self, values: dict[str, Any]) -> tuple[Doctor, str]:
        doctor = self.engine.add_doctor(**values)
        message = (f"Dr {doctor.name} added (code {doctor.code}); set their week (w in "
                   "Doctors) and the days appear")
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
            def perform(now: datetime | None) -> Outcome:
                self.engine.set_doctor_active(doctor.id, active, now=now)
                return f"Dr {doctor.name} {'activated' if active else 'deactivated'}", None

            self.run_command(perform, then=done)

        if active:
            change()
            return
        question = Content(
            f"Deactivate Dr {doctor.name} ({doctor.code})?\nTheir slots take no new patients; "
            "those already booked stay. Past days stay on record."
        )
        self.app.push_screen(
            ConfirmModal("Deactivate doctor", question, yes="Deactivate"),
            lambda yes: change() if yes else None,
        )
