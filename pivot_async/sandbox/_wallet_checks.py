"""The wallet's (SNAP) field rules, as :class:`~._fields.Rule` values for the endpoint tables.

The engine is :mod:`._fields`; QRIS parsing lives in :mod:`._qris`.
"""

from __future__ import annotations

import re
from typing import Any

from .._signing import parse_snap_datetime
from ._fields import Rule, text
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

is_object = Rule("object")
is_list = Rule("array")
str_max = text


def one_of(*choices: str) -> Rule:
    return Rule(choices=choices)


def _fits(pattern: str) -> Any:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


def _parses(parse: Any) -> Any:
    def check(value: Any) -> bool:
        try:
            parse(value)
        except ValueError:
            return False
        return True

    return check


msisdn = text(15, check=_fits(r"\+?[0-9]{6,15}"))
url = text(2048, check=_fits(r"[A-Za-z][A-Za-z0-9+.-]*://\S+"))
datetime_str = Rule("string", check=_parses(parse_snap_datetime))
amount_value = Rule(check=lambda v: parse_amount(v) is not None)
"""``"10000.00"`` or ``"36000"``: a decimal string with 0 or 2 decimals."""
amount_or_empty = Rule(check=lambda v: v == "" or parse_amount(v) is not None)
currency = one_of("IDR")
currency_or_empty = one_of("IDR", "")
page_size = text(check=lambda v: re.fullmatch(r"[0-9]{1,4}", v) is not None and 1 <= int(v) <= 100)
page_number = text(check=lambda v: re.fullmatch(r"[0-9]{1,4}", v) is not None and int(v) >= 1)
deeplink_flag = Rule("boolean")
"""``urlParams[].isDeeplink``: a JSON boolean, as Pivot's field table and example give it.

The client sends only booleans; the sandbox refuses anything else (SNAP's ``"Y"``/``"N"``
flags included) so that client and sandbox enforce one rule.
"""
user_resources = Rule(
    "array", min_len=1, check=lambda v: all(isinstance(x, str) for x in v) and "OTT" in v
)
qris_content = Rule(check=_parses(parse_qris))
