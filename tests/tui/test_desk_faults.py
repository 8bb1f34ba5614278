"""Faults while the desk runs: said on screen, what was typed kept, never an exit.

Each fault is made to happen for real where SQLite can: a file opened read-only,
a second connection holding the write lock, the stored clock pushed ahead. A
server that stops answering reads cannot be made with a SQLite file, so that
one swaps the engine's read for one that raises what the engine raises then.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from opd_tui.domain.enums import TokenStatus
from opd_tui.engine import AllocationEngine
from opd_tui.errors import DatabaseUnavailable
from opd_tui.tui.desk import DeskApp
from opd_tui.tui.modals import BookingForm
from opd_tui.tui.widgets.fault_banner import WAITING

from .conftest import (
    EARLY,
    World,
    build_world,
    desk_open,
    eventually,
    notes,
    press,
    settle,
    type_text,
)

NAME, PHONE = "Meena Joshi", "+919811112222"


def banner(pilot: Pilot) -> str:
    """What the desk's fault banner shows, its rows joined; empty when it is hidden."""
    line = pilot.app.desk.query_one("#fault")
    return str(line.render()).replace("\n", " ") if line.display else ""


def outcome(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#outcome").render())


def still_running(pilot: Pilot) -> bool:
    return pilot.app.is_running and pilot.app.return_code is None


async def fill_booking(pilot: Pilot) -> BookingForm:
    """Dr Rao's 11:00 slot (one seat free): a walk-in with a phone number, submitted."""
    await press(pilot, "right", "b")
    form = pilot.app.screen
    assert isinstance(form, BookingForm)
    await type_text(pilot, NAME)
    await press(pilot, "tab")
    await type_text(pilot, PHONE)
    await pilot.press("enter")  # not settled: the command may wait on the database
    return form


def typed(form: BookingForm) -> tuple[str, str]:
    return (form.query_one("#patient_name", Input).value,
            form.query_one("#patient_ref", Input).value)


def no_patient_in(*texts: str) -> bool:
    return not any(part in text for text in texts for part in ("Meena", "Joshi", "98111"))


# -- read-only ----------------------------------------------------------------


@pytest.fixture
def read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[World, str]]:
    """The test day in a file, then opened read-only (as a desk on a file it may not
    write, or a full or remounted disk would have it)."""
    monkeypatch.chdir(tmp_path)  # a `file:` URI must not leave anything in the tree
    path = tmp_path / "opd.sqlite3"
    writer = AllocationEngine.open(f"sqlite:///{path}")
    world = build_world(writer)
    writer.close()
    desk_engine = AllocationEngine.open(f"sqlite:///file:{path}?mode=ro&uri=true")
    world.engine = desk_engine
    try:
        yield world, f"sqlite:///{path}"
    finally:
        desk_engine.close()


def written(url: str) -> tuple[int, list[str]]:
    with AllocationEngine.open(url) as engine:
        return engine.last_event_id(), [t.patient_name for t in engine.search("Meena")]


async def test_a_read_only_database_keeps_the_booking_form_and_says_why(
    read_only: tuple[World, str],
) -> None:
    world, url = read_only
    before = written(url)
    async with desk_open(world.engine) as pilot:
        form = await fill_booking(pilot)
        assert await eventually(pilot, lambda: "Not done" in outcome(pilot))
        said = outcome(pilot)
        assert "Database read-only" in said
        # The form stays open with what the receptionist typed, ready to try again.
        assert pilot.app.screen is form and typed(form) == (NAME, PHONE)
        assert not form.query_one("#submit").disabled
        assert still_running(pilot)
        await press(pilot, "escape")
        assert await eventually(pilot, lambda: "Database read-only" in banner(pilot))
        assert no_patient_in(said, banner(pilot), *notes(pilot.app))
        assert still_running(pilot)
    assert written(url) == before


