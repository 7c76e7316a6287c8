"""Models on the wire: encoding, open enums, lenient decoding, times, callbacks, reprs and the
public surface. The request validation rules are in tests/test_models.py."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pivot_async import models
from pivot_async._codec import decode, encode
from pivot_async._errors import ResponseValidationError
from pivot_async.models import (
    AccessToken,
    AccessTokenRequest,
    Amount,
    B2B2CTokenRequest,
    B2B2CTokenResponse,
    B2BTokenResponse,
    CancelPaymentRequest,
    Capture,
    CaptureHistory,
    Charge,
    ChargeStatus,
    ChargeSuccessEvent,
    Customer,
    DebitStatusResponse,
    DecimalAmount,
    Envelope,
    ErrorObject,
    FailureCode,
    MethodConfig,
    PaymentCallbackEvent,
    PaymentCancelledEvent,
    PaymentCard,
    PaymentMethod,
    PaymentMethodConfigs,
    PaymentPaidEvent,
    PaymentProcessingEvent,
    PaymentSession,
    PaymentType,
    QrMpmDecodeResponse,
    Refund,
    RefundFailedEvent,
    RefundPendingEvent,
    RefundSuccessEvent,
    RefundWaitingBankTransferEvent,
    SessionStatus,
    SimulationResult,
    UnknownCallbackEvent,
    WalletTransactionStatus,
    format_expiry_at,
    parse_callback_event,
    parse_timestamp,
)
from tests._model_requests import create_request as _create
from tests.data import EXAMPLES_DIR

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
