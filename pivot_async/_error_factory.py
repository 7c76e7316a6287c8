"""The error factory: HTTP status + response body -> the exception of :mod:`._errors`.

Tolerates every documented body shape (see :func:`make_api_error`) and never lets a decoder
failure (not JSON, the wrong shape, JSON nested past the recursion limit) escape: a body it
cannot read still gives the exception its status calls for. Import the names from
:mod:`pivot_async._errors`, which re-exports them.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DuplicateExternalIdError,
    DuplicatePartnerReferenceError,
    ErrorDetail,
    GatewayTimeoutError,
    IdempotencyError,
    InsufficientFundsError,
    InvalidCustomerTokenError,
    InvalidSignatureError,
    InvalidTokenError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransactionNotFoundError,
    UnprocessableEntityError,
)

_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_CODE_CLASSES: dict[str, type[APIError]] = {
    "idempotency_error": IdempotencyError,
}


class _ErrorEnvelope(msgspec.Struct):
    code: str | int | None = None


_envelope_decoder = msgspec.json.Decoder(_ErrorEnvelope)

#: What a decoder raises for a body it cannot read: not JSON, the wrong shape, or JSON nested
#: deeper than the interpreter's recursion limit (msgspec raises ``RecursionError`` there).
DECODE_FAILURES: tuple[type[Exception], ...] = (
    msgspec.DecodeError, msgspec.ValidationError, RecursionError,
)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _parse_details(raw: Any) -> list[ErrorDetail]:
    out: list[ErrorDetail] = []
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, dict):
            continue
        field = item.get("field")
        message = item.get("message")
        out.append(
            ErrorDetail(
                field=field if isinstance(field, str) else "",
                message=message if isinstance(message, str) else "",
            )
        )
    return out


def error_class_for(status: int, code: str | None) -> type[APIError]:
    """The exception class for an HTTP status and a Pivot error code."""
    if code is not None and code in _CODE_CLASSES:
        return _CODE_CLASSES[code]
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status == 504:
        return GatewayTimeoutError
    if status >= 500 or status == 408:
        return ServerError
    return APIError


def _decode_any(body: bytes) -> Any:
    try:
        return msgspec.json.decode(body)
    except DECODE_FAILURES:
        return None


def _error_fields(body: bytes) -> dict[str, Any]:
    """code, message, error_type, details and trace_id of any documented error body.

    The shapes: the full envelope (``code``, ``message``, ``error{type, details, traceId}``);
    only ``{"error": {...}}``; only the inner object ``{"type", "details", "traceId"}`` (the
    payments error table); ``trace_id`` for ``traceId``; the code nested in ``error``.
    """
    doc = _decode_any(body)
    if not isinstance(doc, dict):
        return {}
    inner = doc.get("error")
    if not isinstance(inner, dict):
        inner = doc if ("type" in doc or "details" in doc) else {}
    code = _text(doc.get("code"))
    if code is None:
        code = _text(inner.get("code"))
    message = _text(doc.get("message")) or _text(inner.get("message"))
    error_type = _text(inner.get("type"))
    trace = inner.get("traceId")
    if not isinstance(trace, str) or not trace:
        trace = inner.get("trace_id")
    details = _parse_details(inner.get("details"))
    if not message:
        # Only the inner object: its details carry the human text.
        message = "; ".join(
            f"{d.field}: {d.message}" if d.field else d.message for d in details if d.message
        ) or error_type
    return {
        "code": code,
        "message": message,
        "error_type": error_type,
        "details": details,
        "trace_id": trace if isinstance(trace, str) and trace else None,
    }


def make_api_error(
    status: int,
    body: bytes,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> APIError:
    """Build the exception for an error response from its status and raw body.

    Tolerates every documented envelope variant: a full envelope, only the ``error``
    object, only the inner object (``type``, ``details``, ``traceId``), ``traceId`` or
    ``trace_id``, numeric or text codes, and bodies that are not JSON at all (or nested too
    deep to decode).
    """
    fields = _error_fields(body)
    code: str | None = fields.get("code")
    message: str = fields.get("message") or f"HTTP {status}"
    cls = error_class_for(status, code)
    return cls(
        message,
        status=status,
        code=code,
        error_type=fields.get("error_type"),
        details=fields.get("details", ()),
        trace_id=fields.get("trace_id"),
        request_id=request_id,
        retry_after=retry_after if issubclass(cls, RateLimitError) else None,
    )


_SNAP_CASE_CLASSES: dict[tuple[int, str], type[APIError]] = {
    (401, "00"): InvalidSignatureError,
    (401, "01"): InvalidTokenError,
    (401, "03"): InvalidTokenError,
    (401, "02"): InvalidCustomerTokenError,
    (401, "04"): InvalidCustomerTokenError,
    (403, "14"): InsufficientFundsError,
    (404, "01"): TransactionNotFoundError,
    (409, "00"): DuplicateExternalIdError,
    (409, "01"): DuplicatePartnerReferenceError,
}


class _SnapEnvelope(msgspec.Struct):
    responseCode: str | None = None
    responseMessage: str | None = None


_snap_decoder = msgspec.json.Decoder(_SnapEnvelope)


def _decode_snap(body: bytes) -> _SnapEnvelope:
    try:
        return _snap_decoder.decode(body)
    except DECODE_FAILURES:
        return _SnapEnvelope()


def snap_response_code(body: bytes) -> str | None:
    """The ``responseCode`` of a SNAP body, or None if it has none (or is not JSON)."""
    return _decode_snap(body).responseCode


def payments_error_code(body: bytes) -> str | None:
    """The top-level ``code`` of a Payments API body, or None if it has none."""
    try:
        code = _envelope_decoder.decode(body).code
    except DECODE_FAILURES:
        return None
    return None if code is None else str(code)


def snap_code_parts(code: str | None) -> tuple[int, str, str] | None:
    """(HTTP status, service code, case code) of a SNAP response code, or None."""
    if not isinstance(code, str) or len(code) != 7 or not code[:3].isdigit():
        return None
    if not code[3:].isalnum() or not code[3:].isascii():
        return None
    return int(code[:3]), code[3:5], code[5:7]


def make_snap_error(
    status: int,
    body: bytes,
    *,
    retry_after: float | None = None,
    request_id: str | None = None,
) -> APIError:
    """Build the exception for a wallet (SNAP) error response.

    The class is chosen by the ``responseCode``'s HTTP part and case code (falling back to the
    HTTP status when the body carries no usable code).
    """
    env = _decode_snap(body)
    parts = snap_code_parts(env.responseCode)
    http = parts[0] if parts else status
    cls = _SNAP_CASE_CLASSES.get((http, parts[2])) if parts else None
    if cls is None:
        cls = GatewayTimeoutError if http == 504 else error_class_for(http, None)
    message = (env.responseMessage or f"HTTP {status}")[:300]
    return cls(
        message, status=status, code=env.responseCode if parts else None,
        service_code=parts[1] if parts else None, case_code=parts[2] if parts else None,
        retry_after=retry_after if issubclass(cls, RateLimitError) else None,
        request_id=request_id,
    )