async def test_a_read_only_database_refuses_a_desk_command_on_the_banner(
    read_only: tuple[World, str],
) -> None:
    world, url = read_only
    before = written(url)
    async with desk_open(world.engine) as pilot:
        await press(pilot, "enter", "i")  # Dr Rao 10:00: check Asha in
        assert await eventually(pilot, lambda: "Database read-only" in banner(pilot))
        assert any("Not done" in n for n in notes(pilot.app))
        assert world.engine.token(world.asha.id).status == TokenStatus.BOOKED
        # The desk still reads: the day is on show and the keys still work.
        assert pilot.app.desk.seated.row_count == 2
        await press(pilot, "slash")
        await type_text(pilot, "RAO-003")
        await settle(pilot)
        await press(pilot, "enter")
        assert pilot.app.desk.waitlist.selected_token.id == world.sita.id
        assert still_running(pilot)
    assert written(url) == before


async def test_the_banner_fits_a_small_desk_whole(read_only: tuple[World, str]) -> None:
    world, _ = read_only
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        assert await eventually(pilot, lambda: "Database read-only" in banner(pilot))
        line = pilot.app.desk.query_one("#fault")
        # Every word of the message, what to do included, in at most four rows...
        assert banner(pilot).endswith("(or that the server accepts writes).")
        assert 2 <= line.region.height <= 4
        # ...and the day still on show under it.
        desk = pilot.app.desk
        assert desk.grid.region.y > line.region.bottom - 1
        assert desk.seated.region.height >= 6


# -- busy ---------------------------------------------------------------------


def hold_write_lock(url: str) -> sqlite3.Connection:
    """Another program holding the file's write lock, as a long import would."""
    lock = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    return lock


async def test_a_busy_database_is_waited_for_then_the_booking_goes_through(
    sqlite_url: str,
) -> None:
    engine = AllocationEngine.open(sqlite_url)
    try:
        world = build_world(engine)
        async with desk_open(engine) as pilot:
            lock = hold_write_lock(sqlite_url)
            try:
                form = await fill_booking(pilot)
                # After a moment the form says it is waiting, and keeps what was typed.
                assert await eventually(pilot, lambda: WAITING in outcome(pilot))
                assert typed(form) == (NAME, PHONE)
                await pilot.press("escape")  # not while the database may still answer
                await pilot.pause(0.2)
                assert pilot.app.screen is form
            finally:
                lock.rollback()
                lock.close()
            assert await eventually(pilot, lambda: "RAO-005 booked 11:00-12:00" in outcome(pilot))
            await press(pilot, "enter")
            assert world.named(NAME).status == TokenStatus.CHECKED_IN
            assert banner(pilot) == ""
    finally:
        engine.close()


async def test_a_desk_command_waiting_on_a_busy_database_says_so(sqlite_url: str) -> None:
    engine = AllocationEngine.open(sqlite_url)
    try:
        world = build_world(engine)
        async with desk_open(engine) as pilot:
            await press(pilot, "enter")  # Dr Rao 10:00: Asha
            lock = hold_write_lock(sqlite_url)
            try:
                await pilot.press("i")
                assert await eventually(pilot, lambda: banner(pilot) == WAITING)
            finally:
                lock.rollback()
                lock.close()
            assert await eventually(
                pilot, lambda: any("RAO-001 checked in" in n for n in notes(pilot.app))
            )
            assert engine.token(world.asha.id).status == TokenStatus.CHECKED_IN
            assert await eventually(pilot, lambda: banner(pilot) == "")
    finally:
        engine.close()


@pytest.mark.slow  # waits out the real 15-second busy budget
async def test_a_database_that_stays_busy_is_said_and_the_form_kept(sqlite_url: str) -> None:
    """Held past the engine's 15 seconds: `DatabaseBusy`, nothing written, and the
    same form books once the lock is gone."""
    engine = AllocationEngine.open(sqlite_url)
    try:
        world = build_world(engine)
        before = engine.last_event_id()
        async with desk_open(engine) as pilot:
            lock = hold_write_lock(sqlite_url)
            try:
                form = await fill_booking(pilot)
                assert await eventually(pilot, lambda: "Not done" in outcome(pilot), seconds=60)
                assert "Database busy" in outcome(pilot)
                assert typed(form) == (NAME, PHONE)
                assert await eventually(pilot, lambda: "Database busy" in banner(pilot))
                assert no_patient_in(outcome(pilot), banner(pilot))
                assert engine.last_event_id() == before
            finally:
                lock.rollback()
                lock.close()
            await pilot.press("enter")  # the same form, tried again
            assert await eventually(pilot, lambda: "RAO-005 booked" in outcome(pilot))
            assert world.named(NAME).status == TokenStatus.CHECKED_IN
            # A command got through: the banner has nothing left to say.
            assert await eventually(pilot, lambda: banner(pilot) == "")
            assert still_running(pilot)
    finally:
        engine.close()


