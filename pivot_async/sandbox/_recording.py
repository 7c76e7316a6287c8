"""The one bounded request log (payments and wallet routes alike) and the outermost middleware
that fills it: faulted and rate-limited requests too, control routes (``/_sandbox/``) not."""

from __future__ import annotations

import collections
import contextvars
import dataclasses
import datetime as _dt
import hashlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

__all__ = ["CONTROL_PREFIX", "RequestLog", "RequestRecord", "note", "recording_middleware"]

CONTROL_PREFIX = "/_sandbox/"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclasses.dataclass
class RequestRecord:
    """One request seen by the sandbox (secrets redacted)."""

    at: _dt.datetime
    method: str
    path: str
    query: str
    headers: dict[str, str]
    request_id: str | None
    body_sha256: str
    status: int | None = None
    fault: str | None = None
    replayed: bool = False
    handled: int | None = None
    """The status the route's handler answered (None: a fault answered before it ran)."""

    def to_json(self) -> dict[str, Any]:
        """The record as ``GET /_sandbox/requests`` lists it."""
        data = dataclasses.asdict(self)
        del data["handled"]
        data["requestId"] = data.pop("request_id")
        data["bodySha256"] = data.pop("body_sha256")
        return {**data, "at": self.at.isoformat()}


CURRENT_RECORD: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar(
    "pivot_sandbox_request_record", default=None
)
"""The log entry of the request being handled (set by the outermost middleware)."""


def note(*, fault: str | None = None, replayed: bool = False, handled: int | None = None) -> None:
    """Mark the current request's log entry as faulted, replayed or handled (with a status)."""
    record = CURRENT_RECORD.get()
    if record is not None:
        record.fault = fault or record.fault
        record.replayed = replayed or record.replayed
        record.handled = record.handled if handled is None else handled


_REDACTED_HEADERS = frozenset(
    {"authorization", "authorization-customer", "x-merchant-secret", "x-api-key", "x-signature"}
    | {"x-client-secret", "cookie"}
)


def redact_headers(headers: Any) -> dict[str, str]:
    """A copy of ``headers`` with credential values replaced by ``***`` (a scheme is kept)."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        if name.lower() in _REDACTED_HEADERS:
            value = f"{value.split(' ', 1)[0] if ' ' in value else ''} ***".strip()
        out[name] = value
    return out


class RequestLog:
    """The last ``maxlen`` requests, oldest first (a ``deque``: a long-running sandbox does not
    grow) and, for every request since the last :meth:`clear`, a count per ``(method, path)``
    and per ``(method, path, status)`` of those a handler answered."""

    def __init__(self, maxlen: int = 10_000) -> None:
        if maxlen < 1:
            raise ValueError("the request log needs room for at least one record")
        self.records: collections.deque[RequestRecord] = collections.deque(maxlen=maxlen)
        self.counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self.outcomes: collections.Counter[tuple[str, str, int]] = collections.Counter()

    @property
    def maxlen(self) -> int:
        """How many records are kept."""
        return self.records.maxlen or 0

    def append(self, record: RequestRecord) -> None:
        """Log ``record`` (the oldest is forgotten once the log is full) and count it."""
        self.records.append(record)
        self.counts[(record.method, record.path)] += 1

    def finish(self, record: RequestRecord) -> None:
        """Count the outcome of ``record`` once answered (if its handler ran)."""
        if record.handled is not None:
            self.outcomes[(record.method, record.path, record.handled)] += 1

    def clear(self) -> None:
        """Forget the records and the counts."""
        self.records.clear()
        self.counts.clear()
        self.outcomes.clear()

    def handled(self, method: str, path: str, status: int | None = None) -> int:
        """How many requests to ``method path`` a handler answered (with ``status``)."""
        return sum(
            n
            for (rm, rp, rs), n in self.outcomes.items()
            if rm == method.upper() and rp == path and (status is None or rs == status)
        )

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests with this method and/or path were seen (kept or not)."""
        m = None if method is None else method.upper()
        return sum(
            n
            for (rm, rp), n in self.counts.items()
            if (m is None or rm == m) and (path is None or rp == path)
        )

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def recording_middleware(
    log: RequestLog, now: Callable[[], _dt.datetime], before: Callable[[], Any]
) -> Middleware:
    """Log every non-control request into ``log``; ``before()`` runs first on every request."""

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        before()
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        body = await request.read()
        entry = RequestRecord(
            at=now(),
            method=request.method,
            path=request.path,
            query=request.query_string,
            headers=redact_headers(request.headers),
            request_id=request.headers.get("X-REQUEST-ID"),
            body_sha256=hashlib.sha256(body).hexdigest(),
        )
        log.append(entry)
        token = CURRENT_RECORD.set(entry)
        try:
            response = await handler(request)
        finally:
            CURRENT_RECORD.reset(token)
            log.finish(entry)
        if entry.fault not in ("reset", "drop"):
            entry.status = response.status
        return response

    return record
