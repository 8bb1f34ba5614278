"""`opd-tui simulate`: the live simulation as an app of its own."""

from __future__ import annotations

from datetime import time

from textual.app import App
from textual.screen import Screen

from ...engine import AllocationEngine
from ...simulation import SimulationConfig
from .live import DEFAULT_SPEED
from .screen import SimulationScreen

DARK = "textual-dark"


class SimulationApp(App[None]):
    """One simulated OPD day on screen; `r` plays another."""

    # The screen names this file too, but Textual loads a default screen's CSS_PATH
    # only through its app.
    CSS_PATH = "simulation.tcss"
    TITLE = "OPD simulation"
    NOTIFICATION_TIMEOUT = 5

    def __init__(
        self,
        config: SimulationConfig | None = None,
        *,
        engine: AllocationEngine | None = None,
        speed: int = DEFAULT_SPEED,
        paused: bool = False,
        theme: str = DARK,
        start: time | None = None,
        whatif_workers: int | None = None,
    ) -> None:
        super().__init__()
        self.config = config or SimulationConfig()
        self.engine = engine
        self.speed = speed
        self.paused = paused
        self.theme = theme
        self.start = start
        self.whatif_workers = whatif_workers

    def get_default_screen(self) -> Screen:
        return SimulationScreen(self.config, engine=self.engine, speed=self.speed,
                                paused=self.paused, start=self.start,
                                whatif_workers=self.whatif_workers)

    @property
    def simulation(self) -> SimulationScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, SimulationScreen)
        return screen


def run_live(config: SimulationConfig, engine: AllocationEngine | None = None,
             speed: int = DEFAULT_SPEED, start: time | None = None) -> int:
    """Play the day on screen, on a private in-memory database unless `engine` is given;
    `start`: the time of day it is shown from (default 08:30)."""
    app = SimulationApp(config, engine=engine, speed=speed, start=start)
    app.run()
    return app.return_code or 0
