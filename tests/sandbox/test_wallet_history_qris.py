"""Wallet sandbox: activation-link edge cases, transaction history, QRIS and OTT, the
configurable starting balance and the host-app hook (binding and payment flows are in
test_wallet_flow.py).

See docs/reference/wire-snap.md#wallet-endpoints and wire-snap.md#wallet-sandbox.
"""

from __future__ import annotations

from typing import Any

import pytest

from pivot_async.sandbox._clock import ManualClock
from pivot_async.sandbox._qris import build_qris
from pivot_async.sandbox._wallet import WalletConfig
from tests.sandbox._wallet_flow_helpers import DEBIT, balance, debit_body, history_query
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv, wallet_server

EXAMPLE_QR = (
    "00020101021126660014ID.LINKAJA.WWW011893600911000000000802152103124400000080303UMI5144"
    "0014ID.CO.QRIS.WWW0215ID20210652077750303UMI5204839853033605802ID5922YAY BAKTI KAMAJAYA"
    " IND6006SLEMAN61055528162070703A016304FA4D"
)



# ------------------------------------------------------------------ activation link edge cases


async def test_activation_link_expires(env: WalletEnv, wallet_clock: ManualClock) -> None:
    b2b = await env.snap.b2b_token()
    res = await env.snap.call(
        "registration-account-creation",
        {
            "partnerReferenceNo": "U1",
            "merchantId": "m",
            "phoneNo": "081234567890",
            "redirectUrl": "https://x.example/",
        },
        token=b2b,
    )
    wallet_clock.advance(900)
    link = res.body["additionalInfo"]["activationLink"]
    async with env.session.get(link) as page:
        assert page.status == 410
    async with env.session.post(
        f"{env.base_url}/_sandbox/wallet/bind/{res.body['referenceNo']}"
    ) as r:
        assert r.status == 410
    async with env.session.get(link.split("?")[0] + "?token=bogus") as page:
        assert page.status == 404


async def test_account_creation_validation(env: WalletEnv) -> None:
    b2b = await env.snap.b2b_token()
    body = {
        "partnerReferenceNo": "U1",
        "merchantId": "m",
        "phoneNo": "08-1234",
        "redirectUrl": "https://x.example/",
    }
    res = await env.snap.call("registration-account-creation", body, token=b2b)
    assert res.code == "4000601"
    assert "phoneNo" in res.body["responseMessage"]
    del body["redirectUrl"]
    res = await env.snap.call("registration-account-creation", body, token=b2b)
    assert res.code == "4000602"


# ------------------------------------------------------------------ history


async def test_history_paging_and_filters(
    env: WalletEnv, cust: BoundCustomer, wallet_clock: ManualClock
) -> None:
    for i in range(3):
        wallet_clock.advance(10)
        await env.snap.call(DEBIT, debit_body(f"h-{i}"), token=cust.b2b, customer=cust.access)
    page2 = await env.snap.call(
        "transaction-history-list",
        history_query(pageSize="2", pageNumber="2"),
        token=cust.b2b,
        customer=cust.access,
    )
    refs = [r["additionalInfo"]["partnerReferenceNo"] for r in page2.body["detailData"]]
    assert refs[0] == "h-0"
    assert refs[1].startswith("TOPUP-")
    one = await env.snap.call(
        "transaction-history-list",
        history_query(partnerReferenceNo="h-1"),
        token=cust.b2b,
        customer=cust.access,
    )
    assert [r["status"] for r in one.body["detailData"]] == ["INIT"]
    empty = await env.snap.call(
        "transaction-history-list",
        history_query(
            fromDateTime="2026-03-05T00:00:00+07:00", toDateTime="2026-03-06T00:00:00+07:00"
        ),
        token=cust.b2b,
        customer=cust.access,
    )
    assert empty.body["detailData"] == []


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"pageSize": 10}, "4001201"),
        ({"pageNumber": "0"}, "4001201"),
        ({"pageSize": "101"}, "4001201"),
        ({"fromDateTime": "yesterday"}, "4001201"),
        ({"fromDateTime": "2026-03-04T00:00:00+07:00"}, "4001201"),
        ({"toDateTime": ""}, "4001202"),
    ],
)
async def test_history_list_validation(
    env: WalletEnv, cust: BoundCustomer, extra: dict[str, Any], code: str
) -> None:
    res = await env.snap.call(
        "transaction-history-list", history_query(**extra), token=cust.b2b, customer=cust.access
    )
    assert res.code == code


async def test_history_detail_unknown(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        "transaction-history-detail",
        {"originalPartnerReferenceNo": "nope"},
        token=cust.b2b,
        customer=cust.access,
    )
    assert (res.status, res.code) == (404, "4041301")


# ------------------------------------------------------------------ QRIS


