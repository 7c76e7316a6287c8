"""Wallet faults through the one fault API (`sandbox.faults`), as on every route."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv

DEBIT = "debit/payment-host-to-host"
API = "/wallet-backend/snap/v1.0/"
B2B = "/snap/v1.0/access-token/b2b"


def fail_next(env: WalletEnv, path: str, kind: str, status: int = 503) -> None:
    """One fault on the next ``POST path``."""
    env.sandbox.faults.add(kind=kind, status=status, route=f"POST {path}", times=1)


def debit_body(ref: str) -> dict[str, Any]:
    return {
        "subMerchantId": "sub-1",
        "partnerReferenceNo": ref,
        "amount": {"value": "10000.00", "currency": "IDR"},
        "urlParams": [{"url": "https://merchant.example/back", "type": "PAY_RETURN",
                       "isDeeplink": False}],
        "additionalInfo": {},
    }


async def debit_status(env: WalletEnv, cust: BoundCustomer, ref: str) -> Any:
    return await env.snap.call(
        "debit/status",
        {"originalPartnerReferenceNo": ref, "serviceCode": "54"},
        token=cust.b2b,
        customer=cust.access,
    )


async def test_response_lost_leaves_the_debit_recorded(env: WalletEnv, cust: BoundCustomer) -> None:
    fail_next(env, API + DEBIT, "drop")
    with pytest.raises(aiohttp.ClientConnectionError):
        await env.snap.call(DEBIT, debit_body("lost-1"), token=cust.b2b, customer=cust.access)
    assert env.wallet.debit_count("lost-1") == 1
    status = await debit_status(env, cust, "lost-1")
    assert status.code == "2005500"
    assert status.body["latestTransactionStatus"] == "01"
    # a blind re-send is caught by the partnerReferenceNo guard
    again = await env.snap.call(DEBIT, debit_body("lost-1"), token=cust.b2b, customer=cust.access)
    assert again.code == "4095401"
    assert env.wallet.debit_count("lost-1") == 1
    assert env.wallet.debit_attempts["lost-1"] == 2
    # the fault was consumed: the next debit answers normally
    ok = await env.snap.call(DEBIT, debit_body("lost-2"), token=cust.b2b, customer=cust.access)
    assert ok.code == "2005400"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("status", 500, "5005400"),
        ("status", 504, "5045400"),
        ("status", 429, "4295400"),
    ],
)
async def test_status_faults_do_not_process(
    env: WalletEnv, cust: BoundCustomer, kind: str, status: int, code: str
) -> None:
    fail_next(env, API + DEBIT, kind, status)
    res = await env.snap.call(DEBIT, debit_body("f-1"), token=cust.b2b, customer=cust.access)
    assert (res.status, res.code) == (status, code)
    assert env.wallet.debit_count("f-1") == 0
    assert (await debit_status(env, cust, "f-1")).code == "4045501"
    ok = await env.snap.call(DEBIT, debit_body("f-1"), token=cust.b2b, customer=cust.access)
    assert ok.code == "2005400"


async def test_faults_queue_per_path_and_accept_full_paths(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    fail_next(env, API + "balance-inquiry", "status", 429)
    fail_next(env, API + "balance-inquiry", "status", 500)
    codes = [
        (await env.snap.call("balance-inquiry", {}, token=cust.b2b, customer=cust.access)).code
        for _ in range(3)
    ]
    assert codes == ["4291100", "5001100", "2001100"]
    assert env.sandbox.request_count("POST", API + "balance-inquiry") == 3


async def test_token_endpoint_faults(env: WalletEnv) -> None:
    fail_next(env, B2B, "status", 429)
    res = await env.snap.token_request("b2b", {"grantType": "client_credentials"})
    assert (res.status, res.body["responseCode"]) == (429, "4297300")
    fail_next(env, B2B, "drop")
    with pytest.raises(aiohttp.ClientConnectionError):
        await env.snap.token_request("b2b", {"grantType": "client_credentials"})
    log = env.sandbox.context.requests
    assert log.handled("POST", B2B, 200) == 1  # issued, but the answer was lost
    assert await env.snap.b2b_token()
    assert log.handled("POST", B2B) == 2  # the 429 was never processed


async def test_unknown_fault_kind_is_rejected(env: WalletEnv) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        fail_next(env, API + DEBIT, "explode")
