"""Wallet customers' (B2B2C) tokens in the shared store: only through a store that seals them."""

from __future__ import annotations

import asyncio
import contextlib
import os

import aiohttp
import pytest
import redis.asyncio

from pivot_async import PivotClient, WalletCustomer
from pivot_async.redis_store import RedisTokenStore
from pivot_async.sandbox import Sandbox

from ._server import RedisServer

B2B2C = "/snap/v1.0/access-token/b2b2c"


async def bind(client: PivotClient, sandbox: Sandbox, phone: str = "081800008888") -> str:
    created = await client.wallet.create_account({
        "partnerReferenceNo": f"USER{phone}",
        "merchantId": sandbox.wallet.default_merchant.merchant_id,
        "name": "Budi",
        "phoneNo": phone,
        "redirectUrl": "https://merchant.example/bound",
    })
    url = f"{sandbox.url}/_sandbox/wallet/bind/{created.reference_no}"
    async with aiohttp.ClientSession() as http, http.post(url) as resp:
        return str((await resp.json())["bindingId"])


@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "clear"])
async def test_customer_tokens_are_shared_only_through_a_sealing_store(
    redis_server: RedisServer, sealed: bool
) -> None:

    prefix = f"cust-{sealed}:"
    store = RedisTokenStore.from_url(redis_server.url, prefix=prefix,
                                     encryption_key=os.urandom(32) if sealed else None)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(store.aclose)
        sandbox = await stack.enter_async_context(Sandbox())
        creds = sandbox.wallet.default_merchant.client_credentials()
        clients = [
            await stack.enter_async_context(PivotClient(
                sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, wallet=creds,
                token_store=store))
            for _ in range(2)
        ]
        binding_id = await bind(clients[0], sandbox)
        customers: list[WalletCustomer] = [c.wallet.customer(binding_id) for c in clients]
        first = await asyncio.gather(*(c.access_token() for c in customers for _ in range(10)))
        if not sealed:  # refresh tokens are customer secrets: never stored in clear
            assert len(set(first)) == 2
            assert sandbox.context.requests.handled("POST", B2B2C, 200) == 2
            r = redis.asyncio.Redis.from_url(redis_server.url)
            stack.push_async_callback(r.aclose)
            assert [k async for k in r.scan_iter(prefix + "snap-b2b2c:*")] == []
            return
        assert len(set(first)) == 1
        assert sandbox.context.requests.handled("POST", B2B2C, 200) == 1
        # A 401 on the customer's token in one process: one renewal, which the other adopts.
        assert customers[1].invalidate(first[0])
        renewed = await customers[1].access_token()
        shared = customers[0]._shared
        assert shared is not None
        shared._cached = None  # the other process's local copy has run out
        assert await customers[0].access_token() == renewed != first[0]
        assert sandbox.context.requests.handled("POST", B2B2C, 200) == 2
        # Nothing readable in the store: neither the access token nor the refresh token.
        state = customers[1]._state
        assert state is not None and state.refresh_token is not None
        secrets = [renewed.encode(), state.refresh_token.get().encode()]
        r = redis.asyncio.Redis.from_url(redis_server.url)
        stack.push_async_callback(r.aclose)
        keys = [k async for k in r.scan_iter(prefix + "snap-b2b2c:*")]
        assert len(keys) == 2  # the access token and the refresh token
        for k in keys:
            raw = await r.get(k)
            assert raw is not None and not any(s in raw for s in secrets)
