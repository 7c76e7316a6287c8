"""Models: the client-side validation rules of the request models (payments, refunds, wallet).

Encoding, decoding, callbacks and reprs are in tests/test_models_wire.py.
"""

from __future__ import annotations

import decimal
import json
from typing import Any

import msgspec
import pytest

from pivot_async._codec import decode, encode
from pivot_async._errors import RequestValidationError, ResponseValidationError
from pivot_async.models import (
    AccountCreationRequest,
    Amount,
    ApplyOttRequest,
    B2B2CTokenRequest,
    B2BTokenRequest,
    BalanceInquiryRequest,
    CancelPaymentRequest,
    CapturePaymentRequest,
    ConfirmPaymentRequest,
    CreatePaymentRequest,
    CreateRefundRequest,
    Customer,
    DebitPaymentRequest,
    DebitStatusRequest,
    DebitUrlParam,
    DecimalAmount,
    OrderInformation,
    PaymentCard,
    PaymentMethod,
    PaymentMethodOptions,
    PhoneNumber,
    ProductDetail,
    QrMpmPaymentRequest,
    QrOptions,
    QrOttRequestInfo,
    RedirectUrl,
    SimulationRequest,
    SplitRoutingConfiguration,
    TransactionHistoryListRequest,
    TransferDestination,
)
from pivot_async.models.customers import ChannelInformation
from tests._model_requests import REDIRECT
from tests._model_requests import create_request as _create


def _refund(**overrides: Any) -> CreateRefundRequest:
    fields: dict[str, Any] = {
        "client_reference_id": "refund-1",
        "payment_session_id": "44a14481-fa75-49a5-b17f-d03d8c5d52a6",
        "amount": DecimalAmount(value=decimal.Decimal("10000")),
        "reason": "REQUESTED_BY_CUSTOMER",
    }
    fields.update(overrides)
    return CreateRefundRequest(**fields)


def _destination(**overrides: Any) -> TransferDestination:
    fields: dict[str, Any] = {
        "channel_code": "BCA",
        "channel_information": ChannelInformation(account_number="999966660001",
                                                  account_name="Jane Doe"),
        "description": "Refund Pivot",
    }
    fields.update(overrides)
    return TransferDestination(**fields)


def _redirect(**overrides: Any) -> RedirectUrl:
    return msgspec.structs.replace(REDIRECT, **overrides)


# -- create payment rules ------------------------------------------------------------------------

