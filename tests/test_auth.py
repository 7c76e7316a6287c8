from __future__ import annotations

import asyncio
import gc

from pivot_async import PivotClient
from pivot_async._auth import FetchedToken, TokenCache, refresh_margin
from pivot_async._config import Secret
from pivot_async._errors import PivotConnectionError, ResponseValidationError
from pivot_async._wallet import CustomerTokens, WalletCustomer
from pivot_async.sandbox import Fault, ManualClock, Sandbox

from .client.conftest import va_request


async def token_of(cache: TokenCache) -> str:
    """The token the cache hands out, unwrapped (the cache keeps it as a Secret)."""
    return (await cache.get()).get()


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
        return FetchedToken(Secret(f"tok{calls}"), 900)

    cache = TokenCache(fetch)
    tasks = [asyncio.create_task(token_of(cache)) for _ in range(1000)]
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
        return FetchedToken(Secret(f"t{n}"), 900)

    cache = TokenCache(fetch, clock=clock)
    assert await token_of(cache) == "t1"
    clock.t = 900 - 91
    assert await token_of(cache) == "t1"
    clock.t = 900 - 89  # inside the 90 s margin
    assert await token_of(cache) == "t2"


async def test_invalidate_only_if_still_cached() -> None:
    n = 0

    async def fetch() -> FetchedToken:
        nonlocal n
        n += 1
        return FetchedToken(Secret(f"t{n}"), 900)

    cache = TokenCache(fetch)
    first = await token_of(cache)
    assert cache.invalidate(first)
    second = await token_of(cache)
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
        return FetchedToken(Secret("ok"), 900)

    cache = TokenCache(fetch)
    try:
        await token_of(cache)
    except RuntimeError:
        pass
    else:
        raise AssertionError("expected the fetch error")
    assert await token_of(cache) == "ok"


async def test_short_lifetime_refreshes_at_half_life() -> None:
    clock = FakeClock()
    n = 0

    async def fetch() -> FetchedToken:
        nonlocal n
        n += 1
        return FetchedToken(Secret(f"t{n}"), 30)

    cache = TokenCache(fetch, clock=clock)
    await token_of(cache)
    clock.t = 14
    assert await token_of(cache) == "t1"
    clock.t = 16
    assert await token_of(cache) == "t2"


# ------------------------------------------------------- single flight: one shared fetch task


class Gate:
    """A token fetch that blocks until released, then returns a token or raises ``error``."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.calls = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.error = error

    async def __call__(self) -> FetchedToken:
        self.calls += 1
        self.started.set()
        await self.release.wait()
        if self.error is not None and self.calls == 1:
            raise self.error
        return FetchedToken(Secret(f"tok{self.calls}"), 900)


async def test_all_waiters_are_woken_together() -> None:
    # An asyncio.Lock woke one waiter per loop iteration (10,000 waiters: seconds of added
    # latency); a shared fetch task wakes them all within a few iterations.
    fetch = Gate()
    cache = TokenCache(fetch)
    tasks = [asyncio.create_task(token_of(cache)) for _ in range(1000)]
    await fetch.started.wait()
    fetch.release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert all(t.done() for t in tasks)
    assert {t.result() for t in tasks} == {"tok1"}
    assert fetch.calls == 1 and cache.fetch_count == 1


async def test_failure_reaches_every_waiter_and_is_not_cached() -> None:
    fetch = Gate(error=PivotConnectionError("token endpoint unreachable"))
    cache = TokenCache(fetch)
    tasks = [asyncio.create_task(token_of(cache)) for _ in range(100)]
    await fetch.started.wait()
    fetch.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert fetch.calls == 1
    assert all(isinstance(r, PivotConnectionError) for r in results)
    assert {str(r) for r in results} == {"token endpoint unreachable"}
    assert cache.peek() is None and cache.fetch_count == 0
    # the failure is not kept: the next call fetches again
    assert await token_of(cache) == "tok2"
    assert fetch.calls == 2 and cache.fetch_count == 1


async def test_every_waiter_gets_the_fetch_error_complete_and_unchanged() -> None:
    # Errors are built complete (request_id included) and never changed afterwards, so the
    # waiters of one failed fetch can share it: each sees exactly what the fetch raised.
    cause = OSError("connection refused")
    error = PivotConnectionError("token endpoint unreachable", request_id=None)
    error.__cause__ = cause
    fetch = Gate(error=error)
    cache = TokenCache(fetch)
    tasks = [asyncio.create_task(token_of(cache)) for _ in range(3)]
    await fetch.started.wait()
    fetch.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for r in results:
        assert type(r) is PivotConnectionError and r.__cause__ is cause
        assert r.request_id is None and str(r) == "token endpoint unreachable"


async def test_tokens_are_handed_out_wrapped() -> None:
    async def fetch() -> FetchedToken:
        return FetchedToken("tok-plain-value", 900)  # type: ignore[arg-type]  # str is wrapped

    cache = TokenCache(fetch)
    token = await cache.get()
    assert isinstance(token, Secret) and token.get() == "tok-plain-value"
    assert "tok-plain-value" not in repr(token) + str(token) + repr(cache)


async def test_cancelling_the_first_waiter_does_not_cancel_the_fetch() -> None:
    fetch = Gate()
    cache = TokenCache(fetch)
    first = asyncio.create_task(token_of(cache))
    await fetch.started.wait()  # the fetch was started on behalf of `first`
    others = [asyncio.create_task(token_of(cache)) for _ in range(10)]
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    fetch.release.set()
    assert await asyncio.gather(*others) == ["tok1"] * 10
    assert first.cancelled()
    assert fetch.calls == 1 and cache.peek() == "tok1"


async def test_failure_after_every_waiter_left_is_retrieved_and_not_cached() -> None:
    # All waiters cancelled, then the fetch fails: no "exception was never retrieved" report
    # (pyproject turns unraisable-exception warnings into errors) and nothing is cached.
    reported: list[dict[str, object]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        fetch = Gate(error=RuntimeError("boom"))
        cache = TokenCache(fetch)
        tasks = [asyncio.create_task(token_of(cache)) for _ in range(5)]
        await fetch.started.wait()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        fetch.release.set()
        for _ in range(5):
            await asyncio.sleep(0)
        gc.collect()
        assert reported == []
        assert cache.peek() is None
        assert await token_of(cache) == "tok2"
    finally:
        loop.set_exception_handler(None)


async def test_invalidate_during_a_fetch_keeps_the_new_token() -> None:
    n = 0
    release = asyncio.Event()

    async def fetch() -> FetchedToken:
        nonlocal n
        n += 1
        if n == 2:
            await release.wait()
        return FetchedToken(Secret(f"t{n}"), 900)

    cache = TokenCache(fetch)
    old = await token_of(cache)
    assert cache.invalidate(old)
    waiter = asyncio.create_task(token_of(cache))
    await asyncio.sleep(0)
    assert not cache.invalidate(old)  # nothing cached while the new fetch runs
    release.set()
    assert await waiter == "t2"
    assert not cache.invalidate(old)
    assert cache.peek() == "t2" and n == 2


# ------------------------------------------------- the wallet customer's single-flight renewal


class FakeWalletTokens:
    """Stands in for WalletTokens: counts customer token requests; the first may fail."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.calls = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.error = error

    def _clock(self) -> float:
        return 0.0

    async def fetch_customer(self, binding_id: str, refresh: str | None) -> CustomerTokens:
        self.calls += 1
        self.started.set()
        await self.release.wait()
        if self.error is not None and self.calls == 1:
            raise self.error
        return CustomerTokens(
            access_token=Secret(f"cust{self.calls}"), access_refresh_at=100.0,
            refresh_token=None, refresh_expires_at=None,
        )


