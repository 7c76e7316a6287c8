"""Token caching: monotonic expiry, refresh ahead of expiry, single-flight, invalidate(used).

:class:`TokenCache` runs at most one fetch at a time, as a task that every caller needing a
token awaits (:func:`await_shared`), so any number of concurrent callers cause exactly one
fetch and are all woken together when it ends. A failed fetch is raised to every caller then
waiting and is not kept: the next call fetches again. Cancelling one caller never cancels the
fetch the others wait for. ``invalidate(token)`` forgets the cached token only if it is still
the one that failed, so a token another task already refreshed is kept
(docs/reference/wire.md#decision-b).

Tokens are held as :class:`~pivot_async._config.Secret` (masked ``repr``): :meth:`TokenCache.get`
returns one, and only the middleware that writes the header unwraps it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Generic, TypeVar

from ._config import Secret
from ._token_store import StoredToken, TokenStore, TokenStoreError
from ._transport import clear_deadline

__all__ = [
    "FetchedToken",
    "SingleFlight",
    "TokenCache",
    "await_shared",
    "refresh_margin",
    "start_shared",
]

T = TypeVar("T")
logger = logging.getLogger("pivot_async")


def refresh_margin(lifetime: float) -> float:
    """Seconds before expiry at which a token is refreshed: max(60 s, 10 % of the lifetime).

    (For very short lifetimes the cache refreshes at half-life instead.)
    """
    return max(60.0, 0.1 * lifetime)


@dataclass(frozen=True)
class FetchedToken:
    """What a fetch returns: the token (kept as a :class:`Secret`) and its lifetime in seconds
    from the fetch's start."""

    value: Secret
    lifetime: float

    def __post_init__(self) -> None:
        value: object = self.value
        if isinstance(value, str):  # a plain string is accepted and wrapped
            object.__setattr__(self, "value", Secret(value))


@dataclass(frozen=True)
class _Cached:
    value: Secret
    expires_at: float  # monotonic
    refresh_at: float  # monotonic


