"""Parsing of the payments requests into normalised values.

The rules: docs/reference/wire.md#create-session, wire.md#payment-objects and
wire.md#confirm-cancel-capture.

The static rules are the tables below (rows of :class:`~._fields.Field`), the cross-field rules
the short functions after them; every problem is collected and answered with one 400.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from typing import Any

from ._cards import CardData
from ._config import MethodConfig, SandboxConfig
from ._errors import validation_error
from ._fields import GIVEN, Checked, Field, Rule, When, text
from ._models import Session
from ._util import parse_request_time
from ._validation import AMOUNT, BOOLEAN, INTEGER, OBJECT, destination, nest

__all__ = [
    "CONFIRM_FIELDS",
    "CREATE_FIELDS",
    "METHOD_FIELDS",
    "CreateRequest",
    "MethodInput",
    "parse_confirm",
    "parse_create",
    "parse_method",
    "session_settings_apply",
]

METHOD_TYPES = ("VIRTUAL_ACCOUNT", "QR", "CARD", "EWALLET")
CAPTURE_METHODS = ("automatic", "manual")
THREE_DS = ("AUTOMATIC", "NEVER", "CHALLENGE")
_RETURN_URLS = ("successReturnUrl", "failureReturnUrl", "expirationReturnUrl")
_AT_LEAST_1, _ALNUM_SAYS = "must be at least 1", "must be alphanumeric"
_EMAIL_SAYS = "must be a valid email address"
_NUMBER_SAYS = "must be 13 to 19 digits"
_MONTH = Rule("integer", check=lambda v: 1 <= v <= 12, says="must be 1 to 12")
_OPTION_KEYS = {"VIRTUAL_ACCOUNT": "virtualAccount", "QR": "qr", "EWALLET": "ewallet"}
MULTIPLE_NEEDS_API = "paymentType 'MULTIPLE' is only allowed when mode is set to 'API'"
MULTIPLE_NOT_FOR_METHOD = "paymentType 'MULTIPLE' is not allowed for this payment method type"
QRIS_MULTIPLE_AMOUNT = (
    "QRIS with paymentType = MULTIPLE must not include an amount. "
    "Remove the amount value from the request."
)


@dataclasses.dataclass
class MethodInput:
    """A validated ``paymentMethod`` plus its ``paymentMethodOptions``."""

    type: str
    echo: dict[str, Any]
    options: dict[str, Any]
    capture_method: str = "automatic"
    three_ds_method: str = "AUTOMATIC"
    card: CardData | None = None
    encrypted_card: str | None = None
    card_token: str | None = dataclasses.field(default=None, repr=False)
    va_channel: str | None = None
    va_name: str | None = None
    va_number: str | None = None
    ewallet_channel: str | None = None
    ewallet_phone: str | None = None
    method_expiry: _dt.datetime | None = None


@dataclasses.dataclass
class CreateRequest:
    """A validated ``POST /v2/payments`` body."""

    client_reference_id: str
    amount: int | None
    payment_type: str
    mode: str
    method: MethodInput | None
    save_for_future_use: bool
    show_saved_payment: bool
    bypass_status_page: bool
    redirect_url: dict[str, Any] | None
    customer_id: str | None
    customer: dict[str, Any] | None
    order_information: dict[str, Any] | None
    auto_confirm: bool
    statement_descriptor: str | None
    expiration_mode: str
    expiry_at: _dt.datetime | None
    metadata: dict[str, Any] | None


# -- the tables (static rules) ---------------------------------------------------------------
def _choice(*options: str, fold_case: bool = False) -> Rule:
    return Rule(choices=options, fold_case=fold_case)


def _digits(low: int, high: int) -> Rule:
    """Empty, or ``low`` to ``high`` ASCII digits."""
    return text(check=lambda v: not v or (low <= len(v) <= high and v.isascii() and v.isdigit()))


_ALNUM = re.compile(r"[A-Za-z0-9]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NAME = text(255)
EXPIRY = text(
    check=lambda v: parse_request_time(v) is not None,
    says="must have the format YYYY-MM-DDTHH:MM:SSZ "
    "(optionally 1 to 9 fractional-second digits before the Z)",
)
_PHONE = (
    Field("phoneNumber", False, OBJECT),
    Field("phoneNumber.countryCode", False, text(4)),
    Field("phoneNumber.number", False, text(15)),
)


def _person(path: str, *, shipping: bool = False) -> tuple[Field, ...]:
    """``orderInformation.billingInfo`` / ``shippingInfo``."""
    rows = (
        Field("surname", False, NAME),
        Field("sureName", False, NAME),
        Field("givenName", True, NAME),
        Field("email", True, NAME),
        *_PHONE,
        *(Field(k, False, NAME) for k in ("addressLine1", "addressLine2", "city")),
        *(Field(k, False, NAME) for k in ("provinceState", "postalCode")),
    )
    method = Field("method", True, _choice("REGULAR", "NEXTDAY", "SAMEDAY", "INSTANT"))
    return (Field(path, False, OBJECT), *nest(path, (*rows, method) if shipping else rows))


_PRODUCT = "orderInformation.productDetails[]"
ORDER_FIELDS = (
    Field("orderInformation", False, OBJECT),
    Field("orderInformation.productDetails", True, Rule("array", min_len=1)),
    Field(_PRODUCT, True, OBJECT),
    Field(f"{_PRODUCT}.type", True, _choice("PHYSICAL", "DIGITAL", "SERVICE")),
    *(Field(f"{_PRODUCT}.{k}", False, NAME) for k in ("category", "subCategory", "name")),
    Field(f"{_PRODUCT}.description", False, NAME),
    Field(f"{_PRODUCT}.quantity", True, Rule("integer", check=lambda v: v >= 1, says=_AT_LEAST_1)),
    Field(f"{_PRODUCT}.price", True, OBJECT),
    *nest(f"{_PRODUCT}.price", AMOUNT),
    *_person("orderInformation.billingInfo"),
    *_person("orderInformation.shippingInfo", shipping=True),
)
CUSTOMER_FIELDS = (
    Field("customer", False, OBJECT),
    *nest(
        "customer",
        (
            Field("email", True, text(255, check=_EMAIL.fullmatch, says=_EMAIL_SAYS)),
            Field("givenName", False, NAME),
            Field("surname", False, NAME),
            Field("sureName", False, NAME),
            *_PHONE,
            Field("refundPreference", False, OBJECT),
            Field("refundPreference.method", False, _choice("AUTO", "TRANSFER_ONLY")),
        ),
    ),
    *destination(
        "customer.refundPreference.transferDestination",
        When("customer.refundPreference.method", "TRANSFER_ONLY"),
    ),
)
_TYPE = "paymentMethod.type"
_VA = "paymentMethodOptions.virtualAccount"
_EW = "paymentMethodOptions.ewallet"
_CARD = "paymentMethod.card"
METHOD_FIELDS = (
    Field(_TYPE, True, _choice(*METHOD_TYPES)),
    Field("paymentMethodOptions.card", False, OBJECT),
    Field(
        "paymentMethodOptions.card.captureMethod", False, _choice(*CAPTURE_METHODS, fold_case=True)
    ),
    Field("paymentMethodOptions.card.threeDsMethod", False, _choice(*THREE_DS, fold_case=True)),
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
    Field(f"{_CARD}.cvc", False, dataclasses.replace(_digits(1, 4), says="must be digits")),
    Field(f"{_CARD}.number", False, dataclasses.replace(_digits(13, 19), says=_NUMBER_SAYS)),
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


# -- the cross-field rules -------------------------------------------------------------------
def _expiry(
    chk: Checked, path: str, now: _dt.datetime, method: MethodConfig
) -> _dt.datetime | None:
    """An ``expiryAt`` of the right format must be in the future, within the maximum."""
    moment = parse_request_time(chk.get(path) or "")
    if moment is not None and moment <= now:
        chk.error(path, f"{path} must be in the future")
    elif moment is not None and moment > now + method.max_expiry_delta:
        chk.error(path, f"{path} must not be later than {method.maximum_expiry} from now")
    else:
        return moment
    return None


def _card(chk: Checked, now: _dt.datetime, stage: str, m: MethodInput) -> None:
    encrypted, token = chk.get(f"{_CARD}.encryptedCard"), chk.get(f"{_CARD}.token")
    if encrypted and stage == "create":
        chk.error(f"{_CARD}.encryptedCard", "encryptedCard is accepted on confirm only")
    m.encrypted_card, m.card_token = encrypted or None, token or None
    number, month, year = (chk.get(f"{_CARD}.{k}") for k in ("number", "expMonth", "expYear"))
    if number and month is not None and year is not None:
        data = CardData(
            number, month, year + 2000 if year < 100 else year, chk.get(f"{_CARD}.cvc") or ""
        )
        if data.expired(now):
            chk.error(f"{_CARD}.expYear", "The card has expired")
        m.card = data
    m.echo["card"] = {"token": token or "", "encryptedCard": encrypted or "", "cvc": ""}


def parse_method(
    chk: Checked,
    payment_method: dict[str, Any],
    options: dict[str, Any] | None,
    config: SandboxConfig,
    now: _dt.datetime,
    *,
    stage: str,
) -> MethodInput | None:
    """Validate a payment method and its options; ``None`` if the type is unusable."""
    chk.run({"paymentMethod": payment_method, "paymentMethodOptions": options or {}}, METHOD_FIELDS)
    kind = chk.get(_TYPE)
    if kind is None:
        return None
    method_config = config.methods[kind]
    if not method_config.enabled:
        chk.error(_TYPE, f"Payment method {kind} is not enabled")
    m = MethodInput(kind, {"type": kind}, dict(options or {}))
    m.capture_method = chk.get("paymentMethodOptions.card.captureMethod", "automatic")
    m.three_ds_method = chk.get("paymentMethodOptions.card.threeDsMethod", "AUTOMATIC")
    option_key = _OPTION_KEYS.get(kind)
    if option_key is not None:
        path = f"paymentMethodOptions.{option_key}"
        m.method_expiry = _expiry(chk, f"{path}.expiryAt", now, method_config)
        accepted = _choice(*method_config.accepted_channels, fold_case=True)
        channel = chk.also(f"{path}.channel", accepted)
        m.va_channel = channel if kind == "VIRTUAL_ACCOUNT" else None
        m.ewallet_channel = channel if kind == "EWALLET" else None
        m.va_name = chk.get(f"{_VA}.virtualAccountName") if kind == "VIRTUAL_ACCOUNT" else None
        m.va_number = chk.get(f"{_VA}.virtualAccountNumber") if kind == "VIRTUAL_ACCOUNT" else None
    if chk.get(_CARD) is not None:
        if kind != "CARD":
            chk.error(_CARD, f"{_CARD} is only for type CARD")
        else:
            _card(chk, now, stage, m)
    phone = chk.get("paymentMethod.ewallet.accountIdentifier")
    if phone and kind == "EWALLET":
        m.ewallet_phone = phone
        m.echo["ewallet"] = {"accountIdentifier": phone}
    return m


def _surname(chk: Checked, path: str) -> dict[str, Any] | None:
    """``sureName`` (older examples) becomes ``surname`` (the reference): one spelling stored.

    Both given with different values is ambiguous: 400 naming ``<path>.sureName``.
    """
    person: dict[str, Any] | None = chk.get(path)
    if person is None or "sureName" not in person:
        return person
    out = dict(person)
    legacy, current = out.pop("sureName"), out.get("surname")
    if current is not None and legacy is not None and current != legacy:
        chk.error(
            f"{path}.sureName",
            f"{path}.sureName and {path}.surname differ; send only {path}.surname",
        )
    elif current is None and legacy is not None:
        out["surname"] = legacy
    return out


def _order(chk: Checked) -> dict[str, Any] | None:
    order: dict[str, Any] | None = chk.get("orderInformation")
    if order is None:
        return None
    order = dict(order)
    for part in ("billingInfo", "shippingInfo"):
        if part in order:
            order[part] = _surname(chk, f"orderInformation.{part}") or order[part]
    return order


def parse_create(body: dict[str, Any], config: SandboxConfig, now: _dt.datetime) -> CreateRequest:
    """Validate a create-session body or raise 400 naming every bad field.

    See docs/reference/wire.md#create-session.
    """
    chk = Checked().run(body, CREATE_FIELDS)
    pm, options = chk.get("paymentMethod"), chk.get("paymentMethodOptions")
    method = parse_method(chk, pm, options, config, now, stage="create") if pm is not None else None
    payment_type, mode = chk.get("paymentType", "SINGLE"), chk.get("mode", "REDIRECT")
    multiple = payment_type == "MULTIPLE"
    if multiple and mode != "API":
        chk.error("", MULTIPLE_NEEDS_API)
    elif multiple and (method is None or method.type not in ("QR", "VIRTUAL_ACCOUNT")):
        chk.error("", MULTIPLE_NOT_FOR_METHOD)
    amount = chk.get("amount.value")
    if multiple and method is not None and method.type == "QR" and body.get("amount") is not None:
        chk.error("", QRIS_MULTIPLE_AMOUNT)
        amount = None
    if amount is not None and not multiple:
        _check_amount_range(chk, config, method.type if method else None, amount)
    method_config = config.methods[method.type] if method else config.methods["CARD"]
    save_key = "saveForFutureUse" if body.get("saveForFutureUse") is not None else "saveForFuture"
    request = CreateRequest(
        client_reference_id=chk.get("clientReferenceId", ""),
        amount=amount,
        payment_type=payment_type,
        mode=mode,
        method=method,
        save_for_future_use=chk.get(save_key, False),
        show_saved_payment=chk.get("showSavedPayment", False),
        bypass_status_page=chk.get("bypassStatusPage", False),
        redirect_url=chk.get("redirectUrl"),
        customer_id=chk.get("customerId") or None,
        customer=_surname(chk, "customer"),
        order_information=_order(chk),
        auto_confirm=chk.get("autoConfirm", True),
        statement_descriptor=chk.get("statementDescriptor") or None,
        expiration_mode=chk.get("expirationMode", "LOOSE"),
        expiry_at=_expiry(chk, "expiryAt", now, method_config),
        metadata=chk.get("metadata"),
    )
    _check_applicable(chk, request, save_key)
    chk.raise_if_failed()
    return request


SAVE_METHODS = ("CARD", "EWALLET")
"""``saveForFutureUse`` and ``expirationMode: STRICT`` take effect for these only.

