"""Keys typed ahead of the screen are kept, and land where they were meant to.

A receptionist types `bRamesh` in one go; a barcode scanner or a paste types faster
still. Textual hands each key to the focused widget's queue and reads the next key
at once, so in a burst the keys after `b` reach the desk before `b` has opened the
form (and are lost, or act on the desk: `m` moves a patient), keys that reach a
form before it has mounted have no field to go to, and digits after a Tab reach
the field the Tab is leaving. `KeepsTypeAhead` (mixed into an `App`) makes a burst
behave as the same keys typed slowly:

- A screen that sets `KEYS_IN_ORDER` (the desk: no text fields, every key a
  command) runs each key's binding as the key is read, before the next one, so a
  key that opens a form has opened it before the next key is looked at. Such a
  screen may also take a key before its bindings (`take_key`, the desk's jump to a
  doctor by code), and hear when a key was taken (`key_taken`: the desk reads
  its selection off the cursor the key just moved, for the key after it).
- While a pushed screen is not ready (not mounted, its first field not yet
  focused), keys are held; once it is, they are fed to it in the order typed.
- A screen may hold the keys itself while it gets ready to open a form
  (`hold_keys(reason)` ... `release_keys(reason)`): the desk's emergency reads the
  doctor's current slot first.
- A key for a text field is handled as it is read too: a character is typed in,
  any other key's binding runs (backspace, ctrl+u, Enter), in the order typed; and
  forms move the focus on Tab at once (a priority binding, modals/form.py), so the
  digits after a Tab reach the next field.

Nothing here waits on the wall clock, except one safety net: keys are never held
longer than `LONGEST_HOLD` seconds, should a screen never become ready.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input

#: At most this long (seconds) are keys held for a screen that never gets ready.
LONGEST_HOLD = 5.0
#: The hold while held keys are being fed to a screen that became ready.
_FEEDING = "feeding held keys"


class KeepsTypeAhead(App[Any]):
    """An App that keeps keys typed ahead of its screens, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holds: set[object] = set()
        self._held: list[events.Key] = []
        self._hold_count = 0  # which hold the safety net's timer belongs to

    # -- holding --------------------------------------------------------------

    @property
    def holding_keys(self) -> bool:
        return bool(self._holds)

    def hold_keys(self, reason: object) -> None:
        """Keep the keys typed from now on until `release_keys(reason)`."""
        if not self._holds:
            self._hold_count += 1
            count = self._hold_count
            self.set_timer(LONGEST_HOLD, lambda: self._give_up_holding(count))
        self._holds.add(reason)

    def release_keys(self, reason: object) -> None:
        """`reason` holds no more; with no other hold, the kept keys go on in order."""
        if reason in self._holds:
            self._holds.discard(reason)
            if not self._holds:
                self._holds.add(_FEEDING)
                self.call_later(self._feed_held)

    def _give_up_holding(self, count: int) -> None:
        if count == self._hold_count and self._holds and self._holds != {_FEEDING}:
            self._holds = {_FEEDING}
            self.call_later(self._feed_held)

    async def _feed_held(self) -> None:
        """Feed the kept keys to the screen, each as if just typed; stop if one of them
        starts another hold (it opened a form): the rest wait for that one."""
        self._holds.discard(_FEEDING)
        while self._held and not self._holds:
            await self._take(self._held.pop(0))

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        pushed = super().push_screen(screen, *args, **kwargs)
        top = self.get_screen(screen) if isinstance(screen, str) else screen
        # Ready once it has handled what it was sent on its way up (its mount, its
        # focus on resuming): the callback queues behind those.
        self.hold_keys(top)
        if not top.call_later(self.release_keys, top):
            self.release_keys(top)
        return pushed

    # -- reading a key ----------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._holds:
                self._held.append(event)
                return
            await self._take(event)
            return
        await super().on_event(event)

    async def _take(self, key: events.Key) -> None:
        screen = self.screen
        if getattr(screen, "KEYS_IN_ORDER", False) and await self._in_order(screen, key):
            return
        focused = self.focused
        if isinstance(focused, Input) and await self._typed_into(focused, key):
            return
        await super().on_event(key)

    async def _typed_into(self, box: Input, key: events.Key) -> bool:
        """A key for a text field, handled now: a character typed in, any other key's
        binding run (backspace, ctrl+u, Enter ...). Left to the field, a character is
        typed when the field gets to it, but a binding only once the key has bubbled
        up to the app: after the characters that followed it in a burst."""
        if await self._check_bindings(key.key, priority=True):
            return True
        if key.is_printable and key.character:
            if box.selection.is_empty:
                box.insert_text_at_cursor(key.character)
            else:
                box.replace(key.character, *box.selection)
            return True
        return await self._check_bindings(key.key)

    async def _in_order(self, screen: Screen[Any], key: events.Key) -> bool:
        """Run the key's binding now; False when nothing took it (it goes on to the
        focused widget as usual)."""
        if await self._check_bindings(key.key, priority=True):
            return True
        take = getattr(screen, "take_key", None)
        taken = (take is not None and take(key)) or await self._check_bindings(key.key)
        if taken and (after := getattr(screen, "key_taken", None)) is not None:
            after()  # e.g. the desk reads its selection off the cursor the key moved
        return taken
