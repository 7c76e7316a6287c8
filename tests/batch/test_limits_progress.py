"""Rate limit (fake clock), progress line, summary percentiles, streaming backpressure."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from pivot_async.batch import BatchRunner, Operation, TokenBucket
from pivot_async.batch._progress import ProgressBar, percentile, wants_progress
from tests.batch._fakes import FakeClient, LeanClient, payment


class FakeTime:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        wake = self.now + delay
        await asyncio.sleep(0)
        self.now = max(self.now, wake)


def test_token_bucket_reserves_slots_in_order() -> None:
    t = FakeTime()
    bucket = TokenBucket(2.0, burst=2, clock=t.clock)
    assert [bucket.reserve() for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    t.now = 10.0  # refilled, but never above the burst
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.5]
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(1.0, burst=0.5)


async def test_rate_limit_is_shared_across_the_job() -> None:
    t = FakeTime()
    sent: list[float] = []

    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        sent.append(t.now)

    client = FakeClient(before=before)
    runner = BatchRunner(client, concurrency=8, rate=10.0, clock=t.clock, sleep=t.sleep)
    summary = await runner.run([Operation.create_payment(i, payment(i)) for i in range(1, 51)])
    assert summary.succeeded == 50
    sent.sort()
    for i, at in enumerate(sent):  # i+1 requests by time `at`: at most burst + rate * at
        assert i + 1 <= 1 + 10.0 * at + 1e-9
    assert sent[-1] >= 4.9 - 1e-9
    assert t.sleeps  # it waited on the injected sleep, never on real time


async def test_summary_percentiles_with_an_injected_clock() -> None:
    t = FakeTime()

    async def before(kind: str, params: Mapping[str, Any], key: str | None) -> None:
        t.now += int(params["clientReferenceId"][5:]) / 1000.0  # row n takes n ms

    runner = BatchRunner(FakeClient(before=before), concurrency=1, clock=t.clock)
    summary = await runner.run([Operation.create_payment(i, payment(i)) for i in range(1, 101)])
    assert summary.latency_p50 == pytest.approx(0.050)
    assert summary.latency_p95 == pytest.approx(0.095)
    assert summary.latency_p99 == pytest.approx(0.099)
    assert summary.elapsed == pytest.approx(5.05)
    assert summary.throughput == pytest.approx(100 / 5.05)
    text = str(summary)
    assert "succeeded 100" in text and "p95 95.0 ms" in text


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 99) == 3.0
    values = [float(v) for v in range(1, 11)]
    assert percentile(values, 50) == 5.0
    assert percentile(values, 95) == 10.0
    assert percentile(values, 0) == 1.0


def test_progress_bar_throttles_and_shows_rate_eta_and_failures() -> None:
    t = FakeTime()
    out = io.StringIO()
    bar = ProgressBar(total=100, enabled=True, stream=out, clock=t.clock)
    t.now = 1.0
    bar.update(10, 10, {"failed": 2, "invalid": 0})
    bar.update(11, 11, {"failed": 2})  # within 0.1 s: not drawn
    assert bar.renders == 1
    t.now = 1.2
    bar.update(12, 12, {"failed": 3})
    bar.close()
    text = out.getvalue()
    assert text.startswith("\r") and text.endswith("\n")
    assert bar.renders == 2
    assert "10/100" in text and "10.0 ops/s" in text and "ETA" in text
    assert "failed 3" in text and "invalid" not in text


async def test_progress_is_quiet_when_not_a_tty() -> None:
    out = io.StringIO()
    assert not wants_progress(None, out)
    assert wants_progress(True, out)
    runner = BatchRunner(FakeClient(), progress_stream=out)
    await runner.run([Operation.create_payment(1, payment(1))])
    assert out.getvalue() == ""
    runner = BatchRunner(FakeClient(), progress=True, progress_stream=out)
    await runner.run([Operation.create_payment(1, payment(1))], total=1)
    assert "1/1" in out.getvalue()


async def test_streaming_200k_rows_keeps_the_reader_close_to_completions() -> None:
    n, concurrency = 200_000, 64
    client = LeanClient()
    worst = 0

    def rows() -> Iterator[Operation]:
        nonlocal worst
        for i in range(1, n + 1):
            # rows handed out before this one, minus requests completed
            worst = max(worst, i - 1 - client.payments.completed)
            yield Operation.create_payment(i, payment(i))

    runner = BatchRunner(client, concurrency=concurrency, durable=False)  # type: ignore[arg-type]
    summary = await runner.run(rows())
    assert summary.succeeded == n and summary.processed == n
    assert worst <= 2 * concurrency
    assert client.payments.max_in_flight == concurrency
