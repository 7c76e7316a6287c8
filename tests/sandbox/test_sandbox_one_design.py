"""One request log (bounded) and one fault API for the payments and the wallet routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from pivot_async.sandbox import Fault, ManualClock, Sandbox, SandboxConfig
from tests.sandbox._wallet_testing import SnapTester
from tests.sandbox.helpers import Api

B2B = "/snap/v1.0/access-token/b2b"
DEBIT = "/wallet-backend/snap/v1.0/debit/payment-host-to-host"


@pytest.fixture
async def snap(sandbox: Sandbox, clock: ManualClock) -> AsyncIterator[SnapTester]:
    wallet = sandbox.wallet
    async with aiohttp.ClientSession() as session:
        yield SnapTester(session, sandbox.url, wallet.default_merchant, clock, wallet.config)


def test_the_request_log_keeps_10000_records_by_default() -> None:
    assert SandboxConfig().request_log_size == 10_000
    assert Sandbox(setup_hooks=()).context.requests.maxlen == 10_000


async def test_a_long_running_sandbox_keeps_a_bounded_log_and_exact_counts(
    clock: ManualClock,
) -> None:
    config = SandboxConfig(request_log_size=5)
    async with Sandbox(clock=clock, config=config) as sandbox, aiohttp.ClientSession() as http:
        for i in range(12):
            async with http.get(f"{sandbox.url}/v2/payments/x", headers={"X-REQUEST-ID": f"r{i}"}):
                pass
        assert len(sandbox.requests) == 5
        assert [r.request_id for r in sandbox.requests] == [f"r{i}" for i in range(7, 12)]
        assert sandbox.request_ids("GET", "/v2/payments/x") == {f"r{i}": 1 for i in range(7, 12)}
        assert sandbox.request_count("GET", "/v2/payments/x") == 12  # counts are not bounded
        assert sandbox.request_count() == 12
        async with http.get(f"{sandbox.url}/_sandbox/requests") as res:
            listed = (await res.json())["data"]
        assert [r["requestId"] for r in listed] == [f"r{i}" for i in range(7, 12)]
        sandbox.reset_requests()
        assert (sandbox.requests, sandbox.request_count()) == ([], 0)


async def test_wallet_requests_go_to_the_one_log(sandbox: Sandbox, snap: SnapTester) -> None:
    assert await snap.b2b_token()
    assert sandbox.request_count("POST", B2B) == 1
    assert [r.path for r in sandbox.requests] == [B2B]
    assert not hasattr(sandbox.wallet, "requests")  # no log of its own


async def test_a_wallet_route_takes_a_fault_exactly_like_a_payments_route(
    sandbox: Sandbox, snap: SnapTester
) -> None:
    fault = sandbox.faults.add(Fault(kind="status", status=503, route=f"POST {B2B}", times=1))
    res = await snap.token_request("b2b", {"grantType": "client_credentials"})
    # rendered for the protocol of the route: a SNAP responseCode, not the payments envelope
    assert (res.status, res.body) == (
        503,
        {"responseCode": "5037300", "responseMessage": "Service Unavailable"},
    )
    assert "Retry-After" not in res.headers
    assert sandbox.context.requests.handled("POST", B2B, 200) == 0
    assert await snap.b2b_token()
    assert (fault.hits, sandbox.context.requests.handled("POST", B2B, 200)) == (1, 1)
    assert [r.fault for r in sandbox.requests] == ["status", None]


async def test_wallet_drop_and_malformed_faults_through_the_registry(
    sandbox: Sandbox, snap: SnapTester
) -> None:
    cust = await snap.bind_customer()
    body = {
        "subMerchantId": "sub-1",
        "partnerReferenceNo": "one-api-1",
        "amount": {"value": "10000.00", "currency": "IDR"},
        "urlParams": [{"url": "https://merchant.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
        "additionalInfo": {},
    }
    sandbox.faults.add(kind="drop", route=f"POST {DEBIT}", times=1)
    with pytest.raises(aiohttp.ClientConnectionError):
        await snap.call("debit/payment-host-to-host", body, token=cust.b2b, customer=cust.access)
    assert sandbox.wallet.debit_count("one-api-1") == 1  # processed, then the answer was lost
    sandbox.faults.add(kind="malformed", route="/wallet-backend/snap/v1.0/*", times=1)
    async with snap.session.post(f"{sandbox.url}/wallet-backend/snap/v1.0/balance-inquiry") as res:
        assert res.status == 200
        with pytest.raises(ValueError):
            await res.json(content_type=None)


async def test_the_wallet_has_no_second_fault_api_or_counters(
    sandbox: Sandbox, snap: SnapTester
) -> None:
    gone = ("fail_next", "faults", "request_count", "token_request_count", "tokens_issued",
            "register_merchant", "create_merchant", "credentials", "merchant")
    assert [name for name in gone if hasattr(sandbox.wallet, name)] == []
    sandbox.faults.add(kind="status", status=429, route=f"POST {B2B}", times=1)
    sandbox.faults.add(kind="drop", route=f"POST {DEBIT}", times=1)
    assert [(f.kind, f.route, f.status, f.times) for f in sandbox.faults.faults] == [
        ("status", f"POST {B2B}", 429, 1),
        ("drop", f"POST {DEBIT}", 503, 1),
    ]
    res = await snap.token_request("b2b", {"grantType": "client_credentials"})
    assert (res.status, res.body["responseCode"]) == (429, "4297300")


def test_one_qris_builder_and_parser_serve_both_halves() -> None:
    """The payments ``qrContent`` is what the wallet's parser reads back (one QRIS module)."""
    from pivot_async.sandbox._channels import qris_content
    from pivot_async.sandbox._qris import crc16_ccitt, parse_qris

    content = qris_content(merchant_name="Pivot Sandbox", reference="ref-1", amount=15000)
    parsed = parse_qris(content)
    assert (parsed.merchant_name, parsed.amount, parsed.qris_type) == (
        "Pivot Sandbox",
        "15000",
        "ISSUING_DYNAMIC",
    )
    assert parsed.merchant_infos[0]["acquirerName"] == "CO"  # "ID.CO.PIVOTSANDBOX.WWW"
    assert content[-4:] == crc16_ccitt(content[:-4])
    static = parse_qris(qris_content(merchant_name="Shop", reference="r", amount=None))
    assert (static.amount, static.qris_type) == (None, "ISSUING_STATIC")


