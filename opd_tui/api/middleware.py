"""Around every request: its log line, the body limit, and a last guard that turns
an unexpected failure into a 500 that names nothing of it.

Pure ASGI (no `BaseHTTPMiddleware`): a few microseconds a request, and long
polls are not held up.
"""

from __future__ import annotations

import logging
import time
import traceback

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .deps import KEY_NAME
from .errors import InternalError, PayloadTooLarge, error_response

#: One line per request; configured by `opd-tui serve` (stderr).
request_log = logging.getLogger("opd_tui.api.requests")
log = logging.getLogger("opd_tui.api")


class RequestLog:
    """`POST /tokens/book 201 4.2ms key=apollo-portal`: method, route, status,
    milliseconds, key name.

    The route is the endpoint's template (`/tokens/{token_id}`), never the path or
    query string as sent: a search or a mistyped URL can hold a patient's name or
    phone, and no log line may. (uvicorn's own access log, which prints both, is
    off.) An unexpected exception is logged as its type and stack frames, without
    its message, and answered with a 500 in SPEC §7's JSON.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # noqa: BLE001 - the last guard
            frames = "".join(traceback.format_tb(error.__traceback__))
            log.error("unexpected %s (its message is not logged: it may hold patient "
                      "data)\n%s", type(error).__name__, frames.rstrip())
            if status == 0:
                status = 500
                answer = error_response(InternalError(
                    "The server failed to answer; the request may not have been done. "
                    "Look it up before trying again."))
                await answer(scope, receive, send)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "(unknown path)"
            key = (scope.get("state") or {}).get(KEY_NAME, "-")
            ms = (time.perf_counter() - started) * 1000
            request_log.info("%s %s %d %.1fms key=%s", scope.get("method", "?"), path,
                             status, ms, key)


class BodyLimit:
    """Refuse a body over `max_bytes` (413): at once when its Content-Length says
    so, else as soon as the bytes received pass the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"The request body is over {self.max_bytes // 1024} KiB; "
                               "no request to this API needs that much.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._drain(receive)
            await error_response(self._refusal())(scope, receive, send)
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, detail=str(self._refusal()))
            return message

        await self.app(scope, counting, send)

    async def _drain(self, receive: Receive) -> None:
        """Read (and drop) a refused body of reasonable size, so the client, still
        sending it, reads the 413 instead of a reset connection."""
        dropped = 0
        while dropped <= 16 * self.max_bytes:
            message = await receive()
            if message["type"] != "http.request":
                return
            dropped += len(message.get("body", b""))
            if not message.get("more_body", False):
                return
