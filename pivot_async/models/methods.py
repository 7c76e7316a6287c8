"""Payment method, payment method options, redirect URLs and split routing.

See docs/reference/wire.md#payment-objects.

These objects appear in requests and are echoed in responses, so they are lenient: every
member is optional and the request validators check what a request needs.
"""

import datetime as _dt
import decimal
from typing import Any, ClassVar, Literal

from ._base import Model
from ._util import redacted_repr, redacted_rich_repr
from ._wire import EXPIRY_AT, IDR, URL, Required, positive_int, reread, text
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
    """Where the customer lands after a successful payment.
    Rule: 1-255 characters."""
    failure_return_url: str | None = None
    """Where the customer lands after a failed payment.
    Rule: 1-255 characters."""
    expiration_return_url: str | None = None
    """Where the customer lands when the session expired.
    Rule: 1-255 characters."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "success_return_url": Required(URL),
        "failure_return_url": Required(URL),
        "expiration_return_url": Required(URL),
    }


_CARD_SECRETS = frozenset({"encrypted_card", "token", "number", "cvc"})


class PaymentCard(Model, kw_only=True):
    """``paymentMethod.card``: an ``encryptedCard``, a stored ``token`` (+ ``cvc``) or raw data.

    ``expMonth`` / ``expYear`` are numbers in requests and may be echoed as strings. The
    encrypted card, token, number and CVC are masked in ``repr``.
    """

    encrypted_card: str | None = None
    """The card encrypted with the session's ``encryptionKey`` (API mode)."""
    token: str | None = None
    """A stored-card token (saved with ``saveForFutureUse``)."""
    number: str | None = None
    """Full card number (PCI-DSS merchants only); masked in repr."""
    exp_month: int | str | None = None
    """Expiry month, 1-12 (a string when echoed)."""
    exp_year: int | str | None = None
    """Expiry year, four digits (a string when echoed)."""
    cvc: str | None = None
    """Card verification code, up to 3 digits; masked in repr."""
    card_holder_first_name: str | None = None
    """Card holder's first name."""
    card_holder_last_name: str | None = None
    """Card holder's last name."""
    card_holder_email: str | None = None
    """Card holder's email address."""
    card_holder_phone: str | None = None
    """Card holder's phone number."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}

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
    """Issuing bank, e.g. ``BCA``, ``BNI``, ``MANDIRI``, ``PERMATA``."""
    virtual_account_number: str | None = None
    """The number the customer transfers to."""
    virtual_account_name: str | None = None
    """Name shown to the payer for this account."""
    expiry_at: str | None = None
    """When the account stops accepting payments (zero time = never)."""

    __wire_rules__: ClassVar[dict[str, Any]] = {"expiry_at": EXPIRY_AT | None}

    @property
    def expiry_datetime(self) -> _dt.datetime | None:
        """``expiryAt`` as an aware datetime, ``None`` when absent or the zero time."""
        return parse_timestamp(self.expiry_at)


class EwalletAccount(Model, kw_only=True):
    """``paymentMethod.ewallet``: the registered mobile number as ``accountIdentifier``."""

    account_identifier: str | None = None
    """The wallet's registered mobile number."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}


class QrCharge(Model, kw_only=True):
    """A QR code: acquirer, EMVCo ``qrContent``, ``qrUrl``, ``qrType`` (DYNAMIC / STATIC)..."""

    acquirer: str | None = None
    """Acquiring bank of the QR, e.g. ``BRI`` or ``BNC``."""
    qr_content: str | None = None
    """The EMVCo QRIS string to render as a QR code."""
    qr_url: str | None = None
    """URL of a rendered image of the QR code."""
    qr_type: str | None = None
    """``DYNAMIC`` (one payment) or ``STATIC`` (reusable)."""
    retrieval_reference_number: str | None = None
    """Acquirer reference of the QR payment."""
    issuer_name: str | None = None
    """Name of the issuer that paid, once known."""
    expiry_at: str | None = None
    """When the QR code expires."""
    merchant_name: str | None = None
    """Merchant name encoded in the QR."""
    store_id: str | None = None
    """Store id of a static QR."""


class ProcessingConfig(Model, kw_only=True):
    """``card.processingConfig`` (facilitator model): ``bankMerchantId``, ``merchantIdTag``."""

    bank_merchant_id: str | None = None
    """Merchant id at the acquiring bank (facilitator model)."""
    merchant_id_tag: str | None = None
    """Tag that selects the merchant id to process with."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}


class Installment(Model, kw_only=True):
    """``card.installment``: ``enabled``, ``availablePlans`` (e.g. ``["3","6"]``), ``plan``.

    The documented example sends ``enabled`` as the string ``"true"`` (decoded to a bool) and
    ``plan`` as an array, so ``plan`` accepts a string or a list.
    """

    enabled: bool | None = None
    """Whether the charge is paid in installments."""
    available_plans: list[Any] | None = None
    """Plans offered, as month counts (``["3", "6"]``)."""
    plan: str | list[Any] | None = None
    """The chosen plan, a string or a list."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}


