"""Customer models (docs/reference/wire.md#customers).

The gateway spells the family name ``surname`` or ``sureName`` and the stored methods
``storedPaymentMethods`` or ``storePaymentMethods``: both spellings are read, and the
``last_name`` / ``payment_methods`` properties return whichever is present. The client sends
``surname``: a request's ``sureName`` is moved to ``surname`` (refused when both are given
with different values).
"""

from typing import Annotated, Any, ClassVar, Literal

from msgspec import Meta

from ._base import Model
from ._util import check_struct, check_text, fail, redacted_repr, redacted_rich_repr
from ._wire import Required, reread, text
from .common import PhoneNumber
from .enums import RefundMethod

__all__ = [
    "ChannelInformation",
    "Customer",
    "RefundPreference",
    "StoredCard",
    "StoredPaymentMethod",
    "TransferDestination",
]


_TRANSFER_ONLY = RefundMethod.TRANSFER_ONLY.value  # a plain str: enum .value reads are slow


class ChannelInformation(Model, kw_only=True):
    """Bank account of a transfer destination: ``accountNumber`` and ``accountName``."""

    account_number: str | None = None
    """Bank account number.
    Rule: 1-30 characters, required in a transfer destination."""
    account_name: str | None = None
    """Account holder's name.
    Rule: 1-50 characters, required in a transfer destination."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "account_number": text(30, 1, required=True), "account_name": text(50, 1, required=True),
    }


class TransferDestination(Model, kw_only=True):
    """Where a refund bank transfer goes: ``channelCode``, account, optional ``description``."""

    channel_code: str | None = None
    """Bank code of the destination, e.g. ``BCA``.
    Rule: Required, 1-20 characters."""
    channel_information: ChannelInformation | None = None
    """The account number and name.
    Rule: Required."""
    description: str | None = None
    """Transfer note.
    Rule: At most 20 letters, digits or spaces (refunds)."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "channel_code": text(20, 1, required=True),
        "channel_information": Required(ChannelInformation),
        "description": Annotated[str, Meta(pattern=r"\A[A-Za-z0-9 ]{0,20}\Z")] | None,
    }


class RefundPreference(Model, kw_only=True):
    """A customer's refund preference: ``method`` and, for TRANSFER_ONLY, the destination."""

    method: str | None = None
    """``AUTO`` or ``TRANSFER_ONLY``.
    Rule: One of AUTO, TRANSFER_ONLY."""
    transfer_destination: TransferDestination | None = None
    """Bank account for TRANSFER_ONLY refunds.
    Rule: Required with TRANSFER_ONLY."""

    __wire_rules__: ClassVar[dict[str, Any]] = {"method": Literal["AUTO", "TRANSFER_ONLY"] | None}

    def _wire_check(self) -> None:
        if self.method == _TRANSFER_ONLY and self.transfer_destination is None:
            reread()


_STORED_SECRETS = frozenset({"token"})


class StoredCard(Model, kw_only=True):
    """Card details of a stored payment method (expiry fields are strings)."""

    fingerprint: str | None = None
    """Stable fingerprint of the card number."""
    network: str | None = None
    """Card network, e.g. ``VISA``."""
    first6: str | None = None
    """First 6 digits of the card number."""
    first8: str | None = None
    """First 8 digits of the card number."""
    last4: str | None = None
    """Last 4 digits of the card number."""
    exp_month: str | int | None = None
    """Expiry month (a string)."""
    exp_year: str | int | None = None
    """Expiry year (a string)."""
    card_holder_first_name: str | None = None
    """Card holder's first name."""
    card_holder_last_name: str | None = None
    """Card holder's last name."""


class StoredPaymentMethod(Model, kw_only=True):
    """A tokenised card or e-wallet saved on the customer (response only).

    ``paymentMethod`` and ``paymentChannel`` come in varying case (``CARD`` / ``ewallet``);
    compare case-insensitively. The token is masked in ``repr``.
    """

    token: str | None = None
    """Token to pay with this method again (``paymentMethod.card.token``)."""
    payment_method: str | None = None
    """``CARD`` or ``EWALLET``."""
    payment_channel: str | None = None
    """Card network or e-wallet channel."""
    created_at: str | None = None
    """When it was saved (RFC 3339)."""
    status: str | None = None
    """Whether it can still be used, e.g. ``ACTIVE``."""
    card: StoredCard | None = None
    """The saved card (masked)."""

    def __repr__(self) -> str:
        return redacted_repr(self, _STORED_SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _STORED_SECRETS)


