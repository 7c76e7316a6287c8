"""The rate limiter: GCRA arithmetic (injected clock, deterministic), the Redis script against a
real server, Redis down -> local limiter with one warning per outage, and the wiring: a client
consults its limiter before each attempt (a 429's Retry-After still applies), the batch runner
and the CLI use a shared one."""

from __future__ import annotations

import itertools
import json
import logging
import random
import sys
from pathlib import Path

import pytest
import redis as sync_redis
from redis.asyncio import Redis

from pivot_async import ConfigurationError, PivotClient, RateLimiter, TokenBucket
from pivot_async.__main__ import main
from pivot_async._rate_limit import gcra_params, gcra_step
from pivot_async.batch import BatchRunner, Operation
from pivot_async.redis_limiter import RedisRateLimiter
from pivot_async.sandbox import Fault, ManualClock, Sandbox
from tests.batch._fakes import FakeClient, payment

from ._server import RedisServer
from .test_docs_recipe import python_blocks

NOW = 1_765_000_000_000_000  # microseconds since the epoch: 16 digits, as Redis TIME gives


class Counting:
    """A RateLimiter that lets everything through and records each acquisition."""

    def __init__(self, events: list[object] | None = None) -> None:
        self.events: list[object] = [] if events is None else events
        self.count = 0

    async def acquire(self) -> None:
        self.count += 1
        self.events.append("acquire")


def script_runs(stats: dict[str, dict[str, int]]) -> int:
    """How many times the limiter's script ran (a first EVALSHA fails: not loaded yet)."""
    return sum(v["calls"] - v.get("failed_calls", 0) - v.get("rejected_calls", 0)
               for k, v in stats.items() if k in ("cmdstat_evalsha", "cmdstat_eval"))


def sends(nows: list[int], interval: int, tolerance: int) -> list[int]:
    """The sending times GCRA gives callers arriving at ``nows``."""
    tat: int | None = None
    out = []
    for now in nows:
        tat, wait = gcra_step(tat, now, interval, tolerance)
        out.append(now + wait)
    return out


# -- the arithmetic ---------------------------------------------------------------------------


def test_gcra_params_round_the_interval_up() -> None:
    assert gcra_params(50, 1) == (20_000, 0)
    assert gcra_params(3, 1) == (333_334, 0)  # never faster than 3/s
    assert gcra_params(10, 4) == (100_000, 300_000)


def test_gcra_spaces_simultaneous_callers_one_interval_apart() -> None:
    interval, tolerance = gcra_params(10, 1)
    assert sends([NOW] * 5, interval, tolerance) == [NOW + i * interval for i in range(5)]
    # a caller arriving after the schedule emptied goes at once
    tat, wait = gcra_step(NOW + 5 * interval, NOW + 9 * interval, interval, tolerance)
    assert (tat, wait) == (NOW + 10 * interval, 0)


def test_gcra_lets_the_burst_through_then_spaces_the_rest() -> None:
    interval, tolerance = gcra_params(10, 3)
    assert sends([NOW] * 6, interval, tolerance) == [
        NOW, NOW, NOW, NOW + interval, NOW + 2 * interval, NOW + 3 * interval]


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize(("rate", "burst"), [(10, 1), (50, 1), (7, 3.5), (200, 10)])
def test_gcra_never_exceeds_rate_times_window_plus_burst(seed: int, rate: float,
                                                         burst: float) -> None:
    interval, tolerance = gcra_params(rate, burst)
    rng = random.Random(seed)
    now, nows = NOW, []
    for _ in range(300):  # bursts of callers and idle gaps, in arrival order
        now += rng.choice([0, 0, 0, rng.randrange(interval * 3)])
        nows.append(now)
    out = sends(nows, interval, tolerance)
    assert out == sorted(out)
    assert all(s >= n for s, n in zip(out, nows, strict=True))  # nobody goes early
    # Requests i..j (j - i + 1 of them) within s_j - s_i seconds: at most rate * that + burst.
    for i, j in itertools.combinations(range(len(out)), 2):
        assert (j - i + 1) <= (out[j] - out[i]) * rate / 1e6 + burst + 1e-9


# -- the Redis script ---------------------------------------------------------------------------


