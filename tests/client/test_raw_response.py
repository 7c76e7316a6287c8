"""``client.with_raw_response``: a successful call's status, headers, request id and trace id,
against the sandbox on 127.0.0.1 (and a tiny gateway that sends a trace id header)."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from aiohttp import web

from pivot_async import APIError, PivotClient, RawResponse
from pivot_async._raw import capture_var
from pivot_async._raw_resources import WithRawResponse
from pivot_async.models import BalanceInquiryResponse, PaymentSession
from pivot_async.resources._base import Resource
from pivot_async.sandbox import Fault, Sandbox
from tests.reliability.conftest import bind_customer, open_env, serve

from .conftest import va_request

WALLET_PREFIX = "/wallet-backend/snap/v1.0"

#: Public methods that send no request of their own, or are not awaitables.
NOT_MIRRORED = {("cards", "encrypt"), ("payments", "list"), ("refunds", "list"),
                ("wallet", "customer"), ("wallet", "tokens")}


async def test_create_gives_the_session_and_its_request_id(
    sandbox: Sandbox, client: PivotClient
) -> None:
    raw: RawResponse[PaymentSession] = await client.with_raw_response.payments.create(
        va_request("raw1001")
    )
    assert isinstance(raw.parsed, PaymentSession)
    assert raw.parsed.client_reference_id == "raw1001"
    assert raw.status == 200
    assert raw.headers["Content-Type"].startswith("application/json")
    # The X-REQUEST-ID the gateway saw is the one reported.
    assert list(sandbox.request_ids("POST", "/v2/payments")) == [raw.request_id]
    assert raw.request_id is not None and len(raw.request_id) == 32
    assert raw.trace_id is None  # the sandbox sends none on success
    # The plain call and the raw one read the same object.
    again = await client.payments.retrieve(raw.parsed.id)
    assert again.id == raw.parsed.id


async def test_the_request_id_is_the_callers_key_and_survives_retries(
    sandbox: Sandbox, client: PivotClient
) -> None:
    sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=2))
    raw = await client.with_raw_response.payments.create(
        va_request("raw1002"), idempotency_key="rawkey0000000000000002"
    )
    assert raw.request_id == "rawkey0000000000000002"
    assert sandbox.request_ids("POST", "/v2/payments") == {"rawkey0000000000000002": 3}
    assert raw.status == 200


async def test_a_get_has_no_request_id(sandbox: Sandbox, client: PivotClient) -> None:
    created = await client.payments.create(va_request("raw1003"))
    raw = await client.with_raw_response.payments.retrieve(created.id)
    assert raw.parsed.id == created.id
    assert raw.request_id is None and raw.status == 200


async def test_a_wallet_call_reports_the_external_id_of_the_answered_attempt() -> None:
    async with open_env() as env:
        customer = await bind_customer(env)
        env.sandbox.faults.add(kind="status", status=500, times=1,
                               route="POST /wallet-backend/snap/v1.0/balance-inquiry")
        env.clock.advance(1)
        raw: RawResponse[BalanceInquiryResponse] = (
            await env.client.with_raw_response.wallet.balance(customer)
        )
        seen = [r.headers.get("X-EXTERNAL-ID")
                for r in env.sandbox.requests_to("POST", f"{WALLET_PREFIX}/balance-inquiry")]
    assert raw.parsed.account_infos
    assert raw.status == 200
    assert len(seen) == 2 and seen[0] != seen[1]
    assert raw.request_id == seen[1]  # the attempt that was answered, not the failed one


async def test_an_error_is_raised_as_usual_and_nothing_stays_captured(
    client: PivotClient,
) -> None:
    with pytest.raises(APIError) as err:
        await client.with_raw_response.payments.retrieve("no-such-session")
    assert err.value.status == 404
    assert capture_var.get() is None
    plain = await client.payments.create(va_request("raw1004"))
    assert plain.client_reference_id == "raw1004"
    assert capture_var.get() is None


async def test_concurrent_raw_calls_each_get_their_own_answer(
    sandbox: Sandbox, client: PivotClient
) -> None:
    raws = await asyncio.gather(*(
        client.with_raw_response.payments.create(va_request(f"raw20{i:02}")) for i in range(8)
    ))
    ids = [r.request_id for r in raws]
    assert len(set(ids)) == 8
    for raw in raws:
        records = [r for r in sandbox.requests_to("POST", "/v2/payments")
                   if r.request_id == raw.request_id]
        assert len(records) == 1
    assert {r.parsed.client_reference_id for r in raws} == {f"raw20{i:02}" for i in range(8)}


async def test_the_trace_id_comes_from_the_answer() -> None:
    """A gateway that sends X-TRACE-ID on success: the raw response carries it."""

    async def token(request: web.Request) -> web.Response:
        return web.json_response({"code": "00", "message": "Success", "data": {
            "accessToken": "payments-token-0123456789", "expiresIn": "900"}})

    async def session(request: web.Request) -> web.Response:
        return web.json_response(
            {"code": "00", "message": "Success", "data": {"id": "s1", "status": "PAID"}},
            headers={"X-TRACE-ID": "5f1c0ffee5f1c0ffee"},
        )

    app = web.Application()
    app.router.add_post("/v1/access-token", token)
    app.router.add_get("/v2/payments/s1", session)
    async with serve(app) as url, PivotClient("id", "secret", base_url=url) as client:
        raw = await client.with_raw_response.payments.retrieve("s1")
    assert raw.trace_id == "5f1c0ffee5f1c0ffee"
    assert raw.parsed.status == "PAID"


def _public_methods(resource: Resource) -> set[str]:
    return {name for name, _ in inspect.getmembers(type(resource)) if not name.startswith("_")}


async def test_every_request_method_is_mirrored_with_its_signature(client: PivotClient) -> None:
    raw = client.with_raw_response
    assert isinstance(raw, WithRawResponse)
    assert client.with_raw_response is raw  # built once
    mirrored = 0
    for attr, resource in vars(client).items():
        if not isinstance(resource, Resource):
            continue
        for name in sorted(_public_methods(resource)):
            if (attr, name) in NOT_MIRRORED:
                continue
            wrapper = getattr(getattr(raw, attr), name)
            plain = getattr(resource, name)
            assert inspect.iscoroutinefunction(plain), (attr, name)
            assert inspect.signature(wrapper) == inspect.signature(plain), (attr, name)
            mirrored += 1
    assert mirrored == 22
