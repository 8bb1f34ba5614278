"""A one-number question (capacity, delay minutes), checked with an engine input model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input

from .form import Form


class NumberPrompt(Form[Any]):
    FIRST_FIELD = "number"

    def __init__(
        self,
        title: str,
        question: Content,
        label: str,
        initial: int | None,
        check: Callable[[str], str | None],
        perform: Callable[[dict[str, Any]], tuple[Any, str]],
        submit: str = "Apply",
    ) -> None:
        super().__init__(perform)
        self.TITLE_TEXT = title
        self.SUBMIT_LABEL = submit
        self.question = question
        self.label = label
        self.initial = initial
        self.check = check

    def subtitle(self) -> Content:
        return self.question

    def fields(self) -> ComposeResult:
        yield from self.field(
            "number", self.label,
            Input(value="" if self.initial is None else str(self.initial), type="integer"),
        )

    def values(self) -> dict[str, Any]:
        return {"number": self.query_one("#number", Input).value}

    def problems(self, values: dict[str, Any]) -> dict[str, str]:
        problem = self.check(values["number"])
        return {"number": problem} if problem else {}
