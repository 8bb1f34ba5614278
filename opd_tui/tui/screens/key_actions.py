"""The desk's keys themselves: a doctor by code, the keys on `?`, Esc back to the grid.

Typing a doctor's code on the grid jumps to that doctor: an upper-case letter that
is not a key of the desk starts it (`KHAN`), `@` starts it for any code (`@rao`,
whose R is the report's key). Each letter that still begins some doctor's code moves
the cursor to the first such doctor; the jump ends once the code is whole and no
other begins with it, on Enter or Esc, or on a key that begins no code, which then
does what it always does (`KHANb` jumps to Dr Khan and books).
"""

from __future__ import annotations

from collections.abc import Iterator

from textual import events
from textual.content import Content

from ..modals.help import KeyLine, KeysHelp
from ..widgets import DoctorsPane, SlotGrid
from .commands import DeskCommands
from .palette import PALETTE

#: Keys of the grid and the panes themselves (not the desk's bindings), for `?`.
MOVING_ABOUT = [
    KeyLine("arrows", "Move between doctors and slots, or patients in a pane"),
    KeyLine("enter", "From a slot to its patients; in Move, move there"),
    KeyLine("tab", "Next pane (grid, doctors, seated, waitlist)"),
    KeyLine("home end", "First and last slot of the day"),
    KeyLine("KHAN", "Type a doctor's code on the grid to jump to the doctor", "or @ and the code"),
]
#: A word more for keys the palette does not offer.
MORE = {
    "stop_move": "while moving a patient: leave them where they are",
    "focus_grid": "from the patients or the doctors pane",
    "jump": "then the code: for a code that starts with a key of the desk (@RAO)",
    "requeue": "the called patient is not there: back to the queue",
}
APP_KEYS = [
    KeyLine("ctrl+p", "Every command by name, with its key"),
    KeyLine("ctrl+q", "Quit the desk (asks first)"),
]


class KeyActions(DeskCommands):
    """Keys about keys: jump to a doctor, show every key, back to the grid."""

    def __init__(self) -> None:
        super().__init__()
        #: The doctor's code typed so far, while a jump is on.
        self.jump: str | None = None
        self._jump_any_case = False
        self._title_before_jump: object = "Slots"

    # -- every key taken in order (typeahead.py) -------------------------------

    def key_taken(self) -> None:
        """A key was taken: the selection follows the cursor at once, so the next key
        of a burst acts on the slot or patient this one moved to."""
        self.sync_selection()

    def take_key(self, key: events.Key) -> bool:
        """A doctor's code typed on the grid; False leaves the key to the desk's bindings."""
        if self.jump is not None:
            return self._jumping(key)
        char = key.character or ""
        on_grid = isinstance(self.focused, (SlotGrid, DoctorsPane))
        if (on_grid and len(char) == 1 and (char.isupper() or char.isdigit())
                and key.key not in self._bindings.key_to_bindings and self._codes(char)):
            self._start_jump(char, any_case=False)
            return True
        return False

    def action_jump(self) -> None:
        self.grid.focus()
        self._start_jump("", any_case=True)

    def _start_jump(self, typed: str, *, any_case: bool) -> None:
        if self.jump is None:
            self._title_before_jump = self.query_one("#grid-box").border_title
        self.jump, self._jump_any_case = typed, any_case
        self._to_doctor(typed)

    def _jumping(self, key: events.Key) -> bool:
        typed = self.jump or ""
        char = key.character or ""
        if key.key in ("escape", "enter"):
            self._end_jump()
            return True
        if key.key == "backspace":
            self.jump = typed[:-1]
            self._to_doctor(self.jump)
            return True
        continues = len(char) == 1 and (char.isupper() or char.isdigit()
                                        or (self._jump_any_case and char.isalpha()))
        if continues and self._codes(typed + char.upper()):
            self.jump = typed + char.upper()
            self._to_doctor(self.jump)
            codes = self._codes(self.jump)
            if codes == [self.jump]:  # whole, and no other code goes on from it
                self._end_jump()
            return True
        self._end_jump()
        return False  # begins no code: the key does what it always does

    def _end_jump(self) -> None:
        self.jump = None
        self.query_one("#grid-box").border_title = self._title_before_jump  # type: ignore[assignment]

    def _codes(self, prefix: str) -> list[str]:
        days = self.snapshot.days if self.snapshot is not None else []
        return [d.doctor.code for d in days if d.doctor.code.startswith(prefix)]

    def _to_doctor(self, typed: str) -> None:
        days = self.snapshot.days if self.snapshot is not None else []
        match = (next((d for d in days if d.doctor.code == typed), None)
                 or next((d for d in days if d.doctor.code.startswith(typed)), None))
        if typed and match is not None:
            self.grid.select(match.doctor.id)
            self.doctors_pane.select(match.doctor.id)
        name = f" → Dr {match.doctor.name}" if typed and match is not None else ""
        self.query_one("#grid-box").border_title = Content.assemble(
            ("Doctor code: ", "bold"), typed or "…", name, "  (Enter/Esc to end)")

    # -- Esc, ? and F1 ----------------------------------------------------------

    def action_focus_grid(self) -> None:
        self.grid.focus()

    def action_help(self) -> None:
        self.app.push_screen(KeysHelp("Keys of the desk", list(self.key_lines())))

    def key_lines(self) -> Iterator[KeyLine]:
        """Every key of the desk: its bindings in their order, then moving about."""
        helps = {a.action: a.help for a in PALETTE} | MORE
        yield KeyLine("", "At the desk", heading=True)
        seen: set[str] = set()
        for binding in self.BINDINGS:
            if isinstance(binding, tuple) or binding.action in seen:
                continue
            seen.add(binding.action)
            yield KeyLine(self.key_of(binding.action) or binding.key, binding.description,
                          helps.get(binding.action, ""))
        yield KeyLine("", "Moving about", heading=True)
        yield from MOVING_ABOUT
        yield from APP_KEYS

    def key_of(self, action: str) -> str | None:
        """The keys of one of the desk's actions as the footer shows them (`b`, `? f1`)."""
        keys = [self.app.get_key_display(b) for b in self.BINDINGS
                if not isinstance(b, tuple) and b.action == action]
        return " ".join(dict.fromkeys(keys)) or None
