"""The booking form starts on the grid's selected cell (issue 3: "doctor and slot
defaulting to the selected cell"); on an ended or closed cell, on the doctor's
next slot that takes bookings.

The fixed day of conftest at 10:30: Dr Rao's 09:00 slot has ended, 10:00 is under
way (full, Sita waiting), 11:00 and 12:00 are open.
"""

from __future__ import annotations

import pytest
from textual.widgets import Select

from opd_tui.tui.modals import BookingForm

from .conftest import NOW, World, desk_open, press


def chosen(form: BookingForm, name: str) -> object:
    return form.query_one(f"#{name}", Select).value


def shown(form: BookingForm, name: str) -> str:
    return str(form.query_one(f"#{name}", Select).query_one("SelectCurrent #label").render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_an_open_cell_is_the_slot(world: World, size: tuple[int, int]) -> None:
    async with desk_open(world.engine, size=size) as pilot:
        await press(pilot, "right", "b")  # Dr Rao 11:00, open
        form = pilot.app.screen
        assert isinstance(form, BookingForm)
        assert chosen(form, "doctor_id") == world.rao.id
        assert chosen(form, "slot_id") == world.slot("RAO", 11).id
        assert shown(form, "slot_id").startswith("11:00-12:00")


async def test_an_ended_cell_means_the_doctors_next_slot(world: World) -> None:
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        await press(pilot, "home")
        assert pilot.app.desk.grid.selected_slot.id == world.slot("RAO", 9).id  # ended
        await press(pilot, "b")
        form = pilot.app.screen
        assert form.requested == world.slot("RAO", 10).id
        # 10:00 is full: a walk-in (the form's first source) goes to the next free seat.
        assert chosen(form, "slot_id") == world.slot("RAO", 11).id
        assert "Choose a slot" not in shown(form, "slot_id")


async def test_a_closed_cell_means_the_doctors_next_slot(world: World) -> None:
    world.engine.close_slot(world.slot("RAO", 11).id, now=NOW)
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        await press(pilot, "right", "b")  # Dr Rao 11:00, closed
        form = pilot.app.screen
        assert chosen(form, "slot_id") == world.slot("RAO", 12).id


async def test_another_doctor_in_the_form_brings_their_next_slot(world: World) -> None:
    async with desk_open(world.engine, size=(120, 40)) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        form.query_one("#doctor_id", Select).value = world.khan.id
        await press(pilot)
        assert chosen(form, "slot_id") == world.slot("KHAN", 10).id