def test_the_default_hooks_mount_the_wallet() -> None:
    from pivot_async.sandbox._server import default_setup_hooks

    assert len(default_setup_hooks()) == 1
    assert Sandbox().wallet.default_merchant is not None


def test_one_error_type_rendered_per_protocol() -> None:
    import json

    from pivot_async.sandbox._errors import SandboxError, SnapError

    snap = SnapError("4017300", "Unauthorized. Signature", hint="check the body")
    assert isinstance(snap, SandboxError)
    assert snap.status == 401
    res = snap.response()
    assert isinstance(res.body, bytes)
    assert json.loads(res.body) == {
        "responseCode": "4017300",
        "responseMessage": "Unauthorized. Signature",
    }
    assert (res.status, res.headers["X-Sandbox-Diagnostic"]) == (401, "check the body")
    payments = SandboxError(401, "unauthorized", "Invalid token").response("trace-1")
    assert isinstance(payments.body, bytes)
    envelope = json.loads(payments.body)
    assert (payments.status, envelope["code"], envelope["message"]) == (
        401,
        "unauthorized",
        "Invalid token",
    )


def _other_key_pem() -> str:
    import json
    from pathlib import Path

    vectors = json.loads((Path(__file__).resolve().parents[1] / "data" / "snap_vectors.json")
                         .read_text("utf-8"))
    return str(vectors["v1_token_signature"]["private_key_pem"])