See docs/reference/wire.md#create-session.
"""


def _only_redirect(key: str, mode: str) -> str:
    return f"{key} applies only to mode REDIRECT; send false or omit it in mode {mode}"


def _only_card_ewallet(key: str, kind: str) -> str:
    return (
        f"{key} applies only to paymentMethod.type CARD or EWALLET; "
        f"omit it (or send its default) for {kind}"
    )


def _check_applicable(chk: Checked, req: CreateRequest, save_key: str) -> None:
    """Refuse an "applicable only" setting that would not take effect.

    See docs/reference/wire.md#create-session.

    An explicit default (``false``, ``LOOSE``) passes. Without a ``paymentMethod`` the method
    is chosen later (hosted page or confirm), so the CARD/EWALLET settings are checked then.
    """
    if req.mode != "REDIRECT":
        if req.show_saved_payment:
            chk.error("showSavedPayment", _only_redirect("showSavedPayment", req.mode))
        if req.bypass_status_page:
            chk.error("bypassStatusPage", _only_redirect("bypassStatusPage", req.mode))
    kind = req.method.type if req.method is not None else None
    if kind is not None and kind not in SAVE_METHODS:
        if req.expiration_mode != "LOOSE":
            chk.error("expirationMode", _only_card_ewallet("expirationMode", kind))
        if req.save_for_future_use:
            chk.error(save_key, _only_card_ewallet(save_key, kind))


def session_settings_apply(session: Session, kind: str) -> None:
    """On confirm: the session's CARD/EWALLET-only settings must apply to the chosen method."""
    if kind in SAVE_METHODS:
        return
    details: list[tuple[str, str]] = []
    if session.expiration_mode != "LOOSE":
        details.append(("expirationMode", _only_card_ewallet("expirationMode", kind)))
    if session.save_for_future_use:
        details.append(("saveForFutureUse", _only_card_ewallet("saveForFutureUse", kind)))
    if details:
        raise validation_error(
            [(field, f"{text} (set when the session was created)") for field, text in details]
        )


