"""Helpers shared by the wallet sandbox flow tests (test_wallet_flow.py,
test_wallet_history_qris.py): the start time, the debit body, status, balance and history
queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv

START = dt.datetime(2026, 3, 2, 3, 0, 0, tzinfo=dt.timezone.utc)  # 10:00 in Jakarta
DEBIT = "debit/payment-host-to-host"


def debit_body(
    ref: str, value: str = "10000.00", return_url: str = "https://shop.example/return"
) -> dict[str, Any]:
    return {
        "additionalInfo": {},
        "subMerchantId": "sub-1",
        "partnerReferenceNo": ref,
        "amount": {"value": value, "currency": "IDR"},
        "urlParams": [{"url": return_url, "type": "PAY_RETURN", "isDeeplink": False}],
    }


async def status(env: WalletEnv, cust: BoundCustomer, ref: str) -> Any:
    return await env.snap.call(
        "debit/status",
        {"originalPartnerReferenceNo": ref, "serviceCode": "54"},
        token=cust.b2b,
        customer=cust.access,
    )


async def balance(env: WalletEnv, cust: BoundCustomer) -> str:
    res = await env.snap.call(
        "balance-inquiry", {"additionalInfo": {}}, token=cust.b2b, customer=cust.access
    )
    assert res.code == "2001100"
    return str(res.body["accountInfos"][0]["availableBalance"]["value"])


def history_query(**extra: str) -> dict[str, Any]:
    return {
        "partnerReferenceNo": "",
        "fromDateTime": "2026-03-01T00:00:00+07:00",
        "toDateTime": "2026-03-03T00:00:00+07:00",
        "pageSize": "10",
        "pageNumber": "1",
        "additionalInfo": {},
        **extra,
    }
