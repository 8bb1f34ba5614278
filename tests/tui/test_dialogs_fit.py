"""Every dialog of the desk fits an 80x24 terminal, and keeps tall fields with room.

A receptionist on a small terminal must see the whole form: every label, field
and button inside the screen, none scrolled away or cut off.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, Select

from opd_tui.tui.modals.dialog import Dialog

from .conftest import World, desk_open, press

#: The keys that open each dialog from the desk on the test day (Dr Rao's row).
DIALOGS = {
    "book": ("right", "b"),
    "emergency": ("exclamation_mark",),
    "capacity": ("c",),
    "delay": ("d",),
    "close slot": ("X",),
    "cancel token": ("enter", "x"),
    "search": ("slash",),
    "doctors": ("D",),
    "add doctor": ("D", "a"),
    "edit doctor": ("D", "e"),
    "generate slots": ("D", "g"),
}


def parts_outside(pilot: Pilot) -> list[str]:
    """The labels, fields and buttons of the open dialog not wholly on the screen."""
    screen = pilot.app.screen
    assert isinstance(screen, Dialog)
    outside = []
    for widget in screen.query("Input, Select, Button, Label"):
        if not widget.display:
            continue
        region = widget.region
        if region.area == 0 or not screen.region.contains_region(region):
            outside.append(f"{type(widget).__name__}#{widget.id} at {region}")
    return outside


@pytest.mark.parametrize("keys", DIALOGS.values(), ids=DIALOGS.keys())
async def test_each_dialog_fits_80x24(world: World, keys: tuple[str, ...]) -> None:
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        await press(pilot, *keys)
        assert parts_outside(pilot) == []
        assert pilot.app.screen.has_class("-compact")
        for field in pilot.app.screen.query("Input, Select"):
            assert field.region.height == 1


async def test_booking_form_with_every_problem_shown_fits_80x24(world: World) -> None:
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        await press(pilot, "right", "b", "tab", "9", "enter")
        form = pilot.app.screen
        shown = [p for p in form.query(".problem") if p.display]
        assert len(shown) >= 2  # the name and the phone
        assert parts_outside(pilot) == []
        # The label and its field share a row.
        label = form.query_one("#patient_name").parent.query_one(Label)
        assert label.region.y == form.query_one("#patient_name", Input).region.y


async def test_forms_keep_tall_fields_with_room(world: World) -> None:
    async with desk_open(world.engine, size=(200, 60)) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        assert not form.has_class("-compact")
        assert form.query_one("#patient_name", Input).region.height == 3
        assert form.query_one("#slot_id", Select).region.height == 3
        assert form.query_one("#submit", Button).region.height == 3
        assert parts_outside(pilot) == []


async def test_a_form_turns_compact_when_the_terminal_shrinks(world: World) -> None:
    async with desk_open(world.engine, size=(120, 40)) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        assert form.query_one("#patient_name", Input).region.height == 3
        await pilot.resize_terminal(80, 24)
        await press(pilot)
        assert form.query_one("#patient_name", Input).region.height == 1
        assert parts_outside(pilot) == []
