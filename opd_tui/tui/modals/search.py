"""Search by token number, name, phone or hospital number; Enter jumps to the token."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...domain.models import Slot, Token
from ...domain.vocabulary import status_word
from ..widgets.fault_banner import READ, DatabaseFaulted, fault_of
from .dialog import Dialog


@dataclass(frozen=True)
class SearchHit:
    token: Token
    slot: Slot


def hit_line(width: int) -> Callable[[SearchHit], Text]:
    """A hit on one line of `width`: the name takes what the other columns leave,
    and the phone or hospital number goes first when the line is short."""
    fixed = 11 + 17 + 11  # number, "Mon 10 Mar 12:00 ", the longest status word
    with_ref = width - fixed - 16 >= 14
    name = max(8, width - fixed - (16 if with_ref else 0) - 1)

    def line(hit: SearchHit) -> Text:
        token = hit.token
        return Text.assemble(
            (f"{token.number:<10} ", "bold"),
            f"{token.patient_name:<{name}.{name}} ",
            f"{token.patient_ref or '':<15} " if with_ref else "",
            f"{hit.slot.start:%a %d %b %H:%M} ",
            status_word(token.status),
            no_wrap=True, overflow="ellipsis",
        )

    return line


class SearchModal(Dialog[SearchHit | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "results", "Results", show=False),
    ]

    def __init__(self, find: Callable[[str], Sequence[SearchHit]]) -> None:
        super().__init__()
        self.find = find
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog search"):
            yield Label("Find a token", classes="dialog-title")
            yield Input(placeholder="token number, name, phone or hospital number", id="query")
            yield Static("", id="summary")
            yield OptionList(id="results")

    def on_mount(self) -> None:
        box = self.query_one("#query", Input)
        if self.app.is_headless:
            box.cursor_blink = False
        box.focus()

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, text: str) -> None:
        try:
            hits = list(self.find(text)) if text.strip() else []
        except Exception as error:  # noqa: BLE001 - said in the summary line, never a crash
            self.app.post_message(DatabaseFaulted(error, READ))
            self.app.call_from_thread(self._failed, text, error)
            return
        self.app.call_from_thread(self._show, text, hits)

    def _failed(self, text: str, error: BaseException) -> None:
        if self.is_attached and text == self.query_one("#query", Input).value:
            fault = fault_of(error, READ)
            self.query_one("#summary", Static).update(
                Content(f"Search failed. {fault.title}: {fault.message}")
            )

    def _show(self, text: str, hits: list[SearchHit]) -> None:
        if not self.is_attached or text != self.query_one("#query", Input).value:
            return  # typed on since
        self.hits = hits
        results = self.query_one("#results", OptionList)
        results.clear_options()
        line = hit_line(results.scrollable_content_region.width or 80)
        results.add_options(Option(line(h), id=str(i)) for i, h in enumerate(hits))
        if hits:
            results.highlighted = 0
        summary = (
            "" if not text.strip() else
            f"{len(hits)} found - Enter to go to the first, Down to choose" if hits else "Nothing found"
        )
        self.query_one("#summary", Static).update(Content(summary))

    @on(Input.Submitted, "#query")
    def _first(self) -> None:
        if self.hits:
            index = self.query_one("#results", OptionList).highlighted or 0
            self.dismiss(self.hits[index])

    @on(OptionList.OptionSelected, "#results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.hits[int(event.option.id or 0)])

    def action_results(self) -> None:
        if self.hits:
            self.query_one("#results", OptionList).focus()
