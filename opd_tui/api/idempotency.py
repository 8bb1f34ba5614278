"""`Idempotency-Key` on booking and emergency, as Stripe documents it.

The first request with a key claims it (a row, committed before the booking);
its answer, a token or a refusal, is then stored on that row. A retry with the
same key and the same request (method, path and body as parsed) gets the stored
answer and books nothing; the same key with another request is a 409. Keys
belong to the API key that sent them and are forgotten after a day.

A busy (or read-only) database releases the claim, since nothing was booked, so
the retry books. Any other failure keeps it: a connection lost while the booking
was saved, an unexpected error, the server stopped between the booking and
storing its answer. The booking may or may not have been made, so a retry is
told to look it up rather than risk booking twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from starlette.responses import JSONResponse

from ..domain.errors import DatabaseBusy, DatabaseReadOnly, InvalidInput, OPDError
from ..engine import ApiRecords
from .errors import IdempotencyConflict, error_body, status_of

if TYPE_CHECKING:
    from ..engine import AllocationEngine
    from .keys import ApiKey

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger("opd_tui.api")
KEEP_FOR = timedelta(hours=24)
#: Seconds between two sweeps of records older than `KEEP_FOR`.
SWEEP_EVERY = 600.0
KEY_MAX = 255
REPLAYED_HEADER = "Idempotent-Replayed"


def fingerprint(method: str, path: str, body: BaseModel) -> str:
    canonical = json.dumps(
        [method, path, body.model_dump(mode="json", by_alias=True, exclude_unset=True)],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= KEY_MAX or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key: 1 to {KEY_MAX} printable ASCII characters (a UUID is usual)",
            field="Idempotency-Key",
        )
    return key


class Idempotency:
    def __init__(self, engine: AllocationEngine,
                 writes: AbstractContextManager[Any] | None = None) -> None:
        self._records = ApiRecords(engine, writes)
        self._swept = 0.0

    def once(
        self,
        api_key: ApiKey,
        key: str | None,
        request_hash: str,
        work: Callable[[], M],
        status_code: int,
        booked: Callable[[M], int] | None = None,
    ) -> Any:
        """`work()`'s answer, done at most once per (API key, idempotency key). With
        `booked` (the token an answer made), that this API key booked it is written
        in the transaction that stores the answer."""
        if key is None:
            result = work()
            if booked is not None:
                self._keep(api_key.id, None, status_code, None, booked(result))
            return result
        key = check_key(key)
        stored = self._claim(api_key.id, key, request_hash)
        if stored is not None:
            return stored
        try:
            result = work()
        except (DatabaseBusy, DatabaseReadOnly):
            self._release(api_key.id, key)  # nothing was written: the retry books
            raise
        except OPDError as error:
            status, answer = status_of(error), error_body(error)
            if status < 500:  # a refusal: the retry hears it again
                self._keep(api_key.id, key, status, answer)
            raise  # else the claim stays: the booking may or may not have been made
        body = jsonable_encoder(result, by_alias=True)
        self._keep(api_key.id, key, status_code, body,
                   booked(result) if booked is not None else None)
        return JSONResponse(body, status_code=status_code)

    def _keep(self, api_key_id: int, key: str | None, status: int, body: Any,
              owned_token: int | None = None) -> None:
        """Store an answer; the booking is made whatever happens here, so a failure
        is logged, not answered (the claim stays: a retry is told to look it up)."""
        try:
            self._records.answer(api_key_id, key, status, body, owned_token)
        except OPDError as error:
            log.warning("idempotency: the answer was not stored (%s)", type(error).__name__)

    def _claim(self, api_key_id: int, key: str, request_hash: str) -> JSONResponse | None:
        """None when this request claimed the key; else the stored answer."""
        self._sweep()
        if self._records.claim(api_key_id, key, request_hash, datetime.now()):
            return None
        first = self._records.claimed(api_key_id, key)
        if first is None:  # swept or released in between: claim it again
            return self._claim(api_key_id, key, request_hash)
        if first.request_hash != request_hash:
            raise IdempotencyConflict(
                "This Idempotency-Key was used with another request; use a new key for a "
                "new booking."
            )
        if first.status_code is None:
            raise IdempotencyConflict(
                "The first request with this Idempotency-Key has not been answered (it is "
                "still running, or was cut off); look the booking up before trying again."
            )
        return JSONResponse(first.response, status_code=first.status_code,
                            headers={REPLAYED_HEADER: "true"})

    def _release(self, api_key_id: int, key: str) -> None:
        try:
            self._records.release(api_key_id, key)
        except OPDError:
            pass  # still claimed: a retry is told to look the booking up

    def _sweep(self) -> None:
        now = time.monotonic()
        if now - self._swept < SWEEP_EVERY:
            return
        self._swept = now
        try:
            self._records.forget_answers_before(datetime.now() - KEEP_FOR)
        except OPDError:
            self._swept = 0.0
