"""400 api_validation_error with per-field details for bad create payloads.

See docs/reference/wire.md#create-session and wire.md#sandbox-errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.helpers import Api, request_id, session_body

LONG = "x" * 256


def _drop(key: str) -> dict[str, Any]:
    body = session_body("va")
    del body[key]
    return body


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("reference missing", _drop("clientReferenceId"), "clientReferenceId"),
    (
        "reference not alphanumeric",
        session_body("va", clientReferenceId="order-1"),
        "clientReferenceId",
    ),
    ("reference too long", session_body("va", clientReferenceId="a" * 101), "clientReferenceId"),
    ("reference empty", session_body("va", clientReferenceId=""), "clientReferenceId"),
    ("amount missing", _drop("amount"), "amount"),
    (
        "amount float",
        session_body("va", amount={"value": 10000.5, "currency": "IDR"}),
        "amount.value",
    ),
    (
        "amount negative",
        session_body("va", amount={"value": -5, "currency": "IDR"}),
        "amount.value",
    ),
    (
        "amount currency",
        session_body("va", amount={"value": 10000, "currency": "USD"}),
        "amount.currency",
    ),
    (
        "below VA minimum",
        session_body("va", amount={"value": 9999, "currency": "IDR"}),
        "amount.value",
    ),
    (
        "above QR maximum",
        session_body("qr", amount={"value": 10_000_000, "currency": "IDR"}),
        "amount.value",
    ),
    (
        "above e-wallet maximum",
        session_body("ewallet", amount={"value": 10_000_000, "currency": "IDR"}),
        "amount.value",
    ),
    (
        "descriptor too long",
        session_body("va", statementDescriptor="d" * 21),
        "statementDescriptor",
    ),
    ("redirect missing in REDIRECT mode", session_body("hosted", redirectUrl=None), "redirectUrl"),
    (
        "redirect url too long",
        session_body(
            "va",
            redirectUrl={
                "successReturnUrl": LONG,
                "failureReturnUrl": "https://a",
                "expirationReturnUrl": "https://b",
            },
        ),
        "redirectUrl.successReturnUrl",
    ),
    (
        "redirect url empty",
        session_body(
            "va",
            redirectUrl={
                "successReturnUrl": "",
                "failureReturnUrl": "https://a",
                "expirationReturnUrl": "https://b",
            },
        ),
        "redirectUrl.successReturnUrl",
    ),
    ("expiry format", session_body("va", expiryAt="2026-01-01 10:00:00"), "expiryAt"),
    ("expiry offset", session_body("va", expiryAt="2026-01-01T10:00:00+07:00"), "expiryAt"),
    ("expiry past", session_body("va", expiryAt="2025-12-31T23:59:59Z"), "expiryAt"),
    (
        "expiry beyond 30 days for VA",
        session_body("va", expiryAt="2026-02-01T00:00:01Z"),
        "expiryAt",
    ),
    (
        "expiry beyond 60 minutes for QR",
        session_body("qr", expiryAt="2026-01-01T01:00:01Z"),
        "expiryAt",
    ),
    (
        "expiry beyond 30 minutes for e-wallet",
        session_body("ewallet", expiryAt="2026-01-01T00:30:01Z"),
        "expiryAt",
    ),
    (
        "qr option expiry",
        session_body("qr", paymentMethodOptions={"qr": {"expiryAt": "2027-01-01T00:00:00Z"}}),
        "paymentMethodOptions.qr.expiryAt",
    ),
    ("mode", session_body("va", mode="POPUP"), "mode"),
    ("paymentType", session_body("va", paymentType="ONCE"), "paymentType"),
    ("method type", session_body("va", paymentMethod={"type": "CASH"}), "paymentMethod.type"),
    (
        "va channel missing",
        session_body("va", paymentMethodOptions={"virtualAccount": {}}),
        "paymentMethodOptions.virtualAccount.channel",
    ),
    (
        "va channel unknown",
        session_body("va", paymentMethodOptions={"virtualAccount": {"channel": "XYZ"}}),
        "paymentMethodOptions.virtualAccount.channel",
    ),
    (
        "va options missing",
        session_body("va", paymentMethodOptions=None),
        "paymentMethodOptions.virtualAccount",
    ),
    (
        "ewallet channel not enabled",
        session_body("ewallet", paymentMethodOptions={"ewallet": {"channel": "OVO"}}),
        "paymentMethodOptions.ewallet.channel",
    ),
    (
        "capture method",
        session_body("card_api", paymentMethodOptions={"card": {"captureMethod": "later"}}),
        "paymentMethodOptions.card.captureMethod",
    ),
    ("autoConfirm type", session_body("va", autoConfirm="yes"), "autoConfirm"),
    ("customer email missing", session_body("va", customer={"givenName": "A"}), "customer.email"),
    ("customer email format", session_body("va", customer={"email": "nope"}), "customer.email"),
    (
        "refund preference needs destination",
        session_body(
            "va", customer={"email": "a@b.co", "refundPreference": {"method": "TRANSFER_ONLY"}}
        ),
        "customer.refundPreference.transferDestination",
    ),
    (
        "order products",
        session_body("va", orderInformation={"productDetails": []}),
        "orderInformation.productDetails",
    ),
    (
        "order product type",
        session_body(
            "va",
            orderInformation={
                "productDetails": [
                    {"type": "FOOD", "quantity": 1, "price": {"value": 1, "currency": "IDR"}}
                ]
            },
        ),
        "orderInformation.productDetails[0].type",
    ),
    (
        "card number",
        session_body(
            "card_api",
            autoConfirm=True,
            paymentMethod={
                "type": "CARD",
                "card": {"number": "4440", "expMonth": 1, "expYear": 30},
            },
        ),
        "paymentMethod.card.number",
    ),
    (
        "card expired",
        session_body(
            "card_api",
            autoConfirm=True,
            paymentMethod={
                "type": "CARD",
                "card": {"number": "4440000112200001", "expMonth": 1, "expYear": 2025},
            },
        ),
        "paymentMethod.card.expYear",
    ),
    ("metadata type", session_body("va", metadata=[1, 2]), "metadata"),
]


@pytest.mark.parametrize(("body", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_create_rejects(api: Api, body: dict[str, Any], field: str) -> None:
    status, answer = await api.post("/v2/payments", body)
    assert status == 400, answer
    assert answer["code"] == "api_validation_error"
    assert answer["error"]["type"] == "API_ERROR"
    assert answer["error"]["traceId"]
    assert answer["data"] == {}
    assert field in [d["field"] for d in answer["error"]["details"]]


async def test_every_bad_field_is_named(api: Api) -> None:
    body = session_body("va", clientReferenceId="a-b", statementDescriptor="d" * 30, mode="X")
    _status, answer = await api.post("/v2/payments", body)
    fields = {d["field"] for d in answer["error"]["details"]}
    assert {"clientReferenceId", "statementDescriptor", "mode"} <= fields


async def test_api_mode_without_method_is_named_with_the_other_problems(api: Api) -> None:
    body = session_body("va", clientReferenceId="a-b")
    del body["paymentMethod"]
    status, answer = await api.post("/v2/payments", body)
    assert status == 400
    details = {d["field"]: d["message"] for d in answer["error"]["details"]}
    assert details["paymentMethod"] == "paymentMethod is required when mode is API"
    assert "clientReferenceId" in details


@pytest.mark.parametrize("value", [None, "short", "has-dash-0123456789", "x" * 37])
async def test_request_id_rules_on_create(api: Api, value: str | None) -> None:
    headers = {} if value is None else {"X-REQUEST-ID": value}
    status, answer = await api.call("POST", "/v2/payments", session_body("va"), headers=headers)
    assert status == 400
    assert answer["error"]["details"][0]["field"] == "X-REQUEST-ID"


async def test_bad_json(api: Api) -> None:
    for raw in (b"{not json", b"[1, 2]", b""):
        status, answer = await api.call("POST", "/v2/payments", raw=raw, request_id=request_id())
        assert status == 400
        assert answer["code"] == "api_validation_error"


async def test_documented_quirks_are_accepted(api: Api) -> None:
    body = session_body("va", showSavedPayment=None, saveForFuture=False)
    status, _ = await api.post("/v2/payments", body)
    assert status == 200
    status, _ = await api.post(
        "/v2/payments",
        session_body(
            "card_api",
            paymentMethodOptions={"card": {"captureMethod": "MANUAL", "threeDsMethod": "never"}},
        ),
    )
    assert status == 200
