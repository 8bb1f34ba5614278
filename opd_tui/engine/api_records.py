"""The HTTP API's own records in the engine's database (migration 0004): its keys
(their hashes), which key booked a token, and the first answers to requests sent
with an `Idempotency-Key`.

They are no rule of the desk, but the API, like every other user of the database,
reaches it only through the engine: each call here is one short transaction of
`read_own` or `write_own` (the engine's pool, its retry on a busy database, its
`DatabaseError`s). On SQLite the writes also wait their turn in the server's write
queue (`writes`), as its commands do. What the records mean (scopes, hashing,
replaying an answer) is the API's.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import schema

if TYPE_CHECKING:
    from .transactions import Transactions

KEYS = schema.api_keys
OWNERS = schema.api_token_owners
ANSWERS = schema.api_idempotency
R = TypeVar("R")


class ApiRecords:
    def __init__(self, engine: Transactions,
                 writes: AbstractContextManager[Any] | None = None) -> None:
        self._engine = engine
        self._writes = writes if writes is not None else nullcontext()

    def _write(self, work: Callable[[Connection], R]) -> R:
        with self._writes:
            return self._engine.write_own(work)

    # -- keys -------------------------------------------------------------------------

    def add_key(self, row: dict[str, Any]) -> int | None:
        """The new key's id; None when a key of that name exists (or existed)."""
        try:
            return self._write(lambda conn: conn.execute(
                insert(KEYS).values(**row).returning(KEYS.c.id)).scalar_one())
        except IntegrityError:
            return None

    def keys(self) -> list[Any]:
        return self._engine.read_own(
            lambda conn: list(conn.execute(select(KEYS).order_by(KEYS.c.name))))

    def key_by_id(self, key_id: str) -> Any | None:
        """The key whose public id is `key_id`, revoked or not."""
        return self._engine.read_own(lambda conn: conn.execute(
            select(KEYS).where(KEYS.c.key_id == key_id)).one_or_none())

    def revoke_key(self, name: str, at: datetime) -> Any | None:
        """The key named `name` as it was before this call (None: no such key); it is
        revoked at `at` unless it already was."""

        def work(conn: Connection) -> Any | None:
            row = conn.execute(select(KEYS).where(KEYS.c.name == name)).one_or_none()
            if row is not None and row.revoked_at is None:
                conn.execute(update(KEYS).where(KEYS.c.id == row.id).values(revoked_at=at))
            return row

        return self._write(work)

    # -- who booked a token -------------------------------------------------------------

    def record_owner(self, token_id: int, api_key_id: int) -> None:
        self._write(lambda conn: _own(conn, token_id, api_key_id))

    def owner(self, token_id: int) -> int | None:
        return self._engine.read_own(lambda conn: conn.execute(
            select(OWNERS.c.api_key_id).where(OWNERS.c.token_id == token_id)
        ).scalar_one_or_none())

    # -- first answers --------------------------------------------------------------------

    def claim(self, api_key_id: int, key: str, request_hash: str, at: datetime) -> bool:
        """Claim `key` for this request; False when it was claimed before."""
        row = {"api_key_id": api_key_id, "key": key, "request_hash": request_hash,
               "status_code": None, "response": None, "created_at": at}
        try:
            self._write(lambda conn: conn.execute(insert(ANSWERS).values(**row)))
        except IntegrityError:
            return False
        return True

    def claimed(self, api_key_id: int, key: str) -> Any | None:
        """The claim on `key`: its request hash and, once answered, the answer."""
        return self._engine.read_own(lambda conn: conn.execute(
            select(ANSWERS).where(ANSWERS.c.api_key_id == api_key_id, ANSWERS.c.key == key)
        ).one_or_none())

    def answer(self, api_key_id: int, key: str | None, status: int, body: Any,
               owned_token: int | None = None) -> None:
        """Store the answer to the claim on `key` (if any) and, in the same transaction,
        that this API key booked `owned_token`."""

        def work(conn: Connection) -> None:
            if key is not None:
                conn.execute(update(ANSWERS)
                             .where(ANSWERS.c.api_key_id == api_key_id, ANSWERS.c.key == key)
                             .values(status_code=status, response=body))
            if owned_token is not None:
                _own(conn, owned_token, api_key_id)

        self._write(work)

    def release(self, api_key_id: int, key: str) -> None:
        """Forget an unanswered claim: nothing was done, so a retry may do it."""
        self._write(lambda conn: conn.execute(delete(ANSWERS).where(
            ANSWERS.c.api_key_id == api_key_id, ANSWERS.c.key == key,
            ANSWERS.c.status_code.is_(None))))

    def forget_answers_before(self, cutoff: datetime) -> None:
        self._write(lambda conn: conn.execute(
            delete(ANSWERS).where(ANSWERS.c.created_at < cutoff)))


def _own(conn: Connection, token_id: int, api_key_id: int) -> None:
    conn.execute(insert(OWNERS).values(token_id=token_id, api_key_id=api_key_id))
