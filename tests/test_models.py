"""Models: client-side validation rules, wire encoding, lenient decoding, callbacks."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pivot_async import models
from pivot_async._codec import decode, encode
from pivot_async._errors import RequestValidationError, ResponseValidationError
from pivot_async.models import (
    AccessToken,
    AccessTokenRequest,
    AccountCreationRequest,
    Amount,
    ApplyOttRequest,
    B2B2CTokenRequest,
    B2B2CTokenResponse,
    B2BTokenRequest,
    B2BTokenResponse,
    BalanceInquiryRequest,
    CancelPaymentRequest,
    Capture,
    CaptureHistory,
    CapturePaymentRequest,
    Charge,
    ChargeStatus,
    ChargeSuccessEvent,
    ConfirmPaymentRequest,
    CreatePaymentRequest,
    CreateRefundRequest,
    Customer,
    DebitPaymentRequest,
    DebitStatusRequest,
    DebitStatusResponse,
    DebitUrlParam,
    DecimalAmount,
    Envelope,
    ErrorObject,
    FailureCode,
    MethodConfig,
    OrderInformation,
    PaymentCallbackEvent,
    PaymentCancelledEvent,
    PaymentCard,
    PaymentMethod,
    PaymentMethodConfigs,
    PaymentMethodOptions,
    PaymentPaidEvent,
    PaymentProcessingEvent,
    PaymentSession,
    PaymentType,
    PhoneNumber,
    ProductDetail,
    QrMpmDecodeResponse,
    QrMpmPaymentRequest,
    QrOptions,
    RedirectUrl,
    Refund,
    RefundFailedEvent,
    RefundPendingEvent,
    RefundSuccessEvent,
    RefundWaitingBankTransferEvent,
    SessionStatus,
    SimulationRequest,
    SimulationResult,
    SplitRoutingConfiguration,
    TransactionHistoryListRequest,
    TransferDestination,
    UnknownCallbackEvent,
    WalletTransactionStatus,
    format_expiry_at,
    parse_callback_event,
    parse_timestamp,
)
from pivot_async.models.customers import ChannelInformation
from tests.data import EXAMPLES_DIR

REDIRECT = RedirectUrl(
    success_return_url="https://merchant.com/success",
    failure_return_url="https://merchant.com/failure",
    expiration_return_url="https://merchant.com/expiration",
)


def _create(**overrides: Any) -> CreatePaymentRequest:
    fields: dict[str, Any] = {
        "client_reference_id": "order123",
        "amount": Amount(value=10000),
        "redirect_url": REDIRECT,
    }
    fields.update(overrides)
    return CreatePaymentRequest(**fields)


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
    debit = _debit(amount=DecimalAmount(value=10000))
    assert json.loads(encode(debit))["amount"] == {"value": "10000.00", "currency": "IDR"}
    assert encode(DebitStatusRequest(original_partner_reference_no="ref-9")) == (
        b'{"originalPartnerReferenceNo":"ref-9","serviceCode":"54"}'
    )
    assert encode(B2BTokenRequest()) == b'{"grantType":"client_credentials","additionalInfo":{}}'
    assert encode(BalanceInquiryRequest()) == b'{"additionalInfo":{}}'
    assert json.loads(encode(ApplyOttRequest()))["userResources"] == ["OTT"]
    fee = QrMpmPaymentRequest(partner_reference_no="r", amount=DecimalAmount(value="36000"),
                              fee_amount=DecimalAmount(value=0))
    assert json.loads(encode(fee))["feeAmount"]["value"] == "0.00"
    history = TransactionHistoryListRequest(page_size=10, page_number=1)
    assert json.loads(encode(history))["pageSize"] == "10"
    assert json.loads(encode(history))["pageNumber"] == "1"


# -- encoding ------------------------------------------------------------------------------------


def test_encoding_is_compact_camel_case_without_defaults() -> None:
    req = _create(statement_descriptor="Toko Café/ID")
    assert encode(req) == (
        b'{"clientReferenceId":"order123","amount":{"value":10000,"currency":"IDR"},'
        b'"redirectUrl":{"successReturnUrl":"https://merchant.com/success",'
        b'"failureReturnUrl":"https://merchant.com/failure",'
        b'"expirationReturnUrl":"https://merchant.com/expiration"},'
        b'"statementDescriptor":"Toko Caf\xc3\xa9/ID"}'
    )
    assert encode(CancelPaymentRequest()) == b"{}"
    assert encode(AccessTokenRequest()) == b'{"grantType":"client_credentials"}'


def test_wire_names() -> None:
    card = PaymentMethod(type="CARD", card=PaymentCard(token="t", exp_month=1,
                                                        card_holder_first_name="A"))
    assert json.loads(encode(card)) == {
        "type": "CARD",
        "card": {"token": "t", "expMonth": 1, "cardHolderFirstName": "A"},
    }
    merchant = decode(b'{"merchantInfos":{"acquirerName":"X","merchantPAN":"936"}}',
                      QrMpmDecodeResponse)
    assert [m.merchant_pan for m in merchant.merchants] == ["936"]
    err = decode(b'{"type":"API_ERROR","trace_id":"abc"}', ErrorObject)
    assert err.effective_trace_id == "abc"
    assert decode(b'{"traceId":"def"}', ErrorObject).effective_trace_id == "def"


def test_client_sends_surname_and_reads_both_spellings() -> None:
    sent = json.loads(encode(Customer(email="a@b.id", surname="Doe")))
    assert sent == {"email": "a@b.id", "surname": "Doe"}
    assert decode(b'{"sureName":"Doe"}', Customer).last_name == "Doe"
    assert decode(b'{"surname":"Roe"}', Customer).last_name == "Roe"
    stored = decode(b'{"storePaymentMethods":[{"token":"t1"}]}', Customer)
    assert [m.token for m in stored.payment_methods] == ["t1"]
    assert decode(b'{"storedPaymentMethods":null}', Customer).payment_methods == []


# -- open enums ----------------------------------------------------------------------------------


def test_open_enums_keep_unknown_values() -> None:
    body = (b'{"id":"s1","status":"ON_HOLD","mode":"HYBRID","paymentType":"SUBSCRIPTION",'
            b'"chargeDetails":[{"id":"c1","status":"REVERSED","failureCode":"NEW_CODE"}]}')
    session = decode(body, PaymentSession)
    assert session.status == "ON_HOLD"
    assert session.payment_type == "SUBSCRIPTION"
    assert session.charges[0].status == "REVERSED"
    assert session.charges[0].failure_code == "NEW_CODE"
    assert not session.is_final
    paid = decode(b'{"id":"s2","status":"PAID"}', PaymentSession)
    assert paid.status == SessionStatus.PAID
    assert paid.is_final


def test_enum_constants() -> None:
    assert [c.value for c in FailureCode] == [
        "DECLINED_BY_CHANNEL", "INVALID_ACCOUNT", "AUTHENTICATION_FAILED", "SUSPECTED_FRAUD",
        "INSUFFICIENT_FUND", "CHANNEL_UNAVAILABLE", "CANCELLED_BY_USER", "CHARGE_EXPIRED",
        "BLOCKED_BY_FDS", "REQUIRE_REVIEW",
    ]
    assert [s.value for s in WalletTransactionStatus] == [f"0{i}" for i in range(8)]
    assert ChargeStatus.WAITING_FOR_CAPTURE == "WAITING_FOR_CAPTURE"
    assert PaymentType.MULTIPLE == "MULTIPLE"
    assert decode(b'{"id":"c","status":"SUCCESS"}', Charge).status == ChargeStatus.SUCCESS


# -- amounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"10000", b"10000.0", b'"10000"', b'"10000.00"', b"1e4"])
def test_payment_amount_decodes_to_int(raw: bytes) -> None:
    amount = decode(b'{"value":' + raw + b',"currency":"IDR"}', Amount)
    assert amount.value == 10000
    assert type(amount.value) is int


@pytest.mark.parametrize("raw", [b"10000.5", b'"10000.50"', b"true", b'"ten"', b"null"])
def test_payment_amount_rejects_fractions_and_junk(raw: bytes) -> None:
    with pytest.raises(ResponseValidationError) as info:
        decode(b'{"value":' + raw + b"}", Amount)
    assert info.value.path == "$.value"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b'"10000.00"', decimal.Decimal("10000.00")),
        (b'"10000"', decimal.Decimal("10000.00")),
        (b"10000", decimal.Decimal("10000.00")),
        (b"10000.5", decimal.Decimal("10000.50")),
        (b'"8463186.00"', decimal.Decimal("8463186.00")),
    ],
)
def test_decimal_amount_decodes_to_decimal(raw: bytes, value: decimal.Decimal) -> None:
    amount = decode(b'{"value":' + raw + b',"currency":"IDR"}', DecimalAmount)
    assert isinstance(amount.value, decimal.Decimal)
    assert amount.value == value
    assert json.loads(encode(amount))["value"] == str(value)


def test_amount_variants_in_nested_objects() -> None:
    history = decode(b'{"captureId":"c","captureAmount":12000}', CaptureHistory)
    assert history.amount == 12000
    as_object = decode(b'{"capturedAmount":{"value":"500.00","currency":"IDR"}}', CaptureHistory)
    assert as_object.amount == 500
    capture = decode(b'{"id":"k","status":"PENDING","amount":{"value":12000.0}}', Capture)
    assert capture.amount is not None
    assert capture.amount.value == 12000
    refund = decode(b'{"id":"r","status":"SUCCESS","amount":{"value":10000}}', Refund)
    assert refund.amount is not None
    assert refund.amount.value == decimal.Decimal("10000.00")


def test_response_quirks() -> None:
    assert decode(b'{"updated":"true"}', SimulationResult).updated is True
    assert decode(b'{"updated":true}', SimulationResult).updated is True
    assert decode(b'{"expiresIn":"900"}', AccessToken).lifetime == 900
    assert decode(b'{"expiresIn":600}', AccessToken).lifetime == 600
    assert decode(b"{}", AccessToken).lifetime == 900
    assert decode(b'{"expiresIn":"900"}', B2BTokenResponse).lifetime == 900
    sic = decode(b'{"originalPartnerReferenceCode":"p1","latestTransactionStatus":"05"}',
                 DebitStatusResponse)
    assert sic.original_partner_reference == "p1"
    assert sic.latest_transaction_status == WalletTransactionStatus.CANCELLED
    snap = decode(b'{"originalPartnerReferenceNo":"p2"}', DebitStatusResponse)
    assert snap.original_partner_reference == "p2"
    channels = decode(b'{"acceptedChannels":{}}', MethodConfig)
    assert channels.channels == []
    plural = decode(b'{"installmentConfigs":[{"plans":["3"]},{"plans":["6"]}]}', MethodConfig)
    assert [c.plans for c in plural.installments] == [["3"], ["6"]]
    single = decode(b'{"installmentConfig":{"plans":["12"]}}', MethodConfig)
    assert [c.plans for c in single.installments] == [["12"]]
    configs = decode(b'{"card":{"enabled":true,"acceptedChannels":["VISA"]}}',
                     PaymentMethodConfigs)
    assert configs.card is not None
    assert configs.card.channels == ["VISA"]


def test_envelope_variants() -> None:
    env = decode(b'{"code":"00","message":"OK","error":{},"data":{"id":"s","status":"PAID"}}',
                 Envelope[PaymentSession])
    assert env.ok
    assert env.error == ErrorObject()
    listed = decode(b'{"code":"00","data":[],"pagination":{"page":1,"perPage":20,'
                    b'"totalPage":3,"totalData":41}}', Envelope[list[PaymentSession]])
    assert listed.pagination is not None
    assert (listed.pagination.pages, listed.pagination.items) == (3, 41)
    numeric = decode(b'{"code":400100,"message":"bad"}', Envelope[Any])
    assert numeric.code == 400100
    assert not numeric.ok


# -- times ---------------------------------------------------------------------------------------


def test_parse_timestamp() -> None:
    nine = parse_timestamp("2025-10-02T08:53:48.681269615Z")
    assert nine == dt.datetime(2025, 10, 2, 8, 53, 48, 681269, tzinfo=dt.timezone.utc)
    assert parse_timestamp("0001-01-01T00:00:00Z") is None
    assert parse_timestamp(None) is None
    jakarta = parse_timestamp("2025-11-27T10:46:03+07:00")
    assert jakarta is not None
    assert jakarta.utcoffset() == dt.timedelta(hours=7)
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_timestamp("yesterday")
    session = decode(b'{"id":"s","status":"ACTIVE","expiryAt":"0001-01-01T00:00:00Z"}',
                     PaymentSession)
    assert session.expiry_datetime is None
    token = decode(b'{"accessTokenExpiryTime":"2025-11-27T10:46:03+07:00"}', B2B2CTokenResponse)
    assert token.access_token_expires == jakarta


def test_format_expiry_at() -> None:
    moment = dt.datetime(2025, 12, 31, 6, 59, 0, 123, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    text = format_expiry_at(moment)
    assert text == "2025-12-30T23:59:00Z"
    _create(expiry_at=text)
    with pytest.raises(ValueError, match="timezone-aware"):
        format_expiry_at(dt.datetime(2025, 1, 1))


# -- callbacks -----------------------------------------------------------------------------------

SESSION = {"id": "s1", "status": "PAID", "amount": {"value": 10000, "currency": "IDR"}}
REFUND = {"id": "r1", "status": "PENDING", "amount": {"value": "10000.00", "currency": "IDR"}}


@pytest.mark.parametrize(
    ("event", "data", "cls"),
    [
        ("PAYMENT.PROCESSING", SESSION, PaymentProcessingEvent),
        ("PAYMENT.PAID", SESSION, PaymentPaidEvent),
        ("CHARGE.SUCCESS", SESSION, ChargeSuccessEvent),
        ("PAYMENT.CANCELLED", SESSION, PaymentCancelledEvent),
        ("REFUND.PENDING", REFUND, RefundPendingEvent),
        ("REFUND.WAITING_BANK_TRANFER", REFUND, RefundWaitingBankTransferEvent),
        ("REFUND.WAITING_BANK_TRANSFER", REFUND, RefundWaitingBankTransferEvent),
        ("REFUND.SUCCESS", REFUND, RefundSuccessEvent),
        ("REFUND.FAILED", REFUND, RefundFailedEvent),
    ],
)
def test_callback_events_are_typed(event: str, data: dict[str, Any], cls: type) -> None:
    parsed = parse_callback_event(json.dumps({"event": event, "data": data}).encode())
    assert type(parsed) is cls
    assert parsed.event == event  # the spelling received is kept
    assert isinstance(parsed.data, PaymentSession if event[0] != "R" else Refund)
    assert parsed.data.id == data["id"]
    if isinstance(parsed, PaymentCallbackEvent):
        assert parsed.data.amount == Amount(value=10000)


def test_unknown_callback_event_keeps_raw_data() -> None:
    body = b'{"event":"WITHDRAW.SUCCESS","data":{"id":"w1","amount":{"value":"5.5"}}}'
    parsed = parse_callback_event(body)
    assert isinstance(parsed, UnknownCallbackEvent)
    assert parsed.event == "WITHDRAW.SUCCESS"
    assert parsed.data == {"id": "w1", "amount": {"value": "5.5"}}
    no_data = parse_callback_event(b'{"event":"PAYOUT.DONE"}')
    assert isinstance(no_data, UnknownCallbackEvent)
    assert no_data.data is None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"data":{}}',
        b'{"event":5,"data":{}}',
        b'{"event":"PAYMENT.PAID","data":{"status":"PAID"}}',
        b'{"event":"REFUND.SUCCESS","data":[]}',
    ],
)
def test_bad_callback_bodies_raise_response_validation_error(body: bytes) -> None:
    with pytest.raises(ResponseValidationError):
        parse_callback_event(body)


# -- reprs ---------------------------------------------------------------------------------------


def test_secrets_are_masked_in_repr() -> None:
    card = PaymentCard(number="4440000112200001", cvc="987", token="tok_secret",
                       encrypted_card="ENCRYPTED", card_holder_first_name="Jane")
    text = repr(PaymentMethod(type="CARD", card=card))
    for secret in ("4440000112200001", "987", "tok_secret", "ENCRYPTED"):
        assert secret not in text
    assert "Jane" in text
    token = decode(b'{"accessToken":"jwt.secret","refreshToken":"refresh.secret"}',
                   B2B2CTokenResponse)
    assert "secret" not in repr(token)
    request = B2B2CTokenRequest(auth_code="binding-secret", refresh_token="refresh-secret")
    assert "secret" not in repr(request)
    assert "secret" not in repr(decode(b'{"accessToken":"a.secret"}', AccessToken))


# -- public surface ------------------------------------------------------------------------------


def test_models_all_is_sorted_and_complete() -> None:
    assert models.__all__ == sorted(models.__all__)
    for name in models.__all__:
        obj = getattr(models, name)
        if isinstance(obj, type):
            assert obj.__doc__, f"{name} has no docstring"


# -- property: decoders never fail with anything but ResponseValidationError ---------------------

_KEYS = sorted(
    {
        "id", "status", "code", "message", "data", "error", "pagination", "amount", "value",
        "currency", "chargeDetails", "card", "qr", "ewallet", "virtualAccount", "paymentMethod",
        "customer", "surname", "sureName", "storedPaymentMethods", "storePaymentMethods",
        "captureHistories", "capturedAmount", "captureAmount", "expiryAt", "details", "traceId",
        "trace_id", "event", "responseCode", "accountInfos", "availableBalance", "merchantInfos",
        "acceptedChannels", "installmentConfig", "installmentConfigs", "expiresIn", "updated",
        "clientReferenceId", "redirectUrl", "paymentType", "mode", "additionalInfo",
        "orderInformation", "productDetails", "price", "quantity", "isFullAmount", "reason",
        "transferDestination", "partnerReferenceNo", "pageSize", "serviceCode", "userResources",
        "feeAmount", "urlParams", "isDeeplink", "percentageAmount", "fixedAmount",
        "splitRoutingConfigurations", "paymentMethodOptions", "releaseRemainingAmount",
    }
)

_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["10000", "10000.00", "1e400", "NaN", "", "true", "0001-01-01T00:00:00Z",
                       "MULTIPLE", "QR", "API", "TRANSFER_ONLY", "PAYMENT.PAID", "IDR"])
)

JSON = st.recursive(
    _LEAVES,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=6), children, max_size=6),
    max_leaves=30,
)

_EXAMPLE_BODIES = [json.loads(p.read_bytes()) for p in sorted(EXAMPLES_DIR.glob("*.json"))]
assert _EXAMPLE_BODIES, f"no examples in {EXAMPLES_DIR}"

DECODERS: list[Any] = [
    Envelope[PaymentSession],
    Envelope[list[PaymentSession]],
    Envelope[list[Charge]],
    Envelope[Refund],
    Envelope[list[Refund]],
    Envelope[Capture],
    Envelope[Customer],
    Envelope[PaymentMethodConfigs],
    Envelope[SimulationResult],
    Envelope[AccessToken],
    Envelope[Any],
    ErrorObject,
    PaymentSession,
    *(getattr(models, n) for n in models.__all__ if n.endswith("Response")),
    *(getattr(models, n) for n in models.__all__ if n.endswith("Request")),
    PaymentPaidEvent,
    UnknownCallbackEvent,
]


@st.composite
def _mutated_example(draw: st.DrawFn) -> Any:
    """A documented example with one value somewhere inside replaced by arbitrary JSON."""
    doc = json.loads(json.dumps(draw(st.sampled_from(_EXAMPLE_BODIES))))
    node = doc
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], (dict, list)) or draw(st.booleans()):
                node[key] = draw(JSON)
                return doc
            node = node[key]
        elif isinstance(node, list) and node:
            idx = draw(st.integers(min_value=0, max_value=len(node) - 1))
            if not isinstance(node[idx], (dict, list)) or draw(st.booleans()):
                node[idx] = draw(JSON)
                return doc
            node = node[idx]
        else:
            break
    return doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=JSON | _mutated_example(), tp=st.sampled_from(DECODERS))
def test_decoders_raise_only_response_validation_error(doc: Any, tp: Any) -> None:
    body = json.dumps(doc).encode()
    with contextlib.suppress(ResponseValidationError):
        decode(body, tp)
    with contextlib.suppress(ResponseValidationError):
        parse_callback_event(body)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=64))
def test_decoders_reject_garbage_bytes_cleanly(raw: bytes) -> None:
    for tp in (Envelope[PaymentSession], Refund, DebitStatusResponse):
        with contextlib.suppress(ResponseValidationError):
            decode(raw, tp)
