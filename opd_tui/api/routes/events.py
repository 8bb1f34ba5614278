"""`GET /events?after=N`: the event log, long-polled by ward displays and HIS."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from ...domain.inputs import ID_MAX
from ..deps import DeskKey, ServicesDep
from ..schemas import ERRORS, EventOut, EventsOut

router = APIRouter(tags=["events"], responses=ERRORS)


@router.get("/events", response_model=EventsOut)
async def events(
    key: DeskKey,
    services: ServicesDep,
    after: Annotated[int, Query(ge=0, le=ID_MAX, description="the last event id you have")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    wait: Annotated[float | None, Query(ge=0, description="seconds to wait for news when "
                                        "there is none yet (at most 25, the default)")] = None,
) -> EventsOut:
    """Events after `after`, oldest first. With none yet, waits up to `wait` seconds
    (long polling) and answers as soon as one is written, or with an empty list; ask
    again with `after` set to `last`."""
    engine = services.engine
    longest = services.settings.events_wait_max
    wait = longest if wait is None else min(wait, longest)
    found = await run_in_threadpool(engine.events, after, limit)
    if not found and wait > 0:
        await services.feed.wait_beyond(after, wait)
        found = await run_in_threadpool(engine.events, after, limit)
    return EventsOut(events=[EventOut.of(e) for e in found],
                     last=found[-1].id if found else after)