async def test_qr_decode_then_pay(env: WalletEnv, cust: BoundCustomer) -> None:
    dec = await env.snap.call(
        "qr/qr-mpm-decode",
        {"qrContent": EXAMPLE_QR, "scanTime": "2026-03-02T10:00:00+07:00", "additionalInfo": {}},
        token=cust.b2b,
        customer=cust.access,
    )
    assert dec.code == "2004800"
    assert dec.body["merchantName"] == "YAY BAKTI KAMAJAYA IND"
    assert dec.body["merchantCategory"] == "8398"
    assert dec.body["merchantLocation"] == "SLEMAN        55281 ID"
    assert dec.body["merchantInfos"] == [
        {"acquirerName": "LINKAJA", "merchantPAN": "9360091100000000080"}
    ]
    assert dec.body["additionalInfo"]["merchantId"] == "210312440000008"
    assert dec.body["additionalInfo"]["qrisType"] == "ISSUING_STATIC"
    qris_id = dec.body["additionalInfo"]["qrisId"]
    pay_body = {
        "partnerReferenceNo": "qr-1",
        "amount": {"value": "36000", "currency": "IDR"},
        "feeAmount": {"value": "", "currency": ""},
        "additionalInfo": {
            "qrisId": qris_id,
            "mode": "JIT",
            "redirectUrl": "https://www.google.com",
            "failedRedirectUrl": "https://www.google.com",
        },
    }
    pay = await env.snap.call("qr/qr-mpm-payment", pay_body, token=cust.b2b, customer=cust.access)
    assert pay.code == "2005000"
    assert pay.body["amount"] == {"currency": "IDR", "value": "36000.00"}
    assert pay.body["feeAmount"] == {"currency": "IDR", "value": "0.00"}
    assert "/wallet-stg/whitelabel/qris-payment?token=" in pay.body["additionalInfo"]["paymentUrl"]
    dup = await env.snap.call("qr/qr-mpm-payment", pay_body, token=cust.b2b, customer=cust.access)
    assert dup.code == "4095001"
    async with env.session.post(
        pay.body["additionalInfo"]["paymentUrl"], data={"action": "pay"}, allow_redirects=False
    ) as r:
        assert r.headers["Location"] == "https://www.google.com"
    detail = await env.snap.call(
        "transaction-history-detail",
        {"originalPartnerReferenceNo": "qr-1"},
        token=cust.b2b,
        customer=cust.access,
    )
    assert detail.body["status"] == "SUCCESS"
    assert await balance(env, cust) == "964000.00"


async def test_qr_payment_unknown_qris(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        "qr/qr-mpm-payment",
        {
            "partnerReferenceNo": "qr-x",
            "amount": {"value": "1.00", "currency": "IDR"},
            "additionalInfo": {"qrisId": "unknown"},
        },
        token=cust.b2b,
        customer=cust.access,
    )
    assert res.code == "4045008"


@pytest.mark.parametrize("content", [EXAMPLE_QR[:-4] + "0000", "hello", EXAMPLE_QR[:40]])
async def test_qr_decode_rejects_bad_qris(
    env: WalletEnv, cust: BoundCustomer, content: str
) -> None:
    res = await env.snap.call(
        "qr/qr-mpm-decode", {"qrContent": content}, token=cust.b2b, customer=cust.access
    )
    assert res.code == "4004801"


async def test_dynamic_qris_from_builder(env: WalletEnv, cust: BoundCustomer) -> None:
    qr = build_qris(merchant_name="WARUNG SANDBOX", amount="15000")
    res = await env.snap.call(
        "qr/qr-mpm-decode", {"qrContent": qr}, token=cust.b2b, customer=cust.access
    )
    assert res.body["additionalInfo"]["qrisType"] == "ISSUING_DYNAMIC"
    assert res.body["merchantName"] == "WARUNG SANDBOX"


async def test_apply_ott(env: WalletEnv, cust: BoundCustomer) -> None:
    body = {
        "userResources": ["OTT"],
        "additionalInfo": {
            "partnerReferenceNo": "ott-1",
            "mode": "JIT",
            "redirectUrl": "https://www.google.com",
            "failedRedirectUrl": "https://www.google.com",
        },
    }
    res = await env.snap.call("qr/apply-ott", body, token=cust.b2b, customer=cust.access)
    assert res.code == "2004900"
    assert res.body["userResources"][0]["resourceType"] == "OTT"
    async with env.session.get(res.body["additionalInfo"]["paymentUrl"]) as page:
        assert res.body["userResources"][0]["value"] in await page.text()
    dup = await env.snap.call("qr/apply-ott", body, token=cust.b2b, customer=cust.access)
    assert dup.code == "4094901"
    bad = await env.snap.call(
        "qr/apply-ott",
        {"userResources": ["X"], "additionalInfo": {"partnerReferenceNo": "ott-2"}},
        token=cust.b2b,
        customer=cust.access,
    )
    assert bad.code == "4004901"


async def test_starting_balance_is_configurable(wallet_clock: ManualClock) -> None:
    config = WalletConfig(starting_balance="8463186")
    async with wallet_server(clock=wallet_clock, config=config) as env:
        cust = await env.snap.bind_customer()
        assert await balance(env, cust) == "8463186.00"


async def test_wallet_hook_mounts_into_a_host_app(wallet_clock: ManualClock) -> None:
    """A host application built by the sandbox's ``create_app`` with the wallet's hook."""
    from aiohttp.test_utils import TestServer

    from pivot_async.sandbox import SandboxConfig, SandboxContext, create_app
    from pivot_async.sandbox._wallet import WALLET_APP_KEY, wallet_hook
    from tests.sandbox._wallet_testing import SnapTester

    holder: dict[str, str] = {}
    ctx = SandboxContext(clock=wallet_clock, config=SandboxConfig(), base_url=lambda: holder["url"])
    app = create_app(ctx, [wallet_hook(WalletConfig(starting_balance="5"))])
    wallet = app[WALLET_APP_KEY]
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    holder["url"] = str(server.make_url("")).rstrip("/")
    try:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            merchant = wallet.default_merchant
            snap = SnapTester(session, holder["url"], merchant, wallet_clock, wallet.config)
            cust = await snap.bind_customer()
            res = await snap.call("balance-inquiry", {}, token=cust.b2b, customer=cust.access)
            assert res.body["accountInfos"][0]["availableBalance"]["value"] == "5.00"
    finally:
        await server.close()
