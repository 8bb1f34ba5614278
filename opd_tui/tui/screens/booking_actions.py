"""Booking a token and seating an emergency."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.content import Content

from ...domain.enums import EventKind, Source, TokenStatus
from ...domain.models import Doctor, Event, SlotSummary, SlotView, Token
from ...domain.vocabulary import event_word, source_word, status_word
from ...errors import OPDError
from ..modals import BookingForm, BookingRequest, EmergencyModal
from .commands import DeskCommands, label

#: Keys typed while the emergency form is being opened wait for it.
EMERGENCY_OPENING = "opening the emergency form"


class BookingActions(DeskCommands):
    """b and !: the booking form, and an emergency seated in the doctor's current slot."""

    def action_book(self) -> None:
        if self.snapshot is None:
            return
        selection = self.selection
        request = BookingRequest(
            day=selection.day,
            doctors=[d.doctor for d in self.snapshot.days],
            slots=self.snapshot.slots,
            doctor_id=selection.doctor_id,
            slot_id=selection.slot_id,
        )
        self.app.push_screen(BookingForm(request, self.perform_book, self.engine.patient),
                             self._booked)

    def perform_book(self, values: dict[str, Any]) -> tuple[Token, str]:
        # A walk-in stands at the counter: seated, they are in the hall and wait to be
        # called. The engine checks in only a booking for today (rule 22); the words
        # follow the status it returns.
        walk_in = Source.parse(values["source"]) is Source.WALKIN
        token, events = self.own(lambda: self.engine.book(
            values["slot_id"], values["patient_name"], values["source"],
            patient_ref=values["patient_ref"], now=self.command_now(), in_hall=walk_in,
            age=values["age"], sex=values["sex"],
        ))
        message = self.booking_words(token, events)
        self.app.call_from_thread(self.desk.say, message)
        return token, message

    def booking_words(self, token: Token, events: list[Event]) -> str:
        """What a booking did, in the desk's words. Runs in the command's worker."""
        try:
            view: SlotView | None = self.engine.slot_view(token.slot_id, now=self.now())
        except OPDError:
            view = None  # booked all the same: the words do without the slot's counts
        shown = self.snapshot.slots if self.snapshot is not None else []
        slot = view or next((s for s in shown if s.id == token.slot_id), None)
        when = label(slot) if slot is not None else "its slot"
        if slot is not None and slot.start.date() != self.now().date():
            when = f"{slot.start:%a %d %b} {when}"
        if token.status == TokenStatus.WAITLISTED:
            waiting = view.waitlist if view is not None else []
            place = next((i + 1 for i, t in enumerate(waiting) if t.id == token.id), 0)
            first = (f"Slot full: {token.number} {status_word(token.status)}"
                     f"{f' #{place}' if place else ''} for {when}")
        elif token.source == Source.EMERGENCY:
            over = ""
            if token.overbooked:
                overbooked = event_word(EventKind.OVERBOOKED)
                over = (f" ({overbooked} {view.occupancy}/{view.capacity})" if view is not None
                        else f" ({overbooked})")
            first = f"{token.number} {source_word(token.source)} seated {when}{over}"
        else:
            first = f"{token.number} {event_word(EventKind.BOOKED)} {when}"
        if token.status == TokenStatus.CHECKED_IN:
            first += f", {status_word(token.status)}"
        return self.sentence(first, self.consequences(events, token.id))

    def _booked(self, token: Token | None) -> None:
        if token is not None:
            self.after_command(token.id)

    def action_emergency(self) -> None:
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is None or self.snapshot is None:
            return
        # The name typed straight after ! belongs to the form that opens once the
        # slot is read, not to the desk's keys (typeahead.py).
        self.desk.hold_keys(EMERGENCY_OPENING)
        self._open_emergency(doctor)

    @work(thread=True, exclusive=True, group="emergency", exit_on_error=False)
    def _open_emergency(self, doctor: Doctor) -> None:
        """Find the doctor's current (or next) slot, then ask for the patient."""
        try:
            slot = self.engine.emergency_slot(doctor.id, now=self.now())
        except Exception as error:  # noqa: BLE001
            self.app.call_from_thread(self._emergency_not_opened, error)
            return
        self.app.call_from_thread(self._ask_emergency, doctor, slot)

    def _emergency_not_opened(self, error: BaseException) -> None:
        self.desk.release_keys(EMERGENCY_OPENING)
        self.command_failed(error)

    def _ask_emergency(self, doctor: Doctor, slot: SlotSummary | None) -> None:
        try:
            self._show_emergency(doctor, slot)
        finally:
            self.desk.release_keys(EMERGENCY_OPENING)  # a form opened holds them itself

    def _show_emergency(self, doctor: Doctor, slot: SlotSummary | None) -> None:
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
        token, events = self.own(lambda: self.engine.emergency(
            values["doctor_id"], values["patient_name"], patient_ref=values["patient_ref"],
            now=self.command_now(), in_hall=True,
        ))
        message = self.booking_words(token, events)
        self.app.call_from_thread(self.desk.say, message)
        return token, message
