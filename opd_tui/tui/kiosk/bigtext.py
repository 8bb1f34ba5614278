"""Token numbers in letters big enough to read across the OPD hall.

Textual's `Digits` draws 0-9 and A-F only, and a token number is a doctor's
code (any of A-Z) plus digits: `RAO-014`. `BigText` draws A-Z, 0-9 and `-`
from a pixel font five pixels high and mostly four wide (zero slashed, so
`O` and `0` differ), two pixels to a cell with half blocks (square pixels),
or at twice that size when there is room. Text it cannot draw, or that does not
fit even at the small size, is shown as plain bold text: never cut off.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

_FONT_ROWS = """
0 .##. #.## ##.# #..# .##.
1 .#. ##. .#. .#. ###
2 ###. ...# .##. #... ####
3 ###. ...# .##. ...# ###.
4 #..# #..# #### ...# ...#
5 #### #... ###. ...# ###.
6 .##. #... ###. #..# .##.
7 #### ...# ..#. .#.. .#..
8 .##. #..# .##. #..# .##.
9 .##. #..# .### ...# .##.
A .##. #..# #### #..# #..#
B ###. #..# ###. #..# ###.
C .### #... #... #... .###
D ###. #..# #..# #..# ###.
E #### #... ###. #... ####
F #### #... ###. #... #...
G .### #... #.## #..# .###
H #..# #..# #### #..# #..#
I ### .#. .#. .#. ###
J ..## ...# ...# #..# .##.
K #..# #.#. ##.. #.#. #..#
L #... #... #... #... ####
M #...# ##.## #.#.# #...# #...#
N #..# ##.# #.## #..# #..#
O .##. #..# #..# #..# .##.
P ###. #..# ###. #... #...
Q .##. #..# #..# #.#. .#.#
R ###. #..# ###. #.#. #..#
S .### #... .##. ...# ###.
T ### .#. .#. .#. .#.
U #..# #..# #..# #..# .##.
V #...# #...# #...# .#.#. ..#..
W #...# #...# #.#.# ##.## #...#
X #..# #..# .##. #..# #..#
Y #.# #.# .#. .#. .#.
Z #### ...# .##. #... ####
- ... ... ### ... ...
"""

#: Each character as five rows of pixels (True = ink).
FONT: dict[str, tuple[tuple[bool, ...], ...]] = {
    line[0]: tuple(tuple(px == "#" for px in row) for row in line[2:].split())
    for line in _FONT_ROWS.strip().splitlines()
}
FONT[" "] = tuple((False,) * 3 for _ in range(5))
PIXEL_ROWS = 5
GAP = 1  # pixels between characters


def can_draw(text: str) -> bool:
    return bool(text) and all(ch in FONT for ch in text.upper())


def pixels(text: str) -> list[list[bool]]:
    """The text as one bitmap, PIXEL_ROWS high, a blank column between characters."""
    rows: list[list[bool]] = [[] for _ in range(PIXEL_ROWS)]
    for i, ch in enumerate(text.upper()):
        glyph = FONT[ch]
        for r in range(PIXEL_ROWS):
            if i:
                rows[r].extend([False] * GAP)
            rows[r].extend(glyph[r])
    return rows


def bitmap_width(text: str) -> int:
    return len(pixels(text)[0]) if text else 0


def render_lines(text: str, scale: int) -> list[str]:
    """Scale 1: a pixel is one cell wide and half a cell high (half blocks), so 3
    lines; scale 2: a pixel is two cells wide and one high, so 5 lines."""
    bitmap = pixels(text)
    if scale == 1:
        padded = [*bitmap, [False] * len(bitmap[0])]
        lines = []
        for top, bottom in zip(padded[0::2], padded[1::2], strict=True):
            lines.append(
                "".join(
                    "█" if t and b else "▀" if t else "▄" if b else " "
                    for t, b in zip(top, bottom, strict=True)
                )
            )
        return lines
    return ["".join(("█" if px else " ") * scale for px in row) for row in bitmap]


def fitting_scale(text: str, width: int, max_scale: int) -> int:
    """The largest scale (2 or 1) at which `text` fits `width` cells; 0 for none."""
    if not can_draw(text):
        return 0
    pixels_wide = bitmap_width(text)
    for scale in range(min(max_scale, 2), 0, -1):
        if pixels_wide * scale <= width:
            return scale
    return 0


class BigText(Widget):
    """A token number in big letters, centred; plain bold text when it cannot be big."""

    DEFAULT_CSS = """
    BigText {
        width: 1fr;
        height: auto;
    }
    """

    def __init__(
        self,
        text: str = "",
        *,
        max_scale: int = 1,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._text = text
        self._max_scale = max_scale

    @property
    def text(self) -> str:
        return self._text

    @property
    def max_scale(self) -> int:
        return self._max_scale

    @max_scale.setter
    def max_scale(self, scale: int) -> None:
        if scale != self._max_scale:
            self._max_scale = scale
            self.refresh(layout=True)

    def update(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.refresh(layout=True)

    def scale_for(self, width: int) -> int:
        return fitting_scale(self._text, width, self.max_scale)

    def lines(self, width: int) -> list[str]:
        scale = self.scale_for(width)
        if scale == 0:
            return [self._text]
        return render_lines(self._text, scale)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        scale = self.scale_for(container.width)
        return bitmap_width(self._text) * scale if scale else len(self._text)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render_line(self, y: int) -> Strip:
        # Every line centred by the same offset: letters stay in one piece.
        width = self.content_size.width
        lines = self.lines(width)
        style = self.rich_style
        if y >= len(lines) or width <= 0:
            return Strip.blank(width, style)
        if self.scale_for(width) == 0:
            style += Style(bold=True)
        if len(lines) == 1 and len(lines[0]) > width:
            # Plain text that does not fit: keep the end, where the number is.
            line = "…" + lines[0][-(width - 1):] if width > 1 else lines[0][-width:]
        else:
            left = (width - max(len(line) for line in lines)) // 2
            line = " " * left + lines[y]
        return Strip([Segment(line.ljust(width), style)], width)
