from __future__ import annotations

import json
from pathlib import Path

import pytest

from pivot_async._error_factory import make_api_error
from pivot_async._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GatewayTimeoutError,
    IdempotencyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from tests.data import EXAMPLES_DIR

EXAMPLES = EXAMPLES_DIR


def _env(code: str, message: str = "m", **error: object) -> bytes:
    return json.dumps({"code": code, "message": message, "error": error, "data": {}}).encode()


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "api_validation_error", BadRequestError),
        (401, "credentials_invalid", AuthenticationError),
        (403, "forbidden_access", PermissionDeniedError),
        (404, "resource_missing", NotFoundError),
        (409, "duplicate_error", ConflictError),
        (409, "idempotency_error", IdempotencyError),
        (422, "api_validation_error", UnprocessableEntityError),
        (429, "frequency_above_limit", RateLimitError),
        (500, "internal_error", ServerError),
        (502, "bad_gateway", ServerError),
        (503, "service_unavailable", ServerError),
        (504, "gateway_timeout", GatewayTimeoutError),
        (408, "timeout", ServerError),
        (418, "teapot", APIError),
    ],
)
def test_factory_maps_status_and_code(status: int, code: str, cls: type[APIError]) -> None:
    exc = make_api_error(status, _env(code), request_id="r" * 32)
    assert type(exc) is cls
    assert exc.status == status
    assert exc.code == code
    assert exc.request_id == "r" * 32


def test_details_and_trace_id_both_spellings() -> None:
    body = _env(
        "api_validation_error", "Invalid payload", type="API_ERROR",
        details=[{"field": "amount.value", "message": "must be positive"}, {"field": "",
                                                                           "message": "x"}],
        traceId="abc",
    )
    exc = make_api_error(400, body)
    assert exc.fields == {"amount.value": "must be positive"}
    assert exc.trace_id == "abc"
    assert exc.error_type == "API_ERROR"
    assert "amount.value: must be positive" in str(exc)
    snake = make_api_error(400, _env("400100001", trace_id="def"))
    assert snake.trace_id == "def"
    assert snake.code == "400100001"


@pytest.mark.parametrize("body", [b"", b"<html>oops</html>", b"[1,2]", b'{"code": 5}', b"null"])
def test_non_envelope_bodies_still_give_typed_errors(body: bytes) -> None:
    exc = make_api_error(503, body)
    assert isinstance(exc, ServerError)
    assert exc.status == 503


def test_rate_limit_keeps_retry_after() -> None:
    exc = make_api_error(429, _env("frequency_above_limit"), retry_after=3.0)
    assert isinstance(exc, RateLimitError)
    assert exc.retry_after == 3.0


def _error_examples() -> list[Path]:
    paths = sorted(EXAMPLES.glob("errors__*.json"))
    assert paths, f"no error examples in {EXAMPLES}"
    return paths


@pytest.mark.parametrize("path", _error_examples(), ids=lambda p: p.name)
def test_documented_error_payloads_parse(path: Path) -> None:
    raw = path.read_bytes()
    doc = json.loads(raw)
    exc = make_api_error(400, raw)
    # only the inner object (the payments error table): its fields surface the same way
    err = doc.get("error", doc if "type" in doc else {})
    trace = err.get("traceId") or err.get("trace_id")
    assert exc.trace_id == trace
    assert exc.error_type == err.get("type")
    assert len(exc.details) == len(err.get("details") or [])
    if "code" in doc:
        assert exc.code == str(doc["code"])


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("4015400", "InvalidSignatureError"),
        ("4015401", "InvalidTokenError"),
        ("4015403", "InvalidTokenError"),
        ("4015402", "InvalidCustomerTokenError"),
        ("4015404", "InvalidCustomerTokenError"),
        ("4035414", "InsufficientFundsError"),
        ("4045501", "TransactionNotFoundError"),
        ("4095400", "DuplicateExternalIdError"),
        ("4095401", "DuplicatePartnerReferenceError"),
        ("4295400", "RateLimitError"),
        ("5005400", "ServerError"),
        ("5045400", "GatewayTimeoutError"),
        ("4005402", "BadRequestError"),
    ],
)
def test_snap_codes_map_to_the_tree(code: str, cls: str) -> None:
    from pivot_async import _error_factory, _errors

    body = json.dumps({"responseCode": code, "responseMessage": "msg"}).encode()
    exc = _error_factory.make_snap_error(int(code[:3]), body)
    assert type(exc).__name__ == cls
    assert exc.response_code == code
    assert exc.service_code == code[3:5]
    assert exc.case_code == code[5:]
    assert isinstance(exc, _errors.APIError)


def test_snap_error_without_code_falls_back_to_status() -> None:
    from pivot_async import _error_factory, _errors

    exc = _error_factory.make_snap_error(502, b"<html>")
    assert isinstance(exc, _errors.ServerError)
    assert exc.response_code is None
