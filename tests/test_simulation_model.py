"""The synthetic day's model: its draws have the shapes the README promises.

These look at the plan (who comes, when, for how long) over many doctors, so
the figures are stable: each tolerance is several standard errors wide.
"""

from __future__ import annotations

import statistics
import unicodedata
from datetime import datetime, timedelta

import pytest

from opd_tui.domain.enums import Source
from opd_tui.simulation import SimulationConfig
from opd_tui.simulation.day import consultation_minutes, plan_day, poisson, stream


@pytest.fixture(scope="module")
def big_plan():
    return plan_day(SimulationConfig(seed=9, doctors=300))


def test_the_plan_is_a_function_of_seed_and_config() -> None:
    config = SimulationConfig(seed=4, doctors=5)
    assert plan_day(config) == plan_day(config)
    assert plan_day(config) != plan_day(SimulationConfig(seed=5, doctors=5))


def test_adding_doctors_leaves_the_first_doctors_days_alone() -> None:
    small = plan_day(SimulationConfig(seed=4, doctors=3))
    large = plan_day(SimulationConfig(seed=4, doctors=100))
    assert large.doctors[:3] == small.doctors
    assert large.patients[: len(small.patients)] == small.patients


def test_no_shows_and_cancellations_come_at_their_configured_rates(big_plan) -> None:
    prebooked = [p for p in big_plan.patients if p.slot is not None]
    cancelled = [p for p in prebooked if p.cancel_at is not None]
    kept = [p for p in prebooked if p.cancel_at is None]
    assert len(prebooked) == pytest.approx(0.9 * 8 * 7 * 300, rel=0.03)
    assert len(cancelled) / len(prebooked) == pytest.approx(0.10, abs=0.01)
    assert sum(not p.comes for p in kept) / len(kept) == pytest.approx(0.20, abs=0.01)
    followups = sum(p.source is Source.FOLLOWUP for p in prebooked)
    assert followups / len(prebooked) == pytest.approx(0.35, abs=0.015)
    evening = [p.book_at for p in prebooked]
    assert min(evening) >= datetime(2025, 3, 2, 18) and max(evening) <= datetime(2025, 3, 2, 22)
    before_the_day = [p for p in cancelled if p.cancel_at < datetime(2025, 3, 3)]
    assert len(before_the_day) / len(cancelled) == pytest.approx(0.08 / 0.10, abs=0.04)


def test_booked_patients_come_about_ten_minutes_early_and_some_late(big_plan) -> None:
    offsets = [p.arrival_offset for p in big_plan.patients if p.slot is not None and p.comes]
    assert statistics.median(offsets) == pytest.approx(-8.5, abs=1.5)
    late = sum(o > 0 for o in offsets) / len(offsets)
    assert 0.15 < late < 0.30  # the spread's tail plus the habitually late 8%
    assert sum(o > 20 for o in offsets) / len(offsets) == pytest.approx(0.08 * 0.37, abs=0.01)


def test_walk_ins_crowd_the_morning_and_the_start_of_each_session(big_plan) -> None:
    walkins = [p for p in big_plan.patients if p.source in (Source.WALKIN, Source.PAID)]
    assert len(walkins) / 300 == pytest.approx(14, rel=0.05)
    lunch = datetime(2025, 3, 3, 13)
    morning = [p.book_at for p in walkins if p.book_at < lunch]
    assert len(morning) / len(walkins) == pytest.approx(0.75, abs=0.02)
    opens = datetime(2025, 3, 3, 8, 30)
    first_half = sum(t < opens + (lunch - opens) / 2 for t in morning) / len(morning)
    assert first_half == pytest.approx(0.635, abs=0.03)  # F(1/2) with a front load of 0.7
    assert all(opens <= p.book_at < datetime(2025, 3, 3, 16) for p in walkins)
    paid = sum(p.source is Source.PAID for p in walkins) / len(walkins)
    assert paid == pytest.approx(0.10, abs=0.015)


