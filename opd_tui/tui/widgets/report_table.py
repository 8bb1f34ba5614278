"""`ReportTable`: rows of the day's report (rule 25), figures with small bars.

A bar goes where a glance beats a number: how each doctor's tokens ended (seen,
no-show, cancelled, expired or unseen, still to come), the wait from check-in to
call (median, then on to the 90th percentile, on one scale for the whole table),
and utilisation. Figures are printed as `opd-tui report` prints them
(`report_text.cell`), names literally (rich `Text`, never markup).

The columns fit the width: a narrow terminal first loses the times and the
bump counts, then takes short headers, then the wait and outcome bars; what
still does not fit scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.widgets import DataTable

from ...domain.enums import TokenStatus
from ...domain.models import ReportRow
from ...domain.report_text import COLUMNS, cell
from ...domain.vocabulary import SOURCE_WORDS, source_label, status_word

#: A table header per report field, as `opd-tui report` prints it.
HEADER = {field: header for _, header, field in COLUMNS}
#: Eighths of a cell, for bars finer than a whole cell.
EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"
#: The name column: never narrower (code and the start of the name), never wider.
MIN_NAME, MAX_NAME = 12, 26
#: How a token's day ended, in the order the outcome bar draws them.
OUTCOMES = [
    ("seen", status_word(TokenStatus.COMPLETED)),
    ("no_shows", status_word(TokenStatus.NO_SHOW)),
    ("cancelled", status_word(TokenStatus.CANCELLED)),
    ("ended", f"{status_word(TokenStatus.EXPIRED)} or {status_word(TokenStatus.UNSEEN)}"),
]


@dataclass(frozen=True)
class ReportColumn:
    key: str
    header: str
    short: str
    #: A bar, drawn this many cells wide (and `short_width` with short headers).
    bar: int = 0
    short_bar: int = 0
    #: Only where a row has slots (doctors and the total), not per source.
    slots_only: bool = False


def _figure(key: str, short: str | None = None, slots_only: bool = False) -> ReportColumn:
    return ReportColumn(key, HEADER[key], short or HEADER[key], slots_only=slots_only)


COLUMN_LIST: list[ReportColumn] = [
    _figure("tokens", "Tok"),
    _figure("seen"),
    ReportColumn("outcome", "Outcome", "Outcome", bar=12, short_bar=10),
    _figure("no_shows", "NoSh"),
    _figure("cancelled", "Canc"),
    _figure("expired", "Exp"),
    _figure("unseen", "Unsn"),
    _figure("wait_mean", "Mean"),
    _figure("wait_median", "Med"),
    _figure("wait_p90"),
    ReportColumn("wait_bar", "Median → p90", "Wait", bar=14, short_bar=10),
    _figure("consult_mean", "Cons"),
    _figure("utilisation", slots_only=True),
    ReportColumn("util_bar", "Utilisation", "", bar=10, short_bar=6, slots_only=True),
    _figure("bumped", "Bump"),
    _figure("promoted", "Prom"),
    _figure("overbooked_slots", slots_only=True),
    _figure("first_call"),
    _figure("last_completion"),
]
COLUMN = {c.key: c for c in COLUMN_LIST}

#: Layouts from the fullest to the barest: (short headers, columns left out).
#: The first that fits the width is used.
PLANS: list[tuple[bool, frozenset[str]]] = []
_left_out: set[str] = set()
for _short, _more in [
    (False, set()),
    (False, {"first_call", "last_completion"}),
    (False, {"bumped", "promoted", "overbooked_slots"}),
    (False, {"wait_mean"}),
    (True, set()),
    (True, {"wait_bar"}),
    (True, {"outcome"}),
]:
    _left_out |= _more
    PLANS.append((_short, frozenset(_left_out)))


@dataclass(frozen=True)
class Colours:
    """Bar colours from the theme (so they follow light and dark)."""

    seen: str = "green"
    no_shows: str = "red"
    cancelled: str = "yellow"
    ended: str = "#9B6FD6"  # no theme colour of its own: a violet that reads on both
    wait: str = "blue"
    #: From the median on to the 90th percentile: the same colour, fainter.
    wait_tail: str = "navy_blue"
    util: str = "green"
    muted: str = "grey50"

    @classmethod
    def of(cls, variables: dict[str, str]) -> Colours:
        def get(name: str, default: str) -> str:
            value = variables.get(name, default)
            return default if value.startswith("auto") else value

        return cls(
            seen=get("success", cls.seen), no_shows=get("error", cls.no_shows),
            cancelled=get("warning", cls.cancelled), ended=cls.ended,
            wait=get("primary", cls.wait), wait_tail=get("primary-muted", cls.wait_tail),
            util=get("success", cls.util),
            muted=get("foreground-darken-3", cls.muted),
        )


def fine_bar(fraction: float, width: int) -> str:
    """`fraction` (0..1, clipped) of `width` cells, to an eighth of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    whole, part = divmod(eighths, 8)
    return (FULL * whole + (EIGHTHS[part] if part else "")).ljust(width)


