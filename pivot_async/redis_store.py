"""A :class:`~pivot_async.TokenStore` on Redis (or Valkey): one token per credential for every
process and host. Needs the ``redis`` extra: ``pip install "pivot-async[redis]"``.

    from pivot_async.redis_store import RedisTokenStore

    store = RedisTokenStore.from_url("redis://localhost:6379/0")
    async with PivotClient(client_id, client_secret, token_store=store) as client:
        ...

What is stored, under ``<prefix><kind>:<digest of client id and base URL>`` (never a secret in
a key): the token, its wall-clock expiry and refresh instants, after a SHA-256 fingerprint of the
token; Redis also expires the key itself (``PX``) when the token expires. Fetches are
single-flight across processes with ``SET <key>:lease <random owner> NX PX <ttl>``; the lease
and a failed token are removed by compare-and-delete scripts (a lease only by its owner, a token
only if it is still the one that failed). With ``encryption_key`` (16, 24 or 32 bytes) every
stored value is sealed with AES-GCM (a fresh nonce each time, the key name as associated data),
so the Redis server, its backups and its replicas never hold a usable token.

When Redis cannot be reached, every operation raises
:class:`~pivot_async._token_store.TokenStoreError` after one warning per outage (the client then
uses its own tokens) and, for ``retry_after`` seconds, fails at once without trying. Tokens are
never logged, nor is the Redis URL (it may hold a password).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from Crypto.Cipher import AES
from redis.asyncio import Redis
from redis.exceptions import RedisError

from ._config import Secret
from ._token_store import StoredToken, TokenStoreError, fingerprint

__all__ = ["RedisTokenStore"]

logger = logging.getLogger("pivot_async")
T = TypeVar("T")

_FP = 64  # hex characters of a SHA-256 fingerprint, at the start of each stored value
_DELETE_IF_PREFIX = """
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, tonumber(ARGV[2])) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisTokenStore:
    """Tokens shared through Redis. ``redis``: a ``redis.asyncio.Redis`` client (the caller
    keeps closing it) or use :meth:`from_url`. ``prefix`` namespaces every key;
    ``encryption_key`` seals stored values (AES-GCM); ``retry_after``: seconds during which an
    unreachable server is not retried; ``wall_clock``: the time source of expiries."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "pivot-async:",
        encryption_key: bytes | Secret | None = None,
        retry_after: float = 1.0,
        wall_clock: Callable[[], float] = time.time,
        owns_client: bool = False,
    ) -> None:
        key = encryption_key.get() if isinstance(encryption_key, Secret) else encryption_key
        if key is not None and (not isinstance(key, bytes) or len(key) not in (16, 24, 32)):
            raise ValueError("encryption_key must be 16, 24 or 32 bytes (AES-GCM)")
        self._redis = redis
        self._prefix = prefix
        self._key = key
        self._retry_after = retry_after
        self._clock = wall_clock
        self._owns = owns_client
        self._down_until: float | None = None  # monotonic; None while reachable
        self._delete_if_prefix = redis.register_script(_DELETE_IF_PREFIX)
        self._delete_if_equal = redis.register_script(_DELETE_IF_EQUAL)
        del key, encryption_key

    @property
    def seals_values(self) -> bool:
        """True with an ``encryption_key``: only then are wallet customers' tokens (their
        refresh tokens are customer secrets) shared through this store."""
        return self._key is not None

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisTokenStore:
        """A store on a new client for ``url`` (short connect/read timeouts: a server that is
        down costs half a second, not a request's whole deadline); :meth:`aclose` closes it."""
        redis = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        return cls(redis, owns_client=True, **kwargs)

    async def aclose(self) -> None:
        """Close the Redis client if this store created it."""
        if self._owns:
            await self._redis.aclose()

    # -- the TokenStore protocol ---------------------------------------------------------------

    async def get(self, key: str) -> StoredToken | None:
        """The stored token under ``key``, or None (also once it expired or unreadable)."""
        raw = await self._call(lambda: self._redis.get(self._prefix + key))
        if not isinstance(raw, bytes) or len(raw) <= _FP:
            return None
        token = self._open(key, raw[_FP:])
        if token is None or self._clock() >= token.expires_at:
            return None
        return token

    async def set(self, key: str, token: StoredToken) -> None:
        """Store ``token`` under ``key`` until its wall-clock ``expires_at``."""
        ttl_ms = int((token.expires_at - self._clock()) * 1000)
        if ttl_ms <= 0:
            return
        value = fingerprint(token.value).encode() + self._seal(key, token)
        await self._call(lambda: self._redis.set(self._prefix + key, value, px=ttl_ms))

    async def delete_if(self, key: str, token: Secret) -> bool:
        """Delete ``key`` only if it still holds ``token``; True if it did."""
        done = await self._call(lambda: self._delete_if_prefix(
            keys=[self._prefix + key], args=[fingerprint(token), _FP]))
        return bool(done)

    async def acquire(self, key: str, ttl: float) -> str | None:
        """Take the fetch lease ``key`` for ``ttl`` seconds: an owner id, or None if held."""
        owner = secrets.token_hex(16)
        got = await self._call(lambda: self._redis.set(
            self._prefix + key, owner, nx=True, px=max(1, int(ttl * 1000))))
        return owner if got else None

    async def release(self, key: str, owner: str) -> None:
        """Give the lease back if ``owner`` still holds it."""
        await self._call(lambda: self._delete_if_equal(keys=[self._prefix + key], args=[owner]))

    # -- values ---------------------------------------------------------------------------------

    def _seal(self, key: str, token: StoredToken) -> bytes:
        plain = json.dumps({"t": token.value.get(), "e": token.expires_at,
                            "r": token.refresh_at}).encode()
        if self._key is None:
            return plain
        cipher = AES.new(self._key, AES.MODE_GCM)
        cipher.update(key.encode())
        sealed, tag = cipher.encrypt_and_digest(plain)
        return bytes(cipher.nonce) + sealed + tag

    def _open(self, key: str, raw: bytes) -> StoredToken | None:
        try:
            if self._key is not None:
                cipher = AES.new(self._key, AES.MODE_GCM, nonce=raw[:16])
                cipher.update(key.encode())
                raw = cipher.decrypt_and_verify(raw[16:-16], raw[-16:])
            data = json.loads(raw)
            return StoredToken(Secret(str(data["t"])), float(data["e"]), float(data["r"]))
        except (ValueError, KeyError, TypeError):
            # Another key, or no key, wrote it: treated as absent (this process fetches and
            # overwrites it). Never logged with the value.
            logger.warning("token store: a stored value could not be read (encryption key?)")
            return None

    # -- reachability ---------------------------------------------------------------------------

    async def _call(self, op: Callable[[], Awaitable[T]]) -> T:
        if self._down_until is not None and time.monotonic() < self._down_until:
            raise TokenStoreError("the token store is unreachable")
        try:
            result = await op()
        except (RedisError, OSError) as exc:
            if self._down_until is None:
                logger.warning("token store unreachable (%s): each process uses its own "
                               "tokens until it is back", type(exc).__name__)
            self._down_until = time.monotonic() + self._retry_after
            raise TokenStoreError("the token store is unreachable") from None
        if self._down_until is not None:
            self._down_until = None
            logger.info("token store reachable again: tokens are shared")
        return result

    def __repr__(self) -> str:
        sealed = " encrypted" if self._key is not None else ""
        return f"<RedisTokenStore prefix={self._prefix!r}{sealed}>"