async def test_one_merchant_registry_holds_payments_and_snap_credentials(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    from pivot_async._signing import load_private_key
    from pivot_async.sandbox._merchants import SnapCredentials

    registry = sandbox.state.merchants
    wallet = sandbox.wallet
    # the default merchant has both: its SNAP credentials are the wallet's default ones
    assert sandbox.merchant.snap is wallet.default_merchant
    assert wallet.merchants is registry
    assert registry.snap(wallet.default_merchant.client_key) is wallet.default_merchant
    # one call registers a merchant with both sets of credentials; the wallet accepts them
    pem = _other_key_pem()
    creds = SnapCredentials("shop-2-key", "shop-2-secret", load_private_key(pem).public_key(),
                            "shop-2-partner", private_key_pem=pem)
    shop = sandbox.state.merchants.register(
        "shop-2", "shop-2-pay-secret", name="Shop 2", snap=creds
    )
    assert (registry["shop-2"], shop.snap, registry.snap("shop-2-key")) == (shop, creds, creds)
    async with aiohttp.ClientSession() as session:
        snap = SnapTester(session, sandbox.url, creds, clock, wallet.config)
        assert await snap.b2b_token()
    # a wallet-only registration lands in the same registry; keys stay unique across it
    other = registry.add_snap(
        SnapCredentials.of("wallet-only", "s", creds.public_key, partner_id="p-9"))
    assert registry.snap("wallet-only") is other and "wallet-only" not in registry
    with pytest.raises(ValueError, match="client key"):
        sandbox.state.merchants.register("shop-3", "x", snap=SnapCredentials(
            "shop-2-key", "x", creds.public_key, "another-partner"))
    assert "shop-3" not in registry  # nothing half-registered
    with pytest.raises(ValueError, match="partner id"):
        registry.add_snap(
            SnapCredentials.of("k-10", "s", creds.public_key, partner_id="shop-2-partner"))


async def test_wallet_control_errors_are_sandbox_errors(
    sandbox: Sandbox, snap: SnapTester
) -> None:
    """A refused wallet control action answers the sandbox's error envelope (one error type);
    the customer page answers HTML with the same status."""
    http = snap.session
    async with http.post(f"{sandbox.url}/_sandbox/wallet/pay/nope") as res:
        body = await res.json()
    assert (res.status, body["code"], body["message"]) == (
        404, "resource_missing", "unknown payment referenceNo")
    assert body["error"]["type"] == "GATEWAY_ERROR"
    async with http.post(f"{sandbox.url}/_sandbox/wallet/bindings/nope/balance",
                         json={"value": "5"}) as res:
        assert (res.status, (await res.json())["code"]) == (404, "resource_missing")
    cust = await snap.bind_customer()
    url = f"{sandbox.url}/_sandbox/wallet/bindings/{cust.binding_id}/balance"
    for value in ("-5", "abc"):
        async with http.post(url, json={"value": value}) as res:
            body = await res.json()
        assert (res.status, body["code"]) == (400, "api_validation_error")
        assert body["error"]["details"][0]["field"] == "value"
    debit = {
        "subMerchantId": "sub-1",
        "partnerReferenceNo": "ctl-err-1",
        "amount": {"value": "10000.00", "currency": "IDR"},
        "urlParams": [{"url": "https://merchant.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
    }
    created = await snap.call("debit/payment-host-to-host", debit, token=cust.b2b,
                              customer=cust.access)
    ref = created.body["referenceNo"]
    async with http.post(f"{sandbox.url}/_sandbox/wallet/cancel/{ref}") as answer:
        assert answer.status == 200
    async with http.post(f"{sandbox.url}/_sandbox/wallet/pay/{ref}") as answer:
        assert (answer.status, (await answer.json())["code"]) == (409, "forbidden_access")
    async with http.post(created.body["webRedirectUrl"], data={"action": "pay"}) as page:
        assert page.status == 409
        assert "the payment is in status 05" in await page.text()


async def test_wallet_token_counters_are_read_off_the_one_log(
    sandbox: Sandbox, snap: SnapTester
) -> None:
    sandbox.faults.add(kind="status", status=429, route=f"POST {B2B}", times=1)
    assert (await snap.token_request("b2b", {"grantType": "client_credentials"})).status == 429
    bad = await snap.token_request("b2b", {"grantType": "nope"})
    assert bad.status == 400
    assert await snap.b2b_token()
    log = sandbox.context.requests
    assert (log.count("POST", B2B), log.handled("POST", B2B), log.handled("POST", B2B, 200)) == (
        3, 2, 1)
    assert [r.handled for r in sandbox.requests] == [None, 400, 200]
    sandbox.reset_requests()  # one set of counters: reset together
    assert (log.count("POST", B2B), log.handled("POST", B2B), log.handled("POST", B2B, 200)) == (
        0, 0, 0)


async def test_the_merchants_control_route_registers_snap_credentials_too(
    api: Api, sandbox: Sandbox, clock: ManualClock
) -> None:
    from pivot_async._signing import load_private_key

    pem = _other_key_pem()
    public_pem = load_private_key(pem).public_key().to_pem()
    snap_part = {"clientKey": "ctl-key", "clientSecret": "ctl-secret", "publicKeyPem": public_pem,
                 "partnerId": "ctl-partner"}
    status, body = await api.control(
        "/_sandbox/merchants", {"clientId": "ctl-m", "clientSecret": "s", "snap": snap_part}
    )
    assert (status, body["data"]) == (200, {"clientId": "ctl-m", "name": "Pivot Sandbox",
                                            "snapClientKey": "ctl-key"})
    creds = sandbox.state.merchants["ctl-m"].snap
    assert creds is not None and sandbox.state.merchants.snap("ctl-key") is creds
    assert creds.partner_id == "ctl-partner"
    from pivot_async.sandbox import SnapCredentials

    signer = SnapCredentials.of("ctl-key", "ctl-secret", public_pem, partner_id="ctl-partner",
                                private_key_pem=pem)
    async with aiohttp.ClientSession() as session:
        assert await SnapTester(session, sandbox.url, signer, clock, sandbox.wallet.config
                                ).b2b_token()
    # the same SNAP client key again: 409 naming the field; a bad PEM or a missing key: 400
    status, body = await api.control(
        "/_sandbox/merchants", {"clientId": "ctl-m2", "clientSecret": "s", "snap": snap_part}
    )
    assert (status, body["error"]["details"][0]["field"]) == (409, "snap.clientKey")
    assert "ctl-m2" not in sandbox.state.merchants
    bad = {**snap_part, "clientKey": "k3", "partnerId": "p3", "publicKeyPem": "nope"}
    status, body = await api.control(
        "/_sandbox/merchants", {"clientId": "ctl-m3", "clientSecret": "s", "snap": bad}
    )
    assert (status, body["error"]["details"][0]["field"]) == (400, "snap.publicKeyPem")
    status, body = await api.control(
        "/_sandbox/merchants", {"clientId": "ctl-m4", "clientSecret": "s", "snap": {}}
    )
    assert status == 400
    assert {d["field"] for d in body["error"]["details"]} == {
        "snap.clientKey", "snap.clientSecret", "snap.publicKeyPem"}


async def test_control_route_bodies_are_checked_by_the_one_engine(api: Api) -> None:
    """The control routes' bodies are Field tables: every problem named, the engine's messages."""

    async def details(path: str, body: dict[str, Any]) -> list[tuple[str, str]]:
        status, answer = await api.control(path, body)
        assert (status, answer["code"]) == (400, "api_validation_error")
        return [(d["field"], d["message"]) for d in answer["error"]["details"]]

    bad_merchant = {"clientId": "", "clientSecret": 5, "name": "x" * 101, "callbackUrl": 3,
                    "snap": {"clientKey": ""}}
    assert await details("/_sandbox/merchants", bad_merchant) == [
        ("clientId", "clientId length must be 1 to 100 characters"),
        ("clientSecret", "clientSecret must be a string"),
        ("name", "name length must be 0 to 100 characters"),
        ("callbackUrl", "callbackUrl must be a string"),
        ("snap.clientKey", "snap.clientKey length must be 1 to 100 characters"),
        ("snap.clientSecret", "Make sure snap.clientSecret value is fulfilled"),
        ("snap.publicKeyPem", "Make sure snap.publicKeyPem value is fulfilled"),
    ]
    no_snap = {"clientId": "a", "clientSecret": "b", "snap": []}
    assert await details("/_sandbox/merchants", no_snap) == [("snap", "snap must be an object")]
    assert await details("/_sandbox/rate-limits", {"route": 1, "limit": "x", "per": 0}) == [
        ("route", "route must be a string"),
        ("limit", "limit must be an integer"),
        ("per", "per must be a positive number of seconds"),
    ]
    status, body = await api.control("/_sandbox/rate-limits", {"route": "GET /v1/x", "limit": "3"})
    assert (status, body["data"]["limit"]) == (200, 3)  # "3" reads as 3, as on the payments API
