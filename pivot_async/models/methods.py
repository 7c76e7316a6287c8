"""Payment method, payment method options, redirect URLs and split routing.

See docs/reference/wire.md#payment-objects.

These objects appear in requests and are echoed in responses, so they are lenient: every
member is optional and the request validators check what a request needs.
"""

import datetime as _dt
import decimal
from typing import Any

from ._base import Model
from ._util import redacted_repr, redacted_rich_repr
from .common import parse_timestamp

__all__ = [
    "CardOptions",
    "EwalletAccount",
    "EwalletOptions",
    "Installment",
    "PaymentCard",
    "PaymentMethod",
    "PaymentMethodOptions",
    "ProcessingConfig",
    "QrCharge",
    "QrOptions",
    "RedirectUrl",
    "SplitRoutingConfiguration",
    "VirtualAccount",
]


class RedirectUrl(Model, kw_only=True):
    """Where the customer returns: success, failure and expiration URLs (1-255 each)."""

    success_return_url: str | None = None
    failure_return_url: str | None = None
    expiration_return_url: str | None = None


_CARD_SECRETS = frozenset({"encrypted_card", "token", "number", "cvc"})


class PaymentCard(Model, kw_only=True):
    """``paymentMethod.card``: an ``encryptedCard``, a stored ``token`` (+ ``cvc``) or raw data.

    ``expMonth`` / ``expYear`` are numbers in requests and may be echoed as strings. The
    encrypted card, token, number and CVC are masked in ``repr``.
    """

    encrypted_card: str | None = None
    token: str | None = None
    number: str | None = None
    exp_month: int | str | None = None
    exp_year: int | str | None = None
    cvc: str | None = None
    card_holder_first_name: str | None = None
    card_holder_last_name: str | None = None
    card_holder_email: str | None = None
    card_holder_phone: str | None = None

    def __repr__(self) -> str:
        return redacted_repr(self, _CARD_SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _CARD_SECRETS)


class VirtualAccount(Model, kw_only=True):
    """A virtual account: channel, number, name and ``expiryAt``.

    Used in ``paymentMethod``, ``paymentMethodOptions`` and charges. A static VA has the zero
    time ``0001-01-01T00:00:00Z`` as ``expiryAt``: :attr:`expiry_datetime` returns ``None``.
    """

    channel: str | None = None
    virtual_account_number: str | None = None
    virtual_account_name: str | None = None
    expiry_at: str | None = None

    @property
    def expiry_datetime(self) -> _dt.datetime | None:
        """``expiryAt`` as an aware datetime, ``None`` when absent or the zero time."""
        return parse_timestamp(self.expiry_at)


class EwalletAccount(Model, kw_only=True):
    """``paymentMethod.ewallet``: the registered mobile number as ``accountIdentifier``."""

    account_identifier: str | None = None


class QrCharge(Model, kw_only=True):
    """A QR code: acquirer, EMVCo ``qrContent``, ``qrUrl``, ``qrType`` (DYNAMIC / STATIC)..."""

    acquirer: str | None = None
    qr_content: str | None = None
    qr_url: str | None = None
    qr_type: str | None = None
    retrieval_reference_number: str | None = None
    issuer_name: str | None = None
    expiry_at: str | None = None
    merchant_name: str | None = None
    store_id: str | None = None


class ProcessingConfig(Model, kw_only=True):
    """``card.processingConfig`` (facilitator model): ``bankMerchantId``, ``merchantIdTag``."""

    bank_merchant_id: str | None = None
    merchant_id_tag: str | None = None


class Installment(Model, kw_only=True):
    """``card.installment``: ``enabled``, ``availablePlans`` (e.g. ``["3","6"]``), ``plan``.

    The documented example sends ``enabled`` as the string ``"true"`` (decoded to a bool) and
    ``plan`` as an array, so ``plan`` accepts a string or a list.
    """

    enabled: bool | None = None
    available_plans: list[Any] | None = None
    plan: str | list[Any] | None = None


class CardOptions(Model, kw_only=True):
    """``paymentMethodOptions.card``: capture method, 3DS method, processing, installment."""

    capture_method: str | None = None
    three_ds_method: str | None = None
    processing_config: ProcessingConfig | None = None
    installment: Installment | None = None


class EwalletOptions(Model, kw_only=True):
    """``paymentMethodOptions.ewallet``: ``channel`` (DANA, SHOPEEPAY, OVO) and ``expiryAt``."""

    channel: str | None = None
    expiry_at: str | None = None


class QrOptions(Model, kw_only=True):
    """``paymentMethodOptions.qr``: ``expiryAt``."""

    expiry_at: str | None = None


class PaymentMethodOptions(Model, kw_only=True):
    """Per-method options: ``card``, ``virtualAccount``, ``ewallet``, ``qr`` (and preset ``id``)."""

    id: str | None = None
    card: CardOptions | None = None
    virtual_account: VirtualAccount | None = None
    ewallet: EwalletOptions | None = None
    qr: QrOptions | None = None


class PaymentMethod(Model, kw_only=True):
    """``paymentMethod``: ``type`` (VIRTUAL_ACCOUNT, QR, CARD, EWALLET) and its details.

    ``qr`` appears only in responses (static QR). ``paymentMethodOptions`` nested here is
    read for leniency (the docs' confirm example nests it); the client sends it at the top
    level of the request (docs/reference/wire.md#decision-j).
    """

    type: str | None = None
    card: PaymentCard | None = None
    virtual_account: VirtualAccount | None = None
    ewallet: EwalletAccount | None = None
    qr: QrCharge | None = None
    payment_method_options: PaymentMethodOptions | None = None


class SplitRoutingConfiguration(Model, kw_only=True):
    """One split-routing rule: ``merchantId``, ``type`` (FIXED / PERCENTAGE), amount, remarks.

    ``fixedAmount`` is a whole number of IDR; ``percentageAmount`` a decimal (never a float).
    """

    merchant_id: str | None = None
    type: str | None = None
    currency: str | None = None
    percentage_amount: decimal.Decimal | None = None
    fixed_amount: int | None = None
    remarks: str | None = None
