"""Private helpers for the models: request validation rules and redacted reprs.

Every check raises :class:`~pivot_async.RequestValidationError` with the wire path of the field
and the rule in words. Rules never quote the offending value: it may be card data.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Iterator
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import msgspec

from .._errors import RequestValidationError
from ._wire import MAX_IDR
from .common import CENT, DECIMAL_TEXT, Amount, DecimalAmount

__all__ = [
    "CENT",
    "MAX_IDR",
    "PARTNER_REF_MAX",
    "DECIMAL_TEXT",
    "check_alnum",
    "check_currency",
    "check_decimal_amount",
    "check_expiry_at",
    "check_idr_amount",
    "check_info",
    "check_list",
    "check_one_of",
    "check_struct",
    "check_text",
    "check_url",
    "empty_info",
    "fail",
    "is_empty_money",
    "redacted_repr",
    "redacted_rich_repr",
]

S = TypeVar("S", bound=msgspec.Struct)

PARTNER_REF_MAX = 64  # wallet partnerReferenceNo

_ALNUM = re.compile(r"[A-Za-z0-9]+")
#: The one ``expiryAt`` rule, the same in the sandbox: ``YYYY-MM-DDTHH:MM:SSZ`` with ASCII
#: digits, optionally 1-9 fractional-second digits before the ``Z`` (UTC only); the calendar
#: checks (year >= 1, a real month day, seconds <= 59) are datetime's (check_expiry_at).
#: Groups: year, month, day, hour, minute, second.
_EXPIRY = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?Z"
)
_SPACE = re.compile(r"\s")


def fail(field: str, rule: str) -> NoReturn:
    """Raise the validation error for ``field``."""
    raise RequestValidationError(field, rule)


def _length_rule(min_len: int, max_len: int, what: str = "characters") -> str:
    if min_len <= 0:
        return f"must be at most {max_len} {what}"
    return f"must be {min_len}-{max_len} {what}"


def check_text(
    value: object,
    field: str,
    *,
    max_len: int,
    min_len: int = 0,
    required: bool = False,
) -> None:
    """A string of ``min_len``..``max_len`` characters (``None`` allowed unless required)."""
    if value is None:
        if required:
            fail(field, "is required")
        return
    if not isinstance(value, str):
        fail(field, "must be a string")
    if not min_len <= len(value) <= max_len:
        fail(field, _length_rule(min_len, max_len))


def check_alnum(
    value: object, field: str, *, max_len: int, min_len: int = 1, required: bool = True
) -> None:
    """An ASCII alphanumeric string of ``min_len``..``max_len`` characters."""
    rule = _length_rule(min_len, max_len, "alphanumeric characters")
    if value is None:
        if required:
            fail(field, "is required")
        return
    if not isinstance(value, str) or not min_len <= len(value) <= max_len:
        fail(field, rule)
    if value and not _ALNUM.fullmatch(value):
        fail(field, rule)


def check_url(value: object, field: str, *, max_len: int = 255, required: bool = True) -> None:
    """An absolute URL (scheme and host) of 1..``max_len`` characters."""
    if value is None:
        if required:
            fail(field, "is required")
        return
    rule = f"must be an absolute URL of 1-{max_len} characters"
    if not isinstance(value, str) or not 1 <= len(value) <= max_len:
        fail(field, rule)
    if _SPACE.search(value) is not None:  # ``\s`` is exactly ``str.isspace``, per character
        fail(field, rule)
    try:
        parts = urlsplit(value)
    except ValueError:
        fail(field, rule)
    if not parts.scheme or not parts.netloc:
        fail(field, rule)


def check_expiry_at(value: object, field: str) -> None:
    """``YYYY-MM-DDTHH:MM:SSZ`` (UTC; 1-9 fractional-second digits allowed), a real time."""
    if value is None:
        return
    rule = ("must be formatted YYYY-MM-DDTHH:MM:SSZ (UTC, ASCII digits; optionally 1-9 "
            "fractional-second digits before the Z)")
    if not isinstance(value, str):
        fail(field, rule)
    m = _EXPIRY.fullmatch(value)
    if m is None:
        fail(field, rule)
    try:  # the calendar: year >= 1, a real month day, hour <= 23, minute and second <= 59
        year, month, day, hour, minute, second = map(int, m.groups())
        datetime.datetime(year, month, day, hour, minute, second)
    except ValueError:
        fail(field, rule)


def check_one_of(value: object, field: str, allowed: tuple[str, ...], *, required: bool) -> None:
    """One of a closed set of strings."""
    if value is None:
        if required:
            fail(field, "is required")
        return
    if not isinstance(value, str) or value not in allowed:
        fail(field, "must be one of " + ", ".join(allowed))


def check_idr_amount(
    amount: Amount | None, field: str, *, required: bool, allow_zero: bool = False
) -> None:
    """A payments amount: a positive whole number of IDR (never a bool or a float).

    An integral :class:`~decimal.Decimal` is accepted and normalised to ``int`` in place.
    """
    if amount is None:
        if required:
            fail(field, "is required")
        return
    if not isinstance(amount, Amount):
        fail(field, "must be an Amount {value, currency}")
    vfield = f"{field}.value"
    raw: object = amount.value
    if isinstance(raw, bool):
        fail(vfield, "must be an integer amount of IDR, not a boolean")
    if isinstance(raw, float):
        fail(vfield, "must be an integer amount of IDR, not a float")
    if isinstance(raw, decimal.Decimal):
        if not raw.is_finite() or raw != raw.to_integral_value():
            fail(vfield, "must be a whole number of IDR")
        raw = int(raw)
        amount.value = raw
    if not isinstance(raw, int):
        fail(vfield, "must be an integer amount of IDR")
    if allow_zero:
        if raw < 0:
            fail(vfield, "must not be negative")
    elif raw <= 0:
        fail(vfield, "must be a positive integer")
    if raw > MAX_IDR:
        fail(vfield, "must have at most 18 digits")
    check_currency(amount.currency, f"{field}.currency")


def check_decimal_amount(
    amount: DecimalAmount | None, field: str, *, required: bool, allow_zero: bool = False
) -> None:
    """A refund or wallet amount: a positive decimal with at most 2 decimal places.

    The value (a ``Decimal``, an ``int`` or a numeric string; never a float) is normalised in
    place to a ``Decimal`` with exactly 2 decimal places, so it is sent as ``"10000.00"``.
    """
    if amount is None:
        if required:
            fail(field, "is required")
        return
    if not isinstance(amount, DecimalAmount):
        fail(field, "must be a DecimalAmount {value, currency}")
    vfield = f"{field}.value"
    raw: object = amount.value
    if isinstance(raw, bool):
        fail(vfield, "must be a decimal amount, not a boolean")
    if isinstance(raw, float):
        fail(vfield, "must be a decimal amount (Decimal or string), not a float")
    if isinstance(raw, int):
        raw = decimal.Decimal(raw)
    elif isinstance(raw, str):
        if not DECIMAL_TEXT.fullmatch(raw):
            fail(vfield, "must be a decimal number of ASCII digits such as '10000.00' "
                         "(no sign, exponent, separators or spaces)")
        raw = decimal.Decimal(raw)
    if not isinstance(raw, decimal.Decimal):
        fail(vfield, "must be a decimal amount")
    if not raw.is_finite():
        fail(vfield, "must be a finite decimal number")
    if allow_zero:
        if raw < 0:
            fail(vfield, "must not be negative")
    elif raw <= 0:
        fail(vfield, "must be positive")
    if raw.adjusted() >= 18:
        fail(vfield, "must have at most 18 integer digits")
    quantized = raw.quantize(CENT)
    if quantized != raw:
        fail(vfield, "must have at most 2 decimal places")
    amount.value = quantized
    check_currency(amount.currency, f"{field}.currency")


def check_currency(currency: object, field: str) -> None:
    """The one currency rule of payments, refunds and the wallet: ``IDR`` only.

    Every Pivot amount table and example is in IDR (payments: "IDR (ISO 4217)"; wallet:
    ``amount.currency`` "IDR"); another code would be refused or misread by the gateway.
    """
    if currency != "IDR" or type(currency) is not str:
        fail(field, "must be 'IDR' (the only currency Pivot accepts)")


def is_empty_money(value: object) -> bool:
    """``{"value": "", "currency": ""}``: the documented way to say "no amount"."""
    return (
        isinstance(value, dict) and len(value) == 2
        and value.get("value") == "" and value.get("currency") == ""
    )


def empty_info(info: dict[str, Any] | None) -> dict[str, Any]:
    """``additionalInfo`` defaulted to ``{}`` (documented wallet requests always carry it)."""
    return {} if info is None else info


def check_info(info: object, field: str = "additionalInfo") -> None:
    """``additionalInfo`` must be a JSON object when given."""
    if info is not None and not isinstance(info, dict):
        fail(field, "must be an object")


def check_list(value: object, field: str) -> list[Any]:
    """A list (``None`` counts as empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        fail(field, "must be a list")
    return value


def check_struct(value: object, tp: type[S], field: str) -> S | None:
    """``value`` if it is a ``tp`` (or ``None``); otherwise a validation error."""
    if value is None or isinstance(value, tp):
        return value
    fail(field, f"must be a {tp.__name__}")


def redacted_repr(obj: msgspec.Struct, secrets: frozenset[str]) -> str:
    """``Name(field=value, ...)`` with the ``secrets`` fields shown as ``'***'``."""
    parts = [f"{name}={value!r}" for name, value in redacted_rich_repr(obj, secrets)]
    return f"{type(obj).__name__}({', '.join(parts)})"


def redacted_rich_repr(obj: msgspec.Struct, secrets: frozenset[str]) -> Iterator[tuple[str, Any]]:
    """Field name and value pairs with the ``secrets`` fields masked."""
    for name in obj.__struct_fields__:
        value = getattr(obj, name)
        if name in secrets and value is not None and value != "":
            value = "***"
        yield name, value
