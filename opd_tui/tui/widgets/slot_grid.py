"""`SlotGrid`: doctors down, the day's slot times across, one cell per slot.

A cell reads `● 6/6 +3`: a status symbol (so it reads without colour), seats
taken of capacity, and the waitlist when there is one. A delayed doctor's slot
that starts off its column's time says when it really starts: `○ 4/6 :15` under
11:00 is the 11:15 slot (`12:05` in full when the hour differs). The grid is updated by
diff: a new snapshot of the day changes only the cells whose slot changed; rows
and columns are rebuilt only when the doctors or the slot times change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from ...domain.enums import SlotStatus
from ...domain.models import SlotSummary
from .partial_table import PartialTable

SYMBOL = {
    SlotStatus.OPEN: "○",
    SlotStatus.FULL: "●",
    SlotStatus.OVERBOOKED: "▲",
    SlotStatus.CLOSED: "✕",
    SlotStatus.ENDED: "·",
}
WORD = {
    SlotStatus.OPEN: "open",
    SlotStatus.FULL: "full",
    SlotStatus.OVERBOOKED: "over",
    SlotStatus.CLOSED: "closed",
    SlotStatus.ENDED: "ended",
}
LEGEND = "○ open  ● full  ▲ overbooked  ✕ closed  · ended  +n waiting"


@dataclass(frozen=True, slots=True)
class GridRow:
    """One doctor's row: the key and the label the grid shows for them."""

    doctor_id: int
    label: str


def column_key(slot: SlotSummary) -> str:
    return f"{slot.start:%H:%M}"


def place(
    slots: Iterable[SlotSummary], shifted: Collection[int] = ()
) -> dict[tuple[int, str], SlotSummary]:
    """Which column each slot goes to: its start time, except for a delayed doctor.

    A delayed doctor's slots start at odd times (11:15); each goes under the
    latest column time at or before its start that the doctor has not used, so
    the grid keeps the columns of the day's schedule instead of sprouting new ones.
    """
    slots = sorted(slots, key=lambda s: (s.doctor_id, s.start))
    exact = {column_key(s) for s in slots if s.doctor_id not in shifted}
    cells: dict[tuple[int, str], SlotSummary] = {}
    for slot in slots:
        key = column_key(slot)
        if slot.doctor_id in shifted:
            earlier = [c for c in exact if c <= key and (slot.doctor_id, c) not in cells]
            if earlier and max(earlier) > max(
                (c for d, c in cells if d == slot.doctor_id), default=""
            ):
                key = max(earlier)
        cells[(slot.doctor_id, key)] = slot
    return cells


def cell_text(slot: SlotSummary, width: int = 0, column: str | None = None) -> str:
    """`● 6/6 +3`; with room (`width` >= 13) a status word too: `● 6/6 full +3`; shown
    under a `column` time it does not start at, its real start (`:15`, or `12:05`).
    Cells as narrow as their text (`width` 0, a crowded grid) close up the symbol,
    `●6/6 +3`, which leaves a delayed doctor's real starts room on an 80-column desk."""
    waiting = f" +{slot.waitlisted}" if slot.waitlisted else ""
    starts = column_key(slot)
    if column is None or column == starts:
        real = ""
    else:
        real = f" :{slot.start:%M}" if column[:2] == starts[:2] else f" {starts}"
    seats = f"{SYMBOL[slot.status]}{' ' if width else ''}{slot.occupancy}/{slot.capacity}"
    word = f" {WORD[slot.status]}" if width >= 13 else ""
    if len(seats + word + waiting + real) > max(width, 13):
        word = ""  # the real start matters more than the word the symbol says
    return f"{seats}{word}{waiting}{real}"


