"""Every day: the desk finalises the day at midnight and moves on with it, and a
walk-in booked at the desk for a later day is not checked in (rules 17, 22)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta

from textual.pilot import Pilot
from textual.widgets import OptionList

from opd_tui.domain.enums import TokenStatus
from opd_tui.engine import AllocationEngine
from opd_tui.tui.desk import DeskApp
from opd_tui.tui.modals import BookingForm

from .conftest import (
    DAY,
    NOW,
    World,
    build_world,
    desk_open,
    eventually,
    notes,
    press,
    settle,
    type_text,
)

NEXT_DAY = DAY + timedelta(days=1)


class Clock:
    """A wall clock the test moves on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def desk_on(engine: AllocationEngine, clock: Clock) -> AsyncIterator[Pilot]:
    app = DeskApp(engine, clock=clock, poll_interval=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        yield pilot


def header_day(pilot) -> str:
    return str(pilot.app.desk.query_one("#day").render())


async def test_at_midnight_the_day_is_finalised_and_the_desk_moves_on(
    engine: AllocationEngine,
) -> None:
    world = build_world(engine)
    engine.generate_slots(world.rao.id, NEXT_DAY, time(9), time(13), 60, 2)
    engine.check_in(world.ravi.id, now=NOW)  # in the hall, never called: unseen
    engine.call_next(world.khan.id, now=NOW)  # Leela with the doctor: completed
    clock = Clock(datetime.combine(DAY, time(23, 58)))
    async with desk_on(engine, clock) as pilot:
        desk = pilot.app.desk
        assert desk.selection.day == DAY and "today" in header_day(pilot)
        clock.now = datetime.combine(NEXT_DAY, time(0, 1))
        assert await eventually(pilot, lambda: desk.selection.day == NEXT_DAY)
        assert "today" in header_day(pilot) and "Tue 11 Mar 2025" in header_day(pilot)
        assert await eventually(
            pilot, lambda: engine.token(world.asha.id).status == TokenStatus.NO_SHOW
        )
        assert engine.token(world.ravi.id).status == TokenStatus.UNSEEN
        assert engine.token(world.leela.id).status == TokenStatus.COMPLETED
        assert engine.token(world.gopal.id).status == TokenStatus.NO_SHOW
        assert engine.token(world.sita.id).status == TokenStatus.EXPIRED
        # The new day is on show: Dr Rao's slots of Tuesday, nobody booked yet.
        grid = desk.grid
        assert await eventually(
            pilot, lambda: grid.get_cell(str(world.rao.id), "09:00").plain.startswith("○ 0/2")
        )
        # Found again, the patient who waited in the hall and was never called.
        await press(pilot, "slash")
        await type_text(pilot, "RAO-002")
        await settle(pilot)
        results = pilot.app.screen.query_one("#results", OptionList)
        assert "left unseen" in str(results.get_option_at_index(0).prompt)


async def test_a_desk_looking_at_another_day_stays_on_it_at_midnight(
    engine: AllocationEngine,
) -> None:
    build_world(engine)
    clock = Clock(datetime.combine(DAY, time(23, 58)))
    async with desk_on(engine, clock) as pilot:
        desk = pilot.app.desk
        await press(pilot, "right_square_bracket", "right_square_bracket")
        assert desk.selection.day == DAY + timedelta(days=2)
        clock.now = datetime.combine(NEXT_DAY, time(0, 1))
        assert await eventually(pilot, lambda: "1 day ahead" in header_day(pilot))
        await pilot.pause(0.5)
        assert desk.selection.day == DAY + timedelta(days=2)


async def test_a_walk_in_booked_for_a_later_day_is_not_checked_in(world: World) -> None:
    world.engine.generate_slots(world.rao.id, NEXT_DAY, time(9), time(13), 60, 2)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right_square_bracket", "b")  # Tuesday, Dr Rao's 09:00
        form = pilot.app.screen
        assert isinstance(form, BookingForm)
        await type_text(pilot, "Meena Joshi")
        await press(pilot, "enter")
        outcome = str(form.query_one("#outcome").render())
        token = world.named("Meena Joshi")
        assert token.status == TokenStatus.BOOKED  # in the hall today, booked for tomorrow
        assert "RAO-001 booked Tue 11 Mar 09:00-10:00" in outcome
        assert "checked in" not in outcome
        await press(pilot, "enter")
        assert not any("checked in" in n for n in notes(pilot.app))
