"""The selected slot's patients: the seated in consultation order, and the waitlist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.text import Text

from ...domain.enums import Source
from ...domain.models import Token
from ...domain.vocabulary import source_word, status_word
from .partial_table import PartialTable

#: The patient column never narrower than this; wider than NAME_WIDTH only wastes room.
MIN_NAME, NAME_WIDTH = 12, 28


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: When the pane is too narrow, columns go in this order (highest first); 0: never.
    drop: int = 0
    #: The patient's name: takes the room the other columns leave.
    flexible: bool = False


class TokenTable(PartialTable[Text]):
    """Tokens keyed by id; rows are updated by diff and the cursor follows its token.

    The columns fit the pane: the name takes the room the others leave, and in a
    narrow pane the least useful columns are left out. Columns are laid out again
    only when the pane's width or the widest value of a column changes.
    """

    COLUMNS: ClassVar[list[Column]] = []

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._tokens: list[Token] = []
        self._rows: dict[int, tuple[str, ...]] = {}
        self._layout: tuple[tuple[int, int], ...] = ()  # (column index, width) shown

    @property
    def tokens(self) -> list[Token]:
        return list(self._tokens)

    @property
    def columns_shown(self) -> list[str]:
        return [self.COLUMNS[i].key for i, _ in self._layout]

    @property
    def selected_token(self) -> Token | None:
        row = self.cursor_row
        return self._tokens[row] if 0 <= row < len(self._tokens) else None

    def row_values(self, index: int, token: Token, eta: datetime | None) -> tuple[str, ...]:
        raise NotImplementedError

    # -- fitting the columns to the pane --------------------------------------

    def fit(self, rows: Sequence[tuple[str, ...]]) -> tuple[tuple[int, int], ...]:
        """Which columns to show, and how wide, for these rows in this pane."""
        room = self.scrollable_content_region.width
        if not self.show_vertical_scrollbar:
            room -= self.styles.scrollbar_size_vertical  # rows to come may bring it
        pad = 2 * self.cell_padding
        widths = [
            MIN_NAME if c.flexible else max([len(c.label)] + [len(r[i]) for r in rows])
            for i, c in enumerate(self.COLUMNS)
        ]
        shown = list(range(len(self.COLUMNS)))
        for i in sorted((i for i, c in enumerate(self.COLUMNS) if c.drop),
                        key=lambda i: -self.COLUMNS[i].drop):
            if sum(widths[j] + pad for j in shown) <= room:
                break
            shown.remove(i)
        spare = room - sum(widths[j] + pad for j in shown)
        return tuple(
            (i, min(NAME_WIDTH, MIN_NAME + max(0, spare)) if self.COLUMNS[i].flexible else widths[i])
            for i in shown
        )

    def on_resize(self) -> None:
        if self.is_mounted and self.fit(list(self._rows.values())) != self._layout:
            self._rebuild()

    def _cells(self, values: tuple[str, ...]) -> list[Text]:
        return [Text(values[i], no_wrap=True, overflow="ellipsis") for i, _ in self._layout]

    def _rebuild(self) -> None:
        selected = self.selected_token
        self._layout = self.fit(list(self._rows.values()))
        self.clear(columns=True)
        for i, width in self._layout:
            self.add_column(self.COLUMNS[i].label, key=self.COLUMNS[i].key, width=width)
        for token in self._tokens:
            self.add_row(*self._cells(self._rows[token.id]), key=str(token.id))
        if selected is not None:
            self.select(selected.id)

    # -- showing --------------------------------------------------------------

    def show(self, tokens: Sequence[Token], etas: dict[int, datetime | None] | None = None) -> None:
        """Show these tokens; the cursor stays on its token, or when that one has gone
        (cancelled, moved away) on its row, so the next key acts on the patient now
        there and never jumps to the top."""
        etas = etas or {}
        rows = {t.id: self.row_values(i, t, etas.get(t.id)) for i, t in enumerate(tokens)}
        selected = self.selected_token
        same_tokens = [t.id for t in tokens] == [t.id for t in self._tokens]
        # Another slot's patients (none of these was shown): from the top.
        row = self.cursor_row if {t.id for t in tokens} & {t.id for t in self._tokens} else 0
        old_rows, self._tokens, self._rows = self._rows, list(tokens), rows
        if self.fit(list(rows.values())) != self._layout:
            self._rebuild()
            self._keep_row(selected, row)
            return
        if not same_tokens:
            self.clear()
            for token in tokens:
                self.add_row(*self._cells(rows[token.id]), key=str(token.id))
            self._keep_row(selected, row)
            return
        for token in tokens:
            old = old_rows[token.id]
            for i, _ in self._layout:
                if rows[token.id][i] != old[i]:
                    self.update_cell(str(token.id), self.COLUMNS[i].key,
                                     Text(rows[token.id][i], no_wrap=True, overflow="ellipsis"))
        if selected is not None:
            self.select(selected.id)

    def _keep_row(self, selected: Token | None, row: int) -> None:
        if (selected is None or not self.select(selected.id)) and self._tokens:
            self.move_cursor(row=min(max(row, 0), len(self._tokens) - 1), scroll=True)

    def select(self, token_id: int) -> bool:
        for i, token in enumerate(self._tokens):
            if token.id == token_id:
                self.move_cursor(row=i, scroll=True)
                return True
        return False


class SeatedTokens(TokenTable):
    COLUMNS: ClassVar[list[Column]] = [
        Column("number", "Token"),
        Column("name", "Patient", flexible=True),
        Column("status", "Status"),
        Column("eta", "ETA", drop=1),
        Column("source", "Source", drop=2),
    ]

    def row_values(self, index: int, token: Token, eta: datetime | None) -> tuple[str, ...]:
        # Marked on the number, so a narrow desk that drops the Source column still
        # shows who is an emergency (!) and who sits beyond capacity (▲).
        flag = (" !" if token.source is Source.EMERGENCY else "") + ("▲" if token.overbooked else "")
        return (
            token.number + flag,
            token.patient_name,
            status_word(token.status),
            f"{eta:%H:%M}" if eta else "-",
            source_word(token.source),
        )


class WaitlistPane(TokenTable):
    COLUMNS: ClassVar[list[Column]] = [
        Column("pos", "#"),
        Column("number", "Token"),
        Column("name", "Patient", flexible=True),
        Column("source", "Source", drop=1),
    ]

    def row_values(self, index: int, token: Token, eta: datetime | None) -> tuple[str, ...]:
        return (str(index + 1), token.number, token.patient_name, source_word(token.source))
