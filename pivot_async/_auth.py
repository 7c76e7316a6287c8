"""Token caching: monotonic expiry, refresh ahead of expiry, single-flight, invalidate(used).

:class:`TokenCache` owns one ``asyncio.Lock`` and double-checks after acquiring it, so any
number of concurrent callers cause exactly one fetch. ``invalidate(token)`` forgets the cached
token only if it is still the one that failed, so a token another task already refreshed is
kept (Decision b).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["FetchedToken", "TokenCache", "refresh_margin"]


def refresh_margin(lifetime: float) -> float:
    """Seconds before expiry at which a token is refreshed: max(60 s, 10 % of the lifetime).

    (For very short lifetimes the cache refreshes at half-life instead.)
    """
    return max(60.0, 0.1 * lifetime)


@dataclass(frozen=True)
class FetchedToken:
    """What a fetch returns: the token and its lifetime in seconds from the fetch's start."""

    value: str
    lifetime: float


@dataclass(frozen=True)
class _Cached:
    value: str
    expires_at: float  # monotonic
    refresh_at: float  # monotonic


class TokenCache:
    """A single-flight cache for one bearer token.

    ``fetch`` performs the token request. Expiry is measured from the monotonic clock at the
    *start* of the fetch, so network time never extends a token's life.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[FetchedToken]],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._cached: _Cached | None = None
        self._lock = asyncio.Lock()
        self.fetch_count = 0

    def _usable(self, cached: _Cached | None) -> bool:
        return cached is not None and self._clock() < cached.refresh_at

    async def get(self) -> str:
        """A valid token, fetching one (once, for all waiters) when needed."""
        cached = self._cached
        if cached is not None and self._usable(cached):
            return cached.value
        async with self._lock:
            cached = self._cached
            if cached is not None and self._usable(cached):
                return cached.value
            started = self._clock()
            fetched = await self._fetch()
            self.fetch_count += 1
            lifetime = max(0.0, fetched.lifetime)
            self._cached = _Cached(
                value=fetched.value,
                expires_at=started + lifetime,
                refresh_at=started + lifetime - min(refresh_margin(lifetime), lifetime / 2),
            )
            return fetched.value

    def invalidate(self, token: str) -> bool:
        """Forget ``token`` if it is still the cached one; True if it was."""
        cached = self._cached
        if cached is not None and cached.value == token:
            self._cached = None
            return True
        return False

    def peek(self) -> str | None:
        """The cached token, if any, without fetching (for tests and diagnostics)."""
        return self._cached.value if self._cached is not None else None

    def __repr__(self) -> str:
        state = "cached" if self._cached is not None else "empty"
        return f"<TokenCache {state} fetches={self.fetch_count}>"
