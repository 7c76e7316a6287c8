"""Raw responses: the HTTP status, headers and ids of a *successful* call.

``client.with_raw_response`` mirrors the client's resources; each method takes the same
arguments as the plain one and returns a :class:`RawResponse` whose ``parsed`` is what the
plain method returns::

    raw = await client.with_raw_response.payments.create({...})
    raw.parsed.status, raw.request_id, raw.status, raw.headers["Content-Type"]

How: the wrapper puts a fresh capture in a context variable for the duration of the call,
and :meth:`Requestor.request <pivot_async._requestor.Requestor.request>` writes each answer
it reads successfully into it, so the capture ends holding the answer the result was read
from (the last one: for a debit resolved through ``debit/status``, the status answer; a token
fetch made on the way is read before the call's own answer). A call made without the
wrapper pays one ``ContextVar.get()`` that returns None.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

__all__ = [
    "EXTERNAL_ID_HEADER",
    "TRACE_ID_HEADER",
    "Capture",
    "RawResponse",
    "capture_var",
    "with_raw",
]

T = TypeVar("T")
P = ParamSpec("P")

TRACE_ID_HEADER = "X-TRACE-ID"
EXTERNAL_ID_HEADER = "X-EXTERNAL-ID"


@dataclass(frozen=True)
class RawResponse(Generic[T]):
    """A successful call's result (``parsed``) with what the HTTP answer said about it.

    ``status`` and ``headers`` are those of the answer the result was read from.
    ``request_id`` is the call's idempotency key on the Payments API (the ``X-REQUEST-ID``
    it carried: state-changing calls only, None on a GET) and the ``X-EXTERNAL-ID`` of the
    attempt that was answered on the wallet (SNAP) API. ``trace_id`` is the gateway's trace
    id when the answer carries one: an ``X-TRACE-ID`` response header, else an
    ``error.traceId`` in the body. Pivot documents a trace id only in error bodies (errors
    carry it as :attr:`APIError.trace_id <pivot_async.APIError.trace_id>`), so on success it
    is usually None.
    """

    parsed: T
    status: int
    headers: Mapping[str, str]
    request_id: str | None
    trace_id: str | None


class Capture:
    """Filled by the requestor; read once by :func:`with_raw` when the call returns."""

    __slots__ = ("answered_id", "headers", "request_id", "status", "trace_id")

    def __init__(self) -> None:
        #: The X-EXTERNAL-ID of the request last answered (set by ``Requestor._send``).
        self.answered_id: str | None = None
        self.status: int | None = None
        self.headers: Mapping[str, str] = {}
        self.request_id: str | None = None
        self.trace_id: str | None = None

    def record(
        self, status: int, headers: Mapping[str, str], request_id: str | None, result: Any
    ) -> None:
        """An answer read successfully (a later one replaces an earlier one)."""
        self.status = status
        self.headers = headers
        self.request_id = request_id
        trace = headers.get(TRACE_ID_HEADER)
        if not trace:
            error = getattr(result, "error", None)
            trace = getattr(error, "effective_trace_id", None) if error is not None else None
        self.trace_id = trace if isinstance(trace, str) and trace else None


#: Set only while a ``with_raw_response`` call runs.
capture_var: contextvars.ContextVar[Capture | None] = contextvars.ContextVar(
    "pivot_async_raw_response", default=None
)


def with_raw(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """``fn`` (a resource method), returning a :class:`RawResponse` around its result."""

    @functools.wraps(fn)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        capture = Capture()
        token = capture_var.set(capture)
        try:
            parsed = await fn(*args, **kwargs)
        finally:
            capture_var.reset(token)
        if capture.status is None:  # pragma: no cover - every wrapped method sends a request
            raise RuntimeError(f"{getattr(fn, '__qualname__', fn)} read no HTTP answer")
        return RawResponse(parsed, capture.status, capture.headers, capture.request_id,
                           capture.trace_id)

    return call
