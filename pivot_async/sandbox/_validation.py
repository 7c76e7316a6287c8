"""The payments requests' tables on the one engine (:mod:`._fields`), after
docs/reference/wire.md#create-session, wire.md#payment-objects, wire.md#confirm-cancel-capture and
wire.md#refunds; create's and confirm's cross-field rules are in :mod:`._requests`."""

from __future__ import annotations

import decimal
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from ._errors import validation_error
from ._fields import GIVEN, Check, Checked, Field, Rule, When, check, text
from ._util import parse_request_time

__all__ = [
    "CAPTURE_FIELDS",
    "CONFIRM_FIELDS",
    "CREATE_FIELDS",
    "METHOD_FIELDS",
    "OBJECT",
    "REFUND_FIELDS",
    "SIMULATION_FIELDS",
    "parse_body",
    "read_refund",
]

OBJECT = Rule("object")
BOOLEAN = Rule("boolean")
INTEGER = Rule("integer")
_POSITIVE_AMOUNT = "must be a positive amount of 1 to 18 digits"
_VALUE = Rule("integer", check=lambda v: v > 0 and len(str(v)) <= 18, says=_POSITIVE_AMOUNT)
AMOUNT = (Field("value", True, _VALUE), Field("currency", True, Rule(choices=("IDR",))))
"""A payments amount ``{value: int IDR, currency: "IDR"}`` (the rows under its path)."""
_ALNUM_SPACE = re.compile(r"[A-Za-z0-9 ]+")


