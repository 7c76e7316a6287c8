"""What each operation does against the client: send it, find it again, classify its errors.

The client is duck-typed (:class:`BatchClient`): ``.payments.create`` /
``.payments.list_by_reference``, ``.refunds.create`` / ``.refunds.list``, ``.wallet.customer`` /
``.wallet.debit`` / ``.wallet.debit_status``. :class:`~pivot_async.PivotClient` fits.
"""

from __future__ import annotations

import asyncio
import decimal
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .._errors import (
    APIError,
    ClientClosedError,
    ConfigurationError,
    OutcomeUnknownError,
    PivotConnectionError,
    PivotError,
    PivotTimeoutError,
    RateLimitError,
    RequestValidationError,
    ServerError,
    TransactionNotFoundError,
)
from ._model import REFERENCE_FIELDS, Operation, Outcome

__all__ = [
    "BatchClient",
    "RefundIndex",
    "Result",
    "Target",
    "classify",
    "classify_lookup",
    "lookup",
    "merchant_of",
    "send",
]

# debit/status latestTransactionStatus: 07 = not found (wire-snap.md#snap-ambiguous-debit).
_DEBIT_NOT_FOUND = "07"
_DEBIT_FAILED = frozenset({"05", "06"})


class _Payments(Protocol):
    async def create(self, params: Any, /, *,
                     idempotency_key: str | None = ...) -> Any: ...

    async def list_by_reference(self, client_reference_id: str, /) -> Sequence[Any]: ...


class _Refunds(Protocol):
    async def create(self, params: Any, /, *,
                     idempotency_key: str | None = ...) -> Any: ...

    def list(self, *, per_page: int = ...) -> AsyncIterator[Any]: ...


class _Wallet(Protocol):
    def customer(self, binding_id: str, /) -> Any: ...

    async def debit(self, customer: Any, params: Any, /) -> Any: ...

    async def debit_status(self, customer: Any, original_partner_reference_no: str, /) -> Any: ...


