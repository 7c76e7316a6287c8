"""How a CSV row becomes a request (the documented column mapping).

* ``operation``: ``create_payment`` (default), ``refund`` or ``wallet_debit``; ``bindingId``:
  the wallet customer of a ``wallet_debit``. Neither is sent.
* Dotted names build nested objects: ``amount.value``, ``redirectUrl.successReturnUrl``,
  ``customer.email``; a number segment indexes a list:
  ``orderInformation.productDetails.0.name``. Indexes must run from 0 without gaps.
* Shorthands: ``amount`` is ``amount.value``, ``currency`` is ``amount.currency``; for
  ``create_payment`` ``method`` is ``paymentMethod.type`` and ``channel`` goes to
  ``paymentMethodOptions.ewallet.channel`` or ``paymentMethodOptions.virtualAccount.channel``
  according to the method (EWALLET or VIRTUAL_ACCOUNT).
* Cells are strings except: payment amounts (``amount.value``, ``price.value``,
  ``shippingFee.value``), ``quantity`` and ``fixedAmount`` are whole numbers; ``autoConfirm``,
  ``saveForFutureUse``, ``saveForFuture``, ``showSavedPayment``, ``bypassStatusPage`` and
  ``isFullAmount`` are booleans (true/false, yes/no, 1/0); ``metadata``, ``additionalInfo``
  and ``urlParams`` given whole are JSON. Refund and wallet amounts stay decimal strings.
  A suffix overrides the type: ``metadata.count:int``, ``flag:bool``, ``extra:json``,
  ``code:str``, ``rate:decimal``.
* Amounts are written without thousands separators: ``50000`` (or ``50000.00``); a cell such
  as ``50.000``, ``1.000.000`` or ``50,000`` is refused with a hint, never read as 50.
* An empty cell means "not given": the field is left out.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from ._model import KINDS, BatchError, Operation, RowError, normalize_kind

__all__ = ["CsvMapping"]

_Conv = Callable[[str], Any]
_INT_RE = re.compile(r"[+-]?\d+(?:\.0{1,2})?")
# 50.000, 1.000.000, 50,000, 1,000,000.00: digits grouped by three (Indonesian or English
# thousands separators), never read as a smaller number
_GROUPED_RE = re.compile(r"[+-]?\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_BOOLS = frozenset({"autoConfirm", "saveForFutureUse", "saveForFuture", "showSavedPayment",
                    "bypassStatusPage", "isFullAmount"})
_JSON_WHOLE = frozenset({("metadata",), ("additionalInfo",), ("urlParams",),
                         ("splitRoutingConfigurations",)})
_CHANNEL_OPTIONS = {"EWALLET": "ewallet", "VIRTUAL_ACCOUNT": "virtualAccount"}
_encode = msgspec.json.Encoder().encode


class _CellError(ValueError):
    pass


def _separator_hint(text: str) -> str:
    """A hint for amounts written with thousands separators (``50.000``), else ``""``."""
    if not _GROUPED_RE.fullmatch(text):
        return ""
    cents = re.search(r"[.,](\d{1,2})$", text)
    whole = text[: cents.start()] if cents else text
    plain = re.sub(r"[.,]", "", whole) + (f".{cents.group(1)}" if cents else "")
    return f": write it without thousands separators, as {plain}"


def _to_int(cell: str) -> int:
    text = cell.strip()
    if not _INT_RE.fullmatch(text):
        raise _CellError(f"must be a whole number, got {cell!r}{_separator_hint(text)}")
    return int(text.split(".")[0])


def _to_bool(cell: str) -> bool:
    text = cell.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellError(f"must be true or false, got {cell!r}")


def _to_json(cell: str) -> Any:
    try:
        return msgspec.json.decode(cell)
    except msgspec.DecodeError as exc:
        raise _CellError(f"must be JSON: {exc}") from None


def _to_decimal(cell: str) -> str:
    text = cell.strip()
    try:
        ok = decimal.Decimal(text).is_finite()
    except decimal.InvalidOperation:
        ok = False
    hint = _separator_hint(text)
    if hint:
        raise _CellError(f"must be a decimal number with a point and at most 2 decimals, got "
                         f"{cell!r}{hint}")
    if not ok:
        raise _CellError(f"must be a decimal number, got {cell!r}")
    return text


def _to_str(cell: str) -> str:
    return cell


_SUFFIXES: dict[str, _Conv] = {"int": _to_int, "bool": _to_bool, "json": _to_json,
                               "decimal": _to_decimal, "str": _to_str}


def _default_conv(kind: str, path: tuple[str, ...]) -> _Conv:
    last = path[-1]
    if path in _JSON_WHOLE:
        return _to_json
    if last in _BOOLS:
        return _to_bool
    if kind == "create_payment" and (
        last in ("quantity", "fixedAmount")
        or (last == "value" and len(path) > 1 and path[-2] in ("amount", "price", "shippingFee"))
    ):
        return _to_int
    if last == "value" and len(path) > 1 and path[-2] == "amount":
        return _to_decimal
    return _to_str


def _shorthand(kind: str, name: str) -> tuple[str, ...] | None:
    if name == "amount":
        return ("amount", "value")
    if name == "currency":
        return ("amount", "currency")
    if kind == "create_payment" and name == "method":
        return ("paymentMethod", "type")
    return None


class CsvMapping:
    """The mapping of one CSV header, applied to each row."""

    def __init__(self, header: Sequence[str], default_kind: str) -> None:
        self.header = [h.strip() for h in header]
        self.default_kind = default_kind
        self._op_col: int | None = None
        self._binding_col: int | None = None
        self._channel_col: int | None = None
        self._fields: list[tuple[int, str, str, str | None]] = []  # (index, column, name, type)
        seen: set[str] = set()
        for i, col in enumerate(self.header):
            if not col:
                raise BatchError(f"CSV header: column {i + 1} has no name")
            if col in seen:
                raise BatchError(f"CSV header: column {col!r} appears twice")
            seen.add(col)
            name, _, suffix = col.partition(":")
            if suffix and suffix not in _SUFFIXES:
                raise BatchError(f"CSV header: column {col!r}: unknown type {suffix!r} "
                                 f"(use {', '.join(_SUFFIXES)})")
            if name in ("operation", "bindingId") and suffix:
                raise BatchError(f"CSV header: column {col!r} takes no type")
            if name == "operation":
                self._op_col = i
            elif name == "bindingId":
                self._binding_col = i
            else:
                if any(not seg for seg in name.split(".")):
                    raise BatchError(f"CSV header: column {col!r} has an empty path segment")
                self._fields.append((i, col, name, suffix or None))
        self._specs: dict[str, list[tuple[int, str, tuple[str, ...], _Conv]]] = {
            kind: self._plan(kind) for kind in KINDS}
        # list indexes only come from number segments: without any, skip the list check
        self._has_index = any(seg.isascii() and seg.isdigit()
                              for _, _, name, _ in self._fields for seg in name.split("."))

    def _plan(self, kind: str) -> list[tuple[int, str, tuple[str, ...], _Conv]]:
        plan: list[tuple[int, str, tuple[str, ...], _Conv]] = []
        paths: dict[tuple[str, ...], str] = {}
        for i, col, name, suffix in self._fields:
            if kind == "create_payment" and name == "channel":
                self._channel_col = i
                continue
            path = _shorthand(kind, name) or tuple(name.split("."))
            for other, other_col in paths.items():
                short, long = sorted((path, other), key=len)
                if long[: len(short)] == short:
                    raise BatchError(f"CSV header: columns {other_col!r} and {col!r} both set "
                                     f"{'.'.join(short)} (for {kind})")
            paths[path] = col
            conv = _SUFFIXES[suffix] if suffix else _default_conv(kind, path)
            plan.append((i, col, path, conv))
        return plan

    def operation(self, cells: list[str], row: int, line: int) -> Operation:
        """The operation of one data row (``error`` set if the row is malformed)."""
        source = _encode(dict(zip(self.header, cells, strict=False))).decode()
        kind = self.default_kind
        if len(cells) != len(self.header):
            return Operation(kind, row, {}, error=RowError(
                row, None, f"line {line} has {len(cells)} columns, the header has "
                           f"{len(self.header)}"), source=source)
        if self._op_col is not None and cells[self._op_col].strip():
            named = normalize_kind(cells[self._op_col])
            if named is None:
                return Operation(cells[self._op_col], row, {}, error=RowError(
                    row, "operation", f"unknown operation {cells[self._op_col]!r}; expected "
                                      "create_payment, refund or wallet_debit"), source=source)
            kind = named
        binding = None
        if self._binding_col is not None:
            binding = cells[self._binding_col].strip() or None
        params: dict[str, Any] = _Node()
        try:
            for i, col, path, conv in self._specs[kind]:
                cell = cells[i]
                if cell == "":
                    continue
                try:
                    value = conv(cell)
                except _CellError as exc:
                    raise _RowProblem(col, str(exc)) from None
                _put(params, path, value, col)
            if kind == "create_payment" and self._channel_col is not None:
                self._put_channel(params, cells[self._channel_col].strip())
            params = _listify(params, "") if self._has_index else _plain(params)
        except _RowProblem as exc:
            return Operation(kind, row, {}, binding_id=binding,
                             error=RowError(row, exc.field, exc.message), source=source)
        return Operation(kind, row, params, binding_id=binding, source=source)

    @staticmethod
    def _put_channel(params: dict[str, Any], channel: str) -> None:
        if not channel:
            return
        pm = params.get("paymentMethod")
        method = pm.get("type") if isinstance(pm, dict) else None
        key = _CHANNEL_OPTIONS.get(str(method).upper()) if method is not None else None
        if key is None:
            raise _RowProblem("channel", "needs method EWALLET or VIRTUAL_ACCOUNT "
                                         f"(method is {method!r})")
        _put(params, ("paymentMethodOptions", key, "channel"), channel, "channel")


class _RowProblem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class _Node(dict[str, Any]):
    """An object built from dotted column names (JSON cell values are plain dicts)."""


def _put(params: dict[str, Any], path: tuple[str, ...], value: Any, col: str) -> None:
    node = params
    for seg in path[:-1]:
        child = node.setdefault(seg, _Node())
        if not isinstance(child, _Node):
            raise _RowProblem(col, f"{seg} is already set to a value, cannot hold {col}")
        node = child
    if path[-1] in node:
        raise _RowProblem(col, f"{'.'.join(path)} is set twice")
    node[path[-1]] = value


def _plain(node: dict[str, Any]) -> dict[str, Any]:
    """The built objects as plain dicts (when no column indexes a list)."""
    return {key: _plain(value) if isinstance(value, _Node) else value
            for key, value in node.items()}


def _listify(node: dict[str, Any], where: str) -> Any:
    """Turn objects whose keys are all 0..n-1 into lists (recursively)."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        here = f"{where}.{key}" if where else key
        out[key] = _listify(value, here) if isinstance(value, _Node) else value
    if out and all(k.isascii() and k.isdigit() for k in out):
        indexes = sorted(int(k) for k in out)
        if indexes != list(range(len(indexes))):
            raise _RowProblem(where or "?", f"list indexes must run 0..{len(indexes) - 1} "
                                            f"without gaps, got {indexes}")
        return [out[str(i)] for i in indexes]
    return out