def nest(prefix: str, fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """``fields`` (paths relative to an object) found at ``prefix``."""
    return tuple(Field(f"{prefix}.{f.path}", f.required, f.rule) for f in fields)


def destination(path: str, required: bool | When, *, refund: bool = False) -> tuple[Field, ...]:
    """A ``transferDestination`` object at ``path`` (a refund's adds ``description``)."""
    rows = (
        Field(path, required, OBJECT),
        Field(f"{path}.channelCode", True, text(20)),
        Field(f"{path}.channelInformation", True, OBJECT),
        Field(f"{path}.channelInformation.accountNumber", True, text(30)),
        Field(f"{path}.channelInformation.accountName", True, text(50)),
    )
    if not refund:
        return rows
    says = "must be alphanumeric"
    alnum = text(20, check=lambda v: not v or _ALNUM_SPACE.fullmatch(v) is not None, says=says)
    return (*rows, Field(f"{path}.description", False, alnum))


METHOD_TYPES = ("VIRTUAL_ACCOUNT", "QR", "CARD", "EWALLET")
CAPTURE_METHODS = ("automatic", "manual")
THREE_DS = ("AUTOMATIC", "NEVER", "CHALLENGE")
_RETURN_URLS = ("successReturnUrl", "failureReturnUrl", "expirationReturnUrl")
_AT_LEAST_1, _ALNUM_SAYS = "must be at least 1", "must be alphanumeric"
_EMAIL_SAYS = "must be a valid email address"
_NUMBER_SAYS = "must be 13 to 19 digits"
_MONTH = Rule("integer", check=lambda v: 1 <= v <= 12, says="must be 1 to 12")


# -- the tables (static rules) ---------------------------------------------------------------
def _choice(*options: str, fold_case: bool = False) -> Rule:
    return Rule(choices=options, fold_case=fold_case)


def _decimal(value: Any) -> bool:
    """A refund amount: ``"10000"``, ``"10000.5"`` or a JSON integer (up to 16 digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return isinstance(value, str) and _DECIMAL.fullmatch(value) is not None


def _digits(low: int, high: int) -> Check:
    """Empty, or ``low`` to ``high`` ASCII digits."""
    return lambda v: not v or (low <= len(v) <= high and v.isascii() and v.isdigit())


_ALNUM = re.compile(r"[A-Za-z0-9]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NAME = text(255)
EXPIRY = text(
    parse=parse_request_time,
    says="must have the format YYYY-MM-DDTHH:MM:SSZ "
    "(optionally 1 to 9 fractional-second digits before the Z)",
)
_PHONE = (
    Field("phoneNumber", False, OBJECT),
    Field("phoneNumber.countryCode", False, text(4)),
    Field("phoneNumber.number", False, text(15)),
)


def _names(required: bool, *keys: str, prefix: str = "") -> tuple[Field, ...]:
    """Strings of up to 255 characters."""
    return tuple(Field(prefix + key, required, NAME) for key in keys)


def _person(path: str, *, shipping: bool = False) -> tuple[Field, ...]:
    """``orderInformation.billingInfo`` / ``shippingInfo``."""
    rows = (
        *_names(False, "surname", "sureName"),
        *_names(True, "givenName", "email"),
        *_PHONE,
        *_names(False, "addressLine1", "addressLine2", "city", "provinceState", "postalCode"),
    )
    method = Field("method", True, _choice("REGULAR", "NEXTDAY", "SAMEDAY", "INSTANT"))
    return (Field(path, False, OBJECT), *nest(path, (*rows, method) if shipping else rows))


_PRODUCT = "orderInformation.productDetails[]"
ORDER_FIELDS = (
    Field("orderInformation", False, OBJECT),
    Field("orderInformation.productDetails", True, Rule("array", min_len=1)),
    Field(_PRODUCT, True, OBJECT),
    Field(f"{_PRODUCT}.type", True, _choice("PHYSICAL", "DIGITAL", "SERVICE")),
    *_names(False, "category", "subCategory", "name", "description", prefix=f"{_PRODUCT}."),
    Field(f"{_PRODUCT}.quantity", True, Rule("integer", check=lambda v: v >= 1, says=_AT_LEAST_1)),
    Field(f"{_PRODUCT}.price", True, OBJECT),
    *nest(f"{_PRODUCT}.price", AMOUNT),
    *_person("orderInformation.billingInfo"),
    *_person("orderInformation.shippingInfo", shipping=True),
)
_CUSTOMER = (
    Field("email", True, text(255, check=_EMAIL.fullmatch, says=_EMAIL_SAYS)),
    *_names(False, "givenName", "surname", "sureName"),
    *_PHONE,
    Field("refundPreference", False, OBJECT),
    Field("refundPreference.method", False, _choice("AUTO", "TRANSFER_ONLY")),
)
_REFUND_METHOD = When("customer.refundPreference.method", "TRANSFER_ONLY")
CUSTOMER_FIELDS = (
    Field("customer", False, OBJECT),
    *nest("customer", _CUSTOMER),
    *destination("customer.refundPreference.transferDestination", _REFUND_METHOD),
)
_TYPE = "paymentMethod.type"
_VA = "paymentMethodOptions.virtualAccount"
_EW = "paymentMethodOptions.ewallet"
_CARD = "paymentMethod.card"
_CARD_OPTIONS = "paymentMethodOptions.card"
METHOD_FIELDS = (
    Field(_TYPE, True, _choice(*METHOD_TYPES)),
    Field(_CARD_OPTIONS, False, OBJECT),
    Field(f"{_CARD_OPTIONS}.captureMethod", False, _choice(*CAPTURE_METHODS, fold_case=True)),
    Field(f"{_CARD_OPTIONS}.threeDsMethod", False, _choice(*THREE_DS, fold_case=True)),
    Field(_VA, When(_TYPE, "VIRTUAL_ACCOUNT"), OBJECT),
    Field(f"{_VA}.expiryAt", False, EXPIRY),
    Field(f"{_VA}.channel", When(_TYPE, "VIRTUAL_ACCOUNT")),
    Field(f"{_VA}.virtualAccountName", False, NAME),
    Field(f"{_VA}.virtualAccountNumber", False, text(30)),
    Field("paymentMethodOptions.qr", False, OBJECT),
    Field("paymentMethodOptions.qr.expiryAt", False, EXPIRY),
    Field(_EW, When(_TYPE, "EWALLET"), OBJECT),
    Field(f"{_EW}.expiryAt", False, EXPIRY),
    Field(f"{_EW}.channel", When(_TYPE, "EWALLET")),
    Field(_CARD, False, OBJECT),
    Field(f"{_CARD}.encryptedCard", False, text()),
    Field(f"{_CARD}.token", False, text(255)),
    Field(f"{_CARD}.cvc", False, text(4, check=_digits(1, 4), says="must be digits")),
    Field(f"{_CARD}.number", False, text(check=_digits(13, 19), says=_NUMBER_SAYS)),
    Field(f"{_CARD}.expMonth", When(f"{_CARD}.number", GIVEN), _MONTH),
    Field(f"{_CARD}.expYear", When(f"{_CARD}.number", GIVEN), INTEGER),
    Field("paymentMethod.ewallet", False, OBJECT),
    Field("paymentMethod.ewallet.accountIdentifier", False, text(20)),
)
"""``paymentMethod`` and ``paymentMethodOptions`` (create, confirm, the hosted page)."""
CREATE_FIELDS = (
    Field("clientReferenceId", True, text(100, check=_ALNUM.fullmatch, says=_ALNUM_SAYS)),
    Field("paymentType", False, _choice("SINGLE", "MULTIPLE")),
    Field("mode", False, _choice("REDIRECT", "API")),
    Field("paymentMethod", False, OBJECT),
    Field("paymentMethodOptions", False, OBJECT),
    Field("amount", When("paymentType", "SINGLE", "SINGLE"), OBJECT),
    *nest("amount", AMOUNT),
    Field("redirectUrl", When("mode", "REDIRECT", "REDIRECT"), OBJECT),
    *(Field(f"redirectUrl.{k}", True, NAME) for k in _RETURN_URLS),
    Field("statementDescriptor", False, text(20)),
    Field("expirationMode", False, _choice("LOOSE", "STRICT")),
    Field("expiryAt", False, EXPIRY),
    Field("customerId", False, NAME),
    *CUSTOMER_FIELDS,
    *ORDER_FIELDS,
    Field("metadata", False, OBJECT),
    *(Field(k, False, BOOLEAN) for k in ("saveForFutureUse", "saveForFuture", "showSavedPayment")),
    *(Field(k, False, BOOLEAN) for k in ("bypassStatusPage", "autoConfirm")),
)
"""``POST /v2/payments`` (with :data:`METHOD_FIELDS` when ``paymentMethod`` is given)."""
CONFIRM_FIELDS = (
    Field("paymentMethod", True, OBJECT),
    Field("paymentMethodOptions", False, OBJECT),
    Field("paymentMethod.paymentMethodOptions", False, OBJECT),
    *ORDER_FIELDS,
)
"""``POST /v2/payments/{id}/confirm`` (with :data:`METHOD_FIELDS`)."""
_AMOUNT_OPTIONAL = (Field("amount", False, OBJECT), *nest("amount", AMOUNT))
CAPTURE_FIELDS = (Field("releaseRemainingAmount", True, BOOLEAN), *_AMOUNT_OPTIONAL)
"""``POST /v2/payments/{id}/capture``."""
SIMULATION_FIELDS = (
    Field("paymentSessionId", True, text()),
    Field("chargeStatus", True, _choice("SUCCESS", "EXPIRED")),
    *_AMOUNT_OPTIONAL,
)
"""``POST /v2/payments/simulations``."""
_REASONS = ("SUSPECT_FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS")
_DECIMAL = re.compile(r"[0-9]{1,16}(\.[0-9]{1,2})?")
REFUND_FIELDS = (
    Field("clientReferenceId", True, text(100)),
    Field("paymentSessionId", False, text()),
    Field("chargeId", False, text()),
    Field("isFullAmount", False, BOOLEAN),
    Field("amount", When("isFullAmount", False, False), OBJECT),
    Field(
        "amount.value", True, Rule(check=_decimal, says='must be a decimal string such as "10000"')
    ),
    Field("amount.currency", True, _choice("IDR")),
    Field("reason", True, _choice(*_REASONS)),
    Field("description", False, text(50)),
    Field("method", False, _choice("AUTO", "TRANSFER_ONLY")),
    *destination("transferDestination", When("method", "TRANSFER_ONLY", "AUTO"), refund=True),
    Field("metadata", False, OBJECT),
)
"""``POST /v1/refunds`` (its cross-field rules: :func:`read_refund`)."""
_POSITIVE = Rule(check=lambda v: decimal.Decimal(str(v)) > 0, says="must be positive")


def read_refund(body: Mapping[str, Any]) -> Checked:
    """:data:`REFUND_FIELDS`, one of ``paymentSessionId`` / ``chargeId``, a positive amount
    (``amount.value`` read as a ``Decimal``)."""
    chk = check(body, REFUND_FIELDS)
    if not chk.get("paymentSessionId") and not chk.get("chargeId"):
        message = "Make sure paymentSessionId or chargeId value is fulfilled"
        chk.error("paymentSessionId", message)
    if chk.also("amount.value", _POSITIVE) is not None:
        chk.values["amount.value"] = decimal.Decimal(str(chk.values["amount.value"]))
    return chk


def parse_body(raw: bytes, *, allow_empty: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, else 400."""
    if not raw.strip():
        if allow_empty:
            return {}
        raise validation_error([("", "Request body is required")])
    try:
        body = msgspec.json.decode(raw)
    except ValueError as exc:
        raise validation_error([("", "Request body is not valid JSON")]) from exc
    if not isinstance(body, dict):
        raise validation_error([("", "Request body must be a JSON object")])
    return body
