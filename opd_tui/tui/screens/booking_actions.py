"""Booking a token and seating an emergency."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from ...domain.enums import Source, TokenStatus
from ...domain.models import Token
from ..modals import BookingForm, BookingRequest, EmergencyModal
from .commands import DeskCommands, label


class BookingActions(DeskCommands):
    """b and !: the booking form, and an emergency seated in the doctor's current slot."""

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
        # A walk-in stands at the counter: seated, they are in the hall and wait to be called.
        walk_in = Source.parse(values["source"]) is Source.WALKIN
        token = self.engine.book(values["slot_id"], values["patient_name"], values["source"],
                                 patient_ref=values["patient_ref"], now=self.now(),
                                 in_hall=walk_in)
        message = self.booking_words(token, before)
        self.app.call_from_thread(self.desk.say, message)
        return token, message

    def booking_words(self, token: Token, before: int) -> str:
        slot = self.engine.slot_view(token.slot_id, now=self.now())
        when = label(slot)
        if token.status == TokenStatus.WAITLISTED:
            place = next((i + 1 for i, t in enumerate(slot.waitlist) if t.id == token.id), 0)
            first = f"Slot full: {token.number} waitlisted #{place} for {when}"
        elif token.source == Source.EMERGENCY:
            over = f" (overbooked {slot.occupancy}/{slot.capacity})" if token.overbooked else ""
            first = f"{token.number} emergency seated {when}{over}"
        else:
            first = f"{token.number} booked {when}"
        if token.status == TokenStatus.CHECKED_IN:
            first += ", checked in"
        return self.sentence(first, self.consequences(before, token.id))

    def _booked(self, token: Token | None) -> None:
        if token is not None:
            self.after_command(token.id)

    def action_emergency(self) -> None:
        doctor = self.doctor(self.selected_doctor_id)
        if doctor is None or self.snapshot is None:
            return
        slot = self.engine.emergency_slot(doctor.id, now=self.now())
        if slot is None:
            self.desk.say_error(f"Dr {doctor.name} has no open slot left today; choose another doctor.")
            return
        current = slot.start <= self.now()
        full = slot.occupancy >= slot.capacity
        where = Content(
            f"Dr {doctor.name}, {'current' if current else 'next'} slot {label(slot)} "
            f"({slot.occupancy}/{slot.capacity}{', will overbook' if full else ''})"
        )
        self.app.push_screen(EmergencyModal(doctor.id, where, self.perform_emergency), self._booked)

    def perform_emergency(self, values: dict[str, Any]) -> tuple[Token, str]:
        before = self.engine.last_event_id()
        token = self.engine.emergency(values["doctor_id"], values["patient_name"],
                                      patient_ref=values["patient_ref"], now=self.now(),
                                      in_hall=True)
        message = self.booking_words(token, before)
        self.app.call_from_thread(self.desk.say, message)
        return token, message

