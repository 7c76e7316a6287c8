"""Refund models: the create request with its rules, and the refund object.

See docs/reference/wire.md#refunds.

Refund amounts are decimals sent as strings with 2 decimals (``"10000.00"``); responses are
read whether the value is a string or a number, never as a float.
"""

import re
from typing import Any, ClassVar, Literal

from ._base import Model
from ._util import check_decimal_amount, check_one_of, check_text, fail
from ._wire import reread, text
from .common import DecimalAmount
from .customers import TransferDestination, validate_transfer_destination
from .enums import RefundMethod, RefundReason, RefundStatus

__all__ = ["CreateRefundRequest", "Refund"]

_REASONS = tuple(r.value for r in RefundReason)
_METHODS = tuple(m.value for m in RefundMethod)
_TRANSFER_ONLY = RefundMethod.TRANSFER_ONLY.value
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
    """Your own unique reference for the refund.
    Rule: Required, 1-100 characters."""
    payment_session_id: str | None = None
    """The paid session to refund.
    Rule: 1-255 characters; exactly one of paymentSessionId and chargeId."""
    charge_id: str | None = None
    """The paid charge to refund.
    Rule: 1-255 characters; exactly one of paymentSessionId and chargeId."""
    is_full_amount: bool | None = None
    """Refund the whole captured amount.
    Rule: A boolean."""
    amount: DecimalAmount | None = None
    """Amount to refund in IDR, up to 2 decimals.
    Rule: Required unless isFullAmount; positive, never a float."""
    reason: str
    """Why the refund is made (see ``RefundReason``).
    Rule: Required; one of the RefundReason values."""
    description: str | None = None
    """Free text about the refund.
    Rule: At most 50 characters."""
    method: str | None = None
    """``AUTO`` (back to the payment method) or ``TRANSFER_ONLY`` (bank transfer).
    Rule: One of AUTO, TRANSFER_ONLY."""
    transfer_destination: TransferDestination | None = None
    """The bank account for a TRANSFER_ONLY refund.
    Rule: Required with TRANSFER_ONLY; description at most 20 letters, digits or spaces."""
    metadata: dict[str, Any] | None = None
    """Your own key/value data, echoed back.
    Rule: A JSON object."""

    #: Per-field rules checked in C when a request is read (``models._wire``).
    __wire_rules__: ClassVar[dict[str, Any]] = {
        "client_reference_id": text(100, 1, required=True),
        "payment_session_id": text(255, 1),
        "charge_id": text(255, 1),
        "reason": Literal[_REASONS],
        "description": text(50),
        "method": Literal[_METHODS] | None,
    }

    def __post_init__(self) -> None:
        self.validate()

    def _wire_check(self) -> None:
        if (
            (self.payment_session_id is None) == (self.charge_id is None)
            or (self.amount is None and not self.is_full_amount)
            or (self.method == _TRANSFER_ONLY and self.transfer_destination is None)
        ):
            reread()

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
        if self.method == _TRANSFER_ONLY and dest is None:
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
    """Refund id."""
    client_reference_id: str | None = None
    """Your reference, echoed from the request."""
    payment_session_id: str | None = None
    """The refunded session."""
    charge_id: str | None = None
    """The refunded charge."""
    captured_amount: DecimalAmount | None = None
    """Amount captured on the charge."""
    is_full_amount: bool | None = None
    """Whether the whole amount is refunded."""
    amount: DecimalAmount | None = None
    """Amount refunded (``"10000.00"`` on the wire)."""
    status: str
    """Refund status, see ``RefundStatus`` (e.g. ``PENDING``, ``SUCCESS``)."""
    reason: str | None = None
    """Why the refund was made (see ``RefundReason``)."""
    description: str | None = None
    """Your description."""
    destination_type: str | None = None
    """Where the money goes, see ``DestinationType``."""
    method: str | None = None
    """``AUTO`` or ``TRANSFER_ONLY``."""
    transfer_destination: TransferDestination | None = None
    """The bank account of a transfer refund."""
    metadata: dict[str, Any] | None = None
    """Your key/value data, echoed."""
    created_at: str | None = None
    """When the refund was created (RFC 3339)."""
    updated_at: str | None = None
    """When the refund last changed (RFC 3339)."""

    @property
    def is_final(self) -> bool:
        """True for SUCCESS, FAILED and CANCELLED: a final status never changes again."""
        return self.status in _FINAL_REFUND
