"""Callback delivery: headers, body, retries on the scaled schedule, inspection.

See docs/reference/wire.md#callbacks.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from pivot_async.sandbox import ManualClock, Sandbox
from tests.sandbox.helpers import Api


class Receiver:
    """A merchant callback endpoint on 127.0.0.1 answering with scripted statuses."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), json.loads(await request.read())))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/callbacks", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/callbacks"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.close()


@pytest.fixture
async def hooked(receiver: Receiver) -> AsyncIterator[tuple[Sandbox, Api]]:
    async with (
        Sandbox(
            clock=ManualClock(),
            callback_url=receiver.url,
            callback_key="cb-key",
            callback_delay_scale=0.00001,
        ) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        yield sandbox, Api(sandbox, http)


async def test_delivery(hooked: tuple[Sandbox, Api], receiver: Receiver) -> None:
    sandbox, api = hooked
    data = await api.create("va")
    sandbox.simulate(data["id"])
    await sandbox.callbacks.wait_idle()
    headers, body = receiver.received[0]
    assert headers["X-API-Key"] == "cb-key"
    assert headers["Content-Type"] == "application/json"
    assert body["event"] == "PAYMENT.PAID"
    assert body["data"]["id"] == data["id"]
    assert body["data"]["status"] == "PAID"
    assert body["data"]["chargeDetails"][0]["status"] == "SUCCESS"
    delivery = sandbox.callbacks.deliveries[0]
    assert delivery.state == "delivered"
    assert [a.status for a in delivery.attempts] == [200]
    assert sandbox.callbacks.key == "cb-key"


@pytest.mark.parametrize("first", [500, 502, 503, 408, 429])
async def test_retry_then_success(
    hooked: tuple[Sandbox, Api], receiver: Receiver, first: int
) -> None:
    sandbox, api = hooked
    receiver.statuses = [first, first]
    data = await api.create("card_api")
    await api.post(f"/v2/payments/{data['id']}/cancel")
    await sandbox.callbacks.wait_idle()
    delivery = sandbox.callbacks.deliveries[0]
    assert [a.status for a in delivery.attempts] == [first, first, 200]
    assert delivery.state == "delivered"
    assert [b["event"] for _, b in receiver.received] == ["PAYMENT.CANCELLED"] * 3


async def test_no_retry_on_other_4xx(hooked: tuple[Sandbox, Api], receiver: Receiver) -> None:
    sandbox, api = hooked
    receiver.statuses = [401]
    data = await api.create("card_api")
    await api.post(f"/v2/payments/{data['id']}/cancel")
    await sandbox.callbacks.wait_idle()
    assert sandbox.callbacks.deliveries[0].state == "rejected"
    assert len(receiver.received) == 1


async def test_schedule_exhausted_then_manual_retry(
    hooked: tuple[Sandbox, Api], receiver: Receiver
) -> None:
    sandbox, api = hooked
    receiver.statuses = [503] * 7
    data = await api.create("card_api")
    await api.post(f"/v2/payments/{data['id']}/cancel")
    await sandbox.callbacks.wait_idle()
    delivery = sandbox.callbacks.deliveries[0]
    assert len(delivery.attempts) == 7
    assert delivery.state == "failed"
    status, body = await api.control(f"/_sandbox/callbacks/{delivery.id}/retry")
    assert status == 200
    await sandbox.callbacks.wait_idle()
    assert delivery.state == "delivered"
    assert len(delivery.attempts) == 8
    status, body = await api.call("GET", "/_sandbox/callbacks", auth=False)
    assert body["data"]["deliveries"][0]["state"] == "delivered"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_connection_errors_are_retried() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/cb"
    async with Sandbox(
        clock=ManualClock(), callback_url=url, callback_delay_scale=0.000001
    ) as sandbox:
        sandbox.callbacks.send("PAYMENT.PAID", {"id": "x"})
        await sandbox.callbacks.wait_idle()
        delivery = sandbox.callbacks.deliveries[0]
        assert delivery.state == "failed"
        assert len(delivery.attempts) == 7
        assert all(a.status is None and a.error for a in delivery.attempts)


async def test_close_cancels_pending_retries(receiver: Receiver) -> None:
    receiver.statuses = [500]
    sandbox = Sandbox(clock=ManualClock(), callback_url=receiver.url, callback_delay_scale=1.0)
    await sandbox.start()
    sandbox.callbacks.send("PAYMENT.PAID", {"id": "x"})
    for _ in range(500):  # wait (bounded) until the first attempt failed and a retry is due
        if sandbox.callbacks.deliveries[0].attempts:
            break
        await asyncio.sleep(0.01)
    assert [a.status for a in sandbox.callbacks.deliveries[0].attempts] == [500]
    await sandbox.close()  # a retry 5 minutes away must not keep anything alive
    pending = [t for t in asyncio.all_tasks() if t.get_name().startswith("pivot-sandbox")]
    assert pending == []
    assert sandbox.callbacks.deliveries[0].state == "pending"


async def test_events_in_order_and_per_merchant_url(
    hooked: tuple[Sandbox, Api], receiver: Receiver
) -> None:
    sandbox, api = hooked
    other = Receiver()
    await other.start()
    try:
        sandbox.state.merchants.register(
            "m-cb", "s-cb", callback_url=other.url, callback_key="other-key"
        )
        api2 = Api(sandbox, api.http)
        api2.client_id, api2.client_secret = "m-cb", "s-cb"
        data = await api2.create("va")
        sandbox.simulate(data["id"])
        mine = await api.create("va_static")
        sandbox.simulate(mine["id"], amount=10000)
        sandbox.simulate(mine["id"], amount=20000)
        await sandbox.callbacks.wait_idle()
        assert [b["event"] for _, b in other.received] == ["PAYMENT.PAID"]
        assert other.received[0][0]["X-API-Key"] == "other-key"
        amounts = [b["data"]["chargeDetails"][-1]["amount"]["value"] for _, b in receiver.received]
        assert amounts == [10000, 20000]
    finally:
        await other.close()


async def test_callback_url_control_route(receiver: Receiver) -> None:
    async with Sandbox(clock=ManualClock()) as sandbox, aiohttp.ClientSession() as http:
        api = Api(sandbox, http)
        sandbox.callbacks.send("PAYMENT.PAID", {"id": "before"})
        assert sandbox.callbacks.deliveries == []
        assert len(sandbox.events) == 1
        status, _ = await api.control("/_sandbox/callbacks/url", {"url": receiver.url, "key": "k2"})
        assert status == 200
        assert sandbox.callbacks.url == receiver.url
        sandbox.callbacks.send("PAYMENT.PAID", {"id": "after"})
        await sandbox.callbacks.wait_idle()
        assert receiver.received[0][0]["X-API-Key"] == "k2"
