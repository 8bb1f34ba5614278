"""Doctors' weeks and an absent doctor's day, driven by the keys a receptionist presses.

The first run: add a doctor, type their week (a Monday copied down to Friday) and a
leave day; the next 14 days appear, the leave day without slots. A desk opening on
rosters makes its 14 days itself, and a desk left running makes the new day's once
the date turns. An absent doctor's day is handed to a colleague after a preview of
where each patient lands, by the engine's own rules, and lands just there.

The desk's clock is the fixed one of conftest (Monday 10 March 2025, 10:30); no test
waits on the wall clock.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from textual.widgets import DataTable, Input

from opd_tui.domain.enums import TokenStatus
from opd_tui.engine import AllocationEngine
from opd_tui.tui.desk import DeskApp
from opd_tui.tui.modals.doctors import DoctorsScreen
from opd_tui.tui.modals.reassign import ReassignModal
from opd_tui.tui.modals.roster import RosterEditor, parse_leave, parse_sessions

from .conftest import DAY, NOW, World, desk_open, eventually, notes, press, settle, type_text

MORNING = [(time(9), time(13))]


def slots_by_day(engine: AllocationEngine, doctor_id: int, days: int = 14) -> dict[date, list]:
    found = {}
    for n in range(days):
        day = DAY + timedelta(days=n)
        found[day] = [s for s in engine.day_slots(day) if s.doctor_id == doctor_id]
    return found


async def test_first_run_add_a_doctor_set_the_week_and_two_weeks_appear(
    engine: AllocationEngine,
) -> None:
    async with desk_open(engine) as pilot:
        desk = pilot.app.desk
        assert "set their week" in str(desk.query_one("#empty").render())
        await press(pilot, "D", "a")
        await type_text(pilot, "Kavita Sen")
        await press(pilot, "tab")
        await type_text(pilot, "sen")
        await press(pilot, "tab")
        await type_text(pilot, "Dermatology")
        await press(pilot, "enter")
        # Added: the week editor opens on the new doctor, on Monday's sessions.
        editor = pilot.app.screen
        assert isinstance(editor, RosterEditor) and editor.doctor.code == "SEN"
        assert pilot.app.focused is editor.query_one("#sessions-0")
        await type_text(pilot, "09:00-13:00")
        await press(pilot, "tab")  # minutes: 30 instead of 60 (tab selects the 60)
        await type_text(pilot, "30")
        await press(pilot, "tab")  # seats: 4
        await type_text(pilot, "4")
        await press(pilot, "shift+tab", "shift+tab")  # back on Monday's sessions
        await press(pilot, "ctrl+down", "ctrl+down", "ctrl+down", "ctrl+down")  # to Friday
        assert editor.query_one("#sessions-4", Input).value == "09:00-13:00"
        assert editor.query_one("#sessions-5", Input).value == ""  # Saturday off
        await press(pilot, "down", "down", "down")  # Saturday, Sunday, the leave dates
        assert pilot.app.focused is editor.query_one("#leave")
        await type_text(pilot, "12 Mar")
        await settle(pilot)
        outlook = str(editor.query_one("#roster-outlook").render())
        assert "9 working days, 72 slots; on leave Wed 12 Mar" in outlook
        await press(pilot, "enter")
        assert not isinstance(pilot.app.screen, RosterEditor)

        sen = next(d for d in engine.doctors() if d.code == "SEN")
        assert [(r.weekday, r.sessions, r.slot_minutes, r.capacity) for r in engine.rosters(sen.id)] \
            == [(w, MORNING, 30, 4) for w in range(5)]
        assert engine.leave_days(sen.id) == [date(2025, 3, 12)]
        made = slots_by_day(engine, sen.id)
        working = [d for d, slots in made.items() if slots]
        # Two weeks of Monday to Friday, less the day of leave; weekends stay empty.
        assert working == [date(2025, 3, d) for d in (10, 11, 13, 14, 17, 18, 19, 20, 21)]
        assert all(len(made[d]) == 8 and {s.capacity for s in made[d]} == {4} for d in working)
        assert [f"{s.start:%H:%M}" for s in made[DAY]][:3] == ["09:00", "09:30", "10:00"]
        assert any("Dr Kavita Sen's week saved" in n and "72 slots on 9 days for 1 doctor made"
                   in n for n in notes(pilot.app))

        await press(pilot, "escape")  # the doctors screen
        assert pilot.app.desk.grid.get_cell(str(sen.id), "10:30").plain.startswith("○ 0/4")
        await press(pilot, "right_square_bracket", "right_square_bracket")  # Wednesday 12
        assert "No slots on Wednesday 12 March" in str(desk.query_one("#empty").render())
        await press(pilot, "right_square_bracket")
        assert desk.grid.get_cell(str(sen.id), "09:00").plain.startswith("○ 0/4")


async def test_the_desk_keeps_fourteen_days_made_and_makes_a_new_one_each_day(
    engine: AllocationEngine,
) -> None:
    rao = engine.add_doctor("Anjali Rao", "RAO", "Cardiology")
    for weekday in range(7):
        engine.set_roster(rao.id, weekday, MORNING, 60, 6)
    clock = {"now": NOW}
    app = DeskApp(engine, clock=lambda: clock["now"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        made = slots_by_day(engine, rao.id, days=15)
        assert all(len(made[DAY + timedelta(days=n)]) == 4 for n in range(14))
        assert made[DAY + timedelta(days=14)] == []  # the fifteenth day: not yet
        assert any("56 slots on 14 days for 1 doctor" in n for n in notes(app))
        assert app.desk.grid.get_cell(str(rao.id), "10:00").plain.startswith("○ 0/6")

        clock["now"] = NOW + timedelta(days=1)  # the desk ran past midnight
        app.desk._new_day_check()  # the once-a-minute look, without waiting a minute
        await settle(pilot)
        assert len(engine.day_slots(DAY + timedelta(days=14))) == 4
        app.desk._new_day_check()  # the same day again: nothing more to make
        await settle(pilot)
        assert len(engine.day_slots(DAY + timedelta(days=14))) == 4
        assert engine.day_slots(DAY + timedelta(days=15)) == []


async def test_leave_on_a_day_already_made_says_its_slots_stay(engine: AllocationEngine) -> None:
    rao = engine.add_doctor("Anjali Rao", "RAO", "Cardiology")
    engine.set_roster(rao.id, 1, MORNING, 60, 6)  # Tuesdays
    async with desk_open(engine) as pilot:
        assert len(engine.day_slots(date(2025, 3, 11))) == 4  # made when the desk opened
        await press(pilot, "D", "w")
        editor = pilot.app.screen
        assert isinstance(editor, RosterEditor)
        assert editor.query_one("#sessions-1", Input).value == "09:00-13:00"
        editor.query_one("#leave", Input).focus()
        await type_text(pilot, "11 Mar to 18 Mar")
        await press(pilot, "ctrl+s")
        assert engine.leave_days(rao.id) == [date(2025, 3, d) for d in range(11, 19)]
        assert len(engine.day_slots(date(2025, 3, 11))) == 4  # made before: they stay
        assert any("11 Mar, 18 Mar already had slots, which stay" in n for n in notes(pilot.app))


async def test_a_wrong_week_is_said_in_the_editor_and_nothing_is_saved(
    engine: AllocationEngine,
) -> None:
    rao = engine.add_doctor("Anjali Rao", "RAO", "Cardiology")
    async with desk_open(engine) as pilot:
        await press(pilot, "D", "w")
        editor = pilot.app.screen
        await type_text(pilot, "13:00-09:00")
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, RosterEditor)
        problem = str(editor.query_one("#roster-problem").render())
        assert "Mon" in problem and "ends after it starts" in problem
        await press(pilot, "end", "ctrl+u")
        await type_text(pilot, "9-10")
        await press(pilot, "tab")
        await type_text(pilot, "90")
        await press(pilot, "enter")
        assert "shorter than one 90-minute slot" in str(editor.query_one("#roster-problem").render())
        await press(pilot, "escape")
        assert engine.rosters(rao.id) == []


def test_sessions_and_leave_as_receptionists_type_them() -> None:
    assert parse_sessions("9-13, 14:00 to 17:00") == [(time(9), time(13)), (time(14), time(17))]
    assert parse_sessions("") == []
    assert "not a session" in parse_sessions("9 till 13")
    today = date(2025, 3, 10)
    assert parse_leave("12 Mar, 2025-03-20 .. 2025-03-21", today) == [
        date(2025, 3, 12), date(2025, 3, 20), date(2025, 3, 21)]
    assert parse_leave("3 Mar", today) == [date(2026, 3, 3)]  # gone this year: next year's
    assert "not a date" in parse_leave("someday", today)
    assert "ends before it starts" in parse_leave("20 Mar to 12 Mar", today)


# -- handing over an absent doctor's day ---------------------------------------------------


async def test_reassign_shows_where_each_patient_lands_then_does_just_that(world: World) -> None:
    engine = world.engine
    mehta = engine.add_doctor("Vikram Mehta", "MEHTA", "Cardiology", "102")
    engine.generate_slots(mehta.id, DAY, time(9), time(13), 60, 2)
    # Dr Rao's day: 10:00 Asha and Ravi seated, Sita waitlisted; 11:00 Gopal.
    before = {t.id: t for t in (world.asha, world.ravi, world.sita, world.gopal)}
    async with desk_open(engine) as pilot:
        await press(pilot, "D")
        doctors = pilot.app.screen
        assert isinstance(doctors, DoctorsScreen)
        row = next(i for i, d in enumerate(doctors.doctors) if d.code == "RAO")
        doctors.query_one(DataTable).move_cursor(row=row)
        await press(pilot, "r")
        modal = pilot.app.screen
        assert isinstance(modal, ReassignModal)
        # Colleagues of the same department only: Dr Mehta, not Khan or Iyer.
        assert [c.doctor.code for c in modal.colleagues] == ["MEHTA"]
        await eventually(pilot, lambda: modal.shown is not None)
        landings = {landing.token.id: landing for landing in modal.shown[1]}
        assert set(landings) == set(before)
        # The preview changed nothing.
        assert {t.id: engine.token(t.id) for t in before.values()} == before
        table = modal.query_one("#landings", DataTable)
        shown = {table.get_cell(str(i), "number").plain: table.get_cell(str(i), "to").plain
                 for i in before}
        summary = str(modal.query_one("#landing-summary").render())
        assert "4 patients go to Dr Vikram Mehta" in summary

        await press(pilot, "y")  # confirmed once
        assert not isinstance(pilot.app.screen, ReassignModal)
        for token_id, landing in landings.items():
            now = engine.token(token_id)
            assert now.doctor_id == mehta.id and now.number == before[token_id].number
            assert (now.slot_id, now.status) == (landing.lands.slot_id, landing.lands.status)
            start = next(s for s in engine.day_slots(DAY) if s.id == now.slot_id).start
            assert shown[now.number].startswith(f"{start:%H:%M}")
        # Same start where there was a seat: Gopal (follow-up) first, then Asha, Ravi.
        assert engine.token(world.gopal.id).slot_id == next(
            s.id for s in engine.day_slots(DAY) if s.doctor_id == mehta.id and s.start.hour == 11)
        assert engine.token(world.asha.id).status is TokenStatus.BOOKED
        assert any("Dr Anjali Rao's day handed to Dr Vikram Mehta: 4 patients moved" in n
                   for n in notes(pilot.app))
        await press(pilot, "escape")
        assert pilot.app.desk.grid.get_cell(str(world.rao.id), "10:00").plain.startswith("○ 0/2")


async def test_reassign_with_no_colleague_in_the_department_says_so(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "D", "r")  # Dr Rao, first on the list: nobody else in Cardiology
        modal = pilot.app.screen
        assert isinstance(modal, ReassignModal)
        assert "No other active doctor in Cardiology" in str(
            modal.query_one("#landing-summary").render())
        await press(pilot, "y")
        assert pilot.app.screen is modal  # nothing to confirm
        await press(pilot, "escape")
    assert world.engine.token(world.asha.id).doctor_id == world.rao.id


async def test_reassign_refused_by_the_rules_is_said_in_the_preview(world: World) -> None:
    engine = world.engine
    engine.add_doctor("Vikram Mehta", "MEHTA", "Cardiology")  # no slots today
    async with desk_open(engine) as pilot:
        await press(pilot, "D")
        doctors = pilot.app.screen
        row = next(i for i, d in enumerate(doctors.doctors) if d.code == "RAO")
        doctors.query_one(DataTable).move_cursor(row=row)
        await press(pilot, "r")
        modal = pilot.app.screen
        await eventually(pilot, lambda: "cannot take this day" in str(
            modal.query_one("#landing-summary").render()))
        assert "no open slot" in str(modal.query_one("#landing-summary").render())
        await press(pilot, "y")
        assert pilot.app.screen is modal
    assert engine.token(world.asha.id).doctor_id == world.rao.id
