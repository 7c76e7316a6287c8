"""Request builders shared by the model tests (tests/test_models.py, tests/test_models_wire.py)."""

from __future__ import annotations

from typing import Any

from pivot_async.models import Amount, CreatePaymentRequest, RedirectUrl

REDIRECT = RedirectUrl(
    success_return_url="https://merchant.com/success",
    failure_return_url="https://merchant.com/failure",
    expiration_return_url="https://merchant.com/expiration",
)


def create_request(**overrides: Any) -> CreatePaymentRequest:
    fields: dict[str, Any] = {
        "client_reference_id": "order123",
        "amount": Amount(value=10000),
        "redirect_url": REDIRECT,
    }
    fields.update(overrides)
    return CreatePaymentRequest(**fields)
