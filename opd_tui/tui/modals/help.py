"""`KeysHelp`: every key of a screen, on `?` or F1, closed by the same keys or Esc."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from .dialog import Dialog


@dataclass(frozen=True)
class KeyLine:
    """One key of the screen: the key as shown, what it does, and a word more."""

    key: str
    what: str
    more: str = ""
    #: A heading line above the keys that follow (the key and `more` are empty).
    heading: bool = False


class KeysHelp(Dialog[None]):
    """The keys of a screen, in the order the screen lists them; long lines wrap."""

    DEFAULT_CSS = """
    KeysHelp .keys-help { width: 100; height: 90%; }
    KeysHelp #keys { height: 1fr; }
    KeysHelp #keys-grid {
        layout: grid; grid-size: 2; grid-columns: 11 1fr; grid-rows: auto; height: auto;
    }
    KeysHelp .key { text-style: bold; color: $text-accent; }
    KeysHelp .key-heading { column-span: 2; text-style: bold; color: $text-primary;
                            padding: 1 0 0 0; }
    KeysHelp .key-more { color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape,question_mark,f1,q", "dismiss(None)", "Close"),
    ]

    def __init__(self, title: str, lines: Sequence[KeyLine]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = list(lines)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog keys-help"):
            yield Label(Content(self.title_text), classes="dialog-title")
            with VerticalScroll(id="keys"), Container(id="keys-grid"):
                for line in self.lines:
                    if line.heading:
                        yield Static(Content(line.what), classes="key-heading")
                        continue
                    yield Static(Content(line.key), classes="key")
                    more = Content.assemble(": ", (line.more, "dim")) if line.more else ""
                    yield Static(Content.assemble(line.what, more))
            yield Static(Content("Esc, ? or F1 to close · ctrl+p: every command by name"),
                         classes="dialog-subtitle", id="keys-hint")

    def on_mount(self) -> None:
        self.query_one("#keys", VerticalScroll).focus()

    def shown_keys(self) -> list[str]:
        """The keys as listed (for tests)."""
        return [line.key for line in self.lines if not line.heading]
