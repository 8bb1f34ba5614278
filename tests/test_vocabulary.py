"""One word for each source, status and event kind, and the screens say it.

The words live in `opd_tui.domain.vocabulary`; the desk's token table, its
activity pane, the booking form, the report and the simulation's log take them
from there, so a patient with the doctor reads "with doctor" everywhere.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from opd_tui.domain.enums import EventKind, Source, TokenStatus
from opd_tui.domain.models import Event, ReportRow
from opd_tui.domain.vocabulary import (
    EVENT_WORDS,
    SOURCE_WORDS,
    STATUS_WORDS,
    capitalised,
    event_label,
    event_word,
    source_label,
    source_word,
    status_label,
    status_word,
)
from opd_tui.engine import AllocationEngine
from opd_tui.simulation import LogEntry
from opd_tui.simulation.log import slot_line, token_line
from opd_tui.tui.modals.booking import SOURCE_CHOICES
from opd_tui.tui.simulation.widgets import BADGE_WIDTH, SHORT, badge
from opd_tui.tui.widgets.activity import event_line
from opd_tui.tui.widgets.report_table import row_label

from tui.conftest import NOW, build_world, column_plain, desk_open, press


@pytest.mark.parametrize("words, kinds", [
    (SOURCE_WORDS, Source), (STATUS_WORDS, TokenStatus), (EVENT_WORDS, EventKind),
])
def test_every_member_has_one_word_of_its_own(words, kinds) -> None:  # noqa: ANN001
    assert set(words) == set(kinds)
    assert all(w and w == w.strip() and w[0].islower() for w in words.values())
    assert len(set(words.values())) == len(words), "two members share a word"


def test_a_patient_with_the_doctor_reads_with_doctor() -> None:
    assert status_word(TokenStatus.IN_CONSULTATION) == "with doctor"
    assert status_label("IN_CONSULTATION") == "With doctor"


def test_labels_capitalise_the_same_words() -> None:
    assert capitalised("walk-in") == "Walk-in" and capitalised("") == ""
    for source in Source:
        assert source_label(source) == capitalised(source_word(source))
        assert source_word(source.value) == source_word(source)
    for status in TokenStatus:
        assert status_label(status) == capitalised(status_word(status))
    for kind in EventKind:
        assert event_label(kind) == capitalised(event_word(kind))


def test_an_event_that_ends_in_a_status_says_that_status() -> None:
    for kind in EventKind:
        if kind.value in TokenStatus.__members__:
            assert event_word(kind) == status_word(TokenStatus(kind.value))


def test_the_booking_form_offers_the_sources_in_their_words() -> None:
    labels = [label for label, _ in SOURCE_CHOICES]
    assert labels[0] == source_label(Source.WALKIN)
    assert {value for _, value in SOURCE_CHOICES} == {s.value for s in Source}
    assert all(label.startswith(source_label(Source(value))) for label, value in SOURCE_CHOICES)


def test_the_report_names_a_source_in_its_word() -> None:
    row = ReportRow(group="source", key="FOLLOWUP", name="FOLLOWUP")
    assert row_label(row).plain == source_label(Source.FOLLOWUP)


def test_the_activity_pane_says_the_event_word() -> None:
    at = datetime(2025, 3, 10, 10, 41)
    for kind in EventKind:
        event = Event(id=1, at=at, kind=kind, token_id=1, slot_id=None, detail={"number": "RAO-030"})
        assert event_line(event, {}).plain == f"10:41 RAO-030 {event_word(kind)}"


def test_the_simulation_badge_is_the_event_word_in_capitals() -> None:
    at = datetime(2025, 3, 3, 9, 0)
    for kind in EventKind:
        shown, _ = badge(LogEntry(at=at, kind=kind.value, text=""))
        if len(event_word(kind)) <= BADGE_WIDTH:
            assert shown == event_word(kind).upper()
        else:  # a short form of its own, whole: never the word cut off
            assert shown == SHORT[kind.value], kind
        assert len(shown) <= BADGE_WIDTH, shown
    emergency = LogEntry(at=at, kind="BOOKED", text="", source=Source.EMERGENCY.value)
    assert badge(emergency)[0] == source_word(Source.EMERGENCY).upper()


async def test_the_token_table_shows_the_status_and_source_words(
    engine: AllocationEngine,
) -> None:
    world = build_world(engine)
    engine.check_in(world.asha.id, now=NOW)
    engine.call_next(world.rao.id, now=NOW)  # Asha goes in to Dr Rao
    async with desk_open(engine, size=(200, 60)) as pilot:
        await press(pilot)  # Dr Rao 10:00: Asha with the doctor, Ravi booked
        seated = pilot.app.desk.seated
        assert column_plain(seated, "status") == [
            status_word(TokenStatus.IN_CONSULTATION), status_word(TokenStatus.BOOKED)]
        assert column_plain(seated, "source") == [
            source_word(Source.ONLINE), source_word(Source.WALKIN)]


def test_the_simulation_log_names_events_in_the_desks_words() -> None:
    for kind in EventKind:
        line = token_line(kind, "RAO-007 Asha (ONLINE)", "BOOKED", "RAO 10:00", "RAO")
        assert "_" not in line.replace("RAO-007", ""), line  # never an enum's name
    moved = token_line(EventKind.MOVED, "RAO-007 Asha (ONLINE)", "WAITLISTED", "RAO 11:00", "RAO")
    assert moved.endswith(f"({status_word(TokenStatus.WAITLISTED)})")
    reopened = slot_line(EventKind.SLOT_REOPENED, {}, "RAO 10:00", "RAO")
    assert reopened == f"{event_word(EventKind.SLOT_REOPENED)} RAO 10:00"
