"""Every desk action, driven by the keys a receptionist presses.

Each test opens the desk on the fixed day of conftest (10:30, Dr Rao's 10:00
slot full with Sita waiting), presses keys, then checks the database through
the engine and what the screen shows.
"""

from __future__ import annotations

from datetime import date, datetime

from textual.widgets import Input

from opd_tui.demo import demo_now
from opd_tui.domain.enums import SlotStatus, TokenStatus
from opd_tui.engine import AllocationEngine
from opd_tui.tui.modals import BookingForm, ConfirmModal, EmergencyModal, SearchModal
from opd_tui.tui.screenshot_tools import DAY
from opd_tui.tui.widgets import SlotGrid

from .conftest import (
    NOW,
    World,
    column_plain,
    desk_open,
    eventually,
    notes,
    press,
    settle,
    type_text,
)


def grid_cell(pilot, doctor_id: int, hour: str) -> str:  # noqa: ANN001
    grid = pilot.app.desk.grid
    return grid.get_cell(str(doctor_id), hour).plain


async def to_rao_ten_seated(pilot) -> None:  # noqa: ANN001
    """Right to Dr Rao's 10:00 slot, Enter to go down to its patients."""
    await press(pilot, "enter")


async def test_desk_opens_on_the_day_with_grid_and_patients(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        app = pilot.app
        assert grid_cell(pilot, world.rao.id, "10:00").startswith("● 2/2")
        assert "+1" in grid_cell(pilot, world.rao.id, "10:00")
        assert grid_cell(pilot, world.rao.id, "09:00").startswith("· 0/2")
        assert grid_cell(pilot, world.rao.id, "11:00").startswith("○ 1/2")
        # It opens on the slot under way at 10:30, not on 09:00, which has ended.
        assert app.desk.grid.selected_slot.id == world.slot("RAO", 10).id
        assert column_plain(app.desk.seated, "name") == ["Asha Verma", "Ravi Kumar"]
        assert column_plain(app.desk.waitlist, "name") == ["Sita Devi"]
        assert column_plain(app.desk.seated, "eta") == ["10:30", "10:40"]
        header = str(app.desk.query_one("#day").render())
        assert "Mon 10 Mar 2025" in header


async def test_book_into_a_free_seat(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        assert isinstance(form, BookingForm)
        await type_text(pilot, "Meena Joshi")
        await press(pilot, "tab")
        await type_text(pilot, "+919811112222")
        await press(pilot, "enter")
        # The outcome shows in the form before it closes.
        outcome = str(form.query_one("#outcome").render())
        assert "RAO-005 booked 11:00-12:00" in outcome
        await press(pilot, "enter")
        assert not isinstance(pilot.app.screen, BookingForm)
        token = world.named("Meena Joshi")
        # A walk-in (the form's default source) stands at the counter: checked in.
        assert token.status == TokenStatus.CHECKED_IN
        assert "RAO-005 booked 11:00-12:00, checked in" in outcome
        assert token.slot_id == world.slot("RAO", 11).id
        assert token.patient_ref == "+919811112222"
        assert any("RAO-005 booked 11:00-12:00" in n for n in notes(pilot.app))
        assert "Meena Joshi" in column_plain(pilot.app.desk.seated, "name")
        assert grid_cell(pilot, world.rao.id, "11:00").startswith("● 2/2")


async def test_a_phone_number_typed_with_spaces_is_taken_without_them(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        await type_text(pilot, "Meena Joshi")
        await press(pilot, "tab")
        await type_text(pilot, "+91 98111 12222")
        await press(pilot, "enter", "enter")
        assert world.named("Meena Joshi").patient_ref == "+919811112222"
        # Found again by part of the number, as a receptionist types it.
        await press(pilot, "slash")
        await type_text(pilot, "98111 122")
        await settle(pilot)
        await press(pilot, "enter")
        assert pilot.app.desk.seated.selected_token.patient_name == "Meena Joshi"


async def test_book_into_a_full_slot_waitlists_and_says_where(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "b")
        await type_text(pilot, "Kamal Das")
        await press(pilot, "f2", "enter")  # not the next free seat: the waitlist here
        assert "Slot full: RAO-005 waitlisted #2 for 10:00-11:00" in str(
            pilot.app.screen.query_one("#outcome").render()
        )
        await press(pilot, "enter")
        assert world.named("Kamal Das").status == TokenStatus.WAITLISTED
        assert column_plain(pilot.app.desk.waitlist, "name") == ["Sita Devi", "Kamal Das"]


async def test_paid_booking_bumps_and_the_desk_says_who_moved(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "b")
        await type_text(pilot, "Vijay Paid")
        await press(pilot, "tab", "tab", "tab", "tab", "enter")  # past number, age, sex: source
        await press(pilot, "down", "down", "down", "enter")  # Walk-in -> ... -> Paid
        form = pilot.app.screen
        assert form.values()["source"] == "PAID"
        await press(pilot, "ctrl+s")
        outcome = str(form.query_one("#outcome").render())
        assert "RAO-005 booked 10:00-11:00" in outcome
        assert "RAO-002 moved to 11:00 to make room" in outcome
        await press(pilot, "enter")
        assert world.engine.token(world.ravi.id).slot_id == world.slot("RAO", 11).id


async def test_booking_form_checks_as_you_type_and_books_nothing_wrong(world: World) -> None:
    before = world.engine.last_event_id()
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "b")
        form = pilot.app.screen
        await type_text(pilot, "12 34")
        problem = form.query_one("#patient_name-problem")
        assert problem.display and "at least one letter" in str(problem.render())
        await press(pilot, "tab")
        await type_text(pilot, "ab")
        assert "3 to 32 characters" in str(form.query_one("#patient_ref-problem").render())
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, BookingForm)
        assert "Please correct" in str(form.query_one("#outcome").render())
        # Fixing the name clears its problem as you type.
        form.query_one("#patient_name", Input).value = "Ravi Shankar"
        await settle(pilot)
        assert not form.query_one("#patient_name-problem").display
        await press(pilot, "escape")
    assert world.engine.last_event_id() == before


async def test_emergency_one_key_overbooks_the_current_slot(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "exclamation_mark")
        modal = pilot.app.screen
        assert isinstance(modal, EmergencyModal)
        assert "current slot 10:00-11:00" in str(modal.query_one(".dialog-subtitle").render())
        assert "will overbook" in str(modal.query_one(".dialog-subtitle").render())
        await type_text(pilot, "Mohan Lal")
        await press(pilot, "enter")
        token = world.named("Mohan Lal")
        assert token.source == "EMERGENCY" and token.overbooked
        assert token.slot_id == world.slot("RAO", 10).id
        assert any("emergency seated 10:00-11:00 (overbooked 3/2)" in n for n in notes(pilot.app))
        assert grid_cell(pilot, world.rao.id, "10:00").startswith("▲ 3/2")


async def test_emergency_can_be_called_off(world: World) -> None:
    before = world.engine.last_event_id()
    async with desk_open(world.engine) as pilot:
        await press(pilot, "exclamation_mark", "escape")
        assert not isinstance(pilot.app.screen, EmergencyModal)
    assert world.engine.last_event_id() == before


async def test_cancel_asks_then_promotes_the_waitlist(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await to_rao_ten_seated(pilot)
        await press(pilot, "x")
        assert isinstance(pilot.app.screen, ConfirmModal)
        await press(pilot, "y")
        assert world.engine.token(world.asha.id).status == TokenStatus.CANCELLED
        assert world.engine.token(world.sita.id).status == TokenStatus.BOOKED
        assert any("RAO-001 cancelled; RAO-003 promoted from the waitlist into 10:00" in n
                   for n in notes(pilot.app))
        assert column_plain(pilot.app.desk.seated, "name") == ["Ravi Kumar", "Sita Devi"]
        assert column_plain(pilot.app.desk.waitlist, "name") == []


async def test_cancel_answered_no_changes_nothing(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await to_rao_ten_seated(pilot)
        await press(pilot, "x", "n")
    assert world.engine.token(world.asha.id).status == TokenStatus.BOOKED


async def test_no_show_frees_the_seat(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await to_rao_ten_seated(pilot)
        await press(pilot, "down", "o")
        assert world.engine.token(world.ravi.id).status == TokenStatus.NO_SHOW
        assert world.engine.token(world.sita.id).status == TokenStatus.BOOKED
        assert any("RAO-002 marked no-show" in n for n in notes(pilot.app))


async def test_engine_refusal_is_shown_and_nothing_changes(world: World) -> None:
    before = world.engine.last_event_id()
    async with desk_open(world.engine) as pilot:
        await press(pilot, "right", "enter", "o")  # Gopal's 11:00 slot has not started
        errors = [n for n in pilot.app._notifications if n.severity == "error"]
        assert errors and "a no-show can be marked only once it has started" in errors[-1].message
    assert world.engine.token(world.gopal.id).status == TokenStatus.BOOKED
    assert world.engine.last_event_id() == before


async def test_check_in(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await to_rao_ten_seated(pilot)
        await press(pilot, "i")
        assert world.engine.token(world.asha.id).status == TokenStatus.CHECKED_IN
        assert column_plain(pilot.app.desk.seated, "status")[0] == "checked in"
        assert any("RAO-001 checked in" in n for n in notes(pilot.app))


async def test_call_next_then_complete(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "down")  # Dr Khan, 10:00
        await press(pilot, "n")
        assert world.engine.token(world.leela.id).status == TokenStatus.IN_CONSULTATION
        assert any("KHAN-001 called to room 301" in n for n in notes(pilot.app))
        await press(pilot, "enter", "f")
        assert world.engine.token(world.leela.id).status == TokenStatus.COMPLETED
        assert any("KHAN-001 seen" in n for n in notes(pilot.app))
        assert column_plain(pilot.app.desk.seated, "status") == ["seen"]


async def test_call_next_with_nobody_waiting_says_so(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "n")
        assert any("No one checked in for Dr Anjali Rao" in n for n in notes(pilot.app))


async def test_move_picks_the_target_in_the_grid(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await to_rao_ten_seated(pilot)
        await press(pilot, "down", "m")
        desk = pilot.app.desk
        assert desk.moving is not None and desk.grid.has_focus
        assert "Move RAO-002" in str(desk.query_one("#grid-box").border_title)
        await press(pilot, "right", "right", "enter")  # 12:00
        assert world.engine.token(world.ravi.id).slot_id == world.slot("RAO", 12).id
        assert world.engine.token(world.sita.id).status == TokenStatus.BOOKED
        assert any("RAO-002 moved to 12:00-13:00" in n for n in notes(pilot.app))
        assert desk.moving is None


async def test_a_move_to_another_doctor_asks_first(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await to_rao_ten_seated(pilot)
        await press(pilot, "down", "m", "down", "right", "enter")  # Dr Khan, 11:00
        assert isinstance(pilot.app.screen, ConfirmModal)
        question = str(pilot.app.screen.query_one("#question").render())
        assert "RAO-002" in question and "Dr Anjali Rao" in question and "Dr Farah Khan" in question
        await press(pilot, "n")
        assert world.engine.token(world.ravi.id).slot_id == world.slot("RAO", 10).id
        assert any("RAO-002 not moved" in n for n in notes(pilot.app))
        await press(pilot, "up", "left", "enter", "down")  # back to Ravi in Dr Rao's 10:00
        await press(pilot, "m", "down", "right", "enter", "y")
        assert world.engine.token(world.ravi.id).slot_id == world.slot("KHAN", 11).id
        assert any("RAO-002 moved to Dr Farah Khan, 11:00-12:00" in n for n in notes(pilot.app))


async def test_move_can_be_stopped_with_escape(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await to_rao_ten_seated(pilot)
        await press(pilot, "m", "right", "escape")
        assert pilot.app.desk.moving is None
    assert world.engine.token(world.asha.id).slot_id == world.slot("RAO", 10).id


async def test_change_capacity_promotes(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "c")
        await press(pilot, "backspace")
        await type_text(pilot, "3")
        await press(pilot, "enter")
        view = world.engine.slot_view(world.slot("RAO", 10).id, now=NOW)
        assert view.capacity == 3 and [t.patient_name for t in view.waitlist] == []
        assert any("10:00-11:00 capacity 2 → 3; RAO-003 promoted" in n for n in notes(pilot.app))
        assert grid_cell(pilot, world.rao.id, "10:00").startswith("● 3/3")


async def test_capacity_below_occupancy_is_refused_in_the_form(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "c", "backspace")
        await type_text(pilot, "1")
        await press(pilot, "enter")
        assert "capacity cannot go below 2" in str(pilot.app.screen.query_one("#outcome").render())
        await press(pilot, "escape")
    assert world.engine.slot(world.slot("RAO", 10).id).capacity == 2


async def test_a_capacity_that_is_not_a_number_is_explained_in_plain_words(
    world: World,
) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "c", "backspace", "enter")
        form = pilot.app.screen
        assert "type a whole number" in str(form.query_one("#outcome").render())
        await type_text(pilot, "0")
        await press(pilot, "enter")
        assert "must be at least 1" in str(form.query_one("#outcome").render())
        assert "Input should" not in str(form.query_one("#outcome").render())
        await press(pilot, "escape")
    assert world.engine.slot(world.slot("RAO", 10).id).capacity == 2


async def test_closing_an_ended_or_closed_slot_asks_nothing(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "home", "X")  # Dr Rao 09:00 has ended
        assert not isinstance(pilot.app.screen, ConfirmModal)
        assert any("09:00-10:00 is ended; nothing to close" in n for n in notes(pilot.app))
        world.engine.close_slot(world.slot("RAO", 12).id, now=NOW)
        assert await eventually(pilot, lambda: grid_cell(pilot, world.rao.id, "12:00").startswith("✕"))
        await press(pilot, "right", "right", "right", "X")  # from 09:00 to 12:00
        assert not isinstance(pilot.app.screen, ConfirmModal)
        assert any("12:00-13:00 is closed; nothing to close" in n for n in notes(pilot.app))


async def test_close_slot_asks_then_moves_its_patients(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "X")
        assert isinstance(pilot.app.screen, ConfirmModal)
        await press(pilot, "y")
        view = world.engine.slot_view(world.slot("RAO", 10).id, now=NOW)
        assert view.status == SlotStatus.CLOSED and view.occupancy == 0
        assert world.engine.token(world.asha.id).slot_id == world.slot("RAO", 11).id
        assert any("Slot 10:00-11:00 closed" in n and "RAO-001 moved to 11:00" in n
                   for n in notes(pilot.app))
        assert grid_cell(pilot, world.rao.id, "10:00").startswith("✕ 0/2")


async def test_doctor_delay(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "d")
        await press(pilot, "enter")  # 15 minutes, the suggested delay
        slots = world.engine.day_slots(date(2025, 3, 10), now=NOW)
        eleven = next(s for s in slots if s.id == world.slot("RAO", 11).id)
        assert eleven.start == datetime(2025, 3, 10, 11, 15)
        assert any("Dr Anjali Rao delayed 15 min: 2 slot(s) now from 11:15" in n
                   for n in notes(pilot.app))
        assert "delayed 15 min" in column_plain(pilot.app.desk.doctors_pane, "state")[0]
        # The delayed slots stay under their schedule's columns.
        assert grid_cell(pilot, world.rao.id, "11:00").startswith("○ 1/2")


async def test_search_jumps_to_the_token(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "down", "slash")
        assert isinstance(pilot.app.screen, SearchModal)
        await type_text(pilot, "sita")
        await settle(pilot)
        await press(pilot, "enter")
        desk = pilot.app.desk
        assert desk.grid.selected_slot.id == world.slot("RAO", 10).id
        assert desk.waitlist.has_focus
        assert desk.waitlist.selected_token.id == world.sita.id


async def test_search_by_phone_and_token_number(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "slash")
        await type_text(pilot, "H-100002")
        await settle(pilot)
        await press(pilot, "enter")
        assert pilot.app.desk.seated.selected_token.id == world.ravi.id
        await press(pilot, "slash")
        await type_text(pilot, "khan-001")
        await settle(pilot)
        await press(pilot, "enter")
        assert pilot.app.desk.seated.selected_token.id == world.leela.id


async def test_previous_next_day_and_today(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        desk = pilot.app.desk
        await press(pilot, "right_square_bracket")
        assert desk.selection.day == date(2025, 3, 11)
        assert "No slots on Tuesday 11 March" in str(desk.query_one("#empty").render())
        await press(pilot, "left_square_bracket", "left_square_bracket")
        assert desk.selection.day == date(2025, 3, 9)
        await press(pilot, "t")
        assert desk.selection.day == date(2025, 3, 10)
        assert grid_cell(pilot, world.rao.id, "10:00").startswith("● 2/2")
        # Back from days without slots, the arrows move about the grid again.
        assert pilot.app.focused is desk.grid
        await press(pilot, "down")  # back on the slot under way, and down to Dr Khan
        assert desk.grid.selected_slot.id == world.slot("KHAN", 10).id


async def test_add_a_doctor_and_generate_slots(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "D", "a")
        await type_text(pilot, "Kavita Sen")
        await press(pilot, "tab")
        await type_text(pilot, "sen")
        await press(pilot, "tab")
        await type_text(pilot, "Dermatology")
        await press(pilot, "enter")
        sen = next(d for d in world.engine.doctors() if d.code == "SEN")
        assert sen.name == "Kavita Sen" and sen.department == "Dermatology"
        await press(pilot, "escape")  # the week editor opens next: this time, one day by hand
        await press(pilot, "g")  # the new doctor is selected in the list
        await press(pilot, "enter")  # 09:00-13:00 by 60 minutes, 6 seats
        slots = [s for s in world.engine.day_slots(date(2025, 3, 10)) if s.doctor_id == sen.id]
        assert [f"{s.start:%H:%M}" for s in slots] == ["09:00", "10:00", "11:00", "12:00"]
        assert {s.capacity for s in slots} == {6}
        await press(pilot, "escape")
        assert pilot.app.desk.grid.get_cell(str(sen.id), "11:00").plain.startswith("○ 0/6")
        assert any("4 slots added for Dr Kavita Sen" in n for n in notes(pilot.app))


async def test_add_doctor_with_a_taken_code_is_refused_in_the_form(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "D", "a")
        await type_text(pilot, "Another Rao")
        await press(pilot, "tab")
        await type_text(pilot, "rao")
        await press(pilot, "enter")
        assert "already used by Anjali Rao" in str(pilot.app.screen.query_one("#outcome").render())
    assert len(world.engine.doctors()) == 3


async def test_edit_and_deactivate_a_doctor(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await press(pilot, "D", "down", "down", "e")  # Dr Iyer: nobody booked
        name = pilot.app.screen.query_one("#name", Input)
        name.value = "Priya Iyer-Das"
        await press(pilot, "enter")
        assert world.engine.doctor(world.iyer.id).name == "Priya Iyer-Das"
        await press(pilot, "x")
        assert isinstance(pilot.app.screen, ConfirmModal)
        await press(pilot, "y")
        assert not world.engine.doctor(world.iyer.id).active
        await press(pilot, "escape")
        assert world.iyer.id not in pilot.app.desk.grid.doctor_ids
        assert any("Dr Priya Iyer-Das deactivated" in n for n in notes(pilot.app))


async def test_a_doctor_deactivated_with_patients_waiting_keeps_them(world: World) -> None:
    """Rule 19: a deactivated doctor's slots take nothing new; the patients they
    already have stay, and so does the doctor's row while they do."""
    async with desk_open(world.engine) as pilot:
        await press(pilot, "D", "down", "x")  # Dr Khan: Leela is checked in
        question = str(pilot.app.screen.query_one("#question").render())
        assert "take no new patients" in question
        await press(pilot, "y")
        assert not world.engine.doctor(world.khan.id).active
        assert world.engine.token(world.leela.id).status == TokenStatus.CHECKED_IN
        await press(pilot, "escape")
        assert world.khan.id in pilot.app.desk.grid.doctor_ids


async def test_every_action_is_in_the_command_palette(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        await to_rao_ten_seated(pilot)
        titles = [a.title for a in pilot.app.desk.palette_commands()]
        for title in ("Book a token", "Emergency", "Check in", "Call next", "Cancel token",
                      "No-show", "Move token", "Change capacity", "Close slot", "Doctor delay",
                      "Find a token", "Previous day", "Next day", "Today", "Doctors",
                      "Add a doctor", "Generate slots"):
            assert title in titles
        await press(pilot, "ctrl+p")
        await type_text(pilot, "Check in")
        await settle(pilot)
        await press(pilot, "enter")
        await settle(pilot)
        assert world.engine.token(world.asha.id).status == TokenStatus.CHECKED_IN


async def test_token_keys_are_not_offered_on_the_grid(world: World) -> None:
    async with desk_open(world.engine) as pilot:
        desk = pilot.app.desk
        assert isinstance(pilot.app.focused, SlotGrid)
        assert desk.check_action("cancel_token", ()) is False
        await press(pilot, "x")  # nothing happens: no token is selected
        assert not isinstance(pilot.app.screen, ConfirmModal)


async def test_empty_database_says_what_to_do(engine) -> None:  # noqa: ANN001
    async with desk_open(engine) as pilot:
        text = str(pilot.app.desk.query_one("#empty").render())
        assert "No doctors yet" in text and "opd-tui --demo" in text


async def test_a_cell_that_grows_is_shown_whole_on_a_narrow_desk(
    demo_engine: AllocationEngine,
) -> None:
    """At 80x24 the grid's columns are as wide as their text: a cell whose text grows
    (capacity 6 -> 12, a waitlist mark) widens its column instead of being cut."""
    async with desk_open(demo_engine, size=(80, 24), now=demo_now(DAY)) as pilot:
        await press(pilot, "end", "c", "backspace")  # Dr Rao's last slot, 16:00: 1/6
        await type_text(pilot, "12")
        await press(pilot, "enter")
        assert demo_engine.slot_view(pilot.app.desk.grid.selected_slot.id).capacity == 12
        grid = pilot.app.desk.grid
        shown = [grid.render_line(y).text for y in range(grid.size.height)]
        [rao] = [line for line in shown if line.lstrip().startswith("RAO")]
        assert "○1/12" in rao  # a crowded grid closes up the symbol (slot_grid.py)
