"""The example table's building blocks for tests/test_examples.py: ``Spec`` (how one example
file decodes), the extra checks run on decoded examples, and the groups of example files that
share one spec."""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pivot_async.models import PaymentPaidEvent, PaymentSession, Refund, parse_callback_event


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