# -- reads that fail, and come back ---------------------------------------------


async def test_reads_that_fail_are_tried_again_until_they_succeed(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = AllocationEngine.open(sqlite_url)
    other = AllocationEngine.open(sqlite_url)
    try:
        world = build_world(mine)
        down = True
        real_events = mine.events

        def events(*args, **kwargs):
            if down:
                raise DatabaseUnavailable(  # brackets: shown as typed, never as markup
                    "The database postgresql://opd@[db-1]/opd cannot be reached: the "
                    "connection was lost. Check the network or the server, then try again."
                )
            return real_events(*args, **kwargs)

        async with desk_open(mine, poll_interval=0.1) as pilot:
            monkeypatch.setattr(mine, "events", events)
            assert await eventually(pilot, lambda: "Database unavailable" in banner(pilot))
            assert "postgresql://opd@[db-1]/opd" in banner(pilot)
            assert "keeps trying" in banner(pilot)
            # Meanwhile another desk books; the desk shows it once reads come back.
            await asyncio.to_thread(
                other.book, world.slot("RAO", 11).id, "Naveen Other", "ONLINE", None, EARLY
            )
            await pilot.pause(0.5)
            grid = pilot.app.desk.grid
            assert grid.get_cell(str(world.rao.id), "11:00").plain.startswith("○ 1/2")
            assert still_running(pilot)
            down = False
            assert await eventually(pilot, lambda: banner(pilot) == "")
            assert await eventually(
                pilot, lambda: grid.get_cell(str(world.rao.id), "11:00").plain.startswith("● 2/2")
            )
    finally:
        other.close()
        mine.close()


# -- the clock ----------------------------------------------------------------


async def test_a_clock_pushed_ahead_is_said_with_both_times_and_the_way_back(
    sqlite_url: str,
) -> None:
    """On the hospital's clock (no clock of the desk's own), a stored clock an hour
    ahead refuses commands (rule 18) until `reset_clock`."""
    engine = AllocationEngine.open(sqlite_url)
    try:
        day = date.today() + timedelta(days=2)
        rao = engine.add_doctor("Anjali Rao", "RAO", "Cardiology", "101")
        engine.generate_slots(rao.id, day, time(9), time(13), 60, 2)
        ahead = datetime.now() + timedelta(hours=1)
        engine.advance(ahead)  # a command with a clock an hour fast moves the stored clock
        app = DeskApp(engine, day=day, poll_interval=0.1)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            # The desk's own advance meets it first: it is on the banner.
            assert await eventually(pilot, lambda: "Clock ahead" in banner(pilot))
            assert "opd-tui clock --reset" in banner(pilot)
            assert f"{ahead:%H:%M}" in banner(pilot)
            form = await fill_booking(pilot)
            assert await eventually(pilot, lambda: "Not done" in outcome(pilot))
            assert "Clock ahead" in outcome(pilot) and "opd-tui clock --reset" in outcome(pilot)
            assert typed(form) == (NAME, PHONE) and engine.search("Meena") == []
            assert no_patient_in(outcome(pilot), banner(pilot))
            engine.reset_clock()
            await pilot.press("enter")  # the same form, tried again
            assert await eventually(pilot, lambda: "booked" in outcome(pilot))
            assert [t.status for t in engine.search("Meena")] == [TokenStatus.BOOKED]
            assert await eventually(pilot, lambda: banner(pilot) == "")
            assert still_running(pilot)
    finally:
        engine.close()
