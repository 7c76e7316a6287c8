"""The envelope and error envelope (wire.md#envelope, wire.md#errors): handlers raise
:class:`SandboxError`, the error middleware renders it per protocol."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import msgspec
from aiohttp import web

from ._recording import note

__all__ = [
    "SandboxError",
    "control_error",
    "error_middleware",
    "json_response",
    "not_found",
    "ok",
    "state_error",
    "validation_error",
]

_log = logging.getLogger("pivot_async.sandbox")

_GATEWAY_CODES = frozenset(
    {"not_found", "resource_missing", "duplicate_error", "internal_error", "bad_gateway"}
    | {"service_unavailable", "gateway_timeout", "request_timeout"}
)
"""Codes of ``error.type`` ``GATEWAY_ERROR``; every other code is an ``API_ERROR``."""

STATUS_CODES: dict[int, tuple[str, str, str]] = {
    408: ("request_timeout", "Request timed out", "Request Timeout"),
    429: ("frequency_above_limit", "Too many requests to this endpoint", "Too Many Requests"),
    500: ("internal_error", "Internal server error", "General Error"),
    502: ("bad_gateway", "Bad response from a downstream service", "Bad Gateway"),
    503: (
        "service_unavailable",
        "Service temporarily unavailable. Please hit periodically",
        "Service Unavailable",
    ),
    504: ("gateway_timeout", "No response from a downstream service in time", "Timeout"),
}
"""Each injectable error status: the payments code and message, and the SNAP
``responseMessage``."""


class SandboxError(Exception):
    """An error response: raised by handlers, rendered by the error middleware."""

    def __init__(
        self, status: int, code: str, message: str, details: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)

    def response(self, trace_id: str | None = None) -> web.Response:
        body = error_body(self.code, self.message, self.details, trace_id)
        return json_response(body, status=self.status)


class SnapError(SandboxError):
    """The same error on a SNAP (wallet) route, rendered as ``{"responseCode",
    "responseMessage"}``; the HTTP status is the code's first 3 digits. ``hint`` (a signature
    diagnostic) goes to the ``X-Sandbox-Diagnostic`` header."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        hint: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(int(code[:3]), code, message)
        self.headers = dict(headers or {})
        if hint:
            self.headers["X-Sandbox-Diagnostic"] = hint

    def response(self, trace_id: str | None = None) -> web.Response:
        body = {"responseCode": self.code, "responseMessage": self.message}
        return json_response(body, status=self.status, headers=self.headers)


def error_body(
    code: str, message: str, details: Sequence[tuple[str, str]] = (), trace_id: str | None = None
) -> dict[str, Any]:
    """The documented error envelope."""
    return {
        "code": code,
        "message": message,
        "error": {
            "type": "GATEWAY_ERROR" if code in _GATEWAY_CODES else "API_ERROR",
            "details": [{"field": field, "message": text} for field, text in details],
            "traceId": trace_id or os.urandom(16).hex(),
        },
        "data": {},
    }


def json_response(
    body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON response with compact bytes (so faults can cut them)."""
    raw = msgspec.json.encode(body)
    return web.Response(body=raw, status=status, content_type="application/json", headers=headers)


def status_response(
    status: int, retry_after: float | None = None, snap_service: str | None = None
) -> web.Response:
    """An injected error status: the error envelope with ``Retry-After`` on 429 (default 1 s)
    and on 503 when ``retry_after`` is set; on a SNAP route (``snap_service``) ``responseCode``
    ``<status><service>00``, with ``Retry-After`` only when ``retry_after`` is set."""
    code, message, snap_message = STATUS_CODES[status]
    if snap_service is None and status == 429 and retry_after is None:
        retry_after = 1
    elif snap_service is None and status != 429 and status != 503:
        retry_after = None
    headers = {} if retry_after is None else {"Retry-After": str(max(0, math.ceil(retry_after)))}
    if snap_service is not None:
        return SnapError(f"{status}{snap_service}00", snap_message, headers=headers).response()
    return json_response(error_body(code, message, [("", message)]), status=status, headers=headers)


def ok(data: Any, pagination: Mapping[str, int] | None = None) -> web.Response:
    """The success envelope ``{"code":"00","message":"Success","data":...}``."""
    body: dict[str, Any] = {"code": "00", "message": "Success", "data": data}
    if pagination is not None:
        body["pagination"] = dict(pagination)
    return json_response(body)


def validation_error(details: Sequence[tuple[str, str]]) -> SandboxError:
    """400 ``api_validation_error`` naming the fields."""
    message = details[0][1] if details else "Invalid request"
    return SandboxError(400, "api_validation_error", message, details)


def state_error(message: str, field: str = "") -> SandboxError:
    """422 ``api_validation_error``: a valid request the state forbids (wire.md#sandbox-errors)."""
    return SandboxError(422, "api_validation_error", message, [(field, message)])


def control_error(status: int, message: str) -> SandboxError:
    """A control action or customer page that the record's state forbids: 404 unknown, 409 the
    wrong state, 410 an expired link. Control routes answer it as the error envelope, customer
    pages as an HTML page with the same status."""
    code = "resource_missing" if status in (404, 410) else "forbidden_access"
    return SandboxError(status, code, message, [("", message)])


def not_found(what: str, field: str = "") -> SandboxError:
    """404 ``resource_missing``."""
    message = f"Make sure {what} id is correct"
    return SandboxError(404, "resource_missing", f"{what} not found", [(field, message)])


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The innermost middleware: a :class:`SandboxError` becomes its response (the envelope, or
    ``responseCode`` for a :class:`SnapError`), aiohttp's 404/405 and any other exception the
    envelope (500 ``internal_error``); the request log notes the status a handler answered."""
    try:
        response = await handler(request)
    except SandboxError as exc:
        response = exc.response(request.headers.get("X-TRACE-ID"))
    except web.HTTPNotFound:
        body = error_body("not_found", "The requested URL was not found", [("", request.path)])
        response = json_response(body, status=404)
    except web.HTTPMethodNotAllowed:
        message = f"Method {request.method} is not allowed on {request.path}"
        response = json_response(error_body("not_found", message, [("", message)]), status=405)
    except web.HTTPException:
        raise
    except Exception:
        _log.exception("sandbox handler failed for %s %s", request.method, request.path)
        message = "Internal server error"
        response = json_response(error_body("internal_error", message, [("", message)]), status=500)
    note(handled=response.status)
    return response
