"""The middleware chain against the embedded sandbox: tokens, replay, retries, timeouts."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from pivot_async import (
    AuthenticationError,
    ClientClosedError,
    IdempotencyError,
    PivotClient,
    PivotConnectionError,
    PivotTimeoutError,
    RequestValidationError,
    ResponseValidationError,
    ServerError,
    Timeout,
)
from pivot_async.sandbox import Fault, Sandbox

from .conftest import RecordingSleep, va_request

TOKEN = "/v1/access-token"


async def test_one_token_request_for_1000_concurrent_calls(
    sandbox: Sandbox, client: PivotClient
) -> None:
    results = await asyncio.gather(
        *(client.payment_method_configs.retrieve() for _ in range(1000))
    )
    assert len(results) == 1000
    assert sandbox.request_count("POST", TOKEN) == 1
    assert sandbox.request_count("GET", "/v2/payment-method-configs") == 1000


async def test_revoked_token_is_invalidated_and_call_replayed_once(
    sandbox: Sandbox, client: PivotClient
) -> None:
    await client.payment_method_configs.retrieve()
    sandbox.revoke_tokens()
    session = await client.payments.create(va_request("replay1"))
    assert session.client_reference_id == "replay1"
    assert sandbox.request_count("POST", TOKEN) == 2
    creates = sandbox.requests_to("POST", "/v2/payments")
    assert [r.status for r in creates] == [401, 200]
    # the replay reuses the X-REQUEST-ID of the logical call
    assert len({r.request_id for r in creates}) == 1
    assert len(sandbox.state.sessions_by_reference("replay1")) == 1


async def test_expired_token_on_the_sandbox_clock_is_refreshed(
    sandbox: Sandbox, client: PivotClient
) -> None:
    await client.payment_method_configs.retrieve()
    sandbox.advance(901)  # the sandbox's token died; the client's monotonic cache did not
    await client.payment_method_configs.retrieve()
    assert sandbox.request_count("POST", TOKEN) == 2


async def test_bad_credentials_raise_authentication_error(sandbox: Sandbox) -> None:
    async with PivotClient(sandbox.client_id, "wrong-secret", base_url=sandbox.url) as c:
        with pytest.raises(AuthenticationError) as info:
            await c.payment_method_configs.retrieve()
    assert info.value.status == 401
    assert "wrong-secret" not in str(info.value)


async def test_5xx_retried_with_the_same_request_id(
    sandbox: Sandbox, client: PivotClient, sleeps: RecordingSleep
) -> None:
    sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=2))
    session = await client.payments.create(va_request("retry1"))
    creates = sandbox.requests_to("POST", "/v2/payments")
    assert [r.status for r in creates] == [503, 503, 200]
    ids = {r.request_id for r in creates}
    assert len(ids) == 1
    (request_id,) = ids
    assert request_id is not None and len(request_id) == 32 and request_id.isalnum()
    assert len(sleeps.delays) == 2
    assert sleeps.delays[1] >= sleeps.delays[0] / 2  # exponential backoff with jitter
    assert [s.id for s in sandbox.state.sessions_by_reference("retry1")] == [session.id]


async def test_each_logical_call_gets_its_own_request_id(
    sandbox: Sandbox, client: PivotClient
) -> None:
    await client.payments.create(va_request("k1"))
    await client.payments.create(va_request("k2"))
    ids = sandbox.request_ids("POST", "/v2/payments")
    assert len(ids) == 2
    assert all(n == 1 for n in ids.values())


async def test_retry_after_is_honoured(
    sandbox: Sandbox, client: PivotClient, sleeps: RecordingSleep
) -> None:
    sandbox.faults.add(
        Fault(kind="status", status=429, retry_after=3, route="GET /v2/payment-method-configs",
              times=1)
    )
    await client.payment_method_configs.retrieve()
    assert sleeps.delays == [3.0]


async def test_retry_after_is_capped(sandbox: Sandbox, sleeps: RecordingSleep) -> None:
    sandbox.faults.add(
        Fault(kind="status", status=503, retry_after=3600, route="GET /v2/payment-method-configs",
              times=1)
    )
    async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                           sleep=sleeps) as c:
        await c.payment_method_configs.retrieve()
    assert sleeps.delays == [c.retry_policy.max_retry_after]


async def test_retries_are_bounded(
    sandbox: Sandbox, client: PivotClient, sleeps: RecordingSleep
) -> None:
    sandbox.faults.add(Fault(kind="status", status=502, route="POST /v2/payments", times=10))
    with pytest.raises(ServerError) as info:
        await client.payments.create(va_request("bounded1"))
    assert info.value.status == 502
    assert info.value.request_id is not None
    assert sandbox.request_count("POST", "/v2/payments") == 3  # 1 + max_retries (2)
    assert len(sleeps.delays) == 2
    assert sandbox.state.sessions_by_reference("bounded1") == []


async def test_per_call_max_retries(sandbox: Sandbox, client: PivotClient) -> None:
    sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=10))
    with pytest.raises(ServerError):
        await client.payments.create(va_request("zero1"), max_retries=0)
    assert sandbox.request_count("POST", "/v2/payments") == 1


async def test_post_without_request_id_is_not_retried(
    sandbox: Sandbox, client: PivotClient
) -> None:
    session = await client.payments.create(va_request("sim1"))
    sandbox.faults.add(
        Fault(kind="status", status=503, route="POST /v2/payments/simulations", times=1)
    )
    with pytest.raises(ServerError):
        await client.simulations.create({"paymentSessionId": session.id, "chargeStatus": "SUCCESS"})
    assert sandbox.request_count("POST", "/v2/payments/simulations") == 1


async def test_processed_but_response_lost_creates_exactly_one_session(
    sandbox: Sandbox, client: PivotClient
) -> None:
    sandbox.faults.add(Fault(kind="drop", route="POST /v2/payments", times=1))
    session = await client.payments.create(va_request("lost1"))
    found = sandbox.state.sessions_by_reference("lost1")
    assert [s.id for s in found] == [session.id]
    creates = sandbox.requests_to("POST", "/v2/payments")
    assert len(creates) == 2
    assert creates[0].request_id == creates[1].request_id


async def test_connection_reset_on_get_is_retried(sandbox: Sandbox, client: PivotClient) -> None:
    sandbox.faults.add(Fault(kind="reset", route="GET /v2/payment-method-configs", times=1))
    configs = await client.payment_method_configs.retrieve()
    assert configs is not None
    assert sandbox.request_count("GET", "/v2/payment-method-configs") == 2


async def test_slow_attempts_time_out_and_are_retried(sandbox: Sandbox) -> None:
    sleeps = RecordingSleep()
    sandbox.faults.add(Fault(kind="latency", delay=0.5, route="GET /v2/payments/{id}"))
    async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                           timeout=Timeout(total=10, connect=1, read=0.05), sleep=sleeps) as c:
        await c.payment_method_configs.retrieve()  # warm the token outside the fault
        with pytest.raises(PivotTimeoutError) as info:
            await c.payments.retrieve("0190f1d2-0000-7000-8000-000000000000")
        assert isinstance(info.value.__cause__, asyncio.TimeoutError)
        # a GET with a slow server: 1 attempt + 2 retries
        assert len(sleeps.delays) == 2


async def test_malformed_json_is_a_typed_error(sandbox: Sandbox, client: PivotClient) -> None:
    sandbox.faults.add(Fault(kind="malformed", route="GET /v2/payment-method-configs", times=1))
    with pytest.raises(ResponseValidationError):
        await client.payment_method_configs.retrieve()


async def test_idempotency_key_override_and_conflict(
    sandbox: Sandbox, client: PivotClient
) -> None:
    key = "MyOwnKey0000000000001"
    first = await client.payments.create(va_request("own1"), idempotency_key=key)
    again = await client.payments.create(va_request("own1"), idempotency_key=key)
    assert again.id == first.id  # replayed
    assert set(sandbox.request_ids("POST", "/v2/payments")) == {key}
    with pytest.raises(IdempotencyError) as info:
        await client.payments.create(va_request("own1", value=60000), idempotency_key=key)
    assert info.value.status == 409
    assert info.value.code == "idempotency_error"
    assert sandbox.request_count("POST", "/v2/payments") == 3  # never retried


@pytest.mark.parametrize("key", ["short", "x" * 37, "has-dash-0000000000", "ü" * 20])
async def test_bad_idempotency_key_rejected_before_io(
    sandbox: Sandbox, client: PivotClient, key: str
) -> None:
    with pytest.raises(RequestValidationError) as info:
        await client.payments.create(va_request("bad1"), idempotency_key=key)
    assert info.value.field == "idempotency_key"
    assert sandbox.request_count() == 0


async def test_validation_happens_before_any_io(sandbox: Sandbox, client: PivotClient) -> None:
    bad = va_request("has space")
    with pytest.raises(RequestValidationError) as info:
        await client.payments.create(bad)
    assert info.value.field == "clientReferenceId"
    assert sandbox.request_count() == 0


async def test_float_money_is_refused(sandbox: Sandbox, client: PivotClient) -> None:
    bad = va_request("float1")
    bad["amount"] = {"value": 50000.0, "currency": "IDR"}  # type: ignore[typeddict-item]
    with pytest.raises(RequestValidationError) as info:
        await client.payments.create(bad)
    assert info.value.field == "amount.value"
    with pytest.raises(RequestValidationError) as info2:
        await client.refunds.create({  # type: ignore[arg-type]
            "clientReferenceId": "r1", "paymentSessionId": "x", "reason": "OTHERS",
            "amount": {"value": 100.5, "currency": "IDR"},
        })
    assert info2.value.field == "amount.value"
    assert sandbox.request_count() == 0


async def test_connection_refused_is_a_typed_error(sleeps: RecordingSleep) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with PivotClient("id", "secret", base_url=f"http://127.0.0.1:{port}",
                           sleep=sleeps) as c:
        with pytest.raises(PivotConnectionError) as info:
            await c.payments.retrieve("abc")
    assert isinstance(info.value.__cause__, aiohttp.ClientError)
    assert len(sleeps.delays) == 2  # connect failures are retried: nothing was sent


async def test_closed_client_raises_clear_error(sandbox: Sandbox) -> None:
    c = PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url)
    await c.aclose()
    with pytest.raises(ClientClosedError, match="closed"):
        await c.payments.retrieve("abc")
    await c.aclose()  # idempotent


async def test_caller_session_is_never_closed(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               session=http) as c:
            await c.payment_method_configs.retrieve()
        assert not http.closed
        async with http.get(sandbox.url + "/v2/payment-method-configs") as resp:
            assert resp.status == 401  # the caller's own session carries no credentials


async def test_lazy_session_without_context_manager(sandbox: Sandbox) -> None:
    c = PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url)
    try:
        await c.payment_method_configs.retrieve()
        assert not c.closed
    finally:
        await c.aclose()
    assert c.closed


async def test_credentials_only_sent_to_the_configured_origin(
    sandbox: Sandbox, client: PivotClient
) -> None:
    from aiohttp import web

    seen: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"code": "00"})

    app = web.Application()
    app.router.add_get("/elsewhere", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        session = client._get_session()
        async with session.get(
            f"http://127.0.0.1:{port}/elsewhere",
            headers={"Authorization": "Bearer leaked", "X-SIGNATURE": "sig"},
            middlewares=client._payments.chain,
        ) as resp:
            assert resp.status == 200
    finally:
        await runner.cleanup()
    assert len(seen) == 1
    lowered = {k.lower() for k in seen[0]}
    assert "authorization" not in lowered
    assert "x-signature" not in lowered
    assert sandbox.request_count("POST", TOKEN) == 0
