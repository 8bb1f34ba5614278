"""A `DataTable` whose `update_cell` repaints one row, not the whole table.

Textual's `update_cell` bumps a counter that keys every render cache, so one
changed cell re-renders every visible cell on the next frame (about 0.2 ms a
cell here: a 60-doctor grid plus the doctors pane took 200+ ms per event).
This drops only the changed row's cached renders and refreshes only its line.
It leans on `DataTable` internals of Textual 8 (pinned below 9 in pyproject);
the desk's tests and benchmark notice if they change.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual.events import Resize
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

CellType = TypeVar("CellType")


class PartialTable(DataTable[CellType], Generic[CellType]):
    #: How far the cached rows were padded out beyond the columns.
    _row_padding = 0

    def _on_resize(self, event: Resize) -> None:
        # `DataTable` re-renders every cell after any resize, but cells are
        # rendered at their columns' widths, never the widget's: a resize costs no
        # cell here (opening the desk resized the doctors pane as its rows arrived,
        # and drew every cell of it twice). What does depend on the widget's width,
        # the padding of rows, is seen to as they are drawn (`render_lines`).
        event.prevent_default()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Rows are padded out to the widget's width (a highlighted row's colour runs
        # to the edge) and cached without it: when the padding changes they are made
        # again, from the cells kept.
        padding = max(0, self.size.width - self.virtual_size.width)
        if padding != self._row_padding:
            self._row_padding = padding
            self._row_render_cache.clear()
            self._line_cache.clear()
        return super().render_lines(crop)

    def measure_now(self) -> None:
        """Size the rows just added before the next frame rather than at the next idle.

        `DataTable` measures new rows when its message queue runs dry, and measuring
        bumps the counter that keys every render cache: a frame drawn in between is
        drawn twice. Opening a 60-doctor day drew all its cells twice (about 150 ms).
        """
        if self._require_update_dimensions and self.is_mounted:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: CellType,
        *,
        update_width: bool = False,
    ) -> None:
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        if update_width or not self.is_mounted or self._widens(column, value):
            super().update_cell(row, column, value, update_width=True)
            return
        if row not in self._row_locations or column not in self._column_locations:
            raise CellDoesNotExist(f"No cell exists for row_key={row!r}, column_key={column!r}.")
        self._data[row][column] = value
        for cell in [k for k in self._cell_render_cache.keys() if k[0] == row]:
            self._cell_render_cache.discard(cell)
        for line in [k for k in self._row_render_cache.keys() if k[0] == row]:
            self._row_render_cache.discard(line)
        # The row's cell values are cached by row index too: without this, a second
        # change to a row kept showing its first.
        index = self.get_row_index(row)
        for values in [k for k in self._row_renderable_cache.keys() if k[1] == index]:
            self._row_renderable_cache.discard(values)
        y = self.header_height + index  # rows are one line high
        for drawn in [k for k in self._line_cache.keys() if k[0] == y]:
            self._line_cache.discard(drawn)
        self.refresh(Region(0, y - round(self.scroll_y), self.size.width, 1))

    def _widens(self, column_key: ColumnKey, value: object) -> bool:
        """True when `value` is wider than its auto-width column: the column must grow,
        which only the full (slow) path does; otherwise the new text would be cut."""
        column = self.columns.get(column_key)
        if column is None or not column.auto_width:
            return False
        width = value.cell_len if isinstance(value, Text) else cell_len(str(value))
        return width > column.content_width
