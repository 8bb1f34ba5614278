"""The live simulation through the keys a demo-giver presses (Textual's Pilot).

Each test opens `SimulationApp` on seed 1 (three doctors, Monday 3 March 2025)
paused at 08:30, where the live day starts, after the evening before and the
early morning have been played at once.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from opd_tui.engine import AllocationEngine
from opd_tui.simulation import LogEntry, SimulationConfig, simulate_day
from opd_tui.tui.simulation import SPEEDS, DaySummaryScreen, SimulationApp, SimulationScreen
from opd_tui.tui.simulation.screen import REFRESH_SECONDS, SimulationCommands
from opd_tui.tui.simulation.widgets import EventLog, badge

from .sim_helpers import (
    END,
    MID_DAY,
    SHORT,
    header,
    press,
    settle,
    sim_of,
    sim_time,
    simulation_open,
)

#: The live day is shown from 08:30 (the evening before and the early morning are
#: played at once).
LIVE_FROM = datetime(2025, 3, 3, 8, 30)


def shown(widget) -> str:  # noqa: ANN001
    """A widget's text as it is on screen."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def grid_lines(screen: SimulationScreen) -> list[str]:
    """What the slot grid shows on screen (its rendered lines, not its data)."""
    grid = screen.grid
    return [grid.render_line(y).text for y in range(grid.size.height)]


async def test_opens_paused_at_half_past_eight_after_the_evening_before() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        assert sim_time(screen) == LIVE_FROM
        top = header(screen)
        assert "Mon 03 Mar 2025" in top and "seed 1" in top and "3 doctors" in top
        assert "paused 60×" in top and "08:30:00" in top
        [evening] = screen.event_log.entries
        assert evening.kind == "EVENING"
        assert "tokens booked online and for follow-ups" in evening.text
        # The grid holds each doctor's day: seven hourly slots, pre-booked seats in them.
        assert len(screen.grid.doctor_ids) == 3
        assert screen.grid.columns_shown == ["09:00", "10:00", "11:00", "12:00", "14:00",
                                             "15:00", "16:00"]
        assert sum(s.occupancy for s in screen.frame.slots) > 0
        # Paused: the wall clock moves, the simulated one does not.
        await asyncio.sleep(3 * REFRESH_SECONDS)
        await settle(pilot)
        assert sim_time(screen) == LIVE_FROM


async def test_n_steps_to_the_next_event_and_stays_paused() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        await press(pilot, "n")
        first = screen.event_log.entries[-1]
        # One happening: a walk-in booked and checked in is two lines at one time.
        stepped = list(screen.event_log.entries)[1:]
        assert stepped and all(e.at == first.at for e in stepped)
        assert sim_time(screen) == first.at > LIVE_FROM
        assert f"{first.at:%H:%M:%S}" in header(screen)
        await press(pilot, "n", "n", "n")
        entries = list(screen.event_log.entries)
        assert len(entries) >= 5
        times = [e.at for e in entries[1:]]
        assert times == sorted(times)
        assert screen.clock.paused and "paused" in header(screen)


async def test_space_plays_and_pauses_the_day() -> None:
    async with simulation_open(speed=1200) as pilot:
        screen = sim_of(pilot)
        started = time.monotonic()
        await press(pilot, "space")
        assert "▶ 1200×" in header(screen)
        await asyncio.sleep(1.0)
        await pilot.press("space")
        elapsed = time.monotonic() - started
        await settle(pilot)
        played = sim_time(screen) - LIVE_FROM
        assert played > timedelta(0)
        # Simulated time follows the wall clock times the speed, never ahead of it.
        assert played <= timedelta(seconds=elapsed * 1200 + 60)
        assert "paused 1200×" in header(screen)
        held = sim_time(screen)
        await asyncio.sleep(3 * REFRESH_SECONDS)
        await settle(pilot)
        assert sim_time(screen) == held


