"""Token caching: monotonic expiry, refresh ahead of expiry, single-flight, invalidate(used).

:class:`TokenCache` runs at most one fetch at a time, as a task that every caller needing a
token awaits (:func:`await_shared`), so any number of concurrent callers cause exactly one
fetch and are all woken together when it ends. A failed fetch is raised to every caller then
waiting and is not kept: the next call fetches again. Cancelling one caller never cancels the
fetch the others wait for. ``invalidate(token)`` forgets the cached token only if it is still
the one that failed, so a token another task already refreshed is kept (Decision b).
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Generic, TypeVar

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
        self._flight: SingleFlight[str] = SingleFlight()
        self.fetch_count = 0

    def _usable(self, cached: _Cached | None) -> bool:
        return cached is not None and self._clock() < cached.refresh_at

    async def get(self) -> str:
        """A valid token, fetching one (once, for all waiters) when needed."""
        cached = self._cached
        if cached is not None and self._usable(cached):
            return cached.value
        return await self._flight.run(self._refresh)

    async def _refresh(self) -> str:
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


class SingleFlight(Generic[T]):
    """At most one call in flight: concurrent callers of :meth:`run` share its outcome.

    The call runs in its own task (:func:`start_shared`), so cancelling one caller does not
    cancel it; each caller gets its own copy of a failure (:func:`await_shared`). A failure is
    not kept: the first call after a finished one starts a new one.
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
    still need it. A failure is raised to each caller as its own shallow copy of the exception
    (same class, attributes, cause and traceback), so that a caller annotating its error (as
    ``PivotClient._request`` sets ``request_id``) does not change the error another caller got.
    """
    try:
        return await asyncio.shield(task)
    except Exception as exc:  # the task's own failure (a cancellation is not an Exception)
        error = _own_copy(exc)
    raise error


def _own_copy(exc: Exception) -> Exception:
    """A shallow copy of ``exc`` for one caller, or ``exc`` itself if it cannot be copied."""
    cls = type(exc)
    try:
        dup = copy.copy(exc)  # cls(*args) and the attributes: right for the built-in errors
    except Exception:
        try:  # classes whose __init__ does not take their args back (keyword-only fields)
            dup = cls.__new__(cls, *exc.args)
            dup.__dict__.update(exc.__dict__)
            dup.args = exc.args
        except Exception:
            return exc
    if type(dup) is not cls:
        return exc
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        dup.__notes__ = list(notes)  # type: ignore[attr-defined]
    dup.__cause__ = exc.__cause__
    dup.__context__ = exc.__context__
    dup.__suppress_context__ = exc.__suppress_context__
    return dup.with_traceback(exc.__traceback__)
