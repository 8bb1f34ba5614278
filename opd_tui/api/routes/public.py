"""What needs no key: the now-serving board for the hall's screens, and health."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import ServicesDep
from ..schemas import BoardOut, BoardRow, ErrorOut, HealthOut

router = APIRouter(tags=["public"])


@router.get("/board", response_model=BoardOut,
            responses={503: {"model": ErrorOut, "description": "the database is unavailable"}})
def board(services: ServicesDep) -> BoardOut:
    """Now serving and next, per doctor: token numbers only, never a patient's name."""
    day = services.today()
    rows = services.engine.now_serving(day)
    return BoardOut(day=day, doctors=[BoardRow.of(r) for r in rows])


@router.get("/health", response_model=HealthOut,
            responses={503: {"model": ErrorOut, "description": "the database is unavailable"}})
def health(services: ServicesDep) -> HealthOut:
    """The server answers and its database can be read: `ok` with the hospital's clock."""
    return HealthOut(status="ok", database=services.engine.dialect,
                     clock=services.engine.clock())
