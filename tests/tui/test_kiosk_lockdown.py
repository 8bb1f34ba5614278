"""The kiosk is locked down: every key the desk binds, the palette key, the quit keys
and a few more reach nothing but the kiosk's own screens, change nothing in the
database, and never close it without the exit PIN."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil

import pytest
from textual.pilot import Pilot

from opd_tui import cli
from opd_tui.engine import AllocationEngine
from opd_tui.tui.kiosk import KioskApp
from opd_tui.tui.kiosk.screens import (
    ConfirmScreen,
    DepartmentScreen,
    DoctorScreen,
    ExitPinScreen,
    NameScreen,
    PhoneScreen,
    SlipScreen,
    StartScreen,
)
from opd_tui.tui.screenshot_tools import workers_done

from .conftest import World, eventually
from .test_kiosk import DAY, kiosk_open, press, screen_text, type_text

KIOSK_SCREENS = (StartScreen, DepartmentScreen, DoctorScreen, NameScreen, PhoneScreen,
                 ConfirmScreen, SlipScreen)
#: Keys a kiosk must survive besides the desk's: the palette, quitting, suspending,
#: focus moves, copy and paste, help, function keys.
OTHER_KEYS = ["ctrl+p", "ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+d", "ctrl+w",
              "ctrl+x", "ctrl+v", "ctrl+s", "ctrl+t", "ctrl+l", "ctrl+o", "escape", "tab",
              "shift+tab", "f1", "f2", "f10", "question_mark", "colon", "q", "Q"]


def desk_keys() -> list[str]:
    """Every key a desk class binds (the desk app, its screens, modals and widgets)."""
    names = ["opd_tui.tui.desk"]
    for package in ("opd_tui.tui.screens", "opd_tui.tui.modals", "opd_tui.tui.widgets"):
        path = importlib.import_module(package).__path__
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(path)]
    keys: set[str] = set()
    for name in names:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == name and "BINDINGS" in vars(cls):
                for binding in cls.BINDINGS:
                    key = binding.key if hasattr(binding, "key") else binding[0]
                    keys.update(k.strip() for k in key.split(","))
    return sorted(keys)


def test_the_desk_keys_are_found() -> None:
    keys = desk_keys()
    # The desk's booking, call-next, cancel and doctor keys are among them.
    assert {"b", "n", "x", "D", "slash", "exclamation_mark"} <= set(keys)


def database_state(engine: AllocationEngine) -> tuple:
    return engine.last_event_id(), engine.day_summary(DAY), engine.now_serving(DAY)


async def press_all(pilot: Pilot, keys: list[str], allowed: tuple[type, ...]) -> None:
    """Press each key; after each, the kiosk runs and shows one of `allowed`."""
    app = pilot.app
    for key in keys:
        await pilot.press(key)
        await pilot.pause()
        assert app.is_running, f"{key} closed the kiosk"
        assert isinstance(app.screen, allowed), f"{key} opened {app.screen!r}"
        assert all(isinstance(s, (*KIOSK_SCREENS, ExitPinScreen)) for s in app.screen_stack)
    await workers_done(pilot.app)
    await pilot.pause()
    assert isinstance(app.screen, allowed)


async def test_no_key_opens_anything_on_the_board(day: World) -> None:
    before = database_state(day.engine)
    keys = [k for k in desk_keys() + OTHER_KEYS if k not in ("enter", "space")]
    async with kiosk_open(day.engine) as pilot:
        app = pilot.app
        assert app.ENABLE_COMMAND_PALETTE is False
        await press_all(pilot, keys, (StartScreen,))
        assert len(app.screen_stack) == 1 and app.return_code is None
    assert database_state(day.engine) == before


async def test_no_key_does_anything_else_while_taking_a_token(day: World) -> None:
    """At each step a stray key leaves the patient where they were."""
    before = database_state(day.engine)
    stray = [k for k in desk_keys() + OTHER_KEYS
             if k not in ("enter", "space", "escape", "up", "down", "home", "end")]
    async with kiosk_open(day.engine) as pilot:
        app = pilot.app
        await press(pilot, "enter")
        await press_all(pilot, stray, (DepartmentScreen,))
        await press(pilot, "1")
        await press_all(pilot, stray, (DoctorScreen,))
        await press(pilot, "1")
        await type_text(pilot, "Meena Kumari")
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, ConfirmScreen)
        await press_all(pilot, stray, (ConfirmScreen,))
    assert database_state(day.engine) == before


async def test_without_a_pin_the_kiosk_cannot_be_closed_from_the_keyboard(day: World) -> None:
    async with kiosk_open(day.engine, exit_pin=None) as pilot:
        for key in ("ctrl+q", "ctrl+c", "ctrl+q"):
            await press(pilot, key)
            assert isinstance(pilot.app.screen, StartScreen) and pilot.app.is_running


async def test_the_exit_pin_closes_the_kiosk_and_nothing_else_does(day: World) -> None:
    before = database_state(day.engine)
    async with kiosk_open(day.engine, exit_pin="4321") as pilot:
        app = pilot.app
        await press(pilot, "ctrl+q")
        assert isinstance(app.screen, ExitPinScreen)
        await type_text(pilot, "1234")
        await press(pilot, "enter")
        assert isinstance(app.screen, ExitPinScreen) and app.is_running
        assert "Wrong PIN." in screen_text(app)
        await press(pilot, "escape")
        assert isinstance(app.screen, StartScreen) and app.is_running

        await press(pilot, "ctrl+c")
        assert isinstance(app.screen, ExitPinScreen)
        await press_all(pilot, ["ctrl+p", "ctrl+q", "ctrl+c", "b", "D"], (ExitPinScreen,))
        await type_text(pilot, "4321")
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running
    assert database_state(day.engine) == before


async def test_a_pin_of_letters_can_be_typed(day: World) -> None:
    async with kiosk_open(day.engine, exit_pin="open-Sesame") as pilot:
        await press(pilot, "ctrl+q")
        await type_text(pilot, "open-Sesame")
        await pilot.press("enter")
        await pilot.pause()
    assert pilot.app.return_code == 0 and not pilot.app.is_running


def pin_problem(app: KioskApp) -> str:
    return str(app.screen.query_one("#pin-problem").render())


async def test_wrong_pins_lock_the_exit_for_five_minutes_and_say_so(day: World) -> None:
    async with kiosk_open(day.engine, exit_pin="4321") as pilot:
        app = pilot.app
        await press(pilot, "ctrl+q")
        for _ in range(KioskApp.MAX_PIN_TRIES):
            assert isinstance(app.screen, ExitPinScreen)
            await type_text(pilot, "0000")
            await press(pilot, "enter")
        assert isinstance(app.screen, ExitPinScreen)
        assert pin_problem(app) == "Too many wrong PINs. The exit is locked for 5 minutes."
        assert not app.screen.query_one("#pin").display
        await type_text(pilot, "4321")  # the right PIN, too late: nowhere to type it
        await press(pilot, "enter")
        assert isinstance(app.screen, ExitPinScreen) and app.is_running
        await press(pilot, "escape")
        assert isinstance(app.screen, StartScreen)

        app.timer.advance(KioskApp.PIN_LOCKOUT_SECONDS - 61)
        await press(pilot, "ctrl+q")  # asking again says how long is left
        assert pin_problem(app).endswith("The exit is locked for 2 minutes.")
        await press(pilot, "escape")
        app.timer.advance(60)
        await press(pilot, "ctrl+c")
        assert pin_problem(app).endswith("The exit is locked for 1 minute.")
        await press(pilot, "escape")
        app.timer.advance(2)  # the lockout is over: staff may try again
        await press(pilot, "ctrl+q")
        assert isinstance(app.screen, ExitPinScreen) and app.screen.query_one("#pin").display
        assert pin_problem(app) == ""
        await type_text(pilot, "4321")
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_a_locked_pin_prompt_goes_away_when_left_alone(day: World) -> None:
    async with kiosk_open(day.engine, exit_pin="4321", idle_seconds=45) as pilot:
        app = pilot.app
        await press(pilot, "ctrl+q")
        for _ in range(KioskApp.MAX_PIN_TRIES):
            await type_text(pilot, "0000")
            await press(pilot, "enter")
        assert "locked for 5 minutes" in pin_problem(app)
        app.timer.advance(46)
        assert await eventually(pilot, lambda: isinstance(app.screen, StartScreen))


async def test_the_pin_prompt_goes_away_when_left_alone(day: World) -> None:
    async with kiosk_open(day.engine, exit_pin="4321", idle_seconds=45) as pilot:
        await press(pilot, "ctrl+q")
        assert isinstance(pilot.app.screen, ExitPinScreen)
        pilot.app.timer.advance(46)
        assert await eventually(pilot, lambda: isinstance(pilot.app.screen, StartScreen))
        assert pilot.app.is_running


@pytest.mark.parametrize(
    ("argv", "env", "pin"),
    [
        (["kiosk", "--exit-pin", "2468"], None, "2468"),
        (["kiosk"], "1357", "1357"),
        (["kiosk"], None, None),
    ],
)
def test_the_exit_pin_comes_from_the_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, sqlite_url: str, argv: list[str], env: str | None,
    pin: str | None,
) -> None:
    seen: list[KioskApp] = []
    monkeypatch.setattr(KioskApp, "run", lambda self, *a, **k: seen.append(self))
    if env is None:
        monkeypatch.delenv("OPD_KIOSK_EXIT_PIN", raising=False)
    else:
        monkeypatch.setenv("OPD_KIOSK_EXIT_PIN", env)
    monkeypatch.setenv("TEXTUAL_ALLOW_SIGNALS", "1")
    AllocationEngine.open(sqlite_url).close()  # the kiosk opens a database, never makes one
    assert cli.main([*argv[:1], "--db", sqlite_url, *argv[1:]]) == 0
    [app] = seen
    assert app.exit_pin == pin
    assert "TEXTUAL_ALLOW_SIGNALS" not in os.environ  # ctrl+c stays a key, not a signal
