"""Request building, decoding and error mapping with aioresponses (no middlewares run here:
aioresponses patches ClientSession._request, so auth/retry/idempotency are tested against the
sandbox in test_chain.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from pivot_async import (
    BadRequestError,
    NotFoundError,
    PivotClient,
    RateLimitError,
    ResponseValidationError,
    ServerError,
)

from .conftest import va_request

# aioresponses builds responses around mock event-loop objects; when they are collected,
# asyncio's loop finaliser reports a harmless "exception ignored" about a half-built loop.
# That report is about the mock, not about our code, so it is not turned into an error here.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

BASE = "https://api-stg.pivot-payment.com"
SESSION = {
    "id": "0190f1d2-0000-7000-8000-000000000001", "clientReferenceId": "order1",
    "status": "REQUIRE_ACTION", "amount": {"value": "50000", "currency": "IDR"},
    "brandNewField": {"nested": True},
}


def _ok(data: Any) -> dict[str, Any]:
    return {"code": "00", "message": "Success", "data": data}


def _sent(mock: aioresponses, method: str, url: str) -> Any:
    (call,) = mock.requests[(method, URL(url))]
    return call


@pytest.fixture
async def client() -> Any:
    async with PivotClient("cid", "csecret", max_retries=0) as c:
        yield c


async def test_create_sends_compact_camelcase_bytes_once(
    mock_http: aioresponses, client: PivotClient
) -> None:
    mock_http.post(f"{BASE}/v2/payments", payload=_ok(SESSION))
    session = await client.payments.create(
        va_request("order1"), idempotency_key="Key0000000000000000000001"
    )
    call = _sent(mock_http, "POST", f"{BASE}/v2/payments")
    body: bytes = call.kwargs["data"]
    assert isinstance(body, bytes)
    assert b": " not in body and b", " not in body
    decoded = json.loads(body)
    assert decoded["clientReferenceId"] == "order1"
    assert decoded["paymentMethodOptions"] == {"virtualAccount": {"channel": "BCA"}}
    assert "autoConfirm" not in decoded  # defaults are omitted, the gateway's own apply
    assert call.kwargs["headers"]["X-REQUEST-ID"] == "Key0000000000000000000001"
    assert call.kwargs["headers"]["Content-Type"] == "application/json"
    assert call.kwargs["allow_redirects"] is False
    # decoding: numeric string amount -> int, unknown fields ignored
    assert session.amount is not None and session.amount.value == 50000
    assert session.status == "REQUIRE_ACTION"


async def test_query_parameters_for_lookups(mock_http: aioresponses, client: PivotClient) -> None:
    pattern = re.compile(r"^https://api-stg\.pivot-payment\.com/v2/payments\?.*$")
    mock_http.get(pattern, payload={**_ok([SESSION]), "pagination": {
        "page": 1, "perPage": 100, "totalItems": 1, "totalPages": 1}})
    found = await client.payments.list_by_reference("order1")
    assert [s.id for s in found] == [SESSION["id"]]
    ((_, url),) = [k for k in mock_http.requests if k[0] == "GET"]
    assert url.query["clientReferenceId"] == "order1"
    assert url.query["page"] == "1"
    assert url.query["perPage"] == "100"


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (400, {"code": "api_validation_error", "message": "Invalid",
               "error": {"type": "API_ERROR", "details": [
                   {"field": "amount.value", "message": "too small"}], "traceId": "t1"}},
         BadRequestError, "api_validation_error"),
        (404, {"code": "resource_missing", "message": "nope", "error": {"trace_id": "t2"}},
         NotFoundError, "resource_missing"),
        (429, {"code": "frequency_above_limit", "message": "slow down"}, RateLimitError,
         "frequency_above_limit"),
        (503, {"code": "service_unavailable", "message": "down"}, ServerError,
         "service_unavailable"),
    ],
)
async def test_error_mapping(
    mock_http: aioresponses, client: PivotClient, status: int, body: dict[str, Any],
    cls: type[Exception], code: str,
) -> None:
    mock_http.get(f"{BASE}/v2/payments/abc", status=status, payload=body,
                  headers={"Retry-After": "7"})
    with pytest.raises(cls) as info:
        await client.payments.retrieve("abc")
    exc: Any = info.value
    assert exc.status == status
    assert exc.code == code
    if status == 400:
        assert exc.fields == {"amount.value": "too small"}
        assert exc.trace_id == "t1"
    if status == 404:
        assert exc.trace_id == "t2"
    if status == 429:
        assert exc.retry_after == 7.0


async def test_response_not_matching_the_model_names_the_path(
    mock_http: aioresponses, client: PivotClient
) -> None:
    mock_http.get(f"{BASE}/v2/payments/abc", payload=_ok({"id": "abc", "status": 5}))
    with pytest.raises(ResponseValidationError) as info:
        await client.payments.retrieve("abc")
    assert info.value.path == "$.data.status"
