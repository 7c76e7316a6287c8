"""Fields Pivot's field tables mark mandatory are refused when missing, before anything is sent.

The order object: ``productDetails`` (M); in ``billingInfo`` / ``shippingInfo`` ``givenName`` (M)
and ``email`` (M); in ``shippingInfo`` ``method`` (M). A ``transferDestination``'s
``channelInformation{accountNumber 1-30, accountName 1-50}``. Each is required only where its
parent object is present (docs/reference/wire.md#required-fields). The wallet's apply-OTT
``additionalInfo.partnerReferenceNo`` (docs/reference/wire-snap.md#required-snap-fields).
Both reads (the fast read and the reference rules) must refuse with the same path and rule.
"""

from __future__ import annotations

from typing import Any

import pytest

from pivot_async import PivotClient, RequestValidationError
from pivot_async import models as m
from pivot_async.resources._base import _read_checked, coerce_params
from pivot_async.sandbox import Sandbox

from .conftest import create_body, documented

CREATE = "payments__create__request__va_single_api"
_ACCOUNT = "transferDestination.channelInformation.accountName"

#: (documented body, path removed from it, the field and rule of the error)
MISSING: list[tuple[str, str, str]] = [
    (CREATE, "orderInformation.productDetails", "is required"),
    (CREATE, "orderInformation.billingInfo.givenName", "is required"),
    (CREATE, "orderInformation.billingInfo.email", "is required"),
    (CREATE, "orderInformation.shippingInfo.givenName", "is required"),
    (CREATE, "orderInformation.shippingInfo.email", "is required"),
    (CREATE, "orderInformation.shippingInfo.method", "is required"),
    (CREATE, f"customer.refundPreference.{_ACCOUNT}", "is required"),
    ("refunds__create__request", _ACCOUNT, "is required"),
]

_MODELS: dict[str, type[Any]] = {
    CREATE: m.CreatePaymentRequest, "refunds__create__request": m.CreateRefundRequest,
}


def _without(body: dict[str, Any], path: str) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = body
    for key in parents:
        node = node[key]
    assert last in node, path  # the documented body carries the field
    del node[last]
    return body


def _both_refuse(body: dict[str, Any], tp: type[Any]) -> RequestValidationError:
    with pytest.raises(RequestValidationError) as fast:
        coerce_params(body, tp)
    with pytest.raises(RequestValidationError) as reference:
        _read_checked(body, tp)
    assert (fast.value.field, fast.value.rule) == (reference.value.field, reference.value.rule)
    return fast.value


@pytest.mark.parametrize(("stem", "path", "rule"), MISSING, ids=[p for _, p, _ in MISSING])
def test_missing_mandatory_field_is_refused_with_its_path(stem: str, path: str,
                                                          rule: str) -> None:
    err = _both_refuse(_without(documented(stem), path), _MODELS[stem])
    assert err.field == path
    assert rule in err.rule


@pytest.mark.parametrize("path", [p for _, p, _ in MISSING if p.startswith("order")])
def test_missing_order_field_is_refused_at_confirm(path: str) -> None:
    order = documented(CREATE)["orderInformation"]
    body = {"paymentMethod": {"type": "VIRTUAL_ACCOUNT"}, "orderInformation": order}
    err = _both_refuse(_without(body, path), m.ConfirmPaymentRequest)
    assert err.field == path


def test_empty_product_list_is_refused() -> None:
    body = documented(CREATE)
    body["orderInformation"]["productDetails"] = []
    err = _both_refuse(body, m.CreatePaymentRequest)
    assert err.field == "orderInformation.productDetails"
    assert "is required" in err.rule


@pytest.mark.parametrize("value", [None, ""])
def test_null_or_empty_account_name_is_refused(value: str | None) -> None:
    body = documented("refunds__create__request")
    body["transferDestination"]["channelInformation"]["accountName"] = value
    err = _both_refuse(body, m.CreateRefundRequest)
    assert err.field == _ACCOUNT