async def test_plus_and_minus_step_through_the_speeds() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        await press(pilot, "plus")
        assert screen.clock.speed == 120 and "120×" in header(screen)
        await press(pilot, "equals_sign")  # + without shift
        assert screen.clock.speed == 300
        await press(pilot, "minus", "minus", "minus")
        assert screen.clock.speed == 30 and "30×" in header(screen)
        for _ in SPEEDS:
            await pilot.press("minus")
        assert screen.clock.speed == 1
        for _ in SPEEDS:
            await pilot.press("plus")
        await settle(pilot)
        assert screen.clock.speed == 1200 and "1200×" in header(screen)
        assert any("fastest" in n.message for n in pilot.app._notifications)


async def test_a_faster_speed_plays_the_day_faster() -> None:
    async with simulation_open(speed=1) as pilot:
        screen = sim_of(pilot)
        started = time.monotonic()
        await press(pilot, "space")
        await asyncio.sleep(0.6)
        await press(pilot, "space")
        slow = sim_time(screen) - LIVE_FROM
        assert slow <= timedelta(seconds=time.monotonic() - started + 1)
        await press(pilot, *["plus"] * (len(SPEEDS) - 1), "space")
        await asyncio.sleep(0.6)
        await press(pilot, "space")
        fast = sim_time(screen) - LIVE_FROM - slow
        assert fast > timedelta(seconds=60)


async def test_the_day_plays_to_its_end_at_full_speed_and_shows_its_summary() -> None:
    async with simulation_open(**SHORT) as pilot:
        screen = sim_of(pilot)
        screen.seek(datetime(2025, 3, 3, 10, 0))
        await settle(pilot)
        await press(pilot, *["plus"] * len(SPEEDS), "space")
        deadline = time.monotonic() + 60  # wall time: generous for a loaded CI machine
        while not isinstance(pilot.app.screen, DaySummaryScreen) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await settle(pilot)  # the summary pushed is composed too
        modal = pilot.app.screen
        assert isinstance(modal, DaySummaryScreen)
        assert screen.finished and "day over" in header(screen)
        assert modal.summary.finished
        assert modal.summary == simulate_day(SimulationConfig(seed=1, **SHORT))
        assert "End of the day" in str(modal.query_one("#summary-title").render())
        await press(pilot, "enter")
        assert pilot.app.screen is screen
        # The day is over: space says so instead of playing on.
        await press(pilot, "space")
        assert any("day is over" in n.message for n in pilot.app._notifications)


async def test_the_live_day_is_the_headless_day_and_the_grid_shows_its_end() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        screen.seek(MID_DAY)
        await settle(pilot)
        await press(pilot, "n", "n")
        screen.seek(END)
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, DaySummaryScreen)
        assert modal.summary.to_json() == simulate_day(SimulationConfig(seed=1)).to_json()
        await press(pilot, "escape")
        # Every slot reads ended on screen: each cell changed many times during the day.
        lines = grid_lines(screen)[1:4]
        assert all(line.count("ended") == 7 for line in lines), lines
        assert screen.event_log.count == sum(
            1 for e in screen.live._sim.log if e.at > LIVE_FROM  # type: ignore[union-attr]
        )


async def test_r_restarts_with_a_new_seed() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        screen.seek(MID_DAY)
        await settle(pilot)
        before = screen.frame.summary
        await press(pilot, "r")
        assert screen.frame.config.seed == 2 and "seed 2" in header(screen)
        assert sim_time(screen) == LIVE_FROM
        assert [e.kind for e in screen.event_log.entries] == ["EVENING"]
        assert screen.frame.summary.seed == 2
        assert screen.frame.summary != before
        # From the summary too: r there plays the next seed.
        screen.seek(END)
        await settle(pilot)
        assert isinstance(pilot.app.screen, DaySummaryScreen)
        await press(pilot, "r")
        assert pilot.app.screen is screen
        assert screen.frame.config.seed == 3 and not screen.finished


async def test_s_shows_the_figures_so_far() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        screen.seek(MID_DAY)
        await settle(pilot)
        await press(pilot, "s")
        modal = pilot.app.screen
        assert isinstance(modal, DaySummaryScreen)
        assert not modal.summary.finished
        assert "The day so far" in str(modal.query_one("#summary-title").render())
        doctors = modal.query_one("#summary-doctors")
        assert doctors.row_count == 3
        # Utilisation over the hours gone by, as the figures panel has it; not over the
        # whole day's hours (which would read low at 10:40).
        panel = " ".join(shown(screen.stats.query_one("#counts")).split())
        figures = " ".join(shown(modal.query_one("#summary-figures")).split())
        share = panel.split("Utilisation ")[1].split()[0]
        assert f"Utilisation so far {share}" in figures
        assert share != f"{modal.summary.mean_utilisation:.0%}"
        await press(pilot, "escape")
        assert pilot.app.screen is screen and not screen.finished


