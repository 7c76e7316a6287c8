"""Wallet sandbox: binding, payment and unbinding flows end to end (activation links, history,
QRIS and OTT are in test_wallet_history_qris.py).

See docs/reference/wire-snap.md#wallet-endpoints and wire-snap.md#wallet-sandbox.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from yarl import URL

from pivot_async._signing import parse_snap_datetime
from pivot_async.sandbox._clock import ManualClock
from tests.sandbox._wallet_flow_helpers import (
    DEBIT,
    balance,
    debit_body,
    history_query,
    status,
)
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv

OTHER_KEY_PEM: str = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "snap_vectors.json").read_text("utf-8")
)["v1_token_signature"]["private_key_pem"]



# ------------------------------------------------------------------ the whole flow via pages


async def test_bind_token_balance_debit_pay_status_history(
    env: WalletEnv, wallet_clock: ManualClock
) -> None:
    snap, session = env.snap, env.session
    b2b = await snap.b2b_token()
    created = await snap.call(
        "registration-account-creation",
        {
            "partnerReferenceNo": "USER081800008888",
            "merchantId": snap.merchant.merchant_id,
            "name": "Brasco Zig",
            "phoneNo": "081800008888",
            "redirectUrl": "https://www.test.com/?from=wallet",
        },
        token=b2b,
    )
    assert created.code == "2000600"
    link = created.body["additionalInfo"]["activationLink"]
    assert link.startswith(env.base_url + "/wallet-stg/whitelabel/account-linkage-bind?token=")
    assert created.body["additionalInfo"]["expiredAt"] == "2026-03-02T10:15:00+07:00"

    # the customer opens the activation link and presses the button
    async with session.get(link) as page:
        assert page.status == 200
        assert "Brasco Zig" in await page.text()
    async with session.post(link, data={"action": "bind"}, allow_redirects=False) as done:
        assert done.status == 302
        location = URL(done.headers["Location"])
    assert location.host == "www.test.com"
    assert location.query["from"] == "wallet"
    binding_id = location.query["bindingId"]
    assert env.wallet.bindings.get(binding_id) is not None

    tokens = await snap.customer_tokens(binding_id)
    cust = BoundCustomer(binding_id, b2b, tokens["accessToken"], tokens["refreshToken"])
    assert await balance(env, cust) == "1000000.00"

    debit = await snap.call(DEBIT, debit_body("order-1"), token=b2b, customer=cust.access)
    assert debit.code == "2005400"
    web_url = debit.body["webRedirectUrl"]
    assert web_url.startswith(env.base_url + "/wallet-stg/whitelabel/payment?token=")
    first = await status(env, cust, "order-1")
    assert first.code == "2005500"
    assert first.body["latestTransactionStatus"] == "01"
    assert "paidTime" not in first.body
    assert await balance(env, cust) == "1000000.00"

    wallet_clock.advance(60)
    async with session.get(web_url) as page:
        assert "10000.00" in await page.text()
    async with session.post(web_url, data={"action": "pay"}, allow_redirects=False) as paid:
        assert paid.status == 302
        assert paid.headers["Location"] == "https://shop.example/return"

    final = await status(env, cust, "order-1")
    assert final.body["latestTransactionStatus"] == "00"
    assert final.body["transactionStatusDesc"] == "Success"
    assert final.body["originalPartnerReferenceCode"] == "order-1"
    assert final.body["originalReferenceNo"] == debit.body["referenceNo"]
    assert final.body["paidTime"] == "2026-03-02T10:01:00+07:00"
    assert final.body["transAmount"] == {"value": "10000.00", "currency": "IDR"}
    assert await balance(env, cust) == "990000.00"

    hist = await snap.call(
        "transaction-history-list", history_query(), token=b2b, customer=cust.access
    )
    assert hist.code == "2001200"
    rows = hist.body["detailData"]
    assert [(r["type"], r["status"]) for r in rows] == [
        ("PAYMENT", "SUCCESS"),
        ("TOP_UP", "SUCCESS"),
    ]
    assert rows[0]["amount"] == {"value": "10000.00", "currency": "IDR"}
    assert rows[0]["additionalInfo"] == {
        "referenceNo": debit.body["referenceNo"],
        "partnerReferenceNo": "order-1",
    }
    detail = await snap.call(
        "transaction-history-detail",
        {"originalPartnerReferenceNo": "order-1", "additionalInfo": {}},
        token=b2b,
        customer=cust.access,
    )
    assert detail.code == "2001300"
    assert detail.body["status"] == "SUCCESS"
    assert detail.body["type"] == "PAYMENT"
    assert detail.body["referenceNo"] == debit.body["referenceNo"]


async def test_control_routes_bind_and_pay(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(DEBIT, debit_body("ctl-1"), token=cust.b2b, customer=cust.access)
    ref = res.body["referenceNo"]
    async with env.session.post(f"{env.base_url}/_sandbox/wallet/pay/{ref}") as r:
        assert r.status == 200
        data = await r.json()
    assert data["latestTransactionStatus"] == "00"
    assert data["partnerReferenceNo"] == "ctl-1"
    # paying twice is idempotent; by partnerReferenceNo works too
    async with env.session.post(f"{env.base_url}/_sandbox/wallet/pay/ctl-1") as r:
        assert r.status == 200
    async with env.session.get(f"{env.base_url}/_sandbox/wallet/payments/{ref}") as r:
        assert (await r.json())["latestTransactionStatus"] == "00"
    async with env.session.post(f"{env.base_url}/_sandbox/wallet/pay/nope") as r:
        assert r.status == 404
    async with env.session.post(f"{env.base_url}/_sandbox/wallet/bind/nope") as r:
        assert r.status == 404
    assert await balance(env, cust) == "990000.00"


async def test_merchant_control_route(env: WalletEnv) -> None:
    async with env.session.get(f"{env.base_url}/_sandbox/wallet/merchant") as r:
        data = await r.json()
    m = env.wallet.default_merchant
    assert data["clientKey"] == m.client_key
    assert data["clientSecret"] == m.client_secret
    assert data["privateKeyPem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert data["b2bTokenPath"] == "/snap/v1.0/access-token/b2b"


async def test_cancel_on_page_and_by_control(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(DEBIT, debit_body("c-1"), token=cust.b2b, customer=cust.access)
    async with env.session.post(
        res.body["webRedirectUrl"], data={"action": "cancel"}, allow_redirects=False
    ) as r:
        assert r.status == 302
    assert (await status(env, cust, "c-1")).body["latestTransactionStatus"] == "05"
    res2 = await env.snap.call(DEBIT, debit_body("c-2"), token=cust.b2b, customer=cust.access)
    async with env.session.post(
        f"{env.base_url}/_sandbox/wallet/cancel/{res2.body['referenceNo']}"
    ) as r:
        assert (await r.json())["latestTransactionStatus"] == "05"
    async with env.session.post(
        f"{env.base_url}/_sandbox/wallet/pay/{res2.body['referenceNo']}"
    ) as r:
        assert r.status == 409
    assert await balance(env, cust) == "1000000.00"


async def test_unpaid_debit_expires_to_cancelled(
    env: WalletEnv, cust: BoundCustomer, wallet_clock: ManualClock
) -> None:
    res = await env.snap.call(DEBIT, debit_body("exp-1"), token=cust.b2b, customer=cust.access)
    expires = parse_snap_datetime(res.body["additionalInfo"]["urlExpiredAt"])
    assert expires == wallet_clock.now() + dt.timedelta(seconds=900)
    wallet_clock.advance(899)
    assert (await status(env, cust, "exp-1")).body["latestTransactionStatus"] == "01"
    wallet_clock.advance(1)
    cust.b2b = await env.snap.b2b_token()
    st = await status(env, cust, "exp-1")
    assert st.body["latestTransactionStatus"] == "05"
    assert st.body["transactionStatusDesc"] == "Cancelled"
    async with env.session.post(f"{env.base_url}/_sandbox/wallet/pay/exp-1") as r:
        assert r.status == 409
    async with env.session.get(res.body["webRedirectUrl"]) as page:
        assert "Cancelled" in await page.text()


async def test_insufficient_funds(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        DEBIT, debit_body("big", "1000000.01"), token=cust.b2b, customer=cust.access
    )
    assert (res.status, res.code) == (403, "4035414")
    assert res.body["responseMessage"] == "Insufficient Funds"
    assert (await status(env, cust, "big")).code == "4045501"  # nothing recorded
    exact = await env.snap.call(
        DEBIT, debit_body("exact", "1000000"), token=cust.b2b, customer=cust.access
    )
    assert exact.code == "2005400"


async def test_balance_dropping_before_payment_fails_it(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    res = await env.snap.call(DEBIT, debit_body("late"), token=cust.b2b, customer=cust.access)
    async with env.session.post(
        f"{env.base_url}/_sandbox/wallet/bindings/{cust.binding_id}/balance", json={"value": "5000"}
    ) as r:
        assert (await r.json())["balance"] == {"value": "5000.00", "currency": "IDR"}
    async with env.session.post(
        f"{env.base_url}/_sandbox/wallet/pay/{res.body['referenceNo']}"
    ) as r:
        assert r.status == 409
    assert (await status(env, cust, "late")).body["latestTransactionStatus"] == "06"
    assert await balance(env, cust) == "5000.00"


async def test_duplicate_partner_reference_no(env: WalletEnv, cust: BoundCustomer) -> None:
    first = await env.snap.call(DEBIT, debit_body("dup"), token=cust.b2b, customer=cust.access)
    assert first.code == "2005400"
    again = await env.snap.call(
        DEBIT, debit_body("dup", "5.00"), token=cust.b2b, customer=cust.access
    )
    assert (again.status, again.code) == (409, "4095401")
    assert env.wallet.debit_count("dup") == 1
    assert env.wallet.debit_attempts["dup"] == 2


async def test_status_unknown_and_mismatched(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await status(env, cust, "never")
    assert (res.status, res.code) == (404, "4045501")
    assert res.body["responseMessage"] == "Transaction Not Found"
    await env.snap.call(DEBIT, debit_body("known"), token=cust.b2b, customer=cust.access)
    res = await env.snap.call(
        "debit/status",
        {
            "originalPartnerReferenceNo": "known",
            "originalReferenceNo": "other",
            "serviceCode": "54",
        },
        token=cust.b2b,
        customer=cust.access,
    )
    assert res.code == "4045501"
    res = await env.snap.call(
        "debit/status",
        {"originalPartnerReferenceNo": "known", "serviceCode": "50"},
        token=cust.b2b,
        customer=cust.access,
    )
    assert res.code == "4005501"


async def test_status_is_scoped_to_the_merchant(env: WalletEnv, cust: BoundCustomer) -> None:
    pem = OTHER_KEY_PEM
    await env.snap.call(DEBIT, debit_body("mine"), token=cust.b2b, customer=cust.access)
    other = env.add_merchant(pem)
    snap2 = type(env.snap)(env.session, env.base_url, other, env.clock, env.wallet.config)
    cust2 = await snap2.bind_customer(phone_no="081200000002")
    res = await snap2.call(
        "debit/status",
        {"originalPartnerReferenceNo": "mine", "serviceCode": "54"},
        token=cust2.b2b,
        customer=cust2.access,
    )
    assert res.code == "4045501"
    # the same partnerReferenceNo is free for another merchant
    res = await snap2.call(DEBIT, debit_body("mine"), token=cust2.b2b, customer=cust2.access)
    assert res.code == "2005400"


# ------------------------------------------------------------------ unbinding


async def test_unbinding_kills_the_binding(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        "registration-account-unbinding",
        {
            "additionalInfo": {
                "failedRedirectUrl": "https://test.com/f",
                "redirectUrl": "https://test.com/ok",
            },
            "merchantId": env.wallet.default_merchant.merchant_id,
            "tokenId": cust.binding_id,
        },
        token=cust.b2b,
    )
    assert res.code == "2000900"
    page = res.body["additionalInfo"]["redirectUrl"]
    assert "/wallet-stg/whitelabel/account-linkage-unbind?token=" in page
    binding = env.wallet.bindings.get(cust.binding_id)
    assert binding is not None
    assert not binding.active
    # the customer token, the authCode and the refresh token all stop working
    assert (
        await env.snap.call("balance-inquiry", {}, token=cust.b2b, customer=cust.access)
    ).code == "4011102"
    assert (
        await env.snap.token_request(
            "b2b2c", {"grantType": "authorization_code", "authCode": cust.binding_id}
        )
    ).body["responseCode"] == "4017400"
    assert (
        await env.snap.token_request(
            "b2b2c", {"grantType": "refresh_token", "refreshToken": cust.refresh}
        )
    ).body["responseCode"] == "4017400"
    again = await env.snap.call(
        "registration-account-unbinding",
        {"merchantId": "m", "tokenId": cust.binding_id},
        token=cust.b2b,
    )
    assert (again.status, again.code) == (404, "4040911")
    async with env.session.post(page, data={"action": "continue"}, allow_redirects=False) as r:
        assert r.headers["Location"] == "https://test.com/ok"


async def test_unbinding_accepts_table_spelling(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        "registration-account-unbinding",
        {
            "additionalInfo": {
                "failedRedirectionUrl": "https://test.com/f",
                "redirectionUrl": "https://test.com/ok",
            },
            "merchantId": "m",
            "tokenId": cust.binding_id,
        },
        token=cust.b2b,
    )
    assert res.code == "2000900"


async def test_rebinding_the_same_phone_keeps_the_wallet(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    await env.snap.call(DEBIT, debit_body("r-1"), token=cust.b2b, customer=cust.access)
    env.wallet.complete_payment("r-1")
    await env.snap.call(
        "registration-account-unbinding",
        {"merchantId": "m", "tokenId": cust.binding_id},
        token=cust.b2b,
    )
    again = await env.snap.bind_customer()
    assert again.binding_id != cust.binding_id
    assert await balance(env, again) == "990000.00"


async def test_a_link_opens_only_its_own_page(env: WalletEnv, cust: BoundCustomer) -> None:
    """One link table serves every customer page: a token opens only the page it was issued
    for (a payment's token on the bind page, or an activation token on a payment page, is an
    unknown link and changes nothing)."""
    pages = f"{env.base_url}/wallet-stg/whitelabel"
    res = await env.snap.call(DEBIT, debit_body("own-1"), token=cust.b2b, customer=cust.access)
    pay_token = URL(res.body["webRedirectUrl"]).query["token"]
    for name, action in (("account-linkage-bind", "bind"), ("account-linkage-unbind", "continue")):
        async with env.session.post(
            f"{pages}/{name}", params={"token": pay_token}, data={"action": action},
            allow_redirects=False,
        ) as r:
            assert r.status == 404
            assert "Link not found" in await r.text()
    payment = env.wallet.get_payment(res.body["referenceNo"])
    assert payment is not None and payment.status == "01"

    created = await env.snap.call(
        "registration-account-creation",
        {
            "partnerReferenceNo": "USER-OWN-1",
            "merchantId": env.snap.merchant.merchant_id,
            "phoneNo": "081800001234",
            "redirectUrl": "https://www.test.com/bound",
        },
        token=cust.b2b,
    )
    reg_token = URL(created.body["additionalInfo"]["activationLink"]).query["token"]
    for name in ("payment", "qris-payment"):
        async with env.session.post(
            f"{pages}/{name}", params={"token": reg_token}, data={"action": "pay"},
            allow_redirects=False,
        ) as r:
            assert r.status == 404
    reg = env.wallet.registrations.get(created.body["referenceNo"])
    assert reg is not None and reg.binding_id is None