def test_the_fields_are_required_only_under_their_parent() -> None:
    """No orderInformation, billingInfo, shippingInfo or transferDestination: nothing to fill."""
    coerce_params(create_body(), m.CreatePaymentRequest)
    order = {"productDetails": [{"type": "SERVICE", "quantity": 1, "price": {"value": 1000}}]}
    coerce_params(create_body(orderInformation=order), m.CreatePaymentRequest)
    coerce_params(create_body(customer={"email": "a@b.example",
                                        "refundPreference": {"method": "AUTO"}}),
                  m.CreatePaymentRequest)
    refund = documented("refunds__create__request")
    del refund["transferDestination"]
    coerce_params(refund, m.CreateRefundRequest)


def test_every_documented_body_still_passes() -> None:
    for stem in (CREATE, "refunds__create__request", "payments__create__request__card_redirect",
                 "payments__create__request__hosted_ui"):
        coerce_params(documented(stem), _MODELS.get(stem, m.CreatePaymentRequest))


async def test_create_without_shipping_method_is_never_sent(client: PivotClient,
                                                            sandbox: Sandbox) -> None:
    body = _without(documented(CREATE), "orderInformation.shippingInfo.method")
    with pytest.raises(RequestValidationError) as info:
        await client.payments.create(body)  # type: ignore[arg-type]
    assert info.value.field == "orderInformation.shippingInfo.method"
    assert not [r for r in sandbox.requests if r.path.startswith("/v2/payments")]


async def test_refund_without_account_name_is_never_sent(client: PivotClient,
                                                         sandbox: Sandbox) -> None:
    body = _without(documented("refunds__create__request"), _ACCOUNT)
    with pytest.raises(RequestValidationError) as info:
        await client.refunds.create(body)  # type: ignore[arg-type]
    assert info.value.field == _ACCOUNT
    assert not [r for r in sandbox.requests if r.path.startswith("/v1/refunds")]


# -- SNAP qr/apply-ott (49): additionalInfo.partnerReferenceNo, the operation's duplicate key --

OTT = "wallet__qr_apply_ott__request"


@pytest.mark.parametrize(("path", "field"), [
    ("additionalInfo.partnerReferenceNo", "additionalInfo.partnerReferenceNo"),
    ("additionalInfo", "additionalInfo"),
])
def test_apply_ott_without_partner_reference_is_refused(path: str, field: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        coerce_params(_without(documented(OTT), path), m.ApplyOttRequest)
    assert (info.value.field, info.value.rule) == (field, "is required")


def test_apply_ott_empty_partner_reference_is_refused() -> None:
    body = documented(OTT)
    body["additionalInfo"]["partnerReferenceNo"] = ""
    with pytest.raises(RequestValidationError) as info:
        coerce_params(body, m.ApplyOttRequest)
    assert info.value.field == "additionalInfo.partnerReferenceNo"


def test_documented_apply_ott_body_passes_and_user_resources_still_default() -> None:
    body = documented(OTT)
    del body["userResources"]
    assert coerce_params(body, m.ApplyOttRequest).user_resources == ["OTT"]


@pytest.mark.parametrize("method", ["EXPRESS", "regular", ""])
def test_an_undocumented_shipping_method_is_refused(method: str) -> None:
    body = documented(CREATE)
    body["orderInformation"]["shippingInfo"]["method"] = method
    error = _both_refuse(body, m.CreatePaymentRequest)
    assert error.field == "orderInformation.shippingInfo.method"
    assert error.rule == "must be one of REGULAR, NEXTDAY, SAMEDAY, INSTANT"


@pytest.mark.parametrize("method", m.orders.SHIPPING_METHODS)
def test_every_documented_shipping_method_passes(method: str) -> None:
    body = documented(CREATE)
    body["orderInformation"]["shippingInfo"]["method"] = method
    request = coerce_params(body, m.CreatePaymentRequest)
    assert request.order_information is not None
    assert request.order_information.shipping_info is not None
    assert request.order_information.shipping_info.method == method
