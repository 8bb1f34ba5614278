"""The now-serving board in a busy hall: more doctors than fit page through in big
letters, and a newly called token rings the bell once and stands out.

Pages and highlights run on the kiosk's `timer`, which these tests move on by
hand (`HandTimer`): nothing here waits for seconds to pass. `eventually` only
lets the app run until what the timer decided shows on the screen.
"""

from __future__ import annotations

from datetime import time

import pytest
from textual.app import App

from opd_tui.domain.models import Doctor, NowServing
from opd_tui.engine import AllocationEngine
from opd_tui.tui.kiosk import KioskApp
from opd_tui.tui.kiosk.bigtext import BigText, render_lines
from opd_tui.tui.kiosk.board import CALLED_SECONDS, PAGE_SECONDS, DoctorCard, NowServingBoard
from opd_tui.tui.kiosk.screens import StartScreen

from .conftest import DAY, NOW, World, eventually, settle
from .test_kiosk import card, kiosk_open, screen_text
from .test_kiosk_database_down import FaultyEngine

HALL = (120, 40)


@pytest.fixture
def rings(monkeypatch: pytest.MonkeyPatch) -> list[KioskApp]:
    """Each ring of the terminal bell, by the app that rang it."""
    rung: list[KioskApp] = []
    monkeypatch.setattr(App, "bell", lambda self: rung.append(self))
    return rung


def twenty_doctors(engine: AllocationEngine) -> list[Doctor]:
    """Twenty doctors, each with a patient inside and one more checked in."""
    doctors = []
    for n in range(1, 21):
        doctor = engine.add_doctor(f"Doctor {n:02d}", f"DR{n:02d}", "General Medicine", f"{n}")
        engine.generate_slots(doctor.id, DAY, time(10), time(11), 60, 4)
        for name in ("First Patient", "Second Patient"):
            engine.book_earliest(doctor.id, name, "WALKIN", now=NOW, in_hall=True)
        engine.call_next(doctor.id, now=NOW)
        doctors.append(doctor)
    return doctors


def board_of(app: KioskApp) -> NowServingBoard:
    assert isinstance(app.screen, StartScreen)
    return app.screen.board


def codes(cards: list[DoctorCard]) -> list[str]:
    return [c.row.doctor_code for c in cards]


def drawn_big(app: KioskApp, card_: DoctorCard) -> bool:
    """The card's number is on the screen in big letters, and not as plain text."""
    number = card_.query_one(BigText)
    scale = number.scale_for(number.content_size.width)
    shown = screen_text(app)
    return (
        scale >= 1
        and all(line.strip() in shown for line in render_lines(number.text, scale))
        and number.text not in shown
    )


def inside_the_board(app: KioskApp, card_: DoctorCard) -> bool:
    """Wholly on the screen, above the call to take a token."""
    call = app.screen.query_one("#call")
    return app.screen.region.contains_region(card_.region) and card_.region.bottom <= call.region.y


# -- more doctors than fit ------------------------------------------------------------


async def test_twenty_doctors_page_through_in_big_letters_on_the_timer(
    engine: AllocationEngine,
) -> None:
    doctors = twenty_doctors(engine)
    order = [r.doctor_code for r in engine.now_serving(day=DAY, now=NOW)]
    assert sorted(order) == sorted(d.code for d in doctors)
    async with kiosk_open(engine, size=HALL) as pilot:
        app = pilot.app
        board = board_of(app)
        assert board.has_class("-cards") and board.scale >= 1  # never small text
        pages = board.pages
        assert pages >= 2
        seen: list[str] = []
        for page in range(pages):
            assert board.page == page
            assert f"page {page + 1} of {pages}" in screen_text(app)
            shown = board.shown_cards()
            assert 0 < len(shown) < len(doctors)
            for card_ in shown:
                assert inside_the_board(app, card_), card_.row.doctor_code
                assert drawn_big(app, card_), card_.row.doctor_code
            seen += codes(shown)

            # Not a moment early: the page stays until its time is up.
            app.timer.advance(PAGE_SECONDS - 0.5)
            board.tick()
            assert board.page == page
            app.timer.advance(0.5)
            assert await eventually(pilot, lambda p=page: board.page == (p + 1) % pages)
            await settle(pilot)
        assert seen == order  # every doctor once, in the board's order
        assert board.page == 0 and f"page 1 of {pages}" in screen_text(app)  # round again


