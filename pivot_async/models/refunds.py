"""Refund models: the create request with its rules, and the refund object.

See docs/reference/wire.md#refunds.

Refund amounts are decimals sent as strings with 2 decimals (``"10000.00"``); responses are
read whether the value is a string or a number, never as a float.
"""

import re
from typing import Any

from ._base import Model
from ._util import check_decimal_amount, check_one_of, check_text, fail
from .common import DecimalAmount
from .customers import TransferDestination, validate_transfer_destination
from .enums import RefundMethod, RefundReason, RefundStatus

__all__ = ["CreateRefundRequest", "Refund"]

_REASONS = tuple(r.value for r in RefundReason)
_METHODS = tuple(m.value for m in RefundMethod)
# "alphanumeric": letters, digits and spaces (the docs' own example is "Refund Pivot").
_TRANSFER_DESCRIPTION = re.compile(r"[A-Za-z0-9 ]{0,20}")
_FINAL_REFUND = frozenset({RefundStatus.SUCCESS, RefundStatus.FAILED, RefundStatus.CANCELLED})


class CreateRefundRequest(Model, kw_only=True):
    """``POST /v1/refunds``: refund a paid charge, fully or partly.

    Rules checked before any I/O: ``clientReferenceId`` 1-100 characters; exactly one of
    ``paymentSessionId`` / ``chargeId``; ``amount`` required unless ``isFullAmount`` (a
    positive decimal with at most 2 decimals, never a float); ``reason`` in the documented
    set; ``description`` at most 50; ``method`` AUTO or TRANSFER_ONLY, the latter with a
    ``transferDestination`` whose ``description`` is at most 20 letters, digits or spaces.
    """

    client_reference_id: str
    payment_session_id: str | None = None
    charge_id: str | None = None
    is_full_amount: bool | None = None
    amount: DecimalAmount | None = None
    reason: str
    description: str | None = None
    method: str | None = None
    transfer_destination: TransferDestination | None = None
    metadata: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check the client-side rules; raise ``RequestValidationError`` on the first failure."""
        check_text(self.client_reference_id, "clientReferenceId", min_len=1, max_len=100,
                   required=True)
        check_text(self.payment_session_id, "paymentSessionId", min_len=1, max_len=255)
        check_text(self.charge_id, "chargeId", min_len=1, max_len=255)
        if (self.payment_session_id is None) == (self.charge_id is None):
            fail("paymentSessionId", "exactly one of paymentSessionId and chargeId is required")
        full: object = self.is_full_amount
        if full is not None and not isinstance(full, bool):
            fail("isFullAmount", "must be a boolean")
        check_decimal_amount(self.amount, "amount", required=not full)
        check_one_of(self.reason, "reason", _REASONS, required=True)
        check_text(self.description, "description", max_len=50)
        check_one_of(self.method, "method", _METHODS, required=False)
        dest = self.transfer_destination
        if self.method == RefundMethod.TRANSFER_ONLY.value and dest is None:
            fail("transferDestination", "is required when method is TRANSFER_ONLY")
        if dest is not None:
            validate_transfer_destination(dest, "transferDestination")
            text: object = dest.description
            if text is not None and (
                not isinstance(text, str) or not _TRANSFER_DESCRIPTION.fullmatch(text)
            ):
                fail(
                    "transferDestination.description",
                    "must be at most 20 alphanumeric characters (letters, digits, spaces)",
                )
        if self.metadata is not None and not isinstance(self.metadata, dict):
            fail("metadata", "must be an object")


class Refund(Model, kw_only=True):
    """The refund object (``data`` of create / retrieve / list and of REFUND.* callbacks)."""

    id: str
    client_reference_id: str | None = None
    payment_session_id: str | None = None
    charge_id: str | None = None
    captured_amount: DecimalAmount | None = None
    is_full_amount: bool | None = None
    amount: DecimalAmount | None = None
    status: str
    reason: str | None = None
    description: str | None = None
    destination_type: str | None = None
    method: str | None = None
    transfer_destination: TransferDestination | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def is_final(self) -> bool:
        """True for SUCCESS, FAILED and CANCELLED: a final status never changes again."""
        return self.status in _FINAL_REFUND