def shares(counts: Sequence[int], total: int, width: int) -> list[int]:
    """Cells for each count out of `total` in a bar `width` wide: by largest
    remainder, and at least one cell for any count above zero (so one no-show
    shows at a glance)."""
    if total <= 0 or width <= 0:
        return [0] * len(counts)
    exact = [c * width / total for c in counts]
    cells = [int(e) for e in exact]
    for i, c in enumerate(counts):
        if c and not cells[i]:
            cells[i] = 1
    spare = width * min(1.0, sum(counts) / total) - sum(cells)
    order = sorted(range(len(counts)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    for i in order:
        if spare < 1:
            break
        if counts[i] and exact[i] > cells[i]:
            cells[i] += 1
            spare -= 1
    while sum(cells) > width:  # the minimum cells took more than there is
        cells[cells.index(max(cells))] -= 1
    return cells


def outcome_bar(row: ReportRow, width: int, colours: Colours) -> Text:
    counts = [row.seen, row.no_shows, row.cancelled, row.expired + row.unseen]
    cells = shares(counts, row.tokens, width)
    bar = Text(no_wrap=True)
    for (key, _), n in zip(OUTCOMES, cells, strict=True):
        bar.append(FULL * n, style=getattr(colours, key))
    bar.append("·" * (width - bar.cell_len), style=colours.muted)  # still to come
    return bar


def wait_bar(row: ReportRow, width: int, scale: float, colours: Colours) -> Text:
    """The median, then on to the 90th percentile fainter, on the table's scale.
    Whole blocks only: a shade glyph (▒) is drawn wider than its cell by some fonts."""
    if row.wait_median is None or row.wait_p90 is None or scale <= 0:
        return Text("".ljust(width))
    median = max(1, round(row.wait_median / scale * width)) if row.wait_median else 0
    p90 = max(median, round(row.wait_p90 / scale * width))
    return Text.assemble((FULL * median, colours.wait), (FULL * (p90 - median), colours.wait_tail),
                         " " * (width - p90), no_wrap=True)


def row_label(row: ReportRow) -> Text:
    """`RAO    Anjali Rao`, `Walk-in`, `All doctors`: as typed, never markup; codes
    padded to the longest a code can be, so the names line up."""
    if row.group == "doctor":
        return Text(f"{row.key:<6} {row.name}", no_wrap=True, overflow="ellipsis")
    if row.group == "source":
        words = source_label(row.key) if row.key in SOURCE_WORDS else row.name
        return Text(words, no_wrap=True, overflow="ellipsis")
    return Text(row.name, style="bold", no_wrap=True, overflow="ellipsis")


class ReportTable(DataTable[Text]):
    """The report's rows (doctors and the total, or the sources), fitted to the width.

    No cursor (a highlighted row would hide its bars' colours): arrows scroll.
    Columns are spaced by `gap` blank cells of their own rather than the table's
    cell padding, so a narrow plan can close them up to one.
    """

    FIRST_HEADER: ClassVar[dict[bool, str]] = {True: "Doctor", False: "Source"}

    def __init__(self, *, slots: bool, **kwargs) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, cell_padding=0, **kwargs)
        #: Doctors and the total (slots apply) or sources (they do not).
        self.slots = slots
        self.rows_shown: list[ReportRow] = []
        self.wait_scale = 0.0
        self.plan: tuple[bool, frozenset[str]] | None = None

    @property
    def columns_shown(self) -> list[str]:
        return [str(key.value) for key in self.columns]

    @property
    def short(self) -> bool:
        """Short headers (a narrow terminal)."""
        return self.plan is not None and self.plan[0]

    def show(self, rows: Sequence[ReportRow], wait_scale: float) -> None:
        """Show `rows`; `wait_scale` (minutes) is the longest wait bar's, shared by
        every table of the report so their bars compare."""
        self.rows_shown = list(rows)
        self.wait_scale = wait_scale
        self._build()

    def on_resize(self) -> None:
        if self.rows_shown and self._choose() != self.plan:
            self._build()

    # -- fitting ----------------------------------------------------------------

    def _columns(self, left_out: frozenset[str]) -> list[ReportColumn]:
        return [c for c in COLUMN_LIST if c.key not in left_out and (self.slots or not c.slots_only)]

    def _width(self, column: ReportColumn, short: bool) -> int:
        """Cells a column's content takes (without its gap)."""
        if column.bar:
            return max(column.short_bar if short else column.bar,
                       len(column.short if short else column.header))
        header = column.short if short else column.header
        return max([len(header)] + [len(cell(column.key, getattr(r, column.key)))
                                    for r in self.rows_shown])

    @property
    def _room(self) -> int:
        return self.size.width - self.styles.scrollbar_size_vertical

    def _need(self, short: bool, left_out: frozenset[str]) -> int:
        gap = 1 if short else 2
        return 1 + MIN_NAME + sum(self._width(c, short) + gap for c in self._columns(left_out))

    def _choose(self) -> tuple[bool, frozenset[str]]:
        for short, left_out in PLANS:
            if self._need(short, left_out) <= self._room:
                return short, left_out
        return PLANS[-1]

    def _build(self) -> None:
        self.plan = short, left_out = self._choose()
        gap = 1 if short else 2
        colours = Colours.of(self.app.theme_variables)
        longest = max([len(self.FIRST_HEADER[self.slots])]
                      + [row_label(r).cell_len for r in self.rows_shown])
        name = max(MIN_NAME, min(MAX_NAME, longest,
                                 self._room - self._need(short, left_out) + MIN_NAME))
        self.clear(columns=True)
        self.add_column(Text(" " + self.FIRST_HEADER[self.slots]), key="name", width=1 + name)
        columns = self._columns(left_out)
        for column in columns:
            header = column.short if short else column.header
            self.add_column(Text(" " * gap + header) if column.bar
                            else Text(header, justify="right"),
                            key=column.key, width=self._width(column, short) + gap)
        for report_row in self.rows_shown:
            self.add_row(Text(" ") + row_label(report_row),
                         *(self._cell(report_row, c, short, gap, colours) for c in columns),
                         key=f"{report_row.group}:{report_row.key}")

    def _cell(self, row: ReportRow, column: ReportColumn, short: bool, gap: int,
              colours: Colours) -> Text:
        width = self._width(column, short)
        space = Text(" " * gap)
        if column.key == "outcome":
            return space + outcome_bar(row, width, colours) if row.tokens else space
        if column.key == "wait_bar":
            return space + wait_bar(row, width, self.wait_scale, colours)
        if column.key == "util_bar":
            if row.utilisation is None:
                return space
            bar = fine_bar(row.utilisation, column.short_bar if short else column.bar)
            return space + Text(bar, style=colours.util, no_wrap=True)
        value = getattr(row, column.key)
        style = "dim" if value in (0, None) else ""
        return Text(cell(column.key, value), style=style, justify="right", no_wrap=True)


def legend(colours: Colours, shown: Collection[str], short: bool) -> Text:
    """What the bars' colours and the short headers mean, for the columns shown."""
    out = Text()
    if "outcome" in shown:
        for key, words in OUTCOMES:
            out.append(FULL, style=getattr(colours, key))
            out.append(f" {words}  ")
        out.append("·", style=colours.muted)
        out.append(" to come.  ")
    if "wait_bar" in shown:
        out.append("Wait ")
        out.append(FULL, style=colours.wait)
        out.append(" median ")
        out.append(FULL, style=colours.wait_tail)
        out.append(" on to p90.  ")
    if short:
        out.append("NoSh no-show · Canc cancelled · Exp expired · Unsn unseen · "
                   "Med/P90 wait from check-in to call, Cons consultation (min) · "
                   "Util consultation over slot time")
    else:
        out.append("Waits: minutes from check-in to call. Util: consultation over slot time.")
    return out
