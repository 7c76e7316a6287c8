"""The gateway's response envelope and error envelope.

See docs/reference/wire.md#envelope and wire.md#errors.

Handlers raise :class:`SandboxError`; the error middleware turns it into
``{"code", "message", "error": {"type", "details", "traceId"}, "data": {}}``.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from ._recording import note
from ._util import encode_json

__all__ = [
    "SandboxError",
    "control_error",
    "error_body",
    "error_middleware",
    "json_response",
    "not_found",
    "ok",
    "state_error",
    "validation_error",
]

_log = logging.getLogger("pivot_async.sandbox")

_TYPES = {
    "api_validation_error": "API_ERROR",
    "credentials_invalid": "API_ERROR",
    "resource_not_complete": "API_ERROR",
    "forbidden_access": "API_ERROR",
    "idempotency_error": "API_ERROR",
    "frequency_above_limit": "API_ERROR",
    "not_found": "GATEWAY_ERROR",
    "resource_missing": "GATEWAY_ERROR",
    "duplicate_error": "GATEWAY_ERROR",
    "internal_error": "GATEWAY_ERROR",
    "bad_gateway": "GATEWAY_ERROR",
    "service_unavailable": "GATEWAY_ERROR",
    "gateway_timeout": "GATEWAY_ERROR",
    "request_timeout": "GATEWAY_ERROR",
}

STATUS_CODES: dict[int, tuple[str, str]] = {
    408: ("request_timeout", "Request timed out"),
    429: ("frequency_above_limit", "Too many requests to this endpoint"),
    500: ("internal_error", "Internal server error"),
    502: ("bad_gateway", "Bad response from a downstream service"),
    503: ("service_unavailable", "Service temporarily unavailable. Please hit periodically"),
    504: ("gateway_timeout", "No response from a downstream service in time"),
}
"""Code and message the sandbox uses for each injectable error status."""

SNAP_STATUS_MESSAGES: dict[int, str] = {
    408: "Request Timeout",
    429: "Too Many Requests",
    500: "General Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Timeout",
}
"""``responseMessage`` of an injected error status on a SNAP (wallet) route."""


class SandboxError(Exception):
    """An error response: raised by handlers, rendered by the error middleware."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[tuple[str, str]] = (),
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.headers = dict(headers or {})

    def response(self, trace_id: str | None = None) -> web.Response:
        body = error_body(self.code, self.message, self.details, trace_id)
        return json_response(body, status=self.status, headers=self.headers)


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
        extra = dict(headers or {})
        if hint:
            extra["X-Sandbox-Diagnostic"] = hint
        super().__init__(int(code[:3]), code, message, headers=extra)
        self.hint = hint

    def response(self, trace_id: str | None = None) -> web.Response:
        body = {"responseCode": self.code, "responseMessage": self.message}
        return json_response(body, status=self.status, headers=self.headers or None)


def error_body(
    code: str,
    message: str,
    details: Sequence[tuple[str, str]] = (),
    trace_id: str | None = None,
) -> dict[str, Any]:
    """The documented error envelope."""
    return {
        "code": code,
        "message": message,
        "error": {
            "type": _TYPES.get(code, "API_ERROR"),
            "details": [{"field": field, "message": text} for field, text in details],
            "traceId": trace_id or os.urandom(16).hex(),
        },
        "data": {},
    }


def json_response(
    body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON response with compact bytes (so faults can cut them)."""
    return web.Response(
        body=encode_json(body),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def snap_status_response(
    status: int, service: str, retry_after: float | None = None
) -> web.Response:
    """An injected error status on a SNAP route: ``responseCode`` ``<status><service>00``;
    ``Retry-After`` only when ``retry_after`` is given."""
    headers = {} if retry_after is None else {"Retry-After": str(max(0, math.ceil(retry_after)))}
    return SnapError(
        f"{status}{service}00", SNAP_STATUS_MESSAGES[status], headers=headers
    ).response()


def ok(data: Any, pagination: Mapping[str, int] | None = None) -> web.Response:
    """The success envelope ``{"code":"00","message":"Success","data":...}``."""
    body: dict[str, Any] = {"code": "00", "message": "Success", "data": data}
    if pagination is not None:
        body["pagination"] = dict(pagination)
    return json_response(body)


def validation_error(details: Sequence[tuple[str, str]], message: str = "") -> SandboxError:
    """400 ``api_validation_error`` naming the fields."""
    text = message or (details[0][1] if details else "Invalid request")
    return SandboxError(400, "api_validation_error", text, details)


def state_error(message: str, field: str = "") -> SandboxError:
    """422 ``api_validation_error``: a valid request the resource's state forbids.

    See docs/reference/wire.md#sandbox-errors.
    """
    return SandboxError(422, "api_validation_error", message, [(field, message)])


_CONTROL_CODES = {404: "resource_missing", 410: "resource_missing"}


def control_error(status: int, message: str) -> SandboxError:
    """A control action or customer page that the record's state forbids: 404 unknown, 409 the
    wrong state, 410 an expired link. Control routes answer it as the error envelope, customer
    pages as an HTML page with the same status."""
    code = _CONTROL_CODES.get(status, "forbidden_access")
    return SandboxError(status, code, message, [("", message)])


def not_found(what: str, field: str = "") -> SandboxError:
    """404 ``resource_missing``."""
    message = f"Make sure {what} id is correct"
    return SandboxError(404, "resource_missing", f"{what} not found", [(field, message)])


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The innermost middleware: a :class:`SandboxError` becomes its response (the envelope,
    or a SNAP ``responseCode`` for :class:`SnapError`); aiohttp's 404/405 and any other
    exception become the envelope too (500 ``internal_error``). It notes in the request log
    that a handler answered, and with which status."""
    response = await _answer(request, handler)
    note(handled=response.status)
    return response


async def _answer(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except SandboxError as exc:
        return exc.response(request.headers.get("X-TRACE-ID"))
    except web.HTTPNotFound:
        body = error_body("not_found", "The requested URL was not found", [("", request.path)])
        return json_response(body, status=404)
    except web.HTTPMethodNotAllowed:
        message = f"Method {request.method} is not allowed on {request.path}"
        return json_response(error_body("not_found", message, [("", message)]), status=405)
    except web.HTTPException:
        raise
    except Exception:
        _log.exception("sandbox handler failed for %s %s", request.method, request.path)
        body = error_body(
            "internal_error", "Internal server error", [("", "Internal server error")]
        )
        return json_response(body, status=500)
