"""Patient names are shown literally: never markup, never control codes."""

from __future__ import annotations

import pytest

from opd_tui.errors import InvalidInput
from opd_tui.tui.modals import BookingForm

from .conftest import EARLY, World, column_plain, desk_open, notes, press, settle, type_text

TRICKY = ["[bold red]X[/]", "Smith [/b] Jr", "Rao [/", "[@click=app.quit]x"]


async def test_names_that_look_like_markup_are_shown_literally(world: World) -> None:
    eleven = world.slot("RAO", 12)
    world.engine.set_capacity(eleven.id, 10, now=EARLY)
    for name in TRICKY:
        world.engine.book(eleven.id, name, "ONLINE", now=EARLY)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "right")
        assert column_plain(pilot.app.desk.seated, "name") == TRICKY
        # A search result and the desk's notification keep them literal too.
        await press(pilot, "slash")
        await type_text(pilot, "[bold")
        await settle(pilot)
        results = pilot.app.screen.query_one("#results")
        assert "[bold red]X[/]" in str(results.get_option_at_index(0).prompt)
        await press(pilot, "enter")
        assert any("([bold red]X[/])" in n for n in notes(pilot.app))
        assert pilot.app.desk.seated.selected_token.patient_name == "[bold red]X[/]"


async def test_booking_a_markup_name_through_the_form(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        await type_text(pilot, "[bold red]X[/]")
        await press(pilot, "enter", "enter")
        assert not isinstance(pilot.app.screen, BookingForm)
        token = world.named("[bold red]X[/]")
        assert token.patient_name == "[bold red]X[/]"
        assert "[bold red]X[/]" in column_plain(pilot.app.desk.seated, "name")
        # The seated table renders the brackets as characters on screen.
        screen_text = pilot.app.desk.seated.render_line(2).text
        assert "[bold red]X[/]" in screen_text


@pytest.mark.parametrize("name", ["\x1b[31mX", "A\x07B", "Tab\tName"])
async def test_names_with_control_characters_are_refused(world: World, name: str) -> None:
    with pytest.raises(InvalidInput):
        world.engine.book(world.slot("RAO", 11).id, name, "ONLINE", now=EARLY)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        from textual.widgets import Input

        form.query_one("#patient_name", Input).value = name
        await settle(pilot)
        problem = form.query_one("#patient_name-problem")
        assert problem.display and "control character" in str(problem.render())
