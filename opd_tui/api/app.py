"""`create_app(engine)`: the FastAPI application over one `AllocationEngine`.

The app holds no rule of its own: routes turn requests into engine calls and
results into JSON. Errors of every kind leave through one handler as SPEC §7's
`{"error", "message"}`. While it runs, the server calls `engine.advance()` every
minute (rules 14, 17), as desks and kiosks do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from .. import __version__
from ..domain.errors import OPDError
from ..engine import AllocationEngine
from .deps import Services
from .errors import error_response, invalid_request, problem
from .feed import EventFeed
from .idempotency import Idempotency
from .keys import KeyStore
from .middleware import BodyLimit, RequestLog
from .routes import ROUTERS
from .settings import ApiSettings
from .writes import QueuedCommands, write_queue

log = logging.getLogger("opd_tui.api")

DESCRIPTION = """
The OPD token desk's engine over HTTP, for online booking portals, hospital
systems (HIS) and ward displays, beside the desks and kiosks on the same database.

* **Keys**: `Authorization: Bearer KEY`, made by `opd-tui api-key create NAME
  --scope portal|desk|admin`. A *portal* key books ONLINE tokens, reads
  availability and cancels only the tokens it booked; *desk* does every token
  command and reads everything; *admin* also manages doctors, slots, rosters and
  simulations. `/board` and `/health` need no key.
* **Time**: the server's clock decides (times are the hospital's local time, ISO
  8601); a request never carries `now`.
* **Errors**: `{"error": "<class>", "message": "..."}`: 422 bad input, 404 not
  found, 409 a refused command, 503 with `Retry-After` when the database is busy.
* **Retries**: send an `Idempotency-Key` with `POST /tokens/book` and
  `/tokens/emergency`; a retry with the same key and body returns the first answer.
"""

TAGS = [
    {"name": "tokens", "description": "booking, cancelling and a token's day"},
    {"name": "slots", "description": "availability and a slot's day"},
    {"name": "doctors", "description": "doctors, their day and their week"},
    {"name": "events", "description": "the event log, long-polled"},
    {"name": "reports", "description": "the day's figures"},
    {"name": "simulation", "description": "a synthetic day on a private database"},
    {"name": "public", "description": "no key needed"},
]


async def _keep_days(engine: AllocationEngine, every: float) -> None:
    """`advance()` now and every `every` seconds: earlier days finalised, waitlists of
    ended slots rolled on. A failure (the database away) is tried again next time."""
    while True:
        try:
            await run_in_threadpool(engine.advance)
        except OPDError as error:
            log.warning("advance: %s", type(error).__name__)
        await asyncio.sleep(every)


def create_app(engine: AllocationEngine, settings: ApiSettings | None = None) -> FastAPI:
    """The API over `engine` (which the caller opens and closes)."""
    settings = settings or ApiSettings()
    writes = write_queue(engine)
    queued = cast(AllocationEngine, QueuedCommands(engine, writes))
    services = Services(
        engine=queued,
        keys=KeyStore(engine, writes),
        idempotency=Idempotency(engine, writes),
        feed=EventFeed(engine, settings.events_poll_seconds),
        settings=settings,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        keeper = (asyncio.create_task(_keep_days(queued, settings.advance_seconds))
                  if settings.advance_seconds > 0 else None)
        try:
            yield
        finally:
            if keeper is not None:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
            await services.feed.close()

    app = FastAPI(
        title="opd-tui HTTP API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.opd = services

    async def on_opd_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, OPDError)
        return error_response(error)

    async def on_invalid_request(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return error_response(invalid_request(error))

    async def on_http_problem(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        return error_response(problem(error.status_code, error.detail))

    app.add_exception_handler(OPDError, on_opd_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(HTTPException, on_http_problem)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLog)
    for router in ROUTERS:
        app.include_router(router)
    return app
