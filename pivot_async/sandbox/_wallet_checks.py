"""Format checks for wallet request fields (QRIS parsing lives in :mod:`._qris`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._signing import parse_snap_datetime
from ._qris import parse_qris
from ._wallet_model import parse_amount

__all__ = [
    "amount_or_empty",
    "amount_value",
    "currency",
    "currency_or_empty",
    "datetime_str",
    "deeplink_flag",
    "is_list",
    "is_object",
    "msisdn",
    "one_of",
    "page_number",
    "page_size",
    "qris_content",
    "str_max",
    "url",
    "user_resources",
]

Check = Callable[[Any], bool]


def is_object(value: Any) -> bool:
    return isinstance(value, dict)


def str_max(n: int) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, str) and len(value) <= n

    return check


def one_of(*choices: str) -> Check:
    def check(value: Any) -> bool:
        return isinstance(value, str) and value in choices

    return check


_MSISDN = re.compile(r"\+?[0-9]{6,15}")


def msisdn(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 15 and _MSISDN.fullmatch(value) is not None


def url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*://\S+", value) is not None


def datetime_str(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_snap_datetime(value)
    except ValueError:
        return False
    return True


def amount_value(value: Any) -> bool:
    """``"10000.00"`` or ``"36000"``: a decimal string with 0 or 2 decimals."""
    return parse_amount(value) is not None


def amount_or_empty(value: Any) -> bool:
    return value == "" or amount_value(value)


currency = one_of("IDR")
currency_or_empty = one_of("IDR", "")


def _digits_in(lo: int, hi: int) -> Check:
    def check(value: Any) -> bool:
        return (
            isinstance(value, str)
            and re.fullmatch(r"[0-9]{1,4}", value) is not None
            and lo <= int(value) <= hi
        )

    return check


page_size = _digits_in(1, 100)
page_number = _digits_in(1, 9999)


def is_list(value: Any) -> bool:
    return isinstance(value, list)


def deeplink_flag(value: Any) -> bool:
    """``urlParams[].isDeeplink``: a JSON boolean, as Pivot's field table and example give it.

    The client sends only booleans; the sandbox refuses anything else (SNAP's ``"Y"``/``"N"``
    flags included) so that client and sandbox enforce one rule.
    """
    return isinstance(value, bool)


def user_resources(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, str) for v in value)
        and "OTT" in value
    )


def qris_content(value: Any) -> bool:
    try:
        parse_qris(value)
    except ValueError:
        return False
    return True
