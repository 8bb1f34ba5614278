"""A token's life at the desk: check in, call, complete, no-show, cancel, move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.content import Content

from ...domain.enums import EventKind, TokenStatus
from ...domain.models import SlotSummary, Token
from ...domain.vocabulary import event_word, status_word
from ..modals import ConfirmModal
from .commands import DeskCommands, Outcome, label


class TokenActions(DeskCommands):
    """Keys on the selected token, call next for the selected doctor, and move."""

    def _token_command(
        self, token: Token, call: Callable[[int, datetime | None], Token], done: str
    ) -> None:
        def perform(now: datetime | None) -> Outcome:
            result, events = self.own(lambda: call(token.id, now))
            return self.sentence(f"{result.number} {done}", self.consequences(events, result.id)), result.id

        self.run_command(perform)

    def action_check_in(self) -> None:
        if (token := self.selection.token) is not None:
            self._token_command(token, lambda t, now: self.engine.check_in(t, now=now),
                                event_word(EventKind.CHECKED_IN))

    def action_complete(self) -> None:
        if (token := self.selection.token) is not None:
            self._token_command(token, lambda t, now: self.engine.complete(t, now=now),
                                event_word(EventKind.COMPLETED))

    def action_no_show(self) -> None:
        if (token := self.selection.token) is not None:
            self._token_command(token, lambda t, now: self.engine.no_show(t, now=now),
                                f"marked {status_word(TokenStatus.NO_SHOW)}")

    def action_cancel_token(self) -> None:
        token = self.selection.token
        if token is None:
            return
        question = Content.assemble(
            "Cancel ", (token.number, "bold"), " for ", token.patient_name, "?",
            "\nA waiting patient may take the seat.",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._token_command(token, lambda t, now: self.engine.cancel(t, now=now),
                                    event_word(EventKind.CANCELLED))

        self.app.push_screen(ConfirmModal("Cancel token", question, yes="Cancel token"), answered)

    def action_call_next(self) -> None:
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is None:
            return

        def perform(now: datetime | None) -> Outcome:
            called, events = self.own(lambda: self.engine.call_next(doctor.id, now=now))
            done = self.consequences(events, called.id if called else None)
            if called is None:
                return self.sentence(f"No one checked in for Dr {doctor.name}", done), None
            room = f" to room {doctor.room}" if doctor.room else ""
            return self.sentence(f"{called.number} {event_word(EventKind.CALLED)}{room}", done), called.id

        self.run_command(perform)

    # -- moving ---------------------------------------------------------------

    def action_move(self) -> None:
        token = self.selection.token
        if token is None:
            return
        self.moving = token
        self.grid.focus()
        self.desk.say(f"Move {token.number}: pick the slot with the arrows, Enter to move, "
                      "Esc to stop")

    def watch_moving(self, token: Token | None) -> None:
        box = self.query_one("#grid-box")
        box.set_class(token is not None, "-moving")
        box.border_title = Content(
            f"Move {token.number} ({token.patient_name}): pick a slot, Enter to move, Esc to stop"
        ) if token is not None else "Slots"
        self.refresh_bindings()

    def action_stop_move(self) -> None:
        if self.moving is not None:
            self.desk.say(f"{self.moving.number} not moved")
            self.moving = None

    def _move_to(self, token: Token, slot: SlotSummary) -> None:
        self.moving = None
        doctor = self.doctor(slot.doctor_id) if slot.doctor_id != token.doctor_id else None
        other = doctor is not None
        where = f"Dr {doctor.name}, {label(slot)}" if doctor is not None else label(slot)

        def perform(now: datetime | None) -> Outcome:
            moved, events = self.own(lambda: self.engine.move(token.id, slot.id, now=now))
            return self.sentence(f"{moved.number} {event_word(EventKind.MOVED)} to {where}",
                                 self.consequences(events, moved.id)), moved.id

        if not other:
            self.run_command(perform)
            return
        # Another doctor is another department's queue: one arrow key too many should
        # not send a patient there unasked.
        was = self.doctor(token.doctor_id)
        question = Content.assemble(
            "Move ", (token.number, "bold"), " (", token.patient_name, ") from ",
            f"Dr {was.name if was else '?'} to ", (where, "bold"), "?",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_command(perform)
            else:
                self.desk.say(f"{token.number} not moved")

        self.app.push_screen(ConfirmModal("Move to another doctor", question, yes="Move"), answered)

