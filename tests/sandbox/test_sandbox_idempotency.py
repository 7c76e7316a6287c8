"""X-REQUEST-ID idempotency: replay, conflict, failures, retention, concurrency.

See docs/reference/wire.md#idempotency.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from aiohttp import web

from pivot_async.sandbox import ManualClock, Sandbox
from pivot_async.sandbox._errors import SandboxError
from pivot_async.sandbox._idempotency import IdempotencyStore
from tests.sandbox.helpers import Api, encrypt_card, request_id, session_body


async def test_same_key_same_payload_replays(api: Api, sandbox: Sandbox) -> None:
    rid, body = request_id(), session_body("va")
    first = await api.post("/v2/payments", body, request_id=rid)
    second = await api.post("/v2/payments", body, request_id=rid)
    assert first == second
    assert first[0] == 200
    assert len(sandbox.state.sessions) == 1
    records = sandbox.requests_to("POST", "/v2/payments")
    assert [r.replayed for r in records] == [False, True]
    assert sandbox.request_ids()[rid] == 2


async def test_replay_ignores_key_order_but_not_values(api: Api) -> None:
    rid, body = request_id(), session_body("va")
    await api.post("/v2/payments", body, request_id=rid)
    reordered = dict(reversed(list(body.items())))
    assert (await api.post("/v2/payments", reordered, request_id=rid))[0] == 200
    changed = {**body, "amount": {"value": 60000, "currency": "IDR"}}
    status, answer = await api.post("/v2/payments", changed, request_id=rid)
    assert status == 409
    assert answer["code"] == "idempotency_error"
    assert answer["error"]["type"] == "API_ERROR"


async def test_same_key_on_another_endpoint_conflicts(api: Api) -> None:
    rid = request_id()
    created = await api.post("/v2/payments", session_body("card_api"), request_id=rid)
    sid = created[1]["data"]["id"]
    status, answer = await api.post(f"/v2/payments/{sid}/cancel", {}, request_id=rid)
    assert status == 409
    assert answer["code"] == "idempotency_error"


async def test_failures_do_not_consume_the_key(api: Api, sandbox: Sandbox) -> None:
    rid = request_id()
    bad = session_body("va", clientReferenceId="bad-ref")
    assert (await api.post("/v2/payments", bad, request_id=rid))[0] == 400
    assert (await api.post("/v2/payments", session_body("va"), request_id=rid))[0] == 200


async def test_keys_expire_after_24_hours(api: Api, clock: ManualClock, sandbox: Sandbox) -> None:
    rid, body = request_id(), session_body("va")
    await api.post("/v2/payments", body, request_id=rid)
    clock.advance(86399)
    await api.post("/v2/payments", body, request_id=rid)
    assert len(sandbox.state.sessions) == 1
    clock.advance(1)
    await api.post("/v2/payments", body, request_id=rid)
    assert len(sandbox.state.sessions) == 2


async def test_keys_are_per_merchant(api: Api, sandbox: Sandbox) -> None:
    sandbox.state.merchants.register("m-two", "s-two")
    other = Api(sandbox, api.http)
    other.client_id, other.client_secret = "m-two", "s-two"
    rid, body = request_id(), session_body("va")
    one = await api.post("/v2/payments", body, request_id=rid)
    two = await other.post("/v2/payments", body, request_id=rid)
    assert one[1]["data"]["id"] != two[1]["data"]["id"]


async def test_concurrent_duplicates_create_one_session(api: Api, sandbox: Sandbox) -> None:
    rid, body = request_id(), session_body("va")
    results = await asyncio.gather(
        *(api.post("/v2/payments", body, request_id=rid) for _ in range(5))
    )
    assert all(r == results[0] for r in results)
    assert len(sandbox.state.sessions) == 1


async def test_confirm_is_idempotent_under_concurrency(api: Api, sandbox: Sandbox) -> None:
    session = await api.create("card_api")
    body = {
        "paymentMethod": {
            "type": "CARD",
            "card": {"encryptedCard": encrypt_card(session["encryptionKey"], "4440000112200001")},
        }
    }
    rid = request_id()
    results = await asyncio.gather(
        *(api.post(f"/v2/payments/{session['id']}/confirm", body, request_id=rid) for _ in range(3))
    )
    assert [r[0] for r in results] == [200, 200, 200]
    assert all(r == results[0] for r in results)
    assert len(sandbox.state.sessions[session["id"]].charges) == 1


async def test_cancel_capture_and_refund_honour_the_key(api: Api, sandbox: Sandbox) -> None:
    session = await api.create("card_api")
    rid = request_id()
    first = await api.post(f"/v2/payments/{session['id']}/cancel", {}, request_id=rid)
    assert await api.post(f"/v2/payments/{session['id']}/cancel", {}, request_id=rid) == first
    paid = await api.create("va")
    sandbox.simulate(paid["id"])
    rid = request_id()
    refund = {
        "clientReferenceId": "r1",
        "paymentSessionId": paid["id"],
        "isFullAmount": False,
        "amount": {"value": "1000", "currency": "IDR"},
        "reason": "OTHERS",
    }
    one = await api.post("/v1/refunds", refund, request_id=rid)
    assert await api.post("/v1/refunds", refund, request_id=rid) == one
    assert len(sandbox.state.refunds) == 1


async def test_store_waits_for_an_inflight_duplicate() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    store = IdempotencyStore(86400, lambda: now)
    gate = asyncio.Event()
    calls = 0

    async def slow() -> web.Response:
        nonlocal calls
        calls += 1
        await gate.wait()
        return web.Response(body=b'{"n":1}', content_type="application/json")

    fp = store.fingerprint("POST", "/x", {})
    first = asyncio.create_task(store.run("m", "k" * 16, fp, slow))
    await asyncio.sleep(0)
    second = asyncio.create_task(store.run("m", "k" * 16, fp, slow))
    await asyncio.sleep(0)
    assert not second.done()
    gate.set()
    (_r1, replay1), (r2, replay2) = await first, await second
    assert (replay1, replay2) == (False, True)
    assert r2.body == b'{"n":1}'
    assert calls == 1


async def test_store_lets_a_waiter_run_after_a_failure() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    store = IdempotencyStore(86400, lambda: now)
    gate = asyncio.Event()
    outcomes = [SandboxError(503, "service_unavailable", "down"), None]

    async def flaky() -> web.Response:
        await gate.wait()
        error = outcomes.pop(0)
        if error is not None:
            raise error
        return web.Response(body=b"{}", content_type="application/json")

    fp = store.fingerprint("POST", "/x", {})
    first = asyncio.create_task(store.run("m", "key", fp, flaky))
    await asyncio.sleep(0)
    second = asyncio.create_task(store.run("m", "key", fp, flaky))
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], SandboxError)
    assert isinstance(results[1], tuple)
    assert results[1][1] is False