async def test_the_figures_panel_counts_what_the_log_shows() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        screen.seek(MID_DAY)
        await settle(pilot)
        frame = screen.frame
        summary = frame.summary
        counts = shown(screen.stats.query_one("#counts"))
        assert summary.completed > 0 and summary.bumped > 0
        assert f"Seen {summary.completed}" in " ".join(counts.split())
        assert f"Bumped {summary.bumped}" in " ".join(counts.split())
        # Trends: a sample every 10 simulated minutes since 08:30.
        assert [s.at for s in frame.samples] == [
            LIVE_FROM + timedelta(minutes=10 * i) for i in range(14)
        ]
        seen = screen.stats.query_one("#trend-seen")
        assert sum(seen.values) == frame.samples[-1].completed - frame.samples[0].completed
        kinds = {e.kind for e in screen.event_log.entries}
        assert {"BOOKED", "CALLED", "COMPLETED", "PROMOTED", "NO_SHOW"} <= kinds


async def test_q_quits_the_simulation_app() -> None:
    async with simulation_open() as pilot:
        assert pilot.app.return_code is None
        await pilot.press("q")
        await pilot.pause()
        assert pilot.app.return_code == 0


async def test_the_palette_offers_what_makes_sense_now() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        titles = [t for t, _, _ in SimulationCommands(screen)._commands()]
        assert "Play" in titles and "Step to the next event" in titles
        await press(pilot, "space")
        titles = [t for t, _, _ in SimulationCommands(screen)._commands()]
        assert "Pause" in titles
        screen.seek(END)
        await settle(pilot)
        titles = [t for t, _, _ in SimulationCommands(screen)._commands()]
        assert "Pause" not in titles and "Play" not in titles
        assert "New day (next seed)" in titles


async def test_log_lines_show_names_literally_never_as_markup() -> None:
    async with simulation_open() as pilot:
        log = sim_of(pilot).query_one(EventLog)
        tricky = ["[bold red]X", "[@click=app.quit]Ravi", "Rao [/", "Smith [/b] Jr"]
        for name in tricky:
            log.add([LogEntry(at=LIVE_FROM, kind="BOOKED", text=f"RAO-001 {name} (WALKIN)",
                              patient_name=name, source="WALKIN")])
        await pilot.pause()
        shown = "\n".join(line.text for line in log.lines)
        for name in tricky:
            assert name in shown
        assert pilot.app.is_running


async def test_an_emergency_stands_out_in_the_log() -> None:
    async with simulation_open() as pilot:
        log = sim_of(pilot).query_one(EventLog)
        emergency = LogEntry(at=LIVE_FROM, kind="BOOKED", text="X", source="EMERGENCY")
        walk_in = LogEntry(at=LIVE_FROM, kind="BOOKED", text="Y", source="WALKIN")
        assert badge(emergency) == ("EMERGENCY", "emergency")
        assert badge(walk_in) == ("BOOKED", "booked")
        log.add([emergency, walk_in])
        await pilot.pause()
        texts = [line.text for line in log.lines[-2:]]
        assert "EMERGENCY" in texts[0] and "BOOKED" in texts[1]
        styles = [{seg.style for seg in line if "EMERGENCY" in seg.text or "BOOKED" in seg.text}
                  for line in log.lines[-2:]]
        assert styles[0] != styles[1]


