"""Payments request validation on the one engine (:mod:`._fields`): 400 ``api_validation_error``
naming every bad field by its dotted wire path (``paymentMethodOptions.virtualAccount.channel``).

The request tables are in :mod:`._requests`; :class:`Checker` reads single values with the same
rules and messages for the smaller bodies (refunds, capture, simulations, control routes).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from ._errors import validation_error
from ._fields import Checked, Field, Rule, When, text
from ._util import decode_json

__all__ = ["AMOUNT", "BOOLEAN", "INTEGER", "OBJECT", "Checker", "destination", "nest", "parse_body"]

OBJECT = Rule("object")
BOOLEAN = Rule("boolean")
INTEGER = Rule("integer")
AMOUNT = (
    Field(
        "value",
        True,
        Rule(
            "integer",
            check=lambda v: v > 0 and len(str(v)) <= 18,
            says="must be a positive amount of 1 to 18 digits",
        ),
    ),
    Field("currency", True, Rule(choices=("IDR",))),
)
"""A payments amount ``{value: int IDR, currency: "IDR"}`` (the rows under its path)."""
_ALNUM_SPACE = re.compile(r"[A-Za-z0-9 ]+")


def nest(prefix: str, fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """``fields`` (paths relative to an object) found at ``prefix``."""
    return tuple(Field(f"{prefix}.{f.path}", f.required, f.rule) for f in fields)


def destination(path: str, required: bool | When, *, refund: bool = False) -> tuple[Field, ...]:
    """A ``transferDestination`` object at ``path`` (a refund's adds ``description``)."""
    rows = (
        Field(path, required, OBJECT),
        *nest(
            path,
            (
                Field("channelCode", True, text(20)),
                Field("channelInformation", True, OBJECT),
                Field("channelInformation.accountNumber", True, text(30)),
                Field("channelInformation.accountName", True, text(50)),
            ),
        ),
    )
    if not refund:
        return rows
    says = "must be alphanumeric"
    alnum = text(20, check=lambda v: not v or _ALNUM_SPACE.fullmatch(v) is not None, says=says)
    return (*rows, Field(f"{path}.description", False, alnum))


def parse_body(raw: bytes, *, allow_empty: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, else 400."""
    if not raw.strip():
        if allow_empty:
            return {}
        raise validation_error([("", "Request body is required")])
    try:
        body = decode_json(raw)
    except ValueError as exc:
        raise validation_error([("", "Request body is not valid JSON")]) from exc
    if not isinstance(body, dict):
        raise validation_error([("", "Request body must be a JSON object")])
    return body


class Checker(Checked):
    """Single-value readers: each returns the normalised value, or the default and a problem."""

    def required(self, path: str) -> None:
        self.require(path)

    def string(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        min_len: int = 0,
        max_len: int | None = None,
    ) -> str | None:
        rule = text(max_len, min_len=min_len)
        value: str | None = self.read(obj, key, path, rule, required)
        return value

    def boolean(self, obj: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = self.read(obj, key, path, BOOLEAN)
        return default if value is None else bool(value)

    def enum(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        allowed: Collection[str],
        *,
        default: str | None = None,
        required: bool = False,
    ) -> str | None:
        value = self.read(obj, key, path, Rule(choices=tuple(allowed)), required)
        return default if value is None else str(value)

    def mapping(
        self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self.read(obj, key, path, OBJECT, required)
        return value

    def integer(
        self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> int | None:
        value: int | None = self.read(obj, key, path, INTEGER, required)
        return value

    def amount(
        self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> int | None:
        """A payments amount ``{value: int IDR, currency: "IDR"}``: its value."""
        prefix = path.removesuffix(key).rstrip(".")
        self.run(obj, (Field(key, required, OBJECT), *nest(key, AMOUNT)), prefix=prefix)
        value: int | None = self.get(f"{path}.value")
        return value

    def transfer_destination(
        self, obj: Mapping[str, Any], path: str, *, required: bool, refund: bool = False
    ) -> dict[str, Any] | None:
        base = f"{path}.transferDestination" if path else "transferDestination"
        rows = destination("transferDestination", required, refund=refund)
        self.run(obj, rows, prefix=path)
        value: dict[str, Any] | None = self.get(base)
        return value
