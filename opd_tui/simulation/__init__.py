"""A synthetic OPD day driven through the engine's public API.

`simulate_day(config)` plays a whole day headless and returns its figures;
`Simulation` plays it step by step for the live screen. Nothing here imports
Textual.
"""

from .config import SimulationConfig
from .log import LogEntry
from .runner import Simulation, SimulationError, simulate_day
from .summary import SimulationSummary

__all__ = [
    "LogEntry",
    "Simulation",
    "SimulationConfig",
    "SimulationError",
    "SimulationSummary",
    "simulate_day",
]
