"""The selected slot's patients: the seated in consultation order, and the waitlist."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from ...domain.enums import TokenStatus
from ...domain.models import Token
from .partial_table import PartialTable

STATUS_WORDS = {
    TokenStatus.BOOKED: "booked",
    TokenStatus.CHECKED_IN: "checked in",
    TokenStatus.IN_CONSULTATION: "with doctor",
    TokenStatus.COMPLETED: "completed",
    TokenStatus.WAITLISTED: "waitlisted",
    TokenStatus.CANCELLED: "cancelled",
    TokenStatus.NO_SHOW: "no-show",
    TokenStatus.EXPIRED: "expired",
}


class TokenTable(PartialTable[Text]):
    """Tokens keyed by id; rows are updated by diff and the cursor follows its token."""

    COLUMNS: list[tuple[str, str]] = []

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._tokens: list[Token] = []
        self._rows: dict[int, tuple[str, ...]] = {}

    def on_mount(self) -> None:
        for key, label in self.COLUMNS:
            self.add_column(label, key=key)

    @property
    def tokens(self) -> list[Token]:
        return list(self._tokens)

    @property
    def selected_token(self) -> Token | None:
        row = self.cursor_row
        return self._tokens[row] if 0 <= row < len(self._tokens) else None

    def row_values(self, index: int, token: Token, eta: datetime | None) -> tuple[str, ...]:
        raise NotImplementedError

    def show(self, tokens: Sequence[Token], etas: dict[int, datetime | None] | None = None) -> None:
        etas = etas or {}
        rows = {t.id: self.row_values(i, t, etas.get(t.id)) for i, t in enumerate(tokens)}
        selected = self.selected_token
        if [t.id for t in tokens] != [t.id for t in self._tokens]:
            self.clear()
            for token in tokens:
                self.add_row(*(Text(v, no_wrap=True) for v in rows[token.id]), key=str(token.id))
        else:
            for token in tokens:
                old = self._rows.get(token.id)
                for (key, _), value, before in zip(self.COLUMNS, rows[token.id], old, strict=True):
                    if value != before:
                        self.update_cell(str(token.id), key, Text(value, no_wrap=True))
        self._tokens, self._rows = list(tokens), rows
        if selected is not None:
            self.select(selected.id)

    def select(self, token_id: int) -> bool:
        for i, token in enumerate(self._tokens):
            if token.id == token_id:
                self.move_cursor(row=i, scroll=True)
                return True
        return False


class SeatedTokens(TokenTable):
    COLUMNS = [("number", "Token"), ("name", "Patient"), ("status", "Status"),
               ("eta", "ETA"), ("source", "Source")]

    def row_values(self, index: int, token: Token, eta: datetime | None) -> tuple[str, ...]:
        flag = " ▲" if token.overbooked else ""
        return (
            token.number + flag,
            token.patient_name,
            STATUS_WORDS[token.status],
            f"{eta:%H:%M}" if eta else "-",
            token.source.value.lower(),
        )


class WaitlistPane(TokenTable):
    COLUMNS = [("pos", "#"), ("number", "Token"), ("name", "Patient"), ("source", "Source")]

    def row_values(self, index: int, token: Token, eta: datetime | None) -> tuple[str, ...]:
        return (str(index + 1), token.number, token.patient_name, token.source.value.lower())
