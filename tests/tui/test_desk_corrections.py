"""Corrections (rule 21) by their keys: `u` takes back this desk's last action on the
selected token or slot with a reason; `r` requeues a called patient who is not there.

Each test opens the wide desk (its activity pane shows) on the small day of conftest
(Monday 10 March 2025, 10:30: Dr Rao's 10:00 slot holds Asha and Ravi with Sita
waiting, 11:00 holds Gopal; Dr Khan's 10:00 has Leela checked in), makes the mistake,
undoes it, and checks the token, the event's reason and the activity pane.
"""

from __future__ import annotations

from datetime import datetime, time

from opd_tui.domain.enums import EventKind, SlotStatus, TokenStatus
from opd_tui.tui.modals.reason import ReasonPrompt

from .conftest import DAY, World, desk_open, eventually, notes, press, settle, type_text

WIDE = (160, 48)


def activity_lines(pilot) -> list[str]:
    return [line.text for line in pilot.app.desk.query_one("#activity").lines]


def last_event(world: World, kind: EventKind, token_id: int | None = None,
               slot_id: int | None = None):
    return [e for e in world.engine.events() if e.kind == kind
            and (token_id is None or e.token_id == token_id)
            and (slot_id is None or e.slot_id == slot_id)][-1]


async def shows_in_activity(pilot, text: str) -> None:
    assert await eventually(pilot, lambda: any(text in line for line in activity_lines(pilot)),
                            what=f"{text!r} in the activity pane")


async def test_a_cancel_undone_reinstates_with_the_reason_chosen(world: World) -> None:
    async with desk_open(world.engine, size=WIDE) as pilot:
        await press(pilot, "enter")  # Dr Rao's 10:00 patients: Asha first
        assert pilot.app.desk.selection.token.id == world.asha.id
        await press(pilot, "x", "y")
        assert world.engine.token(world.asha.id).status is TokenStatus.CANCELLED
        assert world.engine.token(world.sita.id).status is TokenStatus.BOOKED  # promoted
        # Asha has left the slot's lists; the slot is still selected: `u` finds her.
        await press(pilot, "u")
        prompt = pilot.app.screen
        assert isinstance(prompt, ReasonPrompt)
        question = str(prompt.query_one("#question").render())
        assert "RAO-001" in question and "Asha Verma" in question
        await press(pilot, "1")  # the first usual reason
        asha = world.engine.token(world.asha.id)
        assert asha.status is TokenStatus.BOOKED and asha.slot_id == world.slot("RAO", 10).id
        assert asha.number == "RAO-001" and asha.seq == world.asha.seq
        event = last_event(world, EventKind.REINSTATED, world.asha.id)
        assert event.detail["reason"] == "Done by mistake"
        # Back in a full slot, Asha (online) takes the seat of Sita (walk-in, not checked in).
        assert world.engine.token(world.sita.id).slot_id == world.slot("RAO", 11).id
        assert any("RAO-001 reinstated, booked (Done by mistake); RAO-003 moved to 11:00" in n
                   for n in notes(pilot.app))
        await shows_in_activity(pilot, "RAO-001 reinstated 10:00 · Done by mistake")


async def test_a_no_show_undone_with_a_reason_typed_shown_literally(world: World) -> None:
    async with desk_open(world.engine, size=WIDE) as pilot:
        await press(pilot, "enter", "o")  # Asha marked no-show by mistake
        assert world.engine.token(world.asha.id).status is TokenStatus.NO_SHOW
        await press(pilot, "u")
        assert isinstance(pilot.app.screen, ReasonPrompt)
        await type_text(pilot, "Came late [b]after tea[/b]")  # typing starts one's own reason
        await press(pilot, "enter")
        assert world.engine.token(world.asha.id).status is TokenStatus.BOOKED
        reason = "Came late [b]after tea[/b]"
        assert last_event(world, EventKind.REINSTATED, world.asha.id).detail["reason"] == reason
        await shows_in_activity(pilot, f"RAO-001 reinstated 10:00 · {reason}")


