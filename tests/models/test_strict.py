"""Issue 15.1: a misspelled or unknown key in any request is refused before anything is sent."""

from __future__ import annotations

import copy
import json
import typing
from typing import Any

import msgspec
import pytest

from pivot_async import PivotClient, RequestValidationError
from pivot_async import models as m
from pivot_async._codec import decode, encode
from pivot_async.models._strict import strict_variant, suggest
from pivot_async.resources._base import coerce_params
from pivot_async.sandbox import Sandbox

from .conftest import DOCUMENTED, create_body, debit_body, documented


def _refused(params: Any, tp: type[Any]) -> RequestValidationError:
    with pytest.raises(RequestValidationError) as info:
        coerce_params(params, tp)
    return info.value


async def test_misspelled_capture_method_is_refused_and_nothing_is_sent(
    client: PivotClient, sandbox: Sandbox
) -> None:
    body = create_body(paymentMethod={"type": "CARD"},
                       paymentMethodOptions={"card": {"captureMetod": "manual"}})
    sandbox.reset_requests()
    with pytest.raises(RequestValidationError) as info:
        await client.payments.create(body)  # type: ignore[arg-type]  # misspelled key on purpose
    assert info.value.field == "paymentMethodOptions.card.captureMetod"
    assert "did you mean `captureMethod`?" in info.value.rule
    assert sandbox.request_count("POST", "/v2/payments") == 0


@pytest.mark.parametrize(
    ("extra", "field", "hint"),
    [
        ({"payment_method_options": {}}, "payment_method_options", "paymentMethodOptions"),
        ({"capture_method": "manual"}, "capture_method", None),
        ({"redirect_url": {}}, "redirect_url", "redirectUrl"),
        ({"ClientReferenceID": "x"}, "ClientReferenceID", "clientReferenceId"),
        ({"expiryat": "2030-01-01T00:00:00Z"}, "expiryat", "expiryAt"),
        ({"metadataa": {}}, "metadataa", "metadata"),
        ({"zzz": 1}, "zzz", None),
    ],
)
def test_top_level_unknown_keys_get_a_hint(extra: dict[str, Any], field: str,
                                           hint: str | None) -> None:
    err = _refused(create_body(**extra), m.CreatePaymentRequest)
    assert err.field == field
    if hint is None:
        assert "did you mean" not in err.rule
    else:
        assert f"did you mean `{hint}`?" in err.rule


@pytest.mark.parametrize(
    ("mutate", "field", "hint"),
    [
        (lambda b: b["paymentMethodOptions"]["virtualAccount"].update(chanel="BCA"),
         "paymentMethodOptions.virtualAccount.chanel", "channel"),
        (lambda b: b["redirectUrl"].update(success_return_url="https://a.example"),
         "redirectUrl.success_return_url", "successReturnUrl"),
        (lambda b: b["amount"].update(curency="USD"), "amount.curency", "currency"),
        (lambda b: b.update(customer={"email": "a@b.example", "given_name": "A"}),
         "customer.given_name", "givenName"),
        (lambda b: b.update(orderInformation={"productDetails": [
            {"type": "PHYSICAL", "quantity": 1, "price": {"value": 1}, "qty": 2}]}),
         "orderInformation.productDetails[0].qty", None),
        (lambda b: b.update(splitRoutingConfigurations=[
            {"merchantId": "m", "type": "FIXED", "fixedAmount": 5, "fixedAmt": 5}]),
         "splitRoutingConfigurations[0].fixedAmt", "fixedAmount"),
    ],
)
def test_nested_unknown_keys_name_the_full_wire_path(mutate: Any, field: str,
                                                     hint: str | None) -> None:
    body = create_body()
    mutate(body)
    err = _refused(body, m.CreatePaymentRequest)
    assert err.field == field
    if hint is not None:
        assert f"did you mean `{hint}`?" in err.rule


def test_struct_input_with_a_nested_dict_is_read_strictly() -> None:
    req = m.CreatePaymentRequest(
        client_reference_id="order1",
        amount=m.Amount(value=10000),
        payment_method=m.PaymentMethod(type="CARD"),
        payment_method_options=m.PaymentMethodOptions(
            card={"captureMetod": "manual"}),  # type: ignore[arg-type]
        redirect_url=m.RedirectUrl(**{k: "https://shop.example/x" for k in (
            "success_return_url", "failure_return_url", "expiration_return_url")}),
    )
    err = _refused(req, m.CreatePaymentRequest)
    assert err.field == "paymentMethodOptions.card.captureMetod"
    assert "did you mean `captureMethod`?" in err.rule


def test_struct_input_with_a_wrong_nested_value_names_its_path() -> None:
    req = m.CreatePaymentRequest(
        client_reference_id="order1",
        amount=m.Amount(value=10000),
        payment_method=m.PaymentMethod(type="CARD"),
        payment_method_options=m.PaymentMethodOptions(
            card=m.CardOptions(capture_method=5)),  # type: ignore[arg-type]
        redirect_url=m.RedirectUrl(**{k: "https://shop.example/x" for k in (
            "success_return_url", "failure_return_url", "expiration_return_url")}),
    )
    err = _refused(req, m.CreatePaymentRequest)
    assert err.field == "paymentMethodOptions.card.captureMethod"


