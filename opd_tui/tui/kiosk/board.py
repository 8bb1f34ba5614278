"""The now-serving board: per doctor, the number with the doctor and the next three.

Token numbers only, never patient names: the board hangs in a public hall.
Cards with the number in big letters, the biggest at which every doctor fits;
when they do not all fit, the board pages through them (`PAGE_SECONDS` a page,
"page 2 of 3" in the masthead) rather than shrinking the numbers to small text
nobody can read across the hall. One line per doctor only when not even one
card fits the screen.

A newly called token (the number with a doctor changed to another number)
rings the terminal bell once and is highlighted for `CALLED_SECONDS`, its page
shown. Not on the first paint, and not when a refresh changes nothing.

Updates go by diff: a card changes only the parts whose values changed, and a
page turn only shows and hides cards. Page turns and highlights are measured on
the kiosk's `timer` (monotonic seconds), which tests advance by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from math import ceil

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, Static

from ...domain.enums import TokenStatus
from ...domain.models import NowServing
from ...domain.vocabulary import status_label
from .bigtext import BigText, bitmap_width, render_lines

#: A card: a border round a big number and the next numbers.
CARD_MIN_WIDTH = 36
CARD_GUTTER = 2
NOBODY = "---"
#: Seconds each page of doctors stays up when they do not all fit.
PAGE_SECONDS = 8.0
#: Seconds a newly called token stays highlighted.
CALLED_SECONDS = 6.0
#: How often (wall clock) the board looks at its timer; the timer decides.
TICK_SECONDS = 0.25


def card_width(rows: list[NowServing], scale: int) -> int:
    """Wide enough for the longest number in big letters (border and padding: 4)."""
    widest = max((bitmap_width(f"{r.doctor_code}-000") for r in rows), default=0)
    return max(CARD_MIN_WIDTH, widest * scale + 4)


def card_height(scale: int) -> int:
    return 2 + len(render_lines("0", scale)) + 1


def doctor_line(row: NowServing) -> Content:
    where = f" · Room {row.room}" if row.room else ""
    return Content(f"Dr {row.doctor_name}{where}")


def next_line(row: NowServing) -> str:
    return "   ".join(row.next_numbers) if row.next_numbers else "no one waiting"


def newly_called(before: list[NowServing], after: list[NowServing]) -> list[NowServing]:
    """The doctors of `after` who were on the board `before` and now have another
    token with them: each a call the hall should notice."""
    was = {r.doctor_id: r.in_consultation for r in before}
    return [
        r for r in after
        if r.in_consultation is not None and r.doctor_id in was
        and was[r.doctor_id] != r.in_consultation
    ]


@dataclass(frozen=True)
class Layout:
    """How the board fills the screen: `scale` of the big numbers (0: one line per
    doctor), cards per page and the grid they sit in."""

    scale: int
    per_page: int
    columns: int
    grid_rows: int
    row_height: int

    def pages(self, doctors: int) -> int:
        return max(1, ceil(doctors / self.per_page))


def plan_layout(rows: list[NowServing], width: int, height: int) -> Layout:
    """The biggest letters at which every doctor's card fits; else as many cards at
    the small big size as fit, a page at a time, pages of even size; else one line
    per doctor (paged too when the lines do not fit)."""
    n = max(len(rows), 1)
    for big in (2, 1):
        fits = (width + CARD_GUTTER) // (card_width(rows, big) + CARD_GUTTER)
        columns = max(1, min(n, fits))
        grid_rows = ceil(n / columns)
        if fits and grid_rows * card_height(big) <= height:
            return Layout(big, n, columns, grid_rows,
                          min(height // grid_rows, card_height(big) + 2))
    fits = (width + CARD_GUTTER) // (card_width(rows, 1) + CARD_GUTTER)
    fit_rows = height // card_height(1)
    if fits and fit_rows:
        per_page = ceil(n / ceil(n / (fits * fit_rows)))
        columns = min(per_page, fits)
        grid_rows = ceil(per_page / columns)
        return Layout(1, per_page, columns, grid_rows,
                      min(height // grid_rows, card_height(1) + 2))
    lines = max(1, height - 1)  # under the column heads
    per_page = ceil(n / ceil(n / lines))
    return Layout(0, per_page, 1, per_page, max(1, min(lines // per_page, 2)))


class DoctorCard(Vertical):
    """One doctor on the board."""

    def __init__(self, row: NowServing, scale: int = 1) -> None:
        super().__init__(id=f"doctor-{row.doctor_id}", classes="doctor-card")
        self.row = row
        self.scale = scale
        #: Until when (board timer) the card is highlighted as just called.
        self.called_until: float | None = None

    def compose(self) -> ComposeResult:
        row = self.row
        with Horizontal(classes="line"):
            yield Label(Content(f"Dr {row.doctor_name}"), classes="who", markup=False)
            yield Label(Content(row.room or ""), classes="room", markup=False)
            yield Label(row.in_consultation or NOBODY, classes="now-plain", markup=False)
            yield Label(next_line(row), classes="next-plain", markup=False)
        yield BigText(row.in_consultation or NOBODY, max_scale=self.scale, classes="now-big")
        yield Label(Content.assemble(("Next  ", "dim"), next_line(row)), classes="next-big")

    def on_mount(self) -> None:
        self.border_title = doctor_line(self.row)
        self.set_class(self.row.in_consultation is None, "-idle")

    @property
    def called(self) -> bool:
        """Highlighted as just called."""
        return self.has_class("-called")

    def show(self, row: NowServing) -> None:
        old, self.row = self.row, row
        if (old.doctor_name, old.room) != (row.doctor_name, row.room):
            self.border_title = doctor_line(row)
            self.query_one(".who", Label).update(Content(f"Dr {row.doctor_name}"))
            self.query_one(".room", Label).update(Content(row.room or ""))
        if old.in_consultation != row.in_consultation:
            now = row.in_consultation or NOBODY
            self.query_one(".now-plain", Label).update(now)
            self.query_one(BigText).update(now)
            self.set_class(row.in_consultation is None, "-idle")
            if row.in_consultation is None:
                self.unmark_called()
        if old.next_numbers != row.next_numbers:
            self.query_one(".next-plain", Label).update(next_line(row))
            self.query_one(".next-big", Label).update(
                Content.assemble(("Next  ", "dim"), next_line(row))
            )

    def mark_called(self, until: float) -> None:
        self.called_until = until
        self.add_class("-called")
        self.border_subtitle = "NOW CALLING"

    def unmark_called(self) -> None:
        self.called_until = None
        self.remove_class("-called")
        self.border_subtitle = None


class NowServingBoard(Container):
    """Every active doctor's card, a page at a time when they do not all fit."""

    class PageShown(Message):
        """The board shows page `page` (1-based) of `pages`."""

        def __init__(self, page: int, pages: int) -> None:
            super().__init__()
            self.page = page
            self.pages = pages

    class TokensCalled(Message):
        """Tokens newly called since the board's last refresh (one bell for all)."""

        def __init__(self, numbers: list[str]) -> None:
            super().__init__()
            self.numbers = numbers

    def __init__(self, timer: Callable[[], float] = time.monotonic,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.timer = timer
        self.rows: list[NowServing] = []
        self.layout_plan = plan_layout([], 0, 0)
        self.page = 0  # 0-based
        self.page_started = timer()
        self.painted = False
        self._announced: tuple[int, int] | None = None

    @property
    def scale(self) -> int:
        """Of the big numbers; 0: one compact line per doctor."""
        return self.layout_plan.scale

    @property
    def pages(self) -> int:
        return self.layout_plan.pages(len(self.rows))

    def compose(self) -> ComposeResult:
        with Horizontal(id="board-head", classes="line"):
            yield Label("Doctor", classes="who")
            yield Label("Room", classes="room")
            yield Label(status_label(TokenStatus.IN_CONSULTATION), classes="now-plain")
            yield Label("Next", classes="next-plain")
        yield Static("No doctors are seeing patients now.", id="board-empty")
        yield Container(id="cards")

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self.tick)

    def cards(self) -> list[DoctorCard]:
        return list(self.query_one("#cards", Container).query_children(DoctorCard))

    def shown_cards(self) -> list[DoctorCard]:
        """The cards of the page on show, in board order."""
        return [card for card in self.cards() if card.display]

    async def show(self, rows: list[NowServing]) -> None:
        cards = self.query_one("#cards", Container)
        called = newly_called(self.rows, rows) if self.painted else []
        same_doctors = [r.doctor_id for r in rows] == [r.doctor_id for r in self.rows]
        self.rows = rows
        self.painted = True
        self.query_one("#board-empty").display = not rows
        self.fit_layout()
        if same_doctors:
            for card, row in zip(self.cards(), rows, strict=True):
                if card.row != row:
                    card.show(row)
        else:
            await cards.remove_children()
            await cards.mount_all(DoctorCard(r, self.scale) for r in rows)
        if called:
            self.mark_called(called)
        self.show_page()

    def mark_called(self, called: list[NowServing]) -> None:
        """Highlight each new call, bring the first one's page up, ring once."""
        until = self.timer() + CALLED_SECONDS
        ids = {r.doctor_id for r in called}
        for card in self.cards():
            if card.row.doctor_id in ids:
                card.mark_called(until)
        first = next(i for i, r in enumerate(self.rows) if r.doctor_id in ids)
        self.turn_to(first // self.layout_plan.per_page)
        self.post_message(self.TokensCalled([r.in_consultation or "" for r in called]))

    # -- pages -----------------------------------------------------------------

    def tick(self) -> None:
        """Highlights run out and pages turn when the timer says so."""
        now = self.timer()
        for card in self.cards():
            if card.called_until is not None and now >= card.called_until:
                card.unmark_called()
        if self.pages > 1 and now - self.page_started >= PAGE_SECONDS:
            self.turn_to((self.page + 1) % self.pages)

    def turn_to(self, page: int) -> None:
        self.page = page
        self.page_started = self.timer()
        self.show_page()

    def show_page(self) -> None:
        """Show the cards of the current page only, and say which page it is."""
        self.page = min(self.page, self.pages - 1)
        per_page = self.layout_plan.per_page
        first = self.page * per_page
        for i, card in enumerate(self.cards()):
            card.display = first <= i < first + per_page
        shown = (self.page + 1, self.pages)
        if shown != self._announced:
            self._announced = shown
            self.post_message(self.PageShown(*shown))

    # -- fitting the screen --------------------------------------------------------

    def on_resize(self) -> None:
        self.fit_layout()
        self.show_page()

    def fit_layout(self) -> None:
        """Big cards or compact lines, so many a page, spread out over the room there
        is, within reason."""
        width, height = self.size
        plan = self.layout_plan = plan_layout(self.rows, width, height)
        n = len(self.rows)
        self.set_class(plan.scale > 0, "-cards")
        self.set_class(plan.scale == 0, "-compact")
        self.query_one("#board-head").display = bool(n) and not plan.scale
        cards = self.query_one("#cards", Container)
        cards.styles.grid_size_columns = plan.columns
        cards.styles.grid_rows = str(plan.row_height)
        if plan.scale:
            for card in cards.query_children(DoctorCard):
                card.scale = plan.scale
            for number in cards.query(BigText):
                number.max_scale = plan.scale
