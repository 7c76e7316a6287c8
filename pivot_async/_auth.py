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
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Generic, TypeVar

from ._config import Secret
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
        self._flight: SingleFlight[Secret] = SingleFlight()
        self.fetch_count = 0

    def _usable(self, cached: _Cached | None) -> bool:
        return cached is not None and self._clock() < cached.refresh_at

    async def get(self) -> Secret:
        """A valid token, fetching one (once, for all waiters) when needed."""
        cached = self._cached
        if cached is not None and self._usable(cached):
            return cached.value
        return await self._flight.run(self._refresh)

    async def _refresh(self) -> Secret:
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

    def invalidate(self, token: Secret | str) -> bool:
        """Forget ``token`` if it is still the cached one; True if it was."""
        cached = self._cached
        if isinstance(token, str):
            token = Secret(token)
        if cached is not None and cached.value == token:
            self._cached = None
            return True
        return False

    def peek(self) -> str | None:
        """The cached token, if any, without fetching (for tests and diagnostics)."""
        return self._cached.value.get() if self._cached is not None else None

    def __repr__(self) -> str:
        state = "cached" if self._cached is not None else "empty"
        return f"<TokenCache {state} fetches={self.fetch_count}>"


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
