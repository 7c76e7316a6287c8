from __future__ import annotations

import asyncio

from pivot_async._auth import FetchedToken, TokenCache, refresh_margin


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_refresh_margin_rule() -> None:
    assert refresh_margin(900) == 90
    assert refresh_margin(300) == 60


async def test_single_flight_for_many_concurrent_callers() -> None:
    calls = 0
    gate = asyncio.Event()

    async def fetch() -> FetchedToken:
        nonlocal calls
        calls += 1
        await gate.wait()
        return FetchedToken(f"tok{calls}", 900)

    cache = TokenCache(fetch)
    tasks = [asyncio.create_task(cache.get()) for _ in range(1000)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks)
    assert calls == 1
    assert set(results) == {"tok1"}


async def test_refreshes_ahead_of_expiry_not_before() -> None:
    clock = FakeClock()
    n = 0

    async def fetch() -> FetchedToken:
        nonlocal n
        n += 1
        return FetchedToken(f"t{n}", 900)

    cache = TokenCache(fetch, clock=clock)
    assert await cache.get() == "t1"
    clock.t = 900 - 91
    assert await cache.get() == "t1"
    clock.t = 900 - 89  # inside the 90 s margin
    assert await cache.get() == "t2"


async def test_invalidate_only_if_still_cached() -> None:
    n = 0

    async def fetch() -> FetchedToken:
        nonlocal n
        n += 1
        return FetchedToken(f"t{n}", 900)

    cache = TokenCache(fetch)
    first = await cache.get()
    assert cache.invalidate(first)
    second = await cache.get()
    assert second != first
    # a stale failure report must not evict the newer token
    assert not cache.invalidate(first)
    assert cache.peek() == second


async def test_fetch_error_propagates_and_next_call_retries() -> None:
    attempts = 0

    async def fetch() -> FetchedToken:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("boom")
        return FetchedToken("ok", 900)

    cache = TokenCache(fetch)
    try:
        await cache.get()
    except RuntimeError:
        pass
    else:
        raise AssertionError("expected the fetch error")
    assert await cache.get() == "ok"


async def test_short_lifetime_refreshes_at_half_life() -> None:
    clock = FakeClock()
    n = 0

    async def fetch() -> FetchedToken:
        nonlocal n
        n += 1
        return FetchedToken(f"t{n}", 30)

    cache = TokenCache(fetch, clock=clock)
    await cache.get()
    clock.t = 14
    assert await cache.get() == "t1"
    clock.t = 16
    assert await cache.get() == "t2"