def _check_amount_range(chk: Checked, config: SandboxConfig, kind: str | None, amount: int) -> None:
    rows = [config.methods[kind]] if kind else [c for c in config.methods.values() if c.enabled]
    if any(c.minimum <= amount <= c.maximum for c in rows):
        return
    low = min(c.minimum for c in rows)
    high = max(c.maximum for c in rows)
    label = kind or "any enabled payment method"
    chk.error("amount.value", f"amount.value must be between {low} and {high} for {label}")


def parse_confirm(
    body: dict[str, Any],
    config: SandboxConfig,
    now: _dt.datetime,
    session_type: str | None,
    amount: int,
) -> tuple[MethodInput, dict[str, Any] | None]:
    """Validate a confirm body; options at the top level win over nested ones.

    See docs/reference/wire.md#confirm-cancel-capture.
    """
    chk = Checked().run(body, CONFIRM_FIELDS)
    pm, top = chk.get("paymentMethod"), chk.get("paymentMethodOptions")
    options = top if top is not None else chk.get("paymentMethod.paymentMethodOptions")
    method = (
        parse_method(chk, pm, options, config, now, stage="confirm") if pm is not None else None
    )
    if method is not None:
        if session_type is not None and method.type != session_type:
            chk.error(
                "paymentMethod.type", f"paymentMethod.type must be {session_type} for this session"
            )
        else:
            _check_amount_range(chk, config, method.type, amount)
        if method.type == "CARD" and not (
            method.card or method.encrypted_card or method.card_token
        ):
            chk.error(
                "paymentMethod.card", "paymentMethod.card needs encryptedCard, token or number"
            )
    chk.raise_if_failed()
    assert method is not None
    return method, _order(chk)
