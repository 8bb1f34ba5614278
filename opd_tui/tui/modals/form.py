"""`Form`: a modal of fields checked as you type, submitted through the engine.

A subclass yields its fields, says what is wrong with the current values
(usually by asking one of the engine's input models) and performs the command.
The command runs in a worker; a refusal is shown in the form and nothing closes.
A fault of the database is shown the same way, with what was typed kept, and
reported to the app for its banner; a command that waits on a busy database
says so after a moment, and the form stays until the database answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, HorizontalGroup, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from ...domain.errors import plain_words
from ...errors import InvalidInput
from ..widgets.fault_banner import (
    COMMAND,
    WAIT_NOTICE_SECONDS,
    WAITING,
    DatabaseAnswered,
    DatabaseFaulted,
    fault_of,
    is_fault,
)
from .dialog import Dialog

T = TypeVar("T")


def model_problems(model: type[BaseModel], values: dict[str, Any]) -> dict[str, str]:
    """Each field's first complaint from an engine input model, in the engine's words."""
    try:
        model(**values)
    except ValidationError as error:
        problems: dict[str, str] = {}
        for item in error.errors(include_url=False):
            field = str(item["loc"][0]) if item["loc"] else ""
            problems.setdefault(field, plain_words(item))
        return problems
    return {}


class Form(Dialog[T], Generic[T]):
    """Fields, their problems, an outcome line, and Submit / Cancel."""

    BINDINGS = [
        Binding("escape", "close", "Cancel"),
        Binding("ctrl+s", "submit", "Submit", show=True),
        # At once, not after the keys before them: the digits typed after a Tab in one
        # burst (a scanner, a paste, a quick hand) go to the next field (typeahead.py).
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False,
                priority=True),
        # Enter submits from the last field too when it is a list (in an Input it
        # always does); a list elsewhere opens on Enter.
        Binding("enter", "submit_from_list", "Submit", show=False, priority=True),
    ]
    TITLE_TEXT = "Form"
    SUBMIT_LABEL = "Save"
    #: Keep the form open after success, showing the outcome until Enter.
    STAY_OPEN = False
    #: The field that has the focus when the form opens.
    FIRST_FIELD = ""

    def __init__(self, perform: Callable[[dict[str, Any]], tuple[T, str]]) -> None:
        super().__init__()
        self.perform = perform
        self.touched: set[str] = set()
        self.labels: dict[str, str] = {}  # field name -> its label, filled by `field`
        self.submitted = False
        self.result: T | None = None
        self.done = False
        self.pending = False  # submitted, the database has not answered yet

    # -- for subclasses -------------------------------------------------------

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def problems(self, values: dict[str, Any]) -> dict[str, str]:
        raise NotImplementedError

    def subtitle(self) -> Content | None:
        return None

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Label(Content(self.TITLE_TEXT), classes="dialog-title")
            sub = self.subtitle()
            if sub is not None:
                yield Static(sub, classes="dialog-subtitle")
            with VerticalScroll(classes="fields"):
                yield from self.fields()
            yield Static("", id="outcome")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.SUBMIT_LABEL} (Enter)", id="submit", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    def field(self, name: str, label: str, widget: Widget) -> ComposeResult:
        """A labelled field (the label above it, or beside it when compact) and a line
        for its problem underneath."""
        widget.id = name
        self.labels[name] = label
        with HorizontalGroup(classes="field"):
            yield Label(label, classes="field-label")
            yield widget
        yield Static("", id=f"{name}-problem", classes="problem")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit_from_list":
            return self._on_last_list()
        return True

    def action_submit_from_list(self) -> None:
        self.action_submit()

    def _on_last_list(self) -> bool:
        fields = list(self.query(".fields Input, .fields Select"))
        last = fields[-1] if fields else None
        return (isinstance(last, Select) and self.focused is last
                and not last.expanded)

    def label_of(self, name: str) -> str:
        """What the form calls a field (`Phone/hosp. no`), for messages about it."""
        return self.labels.get(name, name.replace("_", " "))

    def on_mount(self) -> None:
        if self.app.is_headless:  # a blinking cursor makes screenshots flaky
            for box in self.query(Input):
                box.cursor_blink = False
        if self.FIRST_FIELD:
            self.query_one(f"#{self.FIRST_FIELD}").focus()
        self.recheck()

    # -- checking as you type -------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        if event.control.id:
            self.touched.add(event.control.id)
        if not self.done:
            self.query_one("#outcome", Static).update("")
        self.recheck()

    def recheck(self) -> dict[str, str]:
        found = self.problems(self.values())
        for line in self.query(".problem").results(Static):
            name = (line.id or "").removesuffix("-problem")
            shown = found.get(name) if (self.submitted or name in self.touched) else None
            line.update(Content(shown) if shown else "")
            line.display = bool(shown)
            try:
                self.query_one(f"#{name}").set_class(bool(shown), "-invalid")
            except Exception:
                pass
        return found

    # -- submitting -----------------------------------------------------------

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if self.pending:
            # The command may still go through: closing now would leave the
            # receptionist not knowing whether it did.
            self.show_outcome(f"{WAITING} The form closes once it answers.", error=False,
                              waiting=True)
            return
        self.dismiss(self.result)

    def action_submit(self) -> None:
        if self.pending:
            return  # one command per press: a second would book twice
        if self.done:
            self.dismiss(self.result)
            return
        self.submitted = True
        found = self.recheck()
        if found:
            first = next(iter(found))
            self.show_outcome(f"Please correct {self.label_of(first)}: {found[first]}", error=True)
            try:
                self.query_one(f"#{first}").focus()
            except Exception:
                pass
            return
        self.query_one("#submit", Button).disabled = True
        self.pending = True
        worker = self._perform(self.values())
        self.set_timer(WAIT_NOTICE_SECONDS, lambda: self._notice_wait(worker))

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def _perform(self, values: dict[str, Any]) -> None:
        try:
            result, message = self.perform(values)
        except Exception as error:
            if is_fault(error):
                self.app.post_message(DatabaseFaulted(error, COMMAND))
            self.app.call_from_thread(self._refused, error)
            return
        self.app.post_message(DatabaseAnswered(COMMAND))
        self.app.call_from_thread(self._succeeded, result, message)

    def _notice_wait(self, worker: Worker[Any]) -> None:
        if self.pending and worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            self.show_outcome(WAITING, error=False, waiting=True)

    def _refused(self, error: BaseException) -> None:
        self.pending = False
        if not self.is_attached:
            return
        self.query_one("#submit", Button).disabled = False
        if is_fault(error):
            fault = fault_of(error, COMMAND)
            self.show_outcome(f"Not done. {fault.title}: {fault.message}", error=True)
            return
        self.show_outcome(f"Not done: {error}", error=True)
        if isinstance(error, InvalidInput) and error.field:
            try:
                self.query_one(f"#{error.field.split('.')[0]}").focus()
            except Exception:
                pass

    def _succeeded(self, result: T, message: str) -> None:
        self.pending = False
        self.result = result
        if not self.is_attached:
            return
        if not self.STAY_OPEN:
            self.dismiss(result)
            return
        self.done = True
        self.show_outcome(message + "  - Enter to close", error=False)
        button = self.query_one("#submit", Button)
        button.disabled = False
        button.label = "Close (Enter)"
        for box in self.query(Input):
            box.disabled = True
        for choice in self.query(Select):
            choice.disabled = True
        button.focus()

    def show_outcome(self, text: str, *, error: bool, waiting: bool = False) -> None:
        line = self.query_one("#outcome", Static)
        line.update(Content(text))
        line.set_class(error, "-error")
        line.set_class(not error and not waiting, "-success")
        line.set_class(waiting, "-waiting")
