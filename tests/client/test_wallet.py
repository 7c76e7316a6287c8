"""The wallet client end to end against the sandbox's strict SNAP server."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import AsyncIterator
from decimal import Decimal

import aiohttp
import pytest

from pivot_async import (
    BadRequestError,
    ConfigurationError,
    DuplicatePartnerReferenceError,
    InsufficientFundsError,
    NotFoundError,
    OutcomeUnknownError,
    PivotClient,
    RebindRequiredError,
    TransactionNotFoundError,
    WalletCredentials,
    WalletCustomer,
)
from pivot_async.models import BalanceInquiryResponse, DebitPaymentParams, QrMpmPaymentParams
from pivot_async.sandbox import ManualClock, Sandbox, SnapCredentials
from pivot_async.sandbox._wallet import WALLET_APP_KEY, WalletSandbox

from .conftest import RecordingSleep

B2B = "/snap/v1.0/access-token/b2b"
API = "/wallet-backend/snap/v1.0/"


def handled(sandbox: Sandbox, kind: str) -> int:
    """Token requests of ``kind`` (b2b, b2b2c) a handler answered: read off the one log."""
    return sandbox.context.requests.handled("POST", f"/snap/v1.0/access-token/{kind}")


@pytest.fixture
async def wallet_env(
    sleeps: RecordingSleep,
) -> AsyncIterator[tuple[Sandbox, WalletSandbox, PivotClient]]:
    clock = ManualClock(datetime.datetime.now(datetime.timezone.utc))
    async with Sandbox(clock=clock) as sandbox:
        wallet = sandbox.app[WALLET_APP_KEY]
        creds = wallet.default_merchant.client_credentials()
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               wallet=creds, sleep=sleeps, wall_clock=clock.now) as client:
            yield sandbox, wallet, client


async def bind(client: PivotClient, sandbox: Sandbox, wallet: WalletSandbox,
               phone: str = "081800008888") -> WalletCustomer:
    created = await client.wallet.create_account({
        "partnerReferenceNo": f"USER{phone}",
        "merchantId": wallet.default_merchant.merchant_id,
        "name": "Budi",
        "phoneNo": phone,
        "redirectUrl": "https://merchant.example/bound",
    })
    assert created.response_code == "2000600"
    assert created.additional_info is not None
    assert created.additional_info.activation_link is not None
    assert created.additional_info.activation_link.startswith(sandbox.url)
    url = f"{sandbox.url}/_sandbox/wallet/bind/{created.reference_no}"
    async with aiohttp.ClientSession() as http, http.post(url) as resp:
        binding_id = str((await resp.json())["bindingId"])
    return client.wallet.customer(binding_id)


def debit_params(ref: str, value: str = "10000.00") -> DebitPaymentParams:
    return {
        "subMerchantId": "SUBMERCHANT1",
        "partnerReferenceNo": ref,
        "amount": {"value": value, "currency": "IDR"},
        "urlParams": [{"url": "https://merchant.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
        "additionalInfo": {},
    }


def available(balance: BalanceInquiryResponse) -> Decimal:
    """The first account's available balance (asserted present)."""
    assert balance.account_infos
    amount = balance.account_infos[0].available_balance
    assert amount is not None
    return amount.value


