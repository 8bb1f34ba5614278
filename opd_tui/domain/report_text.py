"""The day's report (rule 25) as a table for a terminal, or as CSV for a
spreadsheet: a row per doctor, then per source, then the total."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from .models import DayReport, ReportRow

#: (CSV header, table header, field) in the order both print them.
COLUMNS: list[tuple[str, str, str]] = [
    ("group", "", "group"),
    ("key", "", "key"),
    ("name", "", "name"),
    ("tokens", "Tokens", "tokens"),
    ("seen", "Seen", "seen"),
    ("no_shows", "No-show", "no_shows"),
    ("cancelled", "Cancel", "cancelled"),
    ("expired", "Expired", "expired"),
    ("unseen", "Unseen", "unseen"),
    ("bumped", "Bumped", "bumped"),
    ("promoted", "Promoted", "promoted"),
    ("overbooked_slots", "Overbk", "overbooked_slots"),
    ("wait_mean_min", "Wait", "wait_mean"),
    ("wait_median_min", "Median", "wait_median"),
    ("wait_p90_min", "P90", "wait_p90"),
    ("consult_mean_min", "Consult", "consult_mean"),
    ("utilisation", "Util", "utilisation"),
    ("first_call", "First", "first_call"),
    ("last_completion", "Last", "last_completion"),
]


def csv_text(report: DayReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", *(c[0] for c in COLUMNS)])
    for row in report.rows():
        writer.writerow([report.day.isoformat(), *(_csv_cell(getattr(row, c[2])) for c in COLUMNS)])
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return str(value)


def cell(field: str, value: Any) -> str:
    """One figure as the table prints it: `-` for none, times as 10:05, utilisation
    as a percentage. The desk's report screen shows figures the same way."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return f"{value:%H:%M}"
    if field == "utilisation":
        return f"{value:.0%}"
    return str(value)


def table_text(report: DayReport) -> str:
    """A plain table (no markup: names are printed as typed)."""
    figures = COLUMNS[3:]
    header = ["", *(c[1] for c in figures)]
    lines = [[_label(row), *(cell(c[2], getattr(row, c[2])) for c in figures)]
             for row in report.rows()]
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))]).rstrip()

    out = [f"OPD day {report.day:%A %d %B %Y}", render(header)]
    groups = [report.doctors, report.sources, [report.total]]
    for group in groups:
        if not group:
            continue
        out.append("")
        out += [render(_line(row, figures)) for row in group]
    out.append("")
    out.append("Wait: minutes from check-in to call (mean, median, 90th percentile). "
               "Util: minutes in consultation over slot minutes.")
    return "\n".join(out) + "\n"


def _line(row: ReportRow, figures: list[tuple[str, str, str]]) -> list[str]:
    return [_label(row), *(cell(c[2], getattr(row, c[2])) for c in figures)]


def _label(row: ReportRow) -> str:
    return f"{row.key} {row.name}" if row.group == "doctor" else row.name
