"""A slot's seats, closing it, and a doctor running late."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.content import Content

from ...domain import inputs
from ...domain.models import SlotSummary
from ..modals import ConfirmModal, NumberPrompt
from ..modals.form import model_problems
from .commands import DeskCommands, Outcome, label


class SlotActions(DeskCommands):
    """Capacity and closing of the selected slot; the selected doctor's delay."""

    def action_capacity(self) -> None:
        slot = self.selection.slot
        if slot is None:
            return

        def check(text: str) -> str | None:
            return model_problems(inputs.CapacityChange,
                                  {"slot_id": slot.id, "capacity": text}).get("capacity")

        def perform(values: dict[str, Any]) -> tuple[Any, str]:
            changed, events = self.own(lambda: self.engine.set_capacity(
                slot.id, int(values["number"]), now=self.command_now()))
            return changed, self.sentence(
                f"{label(slot)} capacity {slot.capacity} → {changed.capacity}",
                self.consequences(events, None),
            )

        self.app.push_screen(
            NumberPrompt("Change capacity", Content(self._slot_words(slot)), "Seats in this slot",
                         slot.capacity, check, self._said(perform)),
            self._after_form,
        )

    def action_close_slot(self) -> None:
        slot = self.selection.slot
        if slot is None:
            return
        if not slot.bookable:  # nothing to ask about: the engine would refuse anyway
            self.desk.say_error(f"Slot {label(slot)} is {slot.status.lower()}; nothing to close.")
            return
        question = Content(
            f"Close {self._slot_words(slot)}?\nIts {slot.occupancy + slot.waitlisted} patient(s) "
            "go to the doctor's later slots."
        )

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def perform(now: datetime | None) -> Outcome:
                _, events = self.own(lambda: self.engine.close_slot(slot.id, now=now))
                moved = self.consequences(events, None)
                return self.sentence(f"Slot {label(slot)} closed", moved), None

            self.run_command(perform)

        self.app.push_screen(ConfirmModal("Close slot", question, yes="Close slot"), answered)

    def _slot_words(self, slot: SlotSummary) -> str:
        doctor = self.doctor(slot.doctor_id)
        name = f"Dr {doctor.name}'s " if doctor else ""
        seats = f"{slot.occupancy}/{slot.capacity} seated, {slot.waitlisted} waiting"
        return f"{name}{label(slot)} slot ({seats})"

    def action_delay(self) -> None:
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is None:
            return

        def check(text: str) -> str | None:
            return model_problems(inputs.Delay, {"doctor_id": doctor.id, "minutes": text}).get("minutes")

        def perform(values: dict[str, Any]) -> tuple[Any, str]:
            minutes = int(values["number"])
            shifted = self.engine.delay_doctor(doctor.id, minutes, now=self.command_now())
            if not shifted:
                return shifted, f"Dr {doctor.name} has no slot left to delay today"
            return shifted, (f"Dr {doctor.name} delayed {minutes} min: {len(shifted)} slot(s) "
                             f"now from {shifted[0].start:%H:%M}")

        self.app.push_screen(
            NumberPrompt("Doctor delay", Content(f"Dr {doctor.name}: shift today's coming slots by"),
                         "Minutes (1-240)", 15, check, self._said(perform), submit="Delay"),
            self._after_form,
        )

