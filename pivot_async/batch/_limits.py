"""A token bucket shared by every request of a job (clock and sleep injectable)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["TokenBucket"]


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
