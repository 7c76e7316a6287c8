"""Sandbox responses have the shapes of the documented examples (tests/data/examples).

For each main scenario the documented request is sent (adjusted only where it must be: times
relative to the sandbox clock, ids that exist in the sandbox), and every key of the documented
response must be present in the sandbox's answer with the same JSON type (null matches any).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from pivot_async.sandbox import Sandbox
from tests.data import EXAMPLES_DIR as EXAMPLES
from tests.sandbox.helpers import Api, encrypt_card

IGNORED = {"storePaymentMethods"}  # a documented misspelling; the sandbox uses storedPaymentMethods
ALIASES = {"sureName": "surname"}  # the sandbox echoes the spelling the customer was created with


def example(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def assert_shape(expected: Any, actual: Any, path: str = "$") -> None:
    if expected is None or actual is None:
        return
    assert _kind(expected) == _kind(actual), f"{path}: {_kind(expected)} != {_kind(actual)}"
    if isinstance(expected, dict):
        for key, value in expected.items():
            if key in IGNORED:
                continue
            if key not in actual and ALIASES.get(key) in actual:
                key = ALIASES[key]
            assert key in actual, f"{path}.{key} is missing"
            assert_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list) and expected and actual:
        assert_shape(expected[0], actual[0], f"{path}[0]")


def request(name: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(example(f"payments__create__request__{name}"))
    body.pop("expiryAt", None)  # the documented dates are in the sandbox clock's past
    for options in (body.get("paymentMethodOptions") or {}).values():
        if isinstance(options, dict):
            options.pop("expiryAt", None)
    body.update(overrides)
    return body


CREATE = [
    "hosted_ui",
    "card_api_encryption",
    "card_api_tokenization_initiation",
    "card_redirect",
    "card_redirect_tokenization_initiation",
    "ewallet_api",
    "ewallet_redirect",
    "qr_dynamic_api",
    "qr_dynamic_redirect",
    "va_single_api",
    "va_single_redirect",
    "va_static_multiple",
]


@pytest.mark.parametrize("name", CREATE)
async def test_create_responses(api: Api, name: str) -> None:
    status, body = await api.post("/v2/payments", request(name))
    assert status == 200, body
    assert_shape(example(f"payments__create__response__{name}"), body)


async def test_static_qr_request_is_accepted(api: Api) -> None:
    status, body = await api.post("/v2/payments", request("qr_static_multiple"))
    assert status == 200
    assert body["data"]["paymentMethod"]["qr"]["qrType"] == "STATIC"


async def test_tokenized_requests(api: Api, sandbox: Sandbox) -> None:
    status, first = await api.post("/v2/payments", request("card_api_tokenization_initiation"))
    customer_id = first["data"]["customerId"]
    status, body = await api.post(
        "/v2/payments", request("card_redirect_tokenized", customerId=customer_id)
    )
    assert status == 200
    assert_shape(example("payments__create__response__card_redirect_tokenized"), body)


async def test_confirm_cancel_and_object_shapes(api: Api, sandbox: Sandbox) -> None:
    status, created = await api.post("/v2/payments", request("card_api_encryption"))
    session = created["data"]
    confirm = copy.deepcopy(example("payments__confirm__request"))
    confirm["paymentMethod"]["card"]["encryptedCard"] = encrypt_card(
        session["encryptionKey"], "4440000112290002", capitalised=True
    )
    status, body = await api.post(f"/v2/payments/{session['id']}/confirm", confirm)
    assert status == 200, body
    assert_shape(example("payments__confirm__response"), body)
    sandbox.complete_3ds(session["id"])
    status, listed = await api.get(f"/v2/payments?clientReferenceId={session['clientReferenceId']}")
    assert_shape(example("payments__retrieve_by_client_reference_id__response"), listed)
    paid = listed["data"][0]
    assert_shape(
        example("payments__object__payment_session"),
        {**paid, "encryptionKey": paid.get("encryptionKey")},
    )
    assert_shape(example("payments__object__charge")["chargeDetails"][0], paid["chargeDetails"][0])
    assert_shape(example("payments__object__card_charge"), paid["chargeDetails"][0]["card"])
    assert_shape(
        example("payments__object__fds")["fdsRiskAssessment"],
        paid["chargeDetails"][0]["fdsRiskAssessment"],
    )
    event = sandbox.events[-1]
    assert_shape(
        example("callbacks__payment__callback__payment_paid"),
        {"event": event.event, "data": event.data},
    )
    status, hosted = await api.post("/v2/payments", request("hosted_ui"))
    status, cancelled = await api.post(
        f"/v2/payments/{hosted['data']['id']}/cancel", example("payments__cancel__request")
    )
    assert_shape(example("payments__cancel__response"), cancelled)


async def test_charge_sub_objects(api: Api, sandbox: Sandbox) -> None:
    _, va = await api.post("/v2/payments", request("va_single_api"))
    assert_shape(
        example("payments__object__virtual_account_charge"),
        va["data"]["chargeDetails"][0]["virtualAccount"],
    )
    _, qr = await api.post("/v2/payments", request("qr_dynamic_api"))
    assert_shape(example("payments__object__qr_charge"), qr["data"]["chargeDetails"][0]["qr"])
    body = request(
        "ewallet_api",
        paymentMethod={"type": "EWALLET", "ewallet": {"accountIdentifier": "08111111001"}},
    )
    _status, wallet = await api.post("/v2/payments", body)
    charge = (await api.session(wallet["data"]["id"]))["chargeDetails"][0]
    assert_shape(example("payments__object__ewallet_charge"), charge["ewallet"])


async def test_other_routes(api: Api, sandbox: Sandbox) -> None:
    status, token = await api.call(
        "POST",
        "/v1/access-token",
        example("auth__access_token__request"),
        auth=False,
        headers={"X-MERCHANT-ID": api.client_id, "X-MERCHANT-SECRET": api.client_secret},
    )
    assert_shape(example("auth__access_token__response"), token)
    status, configs = await api.get("/v2/payment-method-configs")
    assert_shape(example("payments__payment_method_configs__response"), configs)
    status, va = await api.post("/v2/payments", request("va_single_api"))
    simulation = example("payments__simulations__request")
    simulation["paymentSessionId"] = va["data"]["id"]
    status, simulated = await api.post("/v2/payments/simulations", simulation)
    assert simulated == example("payments__simulations__response") | {"data": {"updated": "true"}}
    assert_shape(example("payments__simulations__response"), simulated)
    refund = example("refunds__create__request")
    refund["paymentSessionId"] = va["data"]["id"]
    status, created = await api.post("/v1/refunds", refund)
    assert status == 200, created
    assert_shape(example("refunds__create__response"), created)
    sandbox.advance_refund(created["data"]["id"])
    status, got = await api.get(f"/v1/refunds/{created['data']['id']}")
    assert_shape(example("refunds__retrieve__response"), got)
    assert_shape(example("refunds__object__refund"), got["data"])


async def test_customer_shape(api: Api, sandbox: Sandbox) -> None:
    _, created = await api.post("/v2/payments", request("card_api_tokenization_initiation"))
    session = created["data"]
    encrypted = encrypt_card(session["encryptionKey"], "4440000112290002")
    await api.post(
        f"/v2/payments/{session['id']}/confirm",
        {"paymentMethod": {"type": "CARD", "card": {"encryptedCard": encrypted}}},
    )
    sandbox.complete_3ds(session["id"])
    _status, customer = await api.get(f"/v1/customers/{session['customerId']}")
    documented = example("customers__object__response__customer_object")["customer"]
    documented["storedPaymentMethods"] = documented["storedPaymentMethods"][:1]
    assert_shape(documented, customer["data"])


@pytest.mark.parametrize(
    "name",
    [
        "multiple_requires_api_mode",
        "multiple_not_allowed_for_method",
        "qris_multiple_must_not_include_amount",
    ],
)
async def test_documented_validation_errors(api: Api, name: str) -> None:
    bodies = {
        "multiple_requires_api_mode": request("va_static_multiple", mode="REDIRECT"),
        "multiple_not_allowed_for_method": request(
            "va_static_multiple",
            paymentMethod={"type": "EWALLET"},
            paymentMethodOptions={"ewallet": {"channel": "DANA"}},
        ),
        "qris_multiple_must_not_include_amount": request(
            "qr_static_multiple", amount={"value": 10000, "currency": "IDR"}
        ),
    }
    status, body = await api.post("/v2/payments", bodies[name])
    documented = example(f"errors__payments__error__api_validation_error_{name}")
    assert status == 400
    assert_shape(documented, body["error"])
    assert body["error"]["details"] == documented["details"]
