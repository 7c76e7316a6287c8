"""Callbacks: key verification, parsing, dedupe, and delivery from the sandbox on loopback."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession, web

from pivot_async import CallbackVerificationError, PivotClient
from pivot_async.callbacks import (
    InMemoryDedupeStore,
    callback_handler,
    dedupe_key,
    parse_event,
    verify_api_key,
)
from pivot_async.models import (
    CallbackEvent,
    PaymentPaidEvent,
    RefundWaitingBankTransferEvent,
    UnknownCallbackEvent,
)
from pivot_async.sandbox import ManualClock, Sandbox
from tests.client.conftest import va_request
from tests.test_construct_event import raw_post

KEY = "cb-key-0123456789"


def test_verify_api_key_is_exact_and_case_insensitive_on_the_name() -> None:
    assert verify_api_key({"x-api-key": KEY}, KEY)
    assert verify_api_key({"X-API-KEY": KEY}, KEY)
    assert not verify_api_key({"X-API-Key": KEY + "x"}, KEY)
    assert not verify_api_key({"X-API-Key": ""}, KEY)
    assert not verify_api_key({}, KEY)
    assert not verify_api_key({"Authorization": KEY}, KEY)
    assert not verify_api_key({"X-API-Key": ""}, "")


def test_parse_known_unknown_and_misspelled_events() -> None:
    session = {"id": "s1", "status": "PAID", "clientReferenceId": "r1"}
    paid = parse_event(json.dumps({"event": "PAYMENT.PAID", "data": session}).encode())
    assert isinstance(paid, PaymentPaidEvent)
    assert dedupe_key(paid) == "PAYMENT.PAID:s1:PAID"
    refund = {"id": "rf1", "status": "WAITING_BANK_TRANSFER"}
    sic = parse_event(json.dumps({"event": "REFUND.WAITING_BANK_TRANFER", "data": refund}).encode())
    assert isinstance(sic, RefundWaitingBankTransferEvent)
    other = parse_event(b'{"event":"WITHDRAW.SUCCESS","data":{"id":"w1"}}')
    assert isinstance(other, UnknownCallbackEvent)
    assert other.data == {"id": "w1"}
    for bad in (b"", b"not json", b"[]", b'{"data":{}}', b'{"event":"PAYMENT.PAID","data":1}'):
        with pytest.raises(CallbackVerificationError):
            parse_event(bad)


async def test_in_memory_store_is_bounded() -> None:
    store = InMemoryDedupeStore(max_keys=2)
    assert await store.claim("a")
    assert not await store.claim("a")
    assert await store.claim("b")
    assert await store.claim("c")
    assert len(store) == 2
    assert await store.claim("a")  # the oldest was forgotten


class Receiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.events: list[CallbackEvent] = []
        self.calls = 0
        self.fail_first = fail_first

    async def __call__(self, event: CallbackEvent) -> None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise RuntimeError("handler down")
        self.events.append(event)


@pytest.fixture
async def receiver_app() -> AsyncIterator[tuple[str, Receiver]]:
    receiver = Receiver(fail_first=1)
    app = web.Application()
    app.router.add_post("/cb", callback_handler(KEY, receiver))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/cb", receiver
    finally:
        await runner.cleanup()


async def test_handler_rejects_bad_key_without_logging_the_body(
    receiver_app: tuple[str, Receiver], caplog: pytest.LogCaptureFixture
) -> None:
    url, receiver = receiver_app
    secret_body = b'{"event":"PAYMENT.PAID","data":{"id":"s-secret","status":"PAID"}}'
    caplog.set_level(logging.DEBUG)
    async with ClientSession() as http:
        async with http.post(url, data=secret_body, headers={"X-API-Key": "BadKey-7f3a"}) as resp:
            assert resp.status == 401
        async with http.post(url, data=b"junk", headers={"X-API-Key": KEY}) as resp:
            assert resp.status == 400
    assert receiver.calls == 0
    assert "s-secret" not in caplog.text
    assert "BadKey-7f3a" not in caplog.text


async def test_sandbox_delivers_with_retry_and_duplicates_are_seen_once(
    receiver_app: tuple[str, Receiver],
) -> None:
    url, receiver = receiver_app
    sandbox = Sandbox(clock=ManualClock(), callback_url=url, callback_key=KEY,
                      callback_delay_scale=0.0001)
    async with sandbox, PivotClient(sandbox.client_id, sandbox.client_secret,
                                    base_url=sandbox.url) as client:
        session = await client.payments.create(va_request("cb1"))
        await client.simulations.create(
            {"paymentSessionId": session.id, "chargeStatus": "SUCCESS"}
        )
        await sandbox.callbacks.wait_idle()
        # the first delivery hit a failing handler (500) and was retried on schedule
        (delivery,) = [d for d in sandbox.callbacks.deliveries if d.event == "PAYMENT.PAID"]
        assert len(delivery.attempts) == 2
        assert [a.status for a in delivery.attempts] == [500, 200]
        # a redelivery of the same event is acknowledged but not handled again
        sandbox.callbacks.retry(delivery.id)
        await sandbox.callbacks.wait_idle()
    paid = [e for e in receiver.events if e.event == "PAYMENT.PAID"]
    assert len(paid) == 1
    assert isinstance(paid[0], PaymentPaidEvent)
    assert paid[0].data.id == session.id
    assert paid[0].data.status == "PAID"


# -- issue 15, point 6 ---------------------------------------------------------------------------


def test_events_without_identity_never_share_a_dedupe_key() -> None:
    bodies = [
        b'{"event":"WITHDRAW.SUCCESS","data":{"amount":1}}',
        b'{"event":"WITHDRAW.SUCCESS","data":{"amount":2}}',
        b'{"event":"WITHDRAW.SUCCESS","data":{"id":"w1"}}',  # an id but no status
        b'{"event":"WITHDRAW.SUCCESS","data":{"id":"w1","note":"x"}}',
        b'{"event":"WITHDRAW.SUCCESS","data":null}',
        b'{"event":"WITHDRAW.SUCCESS","data":[1]}',
        b'{"event":"PAYMENT.PAID","data":{"id":"","status":"PAID","clientReferenceId":"r1"}}',
        b'{"event":"PAYMENT.PAID","data":{"id":"","status":"PAID","clientReferenceId":"r2"}}',
    ]
    keys = {dedupe_key(parse_event(b), b) for b in bodies}
    assert len(keys) == len(bodies)
    without_body = {dedupe_key(parse_event(b)) for b in bodies}
    assert len(without_body) == len(bodies)
    for b in bodies:  # an exact replay is the same event
        assert dedupe_key(parse_event(b), b) == dedupe_key(parse_event(b), b)
        assert dedupe_key(parse_event(b)) == dedupe_key(parse_event(b))
    # events with an identity keep their readable key
    known = b'{"event":"WITHDRAW.SUCCESS","data":{"id":"w1","status":"DONE"}}'
    assert dedupe_key(parse_event(known), known) == "WITHDRAW.SUCCESS:w1:DONE"


@pytest.fixture
async def plain_receiver() -> AsyncIterator[tuple[int, Receiver]]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/cb", callback_handler(KEY, receiver))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield port, receiver
    finally:
        await runner.cleanup()


async def test_unknown_events_without_id_are_each_handled_and_replays_are_not(
    plain_receiver: tuple[int, Receiver],
) -> None:
    port, receiver = plain_receiver
    url = f"http://127.0.0.1:{port}/cb"
    first = b'{"event":"WITHDRAW.SUCCESS","data":{"amount":1}}'
    second = b'{"event":"WITHDRAW.SUCCESS","data":{"amount":2}}'
    answers = []
    async with ClientSession() as http:
        for body in (first, second, first):
            async with http.post(url, data=body, headers={"X-API-Key": KEY}) as resp:
                assert resp.status == 200
                answers.append((await resp.json())["status"])
    assert answers == ["ok", "ok", "duplicate"]
    assert [e.data for e in receiver.events] == [{"amount": 1}, {"amount": 2}]


async def _raw_post(port: int, key_header: bytes) -> int:
    body = b'{"event":"PAYMENT.PAID","data":{"id":"s1","status":"PAID"}}'
    return await raw_post(port, b"X-API-Key: " + key_header + b"\r\n", body)


@pytest.mark.parametrize(
    "key_header",
    [
        b"\xff\xfe\xfd",  # not UTF-8 at all
        KEY.encode() + b"\xc3",  # the right key plus a truncated UTF-8 sequence
        b"\xed\xa0\x80",  # an encoded surrogate (invalid UTF-8)
        "clé-ünïcødé".encode(),  # valid UTF-8, wrong key
        "clé".encode("latin-1"),  # Latin-1 bytes
    ],
)
async def test_undecodable_api_key_gets_401_not_500(
    plain_receiver: tuple[int, Receiver], key_header: bytes
) -> None:
    port, receiver = plain_receiver
    assert await _raw_post(port, key_header) == 401
    assert await _raw_post(port, KEY.encode()) == 200  # the server is still fine
    assert len(receiver.events) == 1


def test_verify_api_key_refuses_non_text_values() -> None:
    assert not verify_api_key({"X-API-Key": "\udcff" + KEY}, KEY)  # a lone surrogate
    assert not verify_api_key({"X-API-Key": KEY.encode()}, KEY)  # type: ignore[dict-item]
    assert not verify_api_key({"X-API-Key": 12345}, KEY)  # type: ignore[dict-item]
    assert not verify_api_key({"X-API-Key": None}, KEY)  # type: ignore[dict-item]