CREATE_RULES: list[tuple[str, dict[str, Any], str, str]] = [
    ("ref empty", {"client_reference_id": ""}, "clientReferenceId", "1-100 alphanumeric"),
    ("ref too long", {"client_reference_id": "a" * 101}, "clientReferenceId", "1-100"),
    ("ref not alnum", {"client_reference_id": "order-1"}, "clientReferenceId", "alphanumeric"),
    ("ref not ascii", {"client_reference_id": "ordér1"}, "clientReferenceId", "alphanumeric"),
    ("descriptor", {"statement_descriptor": "x" * 21}, "statementDescriptor", "at most 20"),
    ("no redirect", {"redirect_url": None}, "redirectUrl", "is required"),
    ("success url empty", {"redirect_url": _redirect(success_return_url="")},
     "redirectUrl.successReturnUrl", "1-255"),
    ("success url long",
     {"redirect_url": _redirect(success_return_url="https://m.com/" + "a" * 242)},
     "redirectUrl.successReturnUrl", "1-255"),
    ("failure url missing", {"redirect_url": _redirect(failure_return_url=None)},
     "redirectUrl.failureReturnUrl", "is required"),
    ("expiration url relative", {"redirect_url": _redirect(expiration_return_url="/expired")},
     "redirectUrl.expirationReturnUrl", "absolute URL"),
    ("multiple for card",
     {"payment_type": "MULTIPLE", "mode": "API", "payment_method": PaymentMethod(type="CARD")},
     "paymentType", "only allowed for QR and VIRTUAL_ACCOUNT"),
    ("multiple without method", {"payment_type": "MULTIPLE", "mode": "API"},
     "paymentType", "only allowed for QR and VIRTUAL_ACCOUNT"),
    ("multiple redirect",
     {"payment_type": "MULTIPLE", "mode": "REDIRECT",
      "payment_method": PaymentMethod(type="VIRTUAL_ACCOUNT")},
     "paymentType", "only allowed with mode API"),
    ("multiple default mode",
     {"payment_type": "MULTIPLE", "payment_method": PaymentMethod(type="QR")},
     "paymentType", "only allowed with mode API"),
    ("static qr with amount",
     {"payment_type": "MULTIPLE", "mode": "API", "payment_method": PaymentMethod(type="QR")},
     "amount", "must be omitted for a static (MULTIPLE) QR"),
    ("single without amount", {"amount": None}, "amount", "is required"),
    ("static va without amount",
     {"amount": None, "payment_type": "MULTIPLE", "mode": "API",
      "payment_method": PaymentMethod(type="VIRTUAL_ACCOUNT")},
     "amount", "is required"),
    ("float amount", {"amount": Amount(value=10000.0)}, "amount.value", "not a float"),  # type: ignore[arg-type]
    ("bool amount", {"amount": Amount(value=True)}, "amount.value", "not a boolean"),
    ("zero amount", {"amount": Amount(value=0)}, "amount.value", "positive"),
    ("negative amount", {"amount": Amount(value=-5)}, "amount.value", "positive"),
    ("string amount", {"amount": Amount(value="10000")}, "amount.value", "integer"),  # type: ignore[arg-type]
    ("fractional decimal", {"amount": Amount(value=decimal.Decimal("10.5"))},  # type: ignore[arg-type]
     "amount.value", "whole number"),
    ("19 digits", {"amount": Amount(value=10**18)}, "amount.value", "18 digits"),
    ("currency", {"amount": Amount(value=10000, currency="USD")}, "amount.currency", "IDR"),
    ("expiry with space", {"expiry_at": "2025-12-30 23:59:00"}, "expiryAt", "YYYY-MM-DDTHH:MM:SSZ"),
    ("expiry with 10-digit fraction", {"expiry_at": "2025-12-30T23:59:00.0000000000Z"},
     "expiryAt", "YYYY-MM-DD"),
    ("expiry with offset", {"expiry_at": "2025-12-30T23:59:00+07:00"}, "expiryAt", "YYYY-MM-DD"),
    ("expiry not a date", {"expiry_at": "2025-02-30T00:00:00Z"}, "expiryAt", "YYYY-MM-DD"),
    ("method without type", {"payment_method": PaymentMethod()}, "paymentMethod.type",
     "is required"),
    ("qr option expiry",
     {"payment_method_options": PaymentMethodOptions(qr=QrOptions(expiry_at="tomorrow"))},
     "paymentMethodOptions.qr.expiryAt", "YYYY-MM-DD"),
    ("customer without email", {"customer": Customer(given_name="Jane")}, "customer.email",
     "is required"),
    ("customer phone",
     {"customer": Customer(email="j@x.id", phone_number=PhoneNumber(country_code="+62",
                                                                    number="8" * 16))},
     "customer.phoneNumber.number", "1-15"),
    ("product price float",
     {"order_information": OrderInformation(product_details=[
         ProductDetail(type="PHYSICAL", quantity=1, price=Amount(value=1.5))])},  # type: ignore[arg-type]
     "orderInformation.productDetails[0].price.value", "not a float"),
    ("product quantity",
     {"order_information": OrderInformation(product_details=[
         ProductDetail(type="PHYSICAL", quantity=0, price=Amount(value=100))])},
     "orderInformation.productDetails[0].quantity", "positive integer"),
    ("split fixed",
     {"split_routing_configurations": [SplitRoutingConfiguration(merchant_id="m1", type="FIXED")]},
     "splitRoutingConfigurations[0].fixedAmount", "positive integer"),
    ("split percentage",
     {"split_routing_configurations": [SplitRoutingConfiguration(
         merchant_id="m1", type="PERCENTAGE", percentage_amount=decimal.Decimal(150))]},
     "splitRoutingConfigurations[0].percentageAmount", "at most 100"),
    ("split percentage float",
     {"split_routing_configurations": [SplitRoutingConfiguration(
         merchant_id="m1", type="PERCENTAGE", percentage_amount=12.5)]},  # type: ignore[arg-type]
     "splitRoutingConfigurations[0].percentageAmount", "decimal"),
]


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [pytest.param(o, f, r, id=i) for i, o, f, r in CREATE_RULES],
)
def test_create_payment_rules(overrides: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        _create(**overrides)
    assert info.value.field == field
    assert rule in info.value.rule
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"client_reference_id": "A" * 100}, id="ref 100 chars"),
        pytest.param({"statement_descriptor": "x" * 20}, id="descriptor 20"),
        pytest.param({"amount": None, "payment_type": "MULTIPLE", "mode": "API",
                      "payment_method": PaymentMethod(type="QR")}, id="static qr"),
        pytest.param({"payment_type": "MULTIPLE", "mode": "API",
                      "payment_method": PaymentMethod(type="VIRTUAL_ACCOUNT")}, id="static va"),
        pytest.param({"expiry_at": "2025-12-30T23:59:00Z"}, id="expiry"),
        pytest.param({"amount": Amount(value=999_999_999_999_999_999)}, id="18 digits"),
        pytest.param({"redirect_url": _redirect(success_return_url="myapp://done")}, id="deeplink"),
    ],
)
def test_create_payment_accepts(overrides: dict[str, Any]) -> None:
    _create(**overrides)


