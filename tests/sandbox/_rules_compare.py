"""The sandbox's request tables side by side with the client's request models.

For each request the sandbox validates with a table (:mod:`pivot_async.sandbox._fields`), every
row is compared with the client model's field at the same wire path: required, maximum length,
choices. The client's side is read with ``msgspec.inspect.type_info`` (of the model's strict
fast variant when it declares one, so ``msgspec.Meta`` constraints and ``Literal`` choices are
seen wherever they are declared). Differences must be listed in :data:`EXCEPTIONS` with the
reason; docs/sandbox.md "Rules" shows the generated table (:func:`markdown`).

Regenerate the docs section: ``.venv/bin/python -m tests.sandbox._rules_compare --write``.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect as mi

from pivot_async import models
from pivot_async.models import _strict
from pivot_async.sandbox import _validation as payments
from pivot_async.sandbox._fields import Field, When
from pivot_async.sandbox._wallet import ENDPOINTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
BEGIN = "<!-- rules-table:begin (generated: python -m tests.sandbox._rules_compare --write) -->"
END = "<!-- rules-table:end -->"

REQUESTS: dict[str, tuple[tuple[Field, ...], type[Any]]] = {
    "POST /v2/payments": (
        (*payments.CREATE_FIELDS, *payments.METHOD_FIELDS),
        models.CreatePaymentRequest,
    ),
    "POST /v2/payments/{id}/confirm": (
        (*payments.CONFIRM_FIELDS, *payments.METHOD_FIELDS),
        models.ConfirmPaymentRequest,
    ),
    "POST /v2/payments/{id}/capture": (payments.CAPTURE_FIELDS, models.CapturePaymentRequest),
    "POST /v2/payments/simulations": (payments.SIMULATION_FIELDS, models.SimulationRequest),
    "POST /v1/refunds": (payments.REFUND_FIELDS, models.CreateRefundRequest),
}
_WALLET_MODELS = {
    "registration-account-creation": models.AccountCreationRequest,
    "registration-account-unbinding": models.AccountUnbindingRequest,
    "balance-inquiry": models.BalanceInquiryRequest,
    "transaction-history-list": models.TransactionHistoryListRequest,
    "transaction-history-detail": models.TransactionHistoryDetailRequest,
    "qr/qr-mpm-decode": models.QrMpmDecodeRequest,
    "qr/apply-ott": models.ApplyOttRequest,
    "qr/qr-mpm-payment": models.QrMpmPaymentRequest,
    "debit/payment-host-to-host": models.DebitPaymentRequest,
    "debit/status": models.DebitStatusRequest,
}
for _ep in ENDPOINTS:
    REQUESTS[f"SNAP {_ep.path} ({_ep.service})"] = (_ep.fields, _WALLET_MODELS[_ep.path])


@dataclasses.dataclass(frozen=True)
class Side:
    """One side's rule for a path: ``None`` where that side has none."""

    required: str = "no"
    max_len: int | None = None
    choices: tuple[str, ...] | None = None
    default: str | None = None  # the client's non-None default (always sent)


ASPECTS = ("path", "required", "max_len", "choices")


def sandbox_rules(fields: tuple[Field, ...]) -> dict[str, Side]:
    out: dict[str, Side] = {}
    for f in fields:
        required = str(f.required) if isinstance(f.required, When) else "yes" * f.required or "no"
        rule = f.rule
        out[f.path] = Side(required, rule.max_len, tuple(rule.choices) or None)
    return out


def _unwrap(tp: mi.Type) -> mi.Type:
    if isinstance(tp, mi.UnionType):
        rest = [t for t in tp.types if not isinstance(t, mi.NoneType)]
        if len(rest) == 1:
            return _unwrap(rest[0])
    if isinstance(tp, mi.Metadata):
        return _unwrap(tp.type)
    return tp


_PATTERN_MAX = re.compile(r"\{(?:[0-9]+,)?([0-9]+)\}(?:\\Z|\$)$")


def _leaf(required: bool, tp: mi.Type, default: str | None = None) -> Side:
    max_len: int | None = None
    choices: tuple[str, ...] | None = None
    if isinstance(tp, mi.StrType):
        max_len = tp.max_length
        match = _PATTERN_MAX.search(tp.pattern or "")
        if max_len is None and match is not None:  # a length in the pattern (``{1,100}\Z``)
            max_len = int(match.group(1))
    elif isinstance(tp, mi.LiteralType):
        choices = tuple(str(v) for v in tp.values)
    elif isinstance(tp, mi.EnumType):
        choices = tuple(str(m.value) for m in tp.cls)
    elif isinstance(tp, mi.ListType):
        max_len = tp.max_length
    return Side("yes" if required else "no", max_len, choices, default)


def client_rules(model: type[Any]) -> dict[str, Side]:
    """The client's rule per wire path (``items[]`` for an array's items)."""
    variant = getattr(_strict, "fast_variant", lambda tp: None)(model) or model
    out: dict[str, Side] = {}

    def walk(tp: mi.Type, prefix: str) -> None:
        tp = _unwrap(tp)
        if isinstance(tp, mi.ListType):
            out[prefix + "[]"] = Side("yes")  # an item is there by definition
            walk(tp.item_type, prefix + "[]")
            return
        if not isinstance(tp, mi.StructType):
            return
        for f in tp.fields:
            path = f"{prefix}.{f.encode_name}" if prefix else f.encode_name
            inner = _unwrap(f.type)
            if isinstance(inner, mi.NoneType):
                continue  # a member the request must not carry
            factory = f.default_factory
            default = factory() if factory is not msgspec.NODEFAULT else f.default
            shown = None if default in (None, msgspec.NODEFAULT) else repr(default)
            out[path] = _leaf(f.required, inner, shown)
            walk(inner, path)

    walk(mi.type_info(variant), "")
    return out


