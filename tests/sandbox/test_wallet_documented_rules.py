"""Issue 15, point 2 (wallet sandbox side): the documented bodies of "Payment to Merchant"
(debit 54) and "QRIS Payment H2H" (QR MPM 50), and the rules of their parameter tables.

Debit: ``subMerchantId``, ``urlParams`` and each ``urlParams[].url``, ``.type``, ``.isDeeplink``
are mandatory (``400 54 02`` naming the field), ``url`` <= 255 and ``type`` <= 20 characters
(``400 54 01``). QR MPM: ``feeAmount: {"value": "", "currency": ""}`` means no fee.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from pivot_async.sandbox._clock import ManualClock
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv, wallet_server

DATA = Path(__file__).resolve().parents[1] / "data" / "examples"
START = dt.datetime(2026, 3, 2, 3, 0, 0, tzinfo=dt.timezone.utc)
DEBIT = "debit/payment-host-to-host"
QR_PAY = "qr/qr-mpm-payment"
EXAMPLE_QR = (
    "00020101021126660014ID.LINKAJA.WWW011893600911000000000802152103124400000080303UMI5144"
    "0014ID.CO.QRIS.WWW0215ID20210652077750303UMI5204839853033605802ID5922YAY BAKTI KAMAJAYA"
    " IND6006SLEMAN61055528162070703A016304FA4D"
)


def documented(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / f"wallet__{name}__request.json").read_text("utf-8"))
    return body


@pytest.fixture
async def env() -> AsyncIterator[WalletEnv]:
    async with wallet_server(clock=ManualClock(START)) as e:
        yield e


@pytest.fixture
async def cust(env: WalletEnv) -> BoundCustomer:
    return await env.snap.bind_customer()


async def _debit(env: WalletEnv, cust: BoundCustomer, body: dict[str, Any]) -> Any:
    return await env.snap.call(DEBIT, body, token=cust.b2b, customer=cust.access)


# -- debit (54) -------------------------------------------------------------------------------


async def test_documented_debit_body_is_accepted(env: WalletEnv, cust: BoundCustomer) -> None:
    res = await _debit(env, cust, documented("debit_payment_host_to_host"))
    assert res.code == "2005400", res.body


Mutation = Callable[[dict[str, Any]], Any]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("subMerchantId"), "subMerchantId"),
        (lambda b: b.__setitem__("subMerchantId", ""), "subMerchantId"),
        (lambda b: b.pop("urlParams"), "urlParams"),
        (lambda b: b.__setitem__("urlParams", []), "urlParams"),
        (lambda b: b["urlParams"][0].pop("url"), "urlParams[0].url"),
        (lambda b: b["urlParams"][0].pop("type"), "urlParams[0].type"),
        (lambda b: b["urlParams"][0].pop("isDeeplink"), "urlParams[0].isDeeplink"),
        (lambda b: b["urlParams"][0].__setitem__("isDeeplink", None), "urlParams[0].isDeeplink"),
        (
            lambda b: b["urlParams"].append({"url": "https://a.example", "type": "PAY_RETURN"}),
            "urlParams[1].isDeeplink",
        ),
    ],
)
async def test_debit_mandatory_fields(
    env: WalletEnv, cust: BoundCustomer, mutate: Mutation, field: str
) -> None:
    body = copy.deepcopy(documented("debit_payment_host_to_host"))
    mutate(body)
    res = await _debit(env, cust, body)
    assert res.code == "4005402", res.body
    assert res.body["responseMessage"] == f"Invalid Mandatory Field {{{field}}}"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.__setitem__("subMerchantId", "m" * 37), "subMerchantId"),
        (lambda b: b.__setitem__("urlParams", {"url": "https://a.example"}), "urlParams"),
        (lambda b: b["urlParams"].__setitem__(0, "https://a.example"), "urlParams[0]"),
        (
            lambda b: b["urlParams"][0].__setitem__("url", "https://a.example/" + "p" * 238),
            "urlParams[0].url",
        ),
        (lambda b: b["urlParams"][0].__setitem__("type", "T" * 21), "urlParams[0].type"),
        (lambda b: b["urlParams"][0].__setitem__("type", 7), "urlParams[0].type"),
        (lambda b: b["urlParams"][0].__setitem__("isDeeplink", "yes"), "urlParams[0].isDeeplink"),
        (lambda b: b["urlParams"][0].__setitem__("isDeeplink", 0), "urlParams[0].isDeeplink"),
        (lambda b: b["urlParams"][0].__setitem__("isDeeplink", "Y"), "urlParams[0].isDeeplink"),
    ],
)
async def test_debit_field_formats(
    env: WalletEnv, cust: BoundCustomer, mutate: Mutation, field: str
) -> None:
    body = copy.deepcopy(documented("debit_payment_host_to_host"))
    mutate(body)
    res = await _debit(env, cust, body)
    assert res.code == "4005401", res.body
    assert res.body["responseMessage"] == f"Invalid Field Format {{{field}}}"


@pytest.mark.parametrize(
    "param",
    [
        {"url": "https://a.example/" + "p" * 237, "type": "T" * 20, "isDeeplink": True},  # 255
        {"url": "merchantapp://paid", "type": "PAY_NOTIFY", "isDeeplink": True},
    ],
)
async def test_debit_limits_are_inclusive(
    env: WalletEnv, cust: BoundCustomer, param: dict[str, Any]
) -> None:
    assert len(param["url"]) <= 255
    body = documented("debit_payment_host_to_host")
    body["urlParams"] = [param]
    body["subMerchantId"] = "m" * 36
    res = await _debit(env, cust, body)
    assert res.code == "2005400", res.body


# -- QR MPM payment (50) ----------------------------------------------------------------------


async def _qris_id(env: WalletEnv, cust: BoundCustomer) -> str:
    dec = await env.snap.call(
        "qr/qr-mpm-decode",
        {"qrContent": EXAMPLE_QR, "scanTime": "2026-03-02T10:00:00+07:00", "additionalInfo": {}},
        token=cust.b2b,
        customer=cust.access,
    )
    assert dec.code == "2004800"
    return str(dec.body["additionalInfo"]["qrisId"])


async def test_documented_qr_payment_body_empty_fee_means_no_fee(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    body = documented("qr_mpm_payment")
    assert body["feeAmount"] == {"value": "", "currency": ""}
    body["additionalInfo"]["qrisId"] = await _qris_id(env, cust)
    res = await env.snap.call(QR_PAY, body, token=cust.b2b, customer=cust.access)
    assert res.code == "2005000", res.body
    assert res.body["feeAmount"] == {"currency": "IDR", "value": "0.00"}


@pytest.mark.parametrize(
    ("fee", "field"),
    [
        ({"value": "1500.00", "currency": ""}, "feeAmount.currency"),
        ({"value": "1500.00"}, "feeAmount.currency"),
        ({"value": "", "currency": "IDR"}, "feeAmount.value"),
    ],
)
async def test_half_empty_fee_is_refused(
    env: WalletEnv, cust: BoundCustomer, fee: dict[str, Any], field: str
) -> None:
    body = documented("qr_mpm_payment")
    body["additionalInfo"]["qrisId"] = await _qris_id(env, cust)
    body["feeAmount"] = fee
    res = await env.snap.call(QR_PAY, body, token=cust.b2b, customer=cust.access)
    assert res.code == "4005002", res.body
    assert res.body["responseMessage"] == f"Invalid Mandatory Field {{{field}}}"