async def test_the_script_computes_what_the_reference_does(redis_server: RedisServer) -> None:
    redis = Redis.from_url(redis_server.url)
    try:
        limiter = RedisRateLimiter(redis, rate=7, burst=2.5, name="script-vs-reference")
        rng = random.Random(1)
        tat: int | None = None
        now = NOW
        for _ in range(200):
            now += rng.choice([0, 0, rng.randrange(400_000)])
            tat, wait = gcra_step(tat, now, limiter.interval, limiter.tolerance)
            assert await limiter.reserve(now=now) == wait / 1e6
        stored = await redis.get(limiter.key)
        assert stored is not None
        assert int(stored) == tat  # 16 digits, stored exactly
        assert 0 < await redis.pttl(limiter.key) <= (tat - now) / 1000 + 1000
    finally:
        await redis.aclose()


async def test_limiters_with_one_name_share_one_schedule(redis_server: RedisServer) -> None:
    redis = Redis.from_url(redis_server.url)
    try:
        a = RedisRateLimiter(redis, rate=10, name="shared-schedule")
        b = RedisRateLimiter(redis, rate=10, name="shared-schedule")
        other = RedisRateLimiter(redis, rate=10, name="another-schedule")
        assert [await a.reserve(now=NOW), await b.reserve(now=NOW), await a.reserve(now=NOW),
                await other.reserve(now=NOW)] == [0.0, 0.1, 0.2, 0.0]
        assert isinstance(a, RateLimiter)
        assert "redis://" not in repr(a)
    finally:
        await redis.aclose()


async def test_redis_down_uses_the_local_limiter_with_one_warning_per_outage(
    disposable_redis: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    local = Counting()
    limiter = RedisRateLimiter.from_url(disposable_redis.url, rate=1000, name="outage",
                                        fallback=local, retry_after=0)
    caplog.set_level(logging.INFO, logger="pivot_async")

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    try:
        await limiter.acquire()
        assert local.count == 0
        disposable_redis.stop()
        for _ in range(3):
            await limiter.acquire()
        assert local.count == 3
        assert len(warnings()) == 1 and "Redis unreachable" in warnings()[0]
        assert disposable_redis.url not in caplog.text

        back = RedisServer(tmp_path / "again", port=disposable_redis.port)
        try:
            for _ in range(5):  # a stale pooled connection may fail once more
                await limiter.acquire()
            redis = Redis.from_url(back.url)
            assert await redis.exists(limiter.key)  # the shared schedule is used again
            await redis.aclose()
            assert "reachable again" in caplog.text
            assert len(warnings()) == 1
        finally:
            back.stop()
        before = local.count
        await limiter.acquire()
        assert local.count == before + 1
        assert len(warnings()) == 2  # a new outage, a new warning
    finally:
        await limiter.aclose()


# -- the wiring ----------------------------------------------------------------------------------


async def test_the_client_waits_before_each_attempt_and_retry_after_still_applies() -> None:
    events: list[object] = []
    limiter = Counting(events)

    async def sleep(delay: float) -> None:
        events.append(("sleep", delay))

    async with Sandbox(clock=ManualClock()) as sandbox:
        sandbox.faults.add(Fault(kind="status", status=429, retry_after=7,
                                 route="GET /v2/payment-method-configs", times=1))
        seen: list[int] = []  # requests the sandbox had received at each acquisition

        async def acquire() -> None:
            seen.append(len(list(sandbox.requests)))
            await Counting.acquire(limiter)

        limiter.acquire = acquire  # type: ignore[method-assign]
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               sleep=sleep, rate_limiter=limiter) as client:
            await client.payment_method_configs.retrieve()
        sent = len(list(sandbox.requests))
    # token fetch, the 429, the retry: one acquisition per request sent...
    assert limiter.count == sent == 3
    # ...each taken just before its request: the call takes its slot once it has its token
    # (a slot is never spent waiting for a token, so requests leave spread out)
    assert seen == [0, 1, 2]
    # the Retry-After wait is not replaced by the limiter: it comes first, then a slot
    assert events[-2:] == [("sleep", 7.0), "acquire"]