def test_about_one_emergency_per_doctor_spread_over_the_opd_hours(big_plan) -> None:
    emergencies = [p for p in big_plan.patients if p.source is Source.EMERGENCY]
    assert len(emergencies) / 300 == pytest.approx(1.0, abs=0.15)
    assert all(datetime(2025, 3, 3, 9) <= p.book_at < datetime(2025, 3, 3, 17)
               for p in emergencies)


def test_doctors_start_late_and_close_slots_rarely(big_plan) -> None:
    late = [d for d in big_plan.doctors if d.late_minutes]
    assert len(late) / 300 == pytest.approx(0.1, abs=0.05)
    assert all(10 <= d.late_minutes <= 45 for d in late)
    assert all(d.late_notice_at == datetime(2025, 3, 3, 8, 45) for d in late)
    closed = sum(len(d.closed_slots) for d in big_plan.doctors)
    assert closed / (300 * 6) == pytest.approx(0.01, abs=0.01)
    assert all(6 not in d.closed_slots for d in big_plan.doctors)  # never the last slot


def test_consultation_times_are_lognormal_with_mean_six_and_cv_point_six() -> None:
    rng = stream(1, "test", 0)
    times = [consultation_minutes(rng, 6.0, 0.6) for _ in range(40_000)]
    mean = statistics.fmean(times)
    assert mean == pytest.approx(6.0, rel=0.02)
    assert statistics.pstdev(times) / mean == pytest.approx(0.6, rel=0.05)
    assert statistics.median(times) < mean  # right-skewed, as consultations are


def test_doctors_means_spread_around_the_opd_mean_unless_given(big_plan) -> None:
    means = [d.consult_mean for d in big_plan.doctors]
    assert statistics.fmean(means) == pytest.approx(6.0, rel=0.03)
    assert 0.1 < statistics.pstdev(means) / 6.0 < 0.2
    given = plan_day(SimulationConfig(doctors=3, consult_minutes_by_doctor="4,12"))
    assert [d.consult_mean for d in given.doctors[:2]] == [4.0, 12.0]
    assert given.doctors[2].consult_mean != 4.0


def test_poisson_counts_have_the_mean_and_variance_of_a_poisson() -> None:
    rng = stream(1, "poisson", 0)
    for mean in (0.8, 14.0, 900.0):
        draws = [poisson(rng, mean) for _ in range(4000 if mean < 100 else 400)]
        assert statistics.fmean(draws) == pytest.approx(mean, rel=0.05)
        assert statistics.pvariance(draws) == pytest.approx(mean, rel=0.2)
    assert poisson(rng, 0) == 0


def test_names_come_from_many_scripts_and_regions(big_plan) -> None:
    scripts = set()
    for p in big_plan.patients:
        for ch in p.name:
            if unicodedata.category(ch).startswith("L"):
                scripts.add(unicodedata.name(ch).split()[0])
    assert {"LATIN", "DEVANAGARI", "TAMIL", "BENGALI", "TELUGU", "KANNADA", "MALAYALAM",
            "GUJARATI", "GURMUKHI", "ORIYA"} <= scripts
    native = sum(any(ord(ch) > 0x7F for ch in p.name) for p in big_plan.patients)
    assert native / len(big_plan.patients) == pytest.approx(0.3 * 10 / 12, abs=0.03)
    assert all(d.name.isascii() for d in big_plan.doctors)
    codes = [d.code for d in big_plan.doctors]
    assert len(set(codes)) == len(codes) and all(len(c) <= 6 for c in codes)
    assert len({d.department for d in big_plan.doctors}) == 12


def test_the_day_follows_the_configured_sessions() -> None:
    plan = plan_day(SimulationConfig(sessions="08:00-12:00,16:00-19:30", slot_minutes=45))
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in plan.slot_times] == [
        ("08:00", "08:45"), ("08:45", "09:30"), ("09:30", "10:15"), ("10:15", "11:00"),
        ("11:00", "11:45"), ("16:00", "16:45"), ("16:45", "17:30"), ("17:30", "18:15"),
        ("18:15", "19:00"),
    ]
    assert plan.day_opens == plan.slot_times[0][0] - timedelta(hours=2)
