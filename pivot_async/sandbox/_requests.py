"""Parsing of the payments requests into normalised values.

The rules: docs/reference/wire.md#create-session, wire.md#payment-objects and
wire.md#confirm-cancel-capture.

Static problems are collected by :class:`~._validation.Checker` and answered with 400.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any

from ._cards import CardData
from ._config import SandboxConfig
from ._errors import validation_error
from ._models import Session
from ._validation import Checker

__all__ = [
    "CreateRequest",
    "MethodInput",
    "parse_confirm",
    "parse_create",
    "parse_method",
    "session_settings_apply",
]

METHOD_TYPES = ("VIRTUAL_ACCOUNT", "QR", "CARD", "EWALLET")
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


def _card(
    chk: Checker, card: dict[str, Any], now: _dt.datetime, stage: str, m: MethodInput
) -> None:
    path = "paymentMethod.card"
    encrypted = chk.string(card, "encryptedCard", f"{path}.encryptedCard")
    if encrypted:
        if stage == "create":
            chk.error(f"{path}.encryptedCard", "encryptedCard is accepted on confirm only")
        m.encrypted_card = encrypted
    token = chk.string(card, "token", f"{path}.token", max_len=255)
    if token:
        m.card_token = token
    cvc = chk.string(card, "cvc", f"{path}.cvc", max_len=4)
    if cvc and not cvc.isdigit():
        chk.error(f"{path}.cvc", f"{path}.cvc must be digits")
    number = chk.string(card, "number", f"{path}.number")
    if number:
        if not (number.isdigit() and 13 <= len(number) <= 19):
            chk.error(f"{path}.number", f"{path}.number must be 13 to 19 digits")
            return
        month = chk.integer(card, "expMonth", f"{path}.expMonth", required=True)
        year = chk.integer(card, "expYear", f"{path}.expYear", required=True)
        if month is not None and not 1 <= month <= 12:
            chk.error(f"{path}.expMonth", f"{path}.expMonth must be 1 to 12")
            return
        if month is None or year is None:
            return
        full_year = year + 2000 if year < 100 else year
        data = CardData(number, month, full_year, cvc or "")
        if data.expired(now):
            chk.error(f"{path}.expYear", "The card has expired")
            return
        m.card = data
    m.echo["card"] = {"token": token or "", "encryptedCard": encrypted or "", "cvc": ""}


def parse_method(
    chk: Checker,
    payment_method: dict[str, Any],
    options: dict[str, Any] | None,
    config: SandboxConfig,
    now: _dt.datetime,
    *,
    stage: str,
) -> MethodInput | None:
    """Validate a payment method and its options; ``None`` if the type is unusable."""
    kind = chk.enum(payment_method, "type", "paymentMethod.type", METHOD_TYPES, required=True)
    if kind is None:
        return None
    method_config = config.methods[kind]
    if not method_config.enabled:
        chk.error("paymentMethod.type", f"Payment method {kind} is not enabled")
    m = MethodInput(kind, {"type": kind}, dict(options or {}))
    opts = m.options
    card_opts = chk.mapping(opts, "card", "paymentMethodOptions.card") or {}
    m.capture_method = (
        chk.enum(
            card_opts,
            "captureMethod",
            "paymentMethodOptions.card.captureMethod",
            ("automatic", "manual"),
            default="automatic",
            case_insensitive=True,
        )
        or "automatic"
    )
    m.three_ds_method = (
        chk.enum(
            card_opts,
            "threeDsMethod",
            "paymentMethodOptions.card.threeDsMethod",
            ("AUTOMATIC", "NEVER", "CHALLENGE"),
            default="AUTOMATIC",
            case_insensitive=True,
        )
        or "AUTOMATIC"
    )
    option_key = _OPTION_KEYS.get(kind)
    if option_key is not None:
        path = f"paymentMethodOptions.{option_key}"
        own_given = chk.mapping(opts, option_key, path, required=kind != "QR")
        own = own_given or {}
        m.method_expiry = chk.expiry(
            own,
            "expiryAt",
            f"{path}.expiryAt",
            now=now,
            maximum=method_config.max_expiry_delta,
            maximum_text=method_config.maximum_expiry,
        )
        if kind in ("VIRTUAL_ACCOUNT", "EWALLET") and own_given is not None:
            channel = chk.enum(
                own,
                "channel",
                f"{path}.channel",
                method_config.accepted_channels,
                required=True,
                case_insensitive=True,
            )
            if kind == "EWALLET":
                m.ewallet_channel = channel
            else:
                m.va_channel = channel
        if kind == "VIRTUAL_ACCOUNT":
            m.va_name = chk.string(
                own, "virtualAccountName", f"{path}.virtualAccountName", max_len=255
            )
            m.va_number = chk.string(
                own, "virtualAccountNumber", f"{path}.virtualAccountNumber", max_len=30
            )
    card = chk.mapping(payment_method, "card", "paymentMethod.card")
    if card is not None:
        if kind != "CARD":
            chk.error("paymentMethod.card", "paymentMethod.card is only for type CARD")
        else:
            _card(chk, card, now, stage, m)
    ewallet = chk.mapping(payment_method, "ewallet", "paymentMethod.ewallet")
    if ewallet is not None and kind == "EWALLET":
        phone = chk.string(
            ewallet, "accountIdentifier", "paymentMethod.ewallet.accountIdentifier", max_len=20
        )
        if phone:
            m.ewallet_phone = phone
            m.echo["ewallet"] = {"accountIdentifier": phone}
    return m


def parse_create(body: dict[str, Any], config: SandboxConfig, now: _dt.datetime) -> CreateRequest:
    """Validate a create-session body or raise 400 naming every bad field.

    See docs/reference/wire.md#create-session.
    """
    chk = Checker()
    reference = chk.string(
        body,
        "clientReferenceId",
        "clientReferenceId",
        required=True,
        max_len=100,
        alphanumeric=True,
    )
    payment_type = (
        chk.enum(body, "paymentType", "paymentType", ("SINGLE", "MULTIPLE"), default="SINGLE")
        or "SINGLE"
    )
    mode = chk.enum(body, "mode", "mode", ("REDIRECT", "API"), default="REDIRECT") or "REDIRECT"
    pm = chk.mapping(body, "paymentMethod", "paymentMethod")
    options = chk.mapping(body, "paymentMethodOptions", "paymentMethodOptions")
    method = parse_method(chk, pm, options, config, now, stage="create") if pm is not None else None
    multiple = payment_type == "MULTIPLE"
    if multiple and mode != "API":
        chk.error("", MULTIPLE_NEEDS_API)
    elif multiple and (method is None or method.type not in ("QR", "VIRTUAL_ACCOUNT")):
        chk.error("", MULTIPLE_NOT_FOR_METHOD)
    if multiple and method is not None and method.type == "QR" and body.get("amount") is not None:
        chk.error("", QRIS_MULTIPLE_AMOUNT)
        amount = None
    else:
        amount = chk.amount(body, "amount", "amount", required=not multiple)
    if amount is not None and not multiple:
        _check_amount_range(chk, config, method.type if method else None, amount)
    redirect = chk.mapping(body, "redirectUrl", "redirectUrl", required=mode == "REDIRECT")
    if redirect is not None:
        for key in ("successReturnUrl", "failureReturnUrl", "expirationReturnUrl"):
            chk.string(redirect, key, f"redirectUrl.{key}", required=True, max_len=255)
    descriptor = chk.string(body, "statementDescriptor", "statementDescriptor", max_len=20)
    expiration_mode = (
        chk.enum(body, "expirationMode", "expirationMode", ("LOOSE", "STRICT"), default="LOOSE")
        or "LOOSE"
    )
    method_config = config.methods[method.type] if method else config.methods["CARD"]
    expiry = chk.expiry(
        body,
        "expiryAt",
        "expiryAt",
        now=now,
        maximum=method_config.max_expiry_delta,
        maximum_text=method_config.maximum_expiry,
    )
    save = body.get("saveForFutureUse")
    save_key = "saveForFutureUse" if save is not None else "saveForFuture"
    customer_id = chk.string(body, "customerId", "customerId", max_len=255)
    customer = chk.customer(body)
    order = chk.order_information(body)
    metadata = chk.mapping(body, "metadata", "metadata")
    request = CreateRequest(
        client_reference_id=reference or "",
        amount=amount,
        payment_type=payment_type,
        mode=mode,
        method=method,
        save_for_future_use=chk.boolean(body, save_key, save_key, False),
        show_saved_payment=chk.boolean(body, "showSavedPayment", "showSavedPayment", False),
        bypass_status_page=chk.boolean(body, "bypassStatusPage", "bypassStatusPage", False),
        redirect_url=redirect,
        customer_id=customer_id or None,
        customer=customer,
        order_information=order,
        auto_confirm=chk.boolean(body, "autoConfirm", "autoConfirm", True),
        statement_descriptor=descriptor or None,
        expiration_mode=expiration_mode,
        expiry_at=expiry,
        metadata=metadata,
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


def _check_applicable(chk: Checker, req: CreateRequest, save_key: str) -> None:
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


def _check_amount_range(chk: Checker, config: SandboxConfig, kind: str | None, amount: int) -> None:
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
    chk = Checker()
    pm = chk.mapping(body, "paymentMethod", "paymentMethod", required=True)
    top = chk.mapping(body, "paymentMethodOptions", "paymentMethodOptions")
    nested = (
        chk.mapping(pm, "paymentMethodOptions", "paymentMethod.paymentMethodOptions")
        if pm
        else None
    )
    order = chk.order_information(body)
    method = (
        parse_method(chk, pm, top if top is not None else nested, config, now, stage="confirm")
        if pm is not None
        else None
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
    return method, order