async def test_bind_balance_debit_complete_status_history(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    before = await client.wallet.balance(customer)
    assert before.account_infos
    assert before.account_infos[0].available_balance is not None
    start = before.account_infos[0].available_balance.value
    result = await client.wallet.debit(customer, debit_params("DEBIT0001", "25000.00"))
    assert not result.recovered
    assert result.web_redirect_url and result.web_redirect_url.startswith(sandbox.url)
    status = await client.wallet.debit_status(customer, "DEBIT0001")
    assert status.latest_transaction_status == "01"
    pay_url = f"{sandbox.url}/_sandbox/wallet/pay/{result.reference_no}"
    async with aiohttp.ClientSession() as http, http.post(pay_url) as r:
        assert r.status == 200
    paid = await client.wallet.debit_status(customer, "DEBIT0001")
    assert paid.latest_transaction_status == "00"
    after = await client.wallet.balance(customer)
    assert start - available(after) == 25000
    history = await client.wallet.history(customer, {
        "partnerReferenceNo": "", "fromDateTime": "2020-01-01T00:00:00+07:00",
        "toDateTime": "2099-01-01T00:00:00+07:00", "pageSize": "10", "pageNumber": "1",
        "additionalInfo": {},
    })
    assert any(d.additional_info and d.additional_info.partner_reference_no == "DEBIT0001"
               for d in history.detail_data or [])
    assert handled(sandbox, "b2b") == 1
    assert wallet.debit_count("DEBIT0001") == 1


async def test_b2b_token_single_flight_for_many_calls(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    results = await asyncio.gather(*(client.wallet.balance(customer) for _ in range(300)))
    assert len(results) == 300
    assert handled(sandbox, "b2b") == 1
    assert handled(sandbox, "b2b2c") == 1


async def test_tokens_refreshed_for_both_kinds(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    await client.wallet.balance(customer)
    sandbox.advance(3 * 3600)  # both the B2B and the customer access token expired server-side
    await client.wallet.balance(customer)
    assert handled(sandbox, "b2b") == 2
    assert handled(sandbox, "b2b2c") >= 2


async def test_ambiguous_debit_lost_response_ends_with_one_debit(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    sandbox.faults.add(kind="drop", route=f"POST {API}debit/payment-host-to-host", times=1)
    result = await client.wallet.debit(customer, debit_params("LOST0001"))
    assert result.recovered
    assert result.status is not None
    assert wallet.debit_count("LOST0001") == 1
    # never blindly re-sent
    assert sandbox.request_count("POST", API + "debit/payment-host-to-host") == 1


async def test_ambiguous_debit_5xx_not_processed_is_resent_once(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    sandbox.faults.add(
        kind="status", status=504, route=f"POST {API}debit/payment-host-to-host", times=1)
    result = await client.wallet.debit(customer, debit_params("GW0001"))
    assert not result.recovered  # status said not found, so the debit was re-sent
    assert wallet.debit_count("GW0001") == 1
    assert sandbox.request_count("POST", API + "debit/payment-host-to-host") == 2
    assert sandbox.request_count("POST", API + "debit/status") == 1


async def test_status_unreadable_gives_outcome_unknown(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    sandbox.faults.add(kind="drop", route=f"POST {API}debit/payment-host-to-host", times=1)
    for _ in range(3):
        sandbox.faults.add(kind="status", status=500, route=f"POST {API}debit/status", times=1)
    with pytest.raises(OutcomeUnknownError) as info:
        await client.wallet.debit(customer, debit_params("UNK0001"))
    assert info.value.references["partnerReferenceNo"] == "UNK0001"
    assert wallet.debit_count("UNK0001") == 1


async def test_insufficient_funds_is_typed(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    with pytest.raises(InsufficientFundsError) as info:
        await client.wallet.debit(customer, debit_params("BIG0001", "999999999.00"))
    assert info.value.response_code == "4035414"
    assert info.value.case_code == "14"


async def test_unbound_customer_must_rebind(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    _, _, client = wallet_env
    customer = client.wallet.customer("no-such-binding")
    with pytest.raises(RebindRequiredError):
        await client.wallet.balance(customer)


async def test_wallet_needs_credentials(sandbox: Sandbox, client: PivotClient) -> None:
    with pytest.raises(ConfigurationError, match="wallet credentials"):
        client.wallet.customer("x")


def test_bad_private_key_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError) as info:
        WalletCredentials("ck", "secret-123", "-----BEGIN PRIVATE KEY-----\nnope\n", channel_id="1")
    assert "nope" not in str(info.value)
    assert "secret-123" not in repr(info.value)


def test_credentials_repr_hides_secrets(
) -> None:
    from pivot_async.signing import generate_private_key

    key = generate_private_key(2048)
    creds = WalletCredentials("ck", "hmac-secret-xyz", key, channel_id="12345")
    text = repr(creds)
    assert "hmac-secret-xyz" not in text and "PRIVATE" not in text


# --- the remaining endpoints through the client ----------------------------------------------

EXAMPLE_QR = (
    "00020101021126660014ID.LINKAJA.WWW011893600911000000000802152103124400000080303UMI5144"
    "0014ID.CO.QRIS.WWW0215ID20210652077750303UMI5204839853033605802ID5922YAY BAKTI KAMAJAYA"
    " IND6006SLEMAN61055528162070703A016304FA4D"
)


async def test_qr_decode_pay_complete_and_history_detail(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    start = available(await client.wallet.balance(customer))
    decoded = await client.wallet.qr_decode(
        customer, {"qrContent": EXAMPLE_QR, "scanTime": "2026-03-02T10:00:00+07:00",
                   "additionalInfo": {}},
    )
    assert decoded.merchant_name == "YAY BAKTI KAMAJAYA IND"
    assert [m.merchant_pan for m in decoded.merchants] == ["9360091100000000080"]
    assert decoded.additional_info is not None
    assert decoded.additional_info.qris_type == "ISSUING_STATIC"
    qris_id = decoded.additional_info.qris_id
    assert qris_id
    pay_params: QrMpmPaymentParams = {
        "partnerReferenceNo": "QR0001",
        "amount": {"value": "36000", "currency": "IDR"},
        "additionalInfo": {"qrisId": qris_id, "mode": "JIT",
                           "redirectUrl": "https://merchant.example/ok",
                           "failedRedirectUrl": "https://merchant.example/fail"},
    }
    paid = await client.wallet.qr_payment(customer, pay_params)
    assert paid.response_code == "2005000"
    assert paid.amount is not None and paid.amount.value == 36000
    assert paid.additional_info is not None and paid.additional_info.payment_url
    assert paid.additional_info.payment_url.startswith(sandbox.url)
    pending = await client.wallet.history_detail(customer, "QR0001")
    assert pending.status == "INIT"
    async with aiohttp.ClientSession() as http, http.post(
        paid.additional_info.payment_url, data={"action": "pay"}, allow_redirects=False
    ) as page:
        assert page.headers["Location"] == "https://merchant.example/ok"
    detail = await client.wallet.history_detail(customer, "QR0001")
    assert (detail.status, detail.partner_reference_no) == ("SUCCESS", "QR0001")
    assert detail.amount is not None and detail.amount.value == 36000
    after = available(await client.wallet.balance(customer))
    assert start - after == 36000
    with pytest.raises(DuplicatePartnerReferenceError) as dup:
        await client.wallet.qr_payment(customer, pay_params)
    assert dup.value.response_code == "4095001"
    with pytest.raises(TransactionNotFoundError) as missing:
        await client.wallet.history_detail(customer, "NOPE0001")
    assert missing.value.response_code == "4041301"


async def test_qr_decode_rejects_a_bad_qris_with_a_typed_error(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    with pytest.raises(BadRequestError) as info:
        await client.wallet.qr_decode(customer, {"qrContent": EXAMPLE_QR[:-4] + "0000"})
    assert info.value.response_code == "4004801"
    assert sandbox.request_count("POST", API + "qr/qr-mpm-decode") == 1  # a 400 is never retried


async def test_apply_ott_gives_a_one_time_token_page(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    ott = await client.wallet.apply_ott(customer, {
        "userResources": ["OTT"],
        "additionalInfo": {"partnerReferenceNo": "OTT0001", "mode": "JIT",
                           "redirectUrl": "https://merchant.example/ok",
                           "failedRedirectUrl": "https://merchant.example/fail"},
    })
    assert ott.user_resources and ott.user_resources[0].resource_type == "OTT"
    value = ott.user_resources[0].value
    assert value and value not in repr(ott)  # the one-time token is masked in reprs
    assert ott.additional_info is not None and ott.additional_info.payment_url
    async with aiohttp.ClientSession() as http, http.get(ott.additional_info.payment_url) as page:
        assert value in await page.text()


async def test_unbind_ends_the_binding_and_the_handle_must_rebind(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    await client.wallet.balance(customer)  # the handle now holds live customer tokens
    unbound = await client.wallet.unbind({
        "merchantId": wallet.default_merchant.merchant_id,
        "tokenId": customer.binding_id,
        "additionalInfo": {"redirectUrl": "https://merchant.example/unbound",
                           "failedRedirectUrl": "https://merchant.example/failed"},
    })
    assert unbound.response_code == "2000900"
    assert unbound.additional_info is not None and unbound.additional_info.redirect_url
    b2b2c_before = handled(sandbox, "b2b2c")
    with pytest.raises(RebindRequiredError):
        await client.wallet.balance(customer)
    # The refused access token led to the refresh token, then the binding id: both refused.
    assert handled(sandbox, "b2b2c") - b2b2c_before == 2
    with pytest.raises(NotFoundError) as again:
        await client.wallet.unbind({"merchantId": wallet.default_merchant.merchant_id,
                                    "tokenId": customer.binding_id})
    assert again.value.response_code == "4040911"


async def test_ten_thousand_concurrent_token_callers_make_one_request_per_kind(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient], monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    tokens = client.wallet.tokens
    b2b = await asyncio.gather(*(tokens.b2b.get() for _ in range(10_000)))
    assert len(set(b2b)) == 1
    assert handled(sandbox, "b2b") == 1
    access = await asyncio.gather(*(customer.access_token() for _ in range(10_000)))
    assert len(set(access)) == 1
    assert handled(sandbox, "b2b2c") == 1
    # At expiry (both tokens dead server-side and past the refresh margin locally), the same
    # stampede again makes exactly one more request of each kind.
    sandbox.advance(3 * 3600)
    def later() -> float:
        return time.monotonic() + 3 * 3600

    monkeypatch.setattr(tokens, "_clock", later)
    monkeypatch.setattr(tokens.b2b, "_clock", later)
    b2b_again = await asyncio.gather(*(tokens.b2b.get() for _ in range(10_000)))
    access_again = await asyncio.gather(*(customer.access_token() for _ in range(10_000)))
    assert len(set(b2b_again)) == 1 and b2b_again[0] != b2b[0]
    assert len(set(access_again)) == 1 and access_again[0] != access[0]
    assert handled(sandbox, "b2b") == 2
    assert handled(sandbox, "b2b2c") == 2


async def test_a_retried_wallet_request_is_re_signed_with_fresh_headers(
    sleeps: RecordingSleep,
) -> None:
    clock = ManualClock(datetime.datetime.now(datetime.timezone.utc))
    sent: list[dict[str, str]] = []

    async def on_headers_sent(
        _session: aiohttp.ClientSession, _ctx: object,
        params: aiohttp.TraceRequestHeadersSentParams,
    ) -> None:
        if params.url.path.endswith("/balance-inquiry"):
            sent.append(dict(params.headers))

    async def tick(delay: float) -> None:  # a retry's back-off moves wall time on
        clock.advance(max(delay, 1.0))
        await sleeps(delay)

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(on_headers_sent)
    async with Sandbox(clock=clock) as sandbox, aiohttp.ClientSession(
        trace_configs=[trace]
    ) as http:
        wallet = sandbox.app[WALLET_APP_KEY]
        creds = wallet.default_merchant.client_credentials()
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               wallet=creds, sleep=tick, wall_clock=clock.now,
                               session=http) as client:
            customer = await bind(client, sandbox, wallet)
            sandbox.faults.add(
                kind="status", status=500, route=f"POST {API}balance-inquiry", times=1)
            balance = await client.wallet.balance(customer)
    assert balance.account_infos
    assert sandbox.request_count("POST", API + "balance-inquiry") == 2
    assert len(sleeps.delays) == 1
    assert len(sent) == 2
    first, second = sent
    for headers in sent:
        for name in ("Authorization", "Authorization-Customer", "X-TIMESTAMP", "X-SIGNATURE",
                     "X-PARTNER-ID", "X-EXTERNAL-ID", "CHANNEL-ID"):
            assert headers.get(name), name
    assert second["X-TIMESTAMP"] != first["X-TIMESTAMP"]
    assert second["X-SIGNATURE"] != first["X-SIGNATURE"]
    assert second["X-EXTERNAL-ID"] != first["X-EXTERNAL-ID"]
    assert second["Authorization-Customer"] == first["Authorization-Customer"]


async def test_sandbox_hands_out_its_merchants_credentials() -> None:
    async with Sandbox() as sandbox:
        wallet = sandbox.wallet
        creds = wallet.default_merchant.client_credentials()
        m = wallet.default_merchant
        assert (creds.client_key, creds.partner_id, creds.channel_id) == (
            m.client_key, m.partner_id, m.channel_id)
        other = sandbox.state.merchants.add_snap(
            SnapCredentials.of("other-key", "other-secret", m.public_key))
        with pytest.raises(ValueError, match="without a private key"):
            other.client_credentials()
