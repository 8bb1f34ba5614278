"""A desk says what its own command did to others, never what another desk did.

Each test wraps one engine call of the desk so that, the moment this desk's
command has committed and before the desk words its message, another desk (a
second engine on the same file, in a thread of its own as another counter would
be) bumps or promotes somebody. The desk's message must not claim that change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from opd_tui.domain.enums import TokenStatus
from opd_tui.engine import AllocationEngine

from .conftest import EARLY, World, build_world, desk_open, notes, press, type_text


@pytest.fixture
def two_desks(sqlite_url: str):
    mine = AllocationEngine.open(sqlite_url)
    other = AllocationEngine.open(sqlite_url)  # the desk next door, its own connections
    try:
        yield build_world(mine), other
    finally:
        other.close()
        mine.close()


def then_another_desk(
    engine: AllocationEngine, name: str, elsewhere: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
) -> list[Any]:
    """Make `engine.<name>` run `elsewhere` in another thread right after it returns."""
    real = getattr(engine, name)
    done: list[Any] = []

    def command_then_the_other_desk(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        other = threading.Thread(target=lambda: done.append(elsewhere()))
        other.start()
        other.join()
        return result

    monkeypatch.setattr(engine, name, command_then_the_other_desk)
    return done


async def test_a_bump_at_another_desk_is_not_this_desks(
    two_desks: tuple[World, AllocationEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, other = two_desks
    # Right after this desk checks Asha in, the next desk books a paid patient into
    # the same full slot: Ravi (walk-in) is bumped to 11:00 by the other desk.
    done = then_another_desk(
        world.engine, "check_in",
        lambda: other.book(world.slot("RAO", 10).id, "Vijay Paid", "PAID", now=EARLY),
        monkeypatch,
    )
    async with desk_open(world.engine, size=(200, 60)) as pilot:
        await press(pilot, "enter", "i")  # Dr Rao 10:00: check Asha in
        assert done, "the other desk booked"
        assert world.engine.token(world.asha.id).status == TokenStatus.CHECKED_IN
        assert world.engine.token(world.ravi.id).slot_id == world.slot("RAO", 11).id
        said = [n for n in notes(pilot.app) if "RAO-001 checked in" in n]
        assert said == ["RAO-001 checked in"]
        assert not any("RAO-002" in n or "make room" in n for n in notes(pilot.app))


async def test_a_promotion_at_another_desk_is_not_this_bookings(
    two_desks: tuple[World, AllocationEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, other = two_desks
    # Right after this desk books into 11:00, the next desk cancels Asha at 10:00,
    # which promotes Sita from the waitlist: the other desk's doing.
    done = then_another_desk(
        world.engine, "book", lambda: other.cancel(world.asha.id, now=EARLY), monkeypatch
    )
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        await type_text(pilot, "Meena Joshi")
        await press(pilot, "enter")
        outcome = str(form.query_one("#outcome").render())
        assert "RAO-005 booked 11:00-12:00" in outcome
        assert done and world.engine.token(world.sita.id).status == TokenStatus.BOOKED
        assert "promoted" not in outcome and "RAO-003" not in outcome
        assert not any("promoted" in n for n in notes(pilot.app))


async def test_this_desks_own_promotion_is_said(
    two_desks: tuple[World, AllocationEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, other = two_desks
    # This desk's cancel promotes Sita; the other desk's booking at the same moment
    # (into Dr Khan's 11:00) is not mentioned.
    done = then_another_desk(
        world.engine, "cancel",
        lambda: other.book(world.slot("KHAN", 11).id, "Naveen Other", "ONLINE", now=EARLY),
        monkeypatch,
    )
    async with desk_open(world.engine) as pilot:
        await press(pilot, "enter", "x", "y")
        assert done
        assert any("RAO-001 cancelled; RAO-003 promoted from the waitlist into 10:00" == n
                   for n in notes(pilot.app))
        assert not any("KHAN" in n for n in notes(pilot.app))
