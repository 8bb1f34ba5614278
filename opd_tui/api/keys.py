"""API keys: made once, shown once, stored as a hash, compared in constant time.

A key reads `opd_<key id>_<secret>`. The key id (public, 12 hex digits) finds the
row; the SHA-256 of the whole key is then compared with the stored hash by
`hmac.compare_digest`, so how long a check takes says nothing about the secret.
The secret has 256 bits of randomness: a fast hash is enough, and a stolen
table of hashes gives no key.

Scopes (SPEC §7), each including the one before: `portal` books ONLINE tokens,
reads availability and cancels or reads only the tokens it booked; `desk` does
every token command and reads everything; `admin` also manages doctors, slots,
rosters and simulations.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from contextlib import AbstractContextManager
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from ..domain.errors import InvalidInput, InvalidTransition, NotFound
from ..engine import ApiRecords

if TYPE_CHECKING:
    from ..engine import AllocationEngine

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_KEY_PATTERN = re.compile(r"opd_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})")
#: How long a checked key is trusted without reading it again: a key revoked
#: from another process stops working within this many seconds.
CACHE_SECONDS = 2.0
CACHE_SIZE = 1000


class Scope(StrEnum):
    PORTAL = "portal"
    DESK = "desk"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: Scope) -> bool:
        return self.rank >= needed.rank


_RANK = {Scope.PORTAL: 1, Scope.DESK: 2, Scope.ADMIN: 3}


class ApiKey(BaseModel):
    """A key as the server knows it once checked (never the key itself)."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    scope: Scope


class KeyInfo(ApiKey):
    """A key as `api-key list` shows it."""

    key_id: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _info(row: object) -> KeyInfo:
    return KeyInfo.model_validate(row, from_attributes=True)


class KeyStore:
    def __init__(self, engine: AllocationEngine,
                 writes: AbstractContextManager[Any] | None = None) -> None:
        self._records = ApiRecords(engine, writes)
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, str, ApiKey | None]] = {}

    # -- the command line's side ------------------------------------------------

    def create(self, name: str, scope: str) -> tuple[KeyInfo, str]:
        """A new key named `name`; returns it with the key itself, shown only now."""
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise InvalidInput(
                "name: 1 to 80 letters A-Z, digits, '.', '_' or '-', starting with a letter "
                "or digit", field="name")
        try:
            chosen = Scope(str(scope).strip().lower())
        except ValueError:
            raise InvalidInput("scope: must be portal, desk or admin", field="scope") from None
        key_id = secrets.token_hex(6)
        key = f"opd_{key_id}_{secrets.token_urlsafe(32)}"
        row = {"name": name, "scope": chosen.value, "key_id": key_id, "key_hash": _hash(key),
               "created_at": datetime.now().replace(microsecond=0), "revoked_at": None}
        new_id = self._records.add_key(row)
        if new_id is None:
            raise InvalidInput(
                f"name: a key named {name} exists (or existed: a revoked key keeps its name, "
                "so log lines never mix two keys up); choose another name", field="name",
            )
        return KeyInfo.model_validate({**row, "id": new_id}), key

    def list(self) -> list[KeyInfo]:
        return [_info(r) for r in self._records.keys()]

    def revoke(self, name: str) -> KeyInfo:
        at = datetime.now().replace(microsecond=0)
        row = self._records.revoke_key(name, at)
        if row is None:
            raise NotFound(f"There is no API key named {name}; see `opd-tui api-key list`.")
        if row.revoked_at is not None:
            raise InvalidTransition(f"The key {name} was already revoked on "
                                    f"{row.revoked_at:%Y-%m-%d %H:%M}.")
        return _info(row).model_copy(update={"revoked_at": at})

    # -- the server's side --------------------------------------------------------

    def needs_read(self, presented: str) -> bool:
        """Whether checking `presented` reads the database (else it is answered from
        the last few seconds' cache, without blocking)."""
        match = _KEY_PATTERN.fullmatch(presented)
        if match is None:
            return False
        with self._lock:
            cached = self._cache.get(match.group(1))
        return cached is None or time.monotonic() - cached[0] > CACHE_SECONDS

    def authenticate(self, presented: str) -> ApiKey | None:
        """The key `presented` stands for, or None (unknown, malformed or revoked)."""
        match = _KEY_PATTERN.fullmatch(presented)
        if match is None:
            return None
        key_id = match.group(1)
        digest = _hash(presented)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key_id)
        if cached is None or now - cached[0] > CACHE_SECONDS:
            stored_hash, key = self._lookup(key_id)
            cached = (now, stored_hash, key)
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:  # made-up key ids must not pile up
                    self._cache.clear()
                self._cache[key_id] = cached
        _, stored_hash, key = cached
        # Compared whatever was found, in constant time, so an unknown key id and
        # a wrong secret take the same time.
        same = hmac.compare_digest(digest, stored_hash)
        return key if same else None

    def _lookup(self, key_id: str) -> tuple[str, ApiKey | None]:
        row = self._records.key_by_id(key_id)
        if row is None or row.revoked_at is not None:
            return "0" * 64, None
        return row.key_hash, ApiKey(id=row.id, name=row.name, scope=Scope(row.scope))

    # -- who booked a token ---------------------------------------------------------

    def record_owner(self, token_id: int, key: ApiKey) -> None:
        self._records.record_owner(token_id, key.id)

    def owner(self, token_id: int) -> int | None:
        return self._records.owner(token_id)
