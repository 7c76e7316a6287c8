"""``callbacks.construct_event``: verify and parse a delivery in one call, in any framework."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp import ClientSession, web
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict

from pivot_async import CallbackVerificationError
from pivot_async.callbacks import (
    CallbackAuthenticationError,
    CallbackPayloadError,
    InMemoryDedupeStore,
    callback_handler,
    construct_event,
    dedupe_key,
    verify_api_key,
)
from pivot_async.models import (
    CallbackEvent,
    PaymentPaidEvent,
    RefundSuccessEvent,
    UnknownCallbackEvent,
)

KEY = "cb-key-0123456789"
PAID = b'{"event":"PAYMENT.PAID","data":{"id":"s1","status":"PAID","clientReferenceId":"r1"}}'


class LowercaseHeaders(Mapping[str, str]):
    """The shape of Starlette's and Django's ``Headers``: names stored lower-cased, ``get`` and
    ``[]`` case-insensitive, ``items()`` every raw header (repeats included)."""

    def __init__(self, raw: list[tuple[str, str]]) -> None:
        self._raw = [(name.lower(), value) for name, value in raw]

    def __getitem__(self, name: str) -> str:
        for key, value in self._raw:
            if key == name.lower():
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter([key for key, _ in self._raw])

    def __len__(self) -> int:
        return len(self._raw)

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return list(self._raw)


def header_mappings(name: str, value: str) -> list[Mapping[str, str]]:
    return [
        {name: value},
        CIMultiDict({name: value}),
        CIMultiDictProxy(CIMultiDict({name: value})),  # aiohttp's request.headers
        MultiDict({name: value}),  # case-sensitive: found by iterating, not by .get()
        LowercaseHeaders([(name, value), ("content-type", "application/json")]),
    ]


@pytest.mark.parametrize("name", ["X-API-Key", "x-api-key", "X-API-KEY", "x-Api-kEY"])
def test_any_mapping_and_any_case_give_the_typed_event(name: str) -> None:
    for headers in header_mappings(name, KEY):
        event = construct_event(PAID, headers, KEY)
        assert isinstance(event, PaymentPaidEvent), type(headers)
        assert event.data.id == "s1"
        assert event.data.client_reference_id == "r1"
        assert verify_api_key(headers, KEY), type(headers)


def test_bytes_like_bodies_are_accepted_and_events_are_typed() -> None:
    refund = b'{"event":"REFUND.SUCCESS","data":{"id":"rf1","status":"SUCCESS"}}'
    headers = {"X-API-Key": KEY}
    assert isinstance(construct_event(bytearray(PAID), headers, KEY), PaymentPaidEvent)
    assert isinstance(construct_event(memoryview(PAID), headers, KEY),
                      PaymentPaidEvent)
    assert isinstance(construct_event(refund, headers, KEY), RefundSuccessEvent)
    unknown = construct_event(b'{"event":"WITHDRAW.SUCCESS","data":{"id":"w1"}}', headers, KEY)
    assert isinstance(unknown, UnknownCallbackEvent)
    assert unknown.data == {"id": "w1"}


@pytest.mark.parametrize(
    ("headers", "rule"),
    [
        ({}, "missing"),
        ({"Authorization": KEY}, "missing"),
        ({"X-API-Key": ""}, "does not match the callback key"),
        ({"X-API-Key": "forged-Zq81"}, "does not match the callback key"),
        ({"X-API-Key": KEY + "x"}, "does not match the callback key"),
        ({"X-API-Key": KEY[:-1]}, "does not match the callback key"),
        ({"X-API-Key": "\udcff" + KEY}, "not valid UTF-8"),  # aiohttp's undecodable bytes
        ({"X-API-Key": KEY.encode()}, "not text"),
        ({"X-API-Key": 12345}, "not text"),
        ({"X-API-Key": None}, "not text"),
        (CIMultiDict([("X-API-Key", KEY), ("x-api-key", "forged-Zq81")]), "sent more than once"),
        (CIMultiDict([("X-API-Key", "forged-Zq81"), ("X-API-Key", KEY)]), "sent more than once"),
        (LowercaseHeaders([("x-api-key", KEY), ("X-Api-Key", KEY)]), "sent more than once"),
    ],
)
def test_a_bad_key_is_a_401_error_naming_the_rule_not_the_value(
    headers: Mapping[str, Any], rule: str
) -> None:
    # the body is junk: it is not even looked at before the key matched
    with pytest.raises(CallbackAuthenticationError) as caught:
        construct_event(b"\xff not json", headers, KEY)
    exc = caught.value
    assert isinstance(exc, CallbackVerificationError)
    assert exc.http_status == 401
    assert str(exc) == f"X-API-Key header: {rule}"
    assert "forged" not in str(exc) and KEY not in str(exc)
    assert not verify_api_key(headers, KEY)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"data":{}}',
        b'{"event":"PAYMENT.PAID","data":1}',
        b'{"event":"PAYMENT.PAID","data":{"id":7,"status":"PAID"}}',
        b'{"event":"WITHDRAW.SUCCESS","data":' + _nested(100_000) + b"}",
        b'{"event":"PAYMENT.PAID","data":{"id":"s1","status":"PAID","x":'
        + _nested(100_000) + b"}}",
        _nested(100_000),
    ],
    ids=lambda b: repr(b[:40]),
)
def test_a_bad_body_is_a_400_error(body: bytes) -> None:
    with pytest.raises(CallbackPayloadError) as caught:
        construct_event(body, {"X-API-Key": KEY}, KEY)
    assert isinstance(caught.value, CallbackVerificationError)
    assert caught.value.http_status == 400
    assert str(caught.value).startswith("callback body rejected: ")


def test_a_body_that_is_not_bytes_is_a_400_error_saying_so() -> None:
    for body in (PAID.decode(), json.loads(PAID), None):
        with pytest.raises(CallbackPayloadError, match="pass the raw body as bytes, not "):
            construct_event(body, {"X-API-Key": KEY}, KEY)  # type: ignore[arg-type]


def test_the_wire_path_of_a_bad_field_is_named() -> None:
    body = b'{"event":"PAYMENT.PAID","data":{"id":7,"status":"PAID"}}'
    with pytest.raises(CallbackPayloadError, match=r"\$\.data\.id"):
        construct_event(body, {"X-API-Key": KEY}, KEY)


@pytest.mark.parametrize("api_key", ["", None, b"cb-key-0123456789", 5])
def test_a_missing_configured_key_is_a_configuration_error_not_a_401(api_key: Any) -> None:
    # a 401 would make Pivot give up on the event; a ValueError surfaces as a 500 and is retried
    with pytest.raises(ValueError, match="api_key"):
        construct_event(PAID, {"X-API-Key": ""}, api_key)
    assert not verify_api_key({"X-API-Key": ""}, api_key)


async def test_dedupe_with_the_store_as_today() -> None:
    store = InMemoryDedupeStore()
    unknown = b'{"event":"WITHDRAW.SUCCESS","data":{"amount":1}}'
    other = b'{"event":"WITHDRAW.SUCCESS","data":{"amount":2}}'
    claimed = []
    for body in (PAID, PAID, unknown, other, unknown):
        event: CallbackEvent = construct_event(body, {"x-api-key": KEY}, KEY)
        claimed.append(await store.claim(dedupe_key(event, body=body)))
    assert claimed == [True, False, True, True, False]
    assert dedupe_key(construct_event(PAID, {"x-api-key": KEY}, KEY)) == "PAYMENT.PAID:s1:PAID"


# -- the aiohttp handler is built on construct_event ----------------------------------------


@pytest.fixture
async def server() -> Any:
    events: list[CallbackEvent] = []

    async def on_event(event: CallbackEvent) -> None:
        events.append(event)

    app = web.Application()
    app.router.add_post("/cb", callback_handler(KEY, on_event))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield port, events
    finally:
        await runner.cleanup()


async def raw_post(port: int, header_lines: bytes, body: bytes = PAID) -> int:
    """POST raw header lines (bytes, as a client may send them) and the body; the status."""
    request = (
        b"POST /cb HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + header_lines
        + b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
        + body
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()
    return int(status_line.split()[1])


async def test_handler_refuses_a_repeated_key_header(server: Any) -> None:
    port, events = server
    key = KEY.encode()
    assert await raw_post(port, b"X-API-Key: " + key + b"\r\nX-API-Key: forged\r\n") == 401
    assert await raw_post(port, b"X-API-Key: " + key + b"\r\nx-api-key: " + key + b"\r\n") == 401
    assert events == []
    assert await raw_post(port, b"x-api-key: " + key + b"\r\n") == 200
    assert [e.event for e in events] == ["PAYMENT.PAID"]


async def test_handler_statuses_follow_the_errors(server: Any) -> None:
    port, events = server
    url = f"http://127.0.0.1:{port}/cb"
    deep = b'{"event":"PAYMENT.PAID","data":' + _nested(100_000) + b"}"
    got = []
    async with ClientSession() as http:
        for body, key in ((PAID, "forged"), (deep, KEY), (b"junk", KEY), (PAID, KEY), (PAID, KEY)):
            async with http.post(url, data=body, headers={"X-API-Key": key}) as resp:
                got.append((resp.status, await resp.json()))
    assert got == [
        (401, {"error": "unauthorized"}),
        (400, {"error": "bad callback body"}),
        (400, {"error": "bad callback body"}),
        (200, {"status": "ok"}),
        (200, {"status": "duplicate"}),
    ]
    assert len(events) == 1


# -- the ASGI example of the guide, driven in-process ----------------------------------------


def _load_asgi_example() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / "callbacks_asgi.py"
    spec = importlib.util.spec_from_file_location("callbacks_asgi_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_asgi_example_answers_every_case() -> None:
    example = _load_asgi_example()
    key = example.CALLBACK_KEY
    failing = {"left": 1}
    original = example.on_event

    async def on_event(event: CallbackEvent) -> None:
        if failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("database down")
        await original(event)

    example.__dict__["on_event"] = on_event  # looked up when called, as in user code

    async def post(headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, Any]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/pivot/callbacks",
                 "headers": headers}
        await example.app(scope, receive, send)
        return int(sent[0]["status"]), json.loads(sent[1]["body"])

    good = [(b"x-api-key", key.encode())]
    unauthorized = (401, {"error": "unauthorized"})
    assert await post([*good, (b"X-API-Key", b"forged")], PAID) == unauthorized  # repeated
    assert await post([(b"x-api-key", b"\xff\xfe")], PAID) == unauthorized
    assert await post(good, b"junk") == (400, {"error": "bad callback body"})
    assert await post(good, PAID) == (500, {"error": "handler failed"})  # released
    assert await post(good, PAID) == (200, {"status": "ok"})  # Pivot's retry is processed
    assert await post(good, PAID) == (200, {"status": "duplicate"})
    assert example.processed == ["PAYMENT.PAID"]
