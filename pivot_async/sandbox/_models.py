"""The sandbox's resources and their JSON shapes (docs/reference/wire.md#session-object,
wire.md#confirm-cancel-capture, wire.md#refunds, wire.md#customers)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
from typing import Any

from ._util import format_time

__all__ = ["Capture", "Charge", "Customer", "Refund", "Session"]

FINAL_SESSION_STATUSES = frozenset({"PAID", "CANCELLED", "EXPIRED", "INACTIVE"})
FINAL_CHARGE_STATUSES = frozenset({"SUCCESS", "FAILED", "EXPIRED"})


def amount_json(value: int | None) -> dict[str, Any] | None:
    """A payments amount object: integer IDR (docs/reference/wire.md#decision-l)."""
    return None if value is None else {"value": value, "currency": "IDR"}


_AMOUNTS = frozenset({"amount", "authorized_amount", "captured_amount"})


def _keys(spec: str) -> tuple[tuple[str, str, bool], ...]:
    """A JSON shape: ``attribute`` (key in camelCase), ``attribute:key``, ``attribute?``
    (left out when ``None``), in wire order -> (attribute, key, kept when ``None``)."""
    rows = []
    for item in spec.split():
        name, _, key = item.partition(":")
        bare = name.rstrip("?")
        head, *rest = bare.split("_")
        rows.append((bare, key or head + "".join(w.title() for w in rest), bare == name))
    return tuple(rows)


def _wire(obj: object, keys: tuple[tuple[str, str, bool], ...]) -> dict[str, Any]:
    """``obj`` as JSON: times as wire times, amounts as amount objects, a name ``obj`` lacks
    as ``null``."""
    data: dict[str, Any] = {}
    for name, key, keep_none in keys:
        value = getattr(obj, name, None)
        if isinstance(value, _dt.datetime):
            value = format_time(value)
        elif name in _AMOUNTS:
            value = amount_json(value)
        if value is not None or keep_none:
            data[key] = value
    return data


@dataclasses.dataclass
class Charge:
    """One charge of a payment session."""

    id: str
    session_id: str
    client_reference_id: str
    statement_descriptor: str
    method: str
    amount: int
    status: str
    created_at: _dt.datetime
    updated_at: _dt.datetime
    paid_at: _dt.datetime | None = None
    authorized_amount: int | None = None
    captured_amount: int | None = None
    is_captured: bool = False
    fds: dict[str, Any] | None = None
    card: dict[str, Any] | None = None
    virtual_account: dict[str, Any] | None = None
    qr: dict[str, Any] | None = None
    ewallet: dict[str, Any] | None = None
    capture_histories: list[dict[str, Any]] | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    recommendation: str | None = None
    # internal, never serialised
    card_key: str | None = None
    """Which test-card scenario drives this charge (no PAN is ever stored)."""
    card_profile: dict[str, Any] | None = None
    """The card's display data, kept for tokenisation (and shown after a token's 3DS)."""
    card_cvc_given: bool = False
    capture_reserved: int = 0
    """Amount captured or being captured."""
    capture_released: bool = False

    @property
    def final(self) -> bool:
        """True once the charge can no longer change."""
        return self.status in FINAL_CHARGE_STATUSES

    def to_json(self) -> dict[str, Any]:
        """The charge as the API returns it (in ``chargeDetails``)."""
        return _wire(self, _CHARGE_KEYS)


@dataclasses.dataclass
class Session:
    """A payment session (docs/reference/wire.md#session-object)."""

    id: str
    merchant_id: str
    client_reference_id: str
    amount: int
    payment_type: str
    mode: str
    auto_confirm: bool
    bypass_status_page: bool
    redirect_url: dict[str, Any] | None
    method_type: str | None
    payment_method: dict[str, Any] | None
    method_options: dict[str, Any]
    statement_descriptor: str
    expiration_mode: str
    save_for_future_use: bool
    show_saved_payment: bool
    status: str
    created_at: _dt.datetime
    updated_at: _dt.datetime
    expiry_at: _dt.datetime | None
    customer_id: str | None = None
    customer: dict[str, Any] | None = None
    order_information: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    payment_url: str | None = None
    encryption_key: str | None = None
    charges: list[Charge] = dataclasses.field(default_factory=list)
    cancelled_at: _dt.datetime | None = None
    cancellation_reason: str | None = None
    # internal flow state
    customer_ref: Customer | None = None
    """The live customer, whose stored payment methods the session shows."""
    capture_method: str = "automatic"
    three_ds_method: str = "AUTOMATIC"
    processing_sent: bool = False
    awaiting_3ds: bool = False

    @property
    def final(self) -> bool:
        """True once the session can no longer change."""
        return self.status in FINAL_SESSION_STATUSES

    @property
    def multiple(self) -> bool:
        """True for a static (``paymentType: MULTIPLE``) session."""
        return self.payment_type == "MULTIPLE"

    def to_json(self, charges: list[Charge] | None = None) -> dict[str, Any]:
        """The session as the API returns it (with ``charges`` instead of all of them)."""
        data = _wire(self, _SESSION_KEYS)
        data["amount"] = amount_json(0 if self.multiple else self.amount)
        shown = self.charges if charges is None else charges
        data["chargeDetails"] = [c.to_json() for c in shown] if self.charges else None
        if self.customer is not None and self.customer_ref is not None:
            stored = list(self.customer_ref.stored)
            data["customer"] = {**self.customer, "storedPaymentMethods": stored}
        return data


@dataclasses.dataclass
class Capture:
    """What ``POST /v2/payments/{id}/capture`` answers (wire.md#confirm-cancel-capture)."""

    id: str
    session_id: str
    client_reference_id: str
    charge_id: str
    release_remaining: bool
    amount: int
    status: str
    created_at: _dt.datetime
    updated_at: _dt.datetime

    def to_json(self) -> dict[str, Any]:
        """The capture as the API returns it."""
        return _wire(self, _CAPTURE_KEYS)


@dataclasses.dataclass
class Refund:
    """A refund (docs/reference/wire.md#refunds); ``path`` holds the statuses still to come."""

    id: str
    merchant_id: str
    client_reference_id: str
    payment_session_id: str
    charge_id: str
    captured_amount: int
    is_full_amount: bool
    amount: decimal.Decimal
    status: str
    reason: str
    description: str | None
    method: str
    transfer_destination: dict[str, Any] | None
    metadata: dict[str, Any] | None
    created_at: _dt.datetime
    updated_at: _dt.datetime
    destination_type: str | None = None
    path: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    """Remaining ``(status, destinationType)`` steps."""

    def to_json(self) -> dict[str, Any]:
        """The refund as the API returns it."""
        data = _wire(self, _REFUND_KEYS)
        for key, value in (("capturedAmount", self.captured_amount), ("amount", self.amount)):
            data[key] = {"currency": "IDR", "value": f"{decimal.Decimal(value):.2f}"}  # "10000.00"
        return data


@dataclasses.dataclass
class Customer:
    """A customer, created implicitly from ``customer.email`` (docs/reference/wire.md#customers)."""

    id: str
    merchant_id: str
    email: str
    fields: dict[str, Any]
    """The customer object as last received (``surname`` or ``sureName`` as sent)."""
    stored: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The customer as the API returns it."""
        return {"id": self.id, **self.fields, "storedPaymentMethods": list(self.stored)}


_CHARGE_KEYS = _keys(
    "id session_id:paymentSessionId client_reference_id:paymentSessionClientReferenceId amount "
    "statement_descriptor status authorized_amount captured_amount is_captured created_at "
    "updated_at paid_at fds:fdsRiskAssessment card capture_histories virtual_account qr ewallet "
    "failure_code failure_message recommendation"
)
_SESSION_KEYS = _keys(
    "id client_reference_id amount auto_confirm mode bypass_status_page redirect_url payment_type "
    "payment_method statement_descriptor save_for_future_use show_saved_payment expiration_mode "
    "status investigation_status created_at updated_at expiry_at encryption_key? payment_url? "
    "charges:chargeDetails customer_id customer order_information? cancelled_at "
    "cancellation_reason metadata"
)
_CAPTURE_KEYS = _keys(
    "id session_id:paymentSessionId client_reference_id:paymentSessionClientReferenceId "
    "release_remaining:releaseRemainingAmount amount status created_at updated_at"
)
_REFUND_KEYS = _keys(
    "id client_reference_id payment_session_id charge_id captured_amount is_full_amount amount "
    "status reason description destination_type method transfer_destination metadata created_at "
    "updated_at"
)
