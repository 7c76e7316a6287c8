"""Helpers for the request-model tests: documented bodies and a sandbox-backed client."""

from __future__ import annotations

import copy
import json
from typing import Any

from pivot_async import models as m
from tests.data import EXAMPLES_DIR

#: Each documented request body (tests/data/examples) and the request model that reads it.
DOCUMENTED: dict[str, type[Any]] = {
    "payments__cancel__request": m.CancelPaymentRequest,
    "payments__capture__request": m.CapturePaymentRequest,
    "payments__confirm__request": m.ConfirmPaymentRequest,
    "payments__simulations__request": m.SimulationRequest,
    "refunds__create__request": m.CreateRefundRequest,
    "wallet__account_creation__request": m.AccountCreationRequest,
    "wallet__account_unbinding__request": m.AccountUnbindingRequest,
    "wallet__balance_inquiry__request": m.BalanceInquiryRequest,
    "wallet__debit_payment_host_to_host__request": m.DebitPaymentRequest,
    "wallet__debit_status__request": m.DebitStatusRequest,
    "wallet__qr_apply_ott__request": m.ApplyOttRequest,
    "wallet__qr_mpm_decode__request": m.QrMpmDecodeRequest,
    "wallet__qr_mpm_payment__request": m.QrMpmPaymentRequest,
    "wallet__transaction_history_detail__request": m.TransactionHistoryDetailRequest,
    "wallet__transaction_history_list__request": m.TransactionHistoryListRequest,
    "payments__create__request__card_api_encryption": m.CreatePaymentRequest,
    "payments__create__request__card_redirect": m.CreatePaymentRequest,
    "payments__create__request__card_redirect_tokenized": m.CreatePaymentRequest,
    "payments__create__request__ewallet_api": m.CreatePaymentRequest,
    "payments__create__request__hosted_ui": m.CreatePaymentRequest,
    "payments__create__request__qr_dynamic_api": m.CreatePaymentRequest,
    "payments__create__request__qr_static_multiple": m.CreatePaymentRequest,
    "payments__create__request__va_single_api": m.CreatePaymentRequest,
    "payments__create__request__va_static_multiple": m.CreatePaymentRequest,
}


def documented(stem: str) -> dict[str, Any]:
    """A fresh copy of a documented request body."""
    body: dict[str, Any] = json.loads((EXAMPLES_DIR / f"{stem}.json").read_bytes())
    return copy.deepcopy(body)


REDIRECT = {
    "successReturnUrl": "https://shop.example/ok",
    "failureReturnUrl": "https://shop.example/fail",
    "expirationReturnUrl": "https://shop.example/expired",
}


def create_body(**extra: Any) -> dict[str, Any]:
    """A valid VA create-payment mapping, plus ``extra`` keys."""
    body: dict[str, Any] = {
        "clientReferenceId": "order1",
        "amount": {"value": 10000, "currency": "IDR"},
        "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
        "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
        "mode": "API",
        "redirectUrl": dict(REDIRECT),
    }
    body.update(extra)
    return body


def debit_body(**extra: Any) -> dict[str, Any]:
    """A valid wallet debit mapping (the documented body), plus ``extra`` keys."""
    body = documented("wallet__debit_payment_host_to_host__request")
    body.update(extra)
    return body


from tests.client.conftest import client, sandbox, sleeps  # noqa: E402, F401 (fixtures)
