"""The desk at 80x24 and at 200x60: token columns and footer keys fit their room.

At 80 columns the seated and waitlist panes leave out the least useful columns
(source, then ETA) instead of clipping them, and the footer shows the keys that
fit, most wanted first; every action stays on its key and in the palette.
"""

from __future__ import annotations

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from opd_tui.tui.widgets.token_tables import TokenTable

from .conftest import NOW, World, column_plain, desk_open, press


def fits(table: TokenTable) -> bool:
    return table.virtual_size.width <= table.scrollable_content_region.width


def footer_keys(pilot) -> list[str]:  # noqa: ANN001
    return [key.action for key in pilot.app.screen.query_one(Footer).query(FooterKey)
            if "-command-palette" not in key.classes]


async def test_token_columns_fit_80x24(world: World) -> None:
    world.engine.check_in(world.asha.id, now=NOW)  # "checked in": a wider status column
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        await press(pilot)  # Dr Rao 10:00: two seated, one waiting
        desk = pilot.app.desk
        assert desk.seated.columns_shown == ["number", "name", "status", "eta"]
        assert desk.waitlist.columns_shown == ["pos", "number", "name"]
        assert fits(desk.seated) and fits(desk.waitlist)
        assert column_plain(desk.seated, "eta") == ["10:30", "10:40"]


async def test_every_token_column_with_room(world: World) -> None:
    async with desk_open(world.engine, size=(200, 60)) as pilot:
        await press(pilot)
        desk = pilot.app.desk
        assert desk.seated.columns_shown == ["number", "name", "status", "eta", "source"]
        assert column_plain(desk.seated, "source") == ["online", "walk-in"]
        assert desk.waitlist.columns_shown == ["pos", "number", "name", "source"]
        assert fits(desk.seated) and fits(desk.waitlist)


async def test_columns_follow_a_resize(world: World) -> None:
    world.engine.check_in(world.asha.id, now=NOW)
    async with desk_open(world.engine, size=(200, 60)) as pilot:
        await press(pilot, "enter", "down")  # Ravi selected in the seated pane
        desk = pilot.app.desk
        await pilot.resize_terminal(80, 24)
        await press(pilot)
        assert "source" not in desk.seated.columns_shown
        assert fits(desk.seated)
        assert desk.seated.selected_token.id == world.ravi.id


async def test_footer_keys_fit_80x24_and_the_rest_stay_in_the_palette(world: World) -> None:
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        footer = pilot.app.screen.query_one(Footer)
        assert footer.virtual_size.width <= footer.size.width
        shown = footer_keys(pilot)
        assert shown[:2] == ["book", "search"]
        assert "delay" not in shown and "doctors" not in shown
        palette = {a.action for a in pilot.app.desk.palette_commands()}
        assert {"delay", "doctors", "capacity", "close_slot"} <= palette
        await press(pilot, "d")  # a key not in the footer still works
        assert "Doctor delay" in str(pilot.app.screen.query_one(".dialog-title").render())


async def test_footer_shows_the_token_keys_on_a_token(world: World) -> None:
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        await press(pilot, "enter")
        shown = footer_keys(pilot)
        assert {"check_in", "complete", "no_show", "cancel_token"} <= set(shown)
        footer = pilot.app.screen.query_one(Footer)
        assert footer.virtual_size.width <= footer.size.width


async def test_footer_shows_every_key_with_room(world: World) -> None:
    async with desk_open(world.engine, size=(200, 60)) as pilot:
        shown = footer_keys(pilot)
        assert {"book", "search", "emergency", "call_next", "capacity", "close_slot", "delay",
                "doctors"} <= set(shown)


@pytest.mark.parametrize(("size", "kept"), [((80, 24), 1), ((120, 40), 2)])
async def test_a_short_desk_shows_only_the_newest_message(
    world: World, size: tuple[int, int], kept: int
) -> None:
    """At 80x24 a stack of messages would cover an open form; one at a time there."""
    async with desk_open(world.engine, size=size) as pilot:
        await press(pilot, "enter", "i", "down", "i")  # check in Asha, then Ravi
        said = [n.message for n in pilot.app._notifications]
        assert len(said) == kept and "RAO-002 checked in" in said[-1]
