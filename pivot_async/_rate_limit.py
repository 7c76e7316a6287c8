"""Request budgets: the :class:`RateLimiter` protocol, its in-process default
:class:`TokenBucket`, the middleware that consults a limiter before each attempt, and the GCRA
arithmetic that :class:`pivot_async.redis_limiter.RedisRateLimiter` runs inside Redis.

A limiter is consulted once per HTTP attempt (retries and token fetches included), inside the
retry layer and after the auth layer (the attempt has its token before it takes a slot, so a
slot is never spent waiting for a token and requests leave as spread out as their slots): a
429's ``Retry-After`` wait happens first in the retry layer, then the next attempt still waits
for its slot, so the longer of the two always wins.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from aiohttp import ClientHandlerType, ClientRequest, ClientResponse

__all__ = ["RateLimitMiddleware", "RateLimiter", "TokenBucket", "gcra_params", "gcra_step"]


@runtime_checkable
class RateLimiter(Protocol):
    """A request budget: :meth:`acquire` returns when the caller may send one request.

    Implementations: :class:`TokenBucket` (one process) and
    :class:`pivot_async.redis_limiter.RedisRateLimiter` (every process sharing a Redis key).
    """

    async def acquire(self) -> None:
        """Wait for the next slot (the slot is taken even if the caller is then cancelled)."""
        ...


class RateLimitMiddleware:
    """Client middleware: ``await limiter.acquire()`` before each attempt is sent."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        await self.limiter.acquire()
        return await handler(req)


def gcra_params(rate: float, burst: float) -> tuple[int, int]:
    """``(interval, tolerance)`` in integer microseconds for ``rate`` per second and ``burst``.

    The interval is rounded up, so the integer arithmetic never allows more than ``rate``.
    """
    interval = math.ceil(1_000_000 / rate)
    return interval, math.floor((burst - 1) * interval)


def gcra_step(tat: int | None, now: int, interval: int, tolerance: int) -> tuple[int, int]:
    """One GCRA reservation (integer microseconds): ``(new_tat, wait)``.

    ``tat`` is the stored theoretical arrival time (None: no key). The caller may send at
    ``now + wait``; every reservation moves the TAT one ``interval`` on. Since each sending
    time lies in ``[tat - tolerance, tat]`` and TATs are ``interval`` apart, any window of
    ``W`` seconds holds at most ``W * rate + burst`` sends. Mirrors the Lua script of
    :mod:`pivot_async.redis_limiter` line for line.
    """
    if tat is None or tat < now:
        tat = now
    wait = max(0, tat - tolerance - now)
    return tat + interval, wait


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, ``burst`` at once.

    Each :meth:`acquire` reserves the next free slot before it waits (the balance may go
    negative), so concurrent callers are served in arrival order without a lock and the
    long-run rate never exceeds ``rate``. ``burst`` defaults to 1: evenly spaced requests.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
            raise ValueError("rate must be a positive number of requests per second")
        burst = 1.0 if burst is None else float(burst)
        if not burst >= 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._last = clock()

    def reserve(self) -> float:
        """Take the next slot; the delay (seconds) to wait before using it."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self) -> None:
        """Wait for the next slot."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)
