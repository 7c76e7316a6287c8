"""Every documented JSON example decodes with its model (tests/data/examples).

Each file must be listed in ``EXAMPLES``: a new example fails the test until it is mapped.
Decoded values are compared with the raw JSON key by key (after ``encode`` back to the wire),
so a field that is misspelled, mistyped or silently dropped by a model fails the test.
"""

from __future__ import annotations

import decimal
import json
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
)
from tests._example_checks import (
    _CREATE_REQUESTS,
    _CREATE_RESPONSES,
    _ERROR_ENVELOPE_FILES,
    _ERROR_OBJECT_FILES,
    Spec,
    _by_reference,
    _callback,
    _charge_object,
    _configs,
    _confirm,
    _customer,
    _debit_status_request,
    _error_envelope,
    _error_object,
    _refund_envelope,
    _session_envelope,
    _token,
    _tokenized_customer,
    _va_static,
    _wallet,
    _wallet_amount,
)
from tests.data import EXAMPLES_DIR

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
