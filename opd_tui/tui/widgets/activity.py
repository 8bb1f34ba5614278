"""The desk's activity pane: what happened lately, at this desk, another or the kiosk.

Shown only where the terminal has room for it (a wide desk); it follows the same
event log the desk polls, so it costs no reading of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.text import Text
from textual.events import Resize
from textual.widgets import RichLog

from ...domain.models import Event
from ...domain.vocabulary import event_word

#: Lines kept; a long backlog (a first load, a busy minute) shows only its end.
KEEP = 200


def event_line(event: Event, slots: Mapping[int, tuple[str, datetime]]) -> Text:
    """`10:41 RAO-030 booked 11:00`, `10:42 KHAN slot closed 12:00`: when, which
    token (or else which doctor), what, in which slot; and why, for a correction
    (`10:43 RAO-030 reinstated 11:00 · Cancelled by mistake`)."""
    number = event.detail.get("number")
    code, start = slots.get(event.slot_id, ("", None)) if event.slot_id is not None else ("", None)
    who = number or code
    return Text.assemble(
        (f"{event.at:%H:%M} ", "dim"),
        (f"{who} ", "bold") if who else "",
        event_word(event.kind),
        f" {start:%H:%M}" if start else "",
        (f" · {event.detail['reason']}", "italic") if event.detail.get("reason") else "",
        no_wrap=True, overflow="ellipsis",
    )


class ActivityPane(RichLog):
    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(max_lines=KEEP, markup=False, wrap=False, auto_scroll=True, **kwargs)

    def on_resize(self, event: Resize) -> None:
        # Lines written before the pane took its final size would leave the newest
        # event just below the bottom edge: keep the end in view.
        self.scroll_end(animate=False, immediate=True)

    def add(self, events: Sequence[Event], slots: Mapping[int, tuple[str, datetime]]) -> None:
        """Write `events`; `slots` gives a slot's doctor code and start by slot id."""
        for event in events[-KEEP:]:
            self.write(event_line(event, slots))
