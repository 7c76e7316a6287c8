"""The payments requests' cross-field rules (on the tables of :mod:`._validation`) and their
parsing into normalised values, every problem in one 400 (docs/reference/wire.md#create-session,
wire.md#payment-objects, wire.md#confirm-cancel-capture)."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any

from ._cards import CardData
from ._config import MethodConfig, SandboxConfig
from ._errors import validation_error
from ._fields import Checked, Rule, check
from ._merchants import Merchant
from ._models import Session
from ._util import uuid7
from ._validation import _CARD, _TYPE, _VA, CONFIRM_FIELDS, CREATE_FIELDS, METHOD_FIELDS

__all__ = ["MethodInput", "parse_confirm", "parse_create", "parse_method"]

_OPTION_KEYS = {"VIRTUAL_ACCOUNT": "virtualAccount", "QR": "qr", "EWALLET": "ewallet"}
_Json = dict[str, Any]
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
    channel: str | None = None
    """``paymentMethodOptions.<virtualAccount|ewallet>.channel``."""
    va_name: str | None = None
    va_number: str | None = None
    ewallet_phone: str | None = None
    method_expiry: _dt.datetime | None = None


# -- the cross-field rules -------------------------------------------------------------------
def _expiry(chk: Checked, path: str, now: _dt.datetime, cfg: MethodConfig) -> _dt.datetime | None:
    """An ``expiryAt`` of the right format must be in the future, within the maximum."""
    moment: _dt.datetime | None = chk.get(path)
    if moment is not None and moment <= now:
        chk.error(path, f"{path} must be in the future")
    elif moment is not None and moment > now + cfg.max_expiry_delta:
        chk.error(path, f"{path} must not be later than {cfg.maximum_expiry} from now")
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
        full_year = year + 2000 if year < 100 else year
        data = CardData(number, month, full_year, chk.get(f"{_CARD}.cvc") or "")
        if data.expired(now):
            chk.error(f"{_CARD}.expYear", "The card has expired")
        m.card = data
    m.echo["card"] = {"token": token or "", "encryptedCard": encrypted or "", "cvc": ""}


def parse_method(
    chk: Checked, pm: _Json, opts: _Json | None, cfg: SandboxConfig, now: _dt.datetime, stage: str
) -> MethodInput | None:
    """Validate a payment method and its options (``stage``: create or confirm); ``None`` if
    the type is unusable."""
    chk.run({"paymentMethod": pm, "paymentMethodOptions": opts or {}}, METHOD_FIELDS)
    kind = chk.get(_TYPE)
    if kind is None:
        return None
    method_config = cfg.methods[kind]
    if not method_config.enabled:
        chk.error(_TYPE, f"Payment method {kind} is not enabled")
    m = MethodInput(kind, {"type": kind}, dict(opts or {}))
    m.capture_method = chk.get("paymentMethodOptions.card.captureMethod", "automatic")
    m.three_ds_method = chk.get("paymentMethodOptions.card.threeDsMethod", "AUTOMATIC")
    option_key = _OPTION_KEYS.get(kind)
    if option_key is not None:
        path = f"paymentMethodOptions.{option_key}"
        m.method_expiry = _expiry(chk, f"{path}.expiryAt", now, method_config)
        accepted = Rule(choices=tuple(method_config.accepted_channels), fold_case=True)
        m.channel = chk.also(f"{path}.channel", accepted)
        if kind == "VIRTUAL_ACCOUNT":
            m.va_name = chk.get(f"{_VA}.virtualAccountName")
            m.va_number = chk.get(f"{_VA}.virtualAccountNumber")
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
    """``sureName`` (older examples) becomes ``surname`` (the reference): one spelling stored;
    both with different values is ambiguous: 400 naming ``<path>.sureName``."""
    person: dict[str, Any] | None = chk.get(path)
    if person is None or "sureName" not in person:
        return person
    out = dict(person)
    legacy, current = out.pop("sureName"), out.get("surname")
    if current is not None and legacy is not None and current != legacy:
        problem = f"{path}.sureName and {path}.surname differ; send only {path}.surname"
        chk.error(f"{path}.sureName", problem)
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


def parse_create(
    body: dict[str, Any], merchant: Merchant, config: SandboxConfig, now: _dt.datetime
) -> tuple[Session, MethodInput | None]:
    """A create body as a new session (its status, customer and links not yet settled) and
    its method, or 400 naming every bad field (docs/reference/wire.md#create-session)."""
    chk = check(body, CREATE_FIELDS)
    pm, options = chk.get("paymentMethod"), chk.get("paymentMethodOptions")
    m = parse_method(chk, pm, options, config, now, stage="create") if pm is not None else None
    payment_type, mode = chk.get("paymentType", "SINGLE"), chk.get("mode", "REDIRECT")
    multiple = payment_type == "MULTIPLE"
    if mode == "API" and body.get("paymentMethod") is None:
        chk.error("paymentMethod", "paymentMethod is required when mode is API")
    if multiple and mode != "API":
        chk.error("", "paymentType 'MULTIPLE' is only allowed when mode is set to 'API'")
    elif multiple and (m is None or m.type not in ("QR", "VIRTUAL_ACCOUNT")):
        chk.error("", "paymentType 'MULTIPLE' is not allowed for this payment method type")
    amount = chk.get("amount.value")
    if multiple and m is not None and m.type == "QR" and body.get("amount") is not None:
        chk.error("", QRIS_MULTIPLE_AMOUNT)
        amount = None
    if amount is not None and not multiple:
        _check_amount_range(chk, config, m.type if m else None, amount)
    save_key = "saveForFutureUse" if body.get("saveForFutureUse") is not None else "saveForFuture"
    session = Session(
        id=uuid7(now),
        merchant_id=merchant.id,
        client_reference_id=chk.get("clientReferenceId", ""),
        amount=amount or 0,
        payment_type=payment_type,
        mode=mode,
        auto_confirm=chk.get("autoConfirm", True),
        bypass_status_page=chk.get("bypassStatusPage", False),
        redirect_url=chk.get("redirectUrl"),
        method_type=m.type if m else None,
        payment_method=dict(m.echo) if m else None,
        method_options=m.options if m else {},
        statement_descriptor=chk.get("statementDescriptor") or merchant.name[:20],
        expiration_mode=chk.get("expirationMode", "LOOSE"),
        save_for_future_use=chk.get(save_key, False),
        show_saved_payment=chk.get("showSavedPayment", False),
        status="REQUIRE_CONFIRMATION",
        created_at=now,
        updated_at=now,
        customer_id=chk.get("customerId") or None,
        customer=_surname(chk, "customer"),
        order_information=_order(chk),
        expiry_at=_expiry(chk, "expiryAt", now, config.methods[m.type if m else "CARD"]),
        metadata=chk.get("metadata"),
    )
    if m is not None:
        session.capture_method, session.three_ds_method = m.capture_method, m.three_ds_method
    _check_applicable(chk, m.type if m else None, mode, save_key)
    chk.raise_if_failed()
    return session, m


SAVE_METHODS = ("CARD", "EWALLET")
"""``saveForFutureUse`` and ``expirationMode: STRICT`` take effect for these only."""


def _not_applicable(kind: str | None, mode: str, save: bool, field: str) -> list[tuple[str, str]]:
    """The CARD/EWALLET-only settings that would not take effect for method ``kind``: an
    explicit default (``false``, ``LOOSE``) passes; without a method (chosen later on the
    hosted page or at confirm) they are checked then (docs/reference/wire.md#create-session)."""
    if kind is None or kind in SAVE_METHODS:
        return []
    why = "applies only to paymentMethod.type CARD or EWALLET; omit it (or send its default)"
    given = (("expirationMode", mode != "LOOSE"), (field, save))
    return [(key, f"{key} {why} for {kind}") for key, on in given if on]


def _check_applicable(chk: Checked, kind: str | None, mode: str, save_key: str) -> None:
    """Refuse an "applicable only" setting that would not take effect."""
    if mode != "REDIRECT":
        why = f"applies only to mode REDIRECT; send false or omit it in mode {mode}"
        for key in ("showSavedPayment", "bypassStatusPage"):
            if chk.get(key):
                chk.error(key, f"{key} {why}")
    save = chk.get(save_key, False)
    for key, problem in _not_applicable(kind, chk.get("expirationMode", "LOOSE"), save, save_key):
        chk.error(key, problem)


def _check_amount_range(chk: Checked, config: SandboxConfig, kind: str | None, amount: int) -> None:
    rows = [config.methods[kind]] if kind else [c for c in config.methods.values() if c.enabled]
    if any(c.minimum <= amount <= c.maximum for c in rows):
        return
    low = min(c.minimum for c in rows)
    high = max(c.maximum for c in rows)
    label = kind or "any enabled payment method"
    chk.error("amount.value", f"amount.value must be between {low} and {high} for {label}")


def parse_confirm(
    body: _Json, session: Session, config: SandboxConfig, now: _dt.datetime
) -> tuple[MethodInput, _Json | None]:
    """Validate a confirm body for ``session`` (options at the top level win over nested ones),
    then the session's CARD/EWALLET-only settings for the chosen method
    (docs/reference/wire.md#confirm-cancel-capture)."""
    chk = check(body, CONFIRM_FIELDS)
    pm, top = chk.get("paymentMethod"), chk.get("paymentMethodOptions")
    options = top if top is not None else chk.get("paymentMethod.paymentMethodOptions")
    method = None if pm is None else parse_method(chk, pm, options, config, now, stage="confirm")
    if method is not None:
        if session.method_type is not None and method.type != session.method_type:
            problem = f"paymentMethod.type must be {session.method_type} for this session"
            chk.error("paymentMethod.type", problem)
        else:
            _check_amount_range(chk, config, method.type, session.amount)
        card_given = method.card or method.encrypted_card or method.card_token
        if method.type == "CARD" and not card_given:
            problem = "paymentMethod.card needs encryptedCard, token or number"
            chk.error("paymentMethod.card", problem)
    chk.raise_if_failed()
    assert method is not None
    save, created = session.save_for_future_use, " (set when the session was created)"
    details = _not_applicable(method.type, session.expiration_mode, save, "saveForFutureUse")
    if details:
        raise validation_error([(key, problem + created) for key, problem in details])
    return method, _order(chk)
