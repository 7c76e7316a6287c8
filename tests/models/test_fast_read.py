"""Issue 16: the fast read of a request decides exactly as the reference rules.

``coerce_params`` reads a model that declares its per-field rules (``models._wire``) with one
``msgspec.convert`` into its fast variant; what that read refuses goes to the reference path
(``_read_checked``: the float walk, the strict variant, every Python rule). These tests feed
both the documented bodies with every field replaced by many edge values (and removed), and
grids of the cross-field options, and require the same outcome: the same wire bytes, or the
same field and rule. A constraint looser than its Python rule fails here.
"""

from __future__ import annotations

import copy
import decimal
import itertools
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from pivot_async import RequestValidationError
from pivot_async import models as m
from pivot_async._codec import encode
from pivot_async.models._strict import fast_variant, strict_variant
from pivot_async.resources._base import _float_plan, _Items, _read_checked, coerce_params

from .conftest import DOCUMENTED, create_body, debit_body, documented

#: The documented create bodies with the most distinct fields between them.
CREATE_STEMS = [f"payments__create__request__{name}" for name in (
    "va_single_api", "card_api_encryption", "qr_static_multiple", "card_redirect_tokenized",
)]

#: Values put in place of every field: types, lengths at and past each limit, URL, time and
#: amount edge cases, enum values of other fields, floats, deep free-form objects.
PROBES: list[Any] = [
    None, "", "a", "A" * 4, "A" * 5, "A" * 15, "A" * 16, "A" * 20, "A" * 21, "A" * 30,
    "A" * 31, "A" * 36, "A" * 37, "A" * 50, "A" * 51, "A" * 64, "A" * 65, "x" * 100,
    "x" * 101, "x" * 255, "x" * 256, "a b", "ab\n", "ab_c", "١٢", "１２",
    "https://shop.example/ok", "https://shop.example/" + "p" * 234,
    "https://shop.example/" + "p" * 235, "https://shop.example/" + "p" * 2027,
    "https://shop.example/" + "p" * 2028, "a" * 2048, "a" * 2049,
    "http://[::1]/x", "https://[::1", "https://bücher.example/", "HTTPS://A.B?q=1#f",
    "ftp:/x", "//x", "https://", "https://a b", "https://a/\u3000", "1http://x", "a+b.c-d://h",
    0, 1, -1, 2, 100, 101, 10**18 - 1, 10**18, 1.5, 0.0, -0.0, True, False,
    decimal.Decimal("1"), decimal.Decimal("1.5"), [], [{}], [1.5], {}, {"a": 1.5},
    {"value": 0, "currency": "IDR"}, {"value": 1, "currency": "USD"},
    {"value": "0.00", "currency": "IDR"}, {"value": "", "currency": ""},
    {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}},
    "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2025-04-31T00:00:00Z",
    "2025-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
    "2025-01-01T00:00:00.123456789Z", "2025-01-01T00:00:00.1234567890Z",
    "2025-01-01T24:00:00Z", "2025-01-01T00:00:00+07:00",
    "0", "0.00", "0.01", "10000", "10000.5", "10000.555", "1e3", "1_000", "-1", " 1",
    "000000000000000000001", "999999999999999999", "1000000000000000000", "1.",
    "AUTO", "TRANSFER_ONLY", "FIXED", "PERCENTAGE", "MULTIPLE", "SINGLE", "API", "REDIRECT",
    "QR", "VIRTUAL_ACCOUNT", "CARD", "EWALLET", "LOOSE", "STRICT", "IDR", "USD",
]

_DROP = object()


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i)
            yield from _paths(item, (*path, i))


