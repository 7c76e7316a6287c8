"""Operations, row errors, outcomes and the batch exceptions.

Pure helpers only: the idempotency key derived from a row's business identity, the row
fingerprint, and the checks that every operation must pass before its intent is journaled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from .._errors import PivotError

if TYPE_CHECKING:
    from ._progress import BatchSummary

__all__ = [
    "KINDS",
    "REFERENCE_FIELDS",
    "BatchError",
    "InvalidRowError",
    "Operation",
    "OperationKind",
    "Outcome",
    "RowError",
    "fingerprint",
    "idempotency_key",
    "input_text",
    "normalize_kind",
    "validate_operation",
]

OperationKind = Literal["create_payment", "refund", "wallet_debit"]
"""The operations a batch can run."""

Outcome = Literal["succeeded", "failed", "invalid", "unknown"]
"""The outcome of one row: see :mod:`pivot_async.batch` for their meaning."""

KINDS: tuple[OperationKind, ...] = ("create_payment", "refund", "wallet_debit")

#: The wire field that holds each operation's stable reference.
REFERENCE_FIELDS: dict[str, str] = {
    "create_payment": "clientReferenceId",
    "refund": "clientReferenceId",
    "wallet_debit": "partnerReferenceNo",
}
_REFERENCE_MAX = {"create_payment": 100, "refund": 100, "wallet_debit": 64}

_ALIASES: dict[str, OperationKind] = {
    "create_payment": "create_payment",
    "payment": "create_payment",
    "create_payment_session": "create_payment",
    "payments.create": "create_payment",
    "refund": "refund",
    "create_refund": "refund",
    "refunds.create": "refund",
    "wallet_debit": "wallet_debit",
    "debit": "wallet_debit",
    "wallet.debit": "wallet_debit",
}


class BatchError(PivotError):
    """A batch job could not run or had to stop (bad input file, journal misuse...)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one input row is malformed: its ``row`` number, the ``field`` and the problem.

    ``field`` is the wire path (``amount.value``) or CSV column at fault, or ``None`` when the
    row as a whole is unusable (not JSON, wrong number of columns...).
    """

    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", field {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class InvalidRowError(BatchError, ValueError):
    """Raised by a ``strict=True`` run at the first invalid row, after the results are written.

    ``error`` is the :class:`RowError`; ``summary`` the job's summary when it could be built.
    """

    def __init__(self, error: RowError) -> None:
        self.error = error
        self.summary: BatchSummary | None = None
        super().__init__(str(error))


@dataclass(frozen=True, slots=True)
class Operation:
    """One row of a batch: what to do (``kind``), its ``row`` number and the request ``params``.

    ``params`` is the request as a mapping of wire (camelCase) fields, exactly what the resource
    method accepts: ``client.payments.create(params)``, ``client.refunds.create(params)`` or
    ``client.wallet.debit(customer, params)``. A ``wallet_debit`` also needs the customer's
    ``binding_id``. ``error`` is set by the readers for a row they could not parse (the row is
    then reported ``invalid``); ``source`` is the row as read, as JSON text, for the results
    file. Row numbers must increase strictly through a job.
    """

    kind: str
    row: int
    params: Mapping[str, Any] = field(default_factory=dict)
    binding_id: str | None = None
    error: RowError | None = None
    source: str | None = None

    @property
    def reference(self) -> str | None:
        """The stable reference: ``clientReferenceId``, or ``partnerReferenceNo`` for debits."""
        name = REFERENCE_FIELDS.get(self.kind)
        if name is None or not isinstance(self.params, Mapping):
            return None
        value = self.params.get(name)
        return value if isinstance(value, str) and value else None

    @classmethod
    def create_payment(cls, row: int, params: Mapping[str, Any]) -> Operation:
        """A ``client.payments.create(params)`` operation."""
        return cls("create_payment", row, params)

    @classmethod
    def refund(cls, row: int, params: Mapping[str, Any]) -> Operation:
        """A ``client.refunds.create(params)`` operation."""
        return cls("refund", row, params)

    @classmethod
    def wallet_debit(cls, row: int, params: Mapping[str, Any], *, binding_id: str) -> Operation:
        """A ``client.wallet.debit(client.wallet.customer(binding_id), params)`` operation."""
        return cls("wallet_debit", row, params, binding_id=binding_id)


def normalize_kind(value: object) -> OperationKind | None:
    """The operation kind named by ``value`` (case and ``-`` tolerant), or ``None``."""
    if not isinstance(value, str):
        return None
    return _ALIASES.get(value.strip().lower().replace("-", "_"))


_encoder = msgspec.json.Encoder(order="sorted")


def idempotency_key(kind: str, reference: str, merchant: str = "") -> str:
    """The X-REQUEST-ID of an operation: 32 hex characters derived from its business identity.

    The key depends only on the ``merchant`` (the client id, a public identifier), the
    operation ``kind`` and the row's ``reference`` (``clientReferenceId`` or
    ``partnerReferenceNo``): never on a job id, a row number, the journal or the machine. The
    same row therefore carries the same key on every run, with or without its journal, and
    the gateway replays the first response instead of creating a second record (for 24 h).
    No secret goes into it: it is a SHA-256 digest of public values.
    """
    if not isinstance(kind, str) or not isinstance(reference, str) or not reference:
        raise ValueError("idempotency_key needs an operation kind and a non-empty reference")
    if not isinstance(merchant, str):
        raise ValueError("idempotency_key: merchant must be a string")
    identity = _encoder.encode(["pivot-batch/2", merchant, kind, reference])
    return hashlib.sha256(identity).hexdigest()[:32]


def fingerprint(op: Operation) -> str:
    """A digest of what ``op`` would send; a resumed row whose digest changed is not re-sent."""
    payload = _encoder.encode([op.kind, op.binding_id, op.params])
    return hashlib.sha256(payload).hexdigest()[:32]


def input_text(op: Operation) -> str:
    """The row as JSON text for the journal and the results file."""
    if op.source is not None:
        return op.source
    data: dict[str, Any] = {"operation": op.kind}
    if op.binding_id is not None:
        data["bindingId"] = op.binding_id
    try:
        if isinstance(op.params, Mapping):
            data.update(op.params)
        return _encoder.encode(data).decode()
    except (TypeError, ValueError):
        return _encoder.encode({"operation": op.kind, "unencodable": repr(op.params)}).decode()


def validate_operation(op: Operation) -> RowError | None:
    """The first problem that stops ``op`` from being sent, or ``None``.

    Checked: a known kind, a mapping of params that encodes as JSON, a non-empty reference of
    the right length, and a binding id for wallet debits. The request's own rules are checked
    by the client (a ``RequestValidationError`` becomes an ``invalid`` outcome too).
    """
    if op.error is not None:
        return op.error
    if op.kind not in REFERENCE_FIELDS:
        return RowError(op.row, "operation",
                        f"unknown operation {op.kind!r}; expected one of {', '.join(KINDS)}")
    params: object = op.params
    if not isinstance(params, Mapping):
        return RowError(op.row, None, "params must be a mapping of the request's wire fields")
    name = REFERENCE_FIELDS[op.kind]
    ref = params.get(name)
    limit = _REFERENCE_MAX[op.kind]
    if not isinstance(ref, str) or not ref.strip():
        return RowError(op.row, name, "is required: it is the operation's stable reference")
    if len(ref) > limit:
        return RowError(op.row, name, f"must be at most {limit} characters")
    if op.kind == "wallet_debit" and not op.binding_id:
        return RowError(op.row, "bindingId", "is required for wallet_debit (the customer)")
    try:
        _encoder.encode(op.params)
    except (TypeError, ValueError) as exc:
        return RowError(op.row, None, f"params cannot be encoded as JSON: {exc}")
    return None
