"""The agenda: happenings come out in time order, same-instant ones in a fixed order."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import get_args

from opd_tui.simulation.agenda import (
    _ORDER,
    Agenda,
    Arrival,
    CheckInDue,
    DayEnds,
    DoctorStarts,
    Happening,
    SlotEnds,
)

NINE = datetime(2025, 3, 3, 9, 0)


def test_every_kind_of_happening_has_one_place_in_the_same_instant_order() -> None:
    assert sorted(_ORDER, key=lambda kind: kind.__name__) == sorted(
        get_args(Happening), key=lambda kind: kind.__name__
    )
    assert len(set(_ORDER)) == len(_ORDER)


def test_time_first_then_kind_then_the_order_they_were_added() -> None:
    agenda = Agenda()
    added: list[Happening] = [
        DayEnds(NINE),
        Arrival(NINE, patient=2),
        DoctorStarts(NINE, doctor=0),
        Arrival(NINE, patient=1),
        CheckInDue(NINE, token_id=5),
        SlotEnds(NINE),
        SlotEnds(NINE - timedelta(hours=1)),
    ]
    for happening in added:
        agenda.add(happening)
    assert agenda.peek() == SlotEnds(NINE - timedelta(hours=1))
    played = [agenda.pop() for _ in range(len(agenda))]
    assert played == [
        SlotEnds(NINE - timedelta(hours=1)),
        SlotEnds(NINE),
        CheckInDue(NINE, token_id=5),
        DoctorStarts(NINE, doctor=0),
        Arrival(NINE, patient=2),
        Arrival(NINE, patient=1),
        DayEnds(NINE),
    ]
    assert not agenda and agenda.peek() is None
