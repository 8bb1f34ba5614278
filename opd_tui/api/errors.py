"""Errors the HTTP layer adds, and the one place every `OPDError` becomes SPEC §7's
JSON: `{"error": "<OPDError class>", "message": "..."}` with its status code.

No route handles errors of its own: the engine's refusals, the API's own
(`Unauthorized`, `Forbidden`, ...) and pydantic's complaints about a request all
end here, and an unexpected failure ends as a 500 that names nothing of it.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic.alias_generators import to_camel
from starlette.responses import JSONResponse

from ..domain.errors import (
    DatabaseBusy,
    DatabaseError,
    InvalidInput,
    NotFound,
    OPDError,
    plain_words,
)


class Unauthorized(OPDError):
    """No key, or a key that is unknown or revoked (401)."""


class Forbidden(OPDError):
    """A valid key asking for something outside its scope (403)."""


class IdempotencyConflict(OPDError):
    """An `Idempotency-Key` used before with another request, or whose first
    request is still being answered (409)."""


class PayloadTooLarge(OPDError):
    """A request body over the limit (413)."""


class MethodNotAllowed(OPDError):
    """A path that exists, asked with another method (405)."""


class InternalError(OPDError):
    """Something failed that should not have; the server's log has its stack (500)."""


#: Status of each error class, the first that matches; any other OPDError is a
#: refused command: 409.
_STATUS: list[tuple[type[OPDError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Unauthorized, 401),
    (Forbidden, 403),
    (PayloadTooLarge, 413),
    (MethodNotAllowed, 405),
    (InternalError, 500),
    (DatabaseError, 503),
]
#: Seconds a client waits before trying again after a 503.
RETRY_AFTER_BUSY = 2
RETRY_AFTER_UNAVAILABLE = 10

_FIELD_AT_START = re.compile(r"(^|; )([a-z][a-z0-9_]*)(?=[.:])")


def status_of(error: OPDError) -> int:
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 409


def camel_fields(message: str) -> str:
    """`patient_name: required` as an API client spells the field: `patientName: required`."""
    return _FIELD_AT_START.sub(lambda m: m.group(1) + to_camel(m.group(2)), message)


def error_body(error: OPDError) -> dict[str, str]:
    message = str(error)
    if isinstance(error, InvalidInput):
        message = camel_fields(message)
    return {"error": type(error).__name__, "message": message}


def error_response(error: OPDError) -> JSONResponse:
    status = status_of(error)
    headers: dict[str, str] = {}
    if status == 503:
        wait = RETRY_AFTER_BUSY if isinstance(error, DatabaseBusy) else RETRY_AFTER_UNAVAILABLE
        headers["Retry-After"] = str(wait)
    elif status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error_body(error), status_code=status, headers=headers)


#: pydantic's error types in the API's words (the rest as the engine words them).
_WORDS = {
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "extra_forbidden": "is not a field of this request",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "date_*": "type a date like 2026-03-02",
    "time_*": "type a time like 09:00",
    "datetime_*": "type a date and time like 2026-03-02T09:00",
}


def invalid_request(error: RequestValidationError) -> InvalidInput:
    """pydantic's complaints about a request in the engine's words, naming each field
    as the client sent it, and never quoting what was sent."""
    parts = []
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ())]
        where = loc[0] if loc else ""
        field = ".".join(loc[1:])
        kind = item.get("type", "")
        if kind == "json_invalid":
            reason = (item.get("ctx") or {}).get("error", "malformed")
            parts.append(f"the body is not valid JSON ({reason} at character {field or 0})")
            continue
        if where == "body" and not field:
            parts.append("the body must be a JSON object" if kind != "missing"
                         else "a JSON body is required")
            continue
        if where == "header":
            field = field.title()
        words = (_WORDS.get(kind) or _WORDS.get(kind.split("_")[0] + "_*")
                 or plain_words(item))
        parts.append(f"{field}: {words}" if field else words)
    return InvalidInput("; ".join(parts) or "the request is not valid", field=None)


def problem(status: int, detail: Any) -> OPDError:
    """A Starlette `HTTPException` (an unknown path, a wrong method, a body over the
    limit) as the OPDError it means."""
    if status == 404:
        return NotFound("There is no such endpoint; see /docs for the API.")
    if status == 405:
        return MethodNotAllowed("This endpoint does not take that method; see /docs.")
    if status == 413:
        return PayloadTooLarge(str(detail))
    if status == 401:
        return Unauthorized(str(detail))
    if status == 403:
        return Forbidden(str(detail))
    if 400 <= status < 500:
        return InvalidInput(str(detail))
    return InternalError("The server failed to answer; the request may not have been done.")
