"""A database file deleted or replaced under a running kiosk puts it out of service
instead of booking into a file nobody else sees. A file moved away and back is the
same file: the kiosk takes up its work again. A deleted file never comes back."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from opd_tui.engine import AllocationEngine
from opd_tui.tui.kiosk.health import DatabaseFile, FileState
from opd_tui.tui.kiosk.notices import OutOfServiceScreen
from opd_tui.tui.kiosk.screens import ConfirmScreen, StartScreen

from .conftest import NOW, World, build_world, eventually
from .test_kiosk import card, kiosk_open, press, screen_text, to_confirm

NAME = "Meena Kumari"


@pytest.fixture
def file_day(sqlite_url: str) -> Iterator[tuple[World, Path]]:
    engine = AllocationEngine.open(sqlite_url)
    try:
        yield build_world(engine), Path(sqlite_url.removeprefix("sqlite:///"))
    finally:
        engine.close()


def out_of_service(app) -> bool:  # noqa: ANN001
    return isinstance(app.screen, OutOfServiceScreen)


def replacement(path: Path) -> None:
    """Put a copy of the file in its place: the same data, another file."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    copy = path.with_suffix(".copy")
    shutil.copyfile(path, copy)
    os.replace(copy, path)


def tokens_named(path: Path, name: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM tokens WHERE patient_name = ?",
                            (name,)).fetchone()[0]
    finally:
        conn.close()


async def looks_again(pilot: Pilot, times: int = 3) -> None:
    """Let the out-of-service screen look at the file `times` more times."""
    screen = pilot.app.screen
    seen = screen.checks
    assert await eventually(pilot, lambda: screen.checks >= seen + times)


async def stays_out_of_service(pilot: Pilot) -> None:
    app = pilot.app
    await press(pilot, "enter", "escape", "space", "1")
    app.timer.advance(app.idle_seconds + 1)
    app.check_idle()
    await looks_again(pilot)
    assert out_of_service(app) and len(app.screen_stack) == 2
    shown = screen_text(app)
    assert "Out of service — please ask at the desk." in shown


def test_only_a_sqlite_file_is_watched(sqlite_url: str) -> None:
    with AllocationEngine.open(sqlite_url) as engine:
        watched = DatabaseFile.of(engine.database_file)
    assert watched is not None and watched.state() is FileState.SAME
    for in_memory in ("sqlite:///:memory:", "sqlite://"):
        with AllocationEngine.open(in_memory) as engine:
            assert engine.database_file is None
            assert DatabaseFile.of(engine.database_file) is None


@pytest.mark.postgres
def test_a_server_database_has_no_file_to_watch(pg_url: str) -> None:
    with AllocationEngine.open(pg_url) as engine:
        assert engine.database_file is None
        assert DatabaseFile.of(engine.database_file) is None


async def test_a_deleted_database_file_puts_the_kiosk_out_of_service_for_good(
    file_day: tuple[World, Path],
) -> None:
    day, path = file_day
    saved = path.with_suffix(".saved")
    shutil.copyfile(path, saved)
    before = day.engine.last_event_id()
    async with kiosk_open(day.engine, retry_interval=0.05) as pilot:
        app = pilot.app
        assert isinstance(app.screen, StartScreen)
        path.unlink()
        assert await eventually(pilot, lambda: out_of_service(app))
        await stays_out_of_service(pilot)

        os.replace(saved, path)  # a copy put back is another file: still out of service
        await stays_out_of_service(pilot)
        assert app.is_running
    assert day.engine.last_event_id() == before


async def test_a_file_moved_away_and_back_is_the_same_file(
    file_day: tuple[World, Path],
) -> None:
    day, path = file_day
    away = path.with_suffix(".away")
    async with kiosk_open(day.engine, size=(120, 40), retry_interval=0.05) as pilot:
        app = pilot.app
        os.replace(path, away)
        assert await eventually(pilot, lambda: out_of_service(app))
        await stays_out_of_service(pilot)

        os.replace(away, path)
        assert await eventually(pilot, lambda: isinstance(app.screen, StartScreen))
        assert len(app.screen_stack) == 1
        day.engine.call_next(day.khan.id, now=NOW)  # the board runs again
        assert await eventually(
            pilot, lambda: card(app, day.khan).row.in_consultation == "KHAN-001"
        )
        await press(pilot, "enter")
        assert not out_of_service(app)


async def test_a_file_replaced_before_the_booking_books_nothing(
    file_day: tuple[World, Path],
) -> None:
    day, path = file_day
    before = day.engine.last_event_id()
    async with kiosk_open(day.engine, retry_interval=0.05) as pilot:
        app = pilot.app
        await to_confirm(pilot, NAME)
        assert isinstance(app.screen, ConfirmScreen)
        replacement(path)
        await press(pilot, "enter")
        assert out_of_service(app) and len(app.screen_stack) == 2
        assert not app.booking_in_flight
        await stays_out_of_service(pilot)
    assert day.tokens_of(NAME) == [] and day.engine.last_event_id() == before  # the old file
    assert tokens_named(path, NAME) == 0  # and the new one


async def test_staff_can_close_an_out_of_service_kiosk(file_day: tuple[World, Path]) -> None:
    day, path = file_day
    async with kiosk_open(day.engine, exit_pin="4321", retry_interval=0.05) as pilot:
        app = pilot.app
        path.unlink()
        assert await eventually(pilot, lambda: out_of_service(app))
        await press(pilot, "ctrl+q")
        await pilot.press(*"4321")
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running