class TokenCache:
    """A single-flight cache for one bearer token.

    ``fetch`` performs the token request. Expiry is measured from the monotonic clock at the
    *start* of the fetch, so network time never extends a token's life.

    With a ``store`` (a :class:`~pivot_async._token_store.TokenStore`) the token is shared under
    ``key``: this cache's single-flight stays in front (one task per process asks the store), a
    fresh stored token is adopted (its wall-clock expiry turned into local monotonic time), and
    otherwise the process that gets the store's fetch lease (TTL ``lock_ttl`` seconds) fetches
    and stores while the others poll the store briefly; a holder that died loses the lease when
    its TTL runs out and a waiter takes it. :meth:`invalidate` also compare-and-deletes the
    stored token (only the one that failed). A store that fails is bypassed: this process
    fetches its own token and a warning is logged once per outage.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[FetchedToken]],
        *,
        clock: Callable[[], float] = time.monotonic,
        store: TokenStore | None = None,
        key: str = "token",
        wall_clock: Callable[[], float] = time.time,
        lock_ttl: float = 10.0,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._cached: _Cached | None = None
        self._flight: SingleFlight[Secret] = SingleFlight()
        self.fetch_count = 0
        self.store = store
        self.key = key
        self._wall = wall_clock
        self._lock_ttl = lock_ttl
        self._failed: Secret | None = None  # the last token refused: never adopted again
        self._pending: set[asyncio.Task[None]] = set()  # compare-and-deletes under way
        self._outage: str | None = None  # who logged the outage under way: "own", "adapter"
        self.store_hits = 0

    def _usable(self, cached: _Cached | None) -> bool:
        return cached is not None and self._clock() < cached.refresh_at

    async def get(self) -> Secret:
        """A valid token, fetching one (once, for all waiters) when needed."""
        cached = self._cached
        if cached is not None and self._usable(cached):
            return cached.value
        return await self._flight.run(self._refresh)

    async def _refresh(self) -> Secret:
        if self.store is None:
            return await self._fetch_now(None)
        return await self._refresh_shared(self.store)

    async def _fetch_now(self, store: TokenStore | None) -> Secret:
        """Fetch, cache locally and (with ``store``) share the token."""
        started, started_wall = self._clock(), self._wall()
        fetched = await self._fetch()
        self.fetch_count += 1
        lifetime = max(0.0, fetched.lifetime)
        early = min(refresh_margin(lifetime), lifetime / 2)
        self._cached = _Cached(
            value=fetched.value, expires_at=started + lifetime,
            refresh_at=started + lifetime - early,
        )
        if store is not None:
            stored = StoredToken(fetched.value, started_wall + lifetime,
                                 started_wall + lifetime - early)
            try:
                await store.set(self.key, stored)
            except Exception as exc:  # any store failure: keep the local token
                self._store_failed(exc)
        return fetched.value

    async def _refresh_shared(self, store: TokenStore) -> Secret:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        delay = 0.005
        lease = self.key + ":lease"
        while True:
            try:
                stored = await store.get(self.key)
                if stored is not None and self._adopt(stored):
                    return stored.value
                owner = await store.acquire(lease, self._lock_ttl)
                if owner is not None:
                    stored = await store.get(self.key)  # stored while we asked for the lease?
            except Exception as exc:  # any store failure: fetch our own token
                self._store_failed(exc)
                return await self._fetch_now(None)
            if owner is not None:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            if stored is not None and self._adopt(stored):
                return stored.value
            value = await self._fetch_now(store)
            self._store_ok()
            return value
        finally:
            try:
                await store.release(lease, owner)
            except Exception as exc:  # the lease's TTL ends it anyway
                self._store_failed(exc)

    def _adopt(self, stored: StoredToken) -> bool:
        """Use a stored token if it is fresh and not the one known to have failed."""
        now_wall = self._wall()
        if not stored.fresh(now_wall) or stored.value == self._failed:
            return False
        now = self._clock()
        self._cached = _Cached(value=stored.value, expires_at=now + stored.expires_at - now_wall,
                               refresh_at=now + stored.refresh_at - now_wall)
        self.store_hits += 1
        self._store_ok()
        return True

    def _store_failed(self, exc: Exception) -> None:
        if not self._outage:
            # An adapter's own error (TokenStoreError) was logged by the adapter: once.
            self._outage = "adapter" if isinstance(exc, TokenStoreError) else "own"
            if self._outage == "own":
                logger.warning("token store unavailable (%s): this process uses its own token "
                               "until it is back", type(exc).__name__)

    def _store_ok(self) -> None:
        if self._outage:
            if self._outage == "own":
                logger.info("token store reachable again: tokens are shared")
            self._outage = None

    def invalidate(self, token: Secret | str) -> bool:
        """Forget ``token`` if it is still the cached one; True if it was.

        With a store, the stored token is also deleted if it is still ``token``
        (compare-and-delete, awaited by the next refresh), and ``token`` is never adopted again.
        """
        cached = self._cached
        if isinstance(token, str):
            token = Secret(token)
        if self.store is not None:
            self._failed = token
            self._delete_later(self.store, token)
        if cached is not None and cached.value == token:
            self._cached = None
            return True
        return False

    def _delete_later(self, store: TokenStore, token: Secret) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): _failed still guards adoption
            return
        task = loop.create_task(self._delete(store, token))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _delete(self, store: TokenStore, token: Secret) -> None:
        try:
            await store.delete_if(self.key, token)
        except Exception as exc:  # the failed token is never adopted anyway
            self._store_failed(exc)

    def peek(self) -> str | None:
        """The cached token, if any, without fetching (for tests and diagnostics)."""
        return self._cached.value.get() if self._cached is not None else None

    def __repr__(self) -> str:
        state = "cached" if self._cached is not None else "empty"
        shared = " shared" if self.store is not None else ""
        return f"<TokenCache {state}{shared} fetches={self.fetch_count}>"


class SingleFlight(Generic[T]):
    """At most one call in flight: concurrent callers of :meth:`run` share its outcome.

    The call runs in its own task (:func:`start_shared`), so cancelling one caller does not
    cancel it, and the call does not inherit the deadline of the caller that happened to start
    it (each caller's deadline bounds its own wait; the fetch has its own); every caller gets
    the call's failure (errors are complete when built and never
    changed afterwards, so sharing one is safe). A failure is not kept: the first call after a
    finished one starts a new one.
    """

    def __init__(self) -> None:
        self._task: asyncio.Task[T] | None = None

    async def run(self, fn: Callable[[], Awaitable[T]]) -> T:
        """The outcome of the call in flight, or of ``fn()`` started now if there is none."""
        task = self._task
        if task is None:
            task = self._task = start_shared(self._call(fn), self._clear)
        return await await_shared(task)

    async def _call(self, fn: Callable[[], Awaitable[T]]) -> T:
        clear_deadline()  # this task's own context: the starting caller keeps its deadline
        try:
            return await fn()
        finally:
            # At once, not in a done callback: a call that comes after the end of a failed
            # one must start a new one, never join the failed one.
            self._clear(asyncio.current_task())

    def _clear(self, task: object) -> None:
        if self._task is task:
            self._task = None


def start_shared(
    coro: Coroutine[object, object, T], clear: Callable[[asyncio.Future[T]], None]
) -> asyncio.Task[T]:
    """Start ``coro`` as the one in-flight fetch that callers share via :func:`await_shared`.

    ``clear(task)`` runs when the task is done, also if it is cancelled before it ever ran
    (the coroutine's own ``finally`` would not run then). The task's exception is marked as
    retrieved there, so a failure that every waiter has stopped waiting for (all cancelled)
    is not reported as "never retrieved".
    """

    task = asyncio.get_running_loop().create_task(coro)

    def done(t: asyncio.Future[T]) -> None:
        clear(t)
        if not t.cancelled():
            t.exception()

    task.add_done_callback(done)
    return task


async def await_shared(task: asyncio.Future[T]) -> T:
    """Await a fetch shared by many callers on behalf of one of them.

    Cancelling this caller does not cancel ``task`` (``asyncio.shield``): the other callers
    still need it. A failure is raised to every caller as is (with the task's own traceback).
    """
    return await asyncio.shield(task)
