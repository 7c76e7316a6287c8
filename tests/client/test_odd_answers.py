"""Odd answers become typed errors and tokens recover (issue 15, point 3), against a scripted
gateway on 127.0.0.1 for the answers the sandbox never gives."""

from __future__ import annotations

import asyncio
import gzip
import json

import pytest
from aiohttp import web

from pivot_async import (
    AuthenticationError,
    BadRequestError,
    PivotClient,
    ResponseValidationError,
    ServerError,
)
from pivot_async._codec import decode
from pivot_async._error_factory import make_api_error, make_snap_error
from pivot_async._errors import ResponseTooLargeError
from pivot_async.models import parse_callback_event
from tests.data import EXAMPLES_DIR

from ._fake import TOKEN_PATH, FakeGateway, deep_json, fake_gateway, ok, raw, token_answer
from .conftest import RecordingSleep, va_request

CONFIGS = "/v2/payment-method-configs"
NESTED_401 = (
    EXAMPLES_DIR / "errors__account_balance__error__credentials_invalid.json"
).read_bytes()
INNER_ONLY = (
    EXAMPLES_DIR / "errors__payments__error__api_validation_error_no_available_va_number.json"
).read_bytes()


def client_for(gateway: FakeGateway, **kwargs: object) -> PivotClient:
    return PivotClient("merchant", "secret-value", base_url=gateway.url,
                       sleep=RecordingSleep(), **kwargs)  # type: ignore[arg-type]


def bearer(gateway: FakeGateway, path: str) -> list[str]:
    return [s.headers.get("Authorization", "") for s in gateway.seen if s.path == path]


# -- a 401 in Pivot's documented shape refreshes the token --------------------------------------


@pytest.mark.parametrize("body", [NESTED_401, json.dumps({"error": {
    "code": "credentials_invalid", "type": "API_ERROR", "details": []}}).encode(), b""],
    ids=["documented-example", "code-nested-in-error", "empty-body"])
async def test_any_401_invalidates_the_used_token_and_replays_once(body: bytes) -> None:
    async with fake_gateway() as gw:
        gw.on("GET", CONFIGS, raw(401, body), ok({}))
        async with client_for(gw) as client:
            await client.payment_method_configs.retrieve()
        assert gw.tokens_issued == 2
        assert bearer(gw, CONFIGS) == ["Bearer tok1", "Bearer tok2"]


async def test_a_401_that_persists_is_replayed_only_once() -> None:
    async with fake_gateway() as gw:
        gw.on("GET", CONFIGS, raw(401, NESTED_401))
        async with client_for(gw) as client:
            with pytest.raises(AuthenticationError) as info:
                await client.payment_method_configs.retrieve()
        assert gw.count("GET", CONFIGS) == 2 and gw.tokens_issued == 2
        assert info.value.details[0].message == "Request new access token"
        assert info.value.error_type == "API_ERROR"


async def test_concurrent_401s_refresh_the_token_once() -> None:
    async with fake_gateway() as gw:
        gate = asyncio.Event()

        async def first_rejected(request: web.Request) -> web.Response:
            if request.headers["Authorization"] == "Bearer tok1":
                await gate.wait()
                return web.Response(status=401, body=NESTED_401)
            return web.json_response({"code": "00", "data": {}})

        gw.on("GET", CONFIGS, first_rejected)
        async with client_for(gw) as client:
            calls = [asyncio.create_task(client.payment_method_configs.retrieve())
                     for _ in range(20)]
            await gw.arrived("GET", CONFIGS, 20)
            gate.set()
            await asyncio.gather(*calls)
        assert gw.tokens_issued == 2  # one fetch, one single-flight refresh


# -- a body that is only the inner error object --------------------------------------------------


def test_inner_only_error_object_surfaces_type_details_and_message() -> None:
    exc = make_api_error(400, INNER_ONLY, request_id="r" * 32)
    assert isinstance(exc, BadRequestError)
    assert exc.error_type == "API_ERROR"
    assert exc.details and exc.details[0].message.startswith("No available VA number")
    assert exc.message.startswith("No available VA number")
    assert str(exc).startswith("HTTP 400: No available VA number")
    assert "HTTP 400: HTTP 400" not in str(exc)
    assert str(exc).count("No available VA number") == 1


async def test_inner_only_error_object_over_the_wire() -> None:
    async with fake_gateway() as gw:
        gw.on("POST", "/v2/payments", raw(400, INNER_ONLY))
        async with client_for(gw) as client:
            with pytest.raises(BadRequestError) as info:
                await client.payments.create(va_request("inner1"))
        assert info.value.error_type == "API_ERROR"
        assert "No available VA number" in str(info.value)
        assert info.value.request_id == gw.seen[-1].headers["X-REQUEST-ID"]


# -- JSON nested thousands deep ------------------------------------------------------------------


