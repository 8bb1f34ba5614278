"""The live simulation screen: a synthetic OPD day played on the slot grid.

`opd-tui simulate` opens it as an app (`SimulationApp`); the desk pushes the
same `SimulationScreen` on a private in-memory database. `w` opens the what-if
panel (`WhatIfScreen`) over it.
"""

from .app import SimulationApp, run_live
from .live import SPEEDS, Frame, LiveClock, LiveDay
from .screen import SimulationScreen
from .summary_screen import DaySummaryScreen
from .whatif import WhatIfScreen

__all__ = [
    "SPEEDS",
    "DaySummaryScreen",
    "Frame",
    "LiveClock",
    "LiveDay",
    "SimulationApp",
    "SimulationScreen",
    "WhatIfScreen",
    "run_live",
]
