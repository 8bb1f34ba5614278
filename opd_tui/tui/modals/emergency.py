"""Emergency: one key, the doctor's current slot, a name and a confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input

from ...domain import inputs
from ...domain.enums import Source
from ...domain.models import Token
from ...domain.vocabulary import source_label, source_word
from .form import Form, model_problems

UNNAMED = f"Unnamed {source_word(Source.EMERGENCY)}"


class EmergencyModal(Form[Token]):
    TITLE_TEXT = source_label(Source.EMERGENCY)
    SUBMIT_LABEL = "Seat now"
    FIRST_FIELD = "patient_name"

    def __init__(
        self, doctor_id: int, where: Content, perform: Callable[[dict[str, Any]], tuple[Token, str]]
    ) -> None:
        super().__init__(perform)
        self.doctor_id = doctor_id
        self.where = where

    def subtitle(self) -> Content:
        return Content.assemble(self.where, "\n", ("Type the name over the one given, if known.", "dim"))

    def fields(self) -> ComposeResult:
        yield from self.field("patient_name", "Patient name",
                              Input(value=UNNAMED, select_on_focus=True))
        yield from self.field("patient_ref", "Phone/hosp. no", Input(placeholder="optional"))

    def values(self) -> dict[str, Any]:
        return {
            "doctor_id": self.doctor_id,
            "patient_name": self.query_one("#patient_name", Input).value,
            "patient_ref": inputs.tidy_ref(self.query_one("#patient_ref", Input).value),
        }

    def problems(self, values: dict[str, Any]) -> dict[str, str]:
        return model_problems(inputs.NewEmergency, values)
