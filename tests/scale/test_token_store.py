"""The shared token store against a real Redis-protocol server (started by tests/scale/conftest)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio

from pivot_async import MemoryTokenStore, PivotClient, StoredToken, TokenStore
from pivot_async._auth import FetchedToken, TokenCache
from pivot_async._config import Secret
from pivot_async.redis_store import RedisTokenStore
from pivot_async.sandbox import Sandbox

from ._server import RedisServer

TOKEN_PATH = "/v1/access-token"
SNAP_B2B = "/snap/v1.0/access-token/b2b"


class WallClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def stored(value: str, expires_at: float, refresh_at: float | None = None) -> StoredToken:
    return StoredToken(Secret(value), expires_at, expires_at - 1 if refresh_at is None
                       else refresh_at)


async def test_both_stores_are_token_stores(store: RedisTokenStore) -> None:
    assert isinstance(store, TokenStore)
    assert isinstance(MemoryTokenStore(), TokenStore)


@pytest.mark.parametrize("kind", ["redis", "memory"])
async def test_compare_and_delete_drops_only_the_failing_token(
    store: RedisTokenStore, kind: str
) -> None:
    s: TokenStore = store if kind == "redis" else MemoryTokenStore()
    now = time.time()
    await s.set("k", stored("new-token", now + 60))
    assert not await s.delete_if("k", Secret("old-token"))  # another's failure: kept
    got = await s.get("k")
    assert got is not None and got.value == Secret("new-token")
    assert await s.delete_if("k", Secret("new-token"))
    assert await s.get("k") is None


async def test_invalidate_deletes_the_stored_token_only_if_it_failed(
    store: RedisTokenStore,
) -> None:

    fetched = iter(["tok-1", "tok-2", "tok-3"])

    async def fetch() -> FetchedToken:
        return FetchedToken(Secret(next(fetched)), 900)

    a = TokenCache(fetch, store=store, key="cred")
    b = TokenCache(fetch, store=store, key="cred")
    assert (await a.get()).get() == "tok-1"
    assert (await b.get()).get() == "tok-1"  # adopted from the store, not fetched
    assert (a.fetch_count, b.fetch_count, b.store_hits) == (1, 0, 1)
    assert b.invalidate(Secret("tok-1"))
    assert (await b.get()).get() == "tok-2"  # one fetch replaces the failed token everywhere
    # a's late 401 on tok-1 must not drop tok-2 from the store
    assert a.invalidate(Secret("tok-1"))
    assert (await a.get()).get() == "tok-2"
    got = await store.get("cred")
    assert got is not None and got.value == Secret("tok-2")
    assert a.fetch_count + b.fetch_count == 2


async def test_expiry_is_wall_clock_time(redis_server: RedisServer) -> None:
    wall = WallClock()
    s = RedisTokenStore.from_url(redis_server.url, prefix="wall:", wall_clock=wall)
    try:
        await s.set("k", stored("tok", wall.now + 100, wall.now + 50))
        got = await s.get("k")
        assert got is not None and got.expires_at == wall.now + 100
        wall.now += 100  # the stored instant has passed on the wall clock
        assert await s.get("k") is None

        # A cache on another "host" (its own monotonic clock) adopts a token for the
        # wall-clock time it has left, not for a lifetime counted from its own clock.
        wall.now = 1_900_000_000.0
        await s.set("c", stored("shared", wall.now + 30, wall.now + 20))
        mono = WallClock(5.0)
        fetches = 0

        async def fetch() -> FetchedToken:
            nonlocal fetches
            fetches += 1
            return FetchedToken(Secret("own"), 900)

        cache = TokenCache(fetch, store=s, key="c", clock=mono, wall_clock=wall)
        assert (await cache.get()).get() == "shared"
        mono.now += 19.9
        assert (await cache.get()).get() == "shared"
        mono.now += 0.2
        wall.now += 20.1  # refresh due: the stored token is not fresh any more
        assert (await cache.get()).get() == "own"
        assert fetches == 1
    finally:
        await s.aclose()


async def test_redis_expires_the_key_itself(
    store: RedisTokenStore, redis_server: RedisServer
) -> None:
    await store.set("k", stored("tok", time.time() + 30))
    r = redis.asyncio.Redis.from_url(redis_server.url)
    try:
        ttl = await r.pttl("t:test_redis_expires_the_key_itself:k")
        assert 0 < ttl <= 30_000
    finally:
        await r.aclose()


async def test_the_lease_is_exclusive_and_released_only_by_its_owner(
    store: RedisTokenStore,
) -> None:
    owner = await store.acquire("lease", 30)
    assert owner is not None
    assert await store.acquire("lease", 30) is None
    await store.release("lease", "someone-else")
    assert await store.acquire("lease", 30) is None
    await store.release("lease", owner)
    assert await store.acquire("lease", 30) is not None


async def test_a_dead_lease_holder_does_not_block_the_others(store: RedisTokenStore) -> None:
    # A process took the lease and died: its TTL frees it and a waiter fetches.
    assert await store.acquire("cred:lease", 0.3) is not None

    async def fetch() -> FetchedToken:
        return FetchedToken(Secret("tok"), 900)

    cache = TokenCache(fetch, store=store, key="cred")
    assert (await asyncio.wait_for(cache.get(), 10)).get() == "tok"
    assert cache.fetch_count == 1


async def test_stored_values_are_encrypted_with_the_users_key(redis_server: RedisServer) -> None:
    key = bytes(range(32))
    sealed = RedisTokenStore.from_url(redis_server.url, prefix="enc:", encryption_key=key)
    other = RedisTokenStore.from_url(redis_server.url, prefix="enc:", encryption_key=b"x" * 32)
    r = redis.asyncio.Redis.from_url(redis_server.url)
    try:
        await sealed.set("k", stored("very-secret-token", time.time() + 60))
        raw = await r.get("enc:k")
        assert raw is not None and b"very-secret-token" not in raw
        got = await sealed.get("k")
        assert got is not None and got.value == Secret("very-secret-token")
        assert await other.get("k") is None  # another key cannot read it
        assert await sealed.delete_if("k", Secret("very-secret-token"))
        with pytest.raises(ValueError, match="16, 24 or 32 bytes"):
            RedisTokenStore(r, encryption_key=b"short")
        assert "secret" not in repr(sealed)
    finally:
        await r.aclose()
        await sealed.aclose()
        await other.aclose()


@pytest.mark.parametrize("kind", ["redis", "memory"])
async def test_two_clients_fetch_one_token_and_share_its_replacement(
    store: RedisTokenStore, kind: str
) -> None:
    s: TokenStore = store if kind == "redis" else MemoryTokenStore()
    async with contextlib.AsyncExitStack() as stack:
        sandbox = await stack.enter_async_context(Sandbox())
        clients = [
            await stack.enter_async_context(PivotClient(
                sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, token_store=s))
            for _ in range(2)
        ]
        await asyncio.gather(*(c.payment_method_configs.retrieve()
                               for c in clients for _ in range(20)))
        assert sandbox.request_count("POST", TOKEN_PATH) == 1
        http = await stack.enter_async_context(aiohttp.ClientSession())
        await http.post(sandbox.url + "/_sandbox/tokens/revoke")
        # Both see a 401: one compare-and-delete, one new token for both.
        await asyncio.gather(*(c.payment_method_configs.retrieve() for c in clients))
        await clients[0].payment_method_configs.retrieve()
        assert sandbox.request_count("POST", TOKEN_PATH) == 2


async def test_calls_keep_working_when_redis_stops_with_one_warning(
    disposable_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    s = RedisTokenStore.from_url(disposable_redis.url, prefix="down:")
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, token_store=s
    ) as client:
        await client.payment_method_configs.retrieve()
        token = client._tokens.peek()
        assert token is not None
        disposable_redis.stop()
        caplog.set_level(logging.WARNING, logger="pivot_async")
        async with aiohttp.ClientSession() as http:
            for _ in range(3):  # three refreshes during the outage
                await http.post(sandbox.url + "/_sandbox/tokens/revoke")
                await asyncio.gather(*(client.payment_method_configs.retrieve()
                                       for _ in range(10)))
        assert sandbox.request_count("POST", TOKEN_PATH) == 4
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert "token store unreachable" in warnings[0].getMessage()
        for r in caplog.records:
            assert token not in r.getMessage()
    await s.aclose()


async def test_two_clients_share_the_snap_b2b_token(store: RedisTokenStore) -> None:
    async with contextlib.AsyncExitStack() as stack:
        sandbox = await stack.enter_async_context(Sandbox())
        creds = sandbox.wallet.default_merchant.client_credentials()
        clients = [
            await stack.enter_async_context(PivotClient(
                sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, wallet=creds,
                token_store=store))
            for _ in range(2)
        ]
        caches = [c.wallet.tokens.b2b for c in clients]
        first = await asyncio.gather(*(c.get() for c in caches for _ in range(10)))
        assert len(set(first)) == 1
        assert sandbox.context.requests.handled("POST", SNAP_B2B, 200) == 1
        # A 401 on the B2B token in one client: one new token, which the other adopts.
        assert caches[1].invalidate(first[0])
        caches[0]._cached = None  # the other process's local copy has run out
        second = [await caches[1].get(), await caches[0].get()]
        assert second[0] == second[1] != first[0]
        assert sandbox.context.requests.handled("POST", SNAP_B2B, 200) == 2
        # Payments and SNAP tokens of the same client are separate credentials in the store.
        assert caches[0].key != clients[0]._tokens.key


async def test_sharing_resumes_when_redis_is_back_and_each_outage_warns_once(
    disposable_redis: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pivot_async")
    s = RedisTokenStore.from_url(disposable_redis.url, prefix="back:", retry_after=0)
    server = disposable_redis
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(s.aclose)
        sandbox = await stack.enter_async_context(Sandbox())
        client = await stack.enter_async_context(PivotClient(
            sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, token_store=s))
        http = await stack.enter_async_context(aiohttp.ClientSession())

        async def refresh() -> None:
            await http.post(sandbox.url + "/_sandbox/tokens/revoke")
            await client.payment_method_configs.retrieve()

        for _ in range(2):  # two outages, each followed by the server coming back
            server.stop()
            await refresh()
            await refresh()
            server = RedisServer(tmp_path / "again", port=server.port)
            stack.callback(server.stop)
            await refresh()  # stored in Redis again
            got = await s.get(client._tokens.key)
            assert got is not None and got.value.get() == client._tokens.peek()
        messages = [(r.levelno, r.getMessage()) for r in caplog.records]
        warnings = [m for lvl, m in messages if lvl == logging.WARNING]
        assert len(warnings) == 2, messages
        assert sum("reachable again" in m for _, m in messages) == 2, messages


class BrokenStore(MemoryTokenStore):
    """A user's own store whose server is down: every operation raises its own error."""

    async def get(self, key: str) -> StoredToken | None:
        raise RuntimeError("user store down")


async def test_a_failing_custom_store_falls_back_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fetched = iter(["tok-1", "tok-2"])

    async def fetch() -> FetchedToken:
        return FetchedToken(Secret(next(fetched)), 900)

    cache = TokenCache(fetch, store=BrokenStore(), key="k")
    with caplog.at_level(logging.WARNING, logger="pivot_async"):
        assert (await cache.get()).get() == "tok-1"
        assert cache.invalidate("tok-1")
        assert (await cache.get()).get() == "tok-2"
    assert [r.getMessage() for r in caplog.records] == [
        "token store unavailable (RuntimeError): this process uses its own token until it is "
        "back"
    ]