def test_integral_decimal_amount_is_normalised_to_int() -> None:
    req = _create(amount=Amount(value=decimal.Decimal("10000")))  # type: ignore[arg-type]
    assert req.amount is not None
    assert req.amount.value == 10000
    assert type(req.amount.value) is int


def test_validate_again_after_mutation() -> None:
    req = _create()
    req.statement_descriptor = "x" * 30
    with pytest.raises(RequestValidationError) as info:
        req.validate()
    assert info.value.field == "statementDescriptor"


def test_validation_runs_when_decoding_a_request_body() -> None:
    body = b'{"clientReferenceId":"a-b","amount":{"value":1},"redirectUrl":{}}'
    with pytest.raises(ResponseValidationError) as info:
        decode(body, CreatePaymentRequest)
    cause = info.value.__cause__
    assert cause is not None
    assert isinstance(cause.__cause__, RequestValidationError)
    assert cause.__cause__.field == "clientReferenceId"


def test_error_text_never_quotes_card_data() -> None:
    card = PaymentCard(number="4440000112200001", cvc="123")
    with pytest.raises(RequestValidationError) as info:
        ConfirmPaymentRequest(payment_method=PaymentMethod(card=card))
    assert info.value.field == "paymentMethod.type"
    assert "4440000112200001" not in str(info.value)


