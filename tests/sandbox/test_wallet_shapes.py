"""Wallet sandbox: each endpoint accepts the documented example request and answers with the
documented example's keys (tests/data/examples holds a copy of the documented examples)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pivot_async.sandbox._clock import ManualClock
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv, wallet_server

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
# 2025-07-23 10:00 Jakarta: inside the example history-list window.
START = dt.datetime(2025, 7, 23, 3, 0, 0, tzinfo=dt.timezone.utc)


def example(name: str) -> Any:
    return json.loads((EXAMPLES / f"wallet__{name}.json").read_text("utf-8"))


def shape(value: Any) -> Any:
    """Keys all the way down (first element of lists)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
async def env() -> AsyncIterator[WalletEnv]:
    async with wallet_server(clock=ManualClock(START)) as e:
        yield e


@pytest.fixture
async def cust(env: WalletEnv) -> BoundCustomer:
    return await env.snap.bind_customer()


async def test_b2b_token_shape(env: WalletEnv) -> None:
    res = await env.snap.token_request("b2b", example("access_token_b2b__request"))
    assert shape(res.body) == shape(example("access_token_b2b__response"))


async def test_b2b2c_token_shape(env: WalletEnv, cust: BoundCustomer) -> None:
    body = example("access_token_b2b2c__request")
    body["authCode"] = cust.binding_id  # the example carries a {{bindingId}} placeholder
    res = await env.snap.token_request("b2b2c", body)
    assert shape(res.body) == shape(example("access_token_b2b2c__response"))


async def test_account_creation_shape(env: WalletEnv) -> None:
    b2b = await env.snap.b2b_token()
    res = await env.snap.call(
        "registration-account-creation", example("account_creation__request"), token=b2b
    )
    assert shape(res.body) == shape(example("account_creation__response"))


async def test_unbinding_shape(env: WalletEnv, cust: BoundCustomer) -> None:
    body = example("account_unbinding__request")
    body["tokenId"] = cust.binding_id
    res = await env.snap.call("registration-account-unbinding", body, token=cust.b2b)
    assert shape(res.body) == shape(example("account_unbinding__response"))


async def test_balance_shape(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        "balance-inquiry", example("balance_inquiry__request"), token=cust.b2b, customer=cust.access
    )
    assert shape(res.body) == shape(example("balance_inquiry__response"))


async def test_debit_shape(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await env.snap.call(
        "debit/payment-host-to-host",
        example("debit_payment_host_to_host__request"),
        token=cust.b2b,
        customer=cust.access,
    )
    assert shape(res.body) == shape(example("debit_payment_host_to_host__response"))


async def test_debit_status_shape(env: WalletEnv, cust: BoundCustomer) -> None:
    debit = example("debit_payment_host_to_host__request")
    debit["partnerReferenceNo"] = "partner-ref-9"
    await env.snap.call("debit/payment-host-to-host", debit, token=cust.b2b, customer=cust.access)
    env.wallet.complete_payment("partner-ref-9")
    res = await env.snap.call(
        "debit/status", example("debit_status__request"), token=cust.b2b, customer=cust.access
    )
    money = {"value": "str", "currency": "str"}
    # No documented example: the field table (docs/reference/wire-snap.md#wallet-endpoints).
    assert shape(res.body) == {
        "responseCode": "str",
        "responseMessage": "str",
        "originalPartnerReferenceCode": "str",
        "originalReferenceNo": "str",
        "serviceCode": "str",
        "latestTransactionStatus": "str",
        "transactionStatusDesc": "str",
        "paidTime": "str",
        "transAmount": money,
        "feeAmount": money,
        "additionalInfo": {},
    }


async def test_qr_shapes(env: WalletEnv, cust: BoundCustomer) -> None:
    dec = await env.snap.call(
        "qr/qr-mpm-decode", example("qr_mpm_decode__request"), token=cust.b2b, customer=cust.access
    )
    assert shape(dec.body) == shape(example("qr_mpm_decode__response"))
    pay = example("qr_mpm_payment__request")
    pay["additionalInfo"]["qrisId"] = dec.body["additionalInfo"]["qrisId"]
    res = await env.snap.call("qr/qr-mpm-payment", pay, token=cust.b2b, customer=cust.access)
    assert shape(res.body) == shape(example("qr_mpm_payment__response"))
    ott = await env.snap.call(
        "qr/apply-ott", example("qr_apply_ott__request"), token=cust.b2b, customer=cust.access
    )
    assert shape(ott.body) == shape(example("qr_apply_ott__response"))


async def test_history_shapes(env: WalletEnv, cust: BoundCustomer) -> None:
    debit = example("debit_payment_host_to_host__request")
    debit["partnerReferenceNo"] = "REF/20250723/0001"
    await env.snap.call("debit/payment-host-to-host", debit, token=cust.b2b, customer=cust.access)
    detail = await env.snap.call(
        "transaction-history-detail",
        example("transaction_history_detail__request"),
        token=cust.b2b,
        customer=cust.access,
    )
    assert shape(detail.body) == shape(example("transaction_history_detail__response"))
    listing = await env.snap.call(
        "transaction-history-list",
        example("transaction_history_list__request"),
        token=cust.b2b,
        customer=cust.access,
    )
    assert listing.code == "2001200"
    # No documented example (docs/reference/wire-snap.md#wallet-endpoints).
    assert shape(listing.body) == {
        "responseCode": "str",
        "responseMessage": "str",
        "detailData": [
            {
                "dateTime": "str",
                "status": "str",
                "type": "str",
                "amount": {"value": "str", "currency": "str"},
                "additionalInfo": {"referenceNo": "str", "partnerReferenceNo": "str"},
            }
        ],
    }
    assert len(listing.body["detailData"]) == 2


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("wallet__*__response.json")))
def test_example_response_codes_parse(name: str) -> None:
    from pivot_async._signing import parse_response_code

    status, service, case = parse_response_code(
        json.loads((EXAMPLES / name).read_text("utf-8"))["responseCode"]
    )
    assert (status, case) == (200, "00")
    assert service.isdigit()
