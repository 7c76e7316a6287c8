"""Issue 15.2 (client side): the documented bodies and rules, exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pivot_async import PivotClient, RequestValidationError
from pivot_async import models as m
from pivot_async._codec import encode
from pivot_async.models._util import check_expiry_at
from pivot_async.resources._base import coerce_params
from pivot_async.sandbox import Sandbox
from pivot_async.sandbox._util import parse_request_time

from .conftest import create_body, debit_body, documented


def _refused(params: Any, tp: type[Any]) -> RequestValidationError:
    with pytest.raises(RequestValidationError) as info:
        coerce_params(params, tp)
    return info.value


# -- wallet debit ("Payment to Merchant") -----------------------------------------------------


def test_documented_debit_body_is_accepted_as_is() -> None:
    body = documented("wallet__debit_payment_host_to_host__request")
    req = coerce_params(body, m.DebitPaymentRequest)
    assert json.loads(encode(req)) == {**body, "additionalInfo": {}}


@pytest.mark.parametrize("key", ["subMerchantId", "urlParams", "partnerReferenceNo", "amount"])
def test_debit_mandatory_fields(key: str) -> None:
    body = debit_body()
    del body[key]
    err = _refused(body, m.DebitPaymentRequest)
    assert (err.field, err.rule) == (key, "is required")


@pytest.mark.parametrize("key", ["url", "type", "isDeeplink"])
def test_debit_url_param_members_are_mandatory(key: str) -> None:
    body = debit_body()
    del body["urlParams"][0][key]
    err = _refused(body, m.DebitPaymentRequest)
    assert err.field == f"urlParams[0].{key}"
    assert err.rule == "is required"


@pytest.mark.parametrize(
    ("mutate", "field", "rule"),
    [
        (lambda b: b.update(urlParams=[]), "urlParams", "is required"),
        (lambda b: b.update(subMerchantId=""), "subMerchantId", "1-36"),
        (lambda b: b["urlParams"][0].update(url="https://m.example/" + "a" * 238),
         "urlParams[0].url", "1-255"),
        (lambda b: b["urlParams"][0].update(type="T" * 21), "urlParams[0].type", "1-20"),
        (lambda b: b["urlParams"][0].update(isDeeplink="Y"), "urlParams[0].isDeeplink", "bool"),
    ],
)
def test_debit_url_param_limits(mutate: Any, field: str, rule: str) -> None:
    body = debit_body()
    mutate(body)
    err = _refused(body, m.DebitPaymentRequest)
    assert err.field == field
    assert rule in err.rule


def test_debit_url_limits_are_inclusive() -> None:
    body = debit_body()
    body["urlParams"][0].update(url="https://m.example/" + "a" * 237, type="T" * 20)
    assert len(body["urlParams"][0]["url"]) == 255
    coerce_params(body, m.DebitPaymentRequest)


def test_debit_struct_form_needs_the_mandatory_fields() -> None:
    with pytest.raises(TypeError, match=r"sub_merchant_id|url_params"):
        m.DebitPaymentRequest(partner_reference_no="r",  # type: ignore[call-arg]
                              amount=m.DecimalAmount(value="1.00"))  # type: ignore[arg-type]
    with pytest.raises(RequestValidationError) as info:
        m.DebitPaymentRequest(
            sub_merchant_id="s", partner_reference_no="r",
            amount=m.DecimalAmount(value="1.00"),  # type: ignore[arg-type]
            url_params=[m.DebitUrlParam(url="u" * 256, type="PAY_RETURN", is_deeplink=False)],
        )
    assert info.value.field == "urlParams[0].url"


async def test_debit_without_sub_merchant_is_never_sent(client: PivotClient,
                                                        sandbox: Sandbox) -> None:
    body = debit_body()
    del body["subMerchantId"]
    with pytest.raises(RequestValidationError):
        await client.wallet.debit(None, body)  # type: ignore[arg-type]
    assert not [r for r in sandbox.requests if "debit" in r.path]


# -- QR MPM payment: the documented empty feeAmount ----------------------------------------


def test_documented_qr_payment_body_with_empty_fee_is_accepted_and_fee_not_sent() -> None:
    body = documented("wallet__qr_mpm_payment__request")
    assert body["feeAmount"] == {"value": "", "currency": ""}
    req = coerce_params(body, m.QrMpmPaymentRequest)
    assert req.fee_amount is None
    assert "feeAmount" not in json.loads(encode(req))


def test_empty_fee_in_struct_form_means_absent() -> None:
    req = m.QrMpmPaymentRequest(
        partner_reference_no="r", amount=m.DecimalAmount(value="36000"),  # type: ignore[arg-type]
        fee_amount=m.DecimalAmount(value="", currency=""),  # type: ignore[arg-type]
    )
    assert req.fee_amount is None
    assert "feeAmount" not in json.loads(encode(coerce_params(req, m.QrMpmPaymentRequest)))


@pytest.mark.parametrize("fee", [{"value": "", "currency": "IDR"}, {"value": "1.00",
                                                                     "currency": ""}])
def test_partly_empty_fee_is_refused(fee: dict[str, str]) -> None:
    body = documented("wallet__qr_mpm_payment__request")
    body["feeAmount"] = fee
    err = _refused(body, m.QrMpmPaymentRequest)
    assert err.field.startswith("feeAmount.")


def test_zero_fee_is_sent() -> None:
    body = documented("wallet__qr_mpm_payment__request")
    body["feeAmount"] = {"value": "0", "currency": "IDR"}
    sent = json.loads(encode(coerce_params(body, m.QrMpmPaymentRequest)))
    assert sent["feeAmount"] == {"value": "0.00", "currency": "IDR"}


# -- sureName / surname ----------------------------------------------------------------------


@pytest.mark.parametrize("where", ["customer", "billingInfo", "shippingInfo"])
def test_sure_name_is_sent_as_surname(where: str) -> None:
    person = {"givenName": "Reforza", "sureName": "Geotama", "email": "r@p.example"}
    body = _with_person(where, person)
    sent = json.loads(encode(coerce_params(body, m.CreatePaymentRequest)))
    got = _person(where, sent)
    assert got["surname"] == "Geotama"
    assert "sureName" not in got


@pytest.mark.parametrize("where", ["customer", "billingInfo", "shippingInfo"])
def test_sure_name_and_surname_must_agree(where: str) -> None:
    same = {"sureName": "Geotama", "surname": "Geotama", "email": "r@p.example"}
    sent = json.loads(encode(coerce_params(_with_person(where, same), m.CreatePaymentRequest)))
    assert _person(where, sent)["surname"] == "Geotama"
    differ = {"sureName": "Geotama", "surname": "Other", "email": "r@p.example"}
    err = _refused(_with_person(where, differ), m.CreatePaymentRequest)
    assert err.field.endswith(f"{where}.sureName")
    assert "conflicts with surname" in err.rule


def test_documented_sure_name_body_is_accepted() -> None:
    body = documented("payments__create__request__card_redirect_tokenized")
    assert body["orderInformation"]["billingInfo"]["sureName"] == "Geotama"
    sent = json.loads(encode(coerce_params(body, m.CreatePaymentRequest)))
    assert sent["orderInformation"]["billingInfo"]["surname"] == "Geotama"


def _with_person(where: str, person: dict[str, Any]) -> dict[str, Any]:
    if where == "customer":
        return create_body(customer=person)
    # the order's people carry their required fields (givenName, email; shipping: method)
    person = {"givenName": "Reforza", **person}
    info = {where: {**person, "method": "REGULAR"} if where == "shippingInfo" else person}
    products = [{"type": "PHYSICAL", "quantity": 1, "price": {"value": 10000}}]
    return create_body(orderInformation={"productDetails": products, **info})


def _person(where: str, sent: dict[str, Any]) -> dict[str, Any]:
    return sent["customer"] if where == "customer" else sent["orderInformation"][where]  # type: ignore[no-any-return]


def test_response_only_customer_fields_are_refused() -> None:
    err = _refused(create_body(customer={"email": "a@b.example", "storedPaymentMethods": []}),
                   m.CreatePaymentRequest)
    assert err.field == "customer.storedPaymentMethods"


# -- "applicable only" fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"mode": "API", "showSavedPayment": True}, "showSavedPayment"),
        ({"mode": "API", "bypassStatusPage": True}, "bypassStatusPage"),
        ({"paymentMethod": {"type": "VIRTUAL_ACCOUNT"}, "expirationMode": "STRICT"},
         "expirationMode"),
        ({"paymentMethod": {"type": "QR"}, "paymentMethodOptions": {},
          "saveForFutureUse": True}, "saveForFutureUse"),
        ({"paymentMethod": {"type": "VIRTUAL_ACCOUNT"}, "saveForFuture": True},
         "saveForFuture"),
        ({"paymentType": "MULTIPLE", "paymentMethod": {"type": "CARD"}}, "paymentType"),
        ({"paymentType": "MULTIPLE", "mode": "REDIRECT"}, "paymentType"),
        ({"expirationMode": "SOMETIMES"}, "expirationMode"),
    ],
)
def test_applicable_only_fields_are_refused_where_they_would_not_apply(
    extra: dict[str, Any], field: str
) -> None:
    err = _refused(create_body(**extra), m.CreatePaymentRequest)
    assert err.field == field


@pytest.mark.parametrize(
    "extra",
    [
        {"mode": "API", "showSavedPayment": False},
        {"mode": "API", "bypassStatusPage": False},
        {"mode": "REDIRECT", "showSavedPayment": True, "bypassStatusPage": True},
        {"showSavedPayment": True, "bypassStatusPage": True, "mode": None},
        {"paymentMethod": {"type": "VIRTUAL_ACCOUNT"}, "expirationMode": "LOOSE"},
        {"paymentMethod": {"type": "VIRTUAL_ACCOUNT"}, "saveForFutureUse": False},
        {"paymentMethod": {"type": "CARD"}, "paymentMethodOptions": {},
         "expirationMode": "STRICT", "saveForFutureUse": True},
        {"paymentMethod": {"type": "EWALLET"},
         "paymentMethodOptions": {"ewallet": {"channel": "DANA"}},
         "expirationMode": "STRICT", "saveForFutureUse": True},
        {"paymentMethod": None, "paymentMethodOptions": None, "mode": "REDIRECT",
         "expirationMode": "STRICT", "saveForFutureUse": True},
    ],
)
def test_explicit_defaults_and_applicable_values_pass(extra: dict[str, Any]) -> None:
    coerce_params(create_body(**extra), m.CreatePaymentRequest)


# -- one expiryAt rule (client == sandbox) ------------------------------------------------


EXPIRY = [
    "2030-01-01T00:00:00Z", "2030-01-01T00:00:00.1Z", "2030-01-01T00:00:00.123Z",
    "2030-01-01T00:00:00.123456789Z", "2030-01-01T00:00:00.1234567890Z",
    "2030-01-01T00:00:00.Z", "2030-01-01T00:00:00,123Z", "2030-01-01T00:00:00.123+07:00",
    "2030-02-29T00:00:00Z", "2028-02-29T00:00:00.5Z", "2030-01-01T24:00:00Z",
    "2030-01-01T00:00:60Z", "0000-01-01T00:00:00Z", "٢٠٣٠-01-01T00:00:00Z",
    "2030-01-01T00:00:00.١Z", "2030-01-01 00:00:00Z", "2030-01-01T00:00:00z", "",
]


@pytest.mark.parametrize("value", EXPIRY)
def test_expiry_at_rule_is_the_sandbox_rule(value: str) -> None:
    try:
        check_expiry_at(value, "expiryAt")
        client_ok = True
    except RequestValidationError:
        client_ok = False
    assert client_ok == (parse_request_time(value) is not None)


def test_expiry_at_accepts_milliseconds() -> None:
    req = coerce_params(create_body(expiryAt="2030-01-01T00:00:00.123Z"), m.CreatePaymentRequest)
    assert req.expiry_at == "2030-01-01T00:00:00.123Z"
    err = _refused(create_body(expiryAt="2030-01-01T00:00:00.1234567890Z"),
                   m.CreatePaymentRequest)
    assert err.field == "expiryAt"


# -- other documented alternate spellings are sent under the reference name --------------------


def test_save_for_future_is_sent_as_save_for_future_use() -> None:
    body = create_body(paymentMethod={"type": "CARD"}, paymentMethodOptions={},
                       saveForFuture=True)
    sent = json.loads(encode(coerce_params(body, m.CreatePaymentRequest)))
    assert sent["saveForFutureUse"] is True
    assert "saveForFuture" not in sent
    body["saveForFutureUse"] = False
    err = _refused(body, m.CreatePaymentRequest)
    assert err.field == "saveForFuture"
    assert "conflicts" in err.rule


def test_unbinding_redirection_url_is_sent_as_redirect_url() -> None:
    body = documented("wallet__account_unbinding__request")
    body["additionalInfo"] = {"redirectionUrl": "https://m.example/ok",
                              "failedRedirectionUrl": "https://m.example/no"}
    sent = json.loads(encode(coerce_params(body, m.AccountUnbindingRequest)))
    assert sent["additionalInfo"] == {"redirectUrl": "https://m.example/ok",
                                      "failedRedirectUrl": "https://m.example/no"}
    body["additionalInfo"]["redirectUrl"] = "https://m.example/other"
    err = _refused(body, m.AccountUnbindingRequest)
    assert err.field == "additionalInfo.redirectionUrl"
