"""The now-serving board: per doctor, the number with the doctor and the next three.

Token numbers only, never patient names: the board hangs in a public hall.
Cards with the number in big letters when the screen has room for every
doctor that way, else one line per doctor. Updates go by diff: a card changes
only the parts whose values changed.
"""

from __future__ import annotations

from math import ceil

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label, Static

from ...domain.models import NowServing
from .bigtext import BigText, bitmap_width, render_lines

#: A card: a border round a big number and the next numbers.
CARD_MIN_WIDTH = 36
CARD_GUTTER = 2
NOBODY = "---"


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


class DoctorCard(Vertical):
    """One doctor on the board."""

    def __init__(self, row: NowServing, scale: int = 1) -> None:
        super().__init__(id=f"doctor-{row.doctor_id}", classes="doctor-card")
        self.row = row
        self.scale = scale

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
        if old.next_numbers != row.next_numbers:
            self.query_one(".next-plain", Label).update(next_line(row))
            self.query_one(".next-big", Label).update(
                Content.assemble(("Next  ", "dim"), next_line(row))
            )


class NowServingBoard(Container):
    """Every active doctor's card; picks big cards or compact lines to fit the screen."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[NowServing] = []
        self.scale = 1  # of the big numbers; 0: one compact line per doctor

    def compose(self) -> ComposeResult:
        with Horizontal(id="board-head", classes="line"):
            yield Label("Doctor", classes="who")
            yield Label("Room", classes="room")
            yield Label("With doctor", classes="now-plain")
            yield Label("Next", classes="next-plain")
        yield Static("No doctors are seeing patients now.", id="board-empty")
        yield Container(id="cards")

    async def show(self, rows: list[NowServing]) -> None:
        cards = self.query_one("#cards", Container)
        same_doctors = [r.doctor_id for r in rows] == [r.doctor_id for r in self.rows]
        self.rows = rows
        self.query_one("#board-empty").display = not rows
        self.fit_layout()
        if same_doctors:
            for card, row in zip(cards.query(DoctorCard), rows, strict=True):
                if card.row != row:
                    card.show(row)
        else:
            await cards.remove_children()
            await cards.mount_all(DoctorCard(r, self.scale) for r in rows)

    def on_resize(self) -> None:
        self.fit_layout()

    def fit_layout(self) -> None:
        """The biggest letters at which every doctor's card fits, else one line per
        doctor; spread out over the room there is, within reason."""
        width, height = self.size
        n = len(self.rows)
        scale, columns, rows = 0, 1, max(n, 1)
        for big in (2, 1):
            fits = (width + CARD_GUTTER) // (card_width(self.rows, big) + CARD_GUTTER)
            columns = max(1, min(n, fits))
            rows = ceil(n / columns) if n else 1
            if n and rows * card_height(big) <= height:
                scale = big
                break
        self.scale = scale
        self.set_class(scale > 0, "-cards")
        self.set_class(scale == 0, "-compact")
        self.query_one("#board-head").display = bool(n) and not scale
        cards = self.query_one("#cards", Container)
        if scale:
            cards.styles.grid_size_columns = columns
            cards.styles.grid_rows = str(min(height // rows, card_height(scale) + 2))
            for card in cards.query(DoctorCard):
                card.scale = scale
            for number in cards.query(BigText):
                number.max_scale = scale
        else:
            cards.styles.grid_size_columns = 1
            cards.styles.grid_rows = str(max(1, min((height - 1) // max(n, 1), 2)))