@dataclasses.dataclass(frozen=True)
class Difference:
    request: str
    path: str
    aspect: str
    sandbox: str
    client: str
    kind: str = ""
    """``""`` (a conflict: needs an entry in :data:`EXCEPTIONS`) or a gap one side leaves:
    ``conditional``, ``client-default``, ``client-none``, ``sandbox-none``."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.request, self.path, self.aspect)


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return " / ".join(v or '""' for v in value)
    return str(value)


def differences() -> list[Difference]:
    out: list[Difference] = []
    for request, (fields, model) in REQUESTS.items():
        client = client_rules(model)
        for path, mine in sandbox_rules(fields).items():
            theirs = client.get(path)
            if theirs is None:
                out.append(Difference(request, path, "path", "checked", "not in the model"))
                continue
            for aspect in ASPECTS[1:]:
                a, b = getattr(mine, aspect), getattr(theirs, aspect)
                if aspect == "choices" and a is not None and b is not None:
                    a, b = tuple(sorted(a, key=str.lower)), tuple(sorted(b, key=str.lower))
                if a != b:
                    kind = _gap(aspect, a, b, theirs)
                    out.append(Difference(request, path, aspect, _show(a), _show(b), kind))
    return out


def _gap(aspect: str, mine: Any, theirs: Any, client: Side) -> str:
    if aspect == "required":
        if mine.startswith("when "):
            return "conditional"
        if mine == "yes" and client.default is not None:
            return "client-default"
        return ""
    if theirs is None:
        return "client-none"
    if mine is None:
        return "sandbox-none"
    return ""


GAPS = {
    "conditional": "required only when the condition holds, which a type cannot say; the "
    "client checks the condition in its `validate()`",
    "client-default": "the client fills a default, so it always sends the field",
    "client-none": "the client model's type declares no such constraint",
    "sandbox-none": "the sandbox does not check it (the client is stricter)",
}
"""Why a gap (one side declares nothing, or a condition) is allowed."""


_CREATE = "POST /v2/payments"
_CONFIRM = "POST /v2/payments/{id}/confirm"
_PM = "paymentMethod"
_PMO = "paymentMethodOptions"

EXCEPTIONS: dict[tuple[str, str, str], str] = {}
"""(request, path, aspect) -> why the sandbox and the client differ there."""


def _except(requests: tuple[str, ...], paths: tuple[str, ...], aspect: str, why: str) -> None:
    for request in requests:
        for path in paths:
            EXCEPTIONS[(request, path, aspect)] = why


_UNMARKED = (
    "Pivot's field table lists it without marking it mandatory (wire-snap.md#wallet-endpoints), "
    "so the client leaves it optional; the documented example carries it and the sandbox needs "
    "it to {why} (inferred, wire-snap.md#required-snap-fields)"
)
for _request, _paths, _why in (
    ("SNAP registration-account-creation (06)", ("redirectUrl",),
     "send the user back with the binding id"),
    (
        "SNAP transaction-history-list (12)",
        ("fromDateTime", "toDateTime", "pageSize", "pageNumber"),
        "select the range and the page",
    ),
    ("SNAP qr/qr-mpm-payment (50)", ("additionalInfo", "additionalInfo.qrisId"),
     "find the decoded QR"),
):
    _except((_request,), _paths, "required", _UNMARKED.format(why=_why))
_except(
    ("SNAP qr/apply-ott (49)",),
    ("userResources",),
    "required",
    'the client fills `["OTT"]` when it is not given',
)
_except(
    ("SNAP debit/status (55)",),
    ("serviceCode",),
    "required",
    'the client fills `"54"` when it is not given',
)
_except(
    ("SNAP qr/qr-mpm-payment (50)",),
    ("feeAmount.value",),
    "required",
    'an empty `feeAmount` (`{}` or `{"value": "", "currency": ""}`) means no fee on both '
    "sides (the client drops it); a half-empty one is refused by the sandbox's cross-field rule",
)
_except(
    ("SNAP qr/apply-ott (49)", "SNAP qr/qr-mpm-payment (50)"),
    ("additionalInfo.redirectionUrl", "additionalInfo.failedRedirectionUrl"),
    "path",
    "the field table's spelling, accepted by the sandbox; the client sends the example's "
    "`redirectUrl` / `failedRedirectUrl` (docs/reference/wire-snap.md)",
)


def markdown() -> str:
    """The docs/sandbox.md "Rules" table: every difference with its reason."""
    rows = [
        "| Request | Field | Rule | Sandbox | Client | Why |",
        "|---|---|---|---|---|---|",
    ]
    for d in differences():
        why = GAPS[d.kind] if d.kind else EXCEPTIONS.get(d.key, "**undocumented**")
        rows.append(f"| {d.request} | `{d.path}` | {d.aspect} | {d.sandbox} | {d.client} | {why} |")
    return "\n".join(rows)


def doc_section(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip()


if __name__ == "__main__":
    table = markdown()
    if "--write" in sys.argv:
        doc = DOC.read_text(encoding="utf-8")
        start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        DOC.write_text(doc[:start] + "\n" + table + "\n" + doc[end:], encoding="utf-8")
    else:
        print(table)
