"""The day's report on the desk (`R`, SPEC §6), for a scripted day whose every figure
is worked out here by hand from the script.

The script, Monday 10 March 2025; Dr Rao (RAO) and Dr Khan (KHAN), slots 09:00 and
10:00 of one hour each (Khan's 10:00 seats one):

    08:00  booked: Rao 09:00 Asha (online), Bala (walk-in), Chitra (paid);
           Rao 10:00 Devi (follow-up), Ezra (walk-in);
           Khan 09:00 Farid (online), Gita (walk-in); Khan 10:00 Indu (online),
           Jaya (walk-in, waitlisted: the slot is full)
    08:50  Asha checks in          09:00  Bala and Farid check in
    09:05  Chitra checks in        09:10  Rao calls Chitra (paid first); Gita checks in
    09:15  Khan calls Farid        09:20  Rao calls Asha (Chitra done)
    09:25  Khan completes Farid    09:26  Rao calls Bala (Asha done)
    09:30  Ezra cancels            09:40  Rao completes Bala
    10:20  Devi is a no-show       next day: Gita unseen, Indu no-show, Jaya expired

Rao: 5 tokens, 3 seen, 1 no-show, 1 cancelled; waits 5, 30, 26 minutes (median 26,
90th percentile 29.2); consultations 10, 6, 14 (mean 10.0) over 120 slot minutes: 25%.
Khan: 4 tokens, 1 seen, 1 no-show, 1 expired, 1 unseen; wait 15; consultation 10 over
120: 8%. All: 9 tokens; waits 5, 15, 26, 30 (median 20.5, p90 28.8); 40 of 240: 17%.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time

import pytest
from textual.pilot import Pilot

from opd_tui.domain.report_text import csv_text
from opd_tui.engine import AllocationEngine
from opd_tui.tui.desk import DeskApp
from opd_tui.tui.screens.report_screen import DayReportScreen

from .conftest import DAY, eventually, press, settle

NEXT_MORNING = datetime(2025, 3, 11, 8, 0)
#: A doctor's name that looks like markup: the report shows it as typed.
KHAN_NAME = "Farah Khan [red]"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute))


def script(engine: AllocationEngine) -> None:
    rao = engine.add_doctor("Anjali Rao", "RAO", "Cardiology")
    khan = engine.add_doctor(KHAN_NAME, "KHAN", "Orthopaedics")
    rao9, rao10 = engine.generate_slots(rao.id, DAY, time(9), time(11), 60, 3)
    khan9, = engine.generate_slots(khan.id, DAY, time(9), time(10), 60, 3)
    khan10 = engine.add_slot(khan.id, at(10), at(11), 1)
    t = {}
    for name, slot, source in [
        ("Asha", rao9, "ONLINE"), ("Bala", rao9, "WALKIN"), ("Chitra", rao9, "PAID"),
        ("Devi", rao10, "FOLLOWUP"), ("Ezra", rao10, "WALKIN"),
        ("Farid", khan9, "ONLINE"), ("Gita", khan9, "WALKIN"),
        ("Indu", khan10, "ONLINE"), ("Jaya", khan10, "WALKIN"),
    ]:
        t[name] = engine.book(slot.id, name, source, now=at(8))
    assert t["Jaya"].status == "WAITLISTED"
    engine.check_in(t["Asha"].id, now=at(8, 50))
    engine.check_in(t["Bala"].id, now=at(9))
    engine.check_in(t["Farid"].id, now=at(9))
    engine.check_in(t["Chitra"].id, now=at(9, 5))
    assert engine.call_next(rao.id, now=at(9, 10)).id == t["Chitra"].id
    engine.check_in(t["Gita"].id, now=at(9, 10))
    assert engine.call_next(khan.id, now=at(9, 15)).id == t["Farid"].id
    assert engine.call_next(rao.id, now=at(9, 20)).id == t["Asha"].id
    engine.complete(t["Farid"].id, now=at(9, 25))
    assert engine.call_next(rao.id, now=at(9, 26)).id == t["Bala"].id
    engine.cancel(t["Ezra"].id, now=at(9, 30))
    engine.complete(t["Bala"].id, now=at(9, 40))
    engine.no_show(t["Devi"].id, now=at(10, 20))
    engine.advance(NEXT_MORNING)


def cell(table, row: str, column: str) -> str:
    return table.get_cell(row, column).plain.strip()


@asynccontextmanager
async def report_open(
    engine: AllocationEngine, size: tuple[int, int]
) -> AsyncIterator[tuple[Pilot, DayReportScreen]]:
    """The desk the next morning, on the scripted day, and `R` pressed."""
    app = DeskApp(engine, clock=lambda: NEXT_MORNING, day=DAY)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "R")
        screen = pilot.app.screen
        assert isinstance(screen, DayReportScreen)
        await eventually(pilot, lambda: screen.report is not None)
        await settle(pilot)
        yield pilot, screen


@pytest.fixture
def scripted(engine: AllocationEngine) -> AllocationEngine:
    script(engine)
    return engine


async def test_the_report_of_a_scripted_day_gives_the_scripts_figures(
    scripted: AllocationEngine,
) -> None:
    async with report_open(scripted, (200, 60)) as (_pilot, screen):
        doctors, sources = screen.doctors_table, screen.sources_table
        title = str(screen.query_one("#report-title").render())
        assert "Monday 10 March 2025" in title and "so far" not in title  # a day that is over
        expected = {
            #               tokens seen no-show cancel expired unseen median p90 consult util
            "doctor:RAO":   ("5", "3", "1", "1", "0", "0", "26.0", "29.2", "10.0", "25%"),
            "doctor:KHAN":  ("4", "1", "1", "0", "1", "1", "15.0", "15.0", "10.0", "8%"),
            "total:TOTAL":  ("9", "4", "2", "1", "1", "1", "20.5", "28.8", "10.0", "17%"),
        }
        columns = ["tokens", "seen", "no_shows", "cancelled", "expired", "unseen",
                   "wait_median", "wait_p90", "consult_mean", "utilisation"]
        for row, figures in expected.items():
            assert tuple(cell(doctors, row, c) for c in columns) == figures, row
        assert cell(doctors, "doctor:RAO", "first_call") == "09:10"
        assert cell(doctors, "doctor:RAO", "last_completion") == "09:40"
        assert cell(doctors, "doctor:KHAN", "name") == f"KHAN   {KHAN_NAME}"  # as typed

        by_source = {
            "source:PAID": ("1", "1", "0", "0", "0", "0", "5.0", "5.0"),
            "source:FOLLOWUP": ("1", "0", "1", "0", "0", "0", "-", "-"),
            "source:ONLINE": ("3", "2", "1", "0", "0", "0", "22.5", "28.5"),
            "source:WALKIN": ("4", "1", "0", "1", "1", "1", "26.0", "26.0"),
        }
        for row, figures in by_source.items():
            assert tuple(cell(sources, row, c) for c in columns[:8]) == figures, row
        assert cell(sources, "source:WALKIN", "name") == "Walk-in"
        assert "utilisation" not in sources.columns_shown  # a source has no slots

        # The bars: Rao's outcomes fill the bar (nobody still to come), in the shares
        # of 3 seen, 1 no-show, 1 cancelled out of 5; utilisation a quarter of its bar.
        outcome = doctors.get_cell("doctor:RAO", "outcome")
        assert outcome.plain.strip() == "█" * 12
        colours = [outcome.plain[span.start:span.end] for span in outcome.spans]
        assert [len(c) for c in colours] == [7, 3, 2]
        util = doctors.get_cell("doctor:RAO", "util_bar").plain.strip()
        assert util == "██▌"  # 25% of 10 cells
        # Rao's wait bar: the median 26 and on to the p90 29.2, on the scale of the
        # longest p90 (29.2 itself): 12 of 14 cells, then 2 fainter.
        wait = doctors.get_cell("doctor:RAO", "wait_bar")
        assert wait.plain.strip() == "█" * 14
        assert [span.end - span.start for span in wait.spans] == [12, 2]

        summary = str(screen.query_one("#report-summary").render())
        assert "9 tokens · 4 seen · 2 no-show · 1 cancelled · 1 expired · 1 left unseen" in summary
        assert "wait median 20.5, p90 28.8 min" in summary.lower()
        assert "utilisation 17%" in summary


async def test_the_report_fits_a_small_terminal_and_pages_through_days(
    scripted: AllocationEngine,
) -> None:
    async with report_open(scripted, (80, 24)) as (pilot, screen):
        doctors = screen.doctors_table
        assert doctors.short  # short headers, the figures that matter kept
        for column in ("tokens", "seen", "no_shows", "cancelled", "expired", "unseen",
                       "wait_median", "wait_p90", "consult_mean", "utilisation"):
            assert column in doctors.columns_shown
        assert doctors.virtual_size.width <= doctors.size.width  # nothing off to the side
        assert "NoSh no-show" in str(screen.query_one("#report-legend").render())
        assert screen.sources_table.display and screen.sources_table.size.height > 0

        await press(pilot, "c")
        assert pilot.app.clipboard == csv_text(scripted.day_report(DAY))

        await press(pilot, "right_square_bracket")  # Tuesday: nothing yet
        await eventually(pilot, lambda: screen.report is not None
                         and screen.report.day == date(2025, 3, 11))
        assert "No tokens on this day" in str(screen.query_one("#report-summary").render())
        await press(pilot, "t")  # today, the next morning: "so far"
        await press(pilot, "left_square_bracket")
        await eventually(pilot, lambda: screen.report.day == DAY)
        assert cell(doctors, "doctor:RAO", "seen") == "3"
        await press(pilot, "escape")
        assert pilot.app.screen is pilot.app.desk


async def test_a_report_that_cannot_be_read_says_so(scripted: AllocationEngine) -> None:
    async with report_open(scripted, (120, 40)) as (pilot, screen):
        def broken(day: date):
            raise OSError("disk gone")

        screen.read = broken
        await press(pilot, "r")
        summary = str(screen.query_one("#report-summary").render())
        assert summary.startswith("Not read.") and "r to try again" in summary
        assert pilot.app.desk.banner.display  # and on the desk's banner