def test_struct_input_with_a_correct_nested_dict_is_accepted() -> None:
    req = m.CreatePaymentRequest(
        client_reference_id="order1",
        amount=m.Amount(value=10000),
        payment_method=m.PaymentMethod(type="CARD"),
        payment_method_options=m.PaymentMethodOptions(
            card={"captureMethod": "manual"}),  # type: ignore[arg-type]
        redirect_url=m.RedirectUrl(**{k: "https://shop.example/x" for k in (
            "success_return_url", "failure_return_url", "expiration_return_url")}),
    )
    body = coerce_params(req, m.CreatePaymentRequest)
    assert isinstance(body, m.CreatePaymentRequest)
    assert json.loads(encode(body))["paymentMethodOptions"] == {
        "card": {"captureMethod": "manual"}}


@pytest.mark.parametrize("stem", sorted(DOCUMENTED))
def test_every_request_model_refuses_an_unknown_top_level_key(stem: str) -> None:
    body = documented(stem)
    assert coerce_params(copy.deepcopy(body), DOCUMENTED[stem]) is not None  # documented: ok
    body["unknownKey"] = 1
    err = _refused(body, DOCUMENTED[stem])
    assert err.field == "unknownKey"


def _structs_in(tp: Any) -> list[type[Any]]:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return [tp]
    return [s for arg in typing.get_args(tp) for s in _structs_in(arg)]


def _reachable(tp: type[Any], seen: set[type[Any]] | None = None) -> set[type[Any]]:
    seen = set() if seen is None else seen
    seen.add(tp)
    for f in msgspec.structs.fields(tp):
        for inner in _structs_in(f.type):
            if inner not in seen:
                _reachable(inner, seen)
    return seen


REQUEST_TYPES = sorted({*DOCUMENTED.values()}, key=lambda t: t.__name__)


@pytest.mark.parametrize("tp", REQUEST_TYPES, ids=lambda t: t.__name__)
def test_every_nested_request_object_forbids_unknown_fields(tp: type[Any]) -> None:
    strict = strict_variant(tp)
    assert issubclass(strict, tp)
    reached = _reachable(strict)
    for inner in reached:
        assert inner.__struct_config__.forbid_unknown_fields, inner.__name__
    # the public (response-side) classes stay tolerant
    assert not any(t.__struct_config__.forbid_unknown_fields
                   for t in _reachable(tp) if t is not tp)


def test_free_form_objects_stay_free_form() -> None:
    body = create_body(metadata={"anything": {"nested": [1, "x"]}, "snake_case": True})
    req = coerce_params(body, m.CreatePaymentRequest)
    assert req.metadata == {"anything": {"nested": [1, "x"]}, "snake_case": True}
    debit = coerce_params(debit_body(additionalInfo={"whatever": "x", "deep": {"k": 1}}),
                          m.DebitPaymentRequest)
    assert debit.additional_info == {"whatever": "x", "deep": {"k": 1}}


def test_response_models_stay_tolerant_of_new_fields() -> None:
    raw = (b'{"code":"00","data":{"id":"s1","status":"PAID","newTopLevel":1,'
           b'"amount":{"value":10000,"currency":"IDR","formatted":"Rp"},'
           b'"paymentMethod":{"type":"CARD","card":{"brandNew":true}},'
           b'"paymentMethodOptions":{"card":{"captureMethod":"manual","x":1}},'
           b'"redirectUrl":{"successReturnUrl":"https://a","extra":1},'
           b'"customer":{"email":"a@b","vip":true}}}')
    env = decode(raw, m.Envelope[m.PaymentSession])
    assert env.data is not None and env.data.amount == m.Amount(value=10000)
    refund = decode(b'{"id":"r","status":"PENDING","amount":{"value":"1.00","currency":"IDR",'
                    b'"x":1},"transferDestination":{"channelCode":"014","new":1}}', m.Refund)
    assert refund.id == "r"
    wallet = decode(b'{"responseCode":"2005400","referenceNo":"1","new":1,'
                    b'"additionalInfo":{"urlExpiredAt":"x","more":1}}', m.DebitPaymentResponse)
    assert wallet.reference_no == "1"


@pytest.mark.parametrize(
    ("key", "candidates", "expected"),
    [
        ("payment_method_options", ["paymentMethodOptions", "paymentMethod"],
         "paymentMethodOptions"),
        ("captureMetod", ["captureMethod", "threeDsMethod"], "captureMethod"),
        ("CAPTUREMETHOD", ["captureMethod"], "captureMethod"),
        ("threeDSMethod", ["captureMethod", "threeDsMethod"], "threeDsMethod"),
        ("zzz", ["captureMethod"], None),
        ("x", [], None),
    ],
)
def test_suggest(key: str, candidates: list[str], expected: str | None) -> None:
    assert suggest(key, candidates) == expected


async def test_device_information_keys_are_checked(client: PivotClient) -> None:
    from pivot_async import Card

    card = Card("4440000112290002", 12, 2030, "123")
    with pytest.raises(RequestValidationError) as info:
        await client.cards.encrypt("not-used", card,
                                   device={"userAgnet": "x"})  # type: ignore[arg-type]
    assert info.value.field == "deviceInformations.userAgnet"
    assert "did you mean `userAgent`?" in info.value.rule


def test_an_empty_key_is_still_named() -> None:
    err = _refused({**create_body(), "": 1}, m.CreatePaymentRequest)
    assert err.field == '""'