async def test_a_reason_too_long_is_refused_in_the_prompt(world: World) -> None:
    async with desk_open(world.engine, size=WIDE) as pilot:
        await press(pilot, "enter", "o", "u")
        prompt = pilot.app.screen
        await type_text(pilot, "x")  # typing goes into the reason box
        prompt.query_one("#reason-text").value = "x" * 201  # as if pasted
        await press(pilot, "enter")
        assert pilot.app.screen is prompt
        assert "at most 200" in str(prompt.query_one("#reason-problem").render())
        await press(pilot, "escape")
    assert world.engine.token(world.asha.id).status is TokenStatus.NO_SHOW


async def test_a_check_in_undone(world: World) -> None:
    async with desk_open(world.engine, size=WIDE) as pilot:
        await press(pilot, "enter", "i")
        assert world.engine.token(world.asha.id).status is TokenStatus.CHECKED_IN
        await press(pilot, "u")
        assert "goes back to booked" in str(pilot.app.screen.query_one("#question").render())
        await press(pilot, "2")  # "Wrong patient selected"
        assert world.engine.token(world.asha.id).status is TokenStatus.BOOKED
        event = last_event(world, EventKind.CHECK_IN_UNDONE, world.asha.id)
        assert event.detail["reason"] == "Wrong patient selected"
        await shows_in_activity(pilot, "RAO-001 check-in undone 10:00 · Wrong patient selected")


async def test_a_call_undone_requeues_and_r_does_it_in_one_key(world: World) -> None:
    async with desk_open(world.engine, size=WIDE) as pilot:
        desk = pilot.app.desk
        await press(pilot, "down")  # Dr Khan's 10:00: Leela is checked in
        assert desk.selection.doctor_id == world.khan.id
        await press(pilot, "n")
        assert world.engine.token(world.leela.id).status is TokenStatus.IN_CONSULTATION
        await press(pilot, "u")
        prompt = pilot.app.screen
        assert isinstance(prompt, ReasonPrompt)
        assert "KHAN-001" in str(prompt.query_one("#question").render())
        await press(pilot, "enter")  # the first reason, highlighted: not here when called
        assert world.engine.token(world.leela.id).status is TokenStatus.BOOKED
        event = last_event(world, EventKind.REQUEUED, world.leela.id)
        assert event.detail["reason"] == "Not here when called"
        await shows_in_activity(pilot, "KHAN-001 back in the queue 10:00 · Not here when called")

        # She comes, is checked in and called again, and has stepped out: one key, on
        # her row (the desk keeps it selected) ...
        await press(pilot, "i", "n")
        assert desk.selection.token.id == world.leela.id
        assert world.engine.token(world.leela.id).status is TokenStatus.IN_CONSULTATION
        await press(pilot, "r")
        assert not isinstance(pilot.app.screen, ReasonPrompt)  # no question asked
        assert world.engine.token(world.leela.id).status is TokenStatus.BOOKED
        # ... or on the doctor's row in the grid: the doctor's patient in consultation.
        await press(pilot, "i", "n")
        desk.grid.focus()
        await settle(pilot)
        assert desk.selection.token is None and desk.selection.doctor_id == world.khan.id
        await press(pilot, "r")
        assert world.engine.token(world.leela.id).status is TokenStatus.BOOKED
        requeued = [e for e in world.engine.events()
                    if e.kind == EventKind.REQUEUED and e.token_id == world.leela.id]
        assert [e.detail["reason"] for e in requeued] == ["Not here when called"] * 3
        assert any("KHAN-001 back in the queue" in n and "Dr Farah Khan is free" in n
                   for n in notes(pilot.app))


async def test_r_with_nobody_called_says_so(world: World) -> None:
    async with desk_open(world.engine, size=WIDE) as pilot:
        await press(pilot, "r")
        assert any("No one is with Dr Anjali Rao now" in n for n in notes(pilot.app))