# -- other payment requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field", "rule"),
    [
        pytest.param(lambda: CapturePaymentRequest(release_remaining_amount=True,
                                                   amount=Amount(value=1.0)),  # type: ignore[arg-type]
                     "amount.value", "not a float", id="capture float"),
        pytest.param(lambda: CapturePaymentRequest(release_remaining_amount="yes"),  # type: ignore[arg-type]
                     "releaseRemainingAmount", "boolean", id="capture release"),
        pytest.param(lambda: ConfirmPaymentRequest(payment_method=PaymentMethod()),
                     "paymentMethod.type", "is required", id="confirm type"),
        pytest.param(lambda: ConfirmPaymentRequest(
            payment_method=PaymentMethod(type="QR"),
            payment_method_options=PaymentMethodOptions(qr=QrOptions(expiry_at="x"))),
            "paymentMethodOptions.qr.expiryAt", "YYYY", id="confirm options"),
        pytest.param(lambda: SimulationRequest(payment_session_id="s", charge_status="PAID"),
                     "chargeStatus", "SUCCESS, EXPIRED", id="simulation status"),
        pytest.param(lambda: SimulationRequest(payment_session_id="", charge_status="SUCCESS"),
                     "paymentSessionId", "1-255", id="simulation id"),
        pytest.param(lambda: CancelPaymentRequest(cancellation_reason=""),
                     "cancellationReason", "1-100", id="cancel reason"),
    ],
)
def test_payment_request_rules(build: Any, field: str, rule: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        build()
    assert info.value.field == field
    assert rule in info.value.rule


def test_confirm_sends_options_at_top_level() -> None:
    req = decode(
        b'{"paymentMethod":{"type":"CARD","card":{"token":"t","cvc":"123"},'
        b'"paymentMethodOptions":{"card":{"captureMethod":"manual"}}}}',
        ConfirmPaymentRequest,
    )
    nested = req.effective_payment_method_options
    assert nested is not None
    assert nested.card is not None
    assert nested.card.capture_method == "manual"
    top = ConfirmPaymentRequest(
        payment_method=PaymentMethod(type="CARD"),
        payment_method_options=decode(b'{"card":{"captureMethod":"automatic"}}',
                                      PaymentMethodOptions),
    )
    assert json.loads(encode(top)) == {
        "paymentMethod": {"type": "CARD"},
        "paymentMethodOptions": {"card": {"captureMethod": "automatic"}},
    }


# -- refund rules --------------------------------------------------------------------------------

REFUND_RULES: list[tuple[str, dict[str, Any], str, str]] = [
    ("ref empty", {"client_reference_id": ""}, "clientReferenceId", "1-100"),
    ("ref long", {"client_reference_id": "r" * 101}, "clientReferenceId", "1-100"),
    ("both ids", {"charge_id": "c1"}, "paymentSessionId", "exactly one"),
    ("no id", {"payment_session_id": None}, "paymentSessionId", "exactly one"),
    ("no amount", {"amount": None}, "amount", "is required"),
    ("no amount not full", {"amount": None, "is_full_amount": False}, "amount", "is required"),
    ("float", {"amount": DecimalAmount(value=10000.5)}, "amount.value", "not a float"),  # type: ignore[arg-type]
    ("bool", {"amount": DecimalAmount(value=True)}, "amount.value", "boolean"),  # type: ignore[arg-type]
    ("3 decimals", {"amount": DecimalAmount(value=decimal.Decimal("10.001"))}, "amount.value",
     "at most 2 decimal places"),
    ("zero", {"amount": DecimalAmount(value=decimal.Decimal(0))}, "amount.value", "positive"),
    ("negative", {"amount": DecimalAmount(value=decimal.Decimal("-1"))}, "amount.value",
     "positive"),
    ("not a number", {"amount": DecimalAmount(value="abc")}, "amount.value", "decimal number"),  # type: ignore[arg-type]
    ("nan", {"amount": DecimalAmount(value=decimal.Decimal("NaN"))}, "amount.value", "finite"),
    ("currency", {"amount": DecimalAmount(value=decimal.Decimal(1), currency="rupiah")},
     "amount.currency", "IDR"),
    ("reason", {"reason": "BECAUSE"}, "reason", "must be one of SUSPECT_FRAUDULENT"),
    ("description", {"description": "d" * 51}, "description", "at most 50"),
    ("method", {"method": "MANUAL"}, "method", "AUTO, TRANSFER_ONLY"),
    ("transfer only", {"method": "TRANSFER_ONLY"}, "transferDestination",
     "required when method is TRANSFER_ONLY"),
    ("dest description long", {"transfer_destination": _destination(description="x" * 21)},
     "transferDestination.description", "at most 20 alphanumeric"),
    ("dest description symbols", {"transfer_destination": _destination(description="Refund#1")},
     "transferDestination.description", "alphanumeric"),
    ("dest channel", {"transfer_destination": _destination(channel_code=None)},
     "transferDestination.channelCode", "is required"),
    ("dest account", {"transfer_destination": _destination(channel_information=None)},
     "transferDestination.channelInformation", "is required"),
]


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [pytest.param(o, f, r, id=i) for i, o, f, r in REFUND_RULES],
)
def test_refund_rules(overrides: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        _refund(**overrides)
    assert info.value.field == field
    assert rule in info.value.rule


def test_refund_accepts_full_amount_and_transfer() -> None:
    req = _refund(amount=None, is_full_amount=True, method="TRANSFER_ONLY",
                  transfer_destination=_destination())
    assert json.loads(encode(req))["isFullAmount"] is True
    charge_refund = _refund(payment_session_id=None, charge_id="c1")
    assert charge_refund.charge_id == "c1"


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (decimal.Decimal("10000"), "10000.00"),
        (decimal.Decimal("10000.5"), "10000.50"),
        (10000, "10000.00"),
        ("10000", "10000.00"),
        ("0.01", "0.01"),
    ],
)
def test_refund_amount_is_sent_as_two_decimal_string(value: Any, wire: str) -> None:
    req = _refund(amount=DecimalAmount(value=value))
    body = json.loads(encode(req))
    assert body["amount"] == {"value": wire, "currency": "IDR"}