class SlotGrid(PartialTable[Text]):
    """The day's slots of every doctor; the cursor is the selected slot."""

    COMPONENT_CLASSES = {
        "slot-grid--open",
        "slot-grid--full",
        "slot-grid--overbooked",
        "slot-grid--closed",
        "slot-grid--ended",
        "slot-grid--empty",
    }

    DEFAULT_CSS = """
    SlotGrid > .slot-grid--open { color: $text-success; }
    SlotGrid > .slot-grid--full { color: $text-warning; text-style: bold; }
    SlotGrid > .slot-grid--overbooked { color: $text-error; text-style: bold reverse; }
    SlotGrid > .slot-grid--closed { color: $foreground 55%; text-style: strike; }
    SlotGrid > .slot-grid--ended { color: $foreground 55%; }
    SlotGrid > .slot-grid--empty { color: $foreground 55%; }
    """

    BINDINGS = [
        Binding("home", "first_slot", "First slot", show=False),
        Binding("end", "last_slot", "Last slot", show=False),
    ]

    class SlotHighlighted(Message):
        """The cursor rests on a slot (or on an empty cell: `slot` is None)."""

        def __init__(self, grid: SlotGrid, doctor_id: int | None, slot: SlotSummary | None) -> None:
            super().__init__()
            self.grid = grid
            self.doctor_id = doctor_id
            self.slot = slot

        @property
        def control(self) -> SlotGrid:
            return self.grid

    class SlotChosen(Message):
        """Enter on a slot."""

        def __init__(self, grid: SlotGrid, doctor_id: int, slot: SlotSummary | None) -> None:
            super().__init__()
            self.grid = grid
            self.doctor_id = doctor_id
            self.slot = slot

        @property
        def control(self) -> SlotGrid:
            return self.grid

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(cursor_type="cell", zebra_stripes=False, **kwargs)
        self._rows: list[GridRow] = []
        self._columns: list[str] = []
        self._slots: dict[tuple[int, str], SlotSummary] = {}
        self._cell_width = 0
        self._styles: dict[SlotStatus, Style] = {}

    def on_resize(self) -> None:
        width = self._fitting_width(len(self._columns))
        if width != self._cell_width:
            self._cell_width = width
            self._rebuild(self._rows, self._columns, dict(self._slots))

    def _fitting_width(self, columns: int) -> int:
        """Cells share the grid's width, up to 20 characters; 0: as narrow as the text."""
        if not columns:
            return 0
        label = max((len(r.label) for r in self._rows), default=4) + 2
        # The width as if the vertical scrollbar were there: it comes and goes as
        # doctors are added, and cells re-made for one column are all drawn again.
        room = self.region.width - self.styles.scrollbar_size_vertical - label - 2
        width = min(20, room // columns - 2)
        return width if width > 9 else 0

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())

    # -- what is shown --------------------------------------------------------

    @property
    def doctor_ids(self) -> list[int]:
        return [r.doctor_id for r in self._rows]

    @property
    def columns_shown(self) -> list[str]:
        return list(self._columns)

    def slot_at(self, coordinate: Coordinate) -> SlotSummary | None:
        if not (0 <= coordinate.row < len(self._rows) and 0 <= coordinate.column < len(self._columns)):
            return None
        return self._slots.get((self._rows[coordinate.row].doctor_id, self._columns[coordinate.column]))

    @property
    def selected_doctor_id(self) -> int | None:
        row = self.cursor_coordinate.row
        return self._rows[row].doctor_id if 0 <= row < len(self._rows) else None

    @property
    def selected_slot(self) -> SlotSummary | None:
        return self.slot_at(self.cursor_coordinate)

    def slot(self, slot_id: int) -> SlotSummary | None:
        return next((s for s in self._slots.values() if s.id == slot_id), None)

    def show(
        self,
        rows: Sequence[GridRow],
        slots: Iterable[SlotSummary],
        shifted: Collection[int] = (),
    ) -> int:
        """Show a day: rebuild if rows or columns changed, else update changed cells.

        `shifted` names doctors whose slots a delay moved off the schedule's times.
        Returns the number of cells written (0 when nothing changed).
        """
        by_cell = place(slots, shifted)
        columns = sorted({key for _, key in by_cell})
        if list(rows) != self._rows or columns != self._columns:
            return self._rebuild(list(rows), columns, by_cell)
        written = 0
        for cell, slot in by_cell.items():
            if self._slots.get(cell) != slot:
                self._slots[cell] = slot
                self.update_cell(str(cell[0]), cell[1], self._render_slot(slot, cell[1]))
                written += 1
        for cell in set(self._slots) - set(by_cell):
            del self._slots[cell]
            self.update_cell(str(cell[0]), cell[1], self._blank())
            written += 1
        return written

    def _rebuild(
        self, rows: list[GridRow], columns: list[str], by_cell: dict[tuple[int, str], SlotSummary]
    ) -> int:
        keep = self.cursor_coordinate
        old_doctor = self.selected_doctor_id
        old_column = self._columns[keep.column] if 0 <= keep.column < len(self._columns) else None
        self._rows, self._columns, self._slots = rows, columns, dict(by_cell)
        self._cell_width = self._fitting_width(len(columns))
        self.clear(columns=True)
        for key in columns:
            self.add_column(Text(key), key=key, width=self._cell_width or None)
        for row in rows:
            cells = [
                self._render_slot(by_cell[(row.doctor_id, key)], key)
                if (row.doctor_id, key) in by_cell
                else self._blank()
                for key in columns
            ]
            self.add_row(*cells, key=str(row.doctor_id), label=Text(row.label))
        self.measure_now()
        row_index = next((i for i, r in enumerate(rows) if r.doctor_id == old_doctor), keep.row)
        col_index = columns.index(old_column) if old_column in columns else keep.column
        if rows and columns:
            self.cursor_coordinate = Coordinate(
                min(row_index, len(rows) - 1), min(col_index, len(columns) - 1)
            )
        return len(rows) * len(columns)

    def _restyle(self) -> None:
        self._styles.clear()
        for (doctor_id, key), slot in self._slots.items():
            try:
                self.update_cell(str(doctor_id), key, self._render_slot(slot, key))
            except CellDoesNotExist:
                pass

    def _status_style(self, status: SlotStatus) -> Style:
        """The status's colour made opaque over the grid (themes use translucent greys)."""
        style = self._styles.get(status)
        if style is None:
            styles = self.get_component_styles(f"slot-grid--{status.lower()}")
            color = self.background_colors[1] + styles.color
            style = Style(color=color.rich_color) + styles.text_style
            self._styles[status] = style
        return style

    def _render_slot(self, slot: SlotSummary, column: str) -> Text:
        style = self._status_style(slot.status)
        return Text(cell_text(slot, self._cell_width, column), style=style, no_wrap=True)

    def _blank(self) -> Text:
        return Text("", no_wrap=True)

    # -- moving about ---------------------------------------------------------

    def select(self, doctor_id: int, slot_id: int | None = None) -> None:
        """Put the cursor on a doctor's row, on `slot_id`'s column if given."""
        row = next((i for i, r in enumerate(self._rows) if r.doctor_id == doctor_id), None)
        if row is None:
            return
        column = self.cursor_coordinate.column
        if slot_id is not None:
            for (d, key), slot in self._slots.items():
                if slot.id == slot_id and d == doctor_id:
                    column = self._columns.index(key)
        self.cursor_coordinate = Coordinate(row, max(0, column))

    def select_time(self, key: str) -> None:
        if key in self._columns:
            self.cursor_coordinate = Coordinate(self.cursor_coordinate.row, self._columns.index(key))

    def select_first_bookable(self) -> None:
        """The cursor to the earliest time that still takes bookings: the slot under way."""
        for index, key in enumerate(self._columns):
            if any(slot.bookable for (_, at), slot in self._slots.items() if at == key):
                self.cursor_coordinate = Coordinate(self.cursor_coordinate.row, index)
                return

    def action_first_slot(self) -> None:
        self.cursor_coordinate = Coordinate(self.cursor_coordinate.row, 0)

    def action_last_slot(self) -> None:
        self.cursor_coordinate = Coordinate(self.cursor_coordinate.row, max(0, len(self._columns) - 1))

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        self.post_message(self.SlotHighlighted(self, self.selected_doctor_id, self.slot_at(new)))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        doctor_id = self.selected_doctor_id
        if doctor_id is not None:
            self.post_message(self.SlotChosen(self, doctor_id, self.slot_at(event.coordinate)))

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
