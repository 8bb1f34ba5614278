"""The desk follows the event log: another desk's changes show by themselves.

How soon (within a second) is measured by tests/benchmarks/bench_desk.py, not
here: a timed assertion would fail on a loaded machine without a defect.
"""

from __future__ import annotations

import asyncio
import gc

from textual.pilot import Pilot

from opd_tui.demo import demo_now
from opd_tui.domain.enums import TokenStatus
from opd_tui.engine import AllocationEngine
from opd_tui.tui.screenshot_tools import DAY

from .conftest import (
    EARLY,
    World,
    build_world,
    column_plain,
    desk_open,
    eventually,
    press,
    settle,
)


async def test_a_booking_at_another_desk_shows_by_itself(sqlite_url: str) -> None:
    mine = AllocationEngine.open(sqlite_url)
    other = AllocationEngine.open(sqlite_url)  # the desk next door, its own connections
    try:
        world = build_world(mine)
        async with desk_open(mine, poll_interval=0.4) as pilot:
            await press(pilot, "right")  # Dr Rao, 11:00: Gopal only
            grid = pilot.app.desk.grid
            assert grid.get_cell(str(world.rao.id), "11:00").plain.startswith("○ 1/2")
            await asyncio.to_thread(
                other.book, world.slot("RAO", 11).id, "Naveen Other-Desk", "ONLINE", None, EARLY
            )
            assert await eventually(
                pilot, lambda: grid.get_cell(str(world.rao.id), "11:00").plain.startswith("● 2/2")
            )
            # The selected slot's patients follow too.
            assert await eventually(
                pilot, lambda: "Naveen Other-Desk" in column_plain(pilot.app.desk.seated, "name")
            )
            # And a check-in made elsewhere shows as one.
            token = next(t for t in other.search("Naveen"))
            await asyncio.to_thread(other.check_in, token.id, EARLY)
            assert other.token(token.id).status == TokenStatus.CHECKED_IN
            assert await eventually(
                pilot, lambda: "checked in" in column_plain(pilot.app.desk.seated, "status")
            )
    finally:
        other.close()
        mine.close()


async def test_no_refresh_while_a_modal_is_open(sqlite_url: str) -> None:
    mine = AllocationEngine.open(sqlite_url)
    other = AllocationEngine.open(sqlite_url)
    try:
        world = build_world(mine)
        async with desk_open(mine, poll_interval=0.1) as pilot:
            await press(pilot, "right", "slash")  # the search modal is open
            await asyncio.to_thread(
                other.book, world.slot("RAO", 11).id, "Late Comer", "ONLINE", None, EARLY
            )
            await pilot.pause(0.5)
            grid = pilot.app.desk.grid
            assert grid.get_cell(str(world.rao.id), "11:00").plain.startswith("○ 1/2")
            await press(pilot, "escape")
            assert await eventually(
                pilot, lambda: grid.get_cell(str(world.rao.id), "11:00").plain.startswith("● 2/2")
            )
    finally:
        other.close()
        mine.close()


def activity_lines(pilot) -> list[str]:  # noqa: ANN001
    return [line.text for line in pilot.app.desk.query_one("#activity").lines]


async def test_a_wide_desk_shows_the_activity_of_every_desk(sqlite_url: str) -> None:
    mine = AllocationEngine.open(sqlite_url)
    other = AllocationEngine.open(sqlite_url)
    try:
        world = build_world(mine)
        async with desk_open(mine, size=(200, 60), poll_interval=0.2) as pilot:
            assert pilot.app.desk.query_one("#activity").display
            # It opens on the day's recent events: Leela checked in for Dr Khan at 10:00.
            assert any("KHAN-001 checked in 10:00" in line for line in activity_lines(pilot))
            token = await asyncio.to_thread(
                other.book, world.slot("RAO", 11).id, "Naveen Other-Desk", "ONLINE", None, EARLY
            )
            assert await eventually(
                pilot,
                lambda: any(f"{token.number} booked 11:00" in line for line in activity_lines(pilot)),
            )
            # The patient's name is not in the log: only token numbers and times.
            assert not any("Naveen" in line for line in activity_lines(pilot))
    finally:
        mine.close()
        other.close()


async def test_no_activity_pane_on_a_small_desk(engine: AllocationEngine) -> None:
    build_world(engine)
    async with desk_open(engine, size=(80, 24)) as pilot:
        assert not pilot.app.desk.query_one("#activity").display


async def test_the_activity_pane_opens_with_its_newest_event_in_view(
    demo_engine: AllocationEngine,
) -> None:
    newest = demo_engine.events(after_id=demo_engine.last_event_id() - 1)[-1]
    async with desk_open(demo_engine, size=(160, 48), now=demo_now(DAY)) as pilot:
        pane = pilot.app.desk.query_one("#activity")
        assert len(pane.lines) > pane.scrollable_content_region.height  # it had to scroll
        bottom = pane.render_line(pane.scrollable_content_region.height - 1).text
        assert newest.detail["number"] in bottom


async def test_the_activity_pane_shows_this_desks_own_actions(engine: AllocationEngine) -> None:
    world = build_world(engine)
    async with desk_open(engine, size=(200, 60), poll_interval=0.2) as pilot:
        await press(pilot, "enter", "i")  # Dr Rao 10:00: check Asha in
        assert engine.token(world.asha.id).status == TokenStatus.CHECKED_IN
        assert await eventually(
            pilot, lambda: any("RAO-001 checked in 10:00" in line for line in activity_lines(pilot))
        )


async def test_the_desk_gives_its_start_up_back_to_the_collector_when_it_closes(
    engine: AllocationEngine,
) -> None:
    """The desk keeps what start-up made out of the collector's full passes while it
    runs; once closed, none of it may stay out (a process that opens desks one after
    another, as the tests do, would never free them)."""
    build_world(engine)
    async with desk_open(engine):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


async def test_a_widened_desk_highlights_the_whole_row(world: World) -> None:
    """Rows are padded out to a table's width: after the terminal grows, the selected
    patient's row is highlighted to the new edge, not to the old one (here the name
    column is at its widest already, so the table is not rebuilt)."""

    def row_backgrounds(pilot: Pilot) -> tuple[object, object]:
        seated = pilot.app.desk.seated
        line = seated.render_line(seated.header_height)  # the first patient's row
        segments = [s for s in line if s.text.strip() or s.style]
        return segments[0].style.bgcolor, segments[-1].style.bgcolor

    async with desk_open(world.engine, size=(200, 40)) as pilot:
        first, last = row_backgrounds(pilot)
        assert first == last  # the highlight runs to the edge
        narrow = pilot.app.desk.seated.size.width
        await pilot.resize_terminal(260, 40)
        await settle(pilot)
        assert pilot.app.desk.seated.size.width > narrow
        first, last = row_backgrounds(pilot)
        assert first == last
