"""Widgets shared by the desk's screens."""

from .activity import ActivityPane
from .desk_header import DeskHeader
from .doctors_pane import DoctorsPane, doctor_state
from .fault_banner import DatabaseAnswered, DatabaseFaulted, FaultBanner
from .slot_grid import LEGEND, SYMBOL, GridRow, SlotGrid
from .token_tables import SeatedTokens, TokenTable, WaitlistPane

__all__ = [
    "LEGEND",
    "SYMBOL",
    "ActivityPane",
    "DatabaseAnswered",
    "DatabaseFaulted",
    "DeskHeader",
    "DoctorsPane",
    "FaultBanner",
    "GridRow",
    "SeatedTokens",
    "SlotGrid",
    "TokenTable",
    "WaitlistPane",
    "doctor_state",
]
