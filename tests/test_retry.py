from __future__ import annotations

import datetime as dt
import random

import pytest

from pivot_async._retry import (
    RetryPolicy,
    is_retry_safe,
    parse_retry_after,
    retry_delay,
    should_retry_status,
)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert should_retry_status(status)


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 409, 422, 501])
def test_non_retryable_statuses(status: int) -> None:
    assert not should_retry_status(status)


def test_post_is_safe_only_with_request_id() -> None:
    assert not is_retry_safe("POST", {})
    assert is_retry_safe("POST", {"X-REQUEST-ID": "a" * 32})
    assert is_retry_safe("GET", {})


def test_backoff_grows_and_is_jittered_within_bounds() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    rng = random.Random(7)
    for n in range(8):
        ceiling = min(8.0, 0.5 * 2**n)
        for _ in range(50):
            d = retry_delay(n, policy, rng=rng)
            assert ceiling / 2 <= d <= ceiling


def test_retry_after_honoured_up_to_cap() -> None:
    policy = RetryPolicy(max_retry_after=30.0)
    assert retry_delay(0, policy, retry_after=3.0) == 3.0
    assert retry_delay(0, policy, retry_after=3600.0) == 30.0


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("nan") is None
    now = dt.datetime(2026, 1, 1, 0, 0, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now=now) == 10.0


@pytest.mark.parametrize("bad", [-1, 11, True, 1.5])
def test_policy_rejects_bad_max_retries(bad: object) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=bad)  # type: ignore[arg-type]
