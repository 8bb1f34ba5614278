"""`Dialog`: a modal screen that packs itself into a short terminal.

With room, fields are three rows high under their labels. Below
`ROOMY_HEIGHT` rows the dialog turns compact: each label sits beside its field,
fields and buttons are one row high, so a whole form fits an 80x24 terminal.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import events
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select

T = TypeVar("T")

#: The rows a form with tall fields needs, problems shown included.
ROOMY_HEIGHT = 40


class Dialog(ModalScreen[T], Generic[T]):
    def on_mount(self) -> None:
        self.fit(self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.height)

    def fit(self, height: int) -> None:
        compact = height < ROOMY_HEIGHT
        self.set_class(compact, "-compact")
        for widget in self.query("Input, Select, Button").results():
            if isinstance(widget, (Input, Select, Button)):
                widget.compact = compact