async def test_a_closed_slot_reopened_its_patients_stay(world: World) -> None:
    eleven = world.slot("RAO", 11)
    async with desk_open(world.engine, size=WIDE) as pilot:
        await press(pilot, "right", "X", "y")  # Dr Rao's 11:00 closed: Gopal to 12:00
        assert world.engine.slot_view(eleven.id).status is SlotStatus.CLOSED
        assert world.engine.token(world.gopal.id).slot_id == world.slot("RAO", 12).id
        await press(pilot, "u")
        assert "Reopen the 11:00-12:00 slot" in str(pilot.app.screen.query_one("#question").render())
        await press(pilot, "1")
        assert world.engine.slot_view(eleven.id).status is not SlotStatus.CLOSED
        assert world.engine.token(world.gopal.id).slot_id == world.slot("RAO", 12).id
        event = last_event(world, EventKind.SLOT_REOPENED, slot_id=eleven.id)
        assert event.detail["reason"] == "Closed by mistake"
        await shows_in_activity(pilot, "RAO slot reopened 11:00 · Closed by mistake")
        assert pilot.app.desk.grid.get_cell(str(world.rao.id), "11:00").plain.startswith("○ 0/2")


async def test_expired_and_unseen_found_by_search_are_reinstated(world: World) -> None:
    engine = world.engine
    noon = world.slot("RAO", 12)
    late = datetime(2025, 3, 10, 8, 5)
    mala = engine.book(noon.id, "Mala Sen", "ONLINE", now=late)
    engine.book(noon.id, "Hari Das", "ONLINE", now=late)
    kiran = engine.book(noon.id, "Kiran Bose", "WALKIN", now=late)  # waitlisted
    engine.check_in(mala.id, now=late)
    # The day ends early (every slot is over by 13:05): Mala, checked in, went unseen;
    # Kiran, still waiting, expired. Then the doctor stays for an extra hour.
    after = datetime(2025, 3, 10, 13, 5)
    engine.finish_day(DAY, now=after)
    assert engine.token(mala.id).status is TokenStatus.UNSEEN
    assert engine.token(kiran.id).status is TokenStatus.EXPIRED
    extra = engine.add_slot(world.rao.id, datetime(2025, 3, 10, 14), datetime(2025, 3, 10, 15), 4)
    async with desk_open(engine, size=WIDE, now=after) as pilot:
        for name, back in (("Kiran Bose", TokenStatus.BOOKED), ("Mala Sen", TokenStatus.CHECKED_IN)):
            await press(pilot, "slash")
            await type_text(pilot, name)
            await settle(pilot)
            await press(pilot, "enter")  # to the token's slot: she is in none of its lists
            assert pilot.app.desk.selection.slot.id == noon.id
            await press(pilot, "u")
            assert name in str(pilot.app.screen.query_one("#question").render())
            await press(pilot, "3")  # "Patient came back"
            token = world.named(name)
            # Her ended slot takes nobody: the doctor's next slot today does.
            assert (token.status, token.slot_id) == (back, extra.id)
            assert last_event(world, EventKind.REINSTATED, token.id).detail["reason"] == \
                "Patient came back"
            await shows_in_activity(pilot, f"{token.number} reinstated 14:00 · Patient came back")
            await press(pilot, "escape")


async def test_nothing_to_undo_is_said(world: World) -> None:
    async with desk_open(world.engine, size=WIDE) as pilot:
        await press(pilot, "down", "down", "right")  # Dr Iyer's 11:00: nobody, nothing done
        await press(pilot, "u")
        assert not isinstance(pilot.app.screen, ReasonPrompt)
        assert any("Nothing to undo on this slot" in n for n in notes(pilot.app))


async def test_undo_takes_back_this_desks_action_not_the_kiosks(world: World) -> None:
    """A check-in made elsewhere is still a checked-in patient: `u` on her undoes it;
    but on the slot, this desk's own cancel comes first."""
    async with desk_open(world.engine, size=WIDE) as pilot:
        await press(pilot, "enter", "down", "x", "y")  # this desk cancels Ravi
        world.engine.check_in(world.asha.id, now=datetime.combine(DAY, time(10, 31)))
        await settle(pilot)
        pilot.app.desk.grid.focus()  # on the slot, not on a patient
        await press(pilot, "u")
        assert "RAO-002" in str(pilot.app.screen.query_one("#question").render())
        await press(pilot, "escape")
