"""`PartialTable` repaints a changed cell however often its row changes.

The desk's grid and the live simulation's grid change the same slot's cell
many times a day; the screen must show the latest value, not the first change.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from opd_tui.tui.widgets.partial_table import PartialTable


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield PartialTable(cursor_type="cell")

    def on_mount(self) -> None:
        table = self.query_one(PartialTable)
        table.add_column("09:00", key="a", width=12)
        table.add_column("10:00", key="b", width=12)
        table.add_row(Text("○ 1/8"), Text("x"), key="1", label=Text("RAO"))
        table.add_row(Text("○ 2/8"), Text("y"), key="2", label=Text("KHAN"))


async def test_every_change_of_a_row_shows() -> None:
    app = OneTable()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        table = app.query_one(PartialTable)
        for value in ("○ 3/8", "● 8/8", "· 8/8 ended"):
            table.update_cell("2", "a", Text(value))
            await pilot.pause()
            assert value in table.render_line(2).text
        assert "○ 1/8" in table.render_line(1).text
