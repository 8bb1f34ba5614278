"""Policies and the figures that matter: the same patients whatever the policy,
no bumps with bumping off, overbooking through capacity, waits from arrival,
unseen and turned-away patients, the two presets, and `--trace`.

Figures are checked against the engine's own event log and tokens where they can
be, never only against the simulation's bookkeeping.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from opd_tui.cli import main
from opd_tui.domain.enums import Source
from opd_tui.domain.models import Event
from opd_tui.simulation import Simulation, SimulationConfig, SimulationSummary, simulate_day
from opd_tui.simulation.day import plan_day
from opd_tui.simulation.presets import PUBLIC, config_of

# A crowded day: full slots, PAID walk-ins and follow-ups that bump, waitlists.
BUSY = {"doctors": 2, "capacity": 5, "walkins_per_doctor": 20, "paid_share": 0.25,
        "slot_close_probability": 0.1, "doctor_late_probability": 0.5}


@dataclass
class Day:
    summary: SimulationSummary
    #: The trace's rows, and what the engine holds at the end of the day.
    rows: list[dict]
    events: list[Event]
    statuses: Counter[str]
    capacities: Counter[int]
    last_end: datetime


def played(config: SimulationConfig) -> Day:
    with Simulation(config) as sim:
        summary = sim.run()
        events = sim.engine.events()
        ids = {e.token_id for e in events if e.token_id is not None}
        return Day(
            summary, sim.timelines(), events,
            Counter(sim.engine.token(t).status.value for t in ids),
            Counter(s.capacity for s in sim.engine.day_slots(config.day)),
            max(s.end for s in sim.ledger.slots.values()),
        )


def by_patient(rows: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row["patient"], []).append(row)
    return found


@pytest.mark.parametrize("policy", [{"bumping": False}, {"overbook": 1.0}])
def test_a_policy_changes_nothing_of_the_patients(policy: dict) -> None:
    """Same people, same arrival times, same consultation draws (common random numbers):
    the policy decides only where they sit and when they are called."""
    base = SimulationConfig(seed=4, **BUSY)
    other = base.model_copy(update=policy)
    assert plan_day(base).patients == plan_day(other).patients
    first, second = played(base).rows, played(other).rows
    one, two = by_patient(first), by_patient(second)
    walked_in = [p for p in one if ":W" in p or ":E" in p]
    assert walked_in and all(
        one[p][0]["arrived"] == two[p][0]["arrived"] for p in walked_in if p in two)
    # A patient seen in both days took exactly as long with the doctor in both.
    seen = [p for p in one if p in two and one[p][-1]["status"] == two[p][-1]["status"]
            == "COMPLETED"]
    assert len(seen) > 20
    assert all(one[p][-1]["consultMinutes"] == two[p][-1]["consultMinutes"] for p in seen)
    # ... while the policy did change the day.
    assert [r["status"] for r in first] != [r["status"] for r in second] or \
        [r["called"] for r in first] != [r["called"] for r in second]


def test_more_capacity_keeps_the_same_walk_ins_and_first_bookings() -> None:
    small = plan_day(SimulationConfig(seed=2, doctors=2, capacity=6))
    large = plan_day(SimulationConfig(seed=2, doctors=2, capacity=10))

    def people(plan, kind: str) -> dict[str, tuple]:
        return {p.ident: (p.name, p.source, p.book_at, p.consult_z, p.slot, p.comes)
                for p in plan.patients if f":{kind}" in p.ident}

    assert people(small, "W") == people(large, "W")
    assert people(small, "E") == people(large, "E")
    booked_small, booked_large = people(small, "B"), people(large, "B")
    assert len(booked_large) > len(booked_small)  # demand follows the seats on offer
    assert all(booked_large[p] == booked_small[p] for p in booked_small)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bumping_off_never_bumps(seed: int) -> None:
    kinds = {}
    for bumping in (True, False):
        day = played(SimulationConfig(seed=seed, bumping=bumping, **BUSY))
        kinds[bumping] = Counter(e.kind for e in day.events)
        assert day.summary.bumped == kinds[bumping]["BUMPED"]
    assert kinds[True]["BUMPED"] > 0  # the day does bump when allowed
    assert kinds[False]["BUMPED"] == 0


def test_overbooking_adds_the_expected_no_shows_to_each_slot() -> None:
    config = SimulationConfig(seed=1, doctors=2, capacity=8, no_show_rate=0.25, overbook=1.0,
                              capacity_by_doctor="4")
    assert [config.seats_of(0), config.seats_of(1)] == [5, 10]  # 4 + 1, 8 + 2
    assert played(config).capacities == {5: 7, 10: 7}
    assert SimulationConfig(overbook=0.5).seats_of(0) == 9  # 8 + 0.8 rounds to 1


def test_waits_are_counted_from_arrival_in_the_hall() -> None:
    day = played(SimulationConfig(seed=3, doctors=2))
    summary, rows = day.summary, day.rows
    waits = [r["waitFromArrival"] for r in rows if r["called"] is not None]
    assert summary.wait_from_arrival_mean == pytest.approx(sum(waits) / len(waits), abs=0.06)
    # From arrival is longer than from the moment a patient could be seen.
    called = sum(w.patients for w in summary.wait_minutes.values())
    from_ready = sum(w.mean * w.patients for w in summary.wait_minutes.values()
                     if w.patients) / called
    assert summary.wait_from_arrival_mean > from_ready
    assert summary.wait_from_arrival_p90 >= summary.wait_from_arrival_mean


def test_patients_left_waiting_at_the_last_call_are_unseen() -> None:
    config = SimulationConfig(seed=1, doctors=2, walkins_per_doctor=40, capacity=12,
                              last_call_minutes=0)
    day = played(config)
    summary = day.summary
    assert summary.unseen == day.statuses["UNSEEN"] == summary.final_states["UNSEEN"] > 0
    # Nobody is called after the last call (the last slot's end, with no grace).
    assert all(datetime.fromisoformat(r["called"]) < day.last_end
               for r in day.rows if r["called"])
    # With an hour's grace, the same day leaves fewer unseen.
    later = simulate_day(config.model_copy(update={"last_call_minutes": 60}))
    assert later.unseen < summary.unseen and later.completed > summary.completed


def test_turned_away_counts_walk_ins_who_never_got_a_seat() -> None:
    day = played(SimulationConfig(seed=2, **BUSY))
    summary, rows = day.summary, day.rows
    walk_ins = {Source.WALKIN.value, Source.PAID.value}
    never = [r for r in rows if r["source"] in walk_ins
             and (r["status"] == "TURNED_AWAY" or (r["status"] == "EXPIRED"
                                                 and r["checkedIn"] is None))]
    assert summary.turned_away == len(never) > 0
    assert summary.expired >= sum(1 for r in never if r["status"] == "EXPIRED")


def test_the_public_preset_is_a_walk_in_day_and_flags_win() -> None:
    config = config_of("public", doctors=2)
    assert config.walkins_per_doctor >= 60 and config.sessions[0].label == "09:00-13:00"
    summary = simulate_day(config)
    per_doctor = summary.tokens_by_source["WALKIN"] / 2
    assert per_doctor >= 50
    assert summary.tokens_by_source["WALKIN"] > 5 * (summary.tokens_by_source["ONLINE"]
                                                      + summary.tokens_by_source["FOLLOWUP"])
    # The crowd at the counter from 08:00 waits long before the 09:00 start.
    assert summary.wait_from_arrival_mean > 45
    assert config_of("public", capacity=20).capacity == 20
    assert set(PUBLIC) <= set(SimulationConfig.model_fields)


def test_presets_and_new_figures_reach_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--headless", "--json", "--preset", "public", "--doctors", "1",
                 "--capacity", "14"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert {"unseen", "turnedAway", "waitFromArrivalMean", "waitFromArrivalP90",
            "overtimeMinutes", "bookingsDeclined"} <= set(figures)
    assert figures["slotsCreated"] == 4  # the public day's one morning session
    assert figures["tokensBySource"]["WALKIN"] > 40


def test_trace_writes_each_tokens_day_as_json_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trace = tmp_path / "day.jsonl"
    args = ["simulate", "--headless", "--json", "--doctors", "2", "--seed", "5",
            "--trace", str(trace)]
    assert main(args) == 0
    figures = json.loads(capsys.readouterr().out)
    rows = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    tokens = [r for r in rows if r["token"] is not None]
    assert len(tokens) == figures["tokensBooked"]
    assert sum(1 for r in tokens if r["status"] == "COMPLETED") == figures["completed"]
    assert all(not any(ch.isalpha() and ord(ch) > 0x7F for ch in json.dumps(r)) for r in rows)
    for r in tokens:
        steps = [r[k] for k in ("booked", "checkedIn", "called", "completed") if r[k]]
        assert steps == sorted(steps), r
        if r["called"]:
            assert r["arrived"] <= r["called"] and r["waitFromArrival"] >= 0
    assert {r["patient"].split(":")[1][0] for r in rows} == {"B", "W", "E"}
    # Same seed, same trace.
    again = tmp_path / "again.jsonl"
    assert main([*args[:-1], str(again)]) == 0
    assert again.read_bytes() == trace.read_bytes()


def test_trace_needs_a_headless_day(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["simulate", "--trace", str(tmp_path / "t.jsonl")]) == 2
    assert "--headless" in capsys.readouterr().err