async def test_a_call_on_another_page_brings_its_page_up(
    engine: AllocationEngine, rings: list[KioskApp]
) -> None:
    twenty_doctors(engine)
    async with kiosk_open(engine, size=HALL) as pilot:
        app = pilot.app
        board = board_of(app)
        assert board.page == 0 and board.pages >= 2 and rings == []
        last = board.cards()[-1]
        assert not last.display

        engine.call_next(last.row.doctor_id, now=NOW)  # the second patient goes in
        assert await eventually(pilot, lambda: last.called)
        await settle(pilot)
        assert board.page == board.pages - 1 and last.display
        assert f"page {board.pages} of {board.pages}" in screen_text(app)
        assert drawn_big(app, last) and "NOW CALLING" in screen_text(app)
        assert len(rings) == 1

        # The page stays up for its whole time from the call, then turns on.
        app.timer.advance(PAGE_SECONDS - 0.5)
        board.tick()
        assert board.page == board.pages - 1
        app.timer.advance(0.5)
        assert await eventually(pilot, lambda: board.page == 0)


async def test_what_fits_shows_on_one_page_without_a_page_number(day: World) -> None:
    async with kiosk_open(day.engine, size=HALL) as pilot:
        board = board_of(pilot.app)
        assert board.pages == 1 and len(board.shown_cards()) == 3
        pilot.app.timer.advance(PAGE_SECONDS * 3)
        board.tick()
        assert board.page == 0 and "page" not in screen_text(pilot.app)


async def test_too_small_for_one_card_one_line_per_doctor_paged(day: World) -> None:
    for n in range(5):
        day.engine.add_doctor(f"Doctor {'ABCDE'[n]}", f"D{n}", "General Medicine")
    day.engine.call_next(day.khan.id, now=NOW)
    async with kiosk_open(day.engine, size=(80, 11)) as pilot:
        app = pilot.app
        board = board_of(app)
        assert board.has_class("-compact") and board.pages == 2
        shown = screen_text(app)
        assert "page 1 of 2" in shown and "Dr Anjali Rao" in shown and "KHAN-001" not in shown
        first = codes(board.shown_cards())
        app.timer.advance(PAGE_SECONDS)
        assert await eventually(pilot, lambda: board.page == 1)
        await settle(pilot)
        shown = screen_text(app)
        assert "page 2 of 2" in shown and "KHAN-001" in shown and "Dr Anjali Rao" not in shown
        assert first + codes(board.shown_cards()) == [r.doctor_code for r in board.rows]


# -- a call rings the bell ---------------------------------------------------------------


async def test_a_new_call_rings_once_and_stands_out_for_a_few_seconds(
    day: World, rings: list[KioskApp]
) -> None:
    faulty = FaultyEngine(day.engine)
    day.engine.call_next(day.khan.id, now=NOW)  # Leela was called before the kiosk opened
    async with kiosk_open(faulty, size=HALL) as pilot:
        app = pilot.app
        board = board_of(app)
        khan, rao = card(app, day.khan), card(app, day.rao)
        assert khan.row.in_consultation == "KHAN-001"
        assert rings == [] and not khan.called  # the first paint is no call

        # Someone checks in: the next numbers change, nobody is called.
        day.engine.check_in(day.asha.id, now=NOW)
        assert await eventually(pilot, lambda: rao.row.next_numbers == ["RAO-001"])
        await settle(pilot)
        assert rings == [] and not rao.called

        day.engine.call_next(day.rao.id, now=NOW)  # Asha goes in
        assert await eventually(pilot, lambda: rao.row.in_consultation == "RAO-001")
        await settle(pilot)
        assert rings == [app] and rao.called and not khan.called
        assert "NOW CALLING" in screen_text(app)

        # Reading the board again with nothing new rings nothing.
        reads = len(faulty.called("now_serving"))
        app.screen.refresh_board()
        assert await eventually(pilot, lambda: len(faulty.called("now_serving")) > reads)
        await settle(pilot)
        await board.show(list(board.rows))
        await settle(pilot)
        assert rings == [app]

        # The highlight runs out on the timer.
        app.timer.advance(CALLED_SECONDS - 0.5)
        board.tick()
        assert rao.called
        app.timer.advance(0.5)
        assert await eventually(pilot, lambda: not rao.called)
        await settle(pilot)
        assert "NOW CALLING" not in screen_text(app)

        # Dr Khan finishes with no one waiting: the number goes, no bell.
        day.engine.call_next(day.khan.id, now=NOW)
        assert await eventually(pilot, lambda: khan.row.in_consultation is None)
        await settle(pilot)
        assert rings == [app] and not khan.called


async def test_calls_arriving_together_ring_the_bell_once(
    day: World, rings: list[KioskApp]
) -> None:
    async with kiosk_open(day.engine, size=HALL) as pilot:
        board = board_of(pilot.app)
        called = {day.rao.id: "RAO-001", day.iyer.id: "IYER-001"}
        rows: list[NowServing] = [
            r.model_copy(update={"in_consultation": called.get(r.doctor_id, r.in_consultation)})
            for r in board.rows
        ]
        await board.show(rows)
        await settle(pilot)
        assert len(rings) == 1
        assert [c.row.doctor_code for c in board.cards() if c.called] == ["RAO", "IYER"]
        await board.show(rows)  # the same again: nothing new
        await settle(pilot)
        assert len(rings) == 1
