"""Every day: the kiosk finalises earlier days as it runs (`engine.advance`, at most
once a minute; rule 17) and its board shows only today's tokens, so a patient
checked in yesterday never shows after midnight. Without a clock of its own the
kiosk leaves the time to the engine (rule 18)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from opd_tui.domain.models import Doctor, Token
from opd_tui.engine import AllocationEngine
from opd_tui.tui.kiosk import KioskApp
from opd_tui.tui.kiosk.app import ADVANCE_SECONDS

from .conftest import DAY, NOW, eventually, settle
from .test_kiosk import HandTimer, card, kiosk_open
from .test_kiosk_database_down import FaultyEngine

YESTERDAY = DAY - timedelta(days=1)
YESTERDAY_MORNING = datetime.combine(YESTERDAY, time(10, 30))


def doctor_of_two_days(engine: AllocationEngine) -> Doctor:
    rao = engine.add_doctor("Anjali Rao", "RAO", "Cardiology", "101")
    for day in (YESTERDAY, DAY):
        engine.generate_slots(rao.id, day, time(9), time(13), 60, 4)
    return rao


def checked_in_yesterday(engine: AllocationEngine, doctor: Doctor) -> list[Token]:
    """Three walk-ins who came to the hall yesterday and were never called."""
    tokens = [
        engine.book_earliest(doctor.id, name, "WALKIN", now=YESTERDAY_MORNING, in_hall=True)
        for name in ("Asha Verma", "Ravi Kumar", "Sita Devi")
    ]
    assert [t.number for t in tokens] == ["RAO-001", "RAO-002", "RAO-003"]
    assert {t.status for t in tokens} == {"CHECKED_IN"}
    return tokens


def statuses(engine: AllocationEngine, tokens: list[Token]) -> set[str]:
    return {engine.token(t.id).status for t in tokens}


async def test_yesterdays_patients_never_show_today_and_their_day_is_finalised(
    engine: AllocationEngine,
) -> None:
    rao = doctor_of_two_days(engine)
    yesterday = checked_in_yesterday(engine, rao)
    today = engine.book_earliest(rao.id, "Gopal Rao", "WALKIN", now=NOW - timedelta(hours=2),
                                 in_hall=True)
    assert today.number == "RAO-001" and today.status == "CHECKED_IN"
    faulty = FaultyEngine(engine)
    async with kiosk_open(faulty, size=(120, 40)) as pilot:
        app = pilot.app
        # Today's one patient, once: none of yesterday's three.
        assert card(app, rao).row.next_numbers == ["RAO-001"]
        assert await eventually(pilot, lambda: statuses(engine, yesterday) == {"UNSEEN"})
        assert faulty.called("advance")[0] == {"now": NOW}
        assert engine.token(today.id).status == "CHECKED_IN"  # today is left alone


async def test_at_midnight_the_board_turns_to_the_new_day_and_yesterday_is_finished(
    engine: AllocationEngine,
) -> None:
    rao = doctor_of_two_days(engine)
    yesterday = checked_in_yesterday(engine, rao)
    clock = [datetime.combine(YESTERDAY, time(23, 50))]
    app = KioskApp(engine, clock=lambda: clock[0], hospital="City Hospital OPD",
                   idle_seconds=600, timer=HandTimer())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert card(app, rao).row.next_numbers == ["RAO-001", "RAO-002", "RAO-003"]
        assert statuses(engine, yesterday) == {"CHECKED_IN"}  # still their day

        clock[0] = datetime.combine(DAY, time(0, 5))
        assert await eventually(pilot, lambda: card(app, rao).row.next_numbers == [])
        app.timer.advance(ADVANCE_SECONDS)  # the next minute's advance finalises the day
        assert await eventually(pilot, lambda: statuses(engine, yesterday) == {"UNSEEN"})
        assert card(app, rao).row.next_numbers == []


async def test_the_kiosk_advances_at_most_once_a_minute(engine: AllocationEngine) -> None:
    doctor_of_two_days(engine)
    faulty = FaultyEngine(engine)
    async with kiosk_open(faulty, poll_interval=0.02) as pilot:
        app = pilot.app
        assert len(faulty.called("advance")) == 1
        polls = len(faulty.called("last_event_id"))
        assert await eventually(pilot, lambda: len(faulty.called("last_event_id")) >= polls + 5)
        assert len(faulty.called("advance")) == 1
        app.timer.advance(ADVANCE_SECONDS - 1)
        polls = len(faulty.called("last_event_id"))
        assert await eventually(pilot, lambda: len(faulty.called("last_event_id")) >= polls + 3)
        assert len(faulty.called("advance")) == 1
        app.timer.advance(1)
        assert await eventually(pilot, lambda: len(faulty.called("advance")) == 2)


async def test_without_a_clock_of_its_own_the_kiosk_leaves_the_time_to_the_engine(
    engine: AllocationEngine,
) -> None:
    doctor_of_two_days(engine)
    faulty = FaultyEngine(engine)
    app = KioskApp(faulty, hospital="City Hospital OPD", idle_seconds=600, timer=HandTimer())
    assert app.engine_now() is None
    async with app.run_test(size=(100, 32)) as pilot:
        assert await eventually(pilot, lambda: bool(faulty.called("now_serving")))
        assert await eventually(pilot, lambda: bool(faulty.called("advance")))
        assert faulty.called("advance")[0] == {"now": None}
        assert faulty.called("now_serving")[0]["now"] is None
        assert faulty.called("clock")  # which day it is: the engine's clock says