class BatchClient(Protocol):
    """The client surface the batch runner uses (``PivotClient`` or a test double)."""

    @property
    def payments(self) -> _Payments:
        """Payment sessions."""

    @property
    def refunds(self) -> _Refunds:
        """Refunds."""

    @property
    def wallet(self) -> _Wallet:
        """The Pivot Pay wallet."""


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one operation, as recorded in the journal."""

    outcome: Outcome
    result_id: str | None = None
    status: str | None = None
    url: str | None = None
    error_code: str | None = None
    error_field: str | None = None
    error_message: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """What identifies an operation at the gateway (taken from the journal on resume)."""

    kind: str
    reference: str
    binding_id: str | None
    amount: str | None

    @classmethod
    def of(cls, op: Operation) -> Target:
        """The target of a validated operation."""
        amount = op.params.get("amount")
        value = amount.get("value") if isinstance(amount, Mapping) else None
        return cls(op.kind, op.reference or "", op.binding_id,
                   None if value is None else str(value))


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))  # str enums give their value


def _amount_of(found: Any) -> Any:
    return getattr(getattr(found, "amount", None), "value", None)


def _amount_matches(expected: str | None, value: Any) -> bool:
    """True unless both amounts are known and differ (``10000`` == ``"10000.00"``)."""
    if expected is None or value is None:
        return True
    try:
        return decimal.Decimal(str(expected)) == decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return str(expected) == str(value)


def merchant_of(client: Any) -> str:
    """The merchant identity that scopes idempotency keys: the client id (public), or ``""``."""
    value = getattr(client, "client_id", None)
    return value if isinstance(value, str) else ""


def _session(s: Any) -> Result:
    return Result("succeeded", _str(getattr(s, "id", None)), _str(getattr(s, "status", None)),
                  _str(getattr(s, "payment_url", None)))


def _refund(r: Any) -> Result:
    return Result("succeeded", _str(getattr(r, "id", None)), _str(getattr(r, "status", None)))


def _debit_status(st: Any) -> Result | None:
    code = _str(getattr(st, "latest_transaction_status", None))
    if code == _DEBIT_NOT_FOUND:
        return None
    # debit/status echoes the gateway's reference as originalReferenceNo
    ref = _str(getattr(st, "original_reference_no", None) or getattr(st, "reference_no", None))
    if code in _DEBIT_FAILED:
        desc = _str(getattr(st, "transaction_status_desc", None)) or "the debit did not complete"
        return Result("failed", ref, code, None, f"transaction_status_{code}", None, desc)
    return Result("succeeded", ref, code)


def _debit(res: Any) -> Result:
    status = getattr(res, "status", None)
    if status is not None:  # recovered through debit/status by the client
        found = _debit_status(status)
        if found is not None:
            return found
    response = getattr(res, "response", None)
    return Result("succeeded", _str(getattr(res, "reference_no", None)),
                  _str(getattr(response, "response_code", None)),
                  _str(getattr(res, "web_redirect_url", None)))


async def send(client: BatchClient, op: Operation, key: str) -> Result:
    """Send ``op`` once (the client retries inside) with X-REQUEST-ID ``key``."""
    params = dict(op.params)
    if op.kind == "create_payment":
        return _session(await client.payments.create(params, idempotency_key=key))
    if op.kind == "refund":
        return _refund(await client.refunds.create(params, idempotency_key=key))
    if op.kind == "wallet_debit":
        customer = client.wallet.customer(op.binding_id or "")
        return _debit(await client.wallet.debit(customer, params))
    raise ValueError(f"unknown operation {op.kind!r}")


@dataclass(frozen=True, slots=True)
class _SeenRefund:
    """What the refund index keeps of one refund (a few strings, not the whole object)."""

    id: str | None
    status: str | None
    amount: str | None


class RefundIndex:
    """Refunds found by ``clientReferenceId``, built by one scan of ``client.refunds.list()``.

    The documented refund API has no lookup by reference, so the list is read once (single
    flight) when the first refund row needs checking. ``references`` says which references to
    keep: a set (the job's in-flight rows, when the journal is trusted for the rest), or
    ``None`` to keep every refund (any row may have been sent by a run whose journal is gone);
    each kept refund costs a few short strings.
    """

    def __init__(self, references: Callable[[], Awaitable[set[str] | None]]) -> None:
        self._references = references
        self._found: dict[str, list[_SeenRefund]] | None = None
        self._lock = asyncio.Lock()

    async def find(self, client: BatchClient, reference: str) -> list[Any]:
        """The refunds carrying ``reference``."""
        async with self._lock:
            if self._found is None:
                wanted = await self._references()
                found: dict[str, list[_SeenRefund]] = {}
                if wanted is None or wanted:
                    async for refund in client.refunds.list(per_page=100):
                        ref = getattr(refund, "client_reference_id", None)
                        if isinstance(ref, str) and (wanted is None or ref in wanted):
                            amount = _amount_of(refund)
                            found.setdefault(ref, []).append(_SeenRefund(
                                _str(getattr(refund, "id", None)),
                                _str(getattr(refund, "status", None)),
                                None if amount is None else str(amount)))
                self._found = found
        return self._found.get(reference, [])


def _taken(target: Target, ids: str) -> Result:
    """The row's reference is held at the gateway by a record with another amount."""
    field = REFERENCE_FIELDS.get(target.kind)
    return Result("invalid", error_code="reference_in_use", error_field=field, error_message=(
        f"{field} {target.reference!r} is already used at the gateway by a record with "
        f"another amount ({ids}); nothing was sent: give the row its own reference"))


def _one(target: Target, candidates: list[Any], make: Callable[[Any], Result]) -> Result | None:
    """The record among ``candidates`` (same reference) that is this row's, if any.

    None found: ``None`` (the row may be sent). Several: ``unknown`` (never re-sent). Records
    that carry the reference but another amount: the reference is taken, so the row is
    ``invalid`` and not sent (sending would create a second record under one reference).
    """
    if not candidates:
        return None
    matching = [c for c in candidates
                if _amount_matches(target.amount, c.amount if isinstance(c, _SeenRefund)
                                   else _amount_of(c))]
    ids = ", ".join(str(getattr(c, "id", "?")) for c in (matching or candidates)[:5])
    if not matching:
        return _taken(target, ids)
    if len(matching) > 1:
        return Result("unknown", error_code="ambiguous_reference", error_message=(
            f"{len(matching)} records carry {target.reference!r} ({ids}); cannot tell which "
            "one this row created, so it was not sent again"))
    return make(matching[0])


async def lookup(client: BatchClient, target: Target, refunds: RefundIndex) -> Result | None:
    """Find an in-flight operation at the gateway: its result, or ``None`` if it is not there."""
    if target.kind == "create_payment":
        sessions = await client.payments.list_by_reference(target.reference)
        mine = [s for s in sessions
                if getattr(s, "client_reference_id", target.reference) == target.reference]
        return _one(target, mine, _session)
    if target.kind == "refund":
        return _one(target, await refunds.find(client, target.reference), _refund)
    if target.kind == "wallet_debit":
        customer = client.wallet.customer(target.binding_id or "")
        try:
            status = await client.wallet.debit_status(customer, target.reference)
        except TransactionNotFoundError:
            return None
        found = _debit_status(status)
        paid = getattr(getattr(status, "trans_amount", None), "value", None)
        if found is not None and not _amount_matches(target.amount, paid):
            return _taken(target, found.result_id or "?")
        return found
    raise ValueError(f"unknown operation {target.kind!r}")


def _fatal(exc: Exception) -> bool:
    return isinstance(exc, (ConfigurationError, ClientClosedError))


def classify(exc: Exception) -> Result:
    """The outcome of a send that raised ``exc``; configuration errors are re-raised.

    ``unknown`` whenever the gateway may have acted (timeouts, lost connections, 5xx,
    unreadable responses); ``failed`` for a definite refusal (4xx); ``invalid`` for a request
    the client refused to send.
    """
    if _fatal(exc):
        raise exc
    if isinstance(exc, RequestValidationError):
        return Result("invalid", error_code="request_validation", error_field=exc.field,
                      error_message=exc.rule)
    if isinstance(exc, OutcomeUnknownError):
        return Result("unknown", error_code="outcome_unknown", error_message=str(exc))
    if isinstance(exc, PivotTimeoutError):
        return Result("unknown", error_code="timeout", error_message=str(exc) or "timed out")
    if isinstance(exc, PivotConnectionError):
        return Result("unknown", error_code="connection_error", error_message=str(exc))
    if isinstance(exc, ServerError):
        return Result("unknown", error_code=exc.code or f"http_{exc.status}",
                      error_message=str(exc))
    if isinstance(exc, APIError):
        field = next((d.field for d in exc.details if d.field), None)
        return Result("failed", error_code=exc.code or f"http_{exc.status}", error_field=field,
                      error_message=str(exc))
    if isinstance(exc, PivotError):
        return Result("unknown", error_code=type(exc).__name__, error_message=str(exc))
    return Result("unknown", error_code="internal_error",
                  error_message=f"{type(exc).__name__}: {exc}")


def classify_lookup(exc: Exception, *, new_row: bool = False) -> Result:
    """The outcome of a row whose check at the gateway raised ``exc`` (nothing was sent).

    ``unknown``: the row may have been sent by an earlier run, so it is not sent blind; the
    next run (``--resume``) checks it again. For a row this journal never sent (``new_row``),
    a definite refusal of the check (a 4xx other than 429, e.g. a wallet customer who must be
    bound again) is ``failed``: the create would be refused the same way.
    """
    if _fatal(exc):
        raise exc
    if new_row and isinstance(exc, APIError) and not isinstance(exc, (ServerError,
                                                                       RateLimitError)):
        field = next((d.field for d in exc.details if d.field), None)
        return Result("failed", error_code=exc.code or f"http_{exc.status}", error_field=field,
                      error_message=f"{exc} (refused when checked before sending; nothing "
                                    "was sent)")
    what = ("the operation could not be checked at the gateway, so it was not sent (an earlier "
            "run may have sent it; resume the job to check again)")
    if isinstance(exc, RequestValidationError):
        return Result("unknown", error_code="resolution_failed", error_field=exc.field,
                      error_message=f"{what}: {exc}")
    return Result("unknown", error_code="resolution_failed",
                  error_message=f"{what}: {type(exc).__name__}: {exc}")
