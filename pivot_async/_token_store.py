"""The token store seam: where tokens live when more than one process uses one credential.

A :class:`TokenStore` holds, per key, one token with its **wall-clock** expiry (a monotonic
clock means nothing on another host), deletes it only if it is still the given one
(compare-and-delete, after a 401), and hands out a *fetch lease*: a lock with a TTL that makes
the token request single-flight across processes (a holder that dies loses it when the TTL
runs out).

Without a store (the default) a client keeps its tokens in its own
:class:`~pivot_async._auth.TokenCache`, exactly as before. :class:`MemoryTokenStore` is the
in-process implementation (clients of one process share their tokens);
:class:`pivot_async.redis_store.RedisTokenStore` shares them across processes and hosts.
The in-process single-flight always stays in front of the store: one task per process asks it.

A store's operations may raise: the token cache then falls back to its own token (fetching
one if it has none) and logs a warning once per outage (docs/guides/scaling.md).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ._config import Secret

__all__ = [
    "MemoryTokenStore",
    "StoredToken",
    "TokenStore",
    "TokenStoreError",
    "credential_key",
    "fingerprint",
]


class TokenStoreError(Exception):
    """A token store could not be reached (its own adapter already logged the outage)."""


@dataclass(frozen=True)
class StoredToken:
    """A token and its wall-clock (``time.time()``) expiry and refresh instants."""

    value: Secret
    expires_at: float
    refresh_at: float

    def fresh(self, now: float) -> bool:
        """True while no refresh is due at wall-clock ``now``."""
        return now < self.refresh_at


def fingerprint(token: Secret) -> str:
    """A one-way digest of ``token`` (SHA-256, hex): what compare-and-delete compares."""
    return hashlib.sha256(token.get().encode()).hexdigest()


def credential_key(kind: str, *parts: str) -> str:
    """A store key for one credential: ``kind`` and a digest of ``parts`` (client id, base URL).

    Never give a secret as a part: the key is visible to anyone who can list the store.
    """
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


@runtime_checkable
class TokenStore(Protocol):
    """Where tokens are shared. Every method is a coroutine; any of them may raise."""

    async def get(self, key: str) -> StoredToken | None:
        """The stored token under ``key``, or None (also once it expired)."""
        ...

    async def set(self, key: str, token: StoredToken) -> None:
        """Store ``token`` under ``key`` until its ``expires_at`` (wall clock)."""
        ...

    async def delete_if(self, key: str, token: Secret) -> bool:
        """Delete ``key`` only if it still holds ``token`` (compare-and-delete); True if so."""
        ...

    async def acquire(self, key: str, ttl: float) -> str | None:
        """Take the fetch lease of ``key`` for ``ttl`` seconds: an owner id, or None if taken."""
        ...

    async def release(self, key: str, owner: str) -> None:
        """Give the lease back if ``owner`` still holds it."""
        ...


class MemoryTokenStore:
    """A :class:`TokenStore` in this process's memory (clients of one process share tokens).

    ``wall_clock`` is the time source of expiries (``time.time`` by default).
    """

    seals_values = True
    """What it holds never leaves this process: customers' tokens may be shared through it."""

    def __init__(self, *, wall_clock: Callable[[], float] = time.time) -> None:
        self._clock = wall_clock
        self._tokens: dict[str, StoredToken] = {}
        self._leases: dict[str, tuple[str, float]] = {}

    async def get(self, key: str) -> StoredToken | None:
        """The stored token under ``key``, or None (also once it expired)."""
        token = self._tokens.get(key)
        if token is not None and self._clock() >= token.expires_at:
            del self._tokens[key]
            return None
        return token

    async def set(self, key: str, token: StoredToken) -> None:
        """Store ``token`` under ``key`` until its wall-clock ``expires_at``."""
        self._tokens[key] = token

    async def delete_if(self, key: str, token: Secret) -> bool:
        """Delete ``key`` only if it still holds ``token``; True if it did."""
        held = self._tokens.get(key)
        if held is not None and held.value == token:
            del self._tokens[key]
            return True
        return False

    async def acquire(self, key: str, ttl: float) -> str | None:
        """Take the fetch lease ``key`` for ``ttl`` seconds: an owner id, or None if held."""
        now = self._clock()
        held = self._leases.get(key)
        if held is not None and now < held[1]:
            return None
        owner = secrets.token_hex(16)
        self._leases[key] = (owner, now + ttl)
        return owner

    async def release(self, key: str, owner: str) -> None:
        """Give the lease back if ``owner`` still holds it."""
        held = self._leases.get(key)
        if held is not None and held[0] == owner:
            del self._leases[key]

    def __repr__(self) -> str:
        return f"<MemoryTokenStore tokens={len(self._tokens)}>"
