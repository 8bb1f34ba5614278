"""This desk's own recent actions, so `u` can take back the last one (rule 21).

`DeskCommands.own` records what each of this desk's commands wrote (its own
transaction's events, never another desk's); the corrections look here for the
latest action on the selected token or slot that a correction exists for. The
token last found by search is kept too: a patient whose token expired or went
unseen at the day's rollover is in none of the desk's lists.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...domain.enums import EventKind
from ...domain.models import Event, Token

#: What each correctable action is taken back by.
UNDOES: dict[EventKind, str] = {
    EventKind.CANCELLED: "reinstate",
    EventKind.NO_SHOW: "reinstate",
    EventKind.EXPIRED: "reinstate",
    EventKind.UNSEEN: "reinstate",
    EventKind.CHECKED_IN: "undo_check_in",
    EventKind.CALLED: "requeue",
    EventKind.SLOT_CLOSED: "reopen",
}
#: Actions remembered; older ones are taken back by hand (search, then `u`).
KEEP = 100


@dataclass(frozen=True)
class Done:
    """One action of this desk that a correction can take back."""

    event_id: int
    kind: EventKind
    token_id: int | None
    slot_id: int | None
    number: str | None = None
    patient_name: str | None = None

    @property
    def correction(self) -> str:
        return UNDOES[self.kind]


class Journal:
    """The desk's correctable actions, newest last. Written from command workers."""

    def __init__(self) -> None:
        self._done: deque[Done] = deque(maxlen=KEEP)
        self._lock = threading.Lock()
        #: The token last found by search: an expired or unseen patient is in no
        #: list of the desk, and is reinstated by finding them, then `u`.
        self.found: Token | None = None

    def looked_up(self, token: Token) -> None:
        self.found = token

    def record(self, events: Iterable[Event], result: Any = None) -> None:
        names = {result.id: result.patient_name} if isinstance(result, Token) else {}
        with self._lock:
            for event in events:
                if event.kind in UNDOES:
                    self._done.append(Done(
                        event.id, event.kind, event.token_id, event.slot_id,
                        event.detail.get("number"), names.get(event.token_id or -1),
                    ))

    def latest(self, *, token_id: int | None = None, slot_id: int | None = None) -> list[Done]:
        """The actions on this token (or in this slot), newest first."""
        with self._lock:
            done = list(self._done)
        return [d for d in reversed(done)
                if (token_id is not None and d.token_id == token_id)
                or (token_id is None and slot_id is not None and d.slot_id == slot_id)]

    def forget(self, done: Done) -> None:
        """A corrected action is done with: `u` again looks further back."""
        with self._lock:
            if done in self._done:
                self._done.remove(done)
