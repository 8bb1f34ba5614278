"""The summary adds up, the log is the event log, and the step-wise API behaves.

Figures are checked against the engine itself (its event log and tokens),
never against the simulation's own bookkeeping.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from opd_tui.domain.enums import TokenStatus
from opd_tui.engine import AllocationEngine
from opd_tui.simulation import (
    LogEntry,
    Simulation,
    SimulationConfig,
    SimulationError,
    SimulationSummary,
    simulate_day,
)

FINAL = {TokenStatus.COMPLETED, TokenStatus.CANCELLED, TokenStatus.NO_SHOW, TokenStatus.EXPIRED}
# A busy day: full slots, so bumps, waitlists, roll-overs and expiries all occur.
BUSY = SimulationConfig(seed=5, doctors=3, capacity=5, walkins_per_doctor=20, paid_share=0.25,
                        slot_close_probability=0.1, doctor_late_probability=0.5)


@pytest.fixture(scope="module")
def played() -> tuple[Simulation, SimulationSummary]:
    sim = Simulation(BUSY)
    summary = sim.run()
    yield sim, summary
    sim.close()


def test_every_token_ends_in_exactly_one_final_state(played) -> None:
    sim, summary = played
    events = sim.engine.events()
    token_ids = {e.token_id for e in events if e.token_id is not None}
    statuses = Counter(sim.engine.token(t).status for t in token_ids)
    assert set(statuses) <= FINAL, statuses
    assert summary.tokens_booked == len(token_ids) == sum(summary.final_states.values())
    assert {k: v for k, v in summary.final_states.items() if v} == {
        s.value: n for s, n in statuses.items()
    }
    assert summary.waitlisted_remaining == 0


def test_counts_agree_with_the_event_log(played) -> None:
    sim, summary = played
    events = sim.engine.events()
    kinds = Counter(e.kind for e in events)
    assert summary.bumped == kinds["BUMPED"] > 0
    assert summary.promoted == kinds["PROMOTED"] > 0
    assert summary.moved == kinds["MOVED"]
    assert summary.cancellations == kinds["CANCELLED"] > 0
    assert summary.no_shows == kinds["NO_SHOW"] > 0
    assert summary.expired == kinds["EXPIRED"] > 0
    assert summary.completed == kinds["COMPLETED"] == summary.final_states["COMPLETED"]
    assert summary.slots_created == kinds["SLOT_ADDED"] == 3 * 7
    assert summary.doctors == kinds["DOCTOR_ADDED"] == 3
    assert summary.slots_closed == kinds["SLOT_CLOSED"]
    assert summary.waitlisted_on_booking == kinds["WAITLISTED"] > 0
    assert summary.overbooked_slots == len({e.slot_id for e in events if e.kind == "OVERBOOKED"})
    first = {}
    for e in events:
        if e.token_id is not None:
            first.setdefault(e.token_id, e)
    assert summary.tokens_booked == sum(1 for e in first.values()
                                        if e.kind in ("BOOKED", "WAITLISTED"))
    emergencies = sum(1 for t in first if sim.engine.token(t).source == "EMERGENCY")
    assert summary.emergencies == emergencies == summary.tokens_by_source["EMERGENCY"]
    # Every patient called was waited for, and every wait is a call.
    assert sum(w.patients for w in summary.wait_minutes.values()) == kinds["CALLED"]
    assert sum(d.completed for d in summary.utilisation) == summary.completed


def test_the_log_holds_each_engine_event_once(played) -> None:
    sim, _ = played
    events = sim.engine.events()
    from_engine = Counter((e.kind.value, e.detail.get("number")) for e in events
                          if e.kind not in ("DOCTOR_ADDED",))
    logged = Counter((entry.kind, entry.number) for entry in sim.log
                     if entry.kind not in ("REFUSED", "TURNED_AWAY"))
    assert logged == from_engine
    times = [entry.at for entry in sim.log]
    assert times == sorted(times)


def test_waits_favour_higher_priorities(played) -> None:
    _, summary = played
    waits = summary.wait_minutes
    assert waits["EMERGENCY"].mean < waits["WALKIN"].mean
    assert waits["FOLLOWUP"].mean < waits["WALKIN"].mean
    for figures in waits.values():
        if figures.patients:
            assert 0 <= figures.mean <= figures.p90 or figures.patients == 1


def test_utilisation_is_busy_time_over_open_slot_time(played) -> None:
    _, summary = played
    for doctor in summary.utilisation:
        assert doctor.open_minutes > 0
        assert doctor.utilisation == pytest.approx(doctor.busy_minutes / doctor.open_minutes,
                                                   abs=0.002)
        assert 0.2 < doctor.utilisation < 1.5


def test_step_wise_play_gives_the_same_day_as_a_headless_run() -> None:
    config = SimulationConfig(seed=3, doctors=2)
    headless = simulate_day(config)
    with Simulation(config) as sim:
        assert sim.now < datetime(2025, 3, 3)  # set-up starts the evening before
        noon = datetime(2025, 3, 3, 12, 0)
        added = sim.run_until(noon)
        assert sim.now == noon and not sim.finished
        assert added and all(isinstance(e, LogEntry) and e.at <= noon for e in added)
        assert sim.next_at is not None and sim.next_at > noon
        midday = sim.summary()
        assert not midday.finished and midday.completed > 0
        steps = 0
        while not sim.finished:
            sim.step()
            steps += 1
        assert steps > 50
        assert sim.next_at is None and sim.step() == []
        assert sim.summary().to_json() == headless.to_json()


def test_a_step_reports_the_log_lines_it_added() -> None:
    with Simulation(SimulationConfig(seed=2, doctors=1)) as sim:
        lines: list[LogEntry] = []
        while not sim.finished:
            lines.extend(sim.step())
        assert lines == sim.log
        kinds = Counter(e.kind for e in lines)
        assert kinds["BOOKED"] and kinds["CALLED"] and kinds["CHECKED_IN"]
        called = next(e for e in lines if e.kind == "CALLED")
        assert called.patient_name and called.patient_name in called.text
        assert called.number and called.number.startswith(called.doctor_code)


def test_a_database_whose_clock_is_past_the_day_is_refused_untouched(sqlite_url: str) -> None:
    engine = AllocationEngine.open(sqlite_url)
    doctor = engine.add_doctor("Meera Iyer", "GM1")
    later = datetime(2025, 3, 10, 9, 0)
    engine.add_slot(doctor.id, later, later + timedelta(hours=1), 4)
    engine.book(1, "Asha Rao", "WALKIN", now=later)
    before = engine.last_event_id()
    with pytest.raises(SimulationError, match="clock"):
        simulate_day(SimulationConfig(day="2025-03-03"), engine)
    assert engine.last_event_id() == before
    engine.close()


def test_simulating_into_a_shared_database_keeps_its_doctors_codes(sqlite_url: str) -> None:
    engine = AllocationEngine.open(sqlite_url)
    engine.add_doctor("Meera Iyer", "EYE1")  # the code the seed gives the first doctor
    summary = simulate_day(SimulationConfig(seed=1, doctors=1), engine)
    codes = [d.code for d in engine.doctors()]
    assert sorted(codes) == ["EYE1", "EYE2"]
    assert summary.utilisation[0].code == "EYE2"
    assert summary.doctors == 1
    engine.close()
