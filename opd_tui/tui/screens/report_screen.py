"""The day's report (`R` on the desk, SPEC §6): per doctor, per source, in total.

Read from the engine in a worker (`day_report`, from the event log, so a past
day never changes); shown as two tables with small bars and a line for the
whole day. `[` and `]` go to other days, `r` reads again, `c` copies the CSV
that `opd-tui report --csv` prints. A fault of the database is said here and on
the desk's banner.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...domain.enums import TokenStatus
from ...domain.models import DayReport, ReportRow
from ...domain.report_text import cell, csv_text
from ...domain.vocabulary import status_word
from ..widgets import DatabaseAnswered, DatabaseFaulted
from ..widgets.fault_banner import READ, fault_of
from ..widgets.report_table import Colours, ReportTable, legend


def summary_text(report: DayReport) -> Text:
    """The whole day in two lines: what became of the tokens; the waits and the
    doctors' time."""
    total = report.total
    if not total.tokens:
        return Text("No tokens on this day.")
    ended = [(total.no_shows, TokenStatus.NO_SHOW), (total.cancelled, TokenStatus.CANCELLED),
             (total.expired, TokenStatus.EXPIRED), (total.unseen, TokenStatus.UNSEEN)]
    counts = " · ".join([f"{total.tokens} tokens", f"{total.seen} {status_word(TokenStatus.COMPLETED)}",
                         *(f"{n} {status_word(status)}" for n, status in ended)])
    times = []
    if total.wait_median is not None:
        times.append(f"wait median {cell('wait_median', total.wait_median)}, "
                     f"p90 {cell('wait_p90', total.wait_p90)} min")
    if total.consult_mean is not None:
        times.append(f"consultation {cell('consult_mean', total.consult_mean)} min")
    if total.utilisation is not None:
        times.append(f"utilisation {cell('utilisation', total.utilisation)}")
    if total.first_call is not None:
        times.append(f"calls {total.first_call:%H:%M}-{cell('last_completion', total.last_completion)}")
    return Text(counts + ("\n" + " · ".join(times).capitalize() if times else ""))


def wait_scale(report: DayReport) -> float:
    """The longest 90th-percentile wait of the report: the scale of every wait bar."""
    rows: list[ReportRow] = report.rows()
    return max((r.wait_p90 for r in rows if r.wait_p90 is not None), default=0.0)


class DayReportScreen(Screen[None]):
    """How the day went, for whoever runs the OPD: open and read, Esc to go back."""

    CSS_PATH = "report_screen.tcss"
    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("left_square_bracket", "day(-1)", "Prev day", key_display="["),
        Binding("right_square_bracket", "day(1)", "Next day", key_display="]"),
        Binding("t", "today", "Today"),
        Binding("r", "refresh_report", "Reread"),
        Binding("c", "copy_csv", "Copy CSV"),
        Binding("tab", "focus_next", "Next table", show=False),
    ]

    def __init__(self, read: Callable[[date], DayReport], day: date, today: date) -> None:
        super().__init__()
        self.read = read
        self.day = day
        self.today = today
        self.report: DayReport | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="report"):
            yield Static("", id="report-title")
            yield Static("", id="report-summary")
            yield ReportTable(slots=True, id="report-doctors")
            yield ReportTable(slots=False, id="report-sources")
            yield Static("", id="report-legend")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.doctors_table.border_title = "By doctor"
        self.sources_table.border_title = "By source"
        self.doctors_table.focus()
        self.load()

    @property
    def doctors_table(self) -> ReportTable:
        return self.query_one("#report-doctors", ReportTable)

    @property
    def sources_table(self) -> ReportTable:
        return self.query_one("#report-sources", ReportTable)

    # -- reading ------------------------------------------------------------------

    def load(self) -> None:
        self._title(f"Day's report · {self.day:%A %d %B %Y} · reading…")
        self._read(self.day)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _read(self, day: date) -> None:
        try:
            report = self.read(day)
        except Exception as error:  # noqa: BLE001 - said here and on the banner
            self.app.post_message(DatabaseFaulted(error, READ))
            self.app.call_from_thread(self._failed, day, error)
            return
        self.app.post_message(DatabaseAnswered(READ))
        self.app.call_from_thread(self._show, report)

    def _failed(self, day: date, error: BaseException) -> None:
        if day == self.day and self.is_attached:
            fault = fault_of(error, READ)
            self._title(f"Day's report · {day:%A %d %B %Y}")
            self.query_one("#report-summary", Static).update(
                Content(f"Not read. {fault.title}: {fault.message}  (r to try again)"))

    def _show(self, report: DayReport) -> None:
        if report.day != self.day or not self.is_attached:
            return  # another day asked for since
        self.report = report
        when = " (today, so far)" if report.day == self.today else ""
        self._title(f"Day's report · {report.day:%A %d %B %Y}{when}")
        self.query_one("#report-summary", Static).update(summary_text(report))
        scale = wait_scale(report)
        self.doctors_table.show([*report.doctors, report.total] if report.doctors else [], scale)
        self.sources_table.show(report.sources, scale)
        self.sources_table.display = bool(report.sources)
        self._show_legend()
        self.call_after_refresh(self._fit_heights)

    def _show_legend(self) -> None:
        tables = [self.doctors_table, self.sources_table]
        shown = {c for t in tables if t.display for c in t.columns_shown}
        short = any(t.short for t in tables if t.display)
        text = (legend(Colours.of(self.app.theme_variables), shown, short)
                if self.report is not None and self.report.total.tokens else "")
        self.query_one("#report-legend", Static).update(text)

    def _fit_heights(self) -> None:
        """The doctors' table takes what the rest leaves, and no more than its rows:
        the sources and the legend always show, and the table scrolls."""
        if not self.is_attached:
            return
        table = self.doctors_table
        others = sum(w.outer_size.height for w in self.query_one("#report").children
                     if w is not table and w.display)
        room = self.query_one("#report").content_size.height - others
        table.styles.max_height = max(5, room)

    def _title(self, text: str) -> None:
        self.query_one("#report-title", Static).update(Content(text))

    def on_resize(self) -> None:
        if self.report is not None:  # the headers may have gone short or long
            self.call_after_refresh(self._show_legend)
            self.call_after_refresh(self._fit_heights)

    # -- keys ---------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(None)

    def action_day(self, step: int) -> None:
        self.day = self.day + timedelta(days=step)
        self.load()

    def action_today(self) -> None:
        self.day = self.today
        self.load()

    def action_refresh_report(self) -> None:
        self.load()

    def action_copy_csv(self) -> None:
        if self.report is None:
            return
        self.app.copy_to_clipboard(csv_text(self.report))
        self.notify(f"The report of {self.report.day:%d %b %Y} copied as CSV "
                    "(the same as opd-tui report --csv)", markup=False)