def test_deep_json_never_raises_recursion_error() -> None:
    body = deep_json()
    with pytest.raises(ResponseValidationError, match="nested too deeply"):
        decode(body, dict)
    assert isinstance(make_api_error(400, body), BadRequestError)
    assert isinstance(make_snap_error(500, body), ServerError)
    callback = b'{"event":"PAYMENT.PAID","data":{"metadata":' + b"[" * 50_000 + b"]" * 50_000
    with pytest.raises(ResponseValidationError):
        parse_callback_event(callback + b"}}")


@pytest.mark.parametrize("status", [200, 400, 503])
async def test_deep_json_answer_is_a_typed_error(status: int) -> None:
    async with fake_gateway() as gw:
        gw.on("POST", "/v2/payments", raw(status, deep_json()))
        async with client_for(gw, max_retries=0) as client:
            with pytest.raises((ResponseValidationError, BadRequestError, ServerError)) as info:
                await client.payments.create(va_request("deep1"))
        assert getattr(info.value, "request_id", None) == gw.seen[-1].headers["X-REQUEST-ID"]
        if status == 200:
            assert type(info.value) is ResponseValidationError


# -- tokens with control characters ---------------------------------------------------------------


@pytest.mark.parametrize("token", ["tok\x07en", "tok en", "tok\nX-Injected: 1", "tök"])
async def test_a_token_that_cannot_go_into_a_header_is_a_typed_error(token: str) -> None:
    async def answer(request: web.Request) -> web.Response:
        return token_answer(token)

    async with fake_gateway() as gw:
        gw.on("POST", TOKEN_PATH, answer)
        async with client_for(gw) as client:
            with pytest.raises(ResponseValidationError) as info:
                await client.payment_method_configs.retrieve()
        assert info.value.path == "$.data.accessToken"
        assert token not in str(info.value)
        assert gw.count("GET", CONFIGS) == 0


# -- oversize bodies ----------------------------------------------------------------------


async def test_a_body_over_the_cap_is_refused_from_its_content_length() -> None:
    async with fake_gateway() as gw:
        gw.on("GET", CONFIGS, raw(200, b'{"data":"' + b"x" * 4096 + b'"}'))
        async with client_for(gw, max_response_bytes=1024) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.payment_method_configs.retrieve()
        assert info.value.limit == 1024 and info.value.status == 200


async def test_an_endless_chunked_body_is_cut_at_the_cap() -> None:
    written = 0
    total_chunks = 4096  # 256 MB if it were read whole

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal written
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        try:
            for _ in range(total_chunks):
                await resp.write(b"[" * 65536)
                written += 1
        except (ConnectionResetError, ConnectionError):
            pass
        return resp

    async with fake_gateway() as gw:
        gw.on("GET", CONFIGS, endless)
        async with client_for(gw, max_response_bytes=1024 * 1024, max_retries=0) as client:
            with pytest.raises(ResponseTooLargeError):
                await client.payment_method_configs.retrieve()
        for _ in range(200):  # let the server notice the closed connection
            if written < total_chunks and gw.seen:
                break
            await asyncio.sleep(0.01)
        assert written < total_chunks


def test_max_response_bytes_is_validated() -> None:
    from pivot_async import ConfigurationError

    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigurationError):
            PivotClient("id", "secret", max_response_bytes=bad)  # type: ignore[arg-type]


# -- every ambiguous error carries the request id ----------------------------------------


async def test_a_create_answered_with_null_data_names_its_request_id() -> None:
    async with fake_gateway() as gw:
        gw.on("POST", "/v2/payments", ok(None))
        async with client_for(gw) as client:
            with pytest.raises(ResponseValidationError) as info:
                await client.payments.create(va_request("null1"))
        assert info.value.path == "$.data"
        assert info.value.request_id == gw.seen[-1].headers["X-REQUEST-ID"]


async def test_a_small_compressed_body_that_inflates_past_the_cap_is_refused() -> None:
    # its Content-Length (the compressed size) is within the cap: the body read whole on that
    # framing would hold the inflated bytes; the cap counts what is decompressed
    inflated = b'{"data":"' + b"x" * (4 * 1024 * 1024) + b'"}'
    packed = gzip.compress(inflated)
    assert len(packed) < 64 * 1024

    async def bomb(request: web.Request) -> web.Response:
        return web.Response(body=packed, headers={
            "Content-Type": "application/json", "Content-Encoding": "gzip"})

    async with fake_gateway() as gw:
        gw.on("GET", CONFIGS, bomb)
        async with client_for(gw, max_response_bytes=1024 * 1024) as client:
            with pytest.raises(ResponseTooLargeError) as info:
                await client.payment_method_configs.retrieve()
        assert info.value.limit == 1024 * 1024 and info.value.status == 200
