"""A :class:`~pivot_async.RateLimiter` on Redis (or Valkey): one request budget for every
process and host. Needs the ``redis`` extra: ``pip install "pivot-async[redis]"``.

    from pivot_async.redis_limiter import RedisRateLimiter

    limiter = RedisRateLimiter.from_url("redis://localhost:6379/0", rate=50, name="merchant-1")
    async with PivotClient(client_id, client_secret, rate_limiter=limiter) as client:
        ...

The algorithm is GCRA (the generic cell rate algorithm): one key holds the *theoretical
arrival time* (TAT, integer microseconds of the Redis server's clock); one Lua script reads it,
moves it one interval (``1 / rate``) on and tells the caller how long to wait before sending.
Every caller, in every process, gets its own slot: requests leave evenly spaced, at most
``burst`` at once, and any window of ``W`` seconds holds at most ``W * rate + burst`` of them.
The script is ours rather than the ``limits`` library's: its Redis strategies are fixed and
moving windows that *admit or refuse* a hit, so callers that were refused retry together and
a window that reopens lets a whole window's worth through at once (bursts); nor do they say
how long to wait. GCRA needs one key, one round trip and no polling. The server's clock
(``TIME``) is the only clock, so hosts' clocks need not agree.

When Redis cannot be reached, :meth:`RedisRateLimiter.acquire` uses a local
:class:`~pivot_async.TokenBucket` of the same rate (each process then keeps its own budget, so
the aggregate may exceed the rate until Redis is back: pass ``fallback=TokenBucket(rate / N)``
for N processes to stay under it), after one warning per outage, and for ``retry_after``
seconds does not try Redis again. The Redis URL is never logged (it may hold a password).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ._rate_limit import RateLimiter, TokenBucket, gcra_params

__all__ = ["GCRA_SCRIPT", "RedisRateLimiter"]

logger = logging.getLogger("pivot_async")

#: KEYS[1]: the TAT key. ARGV: interval, tolerance (integer microseconds), and optionally
#: ``now`` (tests: an injected clock; otherwise the server's TIME). Returns the wait (µs).
#: Numbers are written with %d: Lua's default formatting would round 16-digit values.
GCRA_SCRIPT = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local now
if ARGV[3] then
  now = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then
  tat = now
end
local wait = tat - tolerance - now
if wait < 0 then
  wait = 0
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat),
           'PX', string.format('%d', math.floor((new_tat - now) / 1000) + 1000))
return wait
"""


class RedisRateLimiter:
    """``rate`` requests per second (``burst`` at once, default 1: evenly spaced) shared by
    every limiter using the same Redis key ``<prefix>rate:<name>``.

    ``redis``: a ``redis.asyncio.Redis`` client (the caller keeps closing it), or use
    :meth:`from_url`. ``fallback``: the limiter used while Redis is unreachable (default a
    :class:`~pivot_async.TokenBucket` of the same rate and burst); ``retry_after``: seconds
    during which an unreachable server is not tried again. ``sleep`` is injectable for tests.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        rate: float,
        burst: float | None = None,
        name: str = "default",
        prefix: str = "pivot-async:",
        fallback: RateLimiter | None = None,
        retry_after: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        owns_client: bool = False,
    ) -> None:
        local = TokenBucket(rate, burst=burst, sleep=sleep)  # validates rate and burst
        self.rate = local.rate
        self.burst = local.burst
        self.key = f"{prefix}rate:{name}"
        self.interval, self.tolerance = gcra_params(self.rate, self.burst)
        self.fallback: RateLimiter = fallback if fallback is not None else local
        self._redis = redis
        self._owns = owns_client
        self._retry_after = retry_after
        self._sleep = sleep
        self._down_until: float | None = None  # monotonic; None while reachable
        self._script = redis.register_script(GCRA_SCRIPT)

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisRateLimiter:
        """A limiter on a new client for ``url`` (short connect/read timeouts: a server that
        is down costs half a second once per outage); :meth:`aclose` closes it."""
        redis = Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        return cls(redis, owns_client=True, **kwargs)

    async def aclose(self) -> None:
        """Close the Redis client if this limiter created it."""
        if self._owns:
            await self._redis.aclose()

    async def reserve(self, now: int | None = None) -> float:
        """Take the next shared slot; the seconds to wait before using it. Raises
        ``RedisError``/``OSError`` when Redis cannot be reached. ``now`` (integer
        microseconds) replaces the server's clock: for tests of the arithmetic."""
        args = [self.interval, self.tolerance] + ([] if now is None else [now])
        wait = await self._script(keys=[self.key], args=args)
        return int(wait) / 1_000_000

    async def acquire(self) -> None:
        """Wait for the next slot of the shared budget (or of the fallback while Redis is
        unreachable)."""
        if self._down_until is not None and time.monotonic() < self._down_until:
            await self.fallback.acquire()
            return
        try:
            delay = await self.reserve()
        except (RedisError, OSError) as exc:
            if self._down_until is None:
                logger.warning("rate limiter: Redis unreachable (%s): each process keeps its "
                               "own rate limit until it is back", type(exc).__name__)
            self._down_until = time.monotonic() + self._retry_after
            await self.fallback.acquire()
            return
        if self._down_until is not None:
            self._down_until = None
            logger.info("rate limiter: Redis reachable again: the rate limit is shared")
        if delay > 0:
            await self._sleep(delay)

    def __repr__(self) -> str:
        return f"<RedisRateLimiter key={self.key!r} rate={self.rate:g}/s burst={self.burst:g}>"
