"""A simulation's database is dated by the simulated clock, never the wall clock.

Doctors and slots are set up on the simulated evening before the day, every
command runs at the simulated `now`, and the engine finalises the day at the
following midnight: the event log is in time order and, for one seed, the same
database every time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from opd_tui.domain.models import Event
from opd_tui.engine import AllocationEngine
from opd_tui.simulation import SimulationConfig, SimulationSummary, simulate_day

# Late doctors and closed slots: delays and closures write events of their own.
CONFIG = SimulationConfig(seed=8, doctors=3, doctor_late_probability=0.6,
                          slot_close_probability=0.1)
SET_UP_AT = CONFIG.evening_before - timedelta(hours=1)
MIDNIGHT_AFTER = datetime.combine(CONFIG.day + timedelta(days=1), time.min)


def _simulate_into(path: Path) -> tuple[SimulationSummary, list[Event], datetime]:
    """Play the day into a SQLite file, then read it back as another program would."""
    url = f"sqlite:///{path}"
    engine = AllocationEngine.open(url)
    try:
        summary = simulate_day(CONFIG, engine)
    finally:
        engine.close()
    reader = AllocationEngine.open(url)
    try:
        return summary, reader.events(), reader.clock(SET_UP_AT)
    finally:
        reader.close()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[SimulationSummary,
                                                                      list[Event], datetime]]:
    folder = tmp_path_factory.mktemp("event-times")
    return [_simulate_into(folder / f"run{n}.sqlite3") for n in (1, 2)]


def test_events_are_in_time_order_by_id(two_runs) -> None:
    _, events, _ = two_runs[0]
    ids = [e.id for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    late = [(a, b) for a, b in pairwise(events) if b.at < a.at]
    assert not late, late[:3]


def test_every_event_falls_within_the_simulated_day(two_runs) -> None:
    _, events, _ = two_runs[0]
    kinds = {e.kind for e in events}
    assert {"DOCTOR_ADDED", "SLOT_ADDED", "DOCTOR_DELAYED", "SLOT_CLOSED", "BOOKED"} <= kinds
    assert all(SET_UP_AT <= e.at <= MIDNIGHT_AFTER for e in events), (
        min(e.at for e in events), max(e.at for e in events))
    today = date.today()
    assert today == CONFIG.day or not any(e.at.date() == today for e in events)


def test_doctors_and_slots_are_set_up_the_evening_before(two_runs) -> None:
    _, events, _ = two_runs[0]
    set_up = [e for e in events if e.kind in ("DOCTOR_ADDED", "SLOT_ADDED")]
    assert len(set_up) == 3 + 3 * 7
    assert {e.at for e in set_up} == {SET_UP_AT}
    first_booking = next((e for e in events if e.token_id is not None), None)
    assert first_booking is not None and max(e.id for e in set_up) < first_booking.id


def test_the_same_seed_writes_the_same_log(two_runs) -> None:
    (first_summary, first, _), (second_summary, second, _) = two_runs

    def rows(events: list[Event]) -> list[tuple[object, ...]]:
        return [(e.kind, e.at, e.token_id, e.slot_id, e.detail) for e in events]

    assert rows(first) == rows(second)
    assert first_summary.to_json() == second_summary.to_json()


def test_the_desk_finishes_the_day_after_its_last_slot(two_runs) -> None:
    summary, events, clock = two_runs[0]
    # The day is finished once the last slot has ended, on the simulated clock: no
    # empty evening passes and nothing is dated past the day.
    assert clock.date() == MIDNIGHT_AFTER.date() - timedelta(days=1)
    assert summary.finished and summary.engine_calls["finish_day"] == 1
    live = {"BOOKED", "CHECKED_IN", "IN_CONSULTATION", "WAITLISTED"}
    assert not {k for k, n in summary.final_states.items() if n} & live
    assert all(e.at < MIDNIGHT_AFTER for e in events)
