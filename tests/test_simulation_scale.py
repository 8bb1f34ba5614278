"""A hundred doctors and more: the simulation and the engine keep up, and keep count.

The full default day for 100 doctors is the benchmark's
(tests/benchmarks/bench_simulation.py); here 120 doctors play a short morning
so the proof stays quick.
"""

from __future__ import annotations

import pytest

from opd_tui.simulation import Simulation, SimulationConfig

from invariants import check_invariants


@pytest.mark.slow
def test_a_hundred_and_twenty_doctors_play_a_morning() -> None:
    config = SimulationConfig(seed=21, doctors=120, sessions="09:00-11:00", capacity=4,
                              walkins_per_doctor=3, walkin_closes="10:30")
    with Simulation(config) as sim:
        summary = sim.run()
        assert summary.doctors == 120 and len(summary.utilisation) == 120
        codes = [d.code for d in summary.utilisation]
        assert len(set(codes)) == 120
        assert summary.slots_created == 240
        assert summary.tokens_booked > 1000
        assert sum(summary.final_states.values()) == summary.tokens_booked
        assert summary.final_states["BOOKED"] == summary.final_states["CHECKED_IN"] == 0
        assert summary.completed > 0.6 * summary.tokens_by_source["WALKIN"]
        assert set(summary.refusals) <= {"CloseRefused"}
        # Token numbers count per doctor: each doctor's run 001, 002, ... without gaps.
        numbers: dict[str, list[int]] = {}
        for e in sim.engine.events():
            if e.kind in ("BOOKED", "WAITLISTED") and e.token_id is not None:
                code, n = e.detail["number"].split("-")
                numbers.setdefault(code, []).append(int(n))
        assert set(numbers) == set(codes)
        assert all(sorted(ns) == list(range(1, len(ns) + 1)) for ns in numbers.values())
        check_invariants(sim.engine, sim.now)