async def test_the_wallet_takes_its_slot_after_its_tokens_and_before_signing() -> None:
    async with Sandbox(clock=ManualClock()) as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
        wallet=sandbox.wallet.default_merchant.client_credentials(), rate_limiter=Counting(),
    ) as client:
        assert client._wallet_tokens is not None
        names = [type(layer).__name__
                 for layer in client._wallet_tokens.protocol(None).chain]
        assert names == ["RetryMiddleware", "SnapAuthMiddleware", "RateLimitMiddleware",
                         "SnapSignatureMiddleware", "LoggingMiddleware"]
        names = [type(layer).__name__ for layer in client._payments.chain]
        assert names == ["RetryMiddleware", "BearerAuthMiddleware", "RateLimitMiddleware",
                         "LoggingMiddleware"]


def test_the_client_refuses_a_limiter_that_is_not_one() -> None:
    with pytest.raises(ConfigurationError, match="rate_limiter must be a RateLimiter"):
        PivotClient("id", "secret", rate_limiter=50)  # type: ignore[arg-type]


async def test_the_batch_runner_uses_the_given_limiter_for_every_request() -> None:
    limiter = Counting()
    client = FakeClient()
    runner = BatchRunner(client, concurrency=4, rate_limiter=limiter)
    summary = await runner.run([Operation.create_payment(i, payment(i)) for i in range(1, 21)])
    assert summary.succeeded == 20
    assert limiter.count == len(client.calls) >= 20  # the lookups and the creates


def test_the_batch_cli_shares_the_rate_through_redis(
    disposable_redis: RedisServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.jsonl"
    urls = {"successReturnUrl": "https://shop.example/ok",
            "failureReturnUrl": "https://shop.example/fail",
            "expirationReturnUrl": "https://shop.example/expired"}
    src.write_text("".join(json.dumps({
        "clientReferenceId": f"rl{i}", "amount": {"value": 10000, "currency": "IDR"},
        "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
        "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}}, "mode": "API",
        "redirectUrl": urls}) + "\n" for i in range(5)))
    code = main(["batch", str(src), "--sandbox", "--rate", "1000", "--redis",
                 disposable_redis.url, "--no-progress"])
    _out, err = capsys.readouterr()
    assert code == 0, err
    r = sync_redis.Redis.from_url(disposable_redis.url)
    try:
        stats = r.info("commandstats")
    finally:
        r.close()
    calls = script_runs(stats)
    assert calls >= 10  # a lookup and a create per row, each one slot of the shared budget


def test_redis_without_rate_is_a_usage_error(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "orders.csv"
    src.write_text("clientReferenceId\n")
    code = main(["batch", str(src), "--sandbox", "--redis", "redis://127.0.0.1:1/0"])
    assert code == 2
    assert "--redis shares the rate limit: pass --rate too" in capsys.readouterr().err


def test_token_bucket_is_the_in_process_rate_limiter() -> None:
    assert isinstance(TokenBucket(5), RateLimiter)


async def test_the_guide_recipe_shares_the_rate_through_redis(
    disposable_redis: RedisServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (block,) = python_blocks("## One rate limit for all workers")
    namespace: dict[str, object] = {}
    exec(compile(block, "docs/guides/scaling.md", "exec"), namespace)  # noqa: S102
    main = namespace["main"]
    assert callable(main)
    async with Sandbox() as sandbox:
        for name, value in {"PIVOT_CLIENT_ID": sandbox.client_id,
                            "PIVOT_CLIENT_SECRET": sandbox.client_secret,
                            "PIVOT_BASE_URL": sandbox.url,
                            "REDIS_URL": disposable_redis.url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("PIVOT_ENVIRONMENT", raising=False)
        await main()
        sent = len(list(sandbox.requests))
    assert "virtual accounts configured:" in capsys.readouterr().out
    r = sync_redis.Redis.from_url(disposable_redis.url)
    try:
        stats = r.info("commandstats")
    finally:
        r.close()
    calls = script_runs(stats)
    assert calls == sent == 2  # the token request and the call, each one shared slot


def test_redis_without_the_extra_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "pivot_async.redis_limiter", None)  # import fails
    src = tmp_path / "orders.csv"
    src.write_text("clientReferenceId\n")
    code = main(["batch", str(src), "--sandbox", "--rate", "10", "--redis",
                 "redis://127.0.0.1:1/0", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--redis needs redis-py: pip install 'pivot-async[redis]'" in err
    assert "Traceback" not in err
