"""The desk's keys (issue 9): a doctor by code, every key on `?` and F1, Esc back to
the grid, a cursor that stays on its row, ctrl+q that asks, a theme remembered, the
palette's keys, who is with each doctor, and a delayed slot's real start.

The fixed day of conftest (10:30): Dr Rao's 10:00 slot full (Asha, Ravi) with
Sita waiting; Dr Khan's 10:00 has Leela checked in.
"""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widgets import Select

from opd_tui.domain.enums import TokenStatus
from opd_tui.tui.desk import DARK, LIGHT, DeskApp, QuitQuestion
from opd_tui.tui.modals import BookingForm, ConfirmModal
from opd_tui.tui.modals.help import KeysHelp
from opd_tui.tui.preferences import DeskPreferences

from .conftest import NOW, World, column_plain, desk_open, make_desk, press, settle
from .test_desk_counter import burst


def grid_title(pilot) -> str:  # noqa: ANN001
    return Content.from_markup(str(pilot.app.desk.query_one("#grid-box").border_title)).plain


# -- a doctor by code ---------------------------------------------------------------


async def test_typing_a_doctors_code_on_the_grid_jumps_to_the_doctor(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        desk = pilot.app.desk
        burst(pilot, "text:KHAN")
        await settle(pilot)
        assert desk.selection.doctor_id == world.khan.id
        assert desk.selection.slot.id == world.slot("KHAN", 10).id  # the same time
        assert desk.jump is None  # the whole code: the jump is over
        await press(pilot, "I")  # IYER: an upper-case letter that is no key of the desk
        assert desk.selection.doctor_id == world.iyer.id
        assert "Doctor code: I" in grid_title(pilot)
        await press(pilot, "escape")
        assert desk.jump is None and grid_title(pilot) == "Slots"


async def test_a_code_starting_with_a_desk_key_jumps_after_at(world: World) -> None:
    """R is the report's key: @ first, then the code in any case."""
    async with desk_open(world.engine) as pilot:
        await press(pilot, "down")  # Dr Khan
        burst(pilot, "at", "text:rao")
        await settle(pilot)
        assert pilot.app.desk.selection.doctor_id == world.rao.id


async def test_a_key_after_the_code_does_what_it_always_does(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        burst(pilot, "text:IY", "b")  # I, Y begin IYER; b begins no code: it books
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, BookingForm)
        assert form.query_one("#doctor_id", Select).value == world.iyer.id


# -- ? and F1 ---------------------------------------------------------------------


async def test_question_mark_and_f1_show_every_key_of_the_desk(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        for key in ("question_mark", "f1"):
            await press(pilot, key)
            helpscreen = pilot.app.screen
            assert isinstance(helpscreen, KeysHelp)
            shown = " ".join(helpscreen.shown_keys())
            for binding in pilot.app.desk.BINDINGS:
                display = pilot.app.get_key_display(binding)
                assert display in shown, display
            text = " ".join(str(s.render()) for s in helpscreen.query("Static"))
            assert "Book a patient into the selected slot" in text
            await press(pilot, "escape")
            assert pilot.app.screen is pilot.app.desk


async def test_the_palette_shows_each_commands_key(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        commands = {c.title: c.help for c in pilot.app.get_system_commands(pilot.app.desk)}
        assert commands["Book a token"].startswith("b  ·  ")
        assert commands["Keys of the desk"].startswith("? f1  ·  ")


# -- Esc, the cursor, ctrl+q ------------------------------------------------------


async def test_escape_returns_the_focus_to_the_grid(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        desk = pilot.app.desk
        await press(pilot, "enter")  # down to the seated patients
        assert desk.seated.has_focus
        await press(pilot, "escape")
        assert pilot.app.focused is desk.grid


async def test_the_cursor_stays_on_its_row_after_a_cancel(world: World) -> None:
    """Cancelling Ravi (second row) promotes Sita into his seat: the cursor stays on
    the second row, so the next key acts on Sita, not on Asha at the top."""
    async with desk_open(world.engine) as pilot:
        desk = pilot.app.desk
        await press(pilot, "enter", "down")
        assert desk.selection.token.id == world.ravi.id
        await press(pilot, "x")
        assert isinstance(pilot.app.screen, ConfirmModal)
        await press(pilot, "y")
        assert world.engine.token(world.ravi.id).status == TokenStatus.CANCELLED
        assert column_plain(desk.seated, "name") == ["Asha Verma", "Sita Devi"]
        assert desk.seated.cursor_row == 1
        assert desk.selection.token.id == world.sita.id
        await press(pilot, "i")
        assert world.engine.token(world.sita.id).status == TokenStatus.CHECKED_IN
        assert world.engine.token(world.asha.id).status == TokenStatus.BOOKED


async def test_ctrl_q_asks_first(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "ctrl+q")
        assert isinstance(pilot.app.screen, QuitQuestion)
        await press(pilot, "n")
        assert pilot.app.screen is pilot.app.desk and pilot.app.is_running
        await press(pilot, "ctrl+q", "y")
        assert not pilot.app.is_running


# -- remembered, shown ------------------------------------------------------------


async def test_the_chosen_theme_is_remembered(world: World, tmp_path: Path) -> None:
    preferences = DeskPreferences(tmp_path / "desk.json")
    app = make_desk(world.engine, preferences=preferences)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == DARK
        await press(pilot, "ctrl+t")
        assert app.theme == LIGHT
    assert preferences.read().theme == LIGHT
    again = DeskApp(world.engine, clock=lambda: NOW, preferences=preferences)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert again.theme == LIGHT


async def test_each_doctors_row_shows_who_is_with_the_doctor_and_the_hall(
    world: World,
) -> None:
    world.engine.check_in(world.asha.id, now=NOW)
    world.engine.check_in(world.ravi.id, now=NOW)
    async with desk_open(world.engine, size=(160, 48)) as pilot:
        desk = pilot.app.desk
        pane = desk.doctors_pane
        assert column_plain(pane, "hall")[:2] == ["2", "1"]  # Rao: Asha, Ravi; Khan: Leela
        await press(pilot, "n")  # Dr Rao calls the next: Asha
        assert column_plain(pane, "now")[0] == "001"
        assert column_plain(pane, "hall")[0] == "1"
        assert "with Dr: RAO-001 · 1 in hall" in str(desk.seated.border_title)


async def test_a_narrow_desk_shows_a_delayed_slots_real_start(world: World) -> None:
    world.engine.delay_doctor(world.khan.id, 15, now=NOW)  # 11:00 -> 11:15, 12:00 -> 12:15
    async with desk_open(world.engine, size=(80, 24)) as pilot:
        grid = pilot.app.desk.grid
        assert grid.get_cell(str(world.khan.id), "11:00").plain.endswith(":15")
        assert grid.get_cell(str(world.khan.id), "12:00").plain.endswith(":15")
        assert not grid.get_cell(str(world.rao.id), "11:00").plain.endswith(":15")
        assert not grid.get_cell(str(world.khan.id), "10:00").plain.endswith(":15")  # started


async def test_no_patient_is_selected_while_the_panes_show_the_slot_left(world: World) -> None:
    """A key typed straight after the cursor moved must not act on a patient of the
    slot it left: until the new slot's patients are read, none is selected."""
    async with desk_open(world.engine) as pilot:
        desk = pilot.app.desk
        await press(pilot, "enter")  # Dr Rao 10:00's patients, Asha selected
        assert desk.selection.token.id == world.asha.id
        row = desk.grid.doctor_ids.index(world.khan.id)
        desk.grid.cursor_coordinate = desk.grid.cursor_coordinate._replace(row=row)
        desk.sync_selection()  # before Dr Khan's slot is read
        assert desk.selection.slot.id == world.slot("KHAN", 10).id
        assert desk.selection.token is None
        assert desk.check_action("check_in", ()) is False
