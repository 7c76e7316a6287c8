"""The wallet client end to end against the sandbox's strict SNAP server."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator

import aiohttp
import pytest

from pivot_async import (
    ConfigurationError,
    InsufficientFundsError,
    OutcomeUnknownError,
    PivotClient,
    RebindRequiredError,
    WalletCredentials,
    WalletCustomer,
)
from pivot_async.sandbox import ManualClock, Sandbox
from pivot_async.sandbox._wallet import WALLET_APP_KEY, WalletSandbox

from .conftest import RecordingSleep

B2B = "/snap/v1.0/access-token/b2b"


@pytest.fixture
async def wallet_env(
    sleeps: RecordingSleep,
) -> AsyncIterator[tuple[Sandbox, WalletSandbox, PivotClient]]:
    clock = ManualClock(datetime.datetime.now(datetime.timezone.utc))
    async with Sandbox(clock=clock) as sandbox:
        wallet = sandbox.app[WALLET_APP_KEY]
        m = wallet.default_merchant
        assert m.private_key_pem is not None
        creds = WalletCredentials(m.client_key, m.client_secret, m.private_key_pem,
                                  channel_id=m.channel_id, partner_id=m.partner_id)
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
    assert created.additional_info.activation_link.startswith(sandbox.url)
    url = f"{sandbox.url}/_sandbox/wallet/bind/{created.reference_no}"
    async with aiohttp.ClientSession() as http, http.post(url) as resp:
        binding_id = str((await resp.json())["bindingId"])
    return client.wallet.customer(binding_id)


def debit_params(ref: str, value: str = "10000.00") -> dict[str, object]:
    return {
        "partnerReferenceNo": ref,
        "amount": {"value": value, "currency": "IDR"},
        "urlParams": [{"url": "https://merchant.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
        "additionalInfo": {},
    }


async def test_bind_balance_debit_complete_status_history(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    before = await client.wallet.balance(customer)
    assert before.account_infos
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
    assert start - after.account_infos[0].available_balance.value == 25000
    history = await client.wallet.history(customer, {
        "partnerReferenceNo": "", "fromDateTime": "2020-01-01T00:00:00+07:00",
        "toDateTime": "2099-01-01T00:00:00+07:00", "pageSize": "10", "pageNumber": "1",
        "additionalInfo": {},
    })
    assert any(d.additional_info and d.additional_info.partner_reference_no == "DEBIT0001"
               for d in history.detail_data or [])
    assert wallet.token_request_count("b2b") == 1
    assert wallet.debit_count("DEBIT0001") == 1


async def test_b2b_token_single_flight_for_many_calls(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    results = await asyncio.gather(*(client.wallet.balance(customer) for _ in range(300)))
    assert len(results) == 300
    assert wallet.token_request_count("b2b") == 1
    assert wallet.token_request_count("b2b2c") == 1


async def test_tokens_refreshed_for_both_kinds(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    await client.wallet.balance(customer)
    sandbox.advance(3 * 3600)  # both the B2B and the customer access token expired server-side
    await client.wallet.balance(customer)
    assert wallet.token_request_count("b2b") == 2
    assert wallet.token_request_count("b2b2c") >= 2


async def test_ambiguous_debit_lost_response_ends_with_one_debit(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    wallet.fail_next("debit/payment-host-to-host", "response_lost")
    result = await client.wallet.debit(customer, debit_params("LOST0001"))
    assert result.recovered
    assert result.status is not None
    assert wallet.debit_count("LOST0001") == 1
    assert wallet.request_count("debit/payment-host-to-host") == 1  # never blindly re-sent


async def test_ambiguous_debit_5xx_not_processed_is_resent_once(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    wallet.fail_next("debit/payment-host-to-host", "status_504")
    result = await client.wallet.debit(customer, debit_params("GW0001"))
    assert not result.recovered  # status said not found, so the debit was re-sent
    assert wallet.debit_count("GW0001") == 1
    assert wallet.request_count("debit/payment-host-to-host") == 2
    assert wallet.request_count("debit/status") == 1


async def test_status_unreadable_gives_outcome_unknown(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient],
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    wallet.fail_next("debit/payment-host-to-host", "response_lost")
    for _ in range(3):
        wallet.fail_next("debit/status", "status_500")
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
