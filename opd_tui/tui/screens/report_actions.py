"""`R`: the day's report (SPEC §6) for the day on the desk, on a screen of its own."""

from __future__ import annotations

from .commands import DeskCommands
from .report_screen import DayReportScreen


class ReportActions(DeskCommands):
    def action_report(self) -> None:
        self.app.push_screen(
            DayReportScreen(self.engine.day_report, self.selection.day, self.now().date()))
