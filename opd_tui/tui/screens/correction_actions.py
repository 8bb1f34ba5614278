"""Putting a mis-key right (rule 21): `u` takes back this desk's last action on
the selected token or slot, `r` sends a called patient who is not there back to
the queue.

`u` looks first for this desk's latest correctable action on the selected token,
then in the selected slot (a cancelled patient has left the slot's lists, but the
slot is still selected), then at what the selection is now (a patient checked in
or called elsewhere, a token just found by search that expired or went unseen,
a closed slot). It asks for a reason, which goes into the
event and the activity pane:

    cancel, no-show, expired, unseen  ->  reinstate
    check-in                          ->  undo check-in
    call                              ->  requeue
    close slot                        ->  reopen
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from textual.content import Content

from ...domain.enums import EventKind, SlotStatus, TokenStatus
from ...domain.models import SlotSummary, Token
from ...domain.vocabulary import event_word, status_word
from ..modals.reason import ReasonPrompt
from .commands import DeskCommands, Outcome, label
from .journal import Done

#: Requeue's reason when one key does it: the patient did not come when called.
NOT_HERE = "Not here when called"
#: The usual reasons, offered first (a digit picks one).
REASONS: dict[str, list[str]] = {
    "reinstate": ["Done by mistake", "Wrong patient selected", "Patient came back",
                  "Patient was in the hall after all"],
    "undo_check_in": ["Checked in by mistake", "Wrong patient selected",
                      "Patient left the hall"],
    "requeue": [NOT_HERE, "Called by mistake", "Patient stepped out"],
    "reopen": ["Closed by mistake", "Doctor is available after all"],
}
TITLES = {
    "reinstate": ("Reinstate", "Reinstate"),
    "undo_check_in": ("Undo check-in", "Undo check-in"),
    "requeue": ("Back to the queue", "Requeue"),
    "reopen": ("Reopen slot", "Reopen"),
}
#: A token's status, and the correction that takes it back.
BY_STATUS = {
    TokenStatus.CHECKED_IN: "undo_check_in",
    TokenStatus.IN_CONSULTATION: "requeue",
    TokenStatus.CANCELLED: "reinstate",
    TokenStatus.NO_SHOW: "reinstate",
    TokenStatus.EXPIRED: "reinstate",
    TokenStatus.UNSEEN: "reinstate",
}
#: What a correction needs the token's status to be now (None: not in the slot's lists).
NEEDS: dict[str, set[TokenStatus | None]] = {
    "undo_check_in": {TokenStatus.CHECKED_IN},
    "requeue": {TokenStatus.IN_CONSULTATION},
    "reinstate": {None, *(s for s, c in BY_STATUS.items() if c == "reinstate")},
}


@dataclass(frozen=True)
class Correction:
    """What `u` would do: a correction, on a token (by id and number) or on a slot."""

    kind: str
    token_id: int | None = None
    number: str | None = None
    patient_name: str | None = None
    slot: SlotSummary | None = None
    #: This desk's action it takes back, if it came from the journal.
    done: Done | None = None

    def question(self) -> Content:
        if self.kind == "reopen" and self.slot is not None:
            return Content(f"Reopen the {label(self.slot)} slot? Patients moved out when it "
                           "closed stay where they are.")
        who = Content.assemble((self.number or "?", "bold"),
                               *((" (", self.patient_name, ")") if self.patient_name else ()))
        booked = status_word(TokenStatus.BOOKED)
        what = {
            "reinstate": " goes back into the slot (else the doctor's next one today).",
            "undo_check_in": f" goes back to {booked}: not in the hall yet.",
            "requeue": f" goes back to {booked} in the same slot; the doctor is free again. "
                       "Check the patient in again when they come.",
        }[self.kind]
        return Content.assemble(who, what, "\nWhy?")


class CorrectionActions(DeskCommands):
    """`u` and `r`."""

    # -- finding what to take back ------------------------------------------------------

    def _status_now(self, token_id: int) -> TokenStatus | None:
        """The token's status as the selected slot's lists show it; None when it is in
        neither (cancelled, no-show, expired, unseen, or moved away)."""
        detail = self.detail
        if detail is None:
            return None
        for token in [*detail.view.seated, *detail.view.waitlist]:
            if token.id == token_id:
                return token.status
        return None

    def _applies(self, done: Done, token: Token | None = None) -> bool:
        if done.kind is EventKind.SLOT_CLOSED:
            slot = self.selection.slot
            return slot is not None and slot.id == done.slot_id and \
                slot.status is SlotStatus.CLOSED
        if done.token_id is None:
            return False
        status = token.status if token is not None else self._status_now(done.token_id)
        return status in NEEDS[done.correction]

    def find_correction(self) -> Correction | None:
        """What `u` takes back for the selection, or None."""
        token, slot = self.selection.token, self.selection.slot
        if token is not None:
            for done in self.journal.latest(token_id=token.id):
                if self._applies(done, token):
                    return self._from_journal(done)
            if (kind := BY_STATUS.get(token.status)) is not None:
                return Correction(kind, token.id, token.number, token.patient_name, slot)
        if slot is not None:
            for done in self.journal.latest(slot_id=slot.id):
                if self._applies(done):
                    return self._from_journal(done)
            found = self.journal.found
            if (found is not None and found.slot_id == slot.id
                    and BY_STATUS.get(found.status) == "reinstate"
                    and self._status_now(found.id) is None):
                return Correction("reinstate", found.id, found.number, found.patient_name, slot)
            if slot.status is SlotStatus.CLOSED:
                return Correction("reopen", slot=slot)
        return None

    def _from_journal(self, done: Done) -> Correction:
        return Correction(done.correction, done.token_id, done.number, done.patient_name,
                          self.selection.slot, done)

    # -- u -----------------------------------------------------------------------------

    def action_undo(self) -> None:
        correction = self.find_correction()
        if correction is None:
            where = "patient" if self.selection.token is not None else "slot"
            self.desk.say_error(
                f"Nothing to undo on this {where}: a cancel, no-show, check-in, call or "
                "closed slot can be taken back.")
            return
        title, submit = TITLES[correction.kind]

        def answered(reason: str | None) -> None:
            if reason is not None:
                self.correct(correction, reason)

        self.app.push_screen(
            ReasonPrompt(title, correction.question(), REASONS[correction.kind], submit),
            answered)

    def correct(self, correction: Correction, reason: str) -> None:
        """Run the correction with its reason; say what it did, and to whom else."""
        engine = self.engine

        def perform(now: datetime | None) -> Outcome:
            if correction.kind == "reopen":
                assert correction.slot is not None
                engine.reopen_slot(correction.slot.id, reason, now=now)
                return f"Slot {label(correction.slot)} reopened ({reason})", None
            token_id = correction.token_id
            assert token_id is not None
            call = {"reinstate": engine.reinstate, "undo_check_in": engine.undo_check_in,
                    "requeue": engine.requeue}[correction.kind]
            token, events = self.own(lambda: call(token_id, reason, now=now))
            said = {
                "reinstate": f"{event_word(EventKind.REINSTATED)}, {status_word(token.status)}",
                "undo_check_in": event_word(EventKind.CHECK_IN_UNDONE),
                "requeue": f"{event_word(EventKind.REQUEUED)}: check in again when they come",
            }[correction.kind]
            return self.sentence(f"{token.number} {said} ({reason})",
                                 self.consequences(events, token.id)), token.id

        if correction.done is not None:
            self.journal.forget(correction.done)
        found = self.journal.found
        if found is not None and found.id == correction.token_id:
            self.journal.found = None
        self.run_command(perform)

    # -- r -----------------------------------------------------------------------------

    def action_requeue(self) -> None:
        """The called patient is not there: back to the queue, in one key. The
        selected patient if in consultation, else the selected doctor's."""
        token = self.selection.token
        if token is not None and token.status is TokenStatus.IN_CONSULTATION:
            self.correct(Correction("requeue", token.id, token.number, token.patient_name),
                         NOT_HERE)
            return
        doctor = self.doctor(self.selection.doctor_id)
        if doctor is None:
            return
        day = self.selection.day

        def perform(now: datetime | None) -> Outcome:
            called = self._in_consultation(doctor.id, day)
            if called is None:
                return f"No one is with Dr {doctor.name} now: nobody to requeue", None
            token = self.engine.requeue(called.id, NOT_HERE, now=now)
            said = (f"{token.number} back in the queue ({NOT_HERE.lower()}): check in again "
                    f"when they come; Dr {doctor.name} is free")
            return said, token.id

        self.run_command(perform)

    def _in_consultation(self, doctor_id: int, day: date) -> Token | None:
        """The doctor's patient in consultation now (in a worker)."""
        serving = next((s for s in self.engine.now_serving(day) if s.doctor_id == doctor_id),
                       None)
        if serving is None or serving.in_consultation is None:
            return None
        return next((t for t in self.engine.search(serving.in_consultation, day=day)
                     if t.doctor_id == doctor_id and t.status is TokenStatus.IN_CONSULTATION),
                    None)
