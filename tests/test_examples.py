"""Every documented JSON example decodes with its model (tests/data/examples).

Each file must be listed in ``EXAMPLES``: a new example fails the test until it is mapped.
Decoded values are compared with the raw JSON key by key (after ``encode`` back to the wire),
so a field that is misspelled, mistyped or silently dropped by a model fails the test.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from pivot_async._codec import decode, encode
from pivot_async._errors import RequestValidationError, ResponseValidationError
from pivot_async.models import (
    AccessToken,
    AccessTokenRequest,
    AccountCreationRequest,
    AccountCreationResponse,
    AccountUnbindingRequest,
    AccountUnbindingResponse,
    Amount,
    ApplyOttRequest,
    ApplyOttResponse,
    B2B2CTokenRequest,
    B2B2CTokenResponse,
    B2BTokenRequest,
    B2BTokenResponse,
    BalanceInquiryRequest,
    BalanceInquiryResponse,
    CancelPaymentRequest,
    CapturePaymentRequest,
    CardCharge,
    CardEncryptionPayload,
    Charge,
    ConfirmPaymentRequest,
    CreatePaymentRequest,
    CreateRefundRequest,
    Customer,
    DebitPaymentRequest,
    DebitPaymentResponse,
    DebitStatusRequest,
    EncryptedCardEnvelope,
    Envelope,
    ErrorObject,
    EwalletCharge,
    FdsRiskAssessment,
    Installment,
    OrderInformation,
    PaymentMethod,
    PaymentMethodConfigs,
    PaymentMethodOptions,
    PaymentPaidEvent,
    PaymentSession,
    QrCharge,
    QrMpmDecodeRequest,
    QrMpmDecodeResponse,
    QrMpmPaymentRequest,
    QrMpmPaymentResponse,
    RedirectUrl,
    Refund,
    SimulationRequest,
    SimulationResult,
    TransactionHistoryDetailRequest,
    TransactionHistoryDetailResponse,
    TransactionHistoryListRequest,
    VirtualAccount,
    parse_callback_event,
)
from tests.data import EXAMPLES_DIR


@dataclass(frozen=True)
class Spec:
    """How one example file decodes."""

    model: Any
    kind: str  # response | object | callback | error | request
    key: str | None = None  # decode raw[key] instead of the whole file
    check: Callable[[Any, Any], None] | None = None  # extra assertions (decoded, raw)
    # For request examples that break our client-side rules: (field, rule fragment), and
    # the repair after which the example must decode.
    invalid: tuple[str, str] | None = None
    repair: Callable[[dict[str, Any]], None] | None = None


# -- extra checks --------------------------------------------------------------------------------


def _session_envelope(env: Any, raw: Any) -> None:
    assert env.ok
    assert env.code == raw["code"]
    assert isinstance(env.data, PaymentSession)
    assert env.data.id == raw["data"]["id"]
    assert env.data.status == raw["data"]["status"]
    assert env.data.amount is not None
    assert isinstance(env.data.amount.value, int)
    assert env.data.amount.value == raw["data"]["amount"]["value"]
    charges = raw["data"].get("chargeDetails") or []
    assert [c.id for c in env.data.charges] == [c["id"] for c in charges]
    assert [c.status for c in env.data.charges] == [c["status"] for c in charges]


def _va_static(env: Any, raw: Any) -> None:
    _session_envelope(env, raw)
    va = env.data.payment_method.virtual_account
    assert va.expiry_at == "0001-01-01T00:00:00Z"
    assert va.expiry_datetime is None  # the Go zero time means "no expiry"
    assert env.data.expiry_at is None
    assert env.data.amount.value == 0


def _tokenized_customer(env: Any, raw: Any) -> None:
    _session_envelope(env, raw)
    assert env.data.customer.sure_name == "Geotama"
    assert env.data.customer.surname is None
    assert env.data.customer.last_name == "Geotama"


def _by_reference(env: Any, raw: Any) -> None:
    assert isinstance(env.data, list)
    assert [s.id for s in env.data] == [s["id"] for s in raw["data"]]
    assert env.pagination.total_pages == raw["pagination"]["totalPages"]
    assert env.data[0].customer.payment_methods == []  # "storePaymentMethods": null


def _charge_object(charges: Any, raw: Any) -> None:
    history = charges[0].capture_histories[0]
    assert history.amount == raw[0]["captureHistories"][0]["capturedAmount"] == 12000
    assert charges[0].is_final


def _configs(env: Any, raw: Any) -> None:
    data = env.data
    assert data.card.channels == raw["data"]["card"]["acceptedChannels"]
    assert data.installment.channels == []  # "acceptedChannels": {}
    assert data.card.installments == []
    assert data.card.maximum_amount.value == 9_999_999_999


def _refund_envelope(env: Any, raw: Any) -> None:
    assert isinstance(env.data, Refund)
    assert env.data.id == raw["data"]["id"]
    assert env.data.status == raw["data"]["status"]
    assert env.data.amount is not None
    assert env.data.amount.value == decimal.Decimal(raw["data"]["amount"]["value"])
    assert isinstance(env.data.amount.value, decimal.Decimal)


def _customer(customer: Any, raw: Any) -> None:
    methods = customer.payment_methods
    assert [m.token for m in methods] == [m["token"] for m in raw["storedPaymentMethods"]]
    assert "020027de" not in repr(customer)  # stored tokens are masked in reprs


def _token(env: Any, raw: Any) -> None:
    assert env.data.access_token == raw["data"]["accessToken"]
    assert env.data.expires_in == 900
    assert env.data.lifetime == 900
    assert raw["data"]["accessToken"] not in repr(env)


def _callback(event: Any, raw: Any) -> None:
    assert event.event == raw["event"] == "PAYMENT.PAID"
    assert event.data.id == raw["data"]["id"]
    parsed = parse_callback_event(json.dumps(raw).encode())
    assert isinstance(parsed, PaymentPaidEvent)
    assert parsed == event


def _error_envelope(env: Any, raw: Any) -> None:
    err = raw["error"]
    assert env.error is not None
    assert env.error.type == err["type"]
    assert [(d.field, d.message) for d in env.error.details] == [
        (d["field"], d["message"]) for d in err["details"]
    ]
    assert env.error.effective_trace_id == err.get("traceId", err.get("trace_id"))
    assert not env.ok


def _error_object(obj: Any, raw: Any) -> None:
    assert obj.type == raw["type"]
    assert [d.message for d in obj.details] == [d["message"] for d in raw["details"]]
    assert obj.effective_trace_id == (raw.get("traceId") or None)


def _confirm(req: Any, raw: Any) -> None:
    options = req.effective_payment_method_options
    assert options is not None  # nested inside paymentMethod in the docs' example
    assert options.card.capture_method == "automatic"
    assert req.payment_method.card.encrypted_card not in repr(req)


def _wallet(resp: Any, raw: Any) -> None:
    assert resp.response_code == raw["responseCode"]
    assert resp.http_status == 200


def _debit_status_request(req: Any, raw: Any) -> None:
    assert req.service_code == "54"
    assert req.original_partner_reference_no == raw["originalPartnerReferenceNo"]


def _wallet_amount(resp: Any, raw: Any) -> None:
    _wallet(resp, raw)
    assert resp.amount.value == decimal.Decimal(raw["amount"]["value"])
    assert isinstance(resp.amount.value, decimal.Decimal)


_ERROR_ENVELOPE_FILES = (
    "errors__account_balance__error__api_validation_error.json",
    "errors__account_balance__error__assign_user_failed.json",
    "errors__account_balance__error__credentials_invalid.json",
    "errors__account_balance__error__field_required.json",
    "errors__account_balance__error__general_error.json",
    "errors__account_balance__error__insufficient_fund.json",
    "errors__account_balance__error__invalid_recepient.json",
    "errors__account_balance__error__resend_failed_user_active.json",
    "errors__account_balance__error__resend_failed_user_invalid.json",
    "errors__account_balance__error__resource_already_exists.json",
    "errors__account_balance__error__topup_va_failed.json",
    "errors__generic__error__error_object.json",
    "errors__generic__error__error_object_with_source.json",
    "errors__payout_local__error__amount_above_limit.json",
    "errors__payout_local__error__amount_below_limit.json",
    "errors__payout_local__error__balance_insufficient.json",
    "errors__payout_local__error__credentials_invalid.json",
    "errors__payout_local__error__daily_payout_limit_exceeded.json",
    "errors__payout_local__error__field_format_invalid.json",
    "errors__payout_local__error__field_required.json",
    "errors__payout_local__error__format_invalid_request_format.json",
    "errors__payout_local__error__format_invalid_too_many_items.json",
    "errors__payout_local__error__general_error.json",
    "errors__payout_local__error__payouts_in_process.json",
    "errors__payout_local__error__resource_already_exists_id.json",
    "errors__payout_local__error__resource_already_exists_request_id.json",
    "errors__payout_local__error__resource_missing_inquiry_id.json",
    "errors__payout_local__error__resource_missing_payout_id.json",
    "errors__payout_local__error__service_unavailable.json",
    "errors__payout_local__error__unsupported_channel_code.json",
)

_ERROR_OBJECT_FILES = (
    "errors__payments__error__api_validation_error_multiple_not_allowed_for_method.json",
    "errors__payments__error__api_validation_error_multiple_requires_api_mode.json",
    "errors__payments__error__api_validation_error_no_available_va_number.json",
    "errors__payments__error__api_validation_error_qris_multiple_must_not_include_amount.json",
    "errors__payments__error__api_validation_error_static_qris_limit_reached.json",
    "errors__payments__error__api_validation_error_va_number_already_assigned.json",
    "errors__payments__error__api_validation_error_va_number_outside_static_range.json",
)

_CREATE_RESPONSES = (
    "card_api_encryption",
    "card_api_tokenization_initiation",
    "card_redirect",
    "card_redirect_tokenization_initiation",
    "ewallet_api",
    "ewallet_redirect",
    "hosted_ui",
    "qr_dynamic_api",
    "qr_dynamic_redirect",
    "va_single_api",
    "va_single_redirect",
)

_CREATE_REQUESTS = (
    "card_api_encryption",
    "card_api_tokenization_initiation",
    "card_redirect",
    "card_redirect_tokenization_initiation",
    "card_redirect_tokenized",
    "ewallet_api",
    "ewallet_redirect",
    "hosted_ui",
    "qr_dynamic_api",
    "qr_dynamic_redirect",
    "qr_static_multiple",
    "va_single_api",
    "va_single_redirect",
    "va_static_multiple",
)

SessionEnvelope = Envelope[PaymentSession]

EXAMPLES: dict[str, Spec] = {
    # auth
    "auth__access_token__request.json": Spec(AccessTokenRequest, "request"),
    "auth__access_token__response.json": Spec(Envelope[AccessToken], "response", check=_token),
    # callbacks and common
    "callbacks__payment__callback__payment_paid.json": Spec(
        PaymentPaidEvent, "callback", check=_callback
    ),
    "common__response_format__response.json": Spec(Envelope[dict[str, Any]], "response"),
    "customers__object__response__customer_object.json": Spec(
        Customer, "object", key="customer", check=_customer
    ),
    # errors
    **{name: Spec(Envelope[Any], "error", check=_error_envelope) for name in _ERROR_ENVELOPE_FILES},
    **{name: Spec(ErrorObject, "error", check=_error_object) for name in _ERROR_OBJECT_FILES},
    # payments requests
    "payments__cancel__request.json": Spec(CancelPaymentRequest, "request"),
    "payments__capture__request.json": Spec(CapturePaymentRequest, "request"),
    "payments__card_encryption__request__encrypted_envelope.json": Spec(
        EncryptedCardEnvelope, "request"
    ),
    "payments__card_encryption__request__plaintext.json": Spec(CardEncryptionPayload, "request"),
    "payments__confirm__request.json": Spec(ConfirmPaymentRequest, "request", check=_confirm),
    **{
        f"payments__create__request__{name}.json": Spec(CreatePaymentRequest, "request")
        for name in _CREATE_REQUESTS
    },
    # The docs' tokenized-card example omits the mandatory redirectUrl.
    "payments__create__request__card_tokenized.json": Spec(
        CreatePaymentRequest,
        "request",
        invalid=("redirectUrl", "is required"),
        repair=lambda raw: raw.update(
            redirectUrl={
                "successReturnUrl": "https://merchant.com/success",
                "failureReturnUrl": "https://merchant.com/failure",
                "expirationReturnUrl": "https://merchant.com/expiration",
            }
        ),
    ),
    "payments__simulations__request.json": Spec(SimulationRequest, "request"),
    # payments responses
    "payments__cancel__response.json": Spec(SessionEnvelope, "response", check=_session_envelope),
    "payments__confirm__response.json": Spec(
        SessionEnvelope, "response", check=_session_envelope
    ),
    **{
        f"payments__create__response__{name}.json": Spec(
            SessionEnvelope, "response", check=_session_envelope
        )
        for name in _CREATE_RESPONSES
    },
    "payments__create__response__card_redirect_tokenized.json": Spec(
        SessionEnvelope, "response", check=_tokenized_customer
    ),
    "payments__create__response__va_static_multiple.json": Spec(
        SessionEnvelope, "response", check=_va_static
    ),
    "payments__payment_method_configs__response.json": Spec(
        Envelope[PaymentMethodConfigs], "response", check=_configs
    ),
    "payments__retrieve_by_client_reference_id__response.json": Spec(
        Envelope[list[PaymentSession]], "response", check=_by_reference
    ),
    "payments__simulations__response.json": Spec(Envelope[SimulationResult], "response"),
    # payments objects
    "payments__object__amount.json": Spec(Amount, "object", key="amount"),
    "payments__object__card_charge.json": Spec(CardCharge, "object"),
    "payments__object__charge.json": Spec(
        list[Charge], "object", key="chargeDetails", check=_charge_object
    ),
    "payments__object__ewallet_charge.json": Spec(EwalletCharge, "object"),
    "payments__object__fds.json": Spec(FdsRiskAssessment, "object", key="fdsRiskAssessment"),
    "payments__object__installment.json": Spec(Installment, "object", key="installment"),
    "payments__object__order.json": Spec(OrderInformation, "object", key="orderInformation"),
    "payments__object__payment_method.json": Spec(PaymentMethod, "object"),
    "payments__object__payment_method_options.json": Spec(PaymentMethodOptions, "object"),
    "payments__object__payment_session.json": Spec(PaymentSession, "object"),
    "payments__object__qr_charge.json": Spec(QrCharge, "object"),
    "payments__object__redirect.json": Spec(RedirectUrl, "object", key="redirectUrl"),
    "payments__object__virtual_account_charge.json": Spec(VirtualAccount, "object"),
    # refunds
    "refunds__create__request.json": Spec(CreateRefundRequest, "request"),
    "refunds__create__response.json": Spec(Envelope[Refund], "response", check=_refund_envelope),
    "refunds__object__refund.json": Spec(Refund, "object"),
    "refunds__retrieve__response.json": Spec(
        Envelope[Refund], "response", check=_refund_envelope
    ),
    # wallet
    "wallet__access_token_b2b2c__request.json": Spec(B2B2CTokenRequest, "request"),
    "wallet__access_token_b2b2c__response.json": Spec(
        B2B2CTokenResponse, "response", check=_wallet
    ),
    "wallet__access_token_b2b__request.json": Spec(B2BTokenRequest, "request"),
    "wallet__access_token_b2b__response.json": Spec(B2BTokenResponse, "response", check=_wallet),
    "wallet__account_creation__request.json": Spec(AccountCreationRequest, "request"),
    "wallet__account_creation__response.json": Spec(
        AccountCreationResponse, "response", check=_wallet
    ),
    "wallet__account_unbinding__request.json": Spec(AccountUnbindingRequest, "request"),
    "wallet__account_unbinding__response.json": Spec(
        AccountUnbindingResponse, "response", check=_wallet
    ),
    "wallet__balance_inquiry__request.json": Spec(BalanceInquiryRequest, "request"),
    "wallet__balance_inquiry__response.json": Spec(
        BalanceInquiryResponse, "response", check=_wallet
    ),
    "wallet__debit_payment_host_to_host__request.json": Spec(DebitPaymentRequest, "request"),
    "wallet__debit_payment_host_to_host__response.json": Spec(
        DebitPaymentResponse, "response", check=_wallet
    ),
    "wallet__debit_status__request.json": Spec(
        DebitStatusRequest, "request", check=_debit_status_request
    ),
    "wallet__qr_apply_ott__request.json": Spec(ApplyOttRequest, "request"),
    "wallet__qr_apply_ott__response.json": Spec(ApplyOttResponse, "response", check=_wallet),
    "wallet__qr_mpm_decode__request.json": Spec(QrMpmDecodeRequest, "request"),
    "wallet__qr_mpm_decode__response.json": Spec(QrMpmDecodeResponse, "response", check=_wallet),
    # The docs' example sends "feeAmount": {"value": "", "currency": ""}: not a decimal.
    "wallet__qr_mpm_payment__request.json": Spec(
        QrMpmPaymentRequest,
        "request",
        invalid=("feeAmount.value", "decimal"),
        repair=lambda raw: raw.pop("feeAmount"),
    ),
    "wallet__qr_mpm_payment__response.json": Spec(
        QrMpmPaymentResponse, "response", check=_wallet_amount
    ),
    "wallet__transaction_history_detail__request.json": Spec(
        TransactionHistoryDetailRequest, "request"
    ),
    "wallet__transaction_history_detail__response.json": Spec(
        TransactionHistoryDetailResponse, "response", check=_wallet_amount
    ),
    "wallet__transaction_history_list__request.json": Spec(
        TransactionHistoryListRequest, "request"
    ),
}


# -- deep comparison -----------------------------------------------------------------------------


def _as_decimal(value: Any) -> decimal.Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, str)):
        try:
            return decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            return None
    return None


def _same_leaf(raw: Any, wire: Any) -> bool:
    if raw == wire and type(raw) is type(wire):
        return True
    if isinstance(raw, str) and isinstance(wire, bool):  # "true" -> True
        return raw.lower() == str(wire).lower()
    a, b = _as_decimal(raw), _as_decimal(wire)
    return a is not None and b is not None and a.is_finite() and a == b


#: Alternate spellings a request reads and sends under the reference name.
_SENT_AS = {"sureName": "surname", "saveForFuture": "saveForFutureUse",
            "redirectionUrl": "redirectUrl", "failedRedirectionUrl": "failedRedirectUrl"}


def _compare(raw: Any, wire: Any, path: str, problems: list[str]) -> None:
    """Every non-null value of ``raw`` must be present and equal in ``wire``."""
    if raw is None:
        return
    if isinstance(raw, dict):
        if not isinstance(wire, dict):
            problems.append(f"{path}: expected an object, got {type(wire).__name__}")
            return
        for key, value in raw.items():
            if value is None:
                continue  # null and absent are the same for optional members
            if key not in wire and key in _SENT_AS:  # a request sends the reference name
                key = _SENT_AS[key]  # compared under the name that is sent
            if key not in wire:
                problems.append(f"{path}.{key}: dropped by the model")
                continue
            _compare(value, wire[key], f"{path}.{key}", problems)
    elif isinstance(raw, list):
        if not isinstance(wire, list) or len(wire) != len(raw):
            problems.append(f"{path}: list differs")
            return
        for i, (a, b) in enumerate(zip(raw, wire, strict=True)):
            _compare(a, b, f"{path}[{i}]", problems)
    elif not _same_leaf(raw, wire):
        problems.append(f"{path}: {raw!r} != {wire!r}")


def _example_files() -> list[str]:
    names = sorted(p.name for p in EXAMPLES_DIR.glob("*.json"))
    assert names, f"no examples in {EXAMPLES_DIR}"
    return names


@pytest.mark.parametrize("name", _example_files())
def test_example_decodes(name: str) -> None:
    spec = EXAMPLES.get(name)
    assert spec is not None, f"{name} is not mapped to a model in tests/test_examples.py"
    raw_file = json.loads((EXAMPLES_DIR / name).read_bytes())
    raw = raw_file[spec.key] if spec.key is not None else raw_file
    body = json.dumps(raw, ensure_ascii=False).encode()

    if spec.invalid is not None:
        field, rule = spec.invalid
        with pytest.raises(ResponseValidationError) as info:
            decode(body, spec.model)
        cause = info.value.__cause__
        inner = cause.__cause__ if cause is not None else None
        if isinstance(inner, RequestValidationError):
            assert inner.field == field
            assert rule in inner.rule
        else:  # a type mismatch reported by the decoder, with its path
            assert info.value.path == f"$.{field}"
            assert rule in str(info.value).lower()
        assert spec.repair is not None
        spec.repair(raw)
        body = json.dumps(raw, ensure_ascii=False).encode()

    decoded = decode(body, spec.model)
    wire = json.loads(encode(decoded))
    problems: list[str] = []
    _compare(raw, wire, "$", problems)
    assert not problems, f"{name}: " + "; ".join(problems)
    if spec.kind == "request":
        # Requests round-trip: what we would send decodes to an equal request.
        assert decode(encode(decoded), spec.model) == decoded
    if spec.check is not None:
        spec.check(decoded, raw)


def test_example_mapping_has_no_stale_entries() -> None:
    present = {p.name for p in EXAMPLES_DIR.glob("*.json")}
    assert set(EXAMPLES) <= present, sorted(set(EXAMPLES) - present)