class CardOptions(Model, kw_only=True):
    """``paymentMethodOptions.card``: capture method, 3DS method, processing, installment."""

    capture_method: str | None = None
    """``automatic`` or ``manual`` (capture later with ``capture``)."""
    three_ds_method: str | None = None
    """``AUTOMATIC`` (default), ``CHALLENGE`` or ``NEVER``."""
    processing_config: ProcessingConfig | None = None
    """Acquirer routing for the facilitator model."""
    installment: Installment | None = None
    """Installment choice for the card payment."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}


class EwalletOptions(Model, kw_only=True):
    """``paymentMethodOptions.ewallet``: ``channel`` (DANA, SHOPEEPAY, OVO) and ``expiryAt``."""

    channel: str | None = None
    """The e-wallet: ``DANA``, ``SHOPEEPAY`` or ``OVO``."""
    expiry_at: str | None = None
    """When the e-wallet payment expires (``YYYY-MM-DDTHH:MM:SSZ``)."""

    __wire_rules__: ClassVar[dict[str, Any]] = {"expiry_at": EXPIRY_AT | None}


class QrOptions(Model, kw_only=True):
    """``paymentMethodOptions.qr``: ``expiryAt``."""

    expiry_at: str | None = None
    """When the QR code expires (``YYYY-MM-DDTHH:MM:SSZ``)."""

    __wire_rules__: ClassVar[dict[str, Any]] = {"expiry_at": EXPIRY_AT | None}


class PaymentMethodOptions(Model, kw_only=True):
    """Per-method options: ``card``, ``virtualAccount``, ``ewallet``, ``qr`` (and preset ``id``)."""

    id: str | None = None
    """Id of a stored options preset."""
    card: CardOptions | None = None
    """Options of a CARD payment."""
    virtual_account: VirtualAccount | None = None
    """Options of a VIRTUAL_ACCOUNT payment (channel, name, number)."""
    ewallet: EwalletOptions | None = None
    """Options of an EWALLET payment (channel, expiry)."""
    qr: QrOptions | None = None
    """Options of a QR payment (expiry)."""

    __wire_rules__: ClassVar[dict[str, Any]] = {}


class PaymentMethod(Model, kw_only=True):
    """``paymentMethod``: ``type`` (VIRTUAL_ACCOUNT, QR, CARD, EWALLET) and its details.

    ``qr`` appears only in responses (static QR). ``paymentMethodOptions`` nested here is
    read for leniency (the docs' confirm example nests it); the client sends it at the top
    level of the request (docs/reference/wire.md#decision-j).
    """

    type: str | None = None
    """``VIRTUAL_ACCOUNT``, ``QR``, ``CARD`` or ``EWALLET``.
    Rule: 1-50 characters; required in requests."""
    card: PaymentCard | None = None
    """The card to charge (CARD)."""
    virtual_account: VirtualAccount | None = None
    """The virtual account (VIRTUAL_ACCOUNT)."""
    ewallet: EwalletAccount | None = None
    """The e-wallet account (EWALLET)."""
    qr: QrCharge | None = None
    """A static QR's details.
    Rule: Response only: refused in requests."""
    payment_method_options: PaymentMethodOptions | None = None
    """Options nested here by older examples; send them at the top level."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "type": text(50, 1, required=True),
        "qr": None,  # response-only
    }


class SplitRoutingConfiguration(Model, kw_only=True):
    """One split-routing rule: ``merchantId``, ``type`` (FIXED / PERCENTAGE), amount, remarks.

    ``fixedAmount`` is a whole number of IDR; ``percentageAmount`` a decimal (never a float).
    """

    merchant_id: str | None = None
    """The sub-account receiving this share.
    Rule: 1-255 characters; required."""
    type: str | None = None
    """``FIXED`` (an amount) or ``PERCENTAGE``.
    Rule: Required."""
    currency: str | None = None
    """Currency of a fixed share.
    Rule: Only ``IDR``."""
    percentage_amount: decimal.Decimal | None = None
    """Share in percent (PERCENTAGE).
    Rule: Above 0 and at most 100."""
    fixed_amount: int | None = None
    """Share in whole IDR (FIXED).
    Rule: Positive integer."""
    remarks: str | None = None
    """Free text about the rule."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "merchant_id": text(255, 1, required=True),
        "type": Required(Literal["FIXED", "PERCENTAGE"]),
        "currency": IDR | None,
        "percentage_amount": None,  # a PERCENTAGE rule is read by the reference rules
        "fixed_amount": positive_int() | None,
    }

    def _wire_check(self) -> None:
        if self.type != "FIXED" or self.fixed_amount is None:
            reread()
