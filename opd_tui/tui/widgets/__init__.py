"""Widgets shared by the desk's screens."""

from .activity import ActivityPane
from .desk_header import DeskHeader
from .doctors_pane import DoctorsPane, doctor_state
from .slot_grid import LEGEND, SYMBOL, GridRow, SlotGrid
from .token_tables import SeatedTokens, TokenTable, WaitlistPane

__all__ = [
    "LEGEND",
    "ActivityPane",
    "SYMBOL",
    "DeskHeader",
    "DoctorsPane",
    "GridRow",
    "SeatedTokens",
    "SlotGrid",
    "TokenTable",
    "WaitlistPane",
    "doctor_state",
]
