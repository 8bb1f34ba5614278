"""What the live screen stands on, without a screen: its clock and the day in chunks."""

from __future__ import annotations

from datetime import datetime, timedelta

from opd_tui.engine import AllocationEngine
from opd_tui.simulation import SimulationConfig, simulate_day
from opd_tui.tui.simulation.live import (
    DEFAULT_SPEED,
    EVENING,
    SAMPLE_MINUTES,
    SPEEDS,
    LiveClock,
    LiveDay,
)

#: Where the live day starts (the evening before and the early morning are played at once).
OPENS = datetime(2025, 3, 3, 8, 30)
END = datetime(2025, 3, 4)


class FakeTimer:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_simulated_time_is_wall_time_times_the_speed() -> None:
    wall = FakeTimer()
    clock = LiveClock(60, timer=wall)
    assert clock.target() is None  # not before the day is ready
    clock.anchor(OPENS)
    wall.now += 2.5
    assert clock.target() == OPENS + timedelta(seconds=150)
    # However few ticks came in between: only the wall clock counts.
    wall.now += 10
    assert clock.target() == OPENS + timedelta(seconds=750)


def test_pause_holds_the_time_and_resume_goes_on_from_it() -> None:
    wall = FakeTimer()
    clock = LiveClock(60, timer=wall)
    clock.anchor(OPENS)
    wall.now += 1
    clock.pause()
    wall.now += 30
    assert clock.target() == OPENS + timedelta(seconds=60)
    clock.resume()
    wall.now += 1
    assert clock.target() == OPENS + timedelta(seconds=120)


def test_a_new_speed_applies_from_now_on() -> None:
    wall = FakeTimer()
    clock = LiveClock(60, timer=wall)
    clock.anchor(OPENS)
    wall.now += 1
    assert clock.faster() and clock.speed == 120
    wall.now += 1
    assert clock.target() == OPENS + timedelta(seconds=60 + 120)


def test_speeds_go_from_1x_to_1200x_and_stop_there() -> None:
    clock = LiveClock(DEFAULT_SPEED)
    assert SPEEDS[0] == 1 and SPEEDS[-1] >= 600
    while clock.faster():
        pass
    assert clock.speed == SPEEDS[-1]
    while clock.slower():
        pass
    assert clock.speed == 1
    odd = LiveClock(45)  # --speed 45: + and - go to the neighbouring steps
    assert odd.faster() and odd.speed == 60
    odd = LiveClock(45)
    assert odd.slower() and odd.speed == 30


def prepared(config: SimulationConfig, budget: float = 5.0) -> LiveDay:
    day = LiveDay(config)
    frame = day.prepare(budget)
    while frame is not None and not frame.ready:
        frame = day.prepare(budget)
    return day


def test_prepare_plays_the_evening_before_and_sums_it_up() -> None:
    day = LiveDay(SimulationConfig(seed=3))
    frames = []
    while not frames or not frames[-1].ready:
        frames.append(day.prepare(0.005))  # tiny budgets: many chunks
    last = frames[-1]
    assert last.now == OPENS
    assert [e.kind for f in frames for e in f.entries] == [EVENING]
    assert last.rows and last.slots
    assert len(frames) > 1 and not any(f.ready for f in frames[:-1])
    day.close()


def test_a_day_played_in_chunks_is_the_headless_day() -> None:
    config = SimulationConfig(seed=5)
    day = prepared(config)
    at = OPENS
    while True:
        at += timedelta(minutes=7)
        frame = day.play_until(at, budget=0.01)
        assert frame is not None
        if frame.finished:
            break
    assert frame.summary.to_json() == simulate_day(config).to_json()
    day.close()


def test_a_chunk_stops_at_its_budget_and_says_so() -> None:
    day = prepared(SimulationConfig(seed=2, doctors=10))
    frame = day.play_until(END, budget=0.0)
    assert frame is not None and not frame.reached and not frame.finished
    day.close()


def test_step_plays_until_something_shows_in_the_log() -> None:
    day = prepared(SimulationConfig(seed=1))
    for _ in range(20):
        frame = day.step()
        assert frame is not None and frame.steps == 1 and len(frame.entries) >= 1
        assert all(e.at == frame.now for e in frame.entries)
    day.close()


def test_samples_every_ten_simulated_minutes() -> None:
    day = prepared(SimulationConfig(seed=1))
    frame = day.play_until(OPENS + timedelta(hours=3), budget=30)
    assert frame is not None
    assert [s.at for s in frame.samples] == [
        OPENS + timedelta(minutes=SAMPLE_MINUTES * i) for i in range(19)
    ]
    assert frame.samples[0].completed == 0 and frame.samples[-1].completed > 0
    assert all(0 <= s.busy <= s.doctors == 3 for s in frame.samples)
    day.close()


def test_restart_takes_the_next_seed_on_a_new_private_database() -> None:
    day = prepared(SimulationConfig(seed=7))
    first = day.play_until(OPENS + timedelta(hours=2), budget=30)
    assert first is not None
    day.restart()
    assert day.config.seed == 8 and day.generation == 1
    frame = day.prepare(30)
    assert frame is not None and frame.ready and frame.now == OPENS
    assert frame.generation == 1 and frame.summary.seed == 8
    day.close()


def test_restart_on_a_shared_database_moves_to_a_day_it_can_still_hold() -> None:
    engine = AllocationEngine.open("sqlite:///:memory:")
    config = SimulationConfig(seed=1, doctors=1)
    day = LiveDay(config, engine)
    while not day.prepare(30).ready:  # type: ignore[union-attr]
        pass
    assert day.play_until(END, budget=30).finished  # type: ignore[union-attr]
    day.restart()
    assert day.config.day > config.day
    frame = day.prepare(30)
    assert frame is not None and frame.ready
    assert any("already holds" in note for note in frame.notes)
    day.close()
    # The shared database keeps both days; the live day never closes it.
    assert len(engine.day_slots(config.day)) == len(engine.day_slots(day.config.day)) == 7
    engine.close()


def test_a_closed_day_does_nothing_more() -> None:
    day = prepared(SimulationConfig(seed=1))
    day.close()
    assert day.play_until(END, 1) is None
    assert day.step() is None
    assert day.prepare(1) is None


def test_the_live_day_starts_at_half_past_eight_or_the_first_slot_or_where_asked() -> None:
    from datetime import time

    from opd_tui.tui.simulation.live import live_from

    config = SimulationConfig()
    opens = datetime(2025, 3, 3, 7, 0)
    assert live_from(config, opens, None) == datetime(2025, 3, 3, 8, 30)
    assert live_from(config, opens, time(11, 15)) == datetime(2025, 3, 3, 11, 15)
    assert live_from(config, opens, time(5, 0)) == opens  # never before the hall opens
    early = SimulationConfig(sessions="08:00-12:00")
    assert live_from(early, datetime(2025, 3, 3, 6, 0), None) == datetime(2025, 3, 3, 8, 0)
    day = LiveDay(SimulationConfig(seed=2, doctors=1), start=time(9, 45))
    frame = day.prepare(30)
    assert frame is not None and frame.ready and frame.now == datetime(2025, 3, 3, 9, 45)
    assert frame.day_opens == frame.now and frame.samples[0].at == frame.now
    day.close()