class Customer(Model, kw_only=True):
    """The customer object: name, ``email`` (the unique key), phone and refund preference."""

    id: str | None = None
    """Customer id (response only; derived from the email).
    Rule: Refused in requests: send customerId instead."""
    given_name: str | None = None
    """First name.
    Rule: At most 255 characters."""
    surname: str | None = None
    """Last name (the spelling that is sent).
    Rule: At most 255 characters."""
    sure_name: str | None = None
    """Older spelling of ``surname``, read and normalised to it.
    Rule: Must agree with surname."""
    email: str | None = None
    """Email address, the customer's unique key.
    Rule: Required in requests, 1-255 characters."""
    phone_number: PhoneNumber | None = None
    """Phone number.
    Rule: countryCode 1-4, number 1-15 characters."""
    refund_preference: RefundPreference | None = None
    """How refunds reach this customer."""
    stored_payment_methods: list[StoredPaymentMethod] | None = None
    """Saved cards and e-wallets (response only).
    Rule: Refused in requests."""
    store_payment_methods: list[StoredPaymentMethod] | None = None
    """Saved methods under an alternative spelling (response only).
    Rule: Refused in requests."""

    __wire_rules__: ClassVar[dict[str, Any]] = {
        "id": None,  # response-only members
        "stored_payment_methods": None,
        "store_payment_methods": None,
        "email": text(255, 1, required=True),
        "given_name": text(255),
        "surname": text(255),
        "sure_name": text(255),
    }

    def _wire_check(self) -> None:
        normalise_surname(self, "customer")

    @property
    def last_name(self) -> str | None:
        """The family name, whether it came as ``surname`` or ``sureName``."""
        return self.surname if self.surname is not None else self.sure_name

    @property
    def payment_methods(self) -> list[StoredPaymentMethod]:
        """Stored payment methods, whichever spelling carried them (empty if none)."""
        if self.stored_payment_methods is not None:
            return self.stored_payment_methods
        return self.store_payment_methods or []


def normalise_surname(obj: Any, field: str) -> None:
    """``sureName`` (the "Cards Encryption Flow" spelling) is read as ``surname``, sent once.

    Given alone it is moved to ``surname``; given with ``surname`` the two must agree.
    """
    alias: object = obj.sure_name
    if alias is None:
        return
    if obj.surname is not None and obj.surname != alias:
        fail(f"{field}.sureName", "conflicts with surname: give one spelling (surname is sent)")
    obj.surname = alias
    obj.sure_name = None


def validate_customer(customer: Customer, field: str) -> None:
    """Client-side rules for a customer sent in a request (``field`` is its wire path)."""
    if not isinstance(customer, Customer):
        fail(field, "must be a Customer")
    normalise_surname(customer, field)
    for value, wire in ((customer.id, "id"),
                        (customer.stored_payment_methods, "storedPaymentMethods"),
                        (customer.store_payment_methods, "storePaymentMethods")):
        if value is not None:
            fail(f"{field}.{wire}", "is response-only; do not send it (use customerId to "
                                    "refer to a stored customer)")
    check_text(customer.email, f"{field}.email", min_len=1, max_len=255, required=True)
    check_text(customer.given_name, f"{field}.givenName", max_len=255)
    check_text(customer.surname, f"{field}.surname", max_len=255)
    phone = check_struct(customer.phone_number, PhoneNumber, f"{field}.phoneNumber")
    if phone is not None:
        check_text(phone.country_code, f"{field}.phoneNumber.countryCode", min_len=1, max_len=4)
        check_text(phone.number, f"{field}.phoneNumber.number", min_len=1, max_len=15)
    pref = check_struct(customer.refund_preference, RefundPreference, f"{field}.refundPreference")
    if pref is not None:
        pfield = f"{field}.refundPreference"
        if pref.method is not None and pref.method not in (
            RefundMethod.AUTO.value,
            RefundMethod.TRANSFER_ONLY.value,
        ):
            fail(f"{pfield}.method", "must be one of AUTO, TRANSFER_ONLY")
        if pref.method == RefundMethod.TRANSFER_ONLY.value and pref.transfer_destination is None:
            fail(f"{pfield}.transferDestination", "is required when method is TRANSFER_ONLY")
        if pref.transfer_destination is not None:
            validate_transfer_destination(
                pref.transfer_destination, f"{pfield}.transferDestination"
            )


def validate_transfer_destination(dest: TransferDestination, field: str) -> None:
    """Lengths of a transfer destination: channelCode 1-20, account 1-30, name 1-50."""
    if not isinstance(dest, TransferDestination):
        fail(field, "must be a TransferDestination")
    check_text(dest.channel_code, f"{field}.channelCode", min_len=1, max_len=20, required=True)
    ifield = f"{field}.channelInformation"
    info = check_struct(dest.channel_information, ChannelInformation, ifield)
    if info is None:
        fail(ifield, "is required")
    check_text(info.account_number, f"{ifield}.accountNumber", min_len=1, max_len=30,
               required=True)
    check_text(info.account_name, f"{ifield}.accountName", min_len=1, max_len=50, required=True)