async def test_frames_come_a_few_times_a_second_and_keys_answer_at_full_speed() -> None:
    frames: dict[int, float] = {}

    def hook(message) -> None:  # noqa: ANN001
        # The hook sees a message at each step of its dispatch: count each once.
        if isinstance(message, SimulationScreen.DayAdvanced) and message.job.kind == "play":
            frames.setdefault(id(message.frame), time.monotonic())

    app = SimulationApp(SimulationConfig(seed=4, doctors=20), paused=True, speed=1200)
    async with app.run_test(size=(160, 50), message_hook=hook) as pilot:
        screen = sim_of(pilot)
        await settle(pilot)
        await press(pilot, "space")
        deadline = time.monotonic() + 30  # wall time: generous for a loaded CI machine
        while len(frames) < 4 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        started = time.monotonic()
        await pilot.press("space")
        answered = time.monotonic() - started
        assert screen.clock.paused and "paused" in header(screen)
        # A frame's engine work is bounded (a fraction of a second), and it runs in a
        # worker: the key is answered long before a stuck loop would let it through.
        assert answered < 1.5
        played = sorted(t for t in frames.values() if t <= started)
        assert len(played) >= 3
        span = played[-1] - played[0]
        assert (len(played) - 1) / span <= 1 / REFRESH_SECONDS + 1


async def test_a_database_already_past_the_day_stops_with_a_reason_and_r_moves_on() -> None:
    engine = AllocationEngine.open("sqlite:///:memory:")
    rao = engine.add_doctor("Anjali Rao", "RAO")
    [slot] = engine.generate_slots(rao.id, date(2025, 3, 10), clock_time(9), clock_time(10), 60, 4)
    engine.book(slot.id, "Asha Verma", "ONLINE", now=datetime(2025, 3, 10, 9, 0))
    app = SimulationApp(SimulationConfig(seed=1, doctors=1), engine=engine, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = sim_of(pilot)
        await settle(pilot)
        assert any("simulate a later day" in n.message for n in app._notifications)
        assert "stopped" in header(screen) and not screen.busy
        await asyncio.sleep(3 * REFRESH_SECONDS)  # it does not try again by itself
        await settle(pilot)
        assert sum("simulate a later day" in n.message for n in app._notifications) == 1
        await press(pilot, "r")
        assert screen.ready and screen.frame.config.day > date(2025, 3, 10)
        assert screen.frame.config.seed == 2 and "stopped" not in header(screen)
    assert [d.code for d in engine.doctors()][0] == "RAO"  # the database stays open, ours
    engine.close()


async def test_at_80_columns_the_header_never_cuts_the_doctor_count() -> None:
    async with simulation_open((80, 24), doctors=12, speed=1200) as pilot:
        screen = sim_of(pilot)

        def title_on_screen() -> str:
            return screen.query_one("#sim-title").render_line(0).text.rstrip()

        assert title_on_screen().endswith("12 doctors"), title_on_screen()
        await press(pilot, "space")  # playing: "▶ 1200×"
        assert title_on_screen().endswith("12 doctors"), title_on_screen()
        await press(pilot, "space")
    async with simulation_open((120, 24), doctors=12) as pilot:
        # With room, the whole title.
        line = sim_of(pilot).query_one("#sim-title").render_line(0).text
        assert line.strip() == "OPD simulation · Mon 03 Mar 2025 · seed 1 · 12 doctors"


async def test_pressing_plus_at_the_fastest_speed_shows_one_toast() -> None:
    async with simulation_open(speed=1200) as pilot:
        for _ in range(5):
            await pilot.press("plus")
        await settle(pilot)
        fastest = [n for n in pilot.app._notifications if "fastest" in n.message]
        assert len(fastest) == 1


async def test_the_log_counts_its_events_in_words() -> None:
    async with simulation_open() as pilot:
        screen = sim_of(pilot)
        log = screen.event_log
        assert log.border_subtitle == "no events yet"
        log.count = 1
        assert log.tally == "1 event"
        log.count = 0
        await press(pilot, "n")
        expected = "1 event" if log.count == 1 else f"{log.count} events"
        assert log.count >= 1 and log.border_subtitle == expected


async def test_start_shows_the_day_from_another_time() -> None:
    app = SimulationApp(SimulationConfig(seed=1), paused=True, start=clock_time(10, 0))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = sim_of(pilot)
        assert sim_time(screen) == datetime(2025, 3, 3, 10, 0)
        [summary_line] = screen.event_log.entries
        assert summary_line.text.startswith("Up to 10:00:") and screen.frame.summary.completed
