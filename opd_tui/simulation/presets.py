"""Ready-made OPD days (`--preset`): the day parameters of two kinds of OPD.

A preset only fills in day parameters; flags given beside it win. Where the
figures come from is written in the README ("Two ready-made days").
"""

from __future__ import annotations

from typing import Any

from .config import SimulationConfig

#: A private or trust hospital's OPD: half the tokens booked ahead, the defaults.
CLINIC: dict[str, Any] = {}

#: A government hospital's OPD in India: nearly everyone walks in, 60 or more patients
#: per doctor in one morning session, a crowd at the registration counter when it opens.
PUBLIC: dict[str, Any] = {
    # OPD 09:00-13:00, registration 08:00-11:00 (GMSH-16 and GMCH-32, Chandigarh).
    "sessions": "09:00-13:00",
    "slot_minutes": 60,
    "walkin_opens": "08:00",
    "walkin_closes": "11:00",
    "walkin_morning_share": 1.0,
    # Most of the day's patients are in the registration queue in its first hour.
    "walkin_front_load": 0.9,
    "walkins_per_doctor": 64.0,
    # A small share registered online (ors.gov.in) or given a follow-up date.
    "prebook_load": 0.08,
    "followup_share": 0.5,
    "morning_preference": 1.0,
    # A doctor's token cap for the day: 16 an hour, 64 a morning.
    "capacity": 16,
    # About three minutes a patient (PGIMER's study of Chandigarh's hospitals).
    "consult_mean_minutes": 3.0,
    "doctor_consult_spread": 0.2,
    # No paid fast lane, few kiosks; doctors start late more often.
    "paid_share": 0.0,
    "kiosk_share": 0.1,
    "doctor_late_probability": 0.2,
    "doctor_late_max_minutes": 40,
}

PRESETS: dict[str, dict[str, Any]] = {"clinic": CLINIC, "public": PUBLIC}


def preset_values(name: str) -> dict[str, Any]:
    """The preset's day parameters (a copy): `ValueError` names the presets there are."""
    try:
        return dict(PRESETS[name])
    except KeyError:
        raise ValueError(
            f"no preset {name!r}: choose {' or '.join(PRESETS)}"
        ) from None


def config_of(preset: str = "clinic", **values: Any) -> SimulationConfig:
    """A day of `preset`, with `values` over it."""
    return SimulationConfig(**{**preset_values(preset), **values})