def wallet_customer(tokens: FakeWalletTokens) -> WalletCustomer:
    return WalletCustomer(tokens, "binding1")  # type: ignore[arg-type]


async def test_customer_token_single_flight() -> None:
    tokens = FakeWalletTokens()
    customer = wallet_customer(tokens)
    tasks = [asyncio.create_task(customer.access_token()) for _ in range(1000)]
    await tokens.started.wait()
    tokens.release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert all(t.done() for t in tasks)
    assert {t.result() for t in tasks} == {"cust1"}
    assert tokens.calls == 1


async def test_customer_token_failure_reaches_every_waiter_and_is_not_cached() -> None:
    tokens = FakeWalletTokens(error=PivotConnectionError("b2b2c token unreachable"))
    customer = wallet_customer(tokens)
    tasks = [asyncio.create_task(customer.access_token()) for _ in range(50)]
    await tokens.started.wait()
    tokens.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, PivotConnectionError) for r in results)
    # one error, shared as is: errors are complete when built and never changed afterwards
    assert len({id(r) for r in results}) == 1
    assert tokens.calls == 1
    assert await customer.access_token() == "cust2"
    assert tokens.calls == 2


async def test_cancelling_the_first_customer_waiter_does_not_cancel_the_renewal() -> None:
    tokens = FakeWalletTokens()
    customer = wallet_customer(tokens)
    first = asyncio.create_task(customer.access_token())
    await tokens.started.wait()
    others = [asyncio.create_task(customer.access_token()) for _ in range(10)]
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    tokens.release.set()
    assert await asyncio.gather(*others) == ["cust1"] * 10
    assert first.cancelled()
    assert tokens.calls == 1
    assert customer.invalidate("cust1")
    assert await customer.access_token() == "cust2"


# ------------------------------------------------------- through the client, on the sandbox


async def test_calls_sharing_a_failed_token_fetch_each_name_their_own_request_id() -> None:
    async with Sandbox(clock=ManualClock(), callback_delay_scale=0.0001) as sandbox:
        # The token answer is held long enough for both calls to wait on the same fetch,
        # then is not JSON (a ResponseValidationError, which names the call's X-REQUEST-ID).
        sandbox.faults.add(Fault(kind="latency", delay=0.2, route="POST /v1/access-token",
                                 times=1))
        sandbox.faults.add(Fault(kind="malformed", route="POST /v1/access-token", times=1))
        async with PivotClient(
            sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
        ) as client:
            keys = ["a" * 32, "b" * 32]
            results = await asyncio.gather(
                *(client.payments.create(va_request(f"order{i}"), idempotency_key=key)
                  for i, key in enumerate(keys)),
                return_exceptions=True,
            )
            assert all(isinstance(r, ResponseValidationError) for r in results)
            assert [r.request_id for r in results] == keys  # type: ignore[union-attr]
            # not cached: the next call fetches a token and succeeds
            session = await client.payments.create(va_request("order9"))
            assert session.client_reference_id == "order9"
            assert client._tokens.fetch_count == 1
