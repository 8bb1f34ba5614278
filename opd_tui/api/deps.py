"""What a route needs, as typed dependencies: the engine, the API's services and
the caller's key, one `KeyDep` per scope (`PortalKey`, `DeskKey`, `AdminKey`), so
each route's signature says who may call it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ..domain.inputs import ID_MAX
from ..engine import AllocationEngine
from .errors import Forbidden, Unauthorized
from .feed import EventFeed
from .idempotency import Idempotency
from .keys import ApiKey, KeyStore, Scope
from .settings import ApiSettings

#: Where a request's key name is kept for the request log (`request.state`).
KEY_NAME = "api_key_name"


@dataclass(frozen=True)
class Services:
    engine: AllocationEngine
    keys: KeyStore
    idempotency: Idempotency
    feed: EventFeed
    settings: ApiSettings

    def today(self) -> date:
        """Today by the hospital's clock (rule 18), never the client's."""
        return self.engine.clock().date()


# `async` only so FastAPI runs them inline rather than in a worker thread.
async def get_services(request: Request) -> Services:
    return request.app.state.opd


async def get_engine(request: Request) -> AllocationEngine:
    return (await get_services(request)).engine


ServicesDep = Annotated[Services, Depends(get_services)]
EngineDep = Annotated[AllocationEngine, Depends(get_engine)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="A key made by `opd-tui api-key create NAME --scope portal|desk|admin`.",
)


async def _current_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    if credentials is None:
        raise Unauthorized("Send an API key: 'Authorization: Bearer KEY'.")
    keys = (await get_services(request)).keys
    presented = credentials.credentials
    if keys.needs_read(presented):
        key = await run_in_threadpool(keys.authenticate, presented)
    else:
        key = keys.authenticate(presented)
    if key is None:
        raise Unauthorized("This API key is not known or has been revoked.")
    request.state.api_key_name = key.name
    return key


def _scoped(needed: Scope) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    async def key_with_scope(key: Annotated[ApiKey, Depends(_current_key)]) -> ApiKey:
        if not key.scope.allows(needed):
            wanted = "an admin key" if needed is Scope.ADMIN else f"a {needed} or admin key"
            raise Forbidden(f"The key {key.name} is a {key.scope} key; this needs {wanted}.")
        return key

    return key_with_scope


PortalKey = Annotated[ApiKey, Depends(_scoped(Scope.PORTAL))]
DeskKey = Annotated[ApiKey, Depends(_scoped(Scope.DESK))]
AdminKey = Annotated[ApiKey, Depends(_scoped(Scope.ADMIN))]

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="makes a retry with the same body return "
           "the first answer and book nothing new (a UUID, say)"),
]

TokenId = Annotated[int, Path(ge=1, le=ID_MAX, description="the token's id")]
SlotId = Annotated[int, Path(ge=1, le=ID_MAX, description="the slot's id")]
DoctorId = Annotated[int, Path(ge=1, le=ID_MAX, description="the doctor's id")]
