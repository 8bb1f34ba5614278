"""The what-if panel (`w`) through the keys a demo-giver presses.

The live day here is the short one (one doctor, one morning hour): a
comparison of a few days plays in a moment. Most tests play it in a thread of
the app (`whatif_workers=1`); one runs it in worker processes, as the panel
does by default.
"""

from __future__ import annotations

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, Select

from opd_tui.simulation import SimulationConfig
from opd_tui.simulation.compare import KPIS, Comparison, run_comparison
from opd_tui.tui.simulation import SimulationApp
from opd_tui.tui.simulation.whatif import WhatIfScreen

from .conftest import eventually
from .sim_helpers import SHORT, settle, sim_of

CONFIG = SimulationConfig(seed=1, **SHORT)


def app(workers: int = 1) -> SimulationApp:
    return SimulationApp(CONFIG, paused=True, whatif_workers=workers)


async def open_panel(pilot: Pilot) -> WhatIfScreen:
    await settle(pilot)
    await pilot.press("w")
    await pilot.pause()
    panel = pilot.app.screen
    assert isinstance(panel, WhatIfScreen)
    return panel


async def run_panel(pilot: Pilot, panel: WhatIfScreen, values: str, days: str,
                    parameter: str | None = None) -> None:
    if parameter is not None:
        panel.query_one("#whatif-param", Select).value = parameter
        await pilot.pause()
    panel.query_one("#whatif-values", Input).value = values
    panel.query_one("#whatif-seeds", Input).value = days
    panel.query_one("#whatif-values", Input).focus()
    await pilot.press("enter")
    await finish(pilot, panel)


async def finish(pilot: Pilot, panel: WhatIfScreen) -> None:
    await eventually(pilot, lambda: not panel.running, seconds=120,
                     what="the what-if comparison to finish")
    await pilot.pause()


def text(panel: WhatIfScreen, selector: str) -> str:
    widget = panel.query_one(selector)
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def chart_text(panel: WhatIfScreen) -> str:
    return str(panel.chart.render())


async def test_w_opens_the_panel_on_the_live_days_parameters() -> None:
    async with app().run_test(size=(120, 40)) as pilot:
        panel = await open_panel(pilot)
        assert panel.query_one("#whatif-param", Select).value == "capacity"
        assert panel.query_one("#whatif-values", Input).value == "8,10"  # the day's, and +2
        assert "the same patients for every value" in text(panel, "#whatif-status")
        panel.query_one("#whatif-param", Select).value = "bumping"
        await pilot.pause()
        assert panel.query_one("#whatif-values", Input).value == "on,off"
        await pilot.press("escape")
        assert pilot.app.screen is sim_of(pilot)


async def test_results_are_drawn_as_each_day_comes_in() -> None:
    """Each day's figures arrive as a message (`DayPlayed`) and are drawn at once."""
    seen: list[tuple[int, str]] = []

    def hook(message: Message) -> None:
        # Called as each message arrives, before it is handled: the panel as it was.
        if isinstance(message, WhatIfScreen.DayPlayed):
            panel = pilot.app.screen
            assert isinstance(panel, WhatIfScreen) and panel.results is not None
            seen.append((panel.results.played, chart_text(panel)))

    async with app().run_test(size=(120, 40), message_hook=hook) as pilot:
        panel = await open_panel(pilot)
        await run_panel(pilot, panel, "6,10", "3")
        assert [played for played, _ in seen] == [0, 1, 2, 3, 4, 5]
        assert panel.results is not None and panel.results.played == 6
        # The chart changed with each day: intervals appear once a variant has two days.
        charts = [chart for _, chart in seen] + [chart_text(panel)]
        assert len(set(charts)) == 7
        assert "±" not in charts[2] and "±" in charts[-1]
        status = text(panel, "#whatif-status")
        assert "6/6 days done" in status and "seeds 1-3" in status
        chart = chart_text(panel)
        for kpi in KPIS:
            assert kpi.label in chart
        assert "capacity=6" in chart and "capacity=10" in chart and "●" in chart
        # The panel's figures are the headless comparison's.
        comparison = Comparison.build(CONFIG.model_dump(), ["capacity=6,10"], seeds=3,
                                      day_name="the live day")
        expected = run_comparison(comparison, workers=1)
        assert panel.results.to_dict() == expected.to_dict()  # type: ignore[union-attr]


async def test_a_bad_value_says_so_and_plays_nothing() -> None:
    async with app().run_test(size=(80, 24)) as pilot:
        panel = await open_panel(pilot)
        await run_panel(pilot, panel, "8,lots", "3")
        status = text(panel, "#whatif-status")
        assert "capacity=lots" in status and panel.query_one("#whatif-status").has_class("-error")
        assert panel.results is None and not panel.running
        await run_panel(pilot, panel, "8,10", "0")
        assert "days" in text(panel, "#whatif-status") and panel.results is None


async def test_escape_stops_the_comparison_and_w_shows_it_again() -> None:
    async with app().run_test(size=(120, 40)) as pilot:
        panel = await open_panel(pilot)
        await run_panel(pilot, panel, "on,off", "2", parameter="bumping")
        done = panel.results
        assert done is not None and done.played == 4
        await pilot.press("escape")
        await pilot.pause()
        screen = sim_of(pilot)
        assert screen.whatif_results is done
        again = await open_panel(pilot)
        assert again.query_one("#whatif-param", Select).value == "bumping"
        assert again.query_one("#whatif-values", Input).value == "on,off"
        assert "bumping=off" in chart_text(again) and "4/4 days done" in text(
            again, "#whatif-status")
        # A long comparison stopped half-way leaves no worker behind.
        again.query_one("#whatif-seeds", Input).value = "200"
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert again.running
        await pilot.press("escape")
        await pilot.pause(0.5)
        await pilot.app.workers.wait_for_complete()
        assert not [w for w in pilot.app.workers if w.group == "whatif" and not w.is_finished]
        assert screen.whatif_results is not None and screen.whatif_results.played < 400


@pytest.mark.slow  # worker processes
async def test_worker_processes_give_the_same_figures() -> None:
    async with app(workers=2).run_test(size=(120, 40)) as pilot:
        panel = await open_panel(pilot)
        assert panel.processes == 2
        await run_panel(pilot, panel, "0,1", "2", parameter="overbook")
        assert "4/4 days done" in text(panel, "#whatif-status"), text(panel, "#whatif-status")
        comparison = Comparison.build(CONFIG.model_dump(), ["overbook=0,1"], seeds=2,
                                      day_name="the live day")
        assert panel.results.to_dict() == run_comparison(  # type: ignore[union-attr]
            comparison, workers=1).to_dict()


async def test_the_palette_offers_what_if() -> None:
    from opd_tui.tui.simulation.screen import SimulationCommands

    async with app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [t for t, _, _ in SimulationCommands(sim_of(pilot))._commands()]
        assert "What if…" in titles
