"""Why a correction is made (rule 21): one of the usual reasons, or one typed.

The reason goes into the correction's event and the desk's activity pane, so the
log says why a cancelled patient came back. A digit picks a usual reason at
once; typing anything else starts a reason of one's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...domain import inputs
from .dialog import Dialog
from .form import model_problems


class ReasonPrompt(Dialog[str | None]):
    """Returns the reason chosen or typed; None when the receptionist thinks again."""

    CSS_PATH = "reason.tcss"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, question: Content, reasons: Sequence[str],
                 submit: str = "Undo") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.reasons = list(reasons)
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog reason"):
            yield Label(Content(self.title_text), classes="dialog-title")
            yield Static(self.question, id="question")
            yield OptionList(
                *(Option(Text.assemble((f"{i}", "bold"), f"  {r}"), id=str(i))
                  for i, r in enumerate(self.reasons, start=1)),
                id="reasons",
            )
            yield Input(placeholder="or type the reason", id="reason-text", select_on_focus=False)
            yield Static("", id="reason-problem", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.submit} (Enter)", id="submit", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        box = self.query_one("#reason-text", Input)
        if self.app.is_headless:
            box.cursor_blink = False
        reasons = self.query_one("#reasons", OptionList)
        reasons.highlighted = 0
        reasons.focus()

    @property
    def typed(self) -> str:
        return self.query_one("#reason-text", Input).value

    def on_key(self, event: events.Key) -> None:
        reasons = self.query_one("#reasons", OptionList)
        if self.focused is not reasons or not event.character:
            return
        if event.character.isdigit() and 1 <= int(event.character) <= len(self.reasons):
            event.stop()
            self.dismiss(self.reasons[int(event.character) - 1])
        elif event.character.isprintable() and not event.character.isspace():
            # A reason of one's own: what is typed goes into the box.
            event.stop()
            box = self.query_one("#reason-text", Input)
            box.focus()
            box.insert_text_at_cursor(event.character)

    @on(OptionList.OptionSelected, "#reasons")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.reasons[int(event.option.id or 1) - 1])

    @on(Input.Submitted, "#reason-text")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self._submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    @on(Input.Changed, "#reason-text")
    def _changed(self) -> None:
        self.query_one("#reason-problem", Static).display = False

    def _submit(self) -> None:
        """The typed reason if there is one, else the highlighted usual one."""
        if not self.typed.strip():
            index = self.query_one("#reasons", OptionList).highlighted
            if index is not None:
                self.dismiss(self.reasons[index])
                return
        problem = model_problems(inputs.Reason, {"reason": self.typed}).get("reason")
        if problem:
            line = self.query_one("#reason-problem", Static)
            line.update(Content(f"The reason {problem}"))
            line.display = True
            self.query_one("#reason-text", Input).focus()
            return
        self.dismiss(" ".join(self.typed.split()))