# -- wallet rules --------------------------------------------------------------------------------


def _debit(**overrides: Any) -> DebitPaymentRequest:
    fields: dict[str, Any] = {
        "partner_reference_no": "ref04080002",
        "amount": DecimalAmount(value=decimal.Decimal("10000")),
        "sub_merchant_id": "88042168-bfa6-4e5c-bcca-5abf1d40a181",
        "url_params": [DebitUrlParam(url="https://test.com", type="PAY_RETURN",
                                     is_deeplink=False)],
    }
    fields.update(overrides)
    return DebitPaymentRequest(**fields)


@pytest.mark.parametrize(
    ("build", "field", "rule"),
    [
        pytest.param(lambda: _debit(amount=DecimalAmount(value=1.5)),  # type: ignore[arg-type]
                     "amount.value", "not a float", id="debit float"),
        pytest.param(lambda: _debit(partner_reference_no="r" * 65), "partnerReferenceNo",
                     "1-64", id="debit ref"),
        pytest.param(lambda: _debit(sub_merchant_id="m" * 37), "subMerchantId", "1-36",
                     id="debit submerchant"),
        pytest.param(lambda: DebitStatusRequest(original_partner_reference_no="r",
                                                service_code="5"),
                     "serviceCode", "2-digit", id="status service code"),
        pytest.param(lambda: DebitStatusRequest(original_partner_reference_no=""),
                     "originalPartnerReferenceNo", "1-64", id="status ref"),
        pytest.param(lambda: B2B2CTokenRequest(), "authCode", "is required", id="b2b2c code"),
        pytest.param(lambda: B2B2CTokenRequest(grant_type="refresh_token"), "refreshToken",
                     "is required", id="b2b2c refresh"),
        pytest.param(lambda: QrMpmPaymentRequest(partner_reference_no="r",
                                                 amount=DecimalAmount(value=decimal.Decimal(0))),
                     "amount.value", "positive", id="qr amount"),
        pytest.param(lambda: TransactionHistoryListRequest(page_size=0), "pageSize",
                     "positive integer", id="history page size"),
        pytest.param(lambda: AccountCreationRequest(partner_reference_no="p", merchant_id="m",
                                                    phone_no="0" * 16),
                     "phoneNo", "1-15", id="creation phone"),
        pytest.param(lambda: AccountCreationRequest(partner_reference_no="p", merchant_id="m",
                                                    phone_no="0818", redirect_url="nope"),
                     "redirectUrl", "absolute URL", id="creation redirect"),
    ],
)
def test_wallet_request_rules(build: Any, field: str, rule: str) -> None:
    with pytest.raises(RequestValidationError) as info:
        build()
    assert info.value.field == field
    assert rule in info.value.rule


def test_wallet_request_encoding() -> None:
    debit = _debit(amount=DecimalAmount(value=10000))  # type: ignore[arg-type]  # int: converted
    assert json.loads(encode(debit))["amount"] == {"value": "10000.00", "currency": "IDR"}
    assert encode(DebitStatusRequest(original_partner_reference_no="ref-9")) == (
        b'{"originalPartnerReferenceNo":"ref-9","serviceCode":"54"}'
    )
    assert encode(B2BTokenRequest()) == b'{"grantType":"client_credentials","additionalInfo":{}}'
    assert encode(BalanceInquiryRequest()) == b'{"additionalInfo":{}}'
    ott = ApplyOttRequest(additional_info=QrOttRequestInfo(partner_reference_no="r"))
    assert json.loads(encode(ott))["userResources"] == ["OTT"]
    fee = QrMpmPaymentRequest(partner_reference_no="r",
                              amount=DecimalAmount(value="36000"),  # type: ignore[arg-type]
                              fee_amount=DecimalAmount(value=0))  # type: ignore[arg-type]
    assert json.loads(encode(fee))["feeAmount"]["value"] == "0.00"
    history = TransactionHistoryListRequest(page_size=10, page_number=1)
    assert json.loads(encode(history))["pageSize"] == "10"
    assert json.loads(encode(history))["pageNumber"] == "1"