def _replaced(body: dict[str, Any], path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    parent: Any = out
    for key in path[:-1]:
        parent = parent[key]
    if new is _DROP:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(new)
    return out


def _outcome(read: Any) -> tuple[str, ...]:
    try:
        result = read()
    except RequestValidationError as exc:
        return ("refused", exc.field, exc.rule)
    return ("accepted", encode(result).decode())


def _fast_accepts(params: Any, tp: type[Any]) -> bool:
    try:
        msgspec.convert(copy.deepcopy(params), fast_variant(tp), strict=True)
    except (msgspec.ValidationError, RequestValidationError):
        return False
    return True


def _agree(params: Any, tp: type[Any]) -> tuple[str, ...]:
    got = _outcome(lambda: coerce_params(copy.deepcopy(params), tp))
    ref = _outcome(lambda: _read_checked(copy.deepcopy(params), tp))
    assert got == ref, params
    if got[0] == "accepted":  # the same request built as a Struct reads the same way
        struct = _read_checked(copy.deepcopy(params), tp)
        assert _outcome(lambda: coerce_params(struct, tp)) == ref, params
    return got


def _mutations(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in _paths(body):
        yield _replaced(body, path, _DROP)
        for probe in PROBES:
            yield _replaced(body, path, probe)


def _check_all(bodies: list[dict[str, Any]], tp: type[Any]) -> dict[str, int]:
    seen = {"accepted": 0, "refused": 0, "fast": 0}
    for body in bodies:
        for params in _mutations(body):
            seen[_agree(params, tp)[0]] += 1
            seen["fast"] += _fast_accepts(params, tp)
    return seen


def test_the_fast_variants_exist_and_read_the_documented_bodies() -> None:
    for stem in ("payments__create__request__va_single_api",
                 "payments__create__request__card_api_encryption",
                 "payments__create__request__ewallet_api",
                 "wallet__debit_payment_host_to_host__request"):
        tp = m.DebitPaymentRequest if stem.startswith("wallet") else m.CreatePaymentRequest
        assert fast_variant(tp) is not None
        assert _fast_accepts(documented(stem), tp), stem  # the benchmark's bodies: no re-read


@pytest.mark.parametrize("stem", CREATE_STEMS)
def test_create_fast_read_agrees_field_by_field(stem: str) -> None:
    seen = _check_all([documented(stem)], m.CreatePaymentRequest)
    assert seen["refused"]  # (some documented bodies are refused as a whole: both agree)


def test_create_fast_read_agrees_on_the_cross_field_grid() -> None:
    flags: list[dict[str, Any]] = [{}, {"showSavedPayment": True}, {"showSavedPayment": False},
             {"bypassStatusPage": True}, {"saveForFutureUse": True}, {"saveForFuture": True},
             {"saveForFuture": False, "saveForFutureUse": True}, {"expirationMode": "STRICT"},
             {"expirationMode": "LOOSE"}]
    amounts = [{"value": 10000, "currency": "IDR"}, _DROP]
    seen = {"accepted": 0, "refused": 0, "fast": 0}
    for mode, method, ptype, amount, extra in itertools.product(
        ["API", "REDIRECT", _DROP], ["QR", "VIRTUAL_ACCOUNT", "CARD", "EWALLET", _DROP],
        ["SINGLE", "MULTIPLE", _DROP], amounts, flags,
    ):
        body = create_body(**extra)
        for key, value in (("mode", mode), ("paymentType", ptype), ("amount", amount)):
            body[key] = value
        body["paymentMethod"] = {"type": method}
        params = {k: v for k, v in body.items() if v is not _DROP}
        if method is _DROP:
            del params["paymentMethod"]
        seen[_agree(params, m.CreatePaymentRequest)[0]] += 1
        seen["fast"] += _fast_accepts(params, m.CreatePaymentRequest)
    assert seen["accepted"] and seen["refused"] and seen["fast"]


def test_create_fast_read_agrees_on_nested_options() -> None:
    richer = create_body(
        customer={"email": "a@b.c", "sureName": "S", "phoneNumber": {"countryCode": "+62",
                                                                     "number": "8123"},
                  "refundPreference": {"method": "TRANSFER_ONLY", "transferDestination": {
                      "channelCode": "BCA", "description": "refund 1",
                      "channelInformation": {"accountNumber": "123", "accountName": "A"}}}},
        orderInformation={"productDetails": [{"type": "DIGITAL", "quantity": 2,
                                              "price": {"value": 1, "currency": "IDR"}}],
                          "billingInfo": {"sureName": "B", "surname": "B"},
                          "shippingInfo": {"sureName": "C", "shippingFee": {"value": 5}}},
        splitRoutingConfigurations=[
            {"merchantId": "m1", "type": "FIXED", "fixedAmount": 100, "currency": "IDR"}],
        paymentMethodOptions={"card": {"captureMethod": "manual", "installment": {
            "enabled": True, "availablePlans": ["3", 6], "plan": ["3"]}},
            "ewallet": {"channel": "DANA", "expiryAt": "2030-01-31T00:00:00Z"},
            "qr": {"expiryAt": "2030-04-30T00:00:00.5Z"}},
        metadata={"k": [1, "x", {"n": None, "b": True}]},
        expiryAt="2030-02-28T23:59:59Z", customerId="c1", statementDescriptor="shop",
    )
    seen = _check_all([richer], m.CreatePaymentRequest)
    assert seen["accepted"] and seen["refused"] and seen["fast"]


@pytest.mark.parametrize("stem", ["payments__cancel__request", "payments__capture__request",
                                  "payments__confirm__request", "payments__simulations__request",
                                  "refunds__create__request", "wallet__debit_status__request",
                                  "wallet__balance_inquiry__request"])
def test_other_requests_agree_field_by_field(stem: str) -> None:
    tp = DOCUMENTED[stem]
    assert fast_variant(tp) is not None and _fast_accepts(documented(stem), tp)
    seen = _check_all([documented(stem)], tp)
    assert seen["accepted"] and seen["refused"] and seen["fast"]


def test_refund_fast_read_agrees_on_its_cross_field_rules() -> None:
    transfer = {"channelCode": "BCA", "description": "refund 1",
                "channelInformation": {"accountNumber": "123", "accountName": "A"}}
    base = documented("refunds__create__request")
    base.pop("chargeId", None)
    seen = {"accepted": 0, "refused": 0, "fast": 0}
    for ref, full, amount, method, dest in itertools.product(
        [{"paymentSessionId": "s"}, {"chargeId": "c"}, {"paymentSessionId": "s", "chargeId": "c"},
         {}], [True, False, None], [{"value": "10.5", "currency": "IDR"}, None],
        ["AUTO", "TRANSFER_ONLY", None], [transfer, None],
    ):
        params = {k: v for k, v in base.items() if k not in ("paymentSessionId", "amount")}
        extra = {"isFullAmount": full, "amount": amount, "method": method,
                 "transferDestination": dest}
        params |= ref | {k: v for k, v in extra.items() if v is not None}
        seen[_agree(params, m.CreateRefundRequest)[0]] += 1
        seen["fast"] += _fast_accepts(params, m.CreateRefundRequest)
    assert seen["accepted"] and seen["refused"] and seen["fast"]


def test_debit_fast_read_agrees_field_by_field() -> None:
    two = debit_body(urlParams=[{"url": "app://pay", "type": "PAY_RETURN", "isDeeplink": True},
                                {"url": "https://x.example", "type": "X", "isDeeplink": False}],
                     additionalInfo={"deep": {"list": [1, "a", None]}})
    seen = _check_all([debit_body(), two], m.DebitPaymentRequest)
    assert seen["accepted"] and seen["refused"] and seen["fast"]


_REFUND: dict[str, Any] = {"clientReferenceId": "r1", "paymentSessionId": "s", "reason": "OTHERS"}


@pytest.mark.parametrize(
    ("params", "tp", "field"),
    [
        (create_body(metadata={"rate": 1.5}), m.CreatePaymentRequest, "metadata.rate"),
        (create_body(metadata={"a": [{"b": [0, 2.5]}]}), m.CreatePaymentRequest,
         "metadata.a[0].b[1]"),
        (create_body(metadata={"a": {"b": {"c": {"d": {"e": {"f": {"g": 0.5}}}}}}}),
         m.CreatePaymentRequest, "metadata.a.b.c.d.e.f.g"),
        (create_body(amount={"value": 10000.0, "currency": "IDR"}), m.CreatePaymentRequest,
         "amount.value"),
        (create_body(splitRoutingConfigurations=[{"merchantId": "m", "type": "PERCENTAGE",
                                                  "percentageAmount": 12.5}]),
         m.CreatePaymentRequest, "splitRoutingConfigurations[0].percentageAmount"),
        (create_body(paymentMethodOptions={"card": {"installment": {"availablePlans": [3.0]}}}),
         m.CreatePaymentRequest, "paymentMethodOptions.card.installment.availablePlans[0]"),
        (debit_body(additionalInfo={"x": 0.1}), m.DebitPaymentRequest, "additionalInfo.x"),
        (debit_body(amount={"value": 1.5, "currency": "IDR"}), m.DebitPaymentRequest,
         "amount.value"),
        (debit_body(urlParams=[{"url": "https://x.example", "type": "T", "isDeeplink": 0.0}]),
         m.DebitPaymentRequest, "urlParams[0].isDeeplink"),
        (_REFUND | {"amount": {"value": 100.5, "currency": "IDR"}}, m.CreateRefundRequest,
         "amount.value"),
        (_REFUND | {"metadata": {"a": (1, 2.5)}}, m.CreateRefundRequest, "metadata.a[1]"),
        (create_body(amount=1.5), m.CreatePaymentRequest, "amount"),
        (create_body(clientReferenceId=1.5), m.CreatePaymentRequest, "clientReferenceId"),
    ],
)
def test_floats_are_still_refused_where_they_could_slip_in(
    params: dict[str, Any], tp: type[Any], field: str
) -> None:
    """Free-form (``Any``) members and ``Decimal`` fields would take a float: refused."""
    with pytest.raises(RequestValidationError) as info:
        coerce_params(params, tp)
    assert (info.value.field, info.value.rule) == (
        field, "must not be a float (use an int or a decimal string)"
    )


def test_the_float_walk_covers_only_members_that_would_take_a_float() -> None:
    """Typed fields refuse a float in C; only free-form and ``Decimal`` members are walked."""
    plan = _float_plan(strict_variant(m.CreatePaymentRequest))
    installment = {"card": {"installment": {"availablePlans": True, "plan": True}}}
    split = plan.pop("splitRoutingConfigurations")
    assert isinstance(split, _Items) and split.plan == {"percentageAmount": True}
    assert plan == {"metadata": True, "paymentMethodOptions": installment,
                    "paymentMethod": {"paymentMethodOptions": installment}}
    assert _float_plan(strict_variant(m.DebitPaymentRequest)) == {"additionalInfo": True}
