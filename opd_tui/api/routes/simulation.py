"""`POST /simulate/day`: the headless simulation, always on a private in-memory
database (never the hospital's)."""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import APIRouter

from ...domain.errors import InvalidInput
from ..deps import AdminKey, ServicesDep
from ..schemas import ERRORS, SimulateIn

router = APIRouter(tags=["simulation"], responses=ERRORS)
#: One simulation at a time: a day of many doctors keeps a core busy for seconds.
_one_at_a_time = threading.Lock()


_EXAMPLE = {
    "seed": 7, "day": "2025-03-03", "doctors": 3, "slotsCreated": 21, "tokensBooked": 201,
    "emergencies": 3, "cancellations": 14, "noShows": 22, "bumped": 4, "promoted": 12,
    "waitlistedRemaining": 0, "expired": 2, "overbookedSlots": 2, "turnedAway": 0,
    "unseen": 1, "...": "the rest of `opd-tui simulate --headless --json`",
}


@router.post("/simulate/day", response_model=dict[str, Any], responses={
    200: {"description": "the day's figures",
          "content": {"application/json": {"example": _EXAMPLE}}}})
def simulate_day(body: SimulateIn, key: AdminKey, services: ServicesDep) -> Any:
    """Play a synthetic OPD day and answer the figures `opd-tui simulate --headless
    --json` prints (same seed, same figures)."""
    from pydantic import ValidationError

    from ...simulation import SimulationConfig
    from ...simulation import simulate_day as play

    most = services.settings.simulate_doctors_max
    if body.doctors is not None and body.doctors > most:
        raise InvalidInput(f"doctors: must be at most {most} here (the command line "
                           "plays more)", field="doctors")
    values = body.model_dump(exclude_none=True, by_alias=False)
    try:
        config = SimulationConfig(**values)
    except ValidationError as error:
        raise InvalidInput.from_validation(error) from None
    with _one_at_a_time:
        summary = play(config)
    return json.loads(summary.to_json())
