"""What the receptionist has selected on the desk, in one object its layers share.

The view sets it from its widgets (the grid's cursor, the doctors pane, the focused
token table) each time one of them moves or is read again; every other layer only
reads it (`self.selection.slot`, `self.selection.token`, ...) and asks for a
change through the screen (`show_day`, `select_later`). Nothing else about the
selection lives in private attributes of one layer read by another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ...domain.models import SlotSummary, Token


@dataclass(frozen=True)
class Aim:
    """Where the cursor goes once the day is next read: a token (after a command or a
    search hit), the slot that holds it, or the slot under way when a day opens."""

    token_id: int | None = None
    doctor_id: int | None = None
    slot_id: int | None = None
    to_now: bool = False


@dataclass(frozen=True)
class Selection:
    """The day on show, and the doctor, slot and token under the cursor.

    `slot` is the grid's cell (None on an empty cell); `token` is the patient under
    the cursor of the seated or waitlist pane while that pane has the focus, else
    None: keys that act on a patient act on the one the receptionist is looking at.
    """

    day: date
    doctor_id: int | None = None
    slot: SlotSummary | None = None
    token: Token | None = None
    aim: Aim | None = None

    @property
    def slot_id(self) -> int | None:
        return self.slot.id if self.slot is not None else None

    @property
    def token_id(self) -> int | None:
        return self.token.id if self.token is not None else None

    def on_day(self, day: date) -> Selection:
        """Another day: nothing of the old one stays selected; the cursor goes to the
        slot under way once the day is read."""
        return Selection(day=day, doctor_id=self.doctor_id, aim=Aim(to_now=True))

    def aiming(self, aim: Aim | None) -> Selection:
        """The same selection aiming elsewhere (an aim with nothing left: none)."""
        return replace(self, aim=None if aim == Aim() else aim)
