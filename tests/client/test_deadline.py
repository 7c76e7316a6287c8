"""A timeout is a deadline (issue 15, point 4).

``Timeout.total`` bounds the whole logical call. No test measures time: each counts what the
client did before the deadline (attempts, backoff sleeps asked for, token requests, wallet
status calls) in a setting where the deadline leaves room for exactly one attempt, and
cancellation is checked by the exception class the caller sees.
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from aiohttp import web

from pivot_async import (
    ConfigurationError,
    OutcomeUnknownError,
    PivotClient,
    PivotTimeoutError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Timeout,
)
from pivot_async.sandbox import Fault
from tests.reliability.conftest import (
    DEBIT_PATH,
    STATUS_PATH,
    bind_customer,
    debit_params,
    open_env,
)

from ._fake import TOKEN_PATH, Answer, FakeGateway, fake_gateway, hang, ok, raw
from .conftest import RecordingSleep

PAYMENT = "/v2/payments/0190f1d2-0000-7000-8000-000000000000"
PAYMENT_ID = "0190f1d2-0000-7000-8000-000000000000"


def client_for(gw: FakeGateway, sleeps: RecordingSleep, **kwargs: object) -> PivotClient:
    return PivotClient("merchant", "secret", base_url=gw.url, sleep=sleeps,
                       **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("read", [60.0, None], ids=["read-60s", "no-read-limit"])
async def test_a_hanging_server_gets_one_attempt_within_total(read: float | None) -> None:
    # Before: every attempt had its own `total`, so six retries meant seven full waits.
    forever = asyncio.Event()
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, hang(forever))
        async with client_for(gw, sleeps, max_retries=6,
                              timeout=Timeout(total=0.3, connect=5, read=read)) as client:
            with pytest.raises(PivotTimeoutError):
                await client.payments.retrieve(PAYMENT_ID)
        forever.set()
    assert gw.count("GET", PAYMENT) == 1
    assert sleeps.delays == []  # no backoff started that would end past the deadline


async def test_retries_stop_when_the_backoff_would_pass_the_deadline() -> None:
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, raw(503, b'{"code":"unavailable","message":"busy"}'))
        policy = RetryPolicy(max_retries=6, base_delay=30.0, max_delay=30.0)
        async with client_for(gw, sleeps, retry_policy=policy, timeout=10.0) as client:
            with pytest.raises(ServerError):
                await client.payments.retrieve(PAYMENT_ID)
    assert gw.count("GET", PAYMENT) == 1 and sleeps.delays == []


async def test_a_retry_after_beyond_the_deadline_is_not_waited_for() -> None:
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT,
              raw(429, b'{"code":"frequency_above_limit"}', **{"Retry-After": "20"}))
        async with client_for(gw, sleeps, timeout=5.0) as client:
            with pytest.raises(RateLimitError) as info:
                await client.payments.retrieve(PAYMENT_ID)
    assert info.value.retry_after == 20.0
    assert gw.count("GET", PAYMENT) == 1 and sleeps.delays == []


async def test_the_token_fetch_is_bounded_by_the_deadline() -> None:
    forever = asyncio.Event()
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("POST", TOKEN_PATH, hang(forever))
        async with client_for(gw, sleeps, max_retries=6,
                              timeout=Timeout(total=0.3, connect=5, read=60)) as client:
            with pytest.raises(PivotTimeoutError):
                await client.payments.retrieve(PAYMENT_ID)
        forever.set()
    assert gw.count("POST", TOKEN_PATH) == 1 and sleeps.delays == []
    assert gw.count("GET", PAYMENT) == 0


def stalled_body(forever: asyncio.Event) -> Answer:
    """200 with its headers and the start of its body, then nothing more."""
    async def answer(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        resp.content_length = 4096
        await resp.prepare(request)
        await resp.write(b'{"code":"00","message":"Success","data":{"id":"')
        await forever.wait()
        return resp
    return answer


@pytest.mark.parametrize("read", [60.0, None], ids=["read-60s", "no-read-limit"])
async def test_reading_a_stalled_body_is_bounded_by_the_deadline(read: float | None) -> None:
    # The answer's headers came in time; its body stalls. `read` (60 s, or none: the
    # default) would wait: the deadline (0.3 s) ends the call, without a retry.
    forever = asyncio.Event()
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, stalled_body(forever))
        async with client_for(gw, sleeps, max_retries=6,
                              timeout=Timeout(total=0.3, connect=5, read=read)) as client:
            with pytest.raises(PivotTimeoutError, match="deadline"):
                await client.payments.retrieve(PAYMENT_ID)
        forever.set()
    assert gw.count("GET", PAYMENT) == 1 and sleeps.delays == []


async def test_the_default_timeout_has_no_read_limit_and_its_deadline_ends_a_stall() -> None:
    # The default (and a number) sets no per-read limit: the whole-call deadline alone
    # bounds a stalled read. A client whose timeout is a number: its deadline ends it.
    assert Timeout().read is None and Timeout() == Timeout.coerce(None)
    assert Timeout.coerce(0.3) == Timeout(total=0.3, connect=0.3, read=None)
    assert Timeout().to_aiohttp().sock_read is None
    forever = asyncio.Event()
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, stalled_body(forever))
        async with client_for(gw, sleeps, max_retries=6, timeout=0.3) as client:
            with pytest.raises(PivotTimeoutError, match="deadline"):
                await client.payments.retrieve(PAYMENT_ID)
        forever.set()
    assert gw.count("GET", PAYMENT) == 1 and sleeps.delays == []


async def test_a_user_set_read_limit_ends_a_stalled_body_before_the_deadline() -> None:
    # `read` set: the stalled body times out on the read limit (not the 60 s deadline);
    # the body read is not re-sent.
    forever = asyncio.Event()
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, stalled_body(forever))
        async with client_for(gw, sleeps, max_retries=6,
                              timeout=Timeout(total=60, connect=5, read=0.05)) as client:
            with pytest.raises(PivotTimeoutError, match=r"timed out \(timeout=") as info:
                await client.payments.retrieve(PAYMENT_ID)
        forever.set()
    assert "read=0.05" in str(info.value)
    assert gw.count("GET", PAYMENT) == 1 and sleeps.delays == []


async def test_a_user_set_read_limit_times_out_each_attempt_and_it_is_retried() -> None:
    # `read` set: an attempt that gets no answer within it times out and a retry-safe call
    # is re-sent, each attempt with its own read limit (the deadline, 60 s, is far away).
    forever = asyncio.Event()
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, hang(forever))
        async with client_for(gw, sleeps, max_retries=2,
                              timeout=Timeout(total=60, connect=5, read=0.05)) as client:
            with pytest.raises(PivotTimeoutError, match="timed out"):
                await client.payments.retrieve(PAYMENT_ID)
        forever.set()
    assert gw.count("GET", PAYMENT) == 3 and len(sleeps.delays) == 2


@pytest.mark.parametrize("kwargs", [
    {"read": 0}, {"read": -1.0}, {"read": float("nan")}, {"read": True}, {"read": "5"},
    {"total": 0}, {"total": float("nan")}, {"connect": None}, {"connect": -1},
])
def test_a_timeout_refuses_what_is_not_a_positive_number(kwargs: dict[str, object]) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ConfigurationError, match=rf"timeout\.{name} must be a positive number"):
        Timeout(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -3, float("nan"), True, "30"])
def test_a_numeric_timeout_must_be_a_positive_number(value: object) -> None:
    with pytest.raises(ConfigurationError, match="timeout must be a positive number"):
        Timeout.coerce(value)  # type: ignore[arg-type]


async def test_a_per_call_timeout_is_the_deadline_of_that_call() -> None:
    forever = asyncio.Event()
    sleeps = RecordingSleep()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, hang(forever))
        async with client_for(gw, sleeps, max_retries=6, timeout=120.0) as client:
            with pytest.raises(PivotTimeoutError):
                await client.payments.retrieve(PAYMENT_ID, timeout=0.3)
        forever.set()
    assert gw.count("GET", PAYMENT) == 1 and sleeps.delays == []


async def test_a_wallet_debit_and_its_status_resolution_share_one_deadline() -> None:
    # The debit is handled late (latency) and its status cannot be read within the deadline:
    # the caller gets the ambiguous-outcome error with its references, no status call is
    # started past the deadline, and the debit is not re-sent.
    async with open_env(timeout=Timeout(total=30, connect=5, read=60)) as env:
        customer = await bind_customer(env)
        env.sandbox.faults.add(Fault(kind="latency", delay=1.0, route=f"POST {DEBIT_PATH}"))
        with pytest.raises(OutcomeUnknownError) as info:
            await env.client.wallet.debit(customer, debit_params("DLDEBIT1"), timeout=0.3)
        assert info.value.references["partnerReferenceNo"] == "DLDEBIT1"
        assert isinstance(info.value.__cause__, PivotTimeoutError)
        assert env.sandbox.request_count("POST", DEBIT_PATH) == 1
        assert env.sandbox.request_count("POST", STATUS_PATH) == 0


# -- cancelling a call is a cancellation, also after an attempt timed out inside it ---------------


async def _second_attempt_started(gw: FakeGateway, path: str) -> None:
    await gw.arrived("GET", path, 2)


async def test_cancel_after_an_inner_attempt_timed_out_raises_cancelled_error() -> None:
    forever = asyncio.Event()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, hang(forever))
        async with client_for(gw, RecordingSleep(), max_retries=6,
                              timeout=Timeout(total=60, connect=5, read=0.05)) as client:
            task = asyncio.create_task(client.payments.retrieve(PAYMENT_ID))
            await _second_attempt_started(gw, PAYMENT)  # the first attempt timed out
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert task.cancelled()
        forever.set()


async def test_wait_for_around_a_call_raises_its_own_timeout() -> None:
    forever = asyncio.Event()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, hang(forever))
        async with client_for(gw, RecordingSleep(), max_retries=6,
                              timeout=Timeout(total=60, connect=5, read=0.05)) as client:
            call = asyncio.ensure_future(client.payments.retrieve(PAYMENT_ID))
            waiter = asyncio.ensure_future(asyncio.wait_for(asyncio.shield(call), 60))
            await _second_attempt_started(gw, PAYMENT)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        forever.set()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout and TaskGroup: 3.11+")
async def test_asyncio_timeout_and_task_group_see_a_cancellation() -> None:
    forever = asyncio.Event()
    async with fake_gateway() as gw:
        gw.on("GET", PAYMENT, hang(forever))
        gw.on("GET", "/v2/payment-method-configs", ok({}))
        async with client_for(gw, RecordingSleep(), max_retries=6,
                              timeout=Timeout(total=60, connect=5, read=0.05)) as client:
            # asyncio.timeout: the call is cancelled by the caller's scope, which raises its
            # own TimeoutError (not the client's PivotTimeoutError).
            async def under_timeout_scope() -> None:
                async with asyncio.timeout(None) as scope:  # type: ignore[attr-defined]
                    task = asyncio.ensure_future(client.payments.retrieve(PAYMENT_ID))
                    await _second_attempt_started(gw, PAYMENT)
                    scope.reschedule(asyncio.get_running_loop().time())
                    await task

            with pytest.raises(TimeoutError) as info:
                await under_timeout_scope()
            assert not isinstance(info.value, PivotTimeoutError)
            # TaskGroup: a sibling's failure cancels the call, and the group reports the
            # sibling's error only.
            before = gw.count("GET", PAYMENT)

            async def sibling() -> None:
                await gw.arrived("GET", PAYMENT, before + 2)
                raise LookupError("sibling failed")

            async def in_task_group() -> None:
                async with asyncio.TaskGroup() as tg:  # type: ignore[attr-defined]
                    tg.create_task(client.payments.retrieve(PAYMENT_ID))
                    tg.create_task(sibling())

            with pytest.raises(Exception) as group:
                await in_task_group()
            assert [type(e) for e in group.value.exceptions] == [LookupError]  # type: ignore[attr-defined]
        forever.set()
