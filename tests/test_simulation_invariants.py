"""SPEC §3's invariants after every step of whole simulated days, many seeds and sizes.

The days are small (few seats, short sessions) but stressed: more closures,
late doctors, emergencies and PAID walk-ins than a real day, so bumps,
overbooking, roll-overs and closures all happen. After every step the
simulation's own picture of its tokens (its ledger, replayed from the event
log and its commands' answers) must also be the engine's.
"""

from __future__ import annotations

import pytest

from opd_tui.simulation import Simulation, SimulationConfig

from invariants import check_invariants

STRESSED = dict(
    sessions="09:00-11:00,12:00-13:30",
    slot_minutes=30,
    walkins_per_doctor=7,
    paid_share=0.35,
    emergencies_per_doctor=2,
    slot_close_probability=0.2,
    doctor_late_probability=0.5,
    doctor_late_max_minutes=40,
    late_probability=0.25,
)


def _ledger_is_engine(sim: Simulation) -> None:
    for record in sim.ledger.tokens.values():
        token = sim.engine.token(record.id)
        assert (record.status, record.slot_id) == (token.status, token.slot_id), record.number


READS = ("events", "last_event_id")


def _writes(sim: Simulation) -> int:
    return sum(n for name, n in sim.ops.calls.items() if name not in READS)


def _play_checking_every_step(config: SimulationConfig) -> Simulation:
    """Check after every step that wrote to the engine (a step that wrote nothing
    left every slot and token as it was)."""
    sim = Simulation(config)
    checked = 0
    while not sim.finished:
        before = _writes(sim)
        sim.step()
        if _writes(sim) != before:
            check_invariants(sim.engine, sim.now)
            _ledger_is_engine(sim)
            checked += 1
    assert checked > 20
    return sim


@pytest.mark.parametrize(
    ("doctors", "capacity", "seed"),
    [(1, 2, seed) for seed in range(1, 7)]
    + [pytest.param(*big, marks=pytest.mark.slow) for big in [(2, 2, 7), (2, 3, 8), (3, 1, 9)]],
)
def test_invariants_hold_after_every_step_of_a_stressed_day(
    doctors: int, capacity: int, seed: int
) -> None:
    sim = _play_checking_every_step(
        SimulationConfig(doctors=doctors, capacity=capacity, seed=seed, **STRESSED)
    )
    summary = sim.summary()
    assert summary.finished
    assert summary.tokens_booked > 0
    # The simulation only asks for what the rules allow: no refused transitions.
    assert set(summary.refusals) <= {"CloseRefused"}
    sim.close()


def test_the_stressed_days_exercise_every_rule() -> None:
    """Across a few stressed days, each rule the invariants guard actually fires."""
    seen: dict[str, int] = {}
    for seed in range(1, 5):
        with Simulation(SimulationConfig(doctors=2, capacity=2, seed=seed, **STRESSED)) as sim:
            summary = sim.run()
        for key in ("bumped", "promoted", "moved", "expired", "overbooked_slots",
                    "slots_closed", "doctors_late", "cancellations", "no_shows",
                    "waitlisted_on_booking"):
            seen[key] = seen.get(key, 0) + getattr(summary, key)
    assert all(seen.values()), seen


def test_invariants_hold_through_a_default_day_checked_every_few_steps() -> None:
    """A default 3-doctor day (8 seats an hour), checked every 25 steps and at the end."""
    sim = Simulation(SimulationConfig(seed=11))
    while not sim.finished:
        sim.step()
        if sim.steps % 25 == 0:
            check_invariants(sim.engine, sim.now)
    check_invariants(sim.engine, sim.now)
    _ledger_is_engine(sim)
    sim.close()
